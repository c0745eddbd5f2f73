/* Oracle: anonymous mappings on Linux 6.12 NOMMU. validate_mmap_request's simple checks, the hint
 * ignored, power-of-two allocation and vm.nr_trim_pages, munmap of heads, tails and whole VMAs
 * (never a hole: 6.12 oopses on one), mremap within the region, brk inside the heap reservation,
 * the syscalls NOMMU doesn't build, and /dev/zero. */
#include "oracle.h"

int main(int argc, char **argv) {
  (void)argc; (void)argv;
  o_start();
  snap("start");
  /* validate_mmap_request, in order */
  t_mmap(0x90000000UL, P, 3, 0x22 | 0x10, -1, 0);         /* MAP_FIXED: EINVAL */
  t_mmap(0, P, 3, 0x03 | 0x20, -1, 0);                    /* MAP_SHARED_VALIDATE: EINVAL */
  t_mmap(0, P, 3, 0x20, -1, 0);                           /* no type: EINVAL */
  t_mmap(0, 0, 3, 0x22, -1, 0);                           /* len 0: EINVAL */
  t_mmap(0, (ulong)-1, 3, 0x22, -1, 0);                   /* PAGE_ALIGN wraps: ENOMEM */
  t_mmap(0, P, 3, 0x22, -1, (ulong)-4096);                /* pgoff + pages wraps: EOVERFLOW */
  t_mmap(0, P, 3, 0x02, 99, 0);                           /* bad fd: EBADF (the syscall layer's) */
  /* sizes: 1, 3 (trimmed from 4), 4, 5 (trimmed from 8) pages; a hint is ignored */
  long a1 = t_mmap(0, P, 3, 0x22, -1, 0);
  long a3 = t_mmap(0x90000000UL, 3 * P, 3, 0x22, -1, 0);
  long a4 = t_mmap(0, 4 * P, 1, 0x21, -1, 0);             /* MAP_SHARED anonymous: like private */
  long a5 = t_mmap(0, 5 * P - 100, 7, 0x22, -1, 0);       /* len rounds up to 5 pages */
  long au = t_mmap(0, 2 * P, 3, 0x22 | 0x4000000, -1, 0); /* MAP_UNINITIALIZED */
  long ag = t_mmap(0, 2 * P, 3, 0x22 | 0x100, -1, 0);     /* MAP_GROWSDOWN */
  snap("mapped");
  /* munmap: the anonymous rules */
  t_munmap(a1, 0);                  /* len 0: EINVAL */
  t_munmap(a3 + P, 3 * P);          /* crosses the VMA's end: EINVAL */
  t_munmap(a3 - P, 2 * P);          /* starts below it: EINVAL or another VMA */
  t_munmap(a3 + 100, P);            /* unaligned start: EINVAL */
  t_munmap(a5, P);                  /* head: 0 */
  t_munmap(a5 + 3 * P, 2 * P);      /* tail, slack freed: 0 */
  t_munmap(a5 + P, 2 * P - 1);      /* the rest, len rounds up: 0 */
  t_munmap(a5 + P, 2 * P);          /* gone: EINVAL */
  t_munmap(a1, P);                  /* whole: 0 */
  t_munmap(a1, P);                  /* again: EINVAL */
  t_munmap(0x10000, P);             /* never mapped: EINVAL (MMU gives 0) */
  snap("unmapped");
  /* mremap: within the region only, never moves */
  t_mremap(a3, 3 * P, 2 * P, 0, 0);           /* shrink: a3 */
  t_mremap(a3, 3 * P, 2 * P, 0, 0);           /* old length no longer exact: EINVAL */
  t_mremap(a3, 2 * P, 3 * P, 0, 0);           /* grow back to the region's end: a3 */
  t_mremap(a3, 3 * P, 4 * P, 1, 0);           /* past vm_end, even with MAYMOVE: ENOMEM */
  t_mremap(a3, 3 * P, 3 * P, 2 | 1, a3 + P);  /* MREMAP_FIXED elsewhere: EINVAL */
  t_mremap(a3, 3 * P, 2 * P, 2 | 1, a3);      /* MREMAP_FIXED to itself: a3 */
  t_mremap(a3 + 8, P, P, 0, 0);               /* unaligned: EINVAL */
  t_mremap(a3, 0, P, 0, 0);                   /* old_len 0: EINVAL */
  t_mremap(a3, 2 * P, 0, 0, 0);               /* new_len 0: EINVAL */
  t_mremap(a4, 4 * P, 2 * P, 0, 0);           /* shared anonymous is private: a4 */
  t_mremap(a4, 2 * P, 4 * P, 0, 0);           /* and back */
  /* 6.12 doesn't re-index a VMA that mremap resized: unmapping it shrunk leaves a stale maple-tree
   * entry (a freed VMA shows in /proc/self/maps). Every VMA goes back to its mmap length first. */
  t_mremap(a3, 2 * P, 3 * P, 0, 0);
  t_munmap(a3, 3 * P);                        /* whole: frees the region */
  /* what 6.12 NOMMU doesn't build */
  t_mprotect(a4, P, 1);
  t_msync(a4, P);
  t_mlock(a4, P);
  t_munlock(a4, P);
  t_madvise(a4, P, 4);
  /* brk: ELF-FDPIC leaves a zero-size heap (end_brk == start_brk) */
  long b = t_brk(0);
  t_brk(b + P);
  t_brk(b - P);
  t_brk(b);
  /* vm.nr_trim_pages: 0 keeps the power of two, 2 trims only an excess of two pages or more */
  t_trim(0);
  long t3 = t_mmap(0, 3 * P, 3, 0x22, -1, 0);
  snap("trim0");
  t_mremap(t3, 3 * P, 4 * P, 0, 0);           /* the slack beyond vm_end can't be had: ENOMEM */
  t_trim(2);
  long t5 = t_mmap(0, 7 * P, 3, 0x22, -1, 0);   /* excess 1 < 2: keeps 8 */
  long t6 = t_mmap(0, 6 * P, 3, 0x22, -1, 0);   /* excess 2: trimmed to 6 */
  snap("trim2");
  t_trim(1);
  t_munmap(t3, 3 * P);
  t_munmap(t5, 7 * P);
  t_munmap(t6 + 5 * P, P);                      /* tail of a trimmed copy */
  t_munmap(t6, 5 * P);
  /* /dev/zero: a chardev that can only be copied */
  long z = t_open("/dev/zero", 2);
  long z1 = t_mmap(0, 2 * P, 3, 0x02, z, 0);    /* EINVAL: 6.12's kernel_read() refuses a file with ->read */
  t_mmap(0, 2 * P, 3, 0x01, z, 0);              /* MAP_SHARED: ENODEV */
  long z2 = t_mmap(0, 2 * P, 1, 0x02, z, 0);    /* read-only private: may overlay */
  snap("zero");
  if (z1 > 0) { t_munmap(z1 + P, P); t_munmap(z1, 2 * P); }
  if (z2 > 0) t_munmap(z2, 2 * P);
  t_close(z);
  t_munmap(a4 + 3 * P, P);                      /* tail of the shared anonymous mapping */
  t_munmap(a4, 3 * P);
  t_munmap(au, 2 * P);
  t_munmap(ag, 2 * P);
  snap("end");
  return 0;
}
