import { describe, expect, it } from "vitest";
import { ENOSYS, VM_GROWSDOWN, VM_READ } from "@mmsim/mm-types";
import { VM_UNMAPPED_AREA_TOPDOWN, createVmaTree, vmEndGap, vmStartGap, vmUnmappedArea } from "@mmsim/vma-tree";

describe("vm_start_gap / vm_end_gap", () => {
  it.each([
    [0x80000, VM_GROWSDOWN, 0x10000, 0x70000],
    [0x80000, VM_READ, 0x10000, 0x80000],
    [0x8000, VM_GROWSDOWN, 0x10000, 0],
    [0x10000, VM_GROWSDOWN, 0x10000, 0],
  ])("vm_start_gap(%d, flags %d, guard %d) is %d", (start, flags, guard, want) => {
    expect(vmStartGap(start, flags, guard)).toBe(want);
  });
  it("vm_end_gap is vm_end on x86-64 (no VM_GROWSUP)", () => {
    expect(vmEndGap(0x90000)).toBe(0x90000);
  });
});

describe("vm_unmapped_area", () => {
  // 0x10000 0x20000   0x30000 0x40000
  // |AAAA|      ..      |BBBB|
  function ab() {
    const t = createVmaTree<string>({ mmapMinAddr: 0 });
    t.insert(0x10000, 0x20000, 0x10, 0, 1, "A");
    t.insert(0x30000, 0x40000, 0x30, 0, 2, "B");
    return t;
  }
  it("dispatches on VM_UNMAPPED_AREA_TOPDOWN", () => {
    const info = { flags: 0, length: 0x1000, lowLimit: 0x11000, highLimit: 0x50000, alignMask: 0, alignOffset: 0 };
    expect(vmUnmappedArea(ab(), info)).toBe(0x20000);
    expect(vmUnmappedArea(ab(), { ...info, flags: VM_UNMAPPED_AREA_TOPDOWN })).toBe(0x4f000);
  });
  it("answers -ENOSYS in overlap mode", () => {
    const t = createVmaTree<string>({ overlap: true });
    expect(vmUnmappedArea(t, { flags: 1, length: 0x1000, lowLimit: 0, highLimit: 2 ** 47, alignMask: 0, alignOffset: 0 })).toBe(-ENOSYS);
  });
});
