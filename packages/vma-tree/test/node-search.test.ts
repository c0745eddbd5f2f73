import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { countAtMost, countAtMostRanked, countAtMostSlots } from "../src/node-search.js";

describe("node searches", () => {
  it.each([
    [[], 5, 0],
    [[10], 9, 0],
    [[10], 10, 1],
    [[10, 20, 30], 25, 2],
    [[10, 20, 30], 30, 3],
    [[10, 20, 20, 30], 20, 3],
  ])("countAtMost(%j, %d) is %d", (values, key, want) => {
    const arr = new Float64Array([-1, ...values, -1]);
    expect(countAtMost(arr, 1, values.length, key)).toBe(want);
  });
  it("agree with a linear count, directly and through a rank permutation", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 32 }), fc.integer({ min: -1, max: 101 }), fc.nat(), (raw, key, seed) => {
        const sorted = [...raw].sort((a, b) => a - b);
        const want = sorted.filter((v) => v <= key).length;
        const base = 32;
        const arr = new Float64Array(96).fill(-1);
        const rank = new Uint8Array(96);
        const phys = Array.from({ length: 32 }, (_, i) => i).sort((a, b) => ((a * 7 + seed) % 32) - ((b * 7 + seed) % 32));
        sorted.forEach((v, r) => {
          arr[base + r] = v;
        });
        expect(countAtMost(arr, base, sorted.length, key)).toBe(want);
        arr.fill(-1);
        sorted.forEach((v, r) => {
          rank[base + r] = phys[r]!;
          arr[base + phys[r]!] = v;
        });
        expect(countAtMostRanked(arr, rank, base, sorted.length, key)).toBe(want);
      }),
      { numRuns: 500 },
    );
  });

  it("countAtMostSlots counts a leaf's live values <= key in any physical order, free slots holding +Infinity", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { maxLength: 32 }), fc.integer({ min: -1, max: 1001 }), fc.nat(), (vals, key, seed) => {
        const arr = new Float64Array(96).fill(Infinity);
        const phys = Array.from({ length: 32 }, (_, i) => i).sort((a, b) => ((a * 13 + seed) % 32) - ((b * 13 + seed) % 32));
        vals.forEach((v, i) => (arr[32 + phys[i]!] = v));
        arr[31] = -5; // a neighbour leaf's slot: never read
        expect(countAtMostSlots(arr, 32, key)).toBe(vals.filter((v) => v <= key).length);
      }),
      { numRuns: 500 },
    );
  });
});
