/* Oracle: memory-backed files (ramfs, where / lives). A truncate of an empty file gathers one
 * contiguous run of pages, so MAP_SHARED maps the page cache directly ('S' in /proc/<pid>/maps, no
 * MmapCopy); shared and read-only private mappings of it in other processes come back at the same
 * address; a writable private mapping is a copy; a shrinking truncate under a shared mapping is
 * ETXTBSY; a mapping past EOF can't be direct. One VMA per region and process, as 6.12 needs. */
#include "oracle.h"

static void child(const char *role) {
  long fd = t_open("/shm.bin", 2);
  if (str_eq(role, "sharer")) {
    t_mmap(0, 4 * P, 3, 0x01, fd, 0);            /* exact: the parent's address */
    long g = t_open("/grown.bin", 2);
    t_mmap(0, P, 1, 0x01, g, P);                 /* containing: +P */
  } else if (str_eq(role, "overlay")) {
    t_mmap(0, 2 * P, 1, 0x02, fd, P);            /* read-only private overlays the shared region */
    long g = t_open("/grown.bin", 2);
    t_mmap(0, 2 * P, 5, 0x02, g, 0);             /* exact, executable */
  } else if (str_eq(role, "copier")) {
    t_mmap(0, 4 * P, 3, 0x02, fd, 0);            /* writable private: a copy */
  }
  snap(role);
  t_exit();
}

int main(int argc, char **argv) {
  o_start();
  if (argc > 1) { child(argv[1]); return 0; }
  snap("start");
  long fd = t_open("/shm.bin", 2 | 0x40);
  t_mmap(0, P, 3, 0x01, fd, 0);                   /* size 0: nothing to map directly, ENODEV */
  t_ftruncate(fd, 4 * P);                         /* from 0: one contiguous run of 4 pages */
  long a = t_mmap(0, 4 * P, 3, 0x01, fd, 0);      /* shared, on the page cache itself */
  t_mmap(0, 2 * P, 3, 0x01, fd, 3 * P);           /* past EOF: the fs says ENOSYS, shared can't copy: ENODEV */
  long q = t_mmap(0, 2 * P, 1, 0x02, fd, 3 * P);  /* private past EOF: a copy */
  long g = t_open("/grown.bin", 2 | 0x40);
  t_ftruncate(g, 2 * P);
  t_ftruncate(g, 3 * P);                          /* growing a non-empty file only sets the size */
  long h = t_mmap(0, 2 * P, 1, 0x01, g, 0);       /* read-only shared, direct */
  long ro = t_open("/shm.bin", 0);
  t_mmap(0, P, 3, 0x01, ro, 0);                   /* writable shared on O_RDONLY: EACCES */
  snap("mapped");
  t_spawn(argv[0], "sharer");
  t_spawn(argv[0], "overlay");
  t_spawn(argv[0], "copier");
  snap("children-gone");
  t_ftruncate(fd, 2 * P);                         /* shrinks under the shared mapping: ETXTBSY */
  t_munmap(a + P, P);                             /* file VMA: only whole */
  t_mremap(a, 4 * P, 2 * P, 0, 0);                /* shared: EPERM */
  t_munmap(a, 4 * P);
  t_ftruncate(fd, 2 * P);                         /* nothing shared on the cut: 0 */
  t_munmap(h, 2 * P);
  t_munmap(q, 2 * P);
  t_close(fd);
  t_close(g);
  t_close(ro);
  snap("end");
  return 0;
}
