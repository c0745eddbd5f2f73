import { describe, expect, it } from "vitest";
import { ENOMEM, PAGE_SIZE, VM_GROWSDOWN } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo } from "@mmsim/mm-types";
import { VmaBTree } from "@mmsim/vma-tree";
import { rng } from "./support.js";

const P = PAGE_SIZE;
const GUARD = 8 * P;

/** A sorted layout in flat arrays, and Linux's two searches as plain scans over its gaps. */
class Scan {
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly flags: number[] = [];

  private startGap(i: number): number {
    return (this.flags[i]! & VM_GROWSDOWN) !== 0 ? Math.max(0, this.start[i]! - GUARD) : this.start[i]!;
  }

  private gapStart(i: number): number {
    return i === 0 ? 0 : this.end[i - 1]!;
  }

  private gapEnd(i: number): number {
    return i === this.start.length ? Infinity : this.start[i]!;
  }

  bottomUp(info: VmUnmappedAreaInfo): number {
    const size = info.length + info.alignMask;
    let low = info.lowLimit;
    for (let i = 0; i <= this.start.length; i++) {
      const base = Math.max(this.gapStart(i), low);
      if (Math.min(this.gapEnd(i), info.highLimit) - base < size) continue;
      const addr = base + Number(BigInt.asUintN(64, BigInt(info.alignOffset - base)) & BigInt(info.alignMask));
      if (i < this.start.length && this.startGap(i) < addr + size - 1 && (this.flags[i]! & VM_GROWSDOWN) !== 0) {
        low = this.end[i]!;
        continue;
      }
      return addr;
    }
    return -ENOMEM;
  }

  topDown(info: VmUnmappedAreaInfo): number {
    const size = info.length + info.alignMask;
    let high = info.highLimit;
    for (let i = this.start.length; i >= 0; i--) {
      const end = Math.min(this.gapEnd(i), high);
      if (end - Math.max(this.gapStart(i), info.lowLimit) < size) continue;
      if (i < this.start.length && (this.flags[i]! & VM_GROWSDOWN) !== 0 && this.startGap(i) < end) {
        high = this.startGap(i);
        i++;
        continue;
      }
      const top = end - info.length;
      return top - Number(BigInt.asUintN(64, BigInt(top - info.alignOffset)) & BigInt(info.alignMask));
    }
    return -ENOMEM;
  }
}

function randomLayout(n: number, seed: number): [VmaBTree<number>, Scan] {
  const r = rng(seed);
  const t = new VmaBTree<number>({ stackGuardGap: GUARD, mmapMinAddr: 0 });
  const s = new Scan();
  let page = 0;
  for (let i = 0; i < n; i++) {
    page += r(4) === 0 ? r(24) : r(2);
    const len = 1 + r(4);
    const flags = r(50) === 0 ? VM_GROWSDOWN : 0;
    t.insert(page * P, (page + len) * P, page, flags, i, i);
    s.start.push(page * P);
    s.end.push((page + len) * P);
    s.flags.push(flags);
    page += len;
  }
  return [t, s];
}

describe("gap search over 100k VMAs", () => {
  const [tree, scan] = randomLayout(100_000, 42);
  const top = scan.end[scan.end.length - 1]!;
  const r = rng(43);
  const infos = Array.from({ length: 400 }, () => {
    const low = r(top / P) * P;
    return {
      flags: 0,
      length: (1 + r(r(3) === 0 ? 40 : 12)) * P,
      lowLimit: low,
      highLimit: low + r(top / P) * P + P,
      alignMask: [0, 0, P, 3 * P, 15 * P, 511 * P][r(6)]!,
      alignOffset: r(64) * P,
    };
  });
  it("is valid and deep", () => {
    tree.assertValid();
    expect(tree.height).toBeGreaterThanOrEqual(3);
  });
  it("bottom-up matches a scan of every gap", () => {
    const got = infos.map((i) => tree.unmappedArea(i));
    expect(got).toEqual(infos.map((i) => scan.bottomUp(i)));
    expect(got.filter((a) => a >= 0).length).toBeGreaterThan(300);
  });
  it("top-down matches a scan of every gap", () => {
    const got = infos.map((i) => tree.unmappedAreaTopdown(i));
    expect(got).toEqual(infos.map((i) => scan.topDown(i)));
    expect(got.filter((a) => a >= 0).length).toBeGreaterThan(300);
  });
  it("a request larger than every gap fails fast with -ENOMEM both ways", () => {
    const info = { flags: 0, length: 30 * P, lowLimit: 0, highLimit: top, alignMask: 0, alignOffset: 0 };
    expect([tree.unmappedArea(info), tree.unmappedAreaTopdown(info)]).toEqual([-ENOMEM, -ENOMEM]);
  });
});

describe("the cached largest gap after a change at a leaf's end", () => {
  // A search below the last entry reads (and so refreshes) the cached gap; assertValid() recounts it.
  const search = (tree: VmaBTree<number>, length: number, high: number): number =>
    tree.unmappedAreaTopdown({ flags: 0, length, lowLimit: 0, highLimit: high, alignMask: 0, alignOffset: 0 });

  /** One-page entries at pages `pages`, ids in order. */
  function layout(pages: number[]): VmaBTree<number> {
    const tree = new VmaBTree<number>({ mmapMinAddr: 0 });
    pages.forEach((p, id) => tree.insert(p * P, (p + 1) * P, p, 0, id, id));
    return tree;
  }

  it("drops a hole erased with the first or last entry of the root leaf, and adds one inserted there", () => {
    // the widest inner hole (pages 2..20) lies beside the first entry
    const tree = layout([1, 20, 21, 22, 30]);
    expect(search(tree, 18 * P, 20 * P)).toBe(2 * P);
    tree.erase(1 * P, 0);
    tree.assertValid();
    expect(search(tree, 7 * P, 30 * P)).toBe(23 * P);
    // the widest is now pages 23..30, beside the last entry
    tree.erase(30 * P, 4);
    tree.assertValid();
    expect(search(tree, 2 * P, 20 * P)).toBe(18 * P);
    tree.insert(40 * P, 41 * P, 40, 0, 9, 9);
    tree.assertValid();
    expect(search(tree, 17 * P, 40 * P)).toBe(23 * P);
    tree.insert(2 * P, 3 * P, 2, 0, 10, 10);
    tree.assertValid();
    expect(search(tree, 17 * P, 20 * P)).toBe(3 * P);
  });

  it("does the same for a leaf under an internal node", () => {
    const pages: number[] = [1];
    for (let i = 1; i < 200; i++) pages.push(100 + 2 * i);
    const tree = layout(pages);
    expect(tree.height).toBeGreaterThanOrEqual(1);
    expect(search(tree, 90 * P, 100 * P)).toBe(10 * P);
    tree.erase(1 * P, 0);
    tree.assertValid();
    expect(search(tree, 90 * P, 100 * P)).toBe(10 * P);
    // the inner holes are single pages now: two pages fit only below the first entry
    expect(search(tree, 2 * P, 300 * P)).toBe(100 * P);
  });
});
