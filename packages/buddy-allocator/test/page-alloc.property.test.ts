import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import { ALLOC_NO_WATERMARKS, BuddyAllocator } from "../src/index.js";

/** The model: which pages are held, and by how many references, per allocation unit. */
interface Held {
  pfn: number;
  /** order for a block from allocPages; 0 for a split page */
  order: number;
  refs: number;
}

type Op =
  | { kind: "alloc"; order: number }
  | { kind: "exact"; bytes: number }
  | { kind: "free"; pick: number }
  | { kind: "get"; pick: number }
  | { kind: "put"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("alloc" as const), order: fc.integer({ min: 0, max: 10 }) }),
  fc.record({ kind: fc.constant("exact" as const), bytes: fc.integer({ min: 1, max: 40 * PAGE_SIZE }) }),
  fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("get" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("put" as const), pick: fc.nat() }),
);

function run(pages: number, ops: Op[], pcp: boolean): void {
  const a = new BuddyAllocator({ pages, minFreeKbytes: 0, pcp: pcp ? { batch: 3, high: 8 } : false });
  const initial = a.nrFreeByOrder();
  const held: Held[] = [];
  let heldPages = 0;
  const owner = new Int32Array(pages).fill(-1);
  const claim = (pfn: number, n: number): void => {
    for (let p = pfn; p < pfn + n; p++) {
      expect(owner[p], `pfn ${p} handed out twice`).toBe(-1);
      owner[p] = 1;
    }
    heldPages += n;
  };
  const release = (pfn: number, n: number): void => {
    for (let p = pfn; p < pfn + n; p++) owner[p] = -1;
    heldPages -= n;
  };
  for (const op of ops) {
    if (op.kind === "alloc") {
      const pfn = a.allocPages(op.order, ALLOC_NO_WATERMARKS);
      if (pfn === NO_PAGE) {
        expect(a.nrFreeByOrder().slice(op.order).every((n) => n === 0)).toBe(true);
        if (op.order === 0) expect(a.pcpPagesCount()).toBe(0);
      } else {
        expect(pfn % (1 << op.order)).toBe(0);
        claim(pfn, 1 << op.order);
        held.push({ pfn, order: op.order, refs: 1 });
      }
    } else if (op.kind === "exact") {
      const pfn = a.allocPagesExact(op.bytes, ALLOC_NO_WATERMARKS);
      const n = Math.ceil(op.bytes / PAGE_SIZE);
      if (pfn !== NO_PAGE) {
        claim(pfn, n);
        for (let p = 0; p < n; p++) held.push({ pfn: pfn + p, order: 0, refs: 1 });
      }
    } else if (held.length > 0) {
      const idx = op.pick % held.length;
      const h = held[idx]!;
      if (op.kind === "get") {
        a.getPage(h.pfn);
        h.refs++;
      } else {
        if (op.kind === "free") a.freePages(h.pfn, h.order);
        else a.putPage(h.pfn);
        h.refs--;
        if (h.refs === 0) {
          release(h.pfn, 1 << h.order);
          held.splice(idx, 1);
        } else if (op.kind === "free" && h.order > 0) {
          // __free_pages with other holders: the tail is freed, the head stays as an order-0 page
          release(h.pfn + 1, (1 << h.order) - 1);
          h.order = 0;
        }
      }
    }
    a.assertValid();
    expect(a.freePagesCount() + a.pcpPagesCount()).toBe(pages - heldPages);
    for (const h of held) expect(a.pageCount(h.pfn)).toBe(h.refs);
  }
  // drop every reference: the zone must return to its boot shape
  for (const h of held) while (h.refs-- > 0) a.putPage(h.pfn);
  a.drainPages();
  a.assertValid();
  expect(a.nrFreeByOrder()).toEqual(initial);
}

describe("buddy allocator against a model", () => {
  it.each([
    ["without per-CPU lists", false],
    ["with per-CPU lists", true],
  ])("keeps every invariant over random alloc/free/exact/refcount sequences, %s", (_name, pcp) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.array(opArb, { maxLength: 120 }), (pages, ops) => run(pages, ops, pcp)),
      { numRuns: 120 },
    );
  });

  it("returns to the boot shape after allocating everything and freeing it all", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 1000 }), (pages, seed) => {
        const a = new BuddyAllocator({ pages, minFreeKbytes: 0 });
        const initial = a.nrFreeByOrder();
        const got: number[] = [];
        for (let pfn = a.allocPages(0, ALLOC_NO_WATERMARKS); pfn !== NO_PAGE; pfn = a.allocPages(0, ALLOC_NO_WATERMARKS)) got.push(pfn);
        expect(got.length).toBe(pages);
        expect(a.freePagesCount()).toBe(0);
        // free in a seed-dependent order
        let x = seed + 1;
        for (let i = got.length - 1; i > 0; i--) {
          x = (x * 1103515245 + 12345) % 2147483648;
          const j = x % (i + 1);
          [got[i], got[j]] = [got[j]!, got[i]!];
        }
        for (const pfn of got) a.freePages(pfn, 0);
        a.assertValid();
        expect(a.nrFreeByOrder()).toEqual(initial);
      }),
      { numRuns: 30 },
    );
  });
});
