import { describe, expect, it } from "vitest";
import { PAGE_SIZE, VM_MAPPED_COPY, VM_MAYSHARE, VM_READ } from "@mmsim/mm-types";
import type { RegionShape } from "@mmsim/vm-region";
import { describeRegion, mustBePageAligned, regionPages, regionShapeError } from "@mmsim/vm-region";

const P = PAGE_SIZE;
const copy: RegionShape = {
  vmFlags: VM_READ | VM_MAPPED_COPY,
  vmStart: 4 * P,
  vmEnd: 6 * P,
  vmTop: 8 * P,
  vmPgoff: 0,
  vmUsage: 1,
};
const direct: RegionShape = {
  vmFlags: VM_READ | VM_MAYSHARE,
  vmStart: 4 * P + 16,
  vmEnd: 6 * P + 16,
  vmTop: 6 * P + 16,
  vmPgoff: 3,
  vmUsage: 2,
};

describe("regionShapeError", () => {
  it.each<[string, RegionShape, RegExp | null]>([
    ["a copy with slack", copy, null],
    ["a direct mapping off page boundaries", direct, null],
    ["vm_end == vm_start", { ...copy, vmEnd: copy.vmStart }, /vm_end <= vm_start/],
    ["vm_top < vm_end", { ...copy, vmTop: 5 * P }, /vm_top < vm_end/],
    ["vm_usage 0", { ...copy, vmUsage: 0 }, /vm_usage < 1/],
    ["an unaligned copy start", { ...copy, vmStart: 4 * P + 16 }, /not page aligned/],
    ["an unaligned copy top", { ...copy, vmTop: 8 * P - 1 }, /not page aligned/],
    ["a negative start", { ...direct, vmStart: -16 }, /non-negative safe integers/],
    ["an end beyond 2^53", { ...direct, vmEnd: 2 ** 54 }, /non-negative safe integers/],
    ["a fractional pgoff", { ...direct, vmPgoff: 0.5 }, /vm_pgoff/],
    ["negative flags", { ...direct, vmFlags: -1 }, /vm_flags/],
  ])("%s", (_what, shape, want) => {
    const why = regionShapeError(shape);
    if (want === null) expect(why).toBeNull();
    else expect(why).toMatch(want);
  });
});

describe("region helpers", () => {
  it("only VM_MAPPED_COPY regions must be page aligned", () => {
    expect(mustBePageAligned(copy)).toBe(true);
    expect(mustBePageAligned(direct)).toBe(false);
  });

  it.each([
    [P, 1],
    [P + 1, 2],
    [2 * P - 1, 2],
    [16, 1],
  ])("a region of %i bytes maps %i pages", (bytes, pages) => {
    expect(regionPages({ vmStart: 0x10010, vmEnd: 0x10010 + bytes })).toBe(pages);
  });

  it("describes a region for bug messages", () => {
    expect(describeRegion({ ...direct, vmFile: { path: "/dev/mtd0", devMajor: 31, devMinor: 0, ino: 9 } })).toBe(
      "region 0x4010-0x6010 (top 0x6010, pgoff 0x3, flags 0x81, usage 2, /dev/mtd0)",
    );
  });
});
