/**
 * jhash2 against the published lookup3 values (Bob Jenkins' lookup3.c driver): hashlittle() of a
 * string whose length is not a multiple of 4 equals jhash2() of its zero-padded words with the
 * length difference taken off initval, since both add the length in bytes to the same state.
 */
import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "@mmsim/mm-types";
import { JHASH_INITVAL, futexHash, futexHashsize, jhash2 } from "../src/index.js";

function words(text: string): number[] {
  const b = Buffer.alloc(Math.ceil(text.length / 4) * 4);
  b.write(text, "latin1");
  return Array.from({ length: b.length / 4 }, (_, i) => b.readUInt32LE(i * 4));
}

describe("jhash2", () => {
  it.each([
    [0, 0xdeadbeef],
    [0xdeadbeef, 0xbd5b7dde],
  ])("of no words with initval %i is lookup3's hashlittle(\"\", 0, initval)", (initval, want) => {
    expect(jhash2([], 0, initval)).toBe(want);
    expect(JHASH_INITVAL).toBe(0xdeadbeef);
  });

  it.each([
    [0, 0x17770551],
    [1, 0xcd628161],
  ])("of \"Four score and seven years ago\" with initval %i is lookup3's value", (initval, want) => {
    const w = words("Four score and seven years ago"); // 30 bytes, 8 words
    expect(jhash2(w, 8, (initval - 2) >>> 0)).toBe(want);
  });

  it("hashes only `length` words, every one of them", () => {
    const w = [1, 2, 3, 4, 5, 6, 7];
    const seen = new Set<number>();
    for (let n = 0; n <= 7; n++) seen.add(jhash2(w, n, 0));
    expect(seen.size).toBe(8);
    expect(jhash2([...w, 99], 7, 0)).toBe(jhash2(w, 7, 0));
    for (let i = 0; i < 7; i++) {
      const v = [...w];
      v[i] = v[i]! ^ 1;
      expect(jhash2(v, 7, 0)).not.toBe(jhash2(w, 7, 0));
    }
  });
});

describe("futexHash", () => {
  it("uses all of both 64-bit key words and the offset, and stays in the table", () => {
    const base = { word0: 1, word1: 0x7f0000001000, offset: 8 };
    const h = futexHash(base, 1 << 20);
    expect(futexHash({ ...base, word0: 1 + 2 ** 32 }, 1 << 20)).not.toBe(h);
    expect(futexHash({ ...base, word1: base.word1 + 2 ** 40 }, 1 << 20)).not.toBe(h);
    expect(futexHash({ ...base, offset: 12 }, 1 << 20)).not.toBe(h);
    const used = new Set<number>();
    for (let a = 0; a < 64 * PAGE_SIZE; a += 4) used.add(futexHash({ word0: 3, word1: a - (a % PAGE_SIZE), offset: a % PAGE_SIZE }, 256));
    expect(Math.min(...used)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...used)).toBeLessThan(256);
    expect(used.size).toBe(256); // 65536 words fill every bucket
  });

  it.each([
    [1, false, 256],
    [2, false, 512],
    [3, false, 1024],
    [64, false, 16384],
    [8, true, 16],
  ])("the table for %i CPUs (BASE_SMALL %s) has %i buckets", (cpus, small, size) => {
    expect(futexHashsize(cpus, small)).toBe(size);
  });
});
