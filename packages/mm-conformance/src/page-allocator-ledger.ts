/**
 * The page allocator kit's model: which pages the test owns, grouped in units (a block from
 * allocPages, or one page of an allocPagesExact run) with their reference counts. Every pfn an
 * allocator hands out is claimed here, which checks bounds and disjointness; `verify()` compares
 * every observable figure of the allocator with the model.
 */
import { expect } from "vitest";
import { KernelBug, NO_PAGE } from "@mmsim/mm-types";
import type { PageAllocatorPort } from "@mmsim/mm-types";

/** `order` of a page that heads no unit. */
const NONE = -1;

/** An allocator that may also check its own invariants (the kit calls it when present). */
interface MaybeValidated {
  assertValid?: () => void;
}

/** One owned unit: its first pfn, its order, its reference count. */
export interface LedgerUnit {
  readonly pfn: number;
  readonly order: number;
  readonly count: number;
}

/** The set of owned pages with their counts, as the kit expects the allocator to see it. */
export class PageLedger {
  readonly nrPages: number;
  /** Reference count of each unit head; 0 for free pages and tails. */
  readonly count: Uint32Array;
  /** Order of the unit headed by each page, or NONE. */
  readonly order: Int8Array;
  /** 1 for every page of an owned unit. */
  readonly owned: Uint8Array;
  private ownedPages = 0;

  constructor(nrPages: number) {
    this.nrPages = nrPages;
    this.count = new Uint32Array(nrPages);
    this.order = new Int8Array(nrPages).fill(NONE);
    this.owned = new Uint8Array(nrPages);
  }

  /** Pages the allocator should report free. */
  get freePages(): number {
    return this.nrPages - this.ownedPages;
  }

  /** Records a block of 2^order pages handed out at `pfn`; fails the test on overlap or out-of-bounds. */
  claim(pfn: number, order: number): void {
    const size = 2 ** order;
    expect(pfn, `allocation of order ${order} returned a non-pfn`).toSatisfy(Number.isInteger);
    expect(pfn >= 0 && pfn + size <= this.nrPages, `block [${pfn}, ${pfn + size}) lies outside [0, ${this.nrPages})`).toBe(true);
    for (let p = pfn; p < pfn + size; p++) expect(this.owned[p], `pfn ${p} handed out while already allocated`).toBe(0);
    this.owned.fill(1, pfn, pfn + size);
    this.order[pfn] = order;
    this.count[pfn] = 1;
    this.ownedPages += size;
  }

  /** Records an allocPagesExact run: `n` order-0 pages from `pfn`, each with count 1. */
  claimExact(pfn: number, n: number): void {
    for (let p = pfn; p < pfn + n; p++) this.claim(p, 0);
  }

  /** Takes one more reference on the unit headed by `pfn`. */
  get(pfn: number): number {
    return ++this.count[pfn]!;
  }

  /** Drops a reference on the unit headed by `pfn`; the unit is released at zero. Returns the new count. */
  put(pfn: number): number {
    const left = --this.count[pfn]!;
    if (left === 0) this.release(pfn, 2 ** this.order[pfn]!);
    if (left === 0) this.order[pfn] = NONE;
    return left;
  }

  /** __free_pages(): drops the reference; with others left, the head stays as an order-0 unit. */
  freeBlock(pfn: number): void {
    const order = this.order[pfn]!;
    if (this.count[pfn] === 1) {
      this.put(pfn);
      return;
    }
    this.count[pfn]!--;
    this.order[pfn] = 0;
    this.release(pfn + 1, 2 ** order - 1);
  }

  private release(pfn: number, size: number): void {
    this.owned.fill(0, pfn, pfn + size);
    this.ownedPages -= size;
  }

  /** True when `pfn` heads an owned unit. */
  isHead(pfn: number): boolean {
    return this.order[pfn] !== NONE;
  }

  /** Every owned unit in pfn order. */
  units(): LedgerUnit[] {
    const out: LedgerUnit[] = [];
    for (let p = 0; p < this.nrPages; p++) if (this.order[p] !== NONE) out.push({ pfn: p, order: this.order[p]!, count: this.count[p]! });
    return out;
  }

  /** Every free pfn in order. */
  freePfns(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.nrPages; p++) if (this.owned[p] === 0) out.push(p);
    return out;
  }

  /** Pages inside an owned block that are not its head. */
  tailPfns(): number[] {
    const out: number[] = [];
    for (let p = 0; p < this.nrPages; p++) if (this.owned[p] === 1 && this.order[p] === NONE) out.push(p);
    return out;
  }

  /**
   * Compares the allocator with the model: nrPages, freePagesCount(), the pageCount() of every pfn,
   * then the allocator's own assertValid() when it has one.
   */
  verify(a: PageAllocatorPort): void {
    (a as MaybeValidated).assertValid?.();
    expect(a.nrPages).toBe(this.nrPages);
    expect(a.freePagesCount(), "freePagesCount()").toBe(this.freePages);
    for (let p = 0; p < this.nrPages; p++) {
      const got = a.pageCount(p);
      if (got !== this.count[p]) expect(got, `pageCount(${p})`).toBe(this.count[p]);
    }
  }

  /** Expects `op` to throw a KernelBug and to leave the allocator exactly as the model says. */
  expectBug(a: PageAllocatorPort, op: () => unknown): void {
    expect(op).toThrow(KernelBug);
    this.verify(a);
  }

  /** Expects an allocation to fail with NO_PAGE and to leave the allocator unchanged. */
  expectNoPage(a: PageAllocatorPort, op: () => number): void {
    expect(op()).toBe(NO_PAGE);
    this.verify(a);
  }
}
