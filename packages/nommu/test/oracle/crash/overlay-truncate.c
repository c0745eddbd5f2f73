/* Crash probe (not a fixture: Linux 6.12 NOMMU BUG()s on it). A read-only private mapping of a
 * ramfs file overlays the page cache directly (VM_MAYOVERLAY, not VM_SHARED); a truncate to 0
 * checks only VM_SHARED mappings (nommu_shrink_inode_mappings()), so it frees the pages under the
 * overlay; the next anonymous copies get those pages and add_nommu_region() meets a region with the
 * same vm_start: "kernel BUG at mm/nommu.c:464". mmsim answers the truncate with ETXTBSY.
 * Run: nommu-run test/oracle/crash/overlay-truncate.c --raw */
#include "../oracle.h"
int main(int argc, char **argv) {
  (void)argc; (void)argv; o_start();
  long fd = t_open("/f.bin", 2 | 0x40);
  t_ftruncate(fd, 4 * P);
  long a = t_mmap(0, 4 * P, 1, 0x02, fd, 0);
  dump("/proc/maps", "maps", "before");
  t_ftruncate(fd, 0);
  for (int i = 0; i < 4; i++) t_mmap(0, P, 3, 0x22, -1, 0);
  dump("/proc/maps", "maps", "after");
  t_munmap(a, 4 * P);
  return 0;
}
