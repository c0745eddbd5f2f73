/** Locking pages in memory. Linux: do_mlock(), sys_munlock(), apply_vma_lock_flags(), mlock_fixup() in mm/mlock.c. */
import { EINVAL, ENOMEM, EAGAIN, EFAULT, EPERM, PAGE_SIZE, VM_HUGETLB, VM_LOCKED, VM_LOCKONFAULT, VM_SPECIAL, pageAlign } from "@mmsim/mm-types";
import { vmaModifyFlags } from "./vma-merge.js";
import type { MmStruct, Vma } from "./vma.js";

const VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;

/** Faults in a locked range; returns 0 or -errno. Linux: __mm_populate(start, len, 0). */
export type PopulateFn = (mm: MmStruct, start: number, len: number) => number;

/** [start, end) of a VMA became locked (1) or unlocked (-1): (un)lock its mapped pages. Linux: mlock_vma_pages_range(). */
export type MlockPagesFn = (mm: MmStruct, start: number, end: number, delta: number) => void;

/** Pages of VM_LOCKED VMAs in [start, start+len), or in the whole mm when len is 0. Linux: count_mm_mlocked_page_nr() / mm->locked_vm. */
export function countMlockedPages(mm: MmStruct, start: number, len: number): number {
  const end = len === 0 ? 2 ** 53 : start + len;
  let n = 0;
  for (const v of mm.vmasIn(start, end)) {
    if (v.vmFlags & VM_LOCKED) n += (Math.min(end, v.vmEnd) - Math.max(start, v.vmStart)) / PAGE_SIZE;
  }
  return n;
}

/** Sets or clears the lock bits of [start, end) of one VMA. Linux: mlock_fixup(). */
function mlockFixup(mm: MmStruct, vma: Vma, prev: Vma | null, start: number, end: number, newFlags: number, pages?: MlockPagesFn): Vma | number {
  const old = vma.vmFlags;
  if (newFlags === old || old & (VM_SPECIAL | VM_HUGETLB)) return vma;
  const r = vmaModifyFlags(mm, prev, vma, start, end, newFlags);
  if (typeof r !== "number" && (old ^ newFlags) & VM_LOCKED) pages?.(mm, start, end, newFlags & VM_LOCKED ? 1 : -1);
  return r;
}

/**
 * Applies `flags` (VM_LOCKED or 0) to every VMA of [start, start+len); a hole makes it -ENOMEM
 * after the VMAs before it were changed. Linux: apply_vma_lock_flags().
 */
export function applyVmaLockFlags(mm: MmStruct, start: number, len: number, flags: number, pages?: MlockPagesFn): number {
  const end = start + len;
  if (end < start) return -EINVAL;
  if (end === start) return 0;
  let vma = mm.lookup(start);
  if (vma === undefined) return -ENOMEM;
  let prev: Vma | null = start > vma.vmStart ? vma : (mm.tree.findVmaPrev(vma.vmStart) ?? null);
  for (let nstart = start; ; ) {
    const newFlags = (vma.vmFlags & ~VM_LOCKED_MASK) | flags;
    const tmp = Math.min(vma.vmEnd, end);
    const r = mlockFixup(mm, vma, prev, nstart, tmp, newFlags, pages);
    if (typeof r === "number") return r;
    prev = r;
    nstart = Math.max(tmp, prev.vmEnd);
    if (nstart >= end) return 0;
    const next = mm.tree.findVma(prev.vmEnd);
    if (next === undefined || next.vmStart !== nstart) return -ENOMEM;
    vma = next;
  }
}

/**
 * mlock(2) (`lock`) or munlock(2): the range is widened to whole pages; locking checks
 * RLIMIT_MEMLOCK (without CAP_IPC_LOCK), sets VM_LOCKED and faults the pages in, reporting a
 * populate failure as mlock does (EFAULT → ENOMEM, ENOMEM → EAGAIN). Linux: do_mlock(), sys_munlock().
 */
export function doMlock(mm: MmStruct, start: number, len: number, lock: boolean, populate: PopulateFn, pages?: MlockPagesFn): number {
  const c = mm.config;
  if (lock && c.memlockRlimit === 0 && !c.capIpcLock) return -EPERM;
  const off = start % PAGE_SIZE;
  len = pageAlign(len + off);
  start -= off;
  if (!lock) return applyVmaLockFlags(mm, start, len, 0, pages);
  let locked = len / PAGE_SIZE + countMlockedPages(mm, 0, 0);
  const limit = Math.floor(c.memlockRlimit / PAGE_SIZE);
  if (locked > limit && !c.capIpcLock) locked -= countMlockedPages(mm, start, len);
  if (locked > limit && !c.capIpcLock) return -ENOMEM;
  const r = applyVmaLockFlags(mm, start, len, VM_LOCKED, pages);
  if (r < 0) return r;
  const p = populate(mm, start, len);
  if (p === -EFAULT) return -ENOMEM;
  if (p === -ENOMEM) return -EAGAIN;
  return p;
}
