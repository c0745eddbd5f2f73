/**
 * The page allocator kit: contract tests for any `PageAllocatorPort`, the allocator the MMU and NOMMU
 * backends take (Linux: alloc_pages()/__free_pages(), alloc_pages_exact()/free_pages_exact(),
 * get_page()/put_page(), page_ref_count() in mm/page_alloc.c and include/linux/mm.h). A plugin author
 * calls `pageAllocatorConformance("my allocator", (n) => createMine(n))` from a test file.
 *
 * Each test builds its own allocator from `factory` and its own model (`PageLedger`); every pfn handed
 * out is checked for bounds and disjointness, and after every step freePagesCount() and the pageCount()
 * of every page are compared with the model.
 */
import { describe, expect, it } from "vitest";
import { MAX_PAGE_ORDER, NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import type { PageAllocatorPort } from "@mmsim/mm-types";
import { PageLedger } from "./page-allocator-ledger.js";
import { pageAllocatorProperties } from "./page-allocator-properties.js";
import type { PageAllocatorPropertyOptions } from "./page-allocator-properties.js";

/**
 * Builds a fresh allocator of `nrPages` page frames, pfns 0..nrPages-1, all free, for one test.
 * Linux: a zone after memblock_free_all(), with no watermark reserve.
 */
export type PageAllocatorFactory = (nrPages: number) => PageAllocatorPort;

/** Options of the kit. */
export interface PageAllocatorConformanceOptions extends PageAllocatorPropertyOptions {
  /** Pages of the scale case (a power of two is best). Default 16384. */
  readonly scalePages?: number;
}

const P = PAGE_SIZE;

/** A fresh allocator and its model, checked once before the test starts. */
function world(factory: PageAllocatorFactory, nrPages: number): { a: PageAllocatorPort; m: PageLedger } {
  const a = factory(nrPages);
  const m = new PageLedger(nrPages);
  m.verify(a);
  return { a, m };
}

/** Allocates at `order`, expects success, records the block and verifies. */
function mustAlloc(a: PageAllocatorPort, m: PageLedger, order: number): number {
  const pfn = a.allocPages(order);
  expect(pfn, `allocPages(${order}) with ${m.freePages} free pages`).not.toBe(NO_PAGE);
  m.claim(pfn, order);
  m.verify(a);
  return pfn;
}

/** allocPagesExact(bytes), expects success, records the pages and verifies. */
function mustAllocExact(a: PageAllocatorPort, m: PageLedger, bytes: number): number {
  const pfn = a.allocPagesExact(bytes);
  expect(pfn, `allocPagesExact(${bytes}) with ${m.freePages} free pages`).not.toBe(NO_PAGE);
  m.claimExact(pfn, Math.ceil(bytes / P));
  m.verify(a);
  return pfn;
}

/** Largest order a fresh allocator of `nrPages` can be asked for. */
function maxOrderFor(nrPages: number): number {
  return Math.min(MAX_PAGE_ORDER, Math.floor(Math.log2(nrPages)));
}

/** Every (nrPages, order) pair the order cases run. */
function orderMatrix(): [number, number][] {
  const out: [number, number][] = [];
  for (const n of [1, 7, 64, 100, 1 << MAX_PAGE_ORDER]) for (let o = 0; o <= maxOrderFor(n); o++) out.push([n, o]);
  return out;
}

function orderCases(factory: PageAllocatorFactory): void {
  it.each([1, 5, 64, 1000])("a fresh allocator of %i pages reports them all free, every count 0", (n) => {
    world(factory, n);
  });
  it.each(orderMatrix())("%i pages at order %i: floor(n / 2^order) disjoint blocks, NO_PAGE, the rest as order 0, all freed, again", (n, order) => {
    const { a, m } = world(factory, n);
    const blocks: number[] = [];
    for (let i = 0; i < Math.floor(n / 2 ** order); i++) blocks.push(mustAlloc(a, m, order));
    for (let p = 0; p < n; p++) if (m.isHead(p)) expect(a.pageCount(p)).toBe(1);
    m.expectNoPage(a, () => a.allocPages(order));
    const rest: number[] = [];
    while (m.freePages > 0) rest.push(mustAlloc(a, m, 0));
    m.expectNoPage(a, () => a.allocPages(0));
    for (const pfn of [...blocks.filter((_, i) => i % 2 === 0), ...rest, ...blocks.filter((_, i) => i % 2 === 1)]) {
      a.freePages(pfn, m.order[pfn]!);
      m.freeBlock(pfn);
      m.verify(a);
    }
    expect(m.freePages).toBe(n);
    mustAlloc(a, m, order);
  });
  it.each([
    ["a negative order", 64, -1],
    [`order MAX_PAGE_ORDER + 1 (${MAX_PAGE_ORDER + 1})`, 1 << (MAX_PAGE_ORDER + 1), MAX_PAGE_ORDER + 1],
    ["an order bigger than memory", 64, 7],
    ["order 1 of a 1-page memory", 1, 1],
  ] as const)("%s gives NO_PAGE and changes nothing", (_what, n, order) => {
    const { a, m } = world(factory, n);
    m.expectNoPage(a, () => a.allocPages(order));
    mustAlloc(a, m, 0);
    m.expectNoPage(a, () => a.allocPages(order));
  });
  it("pages freed from a block come back: the only 4 free pages serve order 2 again, then order 0 four times", () => {
    // AAAABBBB → ....BBBB → AAAABBBB → ....BBBB → abcdBBBB
    const { a, m } = world(factory, 8);
    const first = mustAlloc(a, m, 2);
    mustAlloc(a, m, 2);
    a.freePages(first, 2);
    m.freeBlock(first);
    m.verify(a);
    const again = mustAlloc(a, m, 2);
    expect(again).toBe(first);
    a.freePages(again, 2);
    m.freeBlock(again);
    for (let i = 0; i < 4; i++) mustAlloc(a, m, 0);
    m.expectNoPage(a, () => a.allocPages(0));
  });
  it("order 0 succeeds while any page is free, wherever it lies", () => {
    // fill 16 pages, free every third: 1 isolated free page each time
    const { a, m } = world(factory, 16);
    const pfns = Array.from({ length: 16 }, () => mustAlloc(a, m, 0));
    const freed = pfns.filter((p) => p % 3 === 0);
    for (const p of freed) {
      a.freePages(p, 0);
      m.freeBlock(p);
      m.verify(a);
    }
    m.expectNoPage(a, () => a.allocPages(1));
    const back = freed.map(() => mustAlloc(a, m, 0)).sort((x, y) => x - y);
    expect(back).toEqual(freed);
  });
}

/** Byte sizes of the exact cases: 1 byte to several pages, powers of two and not. */
const EXACT_SIZES = [1, P - 1, P, P + 1, 2 * P, 3 * P - 1, 3 * P, 3 * P + 1, 5 * P, 7 * P + 5, 8 * P, 9 * P, 13 * P - 100];

function exactCases(factory: PageAllocatorFactory): void {
  it.each(EXACT_SIZES)("allocPagesExact(%i): ceil(bytes / PAGE_SIZE) pages of count 1, the surplus free, each page put on its own", (bytes) => {
    const n = 64;
    const { a, m } = world(factory, n);
    const pfn = mustAllocExact(a, m, bytes);
    const pages = Math.ceil(bytes / P);
    expect(a.freePagesCount()).toBe(n - pages);
    // put the middle page, then the last, then the rest from the front
    const order = [...new Set([pfn + (pages >> 1), pfn + pages - 1, ...Array.from({ length: pages }, (_, i) => pfn + i)])];
    for (const p of order) {
      expect(a.putPage(p)).toBe(0);
      m.put(p);
      m.verify(a);
    }
    mustAlloc(a, m, maxOrderFor(n));
  });
  it.each(EXACT_SIZES)("freePagesExact after allocPagesExact(%i) frees every page; an extra reference keeps its page", (bytes) => {
    const { a, m } = world(factory, 64);
    const pfn = mustAllocExact(a, m, bytes);
    const pages = Math.ceil(bytes / P);
    const kept = pfn + pages - 1;
    a.getPage(kept);
    m.get(kept);
    a.freePagesExact(pfn, bytes);
    for (let p = pfn; p < pfn + pages; p++) m.put(p);
    m.verify(a);
    expect(a.pageCount(kept)).toBe(1);
    expect(a.putPage(kept)).toBe(0);
    m.put(kept);
    m.verify(a);
    expect(m.freePages).toBe(64);
  });
  it("the surplus of the power-of-two block is allocatable: 5 pages of 8 leave exactly 3 order-0 pages", () => {
    // 8 pages: EEEEE... → EEEEEabc → NO_PAGE
    const { a, m } = world(factory, 8);
    mustAllocExact(a, m, 5 * P);
    for (let i = 0; i < 3; i++) mustAlloc(a, m, 0);
    m.expectNoPage(a, () => a.allocPages(0));
  });
  it.each([
    ["more pages than are free", 3 * P],
    ["0 bytes", 0],
    ["a negative size", -P],
    ["a size above 2^MAX_PAGE_ORDER pages", (1 << MAX_PAGE_ORDER) * P + 1],
  ] as const)("allocPagesExact of %s gives NO_PAGE and changes nothing", (_what, bytes) => {
    const { a, m } = world(factory, 8);
    for (let i = 0; i < 6; i++) mustAlloc(a, m, 0);
    m.expectNoPage(a, () => a.allocPagesExact(bytes));
  });
}

function refcountCases(factory: PageAllocatorFactory): void {
  it("get_page/put_page on an order-0 page: counts 1 → 3 → 1 keep it allocated, 0 frees it", () => {
    const { a, m } = world(factory, 4);
    const pfn = mustAlloc(a, m, 0);
    a.getPage(pfn);
    a.getPage(pfn);
    m.get(pfn);
    m.get(pfn);
    m.verify(a);
    for (const want of [2, 1]) {
      expect(a.putPage(pfn)).toBe(want);
      m.put(pfn);
      m.verify(a);
    }
    expect(a.putPage(pfn)).toBe(0);
    m.put(pfn);
    m.verify(a);
  });
  it("a page put to zero is free: a 1-page memory serves it again", () => {
    const { a, m } = world(factory, 1);
    const pfn = mustAlloc(a, m, 0);
    m.expectNoPage(a, () => a.allocPages(0));
    expect(a.putPage(pfn)).toBe(0);
    m.put(pfn);
    m.verify(a);
    expect(mustAlloc(a, m, 0)).toBe(pfn);
  });
  it.each([1, 2, 3])("get_page on the head of an order-%i block counts on the head only; put back to 1 keeps the block; freePages frees it", (order) => {
    const { a, m } = world(factory, 16);
    const pfn = mustAlloc(a, m, order);
    a.getPage(pfn);
    m.get(pfn);
    m.verify(a);
    expect(a.putPage(pfn)).toBe(1);
    m.put(pfn);
    m.verify(a);
    a.freePages(pfn, order);
    m.freeBlock(pfn);
    m.verify(a);
    expect(m.freePages).toBe(16);
  });
}

/** A world with a block A of order 2, a page B, an exact run E of 3 pages, and B freed: some free, some tails. */
interface MisuseWorld {
  readonly a: PageAllocatorPort;
  readonly m: PageLedger;
  readonly blockA: number;
  readonly freedB: number;
  readonly exactE: number;
}

function misuseWorld(factory: PageAllocatorFactory): MisuseWorld {
  const { a, m } = world(factory, 16);
  const blockA = mustAlloc(a, m, 2);
  const freedB = mustAlloc(a, m, 0);
  const exactE = mustAllocExact(a, m, 3 * P);
  a.freePages(freedB, 0);
  m.freeBlock(freedB);
  m.verify(a);
  return { a, m, blockA, freedB, exactE };
}

/** A pfn never handed out: free, and outside A, B and E's whole power-of-two block (its surplus page included). */
function neverAllocated(w: MisuseWorld): number {
  const touched = (p: number) => (p >= w.blockA && p < w.blockA + 4) || p === w.freedB || (p >= w.exactE && p < w.exactE + 4);
  return w.m.freePfns().find((p) => !touched(p))!;
}

const MISUSE: readonly [string, (w: MisuseWorld) => void][] = [
  ["freePages twice (double free of an order-0 page)", (w) => w.a.freePages(w.freedB, 0)],
  ["freePages of a block at a smaller order", (w) => w.a.freePages(w.blockA, 1)],
  ["freePages of a block at a bigger order", (w) => w.a.freePages(w.blockA, 3)],
  ["freePages of an exact page at the block order", (w) => w.a.freePages(w.exactE, 2)],
  ["freePages of a pfn never allocated", (w) => w.a.freePages(neverAllocated(w), 0)],
  ["freePages of a tail of a block", (w) => w.a.freePages(w.blockA + 1, 0)],
  ["freePages of pfn -1", (w) => w.a.freePages(-1, 0)],
  ["freePages of pfn nrPages", (w) => w.a.freePages(w.a.nrPages, 0)],
  ["putPage of a freed page", (w) => w.a.putPage(w.freedB)],
  ["putPage of a pfn never allocated", (w) => w.a.putPage(neverAllocated(w))],
  ["putPage of a tail of a block", (w) => w.a.putPage(w.blockA + 2)],
  ["putPage of pfn nrPages", (w) => w.a.putPage(w.a.nrPages)],
  ["getPage of a freed page", (w) => w.a.getPage(w.freedB)],
  ["getPage of a tail of a block", (w) => w.a.getPage(w.blockA + 3)],
];

function misuseCases(factory: PageAllocatorFactory): void {
  it.each(MISUSE)("%s throws KernelBug, changes nothing, and the allocator stays usable", (_what, op) => {
    const w = misuseWorld(factory);
    w.m.expectBug(w.a, () => op(w));
    mustAlloc(w.a, w.m, 0);
    for (const u of w.m.units()) {
      w.a.freePages(u.pfn, u.order);
      w.m.freeBlock(u.pfn);
      w.m.verify(w.a);
    }
    expect(w.a.freePagesCount()).toBe(16);
  });
  it("double free of a block throws KernelBug and changes nothing", () => {
    const w = misuseWorld(factory);
    w.a.freePages(w.blockA, 2);
    w.m.freeBlock(w.blockA);
    w.m.verify(w.a);
    w.m.expectBug(w.a, () => w.a.freePages(w.blockA, 2));
  });
  it("freePagesExact twice throws KernelBug on the second call and changes nothing", () => {
    const w = misuseWorld(factory);
    w.a.freePagesExact(w.exactE, 3 * P);
    for (let p = w.exactE; p < w.exactE + 3; p++) w.m.put(p);
    w.m.verify(w.a);
    w.m.expectBug(w.a, () => w.a.freePagesExact(w.exactE, 3 * P));
  });
}

function scaleCases(factory: PageAllocatorFactory, n: number): void {
  it(`${n} pages: every page once at order 0, every other freed leaves no pair, all freed gives whole top-order blocks`, () => {
    const a = factory(n);
    const seen = new Uint8Array(n);
    const pfns: number[] = [];
    for (let pfn = a.allocPages(0); pfn !== NO_PAGE; pfn = a.allocPages(0)) {
      if (!(Number.isInteger(pfn) && pfn >= 0 && pfn < n && seen[pfn] === 0)) expect.fail(`allocPages(0) returned pfn ${pfn} (out of range or twice)`);
      seen[pfn] = 1;
      pfns.push(pfn);
    }
    expect([pfns.length, a.freePagesCount()]).toEqual([n, 0]);
    for (let p = 0; p < n; p += 2) a.putPage(p);
    expect([a.freePagesCount(), a.allocPages(1)]).toEqual([n >> 1, NO_PAGE]);
    for (let p = 1; p < n; p += 2) a.freePages(p, 0);
    expect(a.freePagesCount()).toBe(n);
    const top = maxOrderFor(n);
    const blocks: number[] = [];
    for (let pfn = a.allocPages(top); pfn !== NO_PAGE; pfn = a.allocPages(top)) blocks.push(pfn);
    expect(blocks.length).toBe(Math.floor(n / 2 ** top));
    for (const pfn of blocks) a.freePages(pfn, top);
    expect(a.freePagesCount()).toBe(n);
  });
}

/**
 * Registers the conformance suite for a page allocator: every order a memory allows, disjoint blocks
 * inside [0, nrPages), exact free counts, NO_PAGE on exhaustion and on impossible requests without any
 * state change, reuse after free, allocPagesExact for 1 byte to 13 pages, get/put reference counting,
 * misuse throwing KernelBug with no state change, a scale case, and fast-check operation sequences
 * against a model with the allocator's figures compared after every step.
 * Linux: the contract of __alloc_pages(), __free_pages(), alloc_pages_exact(), free_pages_exact(),
 * get_page() and put_page() (mm/page_alloc.c, include/linux/mm.h), and the VM_BUG_ON_PAGE()/bad_page()
 * checks CONFIG_DEBUG_VM makes of them.
 */
export function pageAllocatorConformance(name: string, factory: PageAllocatorFactory, opts: PageAllocatorConformanceOptions = {}): void {
  describe(`${name}: page allocator conformance`, () => {
    describe("allocPages and freePages", () => orderCases(factory));
    describe("allocPagesExact and freePagesExact", () => exactCases(factory));
    describe("getPage and putPage", () => refcountCases(factory));
    describe("misuse", () => misuseCases(factory));
    describe("scale", () => scaleCases(factory, opts.scalePages ?? 16384));
    describe("properties", () => pageAllocatorProperties(factory, opts));
  });
}
