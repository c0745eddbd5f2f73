/**
 * One zone of the buddy allocator: its per-order free lists and per-page metadata, in typed arrays.
 * Linux: struct zone and struct free_area (include/linux/mmzone.h); __rmqueue_smallest(), expand(),
 * __free_one_page(), buddy_merge_likely() and __zone_watermark_ok() in mm/page_alloc.c.
 *
 * Pages are addressed by absolute pfn; arrays are indexed by pfn - zoneStartPfn. Free lists are
 * doubly linked through `next`/`prev` so that any block is removed in O(1), as list_del() does.
 * Per-CPU page lists and migrate types are not modelled: every free page is on a buddy list, so
 * buddyinfo is exact.
 */
import { MAX_PAGE_ORDER, NR_PAGE_ORDERS, bug } from "@mmsim/mm-types";
import type { Watermarks } from "./watermarks.js";

/** Page flag: head of a free block; `order` holds its order. Linux: PageBuddy + page_private. */
export const PG_BUDDY = 1;
/** Page flag: head of an allocated block; `order` holds the order it was allocated at. */
export const PG_HEAD = 2;

const NIL = -1;

/** Host bytes of metadata per simulated page held by a Zone (flags, order, refcount, next, prev). */
export const ZONE_BYTES_PER_PAGE = 1 + 1 + 4 + 4 + 4;

/** Watermark selectors for allocation. Linux: ALLOC_WMARK_MIN/LOW/HIGH, ALLOC_NO_WATERMARKS. */
export const ALLOC_WMARK_MIN = 0;
export const ALLOC_WMARK_LOW = 1;
export const ALLOC_WMARK_HIGH = 2;
export const ALLOC_NO_WATERMARKS = 4;

/** A zone: a contiguous range of page frames with its own free area. */
export class Zone {
  readonly name: string;
  readonly nodeId = 0;
  readonly zoneStartPfn: number;
  readonly spannedPages: number;
  /** Per-page flags (PG_BUDDY, PG_HEAD). */
  readonly flags: Uint8Array;
  /** Per-page order: of the free block (PG_BUDDY) or allocation (PG_HEAD) it heads. */
  readonly order: Uint8Array;
  /** Per-page reference count. Linux: page->_refcount. */
  readonly refcount: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly head = new Int32Array(NR_PAGE_ORDERS).fill(NIL);
  private readonly tail = new Int32Array(NR_PAGE_ORDERS).fill(NIL);
  /** Free blocks per order. Linux: free_area[order].nr_free. */
  readonly nrFree = new Float64Array(NR_PAGE_ORDERS);
  /** Free pages. Linux: NR_FREE_PAGES. */
  freePages = 0;
  /** Pages handed to the buddy allocator at boot. Linux: zone_managed_pages(). */
  managedPages = 0;
  watermarks: Watermarks = { min: 0, low: 0, high: 0 };

  constructor(name: string, zoneStartPfn: number, spannedPages: number) {
    if (!Number.isInteger(zoneStartPfn) || zoneStartPfn < 0) bug(`zone ${name}: start pfn ${zoneStartPfn} is not a non-negative integer`);
    if (!Number.isInteger(spannedPages) || spannedPages < 1) bug(`zone ${name}: ${spannedPages} pages is not a positive integer`);
    this.name = name;
    this.zoneStartPfn = zoneStartPfn;
    this.spannedPages = spannedPages;
    this.flags = new Uint8Array(spannedPages);
    this.order = new Uint8Array(spannedPages);
    this.refcount = new Int32Array(spannedPages);
    this.next = new Int32Array(spannedPages);
    this.prev = new Int32Array(spannedPages);
  }

  /** True when `pfn` lies inside this zone. Linux: zone_spans_pfn(). */
  spansPfn(pfn: number): boolean {
    return pfn >= this.zoneStartPfn && pfn < this.zoneStartPfn + this.spannedPages;
  }

  /**
   * Hands every page of the zone to the free lists in the largest naturally aligned blocks, lowest
   * address first and to the tail, so the first allocations come from the bottom of the zone.
   * Linux: memblock_free_all() → __free_pages_memory() → __free_pages_core(FPI_TO_TAIL).
   */
  freeAllBootMemory(): void {
    const end = this.zoneStartPfn + this.spannedPages;
    let pfn = this.zoneStartPfn;
    while (pfn < end) {
      let order = pfn === 0 ? MAX_PAGE_ORDER : Math.min(MAX_PAGE_ORDER, 31 - Math.clz32(pfn & -pfn));
      while (pfn + (1 << order) > end) order--;
      this.managedPages += 1 << order;
      this.freeOnePage(pfn, order, true);
      pfn += 1 << order;
    }
  }

  private addToFreeList(i: number, order: number, toTail: boolean): void {
    this.flags[i] = PG_BUDDY;
    this.order[i] = order;
    if (toTail) {
      const t = this.tail[order]!;
      this.prev[i] = t;
      this.next[i] = NIL;
      if (t === NIL) this.head[order] = i;
      else this.next[t] = i;
      this.tail[order] = i;
    } else {
      const h = this.head[order]!;
      this.next[i] = h;
      this.prev[i] = NIL;
      if (h === NIL) this.tail[order] = i;
      else this.prev[h] = i;
      this.head[order] = i;
    }
    this.nrFree[order]!++;
    this.freePages += 1 << order;
  }

  private delFromFreeList(i: number, order: number): void {
    const n = this.next[i]!;
    const p = this.prev[i]!;
    if (p === NIL) this.head[order] = n;
    else this.next[p] = n;
    if (n === NIL) this.tail[order] = p;
    else this.prev[n] = p;
    this.flags[i] = 0;
    this.nrFree[order]!--;
    this.freePages -= 1 << order;
  }

  /** True when the block at `pfn` is free at exactly `order`. Linux: page_is_buddy(). */
  isFreeBuddy(pfn: number, order: number): boolean {
    const i = pfn - this.zoneStartPfn;
    return i >= 0 && i < this.spannedPages && this.flags[i] === PG_BUDDY && this.order[i] === order;
  }

  /**
   * Would an allocation of `order` leave the zone above watermark `mark`? Linux: __zone_watermark_ok()
   * without lowmem_reserve and highatomic reserves.
   */
  isWatermarkOk(order: number, mark: number): boolean {
    const free = this.freePages - ((1 << order) - 1);
    if (free <= mark) return false;
    if (order === 0) return true;
    for (let o = order; o <= MAX_PAGE_ORDER; o++) if (this.nrFree[o]! > 0) return true;
    return false;
  }

  /**
   * Takes the first block of the smallest order ≥ `order` and splits it down, giving back the upper
   * halves. Returns the pfn of the lowest sub-block, or -1. Linux: __rmqueue_smallest() + expand().
   */
  rmqueueSmallest(order: number): number {
    for (let current = order; current <= MAX_PAGE_ORDER; current++) {
      const i = this.head[current]!;
      if (i === NIL) continue;
      this.delFromFreeList(i, current);
      this.expand(i, order, current);
      return this.zoneStartPfn + i;
    }
    return -1;
  }

  /** Puts the upper halves of a block being split on the lower orders' free lists. Linux: expand(). */
  private expand(i: number, low: number, high: number): void {
    let size = 1 << high;
    while (high > low) {
      high--;
      size >>= 1;
      this.addToFreeList(i + size, high, false);
    }
  }

  /**
   * Frees a block, merging it with free buddies as far as it goes; the result goes to the list tail
   * when `toTail` or when a further merge looks likely, else to the head.
   * Linux: __free_one_page() and buddy_merge_likely().
   */
  freeOnePage(pfn: number, order: number, toTail: boolean): void {
    const start = this.zoneStartPfn;
    let buddyPfn = 0;
    while (order < MAX_PAGE_ORDER) {
      buddyPfn = pfn ^ (1 << order);
      const b = buddyPfn - start;
      if (b < 0 || b >= this.spannedPages || this.flags[b] !== PG_BUDDY || this.order[b] !== order) break;
      this.delFromFreeList(b, order);
      pfn &= buddyPfn;
      order++;
    }
    if (!toTail && order < MAX_PAGE_ORDER - 1) {
      const higher = buddyPfn & pfn;
      toTail = this.isFreeBuddy(higher ^ (1 << (order + 1)), order + 1);
    }
    this.addToFreeList(pfn - start, order, toTail);
  }

  /** The pfns of the free blocks of `order`, head first (for tests and diagrams). */
  freeList(order: number): number[] {
    const out: number[] = [];
    for (let i = this.head[order]!; i !== NIL; i = this.next[i]!) out.push(this.zoneStartPfn + i);
    return out;
  }

  /**
   * Checks every invariant of the zone; throws a KernelBug naming the first broken one.
   * Linux: the checks of CONFIG_DEBUG_VM (page_is_buddy, free list sanity), done exhaustively.
   */
  assertValid(): void {
    const counts = new Float64Array(NR_PAGE_ORDERS);
    let free = 0;
    let i = 0;
    while (i < this.spannedPages) {
      const pfn = this.zoneStartPfn + i;
      const f = this.flags[i]!;
      const o = this.order[i]!;
      if (f !== PG_BUDDY && f !== PG_HEAD) bug(`zone ${this.name}: pfn ${hex(pfn)} is neither free nor allocated`);
      if (o > MAX_PAGE_ORDER) bug(`zone ${this.name}: pfn ${hex(pfn)} has order ${o} > MAX_PAGE_ORDER`);
      if (pfn % (1 << o) !== 0) bug(`zone ${this.name}: block at pfn ${hex(pfn)} is not aligned to its order ${o}`);
      if (i + (1 << o) > this.spannedPages) bug(`zone ${this.name}: block at pfn ${hex(pfn)} order ${o} runs past the zone`);
      if (f === PG_BUDDY) {
        if (this.refcount[i] !== 0) bug(`zone ${this.name}: free pfn ${hex(pfn)} has refcount ${this.refcount[i]}`);
        if (o < MAX_PAGE_ORDER && this.isFreeBuddy(pfn ^ (1 << o), o))
          bug(`zone ${this.name}: free buddies ${hex(pfn)} and ${hex(pfn ^ (1 << o))} at order ${o} were not merged`);
        counts[o]!++;
        free += 1 << o;
      } else if (this.refcount[i]! < 1) {
        bug(`zone ${this.name}: allocated pfn ${hex(pfn)} has refcount ${this.refcount[i]}`);
      }
      for (let t = i + 1; t < i + (1 << o); t++) {
        if (this.flags[t] !== 0 || this.refcount[t] !== 0)
          bug(`zone ${this.name}: pfn ${hex(this.zoneStartPfn + t)} inside the block at ${hex(pfn)} order ${o} has its own state`);
      }
      i += 1 << o;
    }
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) this.assertFreeListValid(o, counts[o]!);
    if (free !== this.freePages) bug(`zone ${this.name}: free page counter ${this.freePages} != recount ${free}`);
  }

  private assertFreeListValid(order: number, expected: number): void {
    if (this.nrFree[order] !== expected) bug(`zone ${this.name}: nr_free[${order}] = ${this.nrFree[order]} but ${expected} free blocks`);
    let n = 0;
    let prev = NIL;
    for (let i = this.head[order]!; i !== NIL; i = this.next[i]!) {
      if (++n > expected) bug(`zone ${this.name}: free list of order ${order} is longer than nr_free (a cycle?)`);
      if (this.prev[i] !== prev) bug(`zone ${this.name}: free list of order ${order}: bad prev link at pfn ${hex(this.zoneStartPfn + i)}`);
      if (this.flags[i] !== PG_BUDDY || this.order[i] !== order)
        bug(`zone ${this.name}: pfn ${hex(this.zoneStartPfn + i)} is on the order-${order} list but not a free block of that order`);
      prev = i;
    }
    if (this.tail[order] !== prev) bug(`zone ${this.name}: free list of order ${order}: tail pointer is stale`);
    if (n !== expected) bug(`zone ${this.name}: free list of order ${order} holds ${n} blocks, nr_free says ${expected}`);
  }
}

/** Formats a pfn or address as 0x-prefixed hex, for messages. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
