/**
 * One zone of the buddy allocator: its per-order free lists and per-page metadata, in typed arrays.
 * Linux: struct zone and struct free_area (include/linux/mmzone.h); __rmqueue_smallest(), expand(),
 * __free_one_page(), buddy_merge_likely() and __zone_watermark_ok() in mm/page_alloc.c.
 *
 * Pages are addressed by absolute pfn; arrays are indexed by pfn - zoneStartPfn. Each free list is a
 * circular doubly linked list through `next`/`prev` with a sentinel slot per order after the pages,
 * so any block is removed in O(1) without branches, as list_del() does. Per-CPU page lists and
 * migrate types are not modelled: every free page is on a buddy list, so buddyinfo is exact.
 */
import { MAX_PAGE_ORDER, NR_PAGE_ORDERS, bug } from "@mmsim/mm-types";
import type { Watermarks } from "./watermarks.js";

/** Page kind: head of a free block. Linux: PageBuddy, with the order in page_private. */
export const PG_BUDDY = 1;
/** Page kind: head of an allocated block (its allocation order is kept). */
export const PG_HEAD = 2;
/** Page kind: a free order-0 page parked on the zone's per-CPU list, not on a buddy list. */
export const PG_PCP = 3;
const KIND_MASK = 3;
const ORDER_SHIFT = 2;

/** The state byte of a page: its kind (PG_BUDDY, PG_HEAD, or 0 inside a block) and its order. */
export function pageState(kind: number, order: number): number {
  return kind | (order << ORDER_SHIFT);
}

/**
 * Per-CPU page list settings: `batch` pages move between the list and the buddy lists at a time;
 * the list is drained by a batch when it reaches `high`. Linux: struct per_cpu_pages.
 */
export interface PcpSettings {
  readonly batch: number;
  readonly high: number;
}

/**
 * The per-CPU list settings Linux derives from a zone's size: batch from zone_batchsize()
 * (6.12: a quarter of managed/1024 capped at 256 pages, rounded down to 2^n - 1), high = 6 × batch
 * as the 2.6 kernels set it (pageset_set_batch()).
 */
export function defaultPcpSettings(managedPages: number): PcpSettings {
  let batch = Math.min(Math.floor(managedPages / 1024), 256);
  batch = Math.max(1, Math.floor(batch / 4));
  batch = 2 ** Math.floor(Math.log2(batch + Math.floor(batch / 2))) - 1;
  batch = Math.max(batch, 1);
  return { batch, high: 6 * batch };
}

/** Host bytes of metadata per simulated page held by a Zone (state, refcount, next, prev). */
export const ZONE_BYTES_PER_PAGE = 1 + 4 + 4 + 4;

/** Watermark selectors for allocation. Linux: ALLOC_WMARK_MIN/LOW/HIGH, ALLOC_NO_WATERMARKS. */
export const ALLOC_WMARK_MIN = 0;
export const ALLOC_WMARK_LOW = 1;
export const ALLOC_WMARK_HIGH = 2;
export const ALLOC_NO_WATERMARKS = 4;
/** The bits of alloc flags that select a watermark. Linux: ALLOC_WMARK_MASK. */
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;

/** A zone: a contiguous range of page frames with its own free area. */
export class Zone {
  readonly name: string;
  readonly nodeId = 0;
  readonly zoneStartPfn: number;
  readonly spannedPages: number;
  /** Per-page state byte: kind in the low bits, order above (see pageState). */
  readonly state: Uint8Array;
  /** Per-page reference count. Linux: page->_refcount. */
  readonly refcount: Int32Array;
  /** List links; slots spannedPages + order are the sentinels of the order's free list. */
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Free blocks per order. Linux: free_area[order].nr_free. */
  readonly nrFree = new Int32Array(NR_PAGE_ORDERS);
  /** Free pages. Linux: NR_FREE_PAGES. */
  freePages = 0;
  /** Pages handed to the buddy allocator at boot. Linux: zone_managed_pages(). */
  managedPages = 0;
  /** Watermarks in pages, indexed by ALLOC_WMARK_MIN/LOW/HIGH. Linux: zone->_watermark[]. */
  readonly wmark = new Float64Array(3);
  /** Per-CPU list of free order-0 pages (a ring of page indices, head first); empty when disabled. */
  private pcpRing = new Int32Array(0);
  private pcpHead = 0;
  /** Pages on the per-CPU list. Linux: per_cpu_pages.count. */
  pcpCount = 0;
  /** Per-CPU list settings; batch 0 means the list is disabled and every free goes to the buddy lists. */
  pcp: PcpSettings = { batch: 0, high: 0 };
  /** pcp.batch, as a plain field for the allocation fast path (0: per-CPU lists off). */
  pcpBatch = 0;

  constructor(name: string, zoneStartPfn: number, spannedPages: number) {
    if (!Number.isInteger(zoneStartPfn) || zoneStartPfn < 0) bug(`zone ${name}: start pfn ${zoneStartPfn} is not a non-negative integer`);
    if (!Number.isInteger(spannedPages) || spannedPages < 1 || spannedPages > 2 ** 31 - 64)
      bug(`zone ${name}: ${spannedPages} pages is not a positive integer below 2^31`);
    this.name = name;
    this.zoneStartPfn = zoneStartPfn;
    this.spannedPages = spannedPages;
    this.state = new Uint8Array(spannedPages);
    this.refcount = new Int32Array(spannedPages);
    this.next = new Int32Array(spannedPages + NR_PAGE_ORDERS);
    this.prev = new Int32Array(spannedPages + NR_PAGE_ORDERS);
    for (let o = 0; o < NR_PAGE_ORDERS; o++) {
      this.next[spannedPages + o] = spannedPages + o;
      this.prev[spannedPages + o] = spannedPages + o;
    }
  }

  /** True when `pfn` lies inside this zone. Linux: zone_spans_pfn(). */
  spansPfn(pfn: number): boolean {
    return pfn >= this.zoneStartPfn && pfn < this.zoneStartPfn + this.spannedPages;
  }

  /** The zone's watermarks as an object, for views and messages. */
  get watermarks(): Watermarks {
    return { min: this.wmark[0]!, low: this.wmark[1]!, high: this.wmark[2]! };
  }

  /** Sets the zone's watermarks. Linux: __setup_per_zone_wmarks() writing zone->_watermark[]. */
  setWatermarks(w: Watermarks): void {
    this.wmark[0] = w.min;
    this.wmark[1] = w.low;
    this.wmark[2] = w.high;
  }

  /** Kind of the page at index `i`: PG_BUDDY, PG_HEAD or 0. */
  kindAt(i: number): number {
    return this.state[i]! & KIND_MASK;
  }

  /** Order kept in the state of the page at index `i`. */
  orderAt(i: number): number {
    return this.state[i]! >> ORDER_SHIFT;
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
    const next = this.next;
    const prev = this.prev;
    const s = this.spannedPages + order;
    this.state[i] = PG_BUDDY | (order << ORDER_SHIFT);
    if (toTail) {
      const t = prev[s]!;
      prev[i] = t;
      next[i] = s;
      next[t] = i;
      prev[s] = i;
    } else {
      const h = next[s]!;
      next[i] = h;
      prev[i] = s;
      prev[h] = i;
      next[s] = i;
    }
    this.nrFree[order]!++;
    this.freePages += 1 << order;
  }

  private delFromFreeList(i: number, order: number): void {
    const next = this.next;
    const prev = this.prev;
    const n = next[i]!;
    const p = prev[i]!;
    next[p] = n;
    prev[n] = p;
    this.state[i] = 0;
    this.nrFree[order]!--;
    this.freePages -= 1 << order;
  }

  /** True when the block at `pfn` is free at exactly `order`. Linux: page_is_buddy(). */
  isFreeBuddy(pfn: number, order: number): boolean {
    const i = pfn - this.zoneStartPfn;
    return i >= 0 && i < this.spannedPages && this.state[i] === (PG_BUDDY | (order << ORDER_SHIFT));
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
   * Takes the first block of the smallest order ≥ `order`, splits it down giving back the upper
   * halves, and marks the result allocated with refcount 1. Returns its pfn, or -1.
   * Linux: __rmqueue_smallest() + expand() + prep_new_page().
   */
  rmqueueSmallest(order: number): number {
    const sentinels = this.spannedPages;
    for (let current = order; current <= MAX_PAGE_ORDER; current++) {
      const i = this.next[sentinels + current]!;
      if (i === sentinels + current) continue;
      this.delFromFreeList(i, current);
      this.expand(i, order, current);
      this.state[i] = PG_HEAD | (order << ORDER_SHIFT);
      this.refcount[i] = 1;
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
    const spanned = this.spannedPages;
    const state = this.state;
    let buddyPfn = 0;
    while (order < MAX_PAGE_ORDER) {
      buddyPfn = pfn ^ (1 << order);
      const b = buddyPfn - start;
      if (b < 0 || b >= spanned || state[b] !== (PG_BUDDY | (order << ORDER_SHIFT))) break;
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

  /**
   * Turns the per-CPU list on with `settings`, or off with null (draining it first).
   * Linux: zone_set_pageset_high_and_batch(); off is what a simulator wants for exact buddyinfo.
   */
  setPcp(settings: PcpSettings | null): void {
    this.drainPcp();
    if (settings === null || settings.batch < 1) {
      this.pcp = { batch: 0, high: 0 };
      this.pcpBatch = 0;
      this.pcpRing = new Int32Array(0);
      return;
    }
    const high = Math.max(settings.high, settings.batch);
    this.pcp = { batch: settings.batch, high };
    this.pcpBatch = settings.batch;
    this.pcpRing = new Int32Array(high + settings.batch + 1);
    this.pcpHead = 0;
  }

  /**
   * Allocates an order-0 page from the per-CPU list, refilling it with a batch from the buddy lists
   * when empty. Returns the pfn or -1. Linux: rmqueue_pcplist() → __rmqueue_pcplist() → rmqueue_bulk().
   */
  rmqueuePcp(): number {
    if (this.pcpCount === 0 && this.rmqueueBulk() === 0) return -1;
    const ring = this.pcpRing;
    const i = ring[this.pcpHead]!;
    this.pcpHead = this.pcpHead + 1 === ring.length ? 0 : this.pcpHead + 1;
    this.pcpCount--;
    this.state[i] = PG_HEAD;
    this.refcount[i] = 1;
    return this.zoneStartPfn + i;
  }

  /** Moves up to a batch of order-0 pages from the buddy lists to the tail of the per-CPU list. Linux: rmqueue_bulk(). */
  private rmqueueBulk(): number {
    const ring = this.pcpRing;
    let n = 0;
    for (; n < this.pcp.batch; n++) {
      const pfn = this.rmqueueSmallest(0);
      if (pfn < 0) break;
      const i = pfn - this.zoneStartPfn;
      this.refcount[i] = 0;
      this.state[i] = PG_PCP;
      ring[(this.pcpHead + this.pcpCount) % ring.length] = i;
      this.pcpCount++;
    }
    return n;
  }

  /**
   * Frees an order-0 page to the head of the per-CPU list; when the list reaches `high`, a batch of
   * its oldest pages goes back to the buddy lists. Precondition: the list is enabled and the page
   * has already dropped its last reference. Linux: free_unref_page_commit() → free_pcppages_bulk().
   */
  freePcp(pfn: number): void {
    const ring = this.pcpRing;
    const i = pfn - this.zoneStartPfn;
    this.state[i] = PG_PCP;
    this.pcpHead = this.pcpHead === 0 ? ring.length - 1 : this.pcpHead - 1;
    ring[this.pcpHead] = i;
    if (++this.pcpCount >= this.pcp.high) this.freePcppagesBulk(this.pcp.batch);
  }

  /** Returns the `count` oldest per-CPU pages to the buddy lists. Linux: free_pcppages_bulk(). */
  private freePcppagesBulk(count: number): void {
    const ring = this.pcpRing;
    for (; count > 0 && this.pcpCount > 0; count--) {
      const i = ring[(this.pcpHead + this.pcpCount - 1) % ring.length]!;
      this.pcpCount--;
      this.state[i] = 0;
      this.freeOnePage(this.zoneStartPfn + i, 0, false);
    }
  }

  /** Empties the per-CPU list into the buddy lists. Linux: drain_zone_pages() / drain_all_pages(). */
  drainPcp(): void {
    this.freePcppagesBulk(this.pcpCount);
  }

  /** The pfns on the per-CPU list, head first. */
  pcpList(): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.pcpCount; k++) out.push(this.zoneStartPfn + this.pcpRing[(this.pcpHead + k) % this.pcpRing.length]!);
    return out;
  }

  /** The free block that contains `pfn`, or null when the page is allocated. For error messages. */
  freeBlockContaining(pfn: number): { pfn: number; order: number } | null {
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) {
      const head = pfn - (pfn % (1 << o));
      const i = head - this.zoneStartPfn;
      if (i < 0) break;
      const kind = this.kindAt(i);
      const order = this.orderAt(i);
      if (kind === PG_PCP && o === 0) return { pfn: head, order: 0 };
      if (kind === PG_BUDDY && order >= o) return pfn < head + (1 << order) ? { pfn: head, order } : null;
      if (kind === PG_HEAD) return null;
    }
    return null;
  }

  /** The pfns of the free blocks of `order`, head first (for tests and diagrams). */
  freeList(order: number): number[] {
    const out: number[] = [];
    const s = this.spannedPages + order;
    for (let i = this.next[s]!; i !== s; i = this.next[i]!) out.push(this.zoneStartPfn + i);
    return out;
  }

  /**
   * Checks every invariant of the zone; throws a KernelBug naming the first broken one.
   * Linux: the checks of CONFIG_DEBUG_VM (page_is_buddy, free list sanity), done exhaustively.
   */
  assertValid(): void {
    const counts = new Float64Array(NR_PAGE_ORDERS);
    let free = 0;
    let pcp = 0;
    let i = 0;
    while (i < this.spannedPages) {
      const pfn = this.zoneStartPfn + i;
      const kind = this.kindAt(i);
      const o = this.orderAt(i);
      if (kind === 0) bug(`zone ${this.name}: pfn ${hex(pfn)} is neither free nor allocated`);
      if (o > MAX_PAGE_ORDER) bug(`zone ${this.name}: pfn ${hex(pfn)} has order ${o} > MAX_PAGE_ORDER`);
      if (pfn % (1 << o) !== 0) bug(`zone ${this.name}: block at pfn ${hex(pfn)} is not aligned to its order ${o}`);
      if (i + (1 << o) > this.spannedPages) bug(`zone ${this.name}: block at pfn ${hex(pfn)} order ${o} runs past the zone`);
      if (kind === PG_BUDDY) {
        if (this.refcount[i] !== 0) bug(`zone ${this.name}: free pfn ${hex(pfn)} has refcount ${this.refcount[i]}`);
        if (o < MAX_PAGE_ORDER && this.isFreeBuddy(pfn ^ (1 << o), o))
          bug(`zone ${this.name}: free buddies ${hex(pfn)} and ${hex(pfn ^ (1 << o))} at order ${o} were not merged`);
        counts[o]!++;
        free += 1 << o;
      } else if (kind === PG_PCP) {
        if (o !== 0 || this.refcount[i] !== 0) bug(`zone ${this.name}: per-CPU pfn ${hex(pfn)} has order ${o}, refcount ${this.refcount[i]}`);
        pcp++;
      } else if (this.refcount[i]! < 1) {
        bug(`zone ${this.name}: allocated pfn ${hex(pfn)} has refcount ${this.refcount[i]}`);
      }
      for (let t = i + 1; t < i + (1 << o); t++) {
        if (this.state[t] !== 0 || this.refcount[t] !== 0)
          bug(`zone ${this.name}: pfn ${hex(this.zoneStartPfn + t)} inside the block at ${hex(pfn)} order ${o} has its own state`);
      }
      i += 1 << o;
    }
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) this.assertFreeListValid(o, counts[o]!);
    if (free !== this.freePages) bug(`zone ${this.name}: free page counter ${this.freePages} != recount ${free}`);
    if (pcp !== this.pcpCount) bug(`zone ${this.name}: ${pcp} pages are marked per-CPU but the list holds ${this.pcpCount}`);
    for (const p of this.pcpList()) if (this.kindAt(p - this.zoneStartPfn) !== PG_PCP) bug(`zone ${this.name}: per-CPU list holds pfn ${hex(p)}, which is not a per-CPU page`);
    if (this.pcpCount > 0 && this.pcpCount >= Math.max(this.pcp.high, 1)) bug(`zone ${this.name}: per-CPU list holds ${this.pcpCount} ≥ high ${this.pcp.high}`);
  }

  private assertFreeListValid(order: number, expected: number): void {
    if (this.nrFree[order] !== expected) bug(`zone ${this.name}: nr_free[${order}] = ${this.nrFree[order]} but ${expected} free blocks`);
    const s = this.spannedPages + order;
    let n = 0;
    let prev = s;
    for (let i = this.next[s]!; i !== s; i = this.next[i]!) {
      if (++n > expected) bug(`zone ${this.name}: free list of order ${order} is longer than nr_free (a cycle?)`);
      if (this.prev[i] !== prev) bug(`zone ${this.name}: free list of order ${order}: bad prev link at pfn ${hex(this.zoneStartPfn + i)}`);
      if (this.state[i] !== pageState(PG_BUDDY, order))
        bug(`zone ${this.name}: pfn ${hex(this.zoneStartPfn + i)} is on the order-${order} list but not a free block of that order`);
      prev = i;
    }
    if (this.prev[s] !== prev) bug(`zone ${this.name}: free list of order ${order}: tail link is stale`);
    if (n !== expected) bug(`zone ${this.name}: free list of order ${order} holds ${n} blocks, nr_free says ${expected}`);
  }
}

/** Formats a pfn or address as 0x-prefixed hex, for messages. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
