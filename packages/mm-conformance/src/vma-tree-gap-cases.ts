/**
 * Unit cases of vm_unmapped_area() in both directions: limits, mmap_min_addr, alignment, Linux's
 * worst-case alignment rule, and the stack guard gap below VM_GROWSDOWN VMAs.
 */
import { expect, it } from "vitest";
import { DEFAULT_MMAP_MIN_ADDR, ENOMEM, STACK_GUARD_GAP, VM_GROWSDOWN } from "@mmsim/mm-types";
import type { VmaTreeFactory } from "@mmsim/mm-types";
import { area, build, labelled } from "./vma-tree-worlds.js";
import type { LayoutVma } from "./vma-tree-worlds.js";

const NO_MIN = { mmapMinAddr: 0 };

// 0x10000  0x20000   0x30000  0x40000
// |AAAAAAAA|         |BBBBBBBB|
const AB: readonly LayoutVma[] = [
  ["A", 0x10000, 0x20000],
  ["B", 0x30000, 0x40000],
];

// 0x10000  0x20000                      0x80000  0x90000
// |AAAAAAAA|      ......guard 0x10000....|SSSSSSSS|   S grows down
function withStack(growsdown: boolean): readonly LayoutVma[] {
  return [["A", 0x10000, 0x20000], ["S", 0x80000, 0x90000, growsdown ? VM_GROWSDOWN : 0]];
}

function topdownCases(factory: VmaTreeFactory): void {
  it("top-down in an empty tree returns the top of the window", () => {
    expect(build(factory, [], NO_MIN).unmappedAreaTopdown(area(0x3000, 0x1000, 0x100000))).toBe(0xfd000);
  });
  it.each(labelled([
    [0x10000, 0, 0x50000, 0x40000],
    [0x10000, 0, 0x4ffff, 0x20000],
    [0x10001, 0, 0x50000, -ENOMEM],
    [0x1000, 0, 0x35000, 0x2f000],
    [0x8000, 0x28000, 0x30000, 0x28000],
    [0x8001, 0x28000, 0x30000, -ENOMEM],
  ] as const))("top-down over AB: length, low, high → result %s", (_label, len, low, high, want) => {
    expect(build(factory, AB, NO_MIN).unmappedAreaTopdown(area(len, low, high))).toBe(want);
  });
  it.each(labelled([
    [0x1f000, 0, 0xe0000],
    [0x1f000, 0x5000, 0xe5000],
    [0x1f000, 0x25000, 0xe5000],
    [0x7000, 0x3000, 0xfb000],
  ] as const))("top-down in an empty tree: alignMask, alignOffset → result %s", (_label, mask, off, want) => {
    expect(build(factory, [], NO_MIN).unmappedAreaTopdown(area(0x3000, 0, 0x100000, mask, off))).toBe(want);
  });
  it("a gap must hold length + alignMask even when an aligned fit exists (worst-case alignment)", () => {
    // 0x10000 0x20000            0x40000 0x50000
    // |AAAA|   ..0x20000 free..    |BBBB|
    const t = build(factory, [["A", 0x10000, 0x20000], ["B", 0x40000, 0x50000]], NO_MIN);
    expect(t.unmappedAreaTopdown(area(0x20000, 0, 0x50000))).toBe(0x20000);
    expect(t.unmappedAreaTopdown(area(0x20000, 0, 0x50000, 0x1000))).toBe(-ENOMEM);
    expect(t.unmappedArea(area(0x20000, 0, 0x50000, 0x1000))).toBe(-ENOMEM);
  });
}

function topdownGuardCases(factory: VmaTreeFactory): void {
  const guard = { mmapMinAddr: 0, stackGuardGap: 0x10000 };
  it.each(labelled([
    [true, 0x1000, 0x80000, 0x6f000],
    [false, 0x1000, 0x80000, 0x7f000],
    [true, 0x1000, 0x85000, 0x6f000],
    [true, 0x1000, 0x100000, 0xff000],
    [true, 0x50000, 0x80000, 0x20000],
    [true, 0x50001, 0x80000, -ENOMEM],
  ] as const))("top-down below S: grows down, length, high → result %s", (_label, gd, len, high, want) => {
    expect(build(factory, withStack(gd), guard).unmappedAreaTopdown(area(len, 0, high))).toBe(want);
  });
  it("the guard gaps of two stacks chain: each retry lowers the limit below the next stack's guard", () => {
    // A ..... S2 S1: S2 [0x68000,0x70000) and S1 [0x80000,0x90000) grow down, guard 0x10000
    const t = build(factory, [["A", 0x10000, 0x20000], ["S2", 0x68000, 0x70000, VM_GROWSDOWN], ["S1", 0x80000, 0x90000, VM_GROWSDOWN]], guard);
    expect(t.unmappedAreaTopdown(area(0x1000, 0, 0x80000))).toBe(0x57000);
  });
  it("vm_flags_reset(VM_GROWSDOWN) is seen by the next search", () => {
    const t = build(factory, withStack(false), guard);
    expect(t.unmappedAreaTopdown(area(0x1000, 0, 0x80000))).toBe(0x7f000);
    t.vmFlagsReset(0x80000, 1, VM_GROWSDOWN);
    expect(t.unmappedAreaTopdown(area(0x1000, 0, 0x80000))).toBe(0x6f000);
  });
  it("the default guard is stack_guard_gap (256 pages) and the default floor is mmap_min_addr", () => {
    const t = build(factory, [["stack", 0x7ff000000000, 0x7ff000021000, VM_GROWSDOWN]]);
    expect([t.stackGuardGap, t.mmapMinAddr]).toEqual([STACK_GUARD_GAP, DEFAULT_MMAP_MIN_ADDR]);
    expect(t.unmappedAreaTopdown(area(0x1000, 0x1000, 0x7ff000000000))).toBe(0x7fefffeff000);
    expect(t.unmappedAreaTopdown(area(0x3000, 0x1000, 0x12000))).toBe(-ENOMEM);
    expect(build(factory, [], NO_MIN).unmappedAreaTopdown(area(0x3000, 0x1000, 0x12000))).toBe(0xf000);
  });
  it("a guard gap reaching below address 0 is clipped to 0 (vm_start_gap underflow)", () => {
    const t = build(factory, [["S", 0x80000, 0x90000, VM_GROWSDOWN]], NO_MIN);
    expect(t.unmappedAreaTopdown(area(0x1000, 0, 0x80000))).toBe(-ENOMEM);
  });
}

function bottomUpCases(factory: VmaTreeFactory): void {
  it.each(labelled([
    [0x10000, 0, 0x100000, 0],
    [0x10000, 0x1000, 0x100000, 0x20000],
    [0x10001, 0x1000, 0x100000, 0x40000],
    [0x1000, 0x24000, 0x100000, 0x24000],
    [0x1000, 0x30000, 0x40000, -ENOMEM],
    [0x10000, 0x40000, 0x4ffff, -ENOMEM],
  ] as const))("bottom-up over AB: length, low, high → result %s", (_label, len, low, high, want) => {
    expect(build(factory, AB, NO_MIN).unmappedArea(area(len, low, high))).toBe(want);
  });
  it("bottom-up never goes below mmap_min_addr", () => {
    expect(build(factory, []).unmappedArea(area(0x1000, 0, 0x100000))).toBe(DEFAULT_MMAP_MIN_ADDR);
  });
  it.each(labelled([
    [0x7000, 0, 0x28000],
    [0x7000, 0x3000, 0x23000],
    [0x1f000, 0, 0x40000],
    [0x1f000, 0x2000, 0x22000],
  ] as const))("bottom-up from 0x21000: alignMask, alignOffset → result %s", (_label, mask, off, want) => {
    expect(build(factory, [], NO_MIN).unmappedArea(area(0x1000, 0x21000, 0x100000, mask, off))).toBe(want);
  });
  // 0x10000 0x20000          0x40000 0x50000
  // |AAAA|   ....guard 0x10000|SSSS|    S grows down
  it.each(labelled([
    [0x10000, 0, 0x20000],
    [0x10001, 0, 0x20000],
    [0x11000, 0, 0x50000],
    [0x9000, 0x7000, 0x20000],
    [0xa000, 0x7000, 0x50000],
  ] as const))("bottom-up below a stack (start + length + alignMask - 1 must not pass its guard): length, alignMask → result %s", (_label, len, mask, want) => {
    const t = build(factory, [["A", 0x10000, 0x20000], ["S", 0x40000, 0x50000, VM_GROWSDOWN]], { mmapMinAddr: 0, stackGuardGap: 0x10000 });
    expect(t.unmappedArea(area(len, 0x20000, 0x100000, mask))).toBe(want);
  });
}

function degenerateCases(factory: VmaTreeFactory): void {
  it.each([
    ["zero length and no alignment", area(0, 0, 0x100000)],
    ["an empty window", area(0x1000, 0x50000, 0x50000)],
    ["an inverted window", area(0x1000, 0x60000, 0x50000)],
    ["a window smaller than the length", area(0x3000, 0x50000, 0x52000)],
  ] as const)("%s gives -ENOMEM both ways", (_what, info) => {
    const t = build(factory, [], NO_MIN);
    expect([t.unmappedArea(info), t.unmappedAreaTopdown(info)]).toEqual([-ENOMEM, -ENOMEM]);
  });
  it("searches follow erase and adjust", () => {
    const t = build(factory, AB, NO_MIN);
    expect(t.unmappedArea(area(0x20000, 0x10000, 0x100000))).toBe(0x40000);
    t.erase(0x30000, 1);
    expect(t.unmappedArea(area(0x20000, 0x10000, 0x100000))).toBe(0x20000);
    t.adjust(0, 0x10000, 0x30000, 0x10);
    expect(t.unmappedArea(area(0x20000, 0x10000, 0x100000))).toBe(0x30000);
    expect(t.unmappedAreaTopdown(area(0x20000, 0x10000, 0x50000))).toBe(0x30000);
  });
}

/** Registers the gap-search unit cases. Linux: unmapped_area()/unmapped_area_topdown() in mm/mmap.c. */
export function vmaTreeGapCases(factory: VmaTreeFactory): void {
  topdownCases(factory);
  topdownGuardCases(factory);
  bottomUpCases(factory);
  degenerateCases(factory);
}
