/** The program break. Linux: sys_brk(), do_brk_flags(), check_brk_limits() in mm/mmap.c. */
import { ENOMEM, MAP_FIXED, PAGE_SIZE, RLIMIT_DATA, RLIM_INFINITY, VM_ACCOUNT, VM_MAYEXEC, VM_MAYREAD, VM_MAYWRITE, VM_READ, VM_WRITE, pageAlign } from "@mmsim/mm-types";
import { getUnmappedArea, vmStartGap } from "./get-unmapped-area.js";
import { doAlignMunmap } from "./munmap.js";
import type { UnmapHooks } from "./munmap.js";
import { canMergeAfter } from "./vma-merge.js";
import { Vma } from "./vma.js";
import type { MmStruct } from "./vma.js";

/** Flags of a data (brk) VMA on x86-64 without READ_IMPLIES_EXEC. Linux: VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT. */
export const VM_BRK_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;

/** Extends the brk VMA `prev` over [addr, addr+len), or creates one. Returns 0 or -ENOMEM. Linux: do_brk_flags(). */
export function doBrkFlags(mm: MmStruct, prev: Vma | null, addr: number, len: number): number {
  if (!mm.mayExpandVm(VM_BRK_FLAGS, len / PAGE_SIZE)) return -ENOMEM;
  if (mm.mapCount > mm.config.maxMapCount) return -ENOMEM;
  const pgoff = addr / PAGE_SIZE;
  if (prev !== null && prev.vmEnd === addr && canMergeAfter(prev, { vmFlags: VM_BRK_FLAGS, anonVma: null, anonVmaChainLength: 0, file: null, pgoff, anonName: null })) {
    mm.setRange(prev, prev.vmStart, addr + len, prev.vmPgoff);
    return 0;
  }
  mm.link(new Vma(mm.newVmaId(), addr, addr + len, pgoff, VM_BRK_FLAGS, null));
  return 0;
}

/**
 * brk(2): returns the new break, or the old one when the request fails. RLIMIT_DATA bounds the heap
 * from start_brk (the ELF data segment, end_data - start_data, is not tracked: it counts as empty).
 * Linux: sys_brk(), check_data_rlimit().
 */
export function doBrk(mm: MmStruct, brk: number, hooks: UnmapHooks): number {
  const origBrk = mm.brk;
  if (brk < mm.startBrk) return origBrk;
  const dataLimit = mm.config.rlimit(RLIMIT_DATA);
  if (dataLimit < RLIM_INFINITY && brk - mm.startBrk > dataLimit) return origBrk;
  const newBrk = pageAlign(brk);
  const oldBrk = pageAlign(mm.brk);
  if (oldBrk === newBrk) {
    mm.brk = brk;
    return brk;
  }
  if (brk <= mm.brk) {
    const brkVma = mm.tree.findVmaIntersection(newBrk, oldBrk);
    if (brkVma === undefined || brkVma.vmStart >= oldBrk) return origBrk;
    mm.brk = brk;
    if (doAlignMunmap(mm, newBrk, oldBrk, hooks) < 0) {
      mm.brk = origBrk;
      return origBrk;
    }
    return brk;
  }
  if (getUnmappedArea(mm, oldBrk, newBrk - oldBrk, MAP_FIXED) < 0) return origBrk;
  const next = mm.tree.findVma(oldBrk);
  if (next !== undefined && next.vmStart < newBrk + PAGE_SIZE + mm.config.stackGuardGap && newBrk + PAGE_SIZE > vmStartGap(mm, next)) return origBrk;
  const before = mm.tree.findVmaPrev(oldBrk);
  const prev = before !== undefined && before.vmEnd > mm.startBrk ? before : null;
  if (doBrkFlags(mm, prev, oldBrk, newBrk - oldBrk) < 0) return origBrk;
  mm.brk = brk;
  return brk;
}
