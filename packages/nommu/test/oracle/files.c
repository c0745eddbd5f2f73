/* Oracle: private mappings of regular files on a block device (ext2 on virtio-blk, copy only) and
 * the sharing rules between processes: a read-only private mapping of a segment another process
 * already mapped comes back at the same address (an exact match) or inside it (a containing
 * match); a writable one is always a fresh copy; MAP_SHARED is refused. Needs --disk-dir with
 * data.bin (5 pages and 1000 bytes) and small.bin (100 bytes); scripts/capture.sh makes them.
 * Each process holds at most one VMA per region (6.12 can't index two), and no mapping partially
 * overlaps a shareable region (6.12 corrupts itself on that error path). */
#include "oracle.h"

static void child(const char *role) {
  long fd = t_open("/mnt/data.bin", 0);
  if (str_eq(role, "exact")) {
    t_mmap(0, 4 * P, 1, 0x02, fd, 0);              /* the parent's region: same address */
    t_mmap(0, 2 * P, 1, 0x02, fd, 4 * P);          /* the parent's tail region: same address */
  } else if (str_eq(role, "containing")) {
    t_mmap(0, 2 * P, 1, 0x02, fd, P);              /* inside [0, 4P): region start + P */
    t_mmap(0, P, 5, 0x02, fd, 5 * P);              /* inside the tail region, executable: +P */
  } else if (str_eq(role, "writable")) {
    t_mmap(0, 4 * P, 3, 0x02, fd, 0);              /* writable private: never shared */
    t_mmap(0, 4 * P, 1, 0x02, fd, 0x100000);       /* wholly beyond EOF: a zeroed copy */
  }
  snap(role);
  t_exit();
}

int main(int argc, char **argv) {
  o_start();
  if (argc > 1) { child(argv[1]); return 0; }
  snap("start");
  file_size("/mnt/data.bin");
  file_size("/mnt/small.bin");
  long fd = t_open("/mnt/data.bin", 0);
  long a = t_mmap(0, 4 * P, 1, 0x02, fd, 0);        /* read-only private copy, overlayable */
  long b = t_mmap(0, 4 * P, 3, 0x02, fd, 0);        /* writable private copy: another region */
  long c = t_mmap(0, 2 * P, 1, 0x02, fd, 4 * P);    /* the last page and a bit; the rest zeroed */
  t_mmap(0, 4 * P, 1, 0x01, fd, 0);                 /* MAP_SHARED of a disk file: ENODEV */
  t_mmap(0, 4 * P, 3, 0x01, fd, 0);                 /* writable MAP_SHARED on O_RDONLY: EACCES first */
  t_mmap(0, 4 * P, 1, 0x03, fd, 0);                 /* MAP_SHARED_VALIDATE: EINVAL */
  t_mmap(0, P, 1, 0x02, fd, 0x1001);                /* unaligned offset: EINVAL (the syscall layer's) */
  long s = t_open("/mnt/small.bin", 0);
  long d = t_mmap(0, 3000, 1, 0x02, s, 0);          /* 100 bytes of file, the rest of the page zeroed */
  long e = t_mmap(0, P, 3, 0x02, s, 0);             /* writable: another copy */
  snap("mapped");
  t_spawn(argv[0], "exact");
  t_spawn(argv[0], "containing");
  t_spawn(argv[0], "writable");
  snap("children-gone");
  /* file VMAs go only whole */
  t_munmap(a + P, P);                               /* start inside: EINVAL */
  t_munmap(a, P);                                   /* end matches no VMA end: EINVAL */
  t_munmap(a - P, 5 * P);                           /* starts below, ends at the VMA's end: 0 */
  t_munmap(a, 4 * P);                               /* already gone: EINVAL */
  t_mremap(b, 4 * P, 2 * P, 0, 0);                  /* a writable copy may shrink */
  t_mremap(b, 2 * P, 4 * P, 0, 0);                  /* and grow back */
  t_mremap(c, 2 * P, P, 0, 0);                      /* an overlayable one may not: EPERM */
  t_mremap(d, P, 2 * P, 0, 0);                      /* EPERM before ENOMEM */
  snap("after-munmap");
  t_munmap(b, 4 * P);
  t_munmap(c, 2 * P);
  t_munmap(d, P);
  t_munmap(e, P);
  t_close(fd);
  t_close(s);
  snap("end");
  return 0;
}
