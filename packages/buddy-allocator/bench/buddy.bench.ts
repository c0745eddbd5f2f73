/**
 * Buddy allocator benchmarks (not tests): order-0 alloc+free pairs, mixed-order churn,
 * allocPagesExact + trim, and the set-up of a 16 GiB node. Targets (issue 2): an order-0 pair
 * ≤ 60 ns median (a C single-header buddy allocator takes ~100 ns on this machine class);
 * 4M pages set up in < 1 s with ≤ 128 MiB of host memory.
 */
import { measureOnce, runGroup } from "@mmsim/bench-kit";
import { NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import { ALLOC_NO_WATERMARKS, BuddyAllocator } from "../src/index.js";

const PAGES_1G = 256 * 1024;

function freshZone(pcp = false): BuddyAllocator {
  return new BuddyAllocator({ pages: PAGES_1G, pcp });
}

/** A zone where every other page is allocated: the order-0 list is long and nothing merges. */
function fragmentedZone(): BuddyAllocator {
  const a = new BuddyAllocator({ pages: PAGES_1G, minFreeKbytes: 0 });
  const all: number[] = [];
  for (let p = a.allocPages(0, ALLOC_NO_WATERMARKS); p !== NO_PAGE; p = a.allocPages(0, ALLOC_NO_WATERMARKS)) all.push(p);
  for (const p of all) if (p % 2 === 1) a.freePages(p, 0);
  return a;
}

function pairCase(name: string, a: BuddyAllocator) {
  const N = 1000;
  return {
    name,
    ops: N,
    run(): void {
      for (let i = 0; i < N; i++) a.freePages(a.allocPages(0), 0);
    },
  };
}

const pairs = runGroup("order-0 alloc+free pair (median of rounds)", [
  pairCase("exact buddy lists, fragmented zone (order-0 list populated)", fragmentedZone()),
  pairCase("exact buddy lists, fresh zone (split 10 + merge 10 levels)", freshZone()),
  pairCase("per-CPU lists on (Linux's order-0 fast path), fresh zone", freshZone(true)),
]);

// Mixed-order churn: a ring of 4096 held blocks, orders 0..4 from a fixed pseudo-random sequence.
function churnCase() {
  const a = freshZone();
  const RING = 4096;
  const pfns = new Float64Array(RING).fill(NO_PAGE);
  const orders = new Uint8Array(RING);
  let x = 12345;
  let slot = 0;
  const N = 1000;
  return {
    name: "alloc order 0..4 + free the oldest (ring of 4096)",
    ops: N,
    run(): void {
      for (let i = 0; i < N; i++) {
        const old = pfns[slot]!;
        if (old !== NO_PAGE) a.freePages(old, orders[slot]!);
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        const o = (x >>> 8) % 5;
        orders[slot] = o;
        pfns[slot] = a.allocPages(o);
        slot = (slot + 1) % RING;
      }
    },
  };
}
const churn = runGroup("mixed-order churn", [churnCase()]);

function exactCase(pages: number) {
  const a = freshZone();
  const bytes = pages * PAGE_SIZE;
  const N = 200;
  return {
    name: `allocPagesExact(${pages} pages) + trim + freePagesExact`,
    ops: N,
    run(): void {
      for (let i = 0; i < N; i++) a.freePagesExact(a.allocPagesExact(bytes), bytes);
    },
  };
}
const exact = runGroup("exact allocations (the NOMMU trimming path)", [exactCase(5), exactCase(100), exactCase(1000)]);

const PAGES_16G = 4 << 20;
const setup = measureOnce(() => new BuddyAllocator({ pages: PAGES_16G }));
const perPage = setup.value.hostBytes().metadata / PAGES_16G;

const pairNs = pairs.map((r) => r.nsPerOp);
console.log("\nsummary");
const vsC = (ns: number): string => `${(100 / ns).toFixed(2)}x the C single-header's ~100 ns`;
console.log(`  order-0 pair, per-CPU lists:   ${pairNs[2]!.toFixed(1)} ns  (target ≤ 60 ns; ${vsC(pairNs[2]!)})`);
console.log(`  order-0 pair, exact, fragmented: ${pairNs[0]!.toFixed(1)} ns  (${vsC(pairNs[0]!)})`);
console.log(`  order-0 pair, exact, fresh:    ${pairNs[1]!.toFixed(1)} ns  (worst case: every pair splits and merges 10 orders)`);
console.log(`  mixed-order churn:             ${churn[0]!.nsPerOp.toFixed(1)} ns per alloc+free`);
console.log(`  exact 5/100/1000 pages:        ${exact.map((r) => r.nsPerOp.toFixed(0)).join(" / ")} ns`);
console.log(
  `  16 GiB (4M pages) set-up:      ${setup.ms.toFixed(0)} ms, ${(setup.heapDeltaBytes / 2 ** 20).toFixed(1)} MiB heap+buffers, ` +
    `${(setup.rssDeltaBytes / 2 ** 20).toFixed(1)} MiB RSS growth, ${perPage} metadata bytes/page (targets < 1000 ms, ≤ 128 MiB, ≤ 32 B/page)`,
);
