/** msync(2). Linux: sys_msync() in mm/msync.c. */
import { EBUSY, EINVAL, ENOMEM, MS_ASYNC, MS_INVALIDATE, MS_SYNC, PAGE_SIZE, VM_LOCKED, VM_SHARED, isPageAligned, pageAlign } from "@mmsim/mm-types";
import type { MmStruct, Vma } from "./vma.js";

/** Writes back [fstartPgoff, fendPgoff] of a shared file mapping's file. Linux: vfs_fsync_range(). */
export type WritebackFn = (vma: Vma, firstPgoff: number, lastPgoff: number) => void;

/**
 * Checks the flags and range and walks the VMAs: holes make the result -ENOMEM (at once for plain
 * MS_ASYNC), MS_INVALIDATE on a locked VMA is -EBUSY; MS_SYNC writes back the file range of each
 * shared file mapping. Linux: sys_msync().
 */
export function doMsync(mm: MmStruct, start: number, lenIn: number, flags: number, writeback?: WritebackFn): number {
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -EINVAL;
  if (!isPageAligned(start)) return -EINVAL;
  if (flags & MS_ASYNC && flags & MS_SYNC) return -EINVAL;
  const end = start + pageAlign(lenIn);
  if (end > 2 ** 64) return -ENOMEM;
  if (end === start) return 0;
  let unmappedError = 0;
  let vma = mm.tree.findVma(start);
  for (;;) {
    if (vma === undefined) return -ENOMEM;
    if (start < vma.vmStart) {
      if (flags === MS_ASYNC) return -ENOMEM;
      start = vma.vmStart;
      if (start >= end) return -ENOMEM;
      unmappedError = -ENOMEM;
    }
    if (flags & MS_INVALIDATE && vma.vmFlags & VM_LOCKED) return -EBUSY;
    if (flags & MS_SYNC && vma.vmFile !== null && vma.vmFlags & VM_SHARED) {
      const first = vma.vmPgoff + (start - vma.vmStart) / PAGE_SIZE;
      writeback?.(vma, first, first + (Math.min(end, vma.vmEnd) - start) / PAGE_SIZE - 1);
    }
    start = vma.vmEnd;
    if (start >= end) return unmappedError;
    vma = mm.tree.findVma(vma.vmEnd);
  }
}
