/**
 * Unit cases of overlap (NOMMU) mode: entries ordered by (vmStart, id) may overlap, lookups follow key
 * order, and gap search answers -ENOSYS.
 */
import { expect, it } from "vitest";
import { ENOSYS, KernelBug } from "@mmsim/mm-types";
import type { VmaTree, VmaTreeFactory } from "@mmsim/mm-types";
import { area, labelled, names } from "./vma-tree-worlds.js";

// 0x10000                      0x100000        0x200000   0x300000
// |AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|               |DDDDDDDDDD|     A: id 1
//    |CCCC|  C: id 0, [0x20000, 0x30000)                         D: id 3
//    |BBBB|  B: id 2, the same range as C, after it (larger id)
function acbd(factory: VmaTreeFactory): VmaTree<string> {
  const t = factory<string>({ overlap: true });
  t.insert(0x10000, 0x100000, 0x10, 0, 1, "A");
  t.insert(0x20000, 0x30000, 0, 0, 2, "B");
  t.insert(0x20000, 0x30000, 0, 0, 0, "C");
  t.insert(0x200000, 0x300000, 0, 0, 3, "D");
  t.assertValid();
  return t;
}

/** Registers the overlap-mode cases. Linux: the 2.6 mm/nommu.c add_vma_to_mm() and find_vma(). */
export function vmaTreeOverlapCases(factory: VmaTreeFactory): void {
  it("overlapping and identical ranges are accepted and ordered by (vm_start, id)", () => {
    const t = acbd(factory);
    expect([t.overlap, t.mapCount, names(t)]).toEqual([true, 4, ["A", "C", "B", "D"]]);
  });
  it.each(labelled([
    [0x25000, "A"], [0x50000, "A"], [0x100000, "D"], [0x300000, undefined],
  ] as const))("find_vma is the first entry in key order ending above addr: addr → vma %s", (_label, addr, want) => {
    expect(acbd(factory).findVma(addr)).toBe(want);
  });
  it.each(labelled([
    [0x25000, undefined], [0x100000, "B"], [0x300000, "D"],
  ] as const))("find_vma_prev: addr → prev %s", (_label, addr, want) => {
    expect(acbd(factory).findVmaPrev(addr)).toBe(want);
  });
  it.each(labelled([
    [0x100000, 0x200000, undefined], [0x100000, 0x200001, "D"], [0x2f000, 0x30000, "A"],
  ] as const))("find_vma_intersection: start, end → vma %s", (_label, s, e, want) => {
    expect(acbd(factory).findVmaIntersection(s, e)).toBe(want);
  });
  it.each(labelled([
    [0x25000, 0x26000, ["A", "C", "B"]],
    [0x40000, 0x50000, ["A"]],
    [0x30000, 0x200001, ["A", "D"]],
    [0x100000, 0x200000, []],
  ] as const))("a cursor skips entries ending before its range: start, end → %s", (_label, s, e, want) => {
    expect(names(acbd(factory), s, e)).toEqual(want);
  });
  it("a duplicate key throws KernelBug; the same range under a new id is accepted", () => {
    const t = acbd(factory);
    expect(() => t.insert(0x20000, 0x30000, 0, 0, 0, "C2")).toThrow(KernelBug);
    t.insert(0x20000, 0x30000, 0, 0, 4, "E");
    t.assertValid();
    expect(names(t)).toEqual(["A", "C", "B", "E", "D"]);
  });
  it("erase removes one of two identical ranges by id", () => {
    const t = acbd(factory);
    expect(t.erase(0x20000, 1)).toBe(false);
    t.erase(0x20000, 0);
    t.assertValid();
    expect(names(t)).toEqual(["A", "B", "D"]);
  });
  it("adjust may create overlaps but not break the key order", () => {
    const t = acbd(factory);
    t.adjust(2, 0x20000, 0x400000, 0);
    t.assertValid();
    expect(t.findVma(0x350000)).toBe("B");
    expect(() => t.adjust(0, 0x20001, 0x30000, 0)).toThrow(KernelBug);
    expect(() => t.adjust(0, 0x10000, 0x30000, 0)).toThrow(KernelBug);
    t.assertValid();
    expect(names(t)).toEqual(["A", "C", "B", "D"]);
  });
  it("gap search is not available: -ENOSYS both ways", () => {
    const t = acbd(factory);
    expect([t.unmappedArea(area(0x1000, 0, 2 ** 47)), t.unmappedAreaTopdown(area(0x1000, 0, 2 ** 47))]).toEqual([-ENOSYS, -ENOSYS]);
  });
}
