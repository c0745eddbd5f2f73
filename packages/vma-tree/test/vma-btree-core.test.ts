import { describe, expect, it } from "vitest";
import { PAGE_SIZE } from "@mmsim/mm-types";
import { VmaBTree } from "@mmsim/vma-tree";
import { contents, rng } from "./support.js";

const P = PAGE_SIZE;

describe("deep trees", () => {
  function ascending(n: number): VmaBTree<number> {
    const t = new VmaBTree<number>();
    for (let i = 0; i < n; i++) t.insert(0x10000 + i * 2 * P, 0x10000 + (i * 2 + 1) * P, i, 0, i, i);
    return t;
  }
  it("100k ascending inserts pack leaves and internal nodes full, reach height 3 and find every entry", () => {
    const n = 100_000;
    const t = ascending(n);
    t.assertValid();
    expect(t.height).toBeGreaterThanOrEqual(3);
    expect(t.leaves.live).toBeLessThanOrEqual(Math.ceil(n / 32) + 1);
    expect(t.internals.live).toBeLessThanOrEqual(Math.ceil(n / 32 / 32) + Math.ceil(n / 32 / 32 / 32) + 2);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      if (t.findVma(0x10000 + i * 2 * P - 1) !== i || t.findVmaPrev(0x10000 + i * 2 * P) !== (i === 0 ? undefined : i - 1)) wrong++;
    }
    expect(wrong).toBe(0);
  });
  it("100k descending inserts (top-down mmap order) pack leaves and internal nodes too", () => {
    const n = 100_000;
    const t = new VmaBTree<number>();
    for (let i = n - 1; i >= 0; i--) t.insert(0x10000 + i * 2 * P, 0x10000 + (i * 2 + 1) * P, i, 0, i, i);
    t.assertValid();
    expect(t.leaves.live).toBeLessThanOrEqual(Math.ceil(n / 32) + 1);
    expect(t.internals.live).toBeLessThanOrEqual(Math.ceil(n / 32 / 32) + Math.ceil(n / 32 / 32 / 32) + 6);
    expect(contents(t).map((row) => row[4])).toEqual(Array.from({ length: n }, (_, i) => i));
  });
  it("erasing 100k entries in random order shrinks the tree back to an empty root leaf", () => {
    const n = 100_000;
    const t = ascending(n);
    const r = rng(7);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = r(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let erased = 0;
    for (let k = 0; k < n; k++) {
      if (t.erase(0x10000 + order[k]! * 2 * P, order[k]!)) erased++;
      if (k % 20000 === 0) t.assertValid();
    }
    expect(erased).toBe(n);
    t.assertValid();
    expect([t.mapCount, t.height, t.leaves.live, t.internals.live]).toEqual([0, 0, 1, 0]);
  });
  it("a cursor walks every leaf of a deep tree in order and stops at its range end", () => {
    const t = ascending(50_000);
    const cur = t.cursor();
    cur.reset(0x10000 + 1000 * 2 * P, 0x10000 + 41000 * 2 * P);
    let n = 0;
    let last = 999;
    for (let v = cur.next(); v !== undefined; v = cur.next()) {
      if (v !== last + 1) break;
      last = v;
      n++;
    }
    expect([n, last]).toEqual([40000, 40999]);
  });
  it("erase then insert of the same keys (churn) keeps the tree valid and unchanged in shape", () => {
    const t = ascending(20_000);
    const leaves = t.leaves.live;
    const r = rng(11);
    for (let k = 0; k < 50_000; k++) {
      const i = r(20_000);
      t.erase(0x10000 + i * 2 * P, i);
      t.insert(0x10000 + i * 2 * P, 0x10000 + (i * 2 + 1) * P, i, 0, i, i);
    }
    t.assertValid();
    expect(t.mapCount).toBe(20_000);
    expect(t.leaves.live).toBeLessThanOrEqual(leaves * 2);
  });
});

