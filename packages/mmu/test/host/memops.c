/*
 * memops: seeded random mmap/munmap/mprotect/mremap/brk/madvise/mlock/msync calls mixed with
 * reads and writes of the memory they map, and forks, for the differential test of mmsim's page
 * tables, faults and copy-on-write. Run under `setarch -R`. Prints, with write(2) only:
 *   the lines of mmops.c (file, brk, maps-begin..maps-end, "<call> <args> = <result>"), plus
 *   "wr <addr> <pages> <byte> = <done>[ sig <signo> <code> <addr>]": one byte written per page at
 *      addr, addr+4096, ... until a signal stops it;
 *   "rd <addr> <pages> = <done> <sum>[ sig ...]": the same with reads, summing the bytes read;
 *   "fork-begin" .. "fork-end": what a child did (it runs a few operations, prints its smaps and
 *      exits) while the parent waited;
 *   "smaps-begin" .. "smaps-end": /proc/self/smaps at the end (and in each child).
 * Addresses are the program's own mappings or inside a window away from everything else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static char out[1 << 16];
static size_t outlen;
static void flush(void) { if (outlen) { (void)!write(1, out, outlen); outlen = 0; } }
static void emit(const char *s) {
  size_t n = strlen(s);
  if (outlen + n > sizeof out) flush();
  memcpy(out + outlen, s, n);
  outlen += n;
}
static char line[512];

static uint64_t state;
static uint64_t rnd(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }
static uint64_t pick(uint64_t n) { return rnd() % n; }

static unsigned long keep_start[128], keep_end[128];
static int nkeep;

static void keep_initial(const char *maps) {
  for (const char *p = maps; *p && nkeep < 128; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "") {
    char *e;
    keep_start[nkeep] = strtoul(p, &e, 16);
    keep_end[nkeep] = strtoul(e + 1, 0, 16);
    nkeep++;
  }
}

static int hits_initial(unsigned long a, unsigned long len) {
  unsigned long end = a + ((len + 4095) & ~4095UL);
  for (int i = 0; i < nkeep; i++) if (a < keep_end[i] && end > keep_start[i]) return 1;
  return 0;
}

static char procbuf[1 << 18];
static const char *dump(const char *path, const char *tag) {
  int fd = open(path, O_RDONLY);
  ssize_t n, total = 0;
  while ((n = read(fd, procbuf + total, sizeof procbuf - 1 - total)) > 0) total += n;
  close(fd);
  procbuf[total] = 0;
  snprintf(line, sizeof line, "%s-begin\n", tag); emit(line);
  emit(procbuf);
  snprintf(line, sizeof line, "%s-end\n", tag); emit(line);
  return procbuf;
}

#define WINDOW 0x200000000UL
#define WINDOW_PAGES 64
#define PG 4096UL
static unsigned long mine[64];
static int nmine;
static long brk0, cur_brk;

static unsigned long window_addr(void) { return WINDOW + PG * pick(WINDOW_PAGES); }
static unsigned long some_addr(void) {
  if (nmine > 0 && pick(3) != 0) return mine[pick(nmine)] + PG * pick(4);
  return window_addr();
}
static unsigned long safe(unsigned long a, unsigned long len) { return hits_initial(a, len) ? window_addr() : a; }
static unsigned long some_len(void) { return PG * (1 + pick(8)) - (pick(8) == 0 ? 100 : 0); }
static int some_prot(void) { static const int p[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE}; return p[pick(6)]; }
static void remember(long r) { if (r > 0 && (unsigned long)r < 0x7fffffffffffUL) mine[nmine < 64 ? nmine++ : (int)pick(64)] = (unsigned long)r; }
static long raw(long r) { return r == -1 ? -errno : r; }

static int fds[3] = {-1, -1, 99};

static void open_files(const char *dir) {
  static char path[400];
  snprintf(path, sizeof path, "%s/data", dir);
  int rw = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (rw < 0 || ftruncate(rw, 16 * 4096) != 0) exit(2);
  fds[0] = rw;
  fds[1] = open(path, O_RDONLY);
  for (int i = 0; i < 2; i++) {
    struct stat st;
    fstat(fds[i], &st);
    snprintf(line, sizeof line, "file %d %s %x %x %lu %s\n", fds[i], i == 0 ? "rw" : "ro", major(st.st_dev), minor(st.st_dev),
             (unsigned long)st.st_ino, path);
    emit(line);
  }
}

static void result(long r) {
  if (r < 0 && r > -4096) snprintf(line + strlen(line), sizeof line - strlen(line), " = -%ld\n", -r);
  else snprintf(line + strlen(line), sizeof line - strlen(line), " = %lx\n", r);
  emit(line);
}

/* Memory accesses: a signal handler jumps back with what happened. */
static sigjmp_buf jb;
static volatile int got_sig, got_code;
static volatile unsigned long got_addr;
static void on_fault(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got_sig = sig; got_code = si->si_code; got_addr = (unsigned long)si->si_addr;
  siglongjmp(jb, 1);
}

static void access_pages(int wr, unsigned long a, int pages, unsigned char val) {
  static volatile int done;
  static volatile unsigned sum;
  done = 0; sum = 0; got_sig = 0;
  if (sigsetjmp(jb, 1) == 0) {
    for (; done < pages; done++) {
      volatile unsigned char *p = (volatile unsigned char *)(a + (unsigned long)done * PG);
      if (wr) *p = val; else sum += *p;
    }
  }
  if (wr) snprintf(line, sizeof line, "wr %lx %x %x = %x", a, pages, val, done);
  else snprintf(line, sizeof line, "rd %lx %x = %x %x", a, pages, done, sum);
  if (got_sig) snprintf(line + strlen(line), sizeof line - strlen(line), " sig %d %d %lx\n", got_sig, got_code, got_addr);
  else strcat(line, "\n");
  emit(line);
}

static unsigned long access_addr(void) {
  unsigned long a;
  if (cur_brk > brk0 && pick(6) == 0) a = (unsigned long)brk0 + PG * pick(((unsigned long)cur_brk - brk0 + PG - 1) / PG + 1);
  else a = some_addr();
  a += pick(PG);
  return hits_initial(a & ~(PG - 1), 8 * PG) ? window_addr() + pick(PG) : a;
}

static void one_op(void) {
  long r;
  unsigned long len = some_len(), a = some_addr();
  while (hits_initial(a, len + 3 * PG)) a = window_addr();
  int prot = some_prot();
  switch (pick(12)) {
  case 0: case 1: {
    static const int f[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, MAP_PRIVATE | MAP_ANONYMOUS};
    int flags = f[pick(8)];
    int fd = -1;
    unsigned long off = 0;
    if (fds[0] >= 0 && pick(2) == 0) {
      static const int ff[] = {MAP_PRIVATE, MAP_SHARED, MAP_PRIVATE | MAP_FIXED, MAP_SHARED | MAP_FIXED, MAP_PRIVATE | MAP_POPULATE};
      flags = ff[pick(5)];
      fd = fds[pick(8) == 0 ? 2 : pick(2)];
      off = PG * pick(12);
    }
    unsigned long addr = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) || pick(4) == 0 ? a : 0;
    r = raw(syscall(SYS_mmap, addr, len, prot, flags, fd, off));
    snprintf(line, sizeof line, "mmap %lx %lx %x %x %d %lx", addr, len, prot, flags, fd, off);
    result(r); remember(r);
    break;
  }
  case 2:
    r = raw(syscall(SYS_munmap, a, len));
    snprintf(line, sizeof line, "munmap %lx %lx", a, len);
    result(r);
    break;
  case 3:
    r = raw(syscall(SYS_mprotect, a, len, prot));
    snprintf(line, sizeof line, "mprotect %lx %lx %x", a, len, prot);
    result(r);
    break;
  case 4: {
    static const int f[] = {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_DONTUNMAP};
    int flags = f[pick(4)];
    unsigned long nlen = some_len(), naddr = (flags & MREMAP_FIXED) ? window_addr() : 0;
    if (naddr) naddr = safe(naddr, nlen);
    if (flags & MREMAP_DONTUNMAP) nlen = len;
    r = raw(syscall(SYS_mremap, a, len, nlen, flags, naddr));
    snprintf(line, sizeof line, "mremap %lx %lx %lx %x %lx", a, len, nlen, flags, naddr);
    result(r); remember(r);
    break;
  }
  case 5: {
    long want = pick(4) == 0 ? cur_brk - (long)(PG * pick(4)) : cur_brk + (long)(PG * pick(6)) + (long)pick(3) * 1000;
    if (want < brk0) want = brk0;
    r = raw(syscall(SYS_brk, want));
    cur_brk = r;
    snprintf(line, sizeof line, "brk %lx", want);
    result(r);
    break;
  }
  case 6: {
    static const int adv[] = {MADV_DONTNEED, MADV_FREE, MADV_NORMAL, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK};
    int advice = adv[pick(6)];
    r = raw(syscall(SYS_madvise, a, len, advice));
    snprintf(line, sizeof line, "madvise %lx %lx %x", a, len, advice);
    result(r);
    break;
  }
  case 7: {
    int lock = pick(2);
    r = raw(syscall(lock ? SYS_mlock : SYS_munlock, a, len));
    snprintf(line, sizeof line, "%s %lx %lx", lock ? "mlock" : "munlock", a, len);
    result(r);
    break;
  }
  case 8: {
    static const int f[] = {MS_ASYNC, MS_SYNC, MS_INVALIDATE, MS_ASYNC | MS_INVALIDATE};
    int flags = f[pick(4)];
    r = raw(syscall(SYS_msync, a, len, flags));
    snprintf(line, sizeof line, "msync %lx %lx %x", a, len, flags);
    result(r);
    break;
  }
  default: {
    unsigned long addr = access_addr();
    int pages = 1 + pick(6);
    access_pages(pick(2), addr, pages, (unsigned char)(1 + pick(255)));
    break;
  }
  }
}

int main(int argc, char **argv) {
  state = argc > 1 ? strtoull(argv[1], 0, 10) * 2654435761ULL + 88172645463325252ULL : 88172645463325252ULL;
  int nops = argc > 2 ? atoi(argv[2]) : 200;
  if (argc > 3) open_files(argv[3]);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0);
  sigaction(SIGBUS, &sa, 0);
  brk0 = cur_brk = syscall(SYS_brk, 0);
  snprintf(line, sizeof line, "brk %lx\n", brk0); emit(line);
  keep_initial(dump("/proc/self/maps", "maps"));
  for (int i = 0; i < nops; i++) {
    if (pick(40) == 0) {
      emit("fork-begin\n");
      flush();
      pid_t pid = fork();
      if (pid == 0) {
        for (int k = 0; k < 8; k++) one_op();
        dump("/proc/self/smaps", "smaps");
        flush();
        _exit(0);
      }
      waitpid(pid, 0, 0);
      emit("fork-end\n");
      continue;
    }
    one_op();
  }
  dump("/proc/self/maps", "maps");
  dump("/proc/self/smaps", "smaps");
  flush();
  return 0;
}
