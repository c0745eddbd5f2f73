import { describe, expect, it } from "vitest";
import { KernelBug, PAGE_SIZE, VM_MAPPED_COPY, VM_READ, VM_WRITE } from "@mmsim/mm-types";
import type { VmRegionInit, VmRegionStore } from "@mmsim/mm-types";
import { createNommuRegionTree, shrinkNommuRegion, splitNommuRegion } from "@mmsim/vm-region";

const P = PAGE_SIZE;
const FLAGS = VM_READ | VM_WRITE | VM_MAPPED_COPY;

/** Region R: pages 4-7 initialised, slack up to page 10, file offset 20 pages. */
function world(): { store: VmRegionStore; r: ReturnType<VmRegionStore["addNommuRegion"]> } {
  const store = createNommuRegionTree();
  const init: VmRegionInit = { vmFlags: FLAGS, vmStart: 4 * P, vmEnd: 8 * P, vmTop: 10 * P, vmPgoff: 20, vmFile: null };
  return { store, r: store.addNommuRegion(init) };
}

function shape(r: { vmStart: number; vmEnd: number; vmTop: number; vmPgoff: number }): number[] {
  return [r.vmStart / P, r.vmEnd / P, r.vmTop / P, r.vmPgoff];
}

describe("splitNommuRegion", () => {
  it("new_below: the new lower piece ends at addr with no slack, R keeps the top and advances pgoff", () => {
    // RRRRss  at 4..10  split at 6  ->  NN RRss
    const { store, r } = world();
    const lower = splitNommuRegion(store, r, 6 * P, true);
    store.assertValid();
    expect(shape(lower)).toEqual([4, 6, 6, 20]);
    expect(shape(r)).toEqual([6, 8, 10, 22]);
    expect([...store]).toEqual([lower, r]);
    expect(lower.vmFlags).toBe(FLAGS);
  });

  it("above: R ends at addr (vm_end = vm_top = addr), the new upper piece keeps the top", () => {
    // RRRRss  split at 5  ->  R NNNss
    const { store, r } = world();
    const upper = splitNommuRegion(store, r, 5 * P, false);
    store.assertValid();
    expect(shape(r)).toEqual([4, 5, 5, 20]);
    expect(shape(upper)).toEqual([5, 8, 10, 21]);
    expect(store.findRegion(9 * P)).toBe(upper);
  });

  it.each([
    ["at vm_start", 4 * P],
    ["at vm_end", 8 * P],
    ["in the slack", 9 * P],
    ["off a page boundary", 5 * P + 8],
  ])("refuses to split %s", (_what, addr) => {
    const { store, r } = world();
    expect(() => splitNommuRegion(store, r, addr, true)).toThrow(KernelBug);
    expect(store.nrRegions).toBe(1);
    expect(shape(r)).toEqual([4, 8, 10, 20]);
  });
});

describe("shrinkNommuRegion", () => {
  it("tail: the region ends at from and [from, old vm_top) is freed, slack included", () => {
    const { store, r } = world();
    expect(shrinkNommuRegion(store, r, 6 * P, 8 * P)).toEqual({ start: 6 * P, end: 10 * P });
    store.assertValid();
    expect(shape(r)).toEqual([4, 6, 6, 20]);
  });

  it("head: the region starts at to, [from, to) is freed and vm_pgoff stays (as in the kernel)", () => {
    const { store, r } = world();
    expect(shrinkNommuRegion(store, r, 4 * P, 6 * P)).toEqual({ start: 4 * P, end: 6 * P });
    store.assertValid();
    expect(shape(r)).toEqual([6, 8, 10, 20]);
    expect(store.findRegion(5 * P)).toBeNull();
  });

  it("refuses a region with more than one user", () => {
    const { store, r } = world();
    store.getNommuRegion(r);
    expect(() => shrinkNommuRegion(store, r, 6 * P, 8 * P)).toThrow(KernelBug);
    expect(shape(r)).toEqual([4, 8, 10, 20]);
  });

  it.each([
    ["from below the region", 3 * P, 5 * P],
    ["a head trim to the end", 4 * P, 8 * P],
    ["an unaligned tail", 6 * P + 8, 8 * P],
  ])("refuses %s", (_what, from, to) => {
    const { store, r } = world();
    expect(() => shrinkNommuRegion(store, r, from, to)).toThrow(KernelBug);
    expect(shape(r)).toEqual([4, 8, 10, 20]);
    store.assertValid();
  });
});
