import { describe, expect, it } from "vitest";
import { KernelBug, PAGE_SIZE } from "@mmsim/mm-types";
import { SLOTS, VmaBTree } from "@mmsim/vma-tree";

const P = PAGE_SIZE;

/** 2000 VMAs with gaps of 1..7 pages: two levels of internal nodes, non-zero cached gaps. */
function layered(): VmaBTree<number> {
  const t = new VmaBTree<number>();
  let page = 16;
  for (let i = 0; i < 2000; i++) {
    page += 1 + (i * 5) % 7;
    t.insert(page * P, (page + 2) * P, page, 0, i, i);
    page += 2;
  }
  const end = t.leaves.vmEnd[t.lastSlot()]!;
  expect(t.unmappedAreaTopdown({ flags: 0, length: 64 * P, lowLimit: 0, highLimit: end, alignMask: 0, alignOffset: 0 })).toBeLessThan(0);
  t.assertValid();
  return t;
}

function small(): VmaBTree<number> {
  const t = new VmaBTree<number>();
  for (let i = 0; i < 5; i++) t.insert((16 + 4 * i) * P, (18 + 4 * i) * P, 0, 0, i, i);
  return t;
}

describe("assertValid catches corruption", () => {
  it("a layered tree passes, has two internal levels and, after a failed search, no stale gap", () => {
    const t = layered();
    expect(t.height).toBe(2);
    const I = t.internals;
    const stale = Array.from({ length: I.used }, (_, n) => Array.from(I.gapStale.subarray(n * SLOTS, n * SLOTS + I.count[n]!))).flat();
    expect([stale.length > 60, stale.every((x) => x === 0)]).toEqual([true, true]);
  });
  it("an erase refreshes its leaf's gap at once and leaves the slots above stale, exempt until a search recounts them", () => {
    const t = layered();
    const first = t.internals.child[t.root * SLOTS]! * SLOTS;
    const leaf = t.internals.child[first]!;
    const f = t.leaves.at(leaf * SLOTS + 3);
    const before = t.internals.maxGap[first]!;
    t.erase(t.leaves.vmStart[f]!, t.leaves.idOf(f));
    expect([t.internals.gapStale[first], t.internals.gapStale[t.root * SLOTS]]).toEqual([0, 1]);
    expect(t.internals.maxGap[first]).toBeGreaterThan(before);
    t.internals.maxGap[t.root * SLOTS] = 12345;
    t.assertValid();
    t.unmappedArea({ flags: 0, length: 1000 * P, lowLimit: 0, highLimit: 2 ** 47, alignMask: 0, alignOffset: 0 });
    expect(t.internals.maxGap[t.root * SLOTS]).not.toBe(12345);
    t.assertValid();
  });
  it.each([
    ["a cached max gap one page too large", /max gap/, (t: VmaBTree<number>) => { t.internals.maxGap[t.root * SLOTS + 1]! += P; }],
    ["a cached max gap of a lower node", /max gap/, (t: VmaBTree<number>) => { t.internals.maxGap[t.internals.child[t.root * SLOTS]! * SLOTS + 2] = 0; }],
    ["a stale mark under a fresh slot", /stale gap/, (t: VmaBTree<number>) => { t.internals.gapStale[t.internals.child[t.root * SLOTS]! * SLOTS + 2] = 1; }],
    ["a stale cached max end", /max end/, (t: VmaBTree<number>) => { t.internals.maxEnd[t.root * SLOTS]! -= P; }],
    ["a stale cached min key", /min key/, (t: VmaBTree<number>) => { t.internals.minId[t.root * SLOTS + 1] = 1e6; }],
    ["a leaf's first entry moved down a page", /min key/, (t: VmaBTree<number>) => { t.leaves.vmStart[t.leaves.next[0]! * SLOTS]! -= P; }],
    ["a broken leaf chain", /leaf chain/, (t: VmaBTree<number>) => { t.leaves.next[t.internals.child[t.internals.child[t.root * SLOTS]! * SLOTS]!] = -1; }],
    ["a wrong map_count", /count/, (t: VmaBTree<number>) => { t.count++; }],
    ["a duplicate id", /duplicate id/, (t: VmaBTree<number>) => {
      const L = t.leaves;
      const f = L.at(L.next[0]! * SLOTS + 5);
      L.setMeta(f, L.pgoffOf(f), L.flagsOf(f), L.idOf(L.at(L.next[0]! * SLOTS + 6)) - 7);
    }],
  ])("%s", (_what, rule, corrupt) => {
    const t = layered();
    corrupt(t);
    expect(() => t.assertValid()).toThrow(KernelBug);
    expect(() => t.assertValid()).toThrow(rule);
  });
  it.each([
    ["two entries out of order", /order/, (t: VmaBTree<number>) => { t.leaves.vmStart[2] = 12 * P; }],
    ["two overlapping entries", /overlap/, (t: VmaBTree<number>) => { t.leaves.vmEnd[1] = 25 * P; }],
    ["an empty range", /range/, (t: VmaBTree<number>) => { t.leaves.vmEnd[4] = t.leaves.vmStart[4]!; }],
    ["a lost value", /value/, (t: VmaBTree<number>) => { t.leaves.value[3] = undefined; }],
  ])("%s in a single-leaf tree", (_what, rule, corrupt) => {
    const t = small();
    t.assertValid();
    corrupt(t);
    expect(() => t.assertValid()).toThrow(rule);
  });
  it("a leaked node", () => {
    const t = layered();
    t.leaves.alloc();
    expect(() => t.assertValid()).toThrow(/nodes/);
  });
});
