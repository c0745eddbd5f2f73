import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { maskBits } from "@mmsim/vma-tree";

const big = (x: number, mask: number) => Number(BigInt.asUintN(64, BigInt(x)) & BigInt(mask));

describe("maskBits", () => {
  it.each([
    [0x21000, 0x7000, 0x1000],
    [-0x21000, 0x7000, 0x7000],
    [-0x20000, 0x1f000, 0],
    [2 ** 47 - 0x1000, 0x1ff000, 0x1ff000],
    [-(2 ** 47), 2 ** 48 - 1, 2 ** 47],
    [0xffffffff, 0xffffffff, 0xffffffff],
  ])("(%d & %d) as unsigned long is %d", (x, mask, want) => {
    expect(maskBits(x, mask)).toBe(want);
  });
  it("agrees with 64-bit BigInt arithmetic", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), fc.integer({ min: 0, max: 51 }), fc.integer({ min: 0, max: 20 }), (x, hiBit, loBit) => {
        const mask = Math.max(0, 2 ** hiBit - 2 ** Math.min(loBit, hiBit));
        expect(maskBits(x, mask)).toBe(big(x, mask));
      }),
      { numRuns: 2000 },
    );
  });
});
