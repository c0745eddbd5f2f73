/**
 * Test support: a seeded PRNG and a differential driver that runs the same random operations on
 * @mmsim/vma-tree and on the conformance kit's sorted-array model at sizes the kit's properties do not reach.
 */
import { expect } from "vitest";
import { KernelBug, PAGE_SIZE, VM_GROWSDOWN } from "@mmsim/mm-types";
import type { VmaTree, VmaTreeOptions } from "@mmsim/mm-types";
import { createSortedArrayVmaTree } from "@mmsim/mm-conformance";
import { createVmaTree } from "@mmsim/vma-tree";

/** A seeded PRNG (mulberry32) returning integers in [0, n). */
export function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** Every entry of a tree as [start, end, pgoff, flags, id, value] rows, via a cursor. */
export function contents<T>(t: VmaTree<T>): (number | T)[][] {
  const rows: (number | T)[][] = [];
  const cur = t.cursor();
  cur.reset(0, 2 ** 53);
  for (let v = cur.next(); v !== undefined; v = cur.next()) rows.push([cur.vmStart, cur.vmEnd, cur.vmPgoff, cur.vmFlags, cur.id, v]);
  return rows;
}

function threw(f: () => void): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (e instanceof KernelBug) return true;
    throw e;
  }
}

/** Options of a differential run. */
export interface DiffOptions {
  readonly seed: number;
  readonly ops: number;
  /** Pages of address space; inserts pick a start below it. */
  readonly space: number;
  readonly tree?: VmaTreeOptions;
  /** assertValid() and a full comparison every this many ops. */
  readonly checkEvery: number;
  /**
   * When set, half of the successful erases are followed at once by an insert of the same range
   * (munmap then mmap in place), with the old id or a new one, new pgoff and flags.
   */
  readonly refill?: boolean;
}

/** Runs random inserts, erases, adjusts, lookups and gap searches on both trees, comparing every answer. */
export function differential(o: DiffOptions): VmaTree<number> {
  const r = rng(o.seed);
  const opts = { stackGuardGap: 4 * PAGE_SIZE, mmapMinAddr: 0, ...o.tree };
  const tree = createVmaTree<number>(opts);
  const model = createSortedArrayVmaTree<number>(opts);
  const live: number[] = [];
  const startOf = new Map<number, number>();
  /** vm_end of each live id (kept only for refill). */
  const ends = new Map<number, number>();
  let nextId = 0;
  let k = 0;
  const same = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `op ${k}: ${what}`).toEqual(want);
  };
  const both = (f: (t: VmaTree<number>) => void): boolean => {
    const modelBug = threw(() => f(model));
    same("rejection", threw(() => f(tree)), modelBug);
    return modelBug;
  };
  /** Puts [s, end of the erased entry) back, under the old id or a new one. */
  const refill = (s: number, id: number) => {
    const end = ends.get(id)!;
    const again = r(2) === 0 ? id : nextId++;
    const pgoff = r(1000);
    const flags = r(3);
    if (!both((t) => t.insert(s, end, pgoff, flags, again, again))) {
      live.push(again);
      startOf.set(again, s);
      ends.set(again, end);
    }
  };
  for (; k < o.ops; k++) {
    const op = r(100);
    if (op < 40) {
      const s = r(o.space) * PAGE_SIZE;
      const e = s + (1 + r(6)) * PAGE_SIZE;
      const id = nextId++;
      const flags = r(5) === 0 ? VM_GROWSDOWN : 0;
      if (!both((t) => t.insert(s, e, s / PAGE_SIZE, flags, id, id))) {
        live.push(id);
        startOf.set(id, s);
        ends.set(id, e);
      }
    } else if (op < 65 && live.length > 0) {
      const i = r(live.length);
      const id = live[i]!;
      live[i] = live[live.length - 1]!;
      live.pop();
      const s = startOf.get(id)! + (r(8) === 0 ? PAGE_SIZE : 0);
      const erased = model.erase(s, id);
      same("erase", tree.erase(s, id), erased);
      if (!erased) live.push(id);
      else if (o.refill === true && r(2) === 0) refill(s, id);
    } else if (op < 75 && live.length > 0) {
      const id = live[r(live.length)]!;
      const cur = model.cursor();
      cur.reset(0, 2 ** 53);
      while (cur.next() !== undefined && cur.id !== id);
      const s = cur.vmStart + (r(5) - 2) * PAGE_SIZE;
      const e = cur.vmEnd + (r(5) - 2) * PAGE_SIZE;
      const pgoff = r(1000);
      if (!both((t) => t.adjust(id, s, e, pgoff))) {
        startOf.set(id, s);
        ends.set(id, e);
      }
    } else if (op < 85) {
      const a = r(o.space + 8) * PAGE_SIZE + r(PAGE_SIZE);
      same(`find ${a}`, [tree.findVma(a), tree.findVmaPrev(a), tree.findVmaIntersection(a, a + 3 * PAGE_SIZE)], [
        model.findVma(a), model.findVmaPrev(a), model.findVmaIntersection(a, a + 3 * PAGE_SIZE),
      ]);
    } else {
      const low = r(o.space) * PAGE_SIZE;
      const info = { flags: 0, length: (1 + r(8)) * PAGE_SIZE, lowLimit: low, highLimit: low + r(o.space) * PAGE_SIZE, alignMask: [0, 0, 0x1000, 0x3000, 0xf000][r(5)]!, alignOffset: r(16) * PAGE_SIZE };
      same(`bottom-up ${JSON.stringify(info)}`, tree.unmappedArea(info), model.unmappedArea(info));
      same(`top-down ${JSON.stringify(info)}`, tree.unmappedAreaTopdown(info), model.unmappedAreaTopdown(info));
    }
    if (k % o.checkEvery === 0) {
      tree.assertValid();
      expect(contents(tree)).toEqual(contents(model));
    }
  }
  tree.assertValid();
  expect(contents(tree)).toEqual(contents(model));
  return tree;
}
