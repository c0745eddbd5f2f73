/**
 * The reference page allocator: a refcount per page and a first-fit scan for 2^order free contiguous
 * pages. Deliberately simple (clear over fast, no free lists, no buddies, no alignment); it passes the
 * page allocator kit and shows what the `PageAllocatorPort` contract asks and nothing more.
 */
import { MAX_PAGE_ORDER, NO_PAGE, PAGE_SIZE, bug, getOrder } from "@mmsim/mm-types";
import type { PageAllocatorPort } from "@mmsim/mm-types";

/** `headOrder` of a page that is free or inside a block (not a block's first page). */
const NOT_HEAD = -1;

/**
 * A first-fit page allocator over `nrPages` page frames, pfns 0..nrPages-1. Failures return NO_PAGE;
 * misuse (double free, wrong order, a free page or a tail given to getPage/putPage, a pfn outside the
 * memory) throws a KernelBug and changes nothing.
 * Linux: the contract of alloc_pages()/__free_pages()/alloc_pages_exact()/get_page()/put_page(),
 * without mm/page_alloc.c's buddy lists.
 */
export class FirstFitPageAllocator implements PageAllocatorPort {
  readonly nrPages: number;
  /** page->_refcount: >= 1 on an allocated block's head, 0 elsewhere. */
  private readonly refcount: Uint32Array;
  /** Order of the allocated block starting here, or NOT_HEAD. */
  private readonly headOrder: Int8Array;
  /** 1 when the page belongs to an allocated block. */
  private readonly used: Uint8Array;
  private nrFree: number;
  /** No free page lies below this pfn (a scan start, not a different policy). */
  private lowestFree = 0;

  constructor(nrPages: number) {
    if (!Number.isSafeInteger(nrPages) || nrPages < 0) bug(`first-fit allocator: bad page count ${nrPages}`);
    this.nrPages = nrPages;
    this.refcount = new Uint32Array(nrPages);
    this.headOrder = new Int8Array(nrPages).fill(NOT_HEAD);
    this.used = new Uint8Array(nrPages);
    this.nrFree = nrPages;
  }

  /** Allocates the lowest run of 2^order free pages; the head gets refcount 1. Linux: __alloc_pages(). */
  allocPages(order: number): number {
    if (!Number.isInteger(order) || order < 0 || order > MAX_PAGE_ORDER) return NO_PAGE;
    const size = 2 ** order;
    if (size > this.nrFree) return NO_PAGE;
    const pfn = this.findFreeRun(size);
    if (pfn === NO_PAGE) return NO_PAGE;
    this.used.fill(1, pfn, pfn + size);
    this.headOrder[pfn] = order;
    this.refcount[pfn] = 1;
    this.nrFree -= size;
    if (pfn === this.lowestFree) this.lowestFree = this.nextFree(pfn + size);
    return pfn;
  }

  /** The first free pfn at or above `pfn`, or nrPages. */
  private nextFree(pfn: number): number {
    while (pfn < this.nrPages && this.used[pfn] === 1) pfn++;
    return pfn;
  }

  /** The first pfn of the lowest run of `size` free pages, or NO_PAGE. */
  private findFreeRun(size: number): number {
    let run = 0;
    for (let pfn = this.lowestFree; pfn < this.nrPages; pfn++) {
      run = this.used[pfn] === 0 ? run + 1 : 0;
      if (run === size) return pfn - size + 1;
    }
    return NO_PAGE;
  }

  /** Marks [pfn, pfn + size) free. */
  private release(pfn: number, size: number): void {
    this.used.fill(0, pfn, pfn + size);
    this.nrFree += size;
    if (pfn < this.lowestFree) this.lowestFree = pfn;
  }

  /** Throws unless `pfn` is the head of an allocated block (of `order`, when order >= 0). */
  private checkHead(pfn: number, order: number, who: string): void {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.nrPages) bug(`${who}: pfn ${pfn} is outside memory (0..${this.nrPages - 1})`);
    const have = this.headOrder[pfn]!;
    if (have === NOT_HEAD) bug(`${who}: pfn ${pfn} is ${this.used[pfn] ? "inside an allocated block, not its head" : "free"}`);
    if (order >= 0 && have !== order) bug(`${who}: pfn ${pfn} was allocated at order ${have}, freed at order ${order}`);
  }

  /**
   * Drops the caller's reference to a block from allocPages(order) and frees it when that was the
   * last; with other references left, the head stays as an order-0 page and the rest is freed.
   * Linux: __free_pages().
   */
  freePages(pfn: number, order: number): void {
    this.checkHead(pfn, order, "freePages");
    if (--this.refcount[pfn]! === 0) {
      this.headOrder[pfn] = NOT_HEAD;
      this.release(pfn, 2 ** order);
      return;
    }
    this.headOrder[pfn] = 0;
    this.release(pfn + 1, 2 ** order - 1);
  }

  /**
   * Allocates a 2^get_order(bytes) block, makes its first ceil(bytes / PAGE_SIZE) pages independent
   * order-0 pages with refcount 1 and frees the rest. Linux: alloc_pages_exact() → make_alloc_exact().
   */
  allocPagesExact(bytes: number): number {
    if (!Number.isFinite(bytes) || bytes <= 0) return NO_PAGE;
    const order = getOrder(bytes);
    const pfn = this.allocPages(order);
    if (pfn === NO_PAGE) return NO_PAGE;
    const keep = Math.ceil(bytes / PAGE_SIZE);
    this.headOrder.fill(0, pfn, pfn + keep);
    this.refcount.fill(1, pfn, pfn + keep);
    this.release(pfn + keep, 2 ** order - keep);
    return pfn;
  }

  /** Drops one reference on each page from allocPagesExact(bytes); all are checked first. Linux: free_pages_exact(). */
  freePagesExact(pfn: number, bytes: number): void {
    const n = Math.ceil(bytes / PAGE_SIZE);
    for (let p = pfn; p < pfn + n; p++) this.checkHead(p, 0, "freePagesExact");
    for (let p = pfn; p < pfn + n; p++) this.putPage(p);
  }

  /** Takes a reference on an allocated page or block head. Linux: get_page(). */
  getPage(pfn: number): void {
    this.checkHead(pfn, -1, "getPage");
    this.refcount[pfn]!++;
  }

  /** Drops a reference; frees the page's block when it was the last. Returns the new count. Linux: put_page(). */
  putPage(pfn: number): number {
    this.checkHead(pfn, -1, "putPage");
    const left = --this.refcount[pfn]!;
    if (left === 0) {
      const order = this.headOrder[pfn]!;
      this.headOrder[pfn] = NOT_HEAD;
      this.release(pfn, 2 ** order);
    }
    return left;
  }

  /** Reference count of a page: 0 when free or a tail of a block. Linux: page_ref_count(). */
  pageCount(pfn: number): number {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.nrPages) bug(`pageCount: pfn ${pfn} is outside memory (0..${this.nrPages - 1})`);
    return this.refcount[pfn]!;
  }

  /** Pages not in any allocated block. */
  freePagesCount(): number {
    return this.nrFree;
  }

  /**
   * Checks that every used page lies in exactly one block starting at a head with refcount >= 1,
   * that nothing else carries a count, and that the free counter and the scan start are right.
   */
  assertValid(): void {
    let free = 0;
    let blockEnd = 0;
    for (let pfn = 0; pfn < this.nrPages; pfn++) {
      const order = this.headOrder[pfn]!;
      if (order !== NOT_HEAD) this.checkValidHead(pfn, order, blockEnd);
      if (order !== NOT_HEAD) blockEnd = pfn + 2 ** order;
      else if (this.refcount[pfn] !== 0) bug(`pfn ${pfn} is not a head but has refcount ${this.refcount[pfn]}`);
      const inBlock = pfn < blockEnd;
      if (inBlock !== (this.used[pfn] === 1)) bug(`pfn ${pfn} is ${inBlock ? "inside a block but marked free" : "marked used outside any block"}`);
      if (!inBlock) free++;
      if (!inBlock && pfn < this.lowestFree) bug(`pfn ${pfn} is free below the scan start ${this.lowestFree}`);
    }
    if (free !== this.nrFree) bug(`free counter ${this.nrFree}, recount ${free}`);
  }

  private checkValidHead(pfn: number, order: number, blockEnd: number): void {
    if (pfn < blockEnd) bug(`head ${pfn} lies inside the block that ends at ${blockEnd}`);
    if (pfn + 2 ** order > this.nrPages) bug(`block ${pfn} of order ${order} runs past memory`);
    if (this.refcount[pfn]! < 1) bug(`head ${pfn} has refcount ${this.refcount[pfn]}`);
  }
}

/**
 * Creates the reference allocator over `nrPages` pages; the factory the page allocator kit takes.
 * Linux: none; the simplest allocator that keeps the alloc_pages() contract.
 */
export function createFirstFitPageAllocator(nrPages: number): FirstFitPageAllocator {
  return new FirstFitPageAllocator(nrPages);
}
