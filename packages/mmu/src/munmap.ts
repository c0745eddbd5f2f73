/** Unmapping. Linux: do_vmi_munmap() / do_vmi_align_munmap() in mm/vma.c (6.12), do_mas_munmap() (6.1). */
import { EINVAL, ENOMEM, PAGE_SIZE, pageAlign, isPageAligned } from "@mmsim/mm-types";
import { splitVma } from "./vma-merge.js";
import type { MmStruct, Vma } from "./vma.js";

/** Hooks for what happens to a VMA's pages and file when it goes away. */
export interface UnmapHooks {
  /** [start, end) of `vma` is leaving the address space: zap its pages. Linux: unmap_vmas(). */
  zapRange(mm: MmStruct, vma: Vma, start: number, end: number): void;
  /** `vma` is being removed: call its close op. Linux: remove_vma() → vm_ops->close. */
  removeVma(mm: MmStruct, vma: Vma): void;
}

/**
 * Removes every VMA in [start, end), splitting the ones that straddle an edge. Preconditions: page
 * aligned, start < end. Returns 0 or -ENOMEM (map_count would exceed vm.max_map_count).
 * An anonymous VMA that loses only its head or tail is trimmed in place: splitting it and removing
 * the piece has the same outcome, and nothing (no vm_ops) can tell them apart.
 * Linux: do_vmi_align_munmap().
 */
export function doAlignMunmap(mm: MmStruct, start: number, end: number, hooks: UnmapHooks): number {
  const vma = mm.tree.findVma(start);
  if (vma === undefined || vma.vmStart >= end) return 0;
  if (vma.vmStart === start && vma.vmEnd === end) {
    // the commonest munmap: exactly one whole VMA, nothing to split or walk
    hooks.zapRange(mm, vma, start, end);
    mm.unlink(vma, () => hooks.removeVma(mm, vma));
    return 0;
  }
  let from = start;
  if (vma.vmStart < start) {
    // a hole in the middle of one VMA leaves three pieces: refuse at the limit
    if (end < vma.vmEnd && mm.mapCount >= mm.config.maxMapCount) return -ENOMEM;
    if (vma.vmFile === null && end >= vma.vmEnd) {
      from = vma.vmEnd;
      hooks.zapRange(mm, vma, start, from);
      mm.setRange(vma, vma.vmStart, start, vma.vmPgoff);
      if (from >= end) return 0;
    } else {
      const r = splitVma(mm, vma, start, false, false);
      if (typeof r === "number") return r;
    }
  }
  if (vma.vmStart >= start && vma.vmEnd > end && vma.vmFile === null) {
    // the range is the head of one anonymous VMA
    hooks.zapRange(mm, vma, vma.vmStart, end);
    mm.setRange(vma, end, vma.vmEnd, vma.vmPgoff + (end - vma.vmStart) / PAGE_SIZE);
    return 0;
  }
  const victims = mm.vmasIn(from, end);
  if (victims.length === 0) return 0;
  const last = victims[victims.length - 1]!;
  if (last.vmEnd > end) {
    if (last.vmFile === null) {
      hooks.zapRange(mm, last, last.vmStart, end);
      mm.setRange(last, end, last.vmEnd, last.vmPgoff + (end - last.vmStart) / PAGE_SIZE);
      victims.pop();
    } else {
      victims[victims.length - 1] = splitVma(mm, last, end, true, false) as Vma;
    }
  }
  for (const v of victims) {
    hooks.zapRange(mm, v, v.vmStart, v.vmEnd);
    mm.unlink(v, () => hooks.removeVma(mm, v));
  }
  return 0;
}

/** munmap(2): checks, then doAlignMunmap. An empty range (no VMA) succeeds. Linux: do_vmi_munmap(). */
export function doMunmap(mm: MmStruct, start: number, len: number, hooks: UnmapHooks): number {
  const ts = mm.config.taskSize;
  if (!isPageAligned(start) || start > ts || len > ts - start) return -EINVAL;
  const end = start + pageAlign(len);
  if (end === start) return -EINVAL;
  return doAlignMunmap(mm, start, end, hooks);
}
