/**
 * The page-level invariants of the MMU backend, checked by recounting everything from the page
 * tables: every pte inside a VMA and allowed by it, rss counters, mapcounts, reference counts, the
 * anon_vma and index of every anonymous page, file references and i_mmap membership.
 * Linux: what validate_mm(), CONFIG_DEBUG_VM's VM_BUG_ON_PAGE/FOLIO checks and check_mm() assert.
 */
import { PAGE_SIZE, VM_SHARED, VM_WRITE, bug } from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import { isVmaAccessible, linearPageIndex } from "./memory.js";
import type { PageCtx } from "./memory.js";
import { PTE_ANON, PTE_SPECIAL, PTE_USER, PTE_WRITE, PTRS_PER_PTE } from "./page-table.js";
import { PG_ANON, PG_SWAPBACKED } from "./rmap.js";
import type { ShmemFile } from "./shmem.js";
import type { MmStruct, Vma } from "./vma.js";

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Checks one present pte of `vma` at `addr`; returns the rss kind it counts as (0 none, 1 anon, 2 file, 3 shmem). */
function checkPte(ctx: PageCtx, mm: MmStruct, vma: Vma, addr: number, pfn: number, bits: number): number {
  const where = `mm ${mm.id} pte ${hex(addr)}`;
  if (bits & PTE_WRITE && !(vma.vmFlags & VM_WRITE)) bug(`${where}: writable in a VMA without VM_WRITE`);
  if (((bits & PTE_USER) !== 0) !== isVmaAccessible(vma.vmFlags)) bug(`${where}: user bit disagrees with the VMA's protection`);
  if (bits & PTE_SPECIAL) {
    if (pfn !== ctx.zeroPfn || bits & (PTE_ANON | PTE_WRITE)) bug(`${where}: special pte that is not the read-only zero page`);
    return 0;
  }
  const flags = ctx.meta.flags[pfn]!;
  if (((bits & PTE_ANON) !== 0) !== ((flags & PG_ANON) !== 0)) bug(`${where}: pte anon bit disagrees with pfn ${pfn}`);
  if (!(flags & PG_ANON)) {
    if (bits & PTE_WRITE && !(vma.vmFlags & VM_SHARED)) bug(`${where}: writable pte of a file page in a private mapping`);
    return flags & PG_SWAPBACKED ? 3 : 2;
  }
  if (vma.vmFlags & VM_SHARED) bug(`${where}: anonymous page in a shared VMA`);
  // a writable private pte maps a page nobody else maps (PageAnonExclusive): else a write would skip the copy
  if (bits & PTE_WRITE && ctx.meta.mapcount[pfn] !== 1) bug(`${where}: writable pte of pfn ${pfn}, which is mapped ${ctx.meta.mapcount[pfn]} times`);
  if (vma.anonVma === null) bug(`${where}: anonymous page in a VMA without anon_vma`);
  // the rmap can reach the pte: the VMA is chained to the page's anon_vma (whose tree covers the VMA's range)
  if (!vma.anonVmaChain.some((avc) => avc.anonVma.id === ctx.meta.anonVma[pfn])) bug(`${where}: pfn ${pfn}'s anon_vma ${ctx.meta.anonVma[pfn]} is not on the VMA's chain`);
  if (ctx.meta.index[pfn] !== linearPageIndex(vma, addr)) bug(`${where}: pfn ${pfn} has index ${ctx.meta.index[pfn]}, the VMA wants ${linearPageIndex(vma, addr)}`);
  return 1;
}

/** Walks one mm's page tables, tallying mappings per pfn and checking the rss counters. */
function validateMm(ctx: PageCtx, mm: MmStruct, mapped: Map<number, number>): void {
  let totalVm = 0;
  for (const v of mm.vmasIn(0, 2 ** 53)) totalVm += v.pages();
  if (totalVm !== mm.totalVm) bug(`mm ${mm.id}: total_vm ${mm.totalVm}, recount ${totalVm}`);
  const rss = [0, 0, 0, 0];
  for (const [key, t] of mm.pt.tables) {
    let nr = 0;
    for (let i = 0; i < PTRS_PER_PTE; i++) {
      const bits = t.bits[i]!;
      if (bits === 0) continue;
      nr++;
      const addr = (key * PTRS_PER_PTE + i) * PAGE_SIZE;
      const vma = mm.lookup(addr);
      if (vma === undefined) bug(`mm ${mm.id}: pte at ${hex(addr)} outside every VMA`);
      const pfn = t.pfn[i]!;
      const kind = checkPte(ctx, mm, vma, addr, pfn, bits);
      rss[kind]!++;
      if (kind !== 0) mapped.set(pfn, (mapped.get(pfn) ?? 0) + 1);
    }
    if (nr !== t.nr || nr === 0) bug(`mm ${mm.id}: pte table ${key} counts ${t.nr} entries, holds ${nr}`);
  }
  if (rss[1] !== mm.anonPages || rss[2] !== mm.filePages || rss[3] !== mm.shmemPages)
    bug(`mm ${mm.id}: rss anon/file/shmem ${mm.anonPages}/${mm.filePages}/${mm.shmemPages}, recount ${rss[1]}/${rss[2]}/${rss[3]}`);
}

/** Checks each VMA's file reference and i_mmap entry. */
function validateFiles(mms: readonly MmStruct[], fileRefs: ReadonlyMap<MmapFile, number>): void {
  const counted = new Map<MmapFile, number>();
  for (const mm of mms) {
    for (const v of mm.vmasIn(0, 2 ** 53)) {
      const f = v.structFile;
      if (f === null) continue;
      if (v.vmFile !== null && v.anonFile !== null) bug(`mm ${mm.id}: VMA ${v.id} has both a file and an anonymous one`);
      counted.set(f, (counted.get(f) ?? 0) + 1);
      // an anonymous VMA holds its file (/dev/zero) but is in no i_mmap
      if (f.mapping === undefined || v.vmFile === null) continue;
      let linked = false;
      for (const e of f.mapping.vmasIntersecting(v.vmPgoff, v.vmPgoff + v.pages() - 1)) linked ||= e === v;
      if (!linked) bug(`mm ${mm.id}: VMA ${v.id} of ${f.identity.path} is missing from its i_mmap`);
    }
  }
  if (counted.size !== fileRefs.size) bug(`${fileRefs.size} files referenced, ${counted.size} mapped`);
  for (const [f, n] of counted) if (fileRefs.get(f) !== n) bug(`${f.identity.path}: ${fileRefs.get(f)} VMA references, ${n} VMAs`);
}

/**
 * Recounts every page the address spaces map and compares with the backend's state. File pages are
 * checked exactly when their other references are known (`pageCacheRefs`, the backend's shmem
 * objects), else to hold at least their mappings.
 */
export function validateMmPages(
  ctx: PageCtx,
  mms: readonly MmStruct[],
  fileRefs: ReadonlyMap<MmapFile, number>,
  shmemFiles: ReadonlySet<ShmemFile>,
  pageCacheRefs: ((pfn: number) => number) | undefined,
): void {
  if (ctx.pages.pageCount(ctx.zeroPfn) !== 1) bug(`the zero page's reference count is ${ctx.pages.pageCount(ctx.zeroPfn)}`);
  const mapped = new Map<number, number>();
  for (const mm of mms) validateMm(ctx, mm, mapped);
  const cached = new Map<number, number>();
  for (const f of shmemFiles) {
    if (!fileRefs.has(f)) bug(`shmem ino ${f.identity.ino} outlived its last VMA`);
    for (const pfn of f.cache.values()) cached.set(pfn, (cached.get(pfn) ?? 0) + 1);
  }
  for (const [pfn, n] of mapped) {
    if (ctx.meta.mapcount[pfn] !== n) bug(`pfn ${pfn}: mapcount ${ctx.meta.mapcount[pfn]}, mapped ${n} times`);
    const refs = ctx.pages.pageCount(pfn);
    const anon = (ctx.meta.flags[pfn]! & PG_ANON) !== 0;
    const own = cached.get(pfn);
    const other = anon ? 0 : (own ?? pageCacheRefs?.(pfn));
    if (other === undefined ? refs < n : refs !== n + other) bug(`pfn ${pfn}: ${refs} references for ${n} mappings${other !== undefined ? ` + ${other} others` : ""}`);
  }
  for (const [pfn, n] of cached) if (ctx.pages.pageCount(pfn) < n) bug(`shmem pfn ${pfn}: fewer references than its page cache holds`);
  validateFiles(mms, fileRefs);
}
