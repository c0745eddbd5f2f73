/**
 * Faulting pages in on behalf of the kernel rather than a user access: pinning one page (futex keys)
 * and populating ranges (mlock, MAP_POPULATE, MAP_LOCKED). No stack expansion here, as in 6.5+.
 * Linux: __get_user_pages(), check_vma_flags(), faultin_page(), populate_vma_page_range() and
 * __mm_populate() in mm/gup.c.
 */
import { EFAULT, ENOMEM, PAGE_SIZE, VM_IO, VM_LOCKONFAULT, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_PFNMAP, VM_READ, VM_SHARED, VM_WRITE } from "@mmsim/mm-types";
import { VM_FAULT_OOM, handleMmFault, isCowMapping, isVmaAccessible } from "./memory.js";
import type { PageCtx } from "./memory.js";
import { PTE_ANON, PTE_PRESENT, PTE_SPECIAL, PTE_WRITE, PTRS_PER_PTE, vpnOf } from "./page-table.js";
import type { MmStruct, Vma } from "./vma.js";

/** Fault for writing. Linux: FOLL_WRITE. */
export const FOLL_WRITE = 0x01;
/** Mark the page accessed. Linux: FOLL_TOUCH. */
export const FOLL_TOUCH = 0x02;
/** Read access to an accessible VMA without VM_READ. Linux: FOLL_FORCE (as mlock uses it). */
export const FOLL_FORCE = 0x10;

/** May `vma` be accessed this way by the kernel? Returns 0 or -EFAULT. Linux: check_vma_flags(). */
function checkVmaFlags(vma: Vma, gupFlags: number): number {
  const f = vma.vmFlags;
  if (f & (VM_IO | VM_PFNMAP)) return -EFAULT;
  if (gupFlags & FOLL_WRITE) {
    if (!(f & VM_WRITE) && (!(gupFlags & FOLL_FORCE) || !isCowMapping(f))) return -EFAULT;
  } else if (!(f & VM_READ)) {
    if (!(gupFlags & FOLL_FORCE) || !(f & VM_MAYREAD)) return -EFAULT;
  }
  return 0;
}

/**
 * May a pte be written through get_user_pages? When it is writable; or, with FOLL_FORCE, in a private
 * VMA that may be written but isn't (a debugger's write to text), once the write fault has made the
 * page an exclusive anonymous copy. Linux: can_follow_write_pte().
 */
function canFollowWritePte(ctx: PageCtx, vma: Vma, bits: number, pfn: number, gupFlags: number): boolean {
  if (bits & PTE_WRITE) return true;
  if (!(gupFlags & FOLL_FORCE)) return false;
  const f = vma.vmFlags;
  if (f & (VM_MAYSHARE | VM_SHARED) || !(f & VM_MAYWRITE) || f & VM_WRITE) return false;
  return !(bits & PTE_SPECIAL) && (bits & PTE_ANON) !== 0 && ctx.pages.pageCount(pfn) === 1;
}

/**
 * The page mapped at `addr` in `vma` for this kind of access, faulting it in when needed (and
 * marking it accessed with FOLL_TOUCH). Returns
 * the pfn or -errno (-EFAULT for a fault that can't be resolved, -ENOMEM when out of memory).
 * Linux: follow_page_mask() / faultin_page() loop of __get_user_pages().
 */
export function gupPage(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, gupFlags: number): number {
  const r = checkVmaFlags(vma, gupFlags);
  if (r < 0) return r;
  const write = (gupFlags & FOLL_WRITE) !== 0;
  for (let tries = 0; tries < 2; tries++) {
    const vpn = vpnOf(addr);
    const t = mm.pt.pteTable(vpn);
    const bits = t?.bits[vpn % PTRS_PER_PTE] ?? 0;
    if (bits & PTE_PRESENT && (!write || canFollowWritePte(ctx, vma, bits, t!.pfn[vpn % PTRS_PER_PTE]!, gupFlags))) {
      const pfn = t!.pfn[vpn % PTRS_PER_PTE]!;
      if (gupFlags & FOLL_TOUCH && !(bits & PTE_SPECIAL)) ctx.meta.markPageAccessed(pfn);
      return pfn;
    }
    const fault = handleMmFault(ctx, mm, vma, addr, write);
    if (fault & VM_FAULT_OOM) return -ENOMEM;
    if (fault !== 0) return -EFAULT;
  }
  return -EFAULT;
}

/** Faults in [start, end) of `vma` as mlock wants it. Returns 0 or -errno. Linux: populate_vma_page_range(). */
export function populateVmaPageRange(ctx: PageCtx, mm: MmStruct, vma: Vma, start: number, end: number): number {
  if (vma.vmFlags & VM_LOCKONFAULT) return 0;
  let gupFlags = FOLL_TOUCH;
  if ((vma.vmFlags & (VM_WRITE | VM_SHARED)) === VM_WRITE) gupFlags |= FOLL_WRITE;
  if (isVmaAccessible(vma.vmFlags)) gupFlags |= FOLL_FORCE;
  for (let a = start; a < end; a += PAGE_SIZE) {
    const r = gupPage(ctx, mm, vma, a, gupFlags);
    if (r < 0) return r;
  }
  return 0;
}

/**
 * Faults in every page of [start, start+len) that a VMA maps, skipping VM_IO/VM_PFNMAP VMAs; with
 * `ignoreErrors` a failing VMA is skipped, else its error is returned. Linux: __mm_populate().
 */
export function mmPopulate(ctx: PageCtx, mm: MmStruct, start: number, len: number, ignoreErrors: boolean): number {
  const end = start + len;
  for (let nstart = start; nstart < end; ) {
    const vma = mm.tree.findVmaIntersection(nstart, end);
    if (vma === undefined) break;
    const nend = Math.min(end, vma.vmEnd);
    if (!(vma.vmFlags & (VM_IO | VM_PFNMAP))) {
      const r = populateVmaPageRange(ctx, mm, vma, Math.max(nstart, vma.vmStart), nend);
      if (r < 0 && !ignoreErrors) return r;
    }
    nstart = nend;
  }
  return 0;
}
