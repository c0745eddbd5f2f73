/**
 * Property tests of the page allocator kit: random sequences of allocPages, freePages,
 * allocPagesExact, freePagesExact, getPage, putPage and misuse run on the allocator and on the model
 * (`PageLedger`: the owned units and their counts). After every step the model's invariants (bounds,
 * disjointness) hold by construction and the allocator's free count and every page's count are
 * compared with it. fast-check shrinks a failure to a minimal sequence.
 */
import { expect, it } from "vitest";
import fc from "fast-check";
import { NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import type { PageAllocatorPort } from "@mmsim/mm-types";
import { PageLedger } from "./page-allocator-ledger.js";

/** Options of the property tests. */
export interface PageAllocatorPropertyOptions {
  /** fast-check runs per property. Default 150. */
  readonly numRuns?: number;
  /** Pages of the allocator each sequence runs on. Default 48. */
  readonly propertyPages?: number;
}

const P = PAGE_SIZE;

type Cmd =
  | { readonly op: "alloc"; readonly order: number }
  | { readonly op: "exact"; readonly pages: number; readonly short: number }
  | { readonly op: "free" | "get" | "put"; readonly pick: number }
  | { readonly op: "freeExact"; readonly pick: number; readonly span: number }
  | { readonly op: "misuse"; readonly pick: number; readonly how: number };

const pickArb = fc.nat(1000);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("alloc" as const), order: fc.constantFrom(0, 0, 0, 1, 1, 2, 3, 4, 5) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("exact" as const), pages: fc.integer({ min: 1, max: 16 }), short: fc.constantFrom(0, 0, 1, P - 1) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constantFrom("free" as const, "get" as const, "put" as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("freeExact" as const), pick: pickArb, span: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("misuse" as const), pick: pickArb, how: fc.nat(5) }) },
);

interface World {
  readonly a: PageAllocatorPort;
  readonly m: PageLedger;
}

/** An allocation may fail for fragmentation, but never while order 0 fits, nor succeed past the free count. */
function stepAlloc(w: World, order: number): void {
  const pfn = w.a.allocPages(order);
  if (pfn === NO_PAGE) {
    expect(order > 0 || w.m.freePages === 0, `allocPages(0) failed with ${w.m.freePages} free pages`).toBe(true);
    return;
  }
  w.m.claim(pfn, order);
}

function stepExact(w: World, pages: number, short: number): void {
  const bytes = pages * P - short;
  const pfn = w.a.allocPagesExact(bytes);
  if (pfn === NO_PAGE) {
    expect(pages > 1 || w.m.freePages === 0, `allocPagesExact(${bytes}) failed with ${w.m.freePages} free pages`).toBe(true);
    return;
  }
  w.m.claimExact(pfn, pages);
}

/** The unit `pick` chooses among the owned ones, or null when nothing is owned. */
function pickUnit(w: World, pick: number): { pfn: number; order: number; count: number } | null {
  const units = w.m.units();
  return units.length === 0 ? null : units[pick % units.length]!;
}

/** freePages(pfn, order) of a unit the test holds once; put of order > 0 to zero is left out (see README). */
function stepRef(w: World, cmd: Extract<Cmd, { op: "free" | "get" | "put" }>): void {
  const u = pickUnit(w, cmd.pick);
  if (u === null) return;
  if (cmd.op === "get") {
    w.a.getPage(u.pfn);
    w.m.get(u.pfn);
  } else if (cmd.op === "free" || (u.order > 0 && u.count === 1)) {
    if (u.count > 1) return;
    w.a.freePages(u.pfn, u.order);
    w.m.freeBlock(u.pfn);
  } else {
    expect(w.a.putPage(u.pfn)).toBe(w.m.put(u.pfn));
  }
}

/** freePagesExact over `span` pages from a unit, when each of them heads an order-0 unit. */
function stepFreeExact(w: World, pick: number, span: number): void {
  const u = pickUnit(w, pick);
  if (u === null || u.pfn + span > w.m.nrPages) return;
  for (let p = u.pfn; p < u.pfn + span; p++) if (!w.m.isHead(p) || w.m.order[p] !== 0) return;
  const bytes = span * P - (pick % 2) * (P - 1);
  w.a.freePagesExact(u.pfn, bytes);
  for (let p = u.pfn; p < u.pfn + span; p++) w.m.put(p);
}

/** One misuse the model says must be refused: a free page put, got or freed; a tail put; a head freed at the wrong order. */
function stepMisuse(w: World, pick: number, how: number): void {
  const free = w.m.freePfns();
  const tails = w.m.tailPfns();
  const heads = w.m.units();
  const at = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[pick % xs.length]);
  const f = at(free);
  const t = at(tails);
  const h = at(heads);
  const ops: ((() => unknown) | null)[] = [
    f === undefined ? null : () => w.a.putPage(f),
    f === undefined ? null : () => w.a.getPage(f),
    f === undefined ? null : () => w.a.freePages(f, 0),
    t === undefined ? null : () => w.a.putPage(t),
    h === undefined ? null : () => w.a.freePages(h.pfn, h.order + 1 + (pick % 2)),
    h === undefined || h.order === 0 ? null : () => w.a.freePages(h.pfn, h.order - 1),
  ];
  const op = ops[how % ops.length];
  if (op !== null && op !== undefined) w.m.expectBug(w.a, op);
}

function step(w: World, cmd: Cmd): void {
  if (cmd.op === "alloc") stepAlloc(w, cmd.order);
  else if (cmd.op === "exact") stepExact(w, cmd.pages, cmd.short);
  else if (cmd.op === "freeExact") stepFreeExact(w, cmd.pick, cmd.span);
  else if (cmd.op === "misuse") stepMisuse(w, cmd.pick, cmd.how);
  else stepRef(w, cmd);
}

/**
 * Registers the property tests: random command sequences on a fresh allocator of `propertyPages`
 * pages, the model checked against the allocator after every step, and at the end every unit freed
 * and the whole memory counted free again.
 */
export function pageAllocatorProperties(factory: (nrPages: number) => PageAllocatorPort, opts: PageAllocatorPropertyOptions = {}): void {
  const nrPages = opts.propertyPages ?? 48;
  it(`random alloc/free/exact/get/put/misuse sequences on ${nrPages} pages agree with the model after every step`, () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 80 }), (cmds) => {
        const w: World = { a: factory(nrPages), m: new PageLedger(nrPages) };
        w.m.verify(w.a);
        for (const cmd of cmds) {
          step(w, cmd);
          w.m.verify(w.a);
        }
        for (const u of w.m.units()) {
          for (let c = u.count; c > 1; c--) expect(w.a.putPage(u.pfn)).toBe(w.m.put(u.pfn));
          w.a.freePages(u.pfn, u.order);
          w.m.freeBlock(u.pfn);
          w.m.verify(w.a);
        }
        expect(w.a.freePagesCount()).toBe(nrPages);
      }),
      { numRuns: opts.numRuns ?? 150 },
    );
  });
}
