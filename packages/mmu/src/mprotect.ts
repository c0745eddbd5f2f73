/** Changing protections. Linux: do_mprotect_pkey() and mprotect_fixup() in mm/mprotect.c. */
import {
  EACCES,
  EINVAL,
  ENOMEM,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_READ,
  PROT_SEM,
  PROT_WRITE,
  VM_ACCOUNT,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_HUGETLB,
  VM_LOCKED,
  VM_NORESERVE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  isPageAligned,
  pageAlign,
} from "@mmsim/mm-types";
import { calcVmProtBits } from "./mmap.js";
import { vmaModifyFlags } from "./vma-merge.js";
import type { MmStruct, Vma } from "./vma.js";

const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

/** What mprotect needs from the backend: applying the new protection to the ptes. */
export interface MprotectHooks {
  /** [start, end) of `vma` now has `vma.vmFlags`: update its ptes. Linux: change_protection(). */
  changeProtection(mm: MmStruct, vma: Vma, start: number, end: number): void;
  /** Fault in [start, end) of `vma` as mlock does. Linux: populate_vma_page_range(). */
  populateVmaRange(mm: MmStruct, vma: Vma, start: number, end: number): void;
}

/** True when every access bit asked for is allowed by the matching VM_MAY* bit. */
function isAllowedByMay(newFlags: number): boolean {
  return (newFlags & ~(newFlags >> 4) & VM_ACCESS_FLAGS) === 0;
}

/**
 * Applies `newFlags` to [start, end) of `vma`, charging a private mapping that becomes writable
 * (VM_ACCOUNT) and uncharging anonymous memory with no pages yet that stops being writable, then
 * updating the ptes (and faulting in a locked private range that became writable). Returns the VMA
 * now covering the range, or -errno. Linux: mprotect_fixup().
 */
export function mprotectFixup(
  mm: MmStruct,
  vma: Vma,
  prev: Vma | null,
  start: number,
  end: number,
  newFlags: number,
  hooks?: MprotectHooks,
): Vma | number {
  const oldFlags = vma.vmFlags;
  if (newFlags === oldFlags) return vma;
  if (newFlags & VM_WRITE) {
    // memory that turns into data counts against RLIMIT_DATA (and RLIMIT_AS)
    const nrPages = (end - start) / PAGE_SIZE;
    if (!mm.mayExpandVm(newFlags, nrPages) && mm.mayExpandVm(oldFlags, nrPages)) return -ENOMEM;
    if (!(oldFlags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) newFlags |= VM_ACCOUNT;
  } else if (oldFlags & VM_ACCOUNT && vma.isAnonymous() && vma.anonVma === null) {
    newFlags &= ~VM_ACCOUNT;
  }
  const r = vmaModifyFlags(mm, prev, vma, start, end, newFlags);
  if (typeof r === "number") return r;
  hooks?.changeProtection(mm, r, start, end);
  // a locked private mapping that becomes writable is copied now rather than at the first write
  if ((oldFlags & (VM_WRITE | VM_SHARED | VM_LOCKED)) === VM_LOCKED && newFlags & VM_WRITE) hooks?.populateVmaRange(mm, r, start, end);
  return r;
}

/** mprotect(2). Returns 0 or -errno; a range processed in part stays changed, as in Linux. Linux: do_mprotect_pkey(). */
export function doMprotect(mm: MmStruct, start: number, len: number, prot: number, hooks?: MprotectHooks): number {
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
  if (!isPageAligned(start)) return -EINVAL;
  if (len === 0) return 0;
  const end = start + pageAlign(len);
  if (end <= start || end > 2 ** 64) return -ENOMEM;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return -EINVAL;
  let vma = mm.tree.findVma(start);
  if (vma === undefined) return -ENOMEM;
  if (grows & PROT_GROWSDOWN) {
    if (vma.vmStart >= end) return -ENOMEM;
    start = vma.vmStart;
    if (!(vma.vmFlags & VM_GROWSDOWN)) return -EINVAL;
  } else {
    if (vma.vmStart > start) return -ENOMEM;
    if (grows & PROT_GROWSUP) return -EINVAL;
  }
  let prev: Vma | null = start > vma.vmStart ? vma : (mm.tree.findVmaPrev(vma.vmStart) ?? null);
  for (let nstart = start; ; ) {
    const newFlags = calcVmProtBits(prot) | (vma.vmFlags & ~VM_ACCESS_FLAGS);
    if (!isAllowedByMay(newFlags)) return -EACCES;
    const tmp = Math.min(vma.vmEnd, end);
    const r = mprotectFixup(mm, vma, prev, nstart, tmp, newFlags, hooks);
    if (typeof r === "number") return r;
    prev = r;
    nstart = Math.max(tmp, prev.vmEnd);
    if (nstart >= end) return 0;
    const next = mm.tree.findVma(prev.vmEnd);
    if (next === undefined || next.vmStart !== nstart) return -ENOMEM;
    vma = next;
  }
}
