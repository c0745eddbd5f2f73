/* Linux 6.12 NOMMU: a MAP_SHARED mapping of a ramfs file joins the region of an earlier read-only
 * private copy (do_mmap()'s region search takes VM_MAYOVERLAY regions), so a store through the
 * "shared" mapping never reaches the file; a shrinking ftruncate then trims that copy's region
 * (nommu_shrink_inode_mappings() trims the region of every VM_SHARED VMA) under the private VMA that
 * still spans it: /proc/maps shows one page, /proc/self/maps two. ramfs.test.ts cites this run. */
#include "nommu-rt.h"
enum { NR_pread64 = 67 };
int main(int argc, char **argv) {
  (void)argc; (void)argv;
  long fd = sys(NR_openat, -100, (long)"/x", 2 | 0100 /* O_RDWR|O_CREAT */, 0600, 0, 0);
  long a = sys(NR_mmap, 0, 8192, 1, 2, fd, 0); out("mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0"); out_result(a, 1);
  long r = sys(NR_ftruncate, fd, 8192, 0, 0, 0, 0); out("ftruncate(3, 8192"); out_result(r, 0);
  long b = sys(NR_mmap, 0, 4096, 3, 1, fd, 0); out("mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0"); out_result(b, 1);
  if (!is_err(b)) {
    ((char *)b)[0] = 'Z'; char c = 0; sys(NR_pread64, fd, (long)&c, 1, 0, 0, 0);
    out("# file byte 0 after storing 'Z' (90) through the shared mapping: "); out_dec(c); out("\n");
  }
  out_file("/proc/maps", "maps-before");
  r = sys(NR_ftruncate, fd, 4096, 0, 0, 0, 0); out("ftruncate(3, 4096"); out_result(r, 0);
  out_file("/proc/maps", "maps-after");
  out_file("/proc/self/maps", "self-maps-after");
  return 0;
}
