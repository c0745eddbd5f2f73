import { describe, expectTypeOf, it } from "vitest";
import type { VmUnmappedAreaInfo, VmaCursor, VmaTree, VmaTreeFactory, VmaTreeOptions } from "../src/index.js";

// The VmaTree contract is types only: these checks fail under `tsc --noEmit` when the contract drifts.
describe("VmaTree contract", () => {
  it("returns the caller's VMA objects from lookups and cursors", () => {
    expectTypeOf<VmaTree<{ id: number }>["findVma"]>().returns.toEqualTypeOf<{ id: number } | undefined>();
    expectTypeOf<VmaTree<string>["findVmaIntersection"]>().parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf<VmaCursor<string>["next"]>().returns.toEqualTypeOf<string | undefined>();
  });
  it("names entries by key (vmStart, id), adjusts by id, and answers gap search with a number", () => {
    expectTypeOf<VmaTree<string>["erase"]>().parameters.toEqualTypeOf<[vmStart: number, id: number]>();
    expectTypeOf<VmaTree<string>["vmFlagsReset"]>().parameters.toEqualTypeOf<[vmStart: number, id: number, vmFlags: number]>();
    expectTypeOf<VmaTree<string>["adjust"]>().parameters.toEqualTypeOf<[id: number, vmStart: number, vmEnd: number, vmPgoff: number]>();
    expectTypeOf<VmaTree<string>["unmappedAreaTopdown"]>().parameters.toEqualTypeOf<[info: VmUnmappedAreaInfo]>();
    expectTypeOf<VmaTree<string>["unmappedArea"]>().returns.toEqualTypeOf<number>();
  });
  it("builds trees of any value type from optional options", () => {
    expectTypeOf<ReturnType<VmaTreeFactory>>().toEqualTypeOf<VmaTree<unknown>>();
    expectTypeOf<Parameters<VmaTreeFactory>>().toEqualTypeOf<[opts?: VmaTreeOptions]>();
  });
});
