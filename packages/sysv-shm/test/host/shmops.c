/*
 * shmops: seeded random shmget/shmat/shmdt/shmctl calls (and munmap/mprotect of attachments) made
 * by a parent and the children it forks, for the differential test of @mmsim/sysv-shm. Run in a
 * fresh IPC namespace (`unshare --ipc`) under `setarch -R`. One process runs at a time; each line
 * is written with write(2) as soon as it is made (no malloc, no stdio buffers), so the log is in
 * the order things happened:
 *   "limits <shmmax> <shmall> <shmmni>"            the sysctls this seed set (decimal)
 *   "brk <start_brk>"
 *   "maps-begin" .. "maps-end"                      the parent's initial /proc/self/maps
 *   "<pid> <call> <args in hex> = <result>"         result: hex, or -errno in decimal
 *   "seg <id> <segsz> <nattch> <cpid> <lpid> <mode> <key> <uid> <gid> <cuid> <cgid> <atime?> <dtime?>"
 *        after every call, one per segment (SHM_STAT_ANY over every index; mode in octal, key in hex,
 *        atime?/dtime? are 0 or 1 for unset/set)
 *   "<pid> fork = <child>", "<child> cred <uid> <gid> <memlock> = 0", "<child> exit", "<child> stay",
 *   "<pid> wait <child> = 0" (the child exited), "<pid> kill <child> = 0" (a staying child killed)
 *   "sysvipc-begin" .. "sysvipc-end"               /proc/sysvipc/shm at the end
 *   "maps-begin" .. "maps-end"                      the parent's final maps
 * Arguments: seed, number of calls, and "no-mprotect" to split attachments with munmap only.
 * Fixed addresses are either the program's own attach addresses or inside a window away from
 * everything else, and never overlap the areas the program started with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

#define PG 4096UL
#define WINDOW 0x200000000UL
#define WINDOW_PAGES 64

static char line[1024];
static void emit(const char *s) { (void)!write(1, s, strlen(s)); }

static uint64_t state;
static uint64_t rnd(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }
static uint64_t pick(uint64_t n) { return rnd() % n; }

static unsigned long keep_start[128], keep_end[128];
static int nkeep;
static int privileged = 1;
static int seed;

static void dump_maps(void) {
  static char buf[1 << 16];
  int fd = open("/proc/self/maps", O_RDONLY);
  ssize_t n, total = 0;
  while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0) total += n;
  close(fd);
  buf[total] = 0;
  emit("maps-begin\n"); emit(buf); emit("maps-end\n");
  if (nkeep == 0) {
    for (const char *p = buf; *p && nkeep < 128; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "") {
      char *e;
      keep_start[nkeep] = strtoul(p, &e, 16);
      keep_end[nkeep] = strtoul(e + 1, 0, 16);
      nkeep++;
    }
  }
}

static void dump_sysvipc(void) {
  static char buf[1 << 16];
  int fd = open("/proc/sysvipc/shm", O_RDONLY);
  ssize_t n, total = 0;
  while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0) total += n;
  close(fd);
  buf[total] = 0;
  emit("sysvipc-begin\n"); emit(buf); emit("sysvipc-end\n");
}

static int hits_initial(unsigned long a, unsigned long len) {
  unsigned long end = a + len;
  if (end < a) return 1;
  for (int i = 0; i < nkeep; i++) if (a < keep_end[i] && end > keep_start[i]) return 1;
  return 0;
}

/* What this process knows: ids it got, addresses it attached at. */
static int ids[32];
static int nids;
static unsigned long atts[32];
static int natts;

static void remember_id(long r) { if (r >= 0) ids[nids < 32 ? nids++ : (int)pick(32)] = (int)r; }
static void remember_att(long r) { if (r >= 0 && (unsigned long)r < 0x800000000000UL) atts[natts < 32 ? natts++ : (int)pick(32)] = (unsigned long)r; }

static long raw(long r) { return r == -1 ? -errno : r; }

static void result(long r) {
  size_t n = strlen(line);
  if (r < 0 && r > -4096) snprintf(line + n, sizeof line - n, " = %ld\n", r);
  else snprintf(line + n, sizeof line - n, " = %lx\n", r);
  emit(line);
}

/* The ids the last scan saw. */
static int live[64];
static int nlive;

/* Every segment as SHM_STAT_ANY sees it. */
static void scan(void) {
  struct shm_info info;
  int max = shmctl(0, SHM_INFO, (struct shmid_ds *)&info);
  nlive = 0;
  for (int i = 0; i <= max; i++) {
    struct shmid_ds ds;
    int id = shmctl(i, SHM_STAT_ANY, &ds);
    if (id < 0) continue;
    if (nlive < 64) live[nlive++] = id;
    snprintf(line, sizeof line, "seg %d %lu %lu %d %d %o %x %u %u %u %u %d %d\n", id, (unsigned long)ds.shm_segsz,
             (unsigned long)ds.shm_nattch, ds.shm_cpid, ds.shm_lpid, ds.shm_perm.mode, (unsigned)ds.shm_perm.__key,
             ds.shm_perm.uid, ds.shm_perm.gid, ds.shm_perm.cuid, ds.shm_perm.cgid, ds.shm_atime != 0, ds.shm_dtime != 0);
    emit(line);
  }
}

static int some_id(void) {
  static const int extra[] = {0, 1, 2, 3, 4, 5, 32768, 32769, -1, 99999};
  uint64_t k = pick(8);
  if (nlive > 0 && k < 5) return live[pick(nlive)];
  if (nids > 0 && k < 7) return ids[pick(nids)];
  return extra[pick(10)];
}

static unsigned long window_addr(void) { return WINDOW + PG * pick(WINDOW_PAGES); }
static unsigned long some_att(void) { return natts > 0 && pick(4) != 0 ? atts[pick(natts)] : window_addr(); }

static void op_shmget(void) {
  static const size_t sizes[] = {1, 100, 4096, 4097, 3 * 4096, 5 * 4096 + 7, 8 * 4096, 0, 1UL << 46, 2 * 4096};
  static const int modes[] = {0600, 0644, 0666, 0400, 0, 0777, 0640, 0606};
  int key = pick(3) == 0 ? IPC_PRIVATE : 0x5000 + seed * 8 + (int)pick(4);
  size_t size = sizes[pick(10)];
  int flg = modes[pick(8)];
  if (pick(3) != 0) flg |= IPC_CREAT;
  if (pick(4) == 0) flg |= IPC_EXCL;
  if (pick(8) == 0 && size < (1UL << 40)) flg |= SHM_NORESERVE;
  long r = raw(syscall(SYS_shmget, key, size, flg));
  snprintf(line, sizeof line, "%d shmget %x %lx %x", getpid(), key, (unsigned long)size, flg);
  result(r);
  remember_id(r);
}

static void op_shmat(void) {
  int id = some_id(), flg = 0;
  unsigned long addr = 0;
  if (pick(4) == 0) flg |= SHM_RDONLY;
  if (pick(6) == 0) flg |= SHM_EXEC;
  switch (pick(8)) {
  case 0: case 1: case 2: case 3: break;
  case 4: addr = window_addr(); break;
  case 5: addr = some_att() + PG * pick(3); break;
  case 6: addr = window_addr() + 1 + pick(PG - 1); if (pick(2)) flg |= SHM_RND; break;
  default: addr = privileged && pick(2) ? 0x10 : 0; flg |= SHM_RND; break;
  }
  if (pick(4) == 0) flg |= SHM_REMAP;
  /* a replacing attach never reaches the program's own areas: at most 9 pages from addr */
  if ((flg & SHM_REMAP) && addr >= PG && hits_initial(addr & ~(PG - 1), 9 * PG)) addr = window_addr();
  long r = raw(syscall(SYS_shmat, id, addr, flg));
  snprintf(line, sizeof line, "%d shmat %x %lx %x", getpid(), id, addr, flg);
  result(r);
  remember_att(r);
}

static void op_shmdt(void) {
  unsigned long addr = some_att();
  switch (pick(6)) {
  case 0: addr += PG; break;
  case 1: addr += 1; break;
  default: break;
  }
  long r = raw(syscall(SYS_shmdt, addr));
  snprintf(line, sizeof line, "%d shmdt %lx", getpid(), addr);
  result(r);
}

static int with_mprotect = 1;

static void op_split(void) {
  unsigned long addr = some_att() + PG * pick(4), len = PG * (1 + pick(3));
  if (hits_initial(addr, len)) addr = window_addr();
  if (pick(2) || !with_mprotect) {
    long r = raw(syscall(SYS_munmap, addr, len));
    snprintf(line, sizeof line, "%d munmap %lx %lx", getpid(), addr, len);
    result(r);
  } else {
    static const int prots[] = {PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE};
    int prot = prots[pick(3)];
    long r = raw(syscall(SYS_mprotect, addr, len, prot));
    snprintf(line, sizeof line, "%d mprotect %lx %lx %x", getpid(), addr, len, prot);
    result(r);
  }
}

static void op_shmctl(void) {
  static const int cmds[] = {IPC_STAT, IPC_SET, IPC_RMID, IPC_RMID, SHM_LOCK, SHM_UNLOCK, IPC_INFO, SHM_INFO, SHM_STAT, SHM_STAT_ANY, 99};
  int cmd = cmds[pick(11)];
  int id = (cmd == SHM_STAT || cmd == SHM_STAT_ANY) ? (int)pick(6) : some_id();
  struct shmid_ds ds;
  memset(&ds, 0, sizeof ds);
  unsigned long a = 0, b = 0, c = 0;
  if (cmd == IPC_SET) {
    static const unsigned owners[] = {0, 2001, 2002};
    static const int modes[] = {0600, 0644, 0666, 0400, 0, 0777, 0640, 07606};
    ds.shm_perm.uid = owners[pick(3)] ? owners[pick(3)] + seed * 4 : 0;
    ds.shm_perm.gid = pick(2) ? 1000 : 0;
    ds.shm_perm.mode = modes[pick(8)];
    a = ds.shm_perm.uid; b = ds.shm_perm.gid; c = ds.shm_perm.mode;
  }
  long r = raw(syscall(SYS_shmctl, id, cmd, &ds));
  if (cmd == IPC_INFO && r >= 0) {
    struct shminfo *si = (struct shminfo *)&ds;
    snprintf(line, sizeof line, "%d shmctl %x %x info %lx %lx %lx %lx %lx", getpid(), id, cmd, si->shmmax, si->shmmin, si->shmmni, si->shmseg, si->shmall);
  } else if (cmd == SHM_INFO && r >= 0) {
    struct shm_info *si = (struct shm_info *)&ds;
    snprintf(line, sizeof line, "%d shmctl %x %x shminfo %x %lx %lx", getpid(), id, cmd, si->used_ids, si->shm_tot, si->shm_rss);
  } else if (cmd == IPC_SET) {
    snprintf(line, sizeof line, "%d shmctl %x %x set %lx %lx %lx", getpid(), id, cmd, a, b, c);
  } else {
    snprintf(line, sizeof line, "%d shmctl %x %x", getpid(), id, cmd);
  }
  result(r);
}

static void one_op(void) {
  switch (pick(10)) {
  case 0: case 1: op_shmget(); break;
  case 2: case 3: case 4: op_shmat(); break;
  case 5: case 6: op_shmdt(); break;
  case 7: op_split(); break;
  default: op_shmctl(); break;
  }
  scan();
}

/* A child drops to an unprivileged user half of the time, with a small RLIMIT_MEMLOCK. */
static void child_creds(void) {
  if (pick(2)) return;
  static const unsigned long memlocks[] = {0, 2 * 4096, 8 << 20};
  unsigned uid = 2001 + (unsigned)pick(2) + seed * 4, gid = pick(2) ? 1000 : 1001;
  unsigned long memlock = memlocks[pick(3)];
  struct rlimit rl = {memlock, memlock};
  if (setgroups(0, 0) || setresgid(gid, gid, gid) || setrlimit(RLIMIT_MEMLOCK, &rl) || setresuid(uid, uid, uid)) exit(3);
  privileged = 0;
  snprintf(line, sizeof line, "%d cred %x %x %lx = 0\n", getpid(), uid, gid, memlock);
  emit(line);
}

static pid_t staying[8];
static int nstaying;

static void reap_one(void) {
  if (nstaying == 0) return;
  int i = (int)pick(nstaying);
  pid_t c = staying[i];
  staying[i] = staying[--nstaying];
  kill(c, SIGKILL);
  waitpid(c, 0, 0);
  snprintf(line, sizeof line, "%d kill %d = 0\n", getpid(), c);
  emit(line);
  scan();
}

static void do_fork(void) {
  int go[2], ready[2];
  if (pipe(go) || pipe(ready)) exit(4);
  pid_t c = fork();
  if (c < 0) exit(5);
  if (c == 0) {
    char x;
    close(go[1]); close(ready[0]);
    if (read(go[0], &x, 1) != 1) _exit(6);
    child_creds();
    int n = 1 + (int)pick(12);
    for (int i = 0; i < n; i++) one_op();
    if (pick(3) == 0) {
      snprintf(line, sizeof line, "%d stay\n", getpid());
      emit(line);
      (void)!write(ready[1], "x", 1);
      for (;;) pause();
    }
    snprintf(line, sizeof line, "%d exit\n", getpid());
    emit(line);
    _exit(0);
  }
  close(go[0]); close(ready[1]);
  snprintf(line, sizeof line, "%d fork = %d\n", getpid(), c);
  emit(line);
  scan();
  (void)!write(go[1], "x", 1);
  close(go[1]);
  char x;
  if (read(ready[0], &x, 1) == 1 && nstaying < 8) {
    staying[nstaying++] = c;
  } else {
    waitpid(c, 0, 0);
    snprintf(line, sizeof line, "%d wait %d = 0\n", getpid(), c);
    emit(line);
    scan();
  }
  close(ready[0]);
  /* the child's choices came from its copy of the generator: move ours on so the two differ */
  rnd();
}

static void set_limits(void) {
  static const char *names[] = {"/proc/sys/kernel/shmmax", "/proc/sys/kernel/shmall", "/proc/sys/kernel/shmmni"};
  unsigned long vals[3] = {6 * 4096 + 50, 40, 6};
  for (int i = 0; i < 3; i++) {
    int fd = open(names[i], O_WRONLY);
    char v[32];
    snprintf(v, sizeof v, "%lu\n", vals[i]);
    if (fd < 0 || write(fd, v, strlen(v)) < 0) exit(7);
    close(fd);
  }
  snprintf(line, sizeof line, "limits %lu %lu %lu\n", vals[0], vals[1], vals[2]);
  emit(line);
}

int main(int argc, char **argv) {
  seed = argc > 1 ? atoi(argv[1]) : 1;
  int nops = argc > 2 ? atoi(argv[2]) : 100;
  with_mprotect = argc > 3 ? strcmp(argv[3], "no-mprotect") != 0 : 1;
  state = (uint64_t)seed * 2654435761ULL + 88172645463325252ULL;
  if (seed % 3 == 0) set_limits();
  snprintf(line, sizeof line, "brk %lx\n", (long)syscall(SYS_brk, 0));
  emit(line);
  dump_maps();
  for (int i = 0; i < nops; i++) {
    switch (pick(14)) {
    case 0: do_fork(); break;
    case 1: reap_one(); break;
    default: one_op(); break;
    }
  }
  while (nstaying > 0) reap_one();
  dump_sysvipc();
  dump_maps();
  return 0;
}
