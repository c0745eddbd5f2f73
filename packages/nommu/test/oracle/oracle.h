/* oracle.h: strace-like tracing of the mm syscalls for the NOMMU oracle programs (run by
 * scripts/capture.sh under nommu-run). Every call prints one line "PID   name(args) = result" in
 * strace's spelling; dumps of /proc files print "## begin KIND PID TAG" ... "## end KIND PID TAG".
 * test/replay.test.ts replays these lines on NommuBackend. No tables of pointers: the loader
 * applies no relocations. */
#ifndef ORACLE_H
#define ORACLE_H
#include "nommu-rt.h"

#define P 4096UL
static long PID;

static void pfx(void) { out_dec(PID); out("   "); }
static void bar(int *first) { if (!*first) out("|"); *first = 0; }
static void out_prot(long p) {
  int f = 1;
  if (!p) { out("PROT_NONE"); return; }
  if (p & 1) { bar(&f); out("PROT_READ"); }
  if (p & 2) { bar(&f); out("PROT_WRITE"); }
  if (p & 4) { bar(&f); out("PROT_EXEC"); }
  if (p & ~7L) { bar(&f); out_hex(p & ~7L); }
}
static void out_mflags(long x) {
  int f = 1; long t = x & 0xf;
  if (t == 1) { bar(&f); out("MAP_SHARED"); }
  else if (t == 2) { bar(&f); out("MAP_PRIVATE"); }
  else if (t == 3) { bar(&f); out("MAP_SHARED_VALIDATE"); }
  else if (t) { bar(&f); out_hex(t); }
  if (x & 0x10) { bar(&f); out("MAP_FIXED"); }
  if (x & 0x20) { bar(&f); out("MAP_ANONYMOUS"); }
  if (x & 0x100) { bar(&f); out("MAP_GROWSDOWN"); }
  if (x & 0x4000000) { bar(&f); out("MAP_UNINITIALIZED"); }
  if (x & ~0x400013fL) { bar(&f); out_hex(x & ~0x400013fL); }
  if (f) out("0");
}
static void out_addr(ulong a) { if (a) out_hex(a); else out("NULL"); }

static long t_mmap(ulong a, ulong len, long prot, long flags, long fd, ulong off) {
  long r = sys(NR_mmap, a, len, prot, flags, fd, off);
  pfx(); out("mmap("); out_addr(a); out(", "); out_dec(len); out(", "); out_prot(prot); out(", ");
  out_mflags(flags); out(", "); out_dec(fd); out(", "); if (off) out_hex(off); else out("0"); out_result(r, 1);
  return r;
}
static long t_munmap(ulong a, ulong len) {
  long r = sys(NR_munmap, a, len, 0, 0, 0, 0);
  pfx(); out("munmap("); out_addr(a); out(", "); out_dec(len); out_result(r, 0);
  return r;
}
static long t_mremap(ulong a, ulong olen, ulong nlen, long flags, ulong na) {
  long r = sys(NR_mremap, a, olen, nlen, flags, na, 0);
  pfx(); out("mremap("); out_addr(a); out(", "); out_dec(olen); out(", "); out_dec(nlen); out(", ");
  if (!flags) out("0");
  else { int f = 1; if (flags & 1) { bar(&f); out("MREMAP_MAYMOVE"); } if (flags & 2) { bar(&f); out("MREMAP_FIXED"); } if (flags & 4) { bar(&f); out("MREMAP_DONTUNMAP"); } }
  if (flags & 2) { out(", "); out_addr(na); }
  out_result(r, 1);
  return r;
}
static long t_brk(ulong a) {
  long r = sys(NR_brk, a, 0, 0, 0, 0, 0);
  pfx(); out("brk("); out_addr(a); out_result(r, 1);
  return r;
}
static long t_mprotect(ulong a, ulong len, long prot) {
  long r = sys(NR_mprotect, a, len, prot, 0, 0, 0);
  pfx(); out("mprotect("); out_addr(a); out(", "); out_dec(len); out(", "); out_prot(prot); out_result(r, 0);
  return r;
}
static long t_msync(ulong a, ulong len) {
  long r = sys(NR_msync, a, len, 4 /* MS_SYNC */, 0, 0, 0);
  pfx(); out("msync("); out_addr(a); out(", "); out_dec(len); out(", MS_SYNC"); out_result(r, 0);
  return r;
}
static long t_mlock(ulong a, ulong len) {
  long r = sys(NR_mlock, a, len, 0, 0, 0, 0);
  pfx(); out("mlock("); out_addr(a); out(", "); out_dec(len); out_result(r, 0);
  return r;
}
static long t_munlock(ulong a, ulong len) {
  long r = sys(229 /* NR_munlock */, a, len, 0, 0, 0, 0);
  pfx(); out("munlock("); out_addr(a); out(", "); out_dec(len); out_result(r, 0);
  return r;
}
static long t_madvise(ulong a, ulong len, long advice) {
  long r = sys(NR_madvise, a, len, advice, 0, 0, 0);
  pfx(); out("madvise("); out_addr(a); out(", "); out_dec(len); out(", ");
  if (advice == 4) out("MADV_DONTNEED"); else out_dec(advice);
  out_result(r, 0);
  return r;
}
/* openat; flags are printed for O_RDONLY (0), O_RDWR (2), O_CREAT (0x40), O_TRUNC (0x200) */
static long t_open(const char *path, long flags) {
  long r = sys(NR_openat, -100, (long)path, flags, 0644, 0, 0);
  pfx(); out("openat(AT_FDCWD, \""); out(path); out("\", ");
  if ((flags & 3) == 2) out("O_RDWR"); else if ((flags & 3) == 1) out("O_WRONLY"); else out("O_RDONLY");
  if (flags & 0x40) out("|O_CREAT"); if (flags & 0x200) out("|O_TRUNC");
  if (flags & 0x40) out(", 0644");
  out_result(r, 0);
  return r;
}
static long t_close(long fd) {
  long r = sys(NR_close, fd, 0, 0, 0, 0, 0);
  pfx(); out("close("); out_dec(fd); out_result(r, 0);
  return r;
}
static long t_ftruncate(long fd, ulong len) {
  long r = sys(NR_ftruncate, fd, len, 0, 0, 0, 0);
  pfx(); out("ftruncate("); out_dec(fd); out(", "); out_dec(len); out_result(r, 0);
  return r;
}
/* the size of a file, read through to EOF (printed as a comment line, not a call) */
static long file_size(const char *path) {
  static char b[4096]; long fd = sys(NR_openat, -100, (long)path, 0, 0, 0, 0), n, tot = 0;
  if (fd < 0) return fd;
  while ((n = sys(NR_read, fd, (long)b, sizeof b, 0, 0, 0)) > 0) tot += n;
  sys(NR_close, fd, 0, 0, 0, 0, 0);
  out("## size "); out(path); out(" "); out_dec(tot); out("\n"); out_flush();
  return tot;
}
/* vm.nr_trim_pages, printed as a pseudo-call */
static void t_trim(long n) {
  char s[2] = { (char)('0' + n), 0 };
  write_file("/proc/sys/vm/nr_trim_pages", s);
  pfx(); out("sysctl(vm.nr_trim_pages, "); out_dec(n); out_result(0, 0);
}
static void dump(const char *path, const char *kind, const char *tag) {
  static char b[32768]; long fd = sys(NR_openat, -100, (long)path, 0, 0, 0, 0), n, tot = 0;
  out("## begin "); out(kind); out(" "); out_dec(PID); out(" "); out(tag); out("\n");
  if (fd >= 0) { while ((n = sys(NR_read, fd, (long)b + tot, sizeof b - 1 - tot, 0, 0, 0)) > 0) tot += n; sys(NR_close, fd, 0, 0, 0, 0, 0); }
  b[tot] = 0; for (char *p = b; *p;) { out("## "); while (*p && *p != '\n') out_ch(*p++); if (*p) p++; out("\n"); }
  out("## end "); out(kind); out(" "); out_dec(PID); out(" "); out(tag); out("\n"); out_flush();
}
/* /proc/self/maps, /proc/maps and the MmapCopy line of /proc/meminfo */
static void snap(const char *tag) {
  dump("/proc/self/maps", "self-maps", tag);
  dump("/proc/maps", "maps", tag);
  dump("/proc/meminfo", "meminfo", tag);
}
static void o_start(void) { PID = sys(NR_getpid, 0, 0, 0, 0, 0, 0); }
/* vfork+execve of this program with ROLE, then wait for it; the child's own lines come in between */
static long t_spawn(const char *self, const char *role) {
  pfx(); out("spawn(\""); out(role); out("\") = ?\n"); out_flush();
  long c = spawn(self, role);
  long w = wait_child(c);
  pfx(); out("wait4("); out_dec(c); out_result(w, 0);
  return c;
}
static void t_exit(void) { pfx(); out("exit(0) = ?\n"); out_flush(); }
#endif
