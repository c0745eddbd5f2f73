import { describe, expect, it } from "vitest";
import { KernelBug, PAGE_SIZE } from "@mmsim/mm-types";
import { VmaBTree } from "@mmsim/vma-tree";

const P = PAGE_SIZE;

describe("VmaBTreeCursor", () => {
  it("in overlap mode walks across leaves, skipping entries that end before the range", () => {
    // one long VMA [0, 1000 pages), then 200 one-page VMAs at every 4th page below 800
    const t = new VmaBTree<number>({ overlap: true });
    t.insert(0, 1000 * P, 0, 0, 1000, 1000);
    for (let i = 0; i < 200; i++) t.insert(i * 4 * P, (i * 4 + 1) * P, 0, 0, i, i);
    t.assertValid();
    expect(t.height).toBeGreaterThanOrEqual(1);
    const cur = t.cursor();
    cur.reset(398 * P, 410 * P);
    const seen: number[] = [];
    for (let v = cur.next(); v !== undefined; v = cur.next()) seen.push(v);
    expect(seen).toEqual([1000, 100, 101, 102]);
  });
  it("is invalidated by clear", () => {
    const t = new VmaBTree<number>();
    t.insert(P, 2 * P, 0, 0, 1, 1);
    const cur = t.cursor();
    cur.reset(0, 3 * P);
    t.clear();
    expect(() => cur.next()).toThrow(KernelBug);
    cur.reset(0, 3 * P);
    expect(cur.next()).toBeUndefined();
  });
});
