import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "@mmsim/mm-types";
import { SLOTS, VmaBTree, createVmaTree } from "@mmsim/vma-tree";
import { differential } from "./support.js";

const P = PAGE_SIZE;

describe("VmaBTree against the sorted-array model at scale", () => {
  it.each([
    ["dense: many rejected inserts and adjusts, one internal level", 1, 2400, 15000, 1],
    ["sparse: mostly accepted inserts, two internal levels", 2, 20000, 15000, 2],
  ])("%s (seed %d, %d pages, %d ops)", (_what, seed, space, ops, height) => {
    const t = differential({ seed, ops, space, checkEvery: 500 }) as VmaBTree<number>;
    expect(t.height).toBeGreaterThanOrEqual(height);
  });
  it.each([
    ["sorted", 4, {}],
    ["overlap", 5, { overlap: true }],
  ])("erases followed at once by an insert of the same range, %s (seed %d)", (_what, seed, tree) => {
    const t = differential({ seed, ops: 10000, space: 3000, checkEvery: 250, tree, refill: true }) as VmaBTree<number>;
    expect(t.height).toBeGreaterThanOrEqual(1);
  });
  it("overlap mode (seed 3)", () => {
    const t = differential({ seed: 3, ops: 10000, space: 3000, checkEvery: 1000, tree: { overlap: true } }) as VmaBTree<number>;
    expect(t.height).toBeGreaterThanOrEqual(1);
  });
});

describe("createVmaTree", () => {
  it("returns a VmaBTree honouring its options", () => {
    const t = createVmaTree<string>({ overlap: true, stackGuardGap: 8 * P, mmapMinAddr: 0 });
    expect(t).toBeInstanceOf(VmaBTree);
    expect([t.overlap, t.stackGuardGap, t.mmapMinAddr, t.mapCount]).toEqual([true, 8 * P, 0, 0]);
  });
});

describe("adjust across a leaf boundary", () => {
  it("moving a leaf's first entry down into the gap below it finds it in the next leaf and refreshes its keys", () => {
    const t = new VmaBTree<number>();
    for (let i = 0; i < 1000; i++) t.insert(0x10000 + i * 2 * P, 0x10000 + (i * 2 + 1) * P, i, 0, i, i);
    const first = t.leaves.idOf(t.leaves.at(t.leaves.next[t.firstSlotUnder(t.root, t.height) / 32]! * 32));
    const start = 0x10000 + first * 2 * P;
    t.adjust(first, start - P, start + P, 7);
    t.assertValid();
    expect([t.findVma(start - P), t.findVmaPrev(start - P), t.findVma(start - P - 1)]).toEqual([first, first - 1, first - 1]);
    expect(() => t.adjust(first, start - 2 * P, start, 7)).toThrow(/overlaps/);
    t.assertValid();
  });
});

describe("the finger an erase leaves", () => {
  function ascending(n: number): VmaBTree<number> {
    const t = new VmaBTree<number>();
    for (let i = 0; i < n; i++) t.insert(0x10000 + i * 2 * P, 0x10000 + (i * 2 + 1) * P, i, 0, i, i);
    return t;
  }
  function countDescents(t: VmaBTree<number>): () => number {
    let calls = 0;
    const descend = t.descend.bind(t);
    t.descend = (start: number, id: number) => {
      calls++;
      return descend(start, id);
    };
    return () => calls;
  }
  it("an insert into the hole an erase left reuses the path (munmap then mmap at the same place)", () => {
    const t = ascending(5000);
    const descents = countDescents(t);
    const start = 0x10000 + 1234 * 2 * P;
    t.erase(start, 1234);
    t.findVma(0);
    t.insert(start, start + 2 * P, 0, 0, 99999, 99999);
    t.assertValid();
    expect([descents(), t.findVma(start + P), t.findVmaPrev(start)]).toEqual([1, 99999, 1233]);
  });
  it("an insert elsewhere walks again", () => {
    const t = ascending(5000);
    const descents = countDescents(t);
    t.erase(0x10000 + 1234 * 2 * P, 1234);
    const start = 0x10000 + (40 * 2 + 1) * P;
    t.insert(start, start + P, 0, 0, 99999, 99999);
    t.assertValid();
    expect([descents(), t.mapCount, t.findVma(start), t.findVmaPrev(start)]).toEqual([2, 5000, 99999, 40]);
  });
  it("an overlapping insert into the hole is still refused and changes nothing", () => {
    const t = ascending(5000);
    const hole = 0x10000 + 1234 * 2 * P;
    t.erase(hole, 1234);
    expect(() => t.insert(hole - 2 * P + 1, hole + P, 0, 0, 99999, 99999)).toThrow(/overlaps/);
    expect(() => t.insert(hole, hole + 3 * P, 0, 0, 99999, 99999)).toThrow(/overlaps/);
    t.assertValid();
    expect([t.mapCount, t.findVma(hole)]).toEqual([4999, 1235]);
  });
  it("an insert of exactly the erased range takes its place without a descent, under a new id", () => {
    const t = ascending(5000);
    const descents = countDescents(t);
    const start = 0x10000 + 1234 * 2 * P;
    t.erase(start, 1234);
    expect(t.mapCount).toBe(4999);
    t.insert(start, start + P, 77, 5, 99999, 99999);
    t.assertValid();
    const cur = t.cursor();
    cur.reset(start, start + 1);
    expect([descents(), t.mapCount, cur.next(), cur.vmPgoff, cur.vmFlags, cur.id, t.findVmaPrev(start)]).toEqual([1, 5000, 99999, 77, 5, 99999, 1233]);
  });
  it("a leaf's first entry comes back under a new id by the ordinary path, which refreshes the parent's key", () => {
    const t = ascending(5000);
    const first = t.leaves.idOf(t.leaves.at(t.leaves.next[t.firstSlotUnder(t.root, t.height) / SLOTS]! * SLOTS));
    const start = 0x10000 + first * 2 * P;
    t.erase(start, first);
    t.insert(start, start + P, 0, 0, 99999, 99999);
    t.assertValid();
    expect([t.findVma(start), t.findVmaPrev(start), t.mapCount]).toEqual([99999, first - 1, 5000]);
  });
  it("every reader sees an erase at once: lookups, cursors, gap search and the node pools", () => {
    const t = ascending(5000);
    const start = 0x10000 + 1234 * 2 * P;
    const hole = { flags: 0, length: 3 * P, lowLimit: 0, highLimit: 2 ** 40, alignMask: 0, alignOffset: 0 };
    t.erase(start, 1234);
    expect([t.findVma(start), t.findVmaPrev(start + P), t.findVmaIntersection(start, start + P)]).toEqual([1235, 1233, undefined]);
    t.insert(start, start + P, 0, 0, 1234, 1234);
    t.erase(start, 1234);
    expect(t.unmappedArea(hole)).toBe(start - P);
    t.insert(start, start + P, 0, 0, 1234, 1234);
    t.erase(start, 1234);
    const cur = t.cursor();
    cur.reset(start - 2 * P, start + 3 * P);
    expect([cur.next(), cur.next(), cur.next()]).toEqual([1233, 1235, undefined]);
    t.insert(start, start + P, 0, 0, 1234, 1234);
    t.erase(start, 1234);
    const L = t.leaves;
    const ids = Array.from({ length: L.count[t.pathNode[t.height]!]! }, (_, r) => L.idOf(L.at(t.pathNode[t.height]! * SLOTS + r)));
    expect(ids).not.toContain(1234);
    expect(t.erase(start, 1234)).toBe(false);
    t.assertValid();
  });
  it("adjust between the erase and the insert invalidates the finger", () => {
    const t = ascending(5000);
    const start = 0x10000 + 1234 * 2 * P;
    t.erase(start, 1234);
    t.adjust(1235, start - P, start + 3 * P, 0);
    expect(() => t.insert(start, start + P, 0, 0, 99999, 99999)).toThrow(/overlaps/);
    t.assertValid();
  });
});
