/*
 * mmops: seeded random mmap/munmap/mprotect/mremap/brk calls made with raw syscall(2), for the
 * differential test of mmsim's MMU backend. Run under `setarch -R`. Prints, with write(2) only
 * (no malloc, so the heap is the program's to test):
 *   "brk <start_brk> <brk>" and "maps-begin" .. "maps-end" (the initial /proc/self/maps),
 *   one line per call: "<name> <args in hex> = <result in hex or -errno>",
 *   then the final maps between "maps-begin" and "maps-end".
 * Addresses the program passes are either results it got back (its own mappings), or inside a
 * window it chooses away from everything else, so it never unmaps its own code.
 * With a third argument (a directory) it also creates a 16-page file there, opens it read-write
 * and read-only, prints "file <fd> <rw|ro> <major> <minor> <ino> <path>" for each, and maps it too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
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

/* The areas the program started with: never touched, so its code, data and stack survive. */
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

static const char *dump_maps(void) {
  static char buf[1 << 16];
  int fd = open("/proc/self/maps", O_RDONLY);
  ssize_t n, total = 0;
  while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0) total += n;
  close(fd);
  buf[total] = 0;
  emit("maps-begin\n"); emit(buf); emit("maps-end\n");
  return buf;
}

#define WINDOW 0x200000000UL
#define WINDOW_PAGES 64
#define PG 4096UL
static unsigned long mine[64];
static int nmine;

static unsigned long window_addr(void) { return WINDOW + PG * pick(WINDOW_PAGES); }
static unsigned long some_addr(void) {
  if (nmine > 0 && pick(3) != 0) return mine[pick(nmine)] + PG * pick(4);
  return window_addr();
}
/* An address for a call on [a, a + len): a itself unless that would touch the initial areas. */
static unsigned long safe(unsigned long a, unsigned long len) { return hits_initial(a, len) ? window_addr() : a; }
static unsigned long some_len(void) { return PG * (1 + pick(8)) - (pick(8) == 0 ? 100 : 0); }
static int some_prot(void) { static const int p[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE}; return p[pick(6)]; }
static void remember(long r) { if (r > 0 && (unsigned long)r < 0x7fffffffffffUL) mine[nmine < 64 ? nmine++ : (int)pick(64)] = (unsigned long)r; }

/* syscall(2) returns -1 and sets errno; the kernel's own value is -errno. */
static long raw(long r) { return r == -1 ? -errno : r; }

static int fds[3] = {-1, -1, 99}; /* read-write, read-only, never opened */

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

int main(int argc, char **argv) {
  state = argc > 1 ? strtoull(argv[1], 0, 10) * 2654435761ULL + 88172645463325252ULL : 88172645463325252ULL;
  int nops = argc > 2 ? atoi(argv[2]) : 200;
  int with_files = argc > 3;
  if (with_files) open_files(argv[3]);
  long brk0 = syscall(SYS_brk, 0);
  snprintf(line, sizeof line, "brk %lx\n", brk0); emit(line);
  keep_initial(dump_maps());
  long cur_brk = brk0;
  for (int i = 0; i < nops; i++) {
    long r;
    unsigned long len = some_len(), a = some_addr();
    while (hits_initial(a, len + 3 * PG)) a = window_addr();
    int prot = some_prot();
    switch (pick(7)) {
    case 0: case 1: {
      static const int f[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, 0, MAP_PRIVATE | MAP_ANONYMOUS};
      int flags = f[pick(7)];
      int fd = -1;
      unsigned long off = 0;
      if (with_files && pick(2) == 0) {
        static const int ff[] = {MAP_PRIVATE, MAP_SHARED, MAP_PRIVATE | MAP_FIXED, MAP_SHARED | MAP_FIXED, MAP_SHARED_VALIDATE};
        flags = ff[pick(5)];
        fd = fds[pick(8) == 0 ? 2 : pick(2)];
        off = PG * pick(12) + (pick(16) == 0 ? 100 : 0);
      }
      unsigned long addr = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) || pick(4) == 0 ? a : 0;
      if (pick(20) == 0) len = 0;
      r = raw(syscall(SYS_mmap, addr, len, prot, flags, fd, off));
      snprintf(line, sizeof line, "mmap %lx %lx %x %x %d %lx", addr, len, prot, flags, fd, off);
      result(r); remember(r);
      break;
    }
    case 2:
      if (pick(10) == 0) a += 1;
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
      static const int f[] = {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, MREMAP_FIXED};
      int flags = f[pick(5)];
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
    default: {
      static const int adv[] = {MADV_DONTNEED, MADV_NORMAL, MADV_WILLNEED, MADV_RANDOM};
      int advice = adv[pick(4)];
      r = raw(syscall(SYS_madvise, a, len, advice));
      snprintf(line, sizeof line, "madvise %lx %lx %x", a, len, advice);
      result(r);
      break;
    }
    }
  }
  dump_maps();
  flush();
  return 0;
}
