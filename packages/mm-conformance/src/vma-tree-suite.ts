/**
 * The VMA-tree conformance suite: the same vitest cases for every VmaTree implementation. A plugin
 * author calls `vmaTreeConformance("my tree", createMyTree)` from a test file.
 */
import { describe, expect, it } from "vitest";
import { KernelBug, VM_GROWSDOWN } from "@mmsim/mm-types";
import type { VmaTree, VmaTreeFactory } from "@mmsim/mm-types";
import { vmaTreeGapCases } from "./vma-tree-gap-cases.js";
import { vmaTreeOverlapCases } from "./vma-tree-overlap-cases.js";
import { vmaTreeProperties } from "./vma-tree-properties.js";
import type { VmaTreePropertyOptions } from "./vma-tree-properties.js";
import { build, labelled, names } from "./vma-tree-worlds.js";
import type { LayoutVma } from "./vma-tree-worlds.js";

/** Options of the suite. */
export interface VmaTreeConformanceOptions extends VmaTreePropertyOptions {
  /** Entries in the scale case (inserted shuffled, then half erased). Default 3000. */
  readonly scaleEntries?: number;
}

//   0x10000 0x12000   0x14000 0x15000   0x18000
//   |AA|          |B|CCC|
const ABC: readonly LayoutVma[] = [
  ["A", 0x10000, 0x12000],
  ["B", 0x14000, 0x15000],
  ["C", 0x15000, 0x18000],
];

function lookupCases(factory: VmaTreeFactory): void {
  it("an empty tree finds nothing and counts zero", () => {
    const t = build(factory, []);
    expect([t.findVma(0), t.findVmaPrev(0), t.findVmaIntersection(0, 2 ** 47), t.mapCount]).toEqual([undefined, undefined, undefined, 0]);
    expect(names(t)).toEqual([]);
  });
  it.each(labelled([
    [0, "A"], [0x10000, "A"], [0x11fff, "A"], [0x12000, "B"], [0x14fff, "B"],
    [0x15000, "C"], [0x17fff, "C"], [0x18000, undefined], [2 ** 47, undefined],
  ] as const))("find_vma: addr → vma %s", (_label, addr, want) => {
    expect(build(factory, ABC).findVma(addr)).toBe(want);
  });
  it.each(labelled([
    [0, undefined], [0x11000, undefined], [0x12000, "A"], [0x13000, "A"],
    [0x14000, "A"], [0x15000, "B"], [0x17000, "B"], [0x18000, "C"], [2 ** 47, "C"],
  ] as const))("find_vma_prev: addr → prev %s", (_label, addr, want) => {
    expect(build(factory, ABC).findVmaPrev(addr)).toBe(want);
  });
  it.each(labelled([
    [0, 0x10000, undefined], [0, 0x10001, "A"], [0x12000, 0x14000, undefined], [0x12000, 0x14001, "B"],
    [0x11fff, 0x20000, "A"], [0x14800, 0x15800, "B"], [0x18000, 0x20000, undefined],
  ] as const))("find_vma_intersection: start, end → vma %s", (_label, start, end, want) => {
    expect(build(factory, ABC).findVmaIntersection(start, end)).toBe(want);
  });
}

function insertCases(factory: VmaTreeFactory): void {
  it("insert counts, orders by address whatever the insertion order, and accepts touching neighbours", () => {
    const t = factory<string>({});
    for (const [name, s, e] of [["C", 0x15000, 0x18000], ["A", 0x10000, 0x12000], ["B", 0x14000, 0x15000]] as const) {
      t.insert(s, e, 0, 0, name.charCodeAt(0), name);
      t.assertValid();
    }
    expect([t.mapCount, names(t)]).toEqual([3, ["A", "B", "C"]]);
  });
  it.each([
    ["the same range", 0x14000, 0x15000],
    ["a range covering B", 0x13000, 0x16000],
    ["a range inside C", 0x16000, 0x17000],
    ["a range over A's end", 0x11000, 0x13000],
    ["a range over C's start", 0x12000, 0x15001],
  ] as const)("insert of %s throws KernelBug and changes nothing", (_what, s, e) => {
    const t = build(factory, ABC);
    expect(() => t.insert(s, e, 0, 0, 99, "X")).toThrow(KernelBug);
    t.assertValid();
    expect([t.mapCount, names(t)]).toEqual([3, ["A", "B", "C"]]);
  });
  it.each([
    ["an empty range", 0x20000, 0x20000, 7],
    ["a reversed range", 0x21000, 0x20000, 7],
    ["a negative start", -0x1000, 0x1000, 7],
    ["a negative id", 0x20000, 0x21000, -1],
    ["a fractional id", 0x20000, 0x21000, 1.5],
  ] as const)("insert with %s throws KernelBug", (_what, s, e, id) => {
    const t = build(factory, ABC);
    expect(() => t.insert(s, e, 0, 0, id, "X")).toThrow(KernelBug);
    expect(t.mapCount).toBe(3);
    t.assertValid();
  });
  it("a duplicate id under another vm_start is reported by insert or by assertValid", () => {
    const t = build(factory, ABC);
    expect(() => {
      t.insert(0x20000, 0x21000, 0, 0, 1, "B again");
      t.assertValid();
    }).toThrow(KernelBug);
  });
  it("insert of an undefined value throws KernelBug", () => {
    const t = factory<string | undefined>({});
    expect(() => t.insert(0x1000, 0x2000, 0, 0, 1, undefined)).toThrow(KernelBug);
  });
}

function eraseCases(factory: VmaTreeFactory): void {
  it("erase removes by key, reports a miss, and lookups skip the hole", () => {
    const t = build(factory, ABC);
    expect(t.erase(0x14000, 1)).toBe(true);
    t.assertValid();
    expect([t.erase(0x14000, 1), t.erase(0x14000, 42), t.erase(0x10000, 1), t.erase(0x15000, 0), t.mapCount]).toEqual([false, false, false, false, 2]);
    expect([t.findVma(0x12000), t.findVmaPrev(0x15000), names(t)]).toEqual(["C", "A", ["A", "C"]]);
  });
  it("erasing every entry leaves an empty, valid tree that takes the same ids again", () => {
    const t = build(factory, ABC);
    for (const [start, id] of [[0x15000, 2], [0x10000, 0], [0x14000, 1]] as const) {
      t.erase(start, id);
      t.assertValid();
    }
    expect([t.mapCount, t.findVma(0)]).toEqual([0, undefined]);
    t.insert(0x10000, 0x11000, 0, 0, 0, "A2");
    expect(names(t)).toEqual(["A2"]);
  });
  it("clear empties the tree", () => {
    const t = build(factory, ABC);
    t.clear();
    t.assertValid();
    expect([t.mapCount, t.findVma(0), names(t)]).toEqual([0, undefined, []]);
  });
}

function ranges<T>(t: VmaTree<T>): [number, number, number][] {
  const out: [number, number, number][] = [];
  const cur = t.cursor();
  cur.reset(0, 2 ** 53);
  while (cur.next() !== undefined) out.push([cur.vmStart, cur.vmEnd, cur.vmPgoff]);
  return out;
}

function adjustCases(factory: VmaTreeFactory): void {
  it("split: A shrinks in place and its upper half is inserted (split_vma)", () => {
    // AAAA → AA|A2
    const t = build(factory, [["A", 0x10000, 0x14000]]);
    t.adjust(0, 0x10000, 0x12000, 0x10);
    t.insert(0x12000, 0x14000, 0x12, 0, 1, "A2");
    t.assertValid();
    expect(ranges(t)).toEqual([[0x10000, 0x12000, 0x10], [0x12000, 0x14000, 0x12]]);
    expect(t.findVma(0x12000)).toBe("A2");
  });
  it("merge: B is erased and A grows over it (vma_expand)", () => {
    // AA|BB → AAAA
    const t = build(factory, [["A", 0x10000, 0x12000], ["B", 0x12000, 0x14000]]);
    t.erase(0x12000, 1);
    t.adjust(0, 0x10000, 0x14000, 0x10);
    t.assertValid();
    expect([ranges(t), t.findVma(0x13000)]).toEqual([[[0x10000, 0x14000, 0x10]], "A"]);
  });
  it("adjust may move a start across a gap as long as the order holds", () => {
    // AA  .  B → AA B
    const t = build(factory, ABC);
    t.adjust(1, 0x12000, 0x15000, 0x12);
    t.assertValid();
    expect([t.findVma(0x12000), t.findVmaPrev(0x12000)]).toEqual(["B", "A"]);
  });
  it.each([
    ["overlaps its successor", 1, 0x14000, 0x15001],
    ["overlaps its predecessor", 1, 0x11fff, 0x15000],
    ["jumps past its successor", 0, 0x19000, 0x1a000],
    ["becomes empty", 2, 0x15000, 0x15000],
    ["names an unknown id", 9, 0x30000, 0x31000],
  ] as const)("adjust that %s throws KernelBug and changes nothing", (_what, id, s, e) => {
    const t = build(factory, ABC);
    const before = ranges(t);
    expect(() => t.adjust(id, s, e, 0)).toThrow(KernelBug);
    t.assertValid();
    expect(ranges(t)).toEqual(before);
  });
  it("vm_flags_reset changes the flags the cursor reports; an unknown key throws KernelBug", () => {
    const t = build(factory, ABC);
    t.vmFlagsReset(0x15000, 2, VM_GROWSDOWN);
    const cur = t.cursor();
    cur.reset(0x15000, 0x15001);
    expect([cur.next(), cur.vmFlags, cur.id]).toEqual(["C", VM_GROWSDOWN, 2]);
    expect(() => t.vmFlagsReset(0x15000, 9, 0)).toThrow(KernelBug);
    expect(() => t.vmFlagsReset(0x14000, 2, 0)).toThrow(KernelBug);
  });
}

function cursorCases(factory: VmaTreeFactory): void {
  it.each(labelled([
    [0, 2 ** 53, ["A", "B", "C"]],
    [0x11000, 0x15000, ["A", "B"]],
    [0x12000, 0x14000, []],
    [0x14fff, 0x15001, ["B", "C"]],
    [0x17fff, 0x20000, ["C"]],
    [0x18000, 0x20000, []],
  ] as const))("a cursor over [start, end) meets: %s", (_label, s, e, want) => {
    expect(names(build(factory, ABC), s, e)).toEqual(want);
  });
  it("one cursor is reusable across ranges and reports every field", () => {
    const t = build(factory, ABC);
    const cur = t.cursor();
    expect(cur.next()).toBeUndefined();
    cur.reset(0x14000, 0x15000);
    expect([cur.next(), cur.vmStart, cur.vmEnd, cur.vmPgoff, cur.vmFlags, cur.id]).toEqual(["B", 0x14000, 0x15000, 0x14, 0, 1]);
    expect(cur.next()).toBeUndefined();
    cur.reset(0, 0x11000);
    expect([cur.next(), cur.next()]).toEqual(["A", undefined]);
  });
  it("adjust during a walk keeps the cursor valid (mprotect_fixup edits the VMA it stands on)", () => {
    const t = build(factory, ABC);
    const cur = t.cursor();
    cur.reset(0, 2 ** 53);
    const seen: string[] = [];
    for (let v = cur.next(); v !== undefined; v = cur.next()) {
      seen.push(v);
      t.adjust(cur.id, cur.vmStart, cur.vmEnd, cur.vmPgoff + 1);
    }
    expect([seen, ranges(t).map((r) => r[2])]).toEqual([["A", "B", "C"], [0x11, 0x15, 0x16]]);
  });
  it("insert or erase invalidates a cursor: next() throws KernelBug until reset()", () => {
    const t = build(factory, ABC);
    const cur = t.cursor();
    cur.reset(0, 2 ** 53);
    cur.next();
    t.insert(0x20000, 0x21000, 0, 0, 7, "D");
    expect(() => cur.next()).toThrow(KernelBug);
    cur.reset(0x20000, 0x21000);
    expect(cur.next()).toBe("D");
    t.erase(0x20000, 7);
    expect(() => cur.next()).toThrow(KernelBug);
  });
}

function scaleCases(factory: VmaTreeFactory, n: number): void {
  it(`${n} shuffled inserts, then erasing every other one, keep every lookup right`, () => {
    const t = factory<number>({});
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = (i * 7919 + 13) % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) t.insert(0x10000 + i * 0x3000, 0x12000 + i * 0x3000, i, 0, i, i);
    t.assertValid();
    for (let i = 0; i < n; i += 2) t.erase(0x10000 + i * 0x3000, i);
    t.assertValid();
    for (let i = 0; i < n; i++) {
      const want = i % 2 === 1 ? i : i + 1 < n ? i + 1 : undefined;
      if (t.findVma(0x10000 + i * 0x3000) !== want) expect(t.findVma(0x10000 + i * 0x3000)).toBe(want);
    }
    expect(t.mapCount).toBe(n >> 1);
  });
}

/**
 * Registers the conformance suite for a VmaTree implementation: unit cases for lookups, insert,
 * erase, adjust, cursors, gap search in both directions (alignment, limits, stack guard gaps) and
 * overlap (NOMMU) mode, then fast-check operation sequences against the sorted-array model and a
 * brute-force oracle, with `assertValid()` after every step.
 * Linux: the checks tools/testing/vma and lib/test_maple_tree.c make of mm/vma.c and the maple tree.
 */
export function vmaTreeConformance(name: string, factory: VmaTreeFactory, opts: VmaTreeConformanceOptions = {}): void {
  describe(`${name}: VMA tree conformance`, () => {
    describe("find_vma, find_vma_prev, find_vma_intersection", () => lookupCases(factory));
    describe("insert", () => insertCases(factory));
    describe("erase and clear", () => eraseCases(factory));
    describe("adjust and vm_flags_reset", () => adjustCases(factory));
    describe("cursor", () => cursorCases(factory));
    describe("scale", () => scaleCases(factory, opts.scaleEntries ?? 3000));
    describe("vm_unmapped_area", () => vmaTreeGapCases(factory));
    describe("overlap (NOMMU) mode", () => vmaTreeOverlapCases(factory));
    describe("properties", () => vmaTreeProperties(factory, opts));
  });
}
