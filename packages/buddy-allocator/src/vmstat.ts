/**
 * The allocator's figures as /proc and debugfs print them. Linux: frag_show_print() (/proc/buddyinfo),
 * fill_contig_page_info(), __fragmentation_index() and unusable_free_index() in mm/vmstat.c.
 */
import { MAX_PAGE_ORDER } from "@mmsim/mm-types";
import type { ZoneView } from "@mmsim/mm-types";

/** Free-block figures of a zone for one target order. Linux: struct contig_page_info. */
export interface ContigPageInfo {
  readonly freePages: number;
  readonly freeBlocksTotal: number;
  readonly freeBlocksSuitable: number;
}

/** Sums a zone's free blocks as seen by an allocation of `order`. Linux: fill_contig_page_info(). */
export function contigPageInfo(nrFree: readonly number[], order: number): ContigPageInfo {
  let freePages = 0;
  let freeBlocksTotal = 0;
  let freeBlocksSuitable = 0;
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) {
    const blocks = nrFree[o] ?? 0;
    freeBlocksTotal += blocks;
    freePages += blocks * 2 ** o;
    if (o >= order) freeBlocksSuitable += blocks * 2 ** (o - order);
  }
  return { freePages, freeBlocksTotal, freeBlocksSuitable };
}

/**
 * Fragmentation index ×1000 for an allocation of `order`: -1000 when it would succeed; else towards
 * 0 when it fails for lack of memory and towards 1000 when it fails through fragmentation.
 * Linux: __fragmentation_index().
 */
export function fragmentationIndex(nrFree: readonly number[], order: number): number {
  const info = contigPageInfo(nrFree, order);
  if (info.freeBlocksTotal === 0) return 0;
  if (info.freeBlocksSuitable > 0) return -1000;
  const requested = 2 ** order;
  return 1000 - Math.trunc((1000 + Math.trunc((info.freePages * 1000) / requested)) / info.freeBlocksTotal);
}

/**
 * Unusable free space index ×1000 for `order`: the share of free memory that can't serve an
 * allocation of that order. Linux: unusable_free_index().
 */
export function unusableFreeIndex(nrFree: readonly number[], order: number): number {
  const info = contigPageInfo(nrFree, order);
  if (info.freePages === 0) return 1000;
  return Math.trunc(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 1000) / info.freePages);
}

/**
 * /proc/buddyinfo: one line per zone, "Node %d, zone %8s " then "%6lu " per order, then "\n".
 * Linux: frag_show_print().
 */
export function formatBuddyinfo(zones: readonly ZoneView[]): string {
  let out = "";
  for (const z of zones) {
    if (z.managedPages === 0) continue;
    out += `Node ${z.nodeId}, zone ${z.name.padStart(8)} `;
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) out += `${String(z.nrFree[o] ?? 0).padStart(6)} `;
    out += "\n";
  }
  return out;
}

function kernelDiv(a: number, b: number): { q: number; r: number } {
  return { q: Math.trunc(a / b), r: a - Math.trunc(a / b) * b };
}

/**
 * debugfs extfrag/extfrag_index: "Node %d, zone %8s " then "%2d.%03d " per order of the index ×1000.
 * Linux: extfrag_show_print().
 */
export function formatExtfragIndex(zones: readonly ZoneView[]): string {
  let out = "";
  for (const z of zones) {
    if (z.managedPages === 0) continue;
    out += `Node ${z.nodeId}, zone ${z.name.padStart(8)} `;
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) {
      const { q, r } = kernelDiv(fragmentationIndex(z.nrFree, o), 1000);
      out += `${String(q).padStart(2)}.${String(Math.abs(r)).padStart(3, "0")} `;
    }
    out += "\n";
  }
  return out;
}

/**
 * debugfs extfrag/unusable_index: "Node %d, zone %8s " then "%d.%03d " per order.
 * Linux: unusable_show_print().
 */
export function formatUnusableIndex(zones: readonly ZoneView[]): string {
  let out = "";
  for (const z of zones) {
    if (z.managedPages === 0) continue;
    out += `Node ${z.nodeId}, zone ${z.name.padStart(8)} `;
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) {
      const { q, r } = kernelDiv(unusableFreeIndex(z.nrFree, o), 1000);
      out += `${q}.${String(r).padStart(3, "0")} `;
    }
    out += "\n";
  }
  return out;
}
