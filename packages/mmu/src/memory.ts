/**
 * Page faults and the page-table walks that add, copy, move, protect and drop ptes.
 * Linux: handle_mm_fault() → handle_pte_fault(), do_anonymous_page(), do_read_fault(),
 * do_cow_fault(), do_shared_fault(), do_wp_page(), wp_page_copy(), zap_pte_range() and
 * copy_pte_range() in mm/memory.c; move_ptes() in mm/mremap.c; change_pte_range() in mm/mprotect.c;
 * madvise_free_pte_range() in mm/madvise.c.
 */
import {
  ENOMEM,
  NO_PAGE,
  PAGE_SIZE,
  VM_EXEC,
  VM_LOCKED,
  VM_MAYWRITE,
  VM_MIXEDMAP,
  VM_PFNMAP,
  VM_RAND_READ,
  VM_READ,
  VM_SEQ_READ,
  VM_SHARED,
  VM_WRITE,
} from "@mmsim/mm-types";
import type { MmapFile, MmapFileOps, PageAllocatorPort, PhysMemPort } from "@mmsim/mm-types";
import { anonVmaPrepare } from "./anon-vma.js";
import { PTE_ACCESSED, PTE_ANON, PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL, PTE_USER, PTE_WRITE, PTRS_PER_PTE, vpnOf } from "./page-table.js";
import type { PteTable } from "./page-table.js";
import { PG_ACTIVE, PG_ANON, PG_DIRTY, PG_REFERENCED, PG_SWAPBACKED } from "./rmap.js";
import type { PageMeta } from "./rmap.js";
import type { MmStruct, Vma } from "./vma.js";

/** Fault results. Linux: VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV (include/linux/mm_types.h). */
export const VM_FAULT_OOM = 0x01;
export const VM_FAULT_SIGBUS = 0x02;
export const VM_FAULT_SIGSEGV = 0x40;

/** What the fault and walk code needs of the backend. */
export interface PageCtx {
  readonly pages: PageAllocatorPort;
  readonly physMem: PhysMemPort;
  readonly meta: PageMeta;
  /** The shared zero page. Linux: ZERO_PAGE(0) / my_zero_pfn(). */
  readonly zeroPfn: number;
}

/** A file whose pages are swap-backed (shmem, SysV shm): counted as MM_SHMEMPAGES. Linux: PageSwapBacked() of its pages. */
export interface SwapBackedHint {
  readonly swapBacked?: boolean;
}

/** True when `file`'s pages are shmem pages. Linux: shmem_mapping() / folio_test_swapbacked(). */
export function isShmemFile(file: MmapFile | null): boolean {
  return file !== null && (file as MmapFile & SwapBackedHint).swapBacked === true;
}

/**
 * Page-cache hooks of a file beyond MmapFileOps, for fault-around and msync writeback.
 * Linux: vm_operations_struct.map_pages (filemap_map_pages() looking pages up in i_pages).
 */
export interface PageCacheOps {
  /** The page-cache page at `pgoff` if it is there, without taking a reference; else a negative number. */
  findPage?(pgoff: number): number;
}

/** The file's page-cache lookup, when it has one. */
export function findPageOp(file: MmapFile): ((pgoff: number) => number) | undefined {
  return (file.ops as MmapFileOps & PageCacheOps).findPage;
}

/** Pages a read fault of a file maps around the faulting one. Linux: fault_around_bytes (64 KiB) / PAGE_SIZE. */
export const FAULT_AROUND_PAGES = 16;

/**
 * A shared file mapping whose writes must be noticed (dirty accounting): its ptes start read-only
 * and the first write faults. Shmem has none: its ptes are writable from the first fault.
 * Linux: vma_wants_writenotify().
 */
export function vmaWantsWritenotify(vma: Vma): boolean {
  return (vma.vmFlags & VM_SHARED) !== 0 && !isShmemFile(vma.vmFile);
}

/** Accesses through the VMA count for page aging. Linux: vma_has_recency(). */
function vmaHasRecency(vma: Vma): boolean {
  return !(vma.vmFlags & (VM_SEQ_READ | VM_RAND_READ));
}

/** Any access at all is allowed (PROT_NONE is not). Linux: vma_is_accessible(). */
export function isVmaAccessible(vmFlags: number): boolean {
  return (vmFlags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
}

/** Private and possibly writable: pages are copied on write. Linux: is_cow_mapping(). */
export function isCowMapping(vmFlags: number): boolean {
  return (vmFlags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

/** The page index `addr` has in `vma`'s file or anonymous space. Linux: linear_page_index(). */
export function linearPageIndex(vma: Vma, addr: number): number {
  return Math.floor((addr - vma.vmStart) / PAGE_SIZE) + vma.vmPgoff;
}

const scratch = new Uint8Array(PAGE_SIZE);

/** A new page with zeroed contents, or NO_PAGE. Linux: vma_alloc_zeroed_movable_folio(). */
function allocZeroedPage(ctx: PageCtx): number {
  const pfn = ctx.pages.allocPages(0);
  if (pfn !== NO_PAGE) ctx.physMem.zero(pfn * PAGE_SIZE, PAGE_SIZE);
  return pfn;
}

/** Copies page `src` into page `dst`. Linux: copy_user_highpage(). */
function copyPage(ctx: PageCtx, dst: number, src: number): void {
  ctx.physMem.readBytes(src * PAGE_SIZE, scratch);
  ctx.physMem.writeBytes(dst * PAGE_SIZE, scratch);
}

/** Counts one more resident page of `pfn`'s kind. Linux: inc_mm_counter(mm, mm_counter(folio)). */
function incMmCounter(ctx: PageCtx, mm: MmStruct, pfn: number): void {
  const f = ctx.meta.flags[pfn]!;
  if (f & PG_ANON) mm.anonPages++;
  else if (f & PG_SWAPBACKED) mm.shmemPages++;
  else mm.filePages++;
}

/** Counts one resident page of `pfn`'s kind fewer. Linux: dec_mm_counter(mm, mm_counter(folio)). */
function decMmCounter(ctx: PageCtx, mm: MmStruct, pfn: number): void {
  const f = ctx.meta.flags[pfn]!;
  if (f & PG_ANON) mm.anonPages--;
  else if (f & PG_SWAPBACKED) mm.shmemPages--;
  else mm.filePages--;
}

/**
 * PTE_USER unless the VMA is PROT_NONE, whose ptes (made only by get_user_pages with FOLL_FORCE: a
 * debugger's access) stay out of the user's reach. Linux: vm_page_prot (PAGE_NONE → _PAGE_PROTNONE).
 */
function userBit(vma: Vma): number {
  return isVmaAccessible(vma.vmFlags) ? PTE_USER : 0;
}

/** PTE_WRITE when the VMA allows writing. Linux: maybe_mkwrite(). */
function maybeMkwrite(vma: Vma): number {
  return vma.vmFlags & VM_WRITE ? PTE_WRITE : 0;
}

/** Maps a fresh anonymous page at `addr`, dirty and writable as a write fault leaves it. */
function setAnonPte(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, pfn: number): void {
  ctx.meta.addNewAnonRmap(pfn, vma.anonVma!.id, linearPageIndex(vma, addr), (vma.vmFlags & VM_LOCKED) !== 0);
  mm.anonPages++;
  mm.pt.setPte(vpnOf(addr), pfn, userBit(vma) | PTE_ACCESSED | PTE_DIRTY | PTE_ANON | maybeMkwrite(vma));
}

/**
 * Maps a file page (its reference already taken for the mapping); `fresh` for a private copy the
 * backend just filled. Linux: set_pte_range() + folio_add_file_rmap_ptes().
 */
function setFilePte(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, pfn: number, bits: number, fresh: boolean): void {
  ctx.meta.addFileRmap(pfn, linearPageIndex(vma, addr), isShmemFile(vma.vmFile), fresh, (vma.vmFlags & VM_LOCKED) !== 0);
  incMmCounter(ctx, mm, pfn);
  mm.pt.setPte(vpnOf(addr), pfn, userBit(vma) | PTE_ACCESSED | bits);
}

/** The pte bits of a read-faulted file page: writable at once in a shared writable mapping without write notification. */
function readFaultBits(vma: Vma): number {
  return vma.vmFlags & VM_SHARED && vma.vmFlags & VM_WRITE && !vmaWantsWritenotify(vma) ? PTE_WRITE : 0;
}

/**
 * Maps the cached pages of the file around `addr` (a 16-page aligned window, inside the VMA and the
 * PTE table, below EOF) that have no pte yet. Returns true when `addr` itself got mapped.
 * Linux: do_fault_around() → filemap_map_pages().
 */
function doFaultAround(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, findPage: (pgoff: number) => number): boolean {
  const file = vma.vmFile!;
  const vpn = vpnOf(addr);
  const pteOff = vpn % PTRS_PER_PTE;
  const vmaOff = vpn - vpnOf(vma.vmStart);
  const fromPte = Math.max(pteOff - (pteOff % FAULT_AROUND_PAGES), pteOff - Math.min(pteOff, vmaOff));
  const toPte = Math.min(fromPte + FAULT_AROUND_PAGES, PTRS_PER_PTE, pteOff + vma.pages() - vmaOff) - 1;
  const fileEnd = Math.ceil(file.size() / PAGE_SIZE) - 1;
  const bits = readFaultBits(vma);
  let mapped = false;
  for (let p = fromPte; p <= toPte; p++) {
    const a = addr - (addr % PAGE_SIZE) + (p - pteOff) * PAGE_SIZE;
    const pgoff = linearPageIndex(vma, a);
    if (pgoff > fileEnd) break;
    const t = mm.pt.pteTable(vpn - pteOff + p);
    if (t !== undefined && t.bits[p] !== 0) continue;
    const pfn = findPage(pgoff);
    if (pfn < 0) continue;
    ctx.pages.getPage(pfn);
    setFilePte(ctx, mm, vma, a, pfn, bits, false);
    if (p === pteOff) mapped = true;
  }
  return mapped;
}

/**
 * The page `vma` maps at `pgoff`, with a reference for the caller: the file's page-cache page, or a
 * private page filled with file.read() when the file has no fault hook (never for a shared mapping).
 * Returns the pfn or -VM_FAULT_*. Linux: __do_fault() → vm_ops->fault (filemap_fault()).
 */
function faultFilePage(ctx: PageCtx, file: MmapFile, pgoff: number, shared: boolean): number {
  if (file.ops.fault !== undefined) {
    const pfn = file.ops.fault(pgoff);
    if (pfn >= 0) return pfn;
    return pfn === -ENOMEM ? -VM_FAULT_OOM : -VM_FAULT_SIGBUS;
  }
  if (shared || pgoff >= Math.ceil(file.size() / PAGE_SIZE)) return -VM_FAULT_SIGBUS;
  const pfn = ctx.pages.allocPages(0);
  if (pfn === NO_PAGE) return -VM_FAULT_OOM;
  scratch.fill(0);
  const n = file.read(pgoff * PAGE_SIZE, scratch);
  if (n < 0) {
    ctx.pages.putPage(pfn);
    return -VM_FAULT_SIGBUS;
  }
  if (n < PAGE_SIZE) scratch.fill(0, n);
  ctx.physMem.writeBytes(pfn * PAGE_SIZE, scratch);
  return pfn;
}

/**
 * No pte in an anonymous VMA: a read maps the shared zero page, a write a new zeroed page (after
 * giving the VMA an anon_vma). Linux: do_anonymous_page().
 */
function doAnonymousPage(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, write: boolean): number {
  if (vma.vmFlags & VM_SHARED) return VM_FAULT_SIGBUS;
  if (!write) {
    mm.pt.setPte(vpnOf(addr), ctx.zeroPfn, userBit(vma) | PTE_ACCESSED | PTE_SPECIAL);
    return 0;
  }
  if (anonVmaPrepare(mm, vma) < 0) return VM_FAULT_OOM;
  const pfn = allocZeroedPage(ctx);
  if (pfn === NO_PAGE) return VM_FAULT_OOM;
  setAnonPte(ctx, mm, vma, addr, pfn);
  return 0;
}

/**
 * No pte in a file VMA, read access: map the file's page, read-only. A special mapping without a
 * file ([vdso]) shows the zero page. Linux: do_read_fault().
 */
function doReadFault(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number): number {
  const file = vma.vmFile;
  if (file === null) {
    mm.pt.setPte(vpnOf(addr), ctx.zeroPfn, userBit(vma) | PTE_ACCESSED | PTE_SPECIAL);
    return 0;
  }
  const findPage = findPageOp(file);
  if (findPage !== undefined && doFaultAround(ctx, mm, vma, addr, findPage)) return 0;
  const pfn = faultFilePage(ctx, file, linearPageIndex(vma, addr), (vma.vmFlags & VM_SHARED) !== 0);
  if (pfn < 0) return -pfn;
  setFilePte(ctx, mm, vma, addr, pfn, readFaultBits(vma), file.ops.fault === undefined);
  return 0;
}

/** No pte, write access to a private file mapping: a private copy of the file's page. Linux: do_cow_fault(). */
function doCowFault(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number): number {
  if (anonVmaPrepare(mm, vma) < 0) return VM_FAULT_OOM;
  const file = vma.vmFile;
  let src = NO_PAGE;
  if (file !== null) {
    src = faultFilePage(ctx, file, linearPageIndex(vma, addr), false);
    if (src < 0) return -src;
  }
  const pfn = ctx.pages.allocPages(0);
  if (pfn === NO_PAGE) {
    if (src !== NO_PAGE) ctx.pages.putPage(src);
    return VM_FAULT_OOM;
  }
  if (src !== NO_PAGE) {
    copyPage(ctx, pfn, src);
    ctx.pages.putPage(src);
  } else {
    ctx.physMem.zero(pfn * PAGE_SIZE, PAGE_SIZE);
  }
  setAnonPte(ctx, mm, vma, addr, pfn);
  return 0;
}

/**
 * No pte, write access to a shared file mapping: map the page-cache page writable and dirty, and
 * mark the page dirty. Linux: do_shared_fault() → fault_dirty_shared_page().
 */
function doSharedFault(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number): number {
  if (vma.vmFile === null) return VM_FAULT_SIGBUS;
  const pfn = faultFilePage(ctx, vma.vmFile, linearPageIndex(vma, addr), true);
  if (pfn < 0) return -pfn;
  setFilePte(ctx, mm, vma, addr, pfn, PTE_WRITE | PTE_DIRTY, false);
  ctx.meta.flags[pfn]! |= PG_DIRTY;
  return 0;
}

/**
 * Replaces the read-only page at slot `i` of `t` with a private copy (a zeroed page for the zero
 * page) and drops the old one. Linux: wp_page_copy().
 */
function wpPageCopy(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, t: PteTable, i: number): number {
  if (anonVmaPrepare(mm, vma) < 0) return VM_FAULT_OOM;
  const old = t.pfn[i]!;
  const special = (t.bits[i]! & PTE_SPECIAL) !== 0;
  const pfn = ctx.pages.allocPages(0);
  if (pfn === NO_PAGE) return VM_FAULT_OOM;
  if (special) ctx.physMem.zero(pfn * PAGE_SIZE, PAGE_SIZE);
  else copyPage(ctx, pfn, old);
  if (!special) {
    decMmCounter(ctx, mm, old);
    ctx.meta.removeRmap(old, (vma.vmFlags & VM_LOCKED) !== 0);
    ctx.pages.putPage(old);
  }
  ctx.meta.addNewAnonRmap(pfn, vma.anonVma!.id, linearPageIndex(vma, addr), (vma.vmFlags & VM_LOCKED) !== 0);
  mm.anonPages++;
  t.pfn[i] = pfn;
  t.bits[i] = PTE_PRESENT | userBit(vma) | PTE_ACCESSED | PTE_DIRTY | PTE_ANON | maybeMkwrite(vma);
  return 0;
}

/**
 * A write to a present read-only pte: a shared mapping just becomes writable and dirty (the page
 * too: wp_page_shared() → fault_dirty_shared_page()); an
 * anonymous page nobody else holds is reused (and moved to this VMA's anon_vma); anything else is
 * copied. Linux: do_wp_page(), wp_page_shared(), wp_can_reuse_anon_folio(), wp_page_reuse().
 */
function doWpPage(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, t: PteTable, i: number): number {
  const bits = t.bits[i]!;
  const pfn = t.pfn[i]!;
  if (vma.vmFlags & VM_SHARED) {
    t.bits[i] = bits | PTE_WRITE | PTE_DIRTY | PTE_ACCESSED;
    if (!(bits & PTE_SPECIAL)) ctx.meta.flags[pfn]! |= PG_DIRTY;
    return 0;
  }
  if (!(bits & PTE_SPECIAL) && bits & PTE_ANON && ctx.pages.pageCount(pfn) === 1) {
    ctx.meta.anonVma[pfn] = vma.anonVma!.id;
    t.bits[i] = bits | maybeMkwrite(vma) | PTE_DIRTY | PTE_ACCESSED;
    return 0;
  }
  return wpPageCopy(ctx, mm, vma, addr, t, i);
}

/**
 * Resolves a fault at `addr` inside `vma`, whose permissions the caller checked. Returns 0 or
 * VM_FAULT_* bits. Linux: handle_mm_fault() → handle_pte_fault().
 */
export function handleMmFault(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, write: boolean): number {
  const vpn = vpnOf(addr);
  const t = mm.pt.pteTable(vpn);
  const i = vpn % PTRS_PER_PTE;
  if (t === undefined || t.bits[i] === 0) {
    if (vma.isAnonymous()) return doAnonymousPage(ctx, mm, vma, addr, write);
    if (!write) return doReadFault(ctx, mm, vma, addr);
    if (!(vma.vmFlags & VM_SHARED)) return doCowFault(ctx, mm, vma, addr);
    return doSharedFault(ctx, mm, vma, addr);
  }
  if (write && !(t.bits[i]! & PTE_WRITE)) return doWpPage(ctx, mm, vma, addr, t, i);
  t.bits[i]! |= userBit(vma) | PTE_ACCESSED | (write ? PTE_DIRTY : 0);
  return 0;
}

/**
 * Drops every pte of [start, end) (page aligned) of `vma` and the page references they hold; a file
 * page keeps what its pte said: dirty, and accessed (as page aging sees it).
 * Linux: unmap_page_range() → zap_pte_range() → zap_present_folio_ptes().
 */
export function zapPteRange(ctx: PageCtx, mm: MmStruct, vma: Vma, start: number, end: number): void {
  const recency = vmaHasRecency(vma);
  const locked = (vma.vmFlags & VM_LOCKED) !== 0;
  const sv = vpnOf(start);
  const ev = vpnOf(end);
  const pt = mm.pt;
  const nk = pt.tableKeysIn(sv, ev);
  for (let k = 0; k < nk; k++) {
    const key = pt.keys[k]!;
    const t = pt.tables.get(key)!;
    const base = key * PTRS_PER_PTE;
    const hi = Math.min(ev, base + PTRS_PER_PTE) - base;
    for (let i = Math.max(sv, base) - base; i < hi; i++) {
      const bits = t.bits[i]!;
      if (bits === 0) continue;
      if (!(bits & PTE_SPECIAL)) {
        const pfn = t.pfn[i]!;
        if (!(bits & PTE_ANON)) {
          if (bits & PTE_DIRTY) ctx.meta.flags[pfn]! |= PG_DIRTY;
          if (bits & PTE_ACCESSED && recency) ctx.meta.markPageAccessed(pfn);
        }
        decMmCounter(ctx, mm, pfn);
        ctx.meta.removeRmap(pfn, locked);
        ctx.pages.putPage(pfn);
      }
      pt.clearPte(t, key, i);
    }
  }
}

/** Fork copies ptes only where a fault could not rebuild them. Linux: vma_needs_copy(). */
export function vmaNeedsCopy(src: Vma): boolean {
  return (src.vmFlags & (VM_PFNMAP | VM_MIXEDMAP)) !== 0 || src.anonVma !== null;
}

/**
 * Copies `src`'s ptes into `dst` (same range, another mm) at fork: each page gains a mapping and a
 * reference; in a COW mapping both copies become read-only; the child's ptes are old (and clean in
 * a shared mapping). Linux: copy_page_range() → copy_present_pte().
 */
export function copyPageRange(ctx: PageCtx, dstMm: MmStruct, srcMm: MmStruct, src: Vma): void {
  if (!vmaNeedsCopy(src)) return;
  const cow = isCowMapping(src.vmFlags);
  const sv = vpnOf(src.vmStart);
  const ev = vpnOf(src.vmEnd);
  const nk = srcMm.pt.tableKeysIn(sv, ev);
  for (let k = 0; k < nk; k++) {
    const key = srcMm.pt.keys[k]!;
    const t = srcMm.pt.tables.get(key)!;
    const base = key * PTRS_PER_PTE;
    const hi = Math.min(ev, base + PTRS_PER_PTE) - base;
    let dt: PteTable | undefined;
    for (let i = Math.max(sv, base) - base; i < hi; i++) {
      let bits = t.bits[i]!;
      if (bits === 0) continue;
      const pfn = t.pfn[i]!;
      if (!(bits & PTE_SPECIAL)) {
        ctx.pages.getPage(pfn);
        ctx.meta.dupRmap(pfn);
        incMmCounter(ctx, dstMm, pfn);
      }
      if (cow && bits & PTE_WRITE) {
        bits &= ~PTE_WRITE;
        t.bits[i] = bits;
      }
      if (src.vmFlags & VM_SHARED) bits &= ~PTE_DIRTY;
      dt ??= dstMm.pt.pteTableAlloc(base);
      dt.pfn[i] = pfn;
      dt.bits[i] = bits & ~PTE_ACCESSED;
      dt.nr++;
    }
  }
}

/**
 * Moves the ptes of [oldAddr, oldAddr + len) to newAddr in the same mm; pages keep their index, so
 * the destination VMA must keep the linear index (copy_vma's pgoff). Precondition: the ranges do
 * not overlap. Linux: move_page_tables() → move_ptes().
 */
export function movePageTables(mm: MmStruct, oldAddr: number, newAddr: number, len: number): void {
  const sv = vpnOf(oldAddr);
  const ev = sv + len / PAGE_SIZE;
  const delta = vpnOf(newAddr) - sv;
  const pt = mm.pt;
  const keys = Array.from(pt.keys.subarray(0, pt.tableKeysIn(sv, ev)));
  for (const key of keys) {
    const t = pt.tables.get(key)!;
    const base = key * PTRS_PER_PTE;
    const hi = Math.min(ev, base + PTRS_PER_PTE) - base;
    for (let i = Math.max(sv, base) - base; i < hi; i++) {
      const bits = t.bits[i]!;
      if (bits === 0) continue;
      pt.setPte(base + i + delta, t.pfn[i]!, bits);
      pt.clearPte(t, key, i);
    }
  }
}

/**
 * Applies `vma`'s protection to its ptes in [start, end): inaccessible ptes lose PTE_USER; without
 * VM_WRITE every pte is write-protected (a later write faults and copies or reuses); a shared
 * writable mapping without write notification (shmem) gets every pte writable at once.
 * Linux: change_protection() → change_pte_range(), can_change_shared_pte_writable() (6.18).
 */
export function changeProtection(mm: MmStruct, vma: Vma, start: number, end: number): void {
  const sv = vpnOf(start);
  const ev = vpnOf(end);
  const pt = mm.pt;
  const f = vma.vmFlags;
  const clear = (isVmaAccessible(f) ? 0 : PTE_USER) | (f & VM_WRITE ? 0 : PTE_WRITE);
  const set = isVmaAccessible(f) ? PTE_USER : 0;
  const upgrade = f & VM_SHARED && f & VM_WRITE && !vmaWantsWritenotify(vma);
  const nk = pt.tableKeysIn(sv, ev);
  for (let k = 0; k < nk; k++) {
    const key = pt.keys[k]!;
    const t = pt.tables.get(key)!;
    const base = key * PTRS_PER_PTE;
    const hi = Math.min(ev, base + PTRS_PER_PTE) - base;
    for (let i = Math.max(sv, base) - base; i < hi; i++) {
      const bits = t.bits[i]!;
      if (bits === 0) continue;
      t.bits[i] = (bits & ~clear) | set | (upgrade && !(bits & PTE_SPECIAL) ? PTE_WRITE : 0);
    }
  }
}

/**
 * MADV_FREE: every anonymous pte of the range becomes clean and old, and its page lazily freeable
 * (no longer swap-backed, inactive, unreferenced) until written again unless it is mlocked
 * elsewhere; a dirty page is cleaned only when nobody else maps it. Pages stay mapped, since nothing reclaims memory here.
 * Linux: madvise_free_pte_range() (6.18) → folio_mark_lazyfree() → lru_lazyfree().
 */
export function madviseFreeRange(ctx: PageCtx, mm: MmStruct, start: number, end: number): void {
  const sv = vpnOf(start);
  const ev = vpnOf(end);
  const pt = mm.pt;
  const nk = pt.tableKeysIn(sv, ev);
  for (let k = 0; k < nk; k++) {
    const key = pt.keys[k]!;
    const t = pt.tables.get(key)!;
    const base = key * PTRS_PER_PTE;
    const hi = Math.min(ev, base + PTRS_PER_PTE) - base;
    for (let i = Math.max(sv, base) - base; i < hi; i++) {
      const bits = t.bits[i]!;
      if (!(bits & PTE_ANON) || bits & PTE_SPECIAL) continue;
      const pfn = t.pfn[i]!;
      if (ctx.meta.flags[pfn]! & PG_DIRTY) {
        if (ctx.meta.mapcount[pfn] !== 1) continue;
        ctx.meta.flags[pfn]! &= ~PG_DIRTY;
      }
      t.bits[i] = bits & ~(PTE_DIRTY | PTE_ACCESSED);
      if (!ctx.meta.isMlocked(pfn)) ctx.meta.flags[pfn]! &= ~(PG_SWAPBACKED | PG_REFERENCED | PG_ACTIVE);
    }
  }
}

/**
 * Writes back the dirty cached pages [first, last] of a file that keeps dirty state (not shmem):
 * each becomes clean, and so does every pte mapping it, write-protected so the next write is seen.
 * Mappings are found through the file's i_mmap, else among `vmas`. Linux: vfs_fsync_range() →
 * filemap_write_and_wait_range() → folio_clear_dirty_for_io() → folio_mkclean().
 */
export function writebackFileRange(ctx: PageCtx, file: MmapFile, first: number, last: number, vmas: () => Iterable<Vma>): void {
  const findPage = findPageOp(file);
  if (findPage === undefined || isShmemFile(file)) return;
  for (let pgoff = first; pgoff <= last; pgoff++) {
    const pfn = findPage(pgoff);
    if (pfn < 0) continue;
    ctx.meta.ensure(pfn);
    if (!(ctx.meta.flags[pfn]! & PG_DIRTY)) continue;
    ctx.meta.flags[pfn]! &= ~PG_DIRTY;
    const mappers = file.mapping !== undefined ? file.mapping.vmasIntersecting(pgoff, pgoff) : vmas();
    for (const e of mappers) {
      const v = e as Vma;
      if (v.mm === null || v.vmPgoff > pgoff || pgoff >= v.vmPgoff + v.pages()) continue;
      const vpn = vpnOf(v.vmStart) + pgoff - v.vmPgoff;
      const t = v.mm.pt.pteTable(vpn);
      const i = vpn % PTRS_PER_PTE;
      if (t !== undefined && t.bits[i] !== 0 && t.pfn[i] === pfn && !(t.bits[i]! & PTE_ANON)) t.bits[i]! &= ~(PTE_DIRTY | PTE_WRITE);
    }
  }
}

/**
 * The VMA's [start, end) became VM_LOCKED (`delta` 1) or stopped being (-1): its mapped pages are
 * mlocked or munlocked. Linux: mlock_vma_pages_range() → mlock_pte_range().
 */
export function mlockPteRange(ctx: PageCtx, mm: MmStruct, start: number, end: number, delta: number): void {
  const sv = vpnOf(start);
  const ev = vpnOf(end);
  const nk = mm.pt.tableKeysIn(sv, ev);
  for (let k = 0; k < nk; k++) {
    const key = mm.pt.keys[k]!;
    const t = mm.pt.tables.get(key)!;
    const base = key * PTRS_PER_PTE;
    const hi = Math.min(ev, base + PTRS_PER_PTE) - base;
    for (let i = Math.max(sv, base) - base; i < hi; i++) {
      const bits = t.bits[i]!;
      if (bits !== 0 && !(bits & PTE_SPECIAL)) ctx.meta.mlock(t.pfn[i]!, delta);
    }
  }
}
