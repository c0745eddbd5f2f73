/**
 * The page allocator of a node: its zones, the zonelist fallback, reference counts, exact-size
 * allocations and physical memory. Linux: mm/page_alloc.c (alloc_pages, __free_pages,
 * alloc_pages_exact, split_page) and mm/swap.c (put_page).
 */
import { MAX_PAGE_ORDER, NO_PAGE, PAGE_SHIFT, PAGE_SIZE, bug, getOrder } from "@mmsim/mm-types";
import type { PageAllocatorPort, ZoneView, ZonesViewPort } from "@mmsim/mm-types";
import { PHYS_BYTES_PER_PAGE, PhysMem } from "./phys-mem.js";
import { minFreeKbytes, zoneWatermarks } from "./watermarks.js";
import { ALLOC_NO_WATERMARKS, ALLOC_WMARK_MASK, PG_BUDDY, PG_HEAD, PG_PCP, ZONE_BYTES_PER_PAGE, Zone, defaultPcpSettings, hex, pageState } from "./zone.js";
import type { PcpSettings } from "./zone.js";

/** One zone of a node layout: its name and size in pages, zones laid out from pfn `firstPfn` upward. */
export interface ZoneSpec {
  readonly name: string;
  readonly pages: number;
}

/** Options of a node. */
export interface BuddyAllocatorOptions {
  /** Page frames of the node (ignored when `zones` is given). */
  readonly pages?: number;
  /** Zones from low to high addresses (default: one "Normal" zone of `pages`). */
  readonly zones?: readonly ZoneSpec[];
  /** First pfn of the node (default 0). */
  readonly firstPfn?: number;
  /** vm.min_free_kbytes; default as Linux computes it from the node's size. */
  readonly minFreeKbytes?: number;
  /**
   * Per-CPU page lists for order-0 pages: true for Linux's sizes, explicit settings, or false
   * (default) so that every free page sits on a buddy list and /proc/buddyinfo is exact.
   */
  readonly pcp?: boolean | PcpSettings;
}

/**
 * A node's page allocator. Allocation tries the zones from the highest down (the zonelist order of
 * GFP_HIGHUSER_MOVABLE), each against its WMARK_MIN unless the caller passes ALLOC_NO_WATERMARKS.
 * Failures return NO_PAGE; misuse (double free, wrong order, pfn out of range) throws a KernelBug
 * naming the pfn and the rule.
 */
export class BuddyAllocator implements PageAllocatorPort, ZonesViewPort {
  /** Zones from low to high pfn. */
  readonly zones: readonly Zone[];
  /** Page contents, materialized per page on first write. */
  readonly physMem: PhysMem;
  readonly firstPfn: number;
  readonly nrPages: number;
  /** vm.min_free_kbytes in force. */
  readonly minFreeKbytes: number;
  private readonly highestZone: number;
  private lastZone: Zone;

  constructor(opts: BuddyAllocatorOptions) {
    const specs = opts.zones ?? [{ name: "Normal", pages: opts.pages ?? 0 }];
    if (specs.length === 0) bug("a node needs at least one zone");
    this.firstPfn = opts.firstPfn ?? 0;
    let pfn = this.firstPfn;
    this.zones = specs.map((s) => {
      const z = new Zone(s.name, pfn, s.pages);
      pfn += s.pages;
      return z;
    });
    this.nrPages = pfn - this.firstPfn;
    this.physMem = new PhysMem(this.firstPfn, this.nrPages);
    for (const z of this.zones) z.freeAllBootMemory();
    this.minFreeKbytes = opts.minFreeKbytes ?? minFreeKbytes(this.nrPages);
    this.setWatermarks();
    if (opts.pcp) for (const z of this.zones) z.setPcp(opts.pcp === true ? defaultPcpSettings(z.managedPages) : opts.pcp);
    this.highestZone = this.zones.length - 1;
    this.lastZone = this.zones[this.highestZone]!;
  }

  private setWatermarks(): void {
    const total = this.zones.reduce((s, z) => s + z.managedPages, 0);
    for (const z of this.zones) z.setWatermarks(zoneWatermarks(z.managedPages, total, this.minFreeKbytes));
  }

  /** The zone holding `pfn`; throws when the pfn is outside the node. Linux: page_zone(). */
  zoneOf(pfn: number): Zone {
    const last = this.lastZone;
    if (pfn >= last.zoneStartPfn && pfn < last.zoneStartPfn + last.spannedPages) return last;
    for (const z of this.zones) {
      if (z.spansPfn(pfn)) {
        this.lastZone = z;
        return z;
      }
    }
    return bug(`pfn ${hex(pfn)} is outside the node (pfns ${hex(this.firstPfn)}..${hex(this.firstPfn + this.nrPages - 1)})`);
  }

  /**
   * Allocates 2^order contiguous pages; the head gets refcount 1. Returns the first pfn or NO_PAGE.
   * `allocFlags` selects the watermark (ALLOC_WMARK_MIN by default) or ALLOC_NO_WATERMARKS.
   * Linux: __alloc_pages() → get_page_from_freelist() → rmqueue() without per-CPU lists.
   */
  allocPages(order: number, allocFlags = 0): number {
    if (!(order >= 0 && order <= MAX_PAGE_ORDER)) return NO_PAGE;
    for (let zi = this.highestZone; zi >= 0; zi--) {
      const z = this.zones[zi]!;
      if (!(allocFlags & ALLOC_NO_WATERMARKS) && !z.isWatermarkOk(order, z.wmark[allocFlags & ALLOC_WMARK_MASK]!)) continue;
      const pfn = order === 0 && z.pcpBatch > 0 ? z.rmqueuePcp() : z.rmqueueSmallest(order);
      if (pfn >= 0) return pfn;
    }
    return NO_PAGE;
  }

  /**
   * Drops the caller's reference to a block from allocPages(order); frees it when that was the last.
   * If others still hold the head, the rest of the block is freed and the head stays as an order-0
   * page. Linux: __free_pages().
   */
  freePages(pfn: number, order: number): void {
    const z = this.zoneOf(pfn);
    const i = pfn - z.zoneStartPfn;
    if (z.state[i] !== pageState(PG_HEAD, order) || z.refcount[i]! < 1) this.misuse(z, i, pfn, order, "freePages");
    if (--z.refcount[i]! === 0) {
      z.state[i] = 0;
      if (order === 0 && z.pcpBatch > 0) z.freePcp(pfn);
      else z.freeOnePage(pfn, order, false);
      return;
    }
    z.state[i] = pageState(PG_HEAD, 0);
    for (let o = order; o-- > 0; ) z.freeOnePage(pfn + (1 << o), o, false);
  }

  /** Throws the KernelBug that explains why page index `i` can't be freed or referenced at `order` (-1: any). */
  private misuse(z: Zone, i: number, pfn: number, order: number, who: string): never {
    const kind = z.kindAt(i);
    if (kind === PG_BUDDY) bug(`${who}: pfn ${hex(pfn)} is already free (double free)`);
    if (kind === PG_PCP) bug(`${who}: pfn ${hex(pfn)} is already free (double free; it is on the per-CPU list)`);
    if (kind !== PG_HEAD || z.refcount[i]! < 1) {
      const block = z.freeBlockContaining(pfn);
      if (block !== null) bug(`${who}: pfn ${hex(pfn)} is free (inside the free block at ${hex(block.pfn)}, order ${block.order})`);
      bug(`${who}: pfn ${hex(pfn)} is not the head of an allocated block (refcount ${z.refcount[i]})`);
    }
    return bug(`${who}: pfn ${hex(pfn)} was allocated at order ${z.orderAt(i)}, ${who === "freePages" ? "freed" : "used"} at order ${order}`);
  }

  private checkAllocatedHead(z: Zone, i: number, pfn: number, who: string): void {
    if (z.kindAt(i) !== PG_HEAD || z.refcount[i]! < 1) this.misuse(z, i, pfn, -1, who);
  }

  /**
   * Splits an allocated non-compound block into 2^order independently refcounted order-0 pages.
   * Linux: split_page().
   */
  splitPage(pfn: number, order: number): void {
    const z = this.zoneOf(pfn);
    const i = pfn - z.zoneStartPfn;
    if (z.state[i] !== pageState(PG_HEAD, order) || z.refcount[i]! < 1) this.misuse(z, i, pfn, order, "splitPage");
    const single = pageState(PG_HEAD, 0);
    z.state[i] = single;
    for (let t = i + 1; t < i + (1 << order); t++) {
      z.state[t] = single;
      z.refcount[t] = 1;
    }
  }

  /**
   * Allocates ceil(bytes / PAGE_SIZE) pages as order-0 pages from one 2^order block and frees the
   * surplus tail page by page, to the tail of the free lists. Returns the first pfn or NO_PAGE.
   * Linux: alloc_pages_exact() → make_alloc_exact().
   */
  allocPagesExact(bytes: number, allocFlags = 0): number {
    if (!(bytes > 0) || !Number.isFinite(bytes)) return NO_PAGE;
    const order = getOrder(bytes);
    if (order > MAX_PAGE_ORDER) return NO_PAGE;
    const pfn = this.allocPages(order, allocFlags);
    if (pfn === NO_PAGE) return NO_PAGE;
    this.splitPage(pfn, order);
    this.trimExcess(pfn, Math.ceil(bytes / PAGE_SIZE), 1 << order);
    return pfn;
  }

  /**
   * Gives back pages [keep, have) of a split run starting at `pfn`, each at order 0 to the tail.
   * The step NOMMU trimming and make_alloc_exact() share.
   */
  trimExcess(pfn: number, keep: number, have: number): void {
    for (let p = keep; p < have; p++) {
      const z = this.zoneOf(pfn + p);
      const i = pfn + p - z.zoneStartPfn;
      if (z.state[i] !== pageState(PG_HEAD, 0) || z.refcount[i]! < 1) this.misuse(z, i, pfn + p, 0, "trimExcess");
      if (--z.refcount[i]! !== 0) continue;
      z.state[i] = 0;
      z.freeOnePage(pfn + p, 0, true);
    }
  }

  /** Frees pages from allocPagesExact(bytes), page by page. Linux: free_pages_exact(). */
  freePagesExact(pfn: number, bytes: number): void {
    const n = Math.ceil(bytes / PAGE_SIZE);
    for (let p = 0; p < n; p++) this.putPage(pfn + p);
  }

  /** Takes a reference on an allocated page. Linux: get_page(). */
  getPage(pfn: number): void {
    const z = this.zoneOf(pfn);
    const i = pfn - z.zoneStartPfn;
    this.checkAllocatedHead(z, i, pfn, "getPage");
    z.refcount[i]!++;
  }

  /** Drops a reference; frees the page's block when it was the last. Returns the new count. Linux: put_page(). */
  putPage(pfn: number): number {
    const z = this.zoneOf(pfn);
    const i = pfn - z.zoneStartPfn;
    this.checkAllocatedHead(z, i, pfn, "putPage");
    const left = --z.refcount[i]!;
    if (left === 0) {
      const order = z.orderAt(i);
      z.state[i] = 0;
      if (order === 0 && z.pcpBatch > 0) z.freePcp(pfn);
      else z.freeOnePage(pfn, order, false);
    }
    return left;
  }

  /** Reference count of a page: 0 for free pages and tails of a block. Linux: page_ref_count(). */
  pageCount(pfn: number): number {
    const z = this.zoneOf(pfn);
    return z.refcount[pfn - z.zoneStartPfn]!;
  }

  /** Pages parked on the per-CPU lists: free, but not counted in freePagesCount(), as in Linux. */
  pcpPagesCount(): number {
    let n = 0;
    for (const z of this.zones) n += z.pcpCount;
    return n;
  }

  /** Returns every per-CPU page to the buddy lists. Linux: drain_all_pages(). */
  drainPages(): void {
    for (const z of this.zones) z.drainPcp();
  }

  /** Free pages over all zones (per-CPU pages excluded, as NR_FREE_PAGES excludes them). */
  freePagesCount(): number {
    let n = 0;
    for (const z of this.zones) n += z.freePages;
    return n;
  }

  /** Free blocks per order summed over zones. */
  nrFreeByOrder(): number[] {
    const out = new Array<number>(MAX_PAGE_ORDER + 1).fill(0);
    for (const z of this.zones) for (let o = 0; o <= MAX_PAGE_ORDER; o++) out[o]! += z.nrFree[o]!;
    return out;
  }

  /** ZonesViewPort: snapshots of the zones, as procfs sees them. */
  zoneViews(): readonly ZoneView[] {
    return this.zones.map((z) => ({
      name: z.name,
      nodeId: z.nodeId,
      zoneStartPfn: z.zoneStartPfn,
      spannedPages: z.spannedPages,
      managedPages: z.managedPages,
      freePages: z.freePages,
      nrFree: Array.from(z.nrFree),
      watermarkMin: z.watermarks.min,
      watermarkLow: z.watermarks.low,
      watermarkHigh: z.watermarks.high,
    }));
  }

  /** Host bytes used for page metadata and materialized contents. */
  hostBytes(): { metadata: number; contents: number } {
    return {
      metadata: this.nrPages * (ZONE_BYTES_PER_PAGE + PHYS_BYTES_PER_PAGE),
      contents: this.physMem.materializedPages() * PAGE_SIZE,
    };
  }

  /** Physical byte address of a pfn. */
  pfnToPhys(pfn: number): number {
    return pfn * 2 ** PAGE_SHIFT;
  }

  /** Checks every zone's invariants; throws a KernelBug naming the first broken one. */
  assertValid(): void {
    for (const z of this.zones) z.assertValid();
  }
}
