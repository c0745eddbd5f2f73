/* Crash probe (not a fixture). Two shared mappings of a ramfs file from page 0, one page then two:
 * the second only partially overlaps the first region, which a direct file skips, and the
 * filesystem hands out the same page-cache address again; add_nommu_region() BUG()s on the equal
 * vm_start. mmsim declines the second placement as the driver's -ENOSYS (so MAP_SHARED gets
 * ENODEV). Run: nommu-run test/oracle/crash/direct-same-start.c --raw */
#include "../oracle.h"
int main(int argc, char **argv) {
  (void)argc; (void)argv; o_start();
  long fd = t_open("/f.bin", 2 | 0x40);
  t_ftruncate(fd, 4 * P);
  t_mmap(0, P, 3, 0x01, fd, 0);
  t_mmap(0, 2 * P, 3, 0x01, fd, 0);
  dump("/proc/maps", "maps", "after");
  return 0;
}
