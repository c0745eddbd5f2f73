import { describe, expect, it } from "vitest";
import { InternalPool, LeafPool, SLOTS } from "../src/vma-nodes.js";

describe("node pools", () => {
  it("grow by doubling and keep what they hold", () => {
    const L = new LeafPool<string>(2);
    const nodes = Array.from({ length: 9 }, () => L.alloc());
    nodes.forEach((n) => {
      L.vmStart[n * SLOTS] = n * 10;
      L.value[n * SLOTS] = `v${n}`;
    });
    L.alloc();
    expect(L.capacity).toBe(16);
    expect(nodes.map((n) => [L.vmStart[n * SLOTS], L.value[n * SLOTS], L.next[n], L.prev[n]])).toEqual(
      nodes.map((n) => [n * 10, `v${n}`, -1, -1]),
    );
  });
  it("reuse released nodes last-in first-out and count live ones", () => {
    const I = new InternalPool(4);
    const [a, b, c] = [I.alloc(), I.alloc(), I.alloc()];
    I.count[b] = 5;
    I.release(b);
    I.release(a);
    expect([I.live, I.alloc(), I.alloc(), I.count[b], I.live, c]).toEqual([1, a, b, 0, 3, 2]);
  });
  it("open and close ranks without moving entries, keeping a permutation of physical slots", () => {
    const L = new LeafPool<string>(2);
    const leaf = L.alloc();
    for (const [r, v] of [[0, "b"], [0, "a"], [2, "d"], [2, "c"]] as const) L.value[L.open(leaf, r)] = v;
    const order = () => Array.from({ length: L.count[leaf]! }, (_, r) => L.value[L.at(leaf * SLOTS + r)]);
    expect(order()).toEqual(["a", "b", "c", "d"]);
    L.close(leaf, 1);
    expect(order()).toEqual(["a", "c", "d"]);
    expect(new Set(L.rank.subarray(leaf * SLOTS, leaf * SLOTS + SLOTS)).size).toBe(SLOTS);
    expect(L.value.filter((v) => v !== undefined)).toHaveLength(3);
  });
  it("append copies ranks in order into another leaf and cut releases them", () => {
    const L = new LeafPool<number>(2);
    const [a, b] = [L.alloc(), L.alloc()];
    for (let r = 0; r < 6; r++) {
      const f = L.open(a, r);
      L.vmStart[f] = r;
      L.value[f] = r;
    }
    L.append(a, 2, 4, b);
    L.cut(a, 2);
    const read = (leaf: number) => Array.from({ length: L.count[leaf]! }, (_, r) => L.vmStart[L.at(leaf * SLOTS + r)]);
    expect([read(a), read(b), L.value.filter((v) => v !== undefined).length]).toEqual([[0, 1], [2, 3, 4, 5], 6]);
  });
});
