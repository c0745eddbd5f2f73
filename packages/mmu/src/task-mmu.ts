/**
 * The page walks behind /proc/<pid>/smaps and the per-VMA resident counts. Linux: smap_gather_stats()
 * → smaps_pte_range() → smaps_pte_entry() → smaps_account() in fs/proc/task_mmu.c.
 */
import { PAGE_SIZE, VM_LOCKED } from "@mmsim/mm-types";
import type { VmaView } from "@mmsim/mm-types";
import { PSS_SHIFT, newMemSizeStats, smapsPageAccumulate } from "@mmsim/procfs";
import type { MemSizeStats } from "@mmsim/procfs";
import type { PageCtx } from "./memory.js";
import { PTE_ACCESSED, PTE_DIRTY, PTE_SPECIAL, PTRS_PER_PTE, vpnOf } from "./page-table.js";
import { PG_ANON, PG_DIRTY, PG_REFERENCED, PG_SWAPBACKED } from "./rmap.js";
import type { MmStruct } from "./vma.js";

/** Present ptes with a struct page (the zero page excluded) in [start, end). Linux: the Rss: of smaps. */
export function residentPages(mm: MmStruct, start: number, end: number): number {
  const sv = vpnOf(start);
  const ev = vpnOf(end);
  const nk = mm.pt.tableKeysIn(sv, ev);
  let n = 0;
  for (let k = 0; k < nk; k++) {
    const key = mm.pt.keys[k]!;
    const t = mm.pt.tables.get(key)!;
    const base = key * PTRS_PER_PTE;
    const hi = Math.min(ev, base + PTRS_PER_PTE) - base;
    for (let i = Math.max(sv, base) - base; i < hi; i++) {
      const bits = t.bits[i]!;
      if (bits !== 0 && !(bits & PTE_SPECIAL)) n++;
    }
  }
  return n;
}

/**
 * smaps statistics of `vma`: every present pte with a struct page is resident; anonymous pages
 * count as Anonymous (and LazyFree when clean and no longer swap-backed); a page referenced once is
 * private with its whole size in Pss, else each mapping gets 1/mapcount and a mapcount of 2 or more
 * makes it shared; dirty and referenced are the pte's or the page's. Linux: smaps_pte_entry(),
 * smaps_account().
 */
export function memSizeStats(ctx: PageCtx, mm: MmStruct, vma: VmaView): MemSizeStats {
  const mss = newMemSizeStats();
  const locked = (vma.vmFlags & VM_LOCKED) !== 0;
  const full = PAGE_SIZE * 2 ** PSS_SHIFT;
  const sv = vpnOf(vma.vmStart);
  const ev = vpnOf(vma.vmEnd);
  const nk = mm.pt.tableKeysIn(sv, ev);
  for (let k = 0; k < nk; k++) {
    const key = mm.pt.keys[k]!;
    const t = mm.pt.tables.get(key)!;
    const base = key * PTRS_PER_PTE;
    const hi = Math.min(ev, base + PTRS_PER_PTE) - base;
    for (let i = Math.max(sv, base) - base; i < hi; i++) {
      const bits = t.bits[i]!;
      if (bits === 0 || bits & PTE_SPECIAL) continue;
      const pfn = t.pfn[i]!;
      const flags = ctx.meta.flags[pfn]!;
      const dirty = (bits & PTE_DIRTY) !== 0 || (flags & PG_DIRTY) !== 0;
      if (flags & PG_ANON) {
        mss.anonymous += PAGE_SIZE;
        if (!(flags & PG_SWAPBACKED) && !dirty) mss.lazyfree += PAGE_SIZE;
      }
      mss.resident += PAGE_SIZE;
      if (bits & PTE_ACCESSED || flags & PG_REFERENCED) mss.referenced += PAGE_SIZE;
      if (ctx.pages.pageCount(pfn) === 1) {
        smapsPageAccumulate(mss, full, dirty, locked, true);
        continue;
      }
      const mapcount = ctx.meta.mapcount[pfn]!;
      smapsPageAccumulate(mss, mapcount >= 2 ? Math.floor(full / mapcount) : full, dirty, locked, mapcount < 2);
    }
  }
  return mss;
}
