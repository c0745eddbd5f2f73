/**
 * NOMMU brk: the heap was reserved with the program image, between start_brk and end_brk; brk only
 * moves the break inside that reservation and never allocates. Linux: SYSCALL_DEFINE1(brk) in mm/nommu.c.
 */
import type { NommuMm } from "./vma.js";

/**
 * Moves the break to `brk` when it lies in [startBrk, endBrk] and returns the break in force (a
 * request outside the reservation leaves it unchanged; brk never returns an errno). Shrinking is
 * always allowed. Linux: sys_brk() in mm/nommu.c.
 */
export function doBrk(mm: NommuMm, brk: number): number {
  if (brk < mm.startBrk || brk > mm.endBrk) return mm.brk;
  mm.brk = brk;
  return brk;
}
