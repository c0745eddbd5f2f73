/* The NOMMU column of the nommu-mmap table on a real Linux 6.12 NOMMU kernel (nommu-run), for the
 * rows that kernel can make: anonymous memory, regular files on the ext2 disk (/mnt/fileN, made by
 * capture.sh), a ramfs file under / (open, ftruncate, mmap) and /dev/null. The same steps as
 * src/drivers/table.ts, printed "<row>\t<cell>" in the same words, without the fork step (RISC-V
 * has no fork syscall). "direct" or "copy" is read from MmapCopy, which only copies grow. The
 * second process is spawned (vfork + execve) with the object's fd and two pipes at fds 20-22. */
#include "nommu-rt.h"
enum { NR_dup3 = 24, NR_pipe2 = 59, NR_pread64 = 67, NR_pwrite64 = 68 };
#define PG 4096L
#define LEN (2 * PG)
#define FD_OBJ 20
#define FD_GO 21
#define FD_ANS 22

static char cell[512];
static int cell_n;
static void word(const char *w) {
  if (cell_n) { cell[cell_n++] = ';'; cell[cell_n++] = ' '; }
  while (*w) cell[cell_n++] = *w++;
  cell[cell_n] = 0;
}
static const char *ename(long e) {
  switch (e) { case 13: return "EACCES"; case 19: return "ENODEV"; case 22: return "EINVAL"; case 12: return "ENOMEM"; default: return "E?"; }
}
static int same(const char *a, const char *b, long n) { for (long i = 0; i < n; i++) if (a[i] != b[i]) return 0; return 1; }

/* MmapCopy in kB, from /proc/meminfo */
static long mmap_copy(void) {
  static char b[4096]; long fd = sys(NR_openat, -100, (long)"/proc/meminfo", 0, 0, 0, 0), n = 0, r;
  while ((r = sys(NR_read, fd, (long)b + n, sizeof b - 1 - n, 0, 0, 0)) > 0) n += r;
  sys(NR_close, fd, 0, 0, 0, 0, 0); b[n] = 0;
  for (char *p = b; *p; p++) {
    if (!same(p, "MmapCopy:", 9)) continue;
    long v = 0; p += 9; while (*p == ' ') p++; while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    return v;
  }
  return -1;
}

/* row i: prot, flags, kind (0 anonymous, 1 disk file, 2 ramfs, 3 /dev/null) */
static int row_prot(int i) { return i == 2 || i == 4 || i == 7 ? 1 : 3; }
static int row_flags(int i) { return i == 0 ? 0x22 : i == 1 ? 0x21 : i == 2 || i == 3 ? 2 : 1; }
static int row_kind(int i) { return i < 2 ? 0 : i < 6 ? 1 : i == 6 ? 2 : 3; }
static const char *row_name(int i) {
  switch (i) {
  case 0: return "anonymous, MAP_PRIVATE";
  case 1: return "anonymous, MAP_SHARED";
  case 2: return "file, MAP_PRIVATE, PROT_READ";
  case 3: return "file, MAP_PRIVATE, PROT_READ|PROT_WRITE";
  case 4: return "regular file, MAP_SHARED, PROT_READ";
  case 5: return "regular file, MAP_SHARED, PROT_READ|PROT_WRITE";
  case 6: return "memory-backed file (ramfs: open, truncate, mmap), MAP_SHARED, PROT_READ|PROT_WRITE";
  default: return "chardev without mmap (/dev/null), MAP_SHARED, PROT_READ";
  }
}
#define NROWS 8

/* the second process: map the inherited fd, say where, wait, then send what its mapping shows */
static int child(int i) {
  long fd = row_kind(i) == 0 ? -1 : FD_OBJ;
  long a2 = sys(NR_mmap, 0, LEN, row_prot(i), row_flags(i), fd, 0);
  sys(NR_write, FD_ANS, (long)&a2, 8, 0, 0, 0);
  char c; sys(NR_read, FD_GO, (long)&c, 1, 0, 0, 0);
  if (!is_err(a2)) sys(NR_write, FD_ANS, a2 + PG, 8, 0, 0, 0);
  return 0;
}

static long open_object(int i) {
  int k = row_kind(i);
  if (k == 1) { char p[] = "/mnt/file0"; p[9] = (char)('0' + i); return sys(NR_openat, -100, (long)p, 2 /* O_RDWR */, 0, 0, 0); }
  if (k == 2) {
    long fd = sys(NR_openat, -100, (long)"/shm-table", 2 | 0100 /* O_RDWR|O_CREAT */, 0600, 0, 0);
    sys(NR_ftruncate, fd, LEN, 0, 0, 0, 0);
    return fd;
  }
  if (k == 3) return sys(NR_openat, -100, (long)"/dev/null", 2, 0, 0, 0);
  return -1;
}

static void run_row(int i, const char *self) {
  static char want[LEN]; static const char file_mark[8] = "filewr!1", map_mark[8] = "mapwr!!2";
  int k = row_kind(i); cell_n = 0; cell[0] = 0;
  for (long j = 0; j < LEN; j++) want[j] = k == 1 && j < LEN - 100 ? (char)((j * 7 + 1) & 0xff) : 0;
  long fd = open_object(i);
  long before = mmap_copy();
  long a1 = sys(NR_mmap, 0, LEN, row_prot(i), row_flags(i), fd, 0);
  if (is_err(a1)) { word(ename(-a1)); goto out; }
  word(mmap_copy() > before ? "copy" : "direct");
  if (!same((char *)a1, want, LEN)) word("shows other bytes");
  int go[2], ans[2];
  sys(NR_pipe2, (long)go, 0, 0, 0, 0, 0); sys(NR_pipe2, (long)ans, 0, 0, 0, 0, 0);
  if (fd >= 0) sys(NR_dup3, fd, FD_OBJ, 0, 0, 0, 0);
  sys(NR_dup3, go[0], FD_GO, 0, 0, 0, 0); sys(NR_dup3, ans[1], FD_ANS, 0, 0, 0, 0);
  char role[] = "child0"; role[5] = (char)('0' + i);
  long pid = spawn(self, role);
  long a2 = 0; sys(NR_read, ans[0], (long)&a2, 8, 0, 0, 0);
  if (is_err(a2)) word("P2 mmap failed"); else word(a2 == a1 ? "P2 same address" : "P2 other address");
  if (k == 1 || k == 2) {
    long n = sys(NR_pwrite64, fd, (long)file_mark, 8, 0, 0, 0);
    word(n != 8 ? "file write failed" : same((char *)a1, file_mark, 8) ? "sees file writes" : "blind to file writes");
  }
  for (int j = 0; j < 8; j++) ((char *)a1)[PG + j] = map_mark[j]; /* no MMU: nothing stops the store */
  char c = 'g', seen[8]; sys(NR_write, go[1], (long)&c, 1, 0, 0, 0);
  sys(NR_read, ans[0], (long)seen, 8, 0, 0, 0);
  word(same(seen, map_mark, 8) ? "P2 sees writes" : "P2 doesn't see writes");
  if (fd >= 0) {
    long n = sys(NR_pread64, fd, (long)seen, 8, PG, 0, 0);
    word(n == 8 && same(seen, map_mark, 8) ? "file sees writes" : "file doesn't see writes");
  }
  wait_child(pid);
  sys(NR_munmap, a1, LEN, 0, 0, 0, 0);
  for (int j = 0; j < 2; j++) { sys(NR_close, go[j], 0, 0, 0, 0, 0); sys(NR_close, ans[j], 0, 0, 0, 0, 0); }
  sys(NR_close, FD_OBJ, 0, 0, 0, 0, 0); sys(NR_close, FD_GO, 0, 0, 0, 0, 0); sys(NR_close, FD_ANS, 0, 0, 0, 0, 0);
out:
  if (fd >= 0) sys(NR_close, fd, 0, 0, 0, 0, 0);
  out(row_name(i)); out("\t"); out(cell); out("\n"); out_flush();
}

int main(int argc, char **argv) {
  if (argc > 1 && same(argv[1], "child", 5)) return child(argv[1][5] - '0');
  sys(NR_mount, 0, (long)"/mnt", 0, 32 /* MS_REMOUNT */, 0, 0);
  for (int i = 0; i < NROWS; i++) run_row(i, argv[0]);
  return 0;
}
