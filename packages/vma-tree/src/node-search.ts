/**
 * Searches inside one node. Both are binary searches whose loop trip count depends only on the node's
 * fill and whose step is chosen by arithmetic, not by a branch, so that a lookup does not pay a
 * mispredicted branch per level of bisection (the dominant cost of a B-tree lookup in V8).
 */
import { bug } from "@mmsim/mm-types";

/** The number of leading values <= key in the ascending run arr[b, b + n). */
export function countAtMost(arr: Float64Array, b: number, n: number, key: number): number {
  if (n === 32) {
    // A full node, the common case: five steps in straight-line code, where the JIT checks the array
    // once instead of once per step.
    let p = b;
    p += 16 & -+(arr[p + 15]! <= key);
    p += 8 & -+(arr[p + 7]! <= key);
    p += 4 & -+(arr[p + 3]! <= key);
    p += 2 & -+(arr[p + 1]! <= key);
    p += 1 & -+(arr[p]! <= key);
    return p - b + +(arr[p]! <= key);
  }
  if (n === 0) return 0;
  let base = b;
  let len = n;
  while (len > 1) {
    const half = len >>> 1;
    base += half & -+(arr[base + half - 1]! <= key);
    len -= half;
  }
  return base - b + +(arr[base]! <= key);
}

/**
 * The number of leading values <= key in a leaf's ranked run: arr[b + rank[b + r]] for r in [0, n).
 * A leaf's keys fill four cache lines and each bisection step waits for the one before, so it first
 * reads one key of every line (touchLeaf): those misses overlap, and the steps then hit the cache.
 */
export function countAtMostRanked(arr: Float64Array, rank: Uint8Array, b: number, n: number, key: number): number {
  touchLeaf(arr, b);
  if (n === 32) {
    let p = b;
    p += 16 & -+(arr[b + rank[p + 15]!]! <= key);
    p += 8 & -+(arr[b + rank[p + 7]!]! <= key);
    p += 4 & -+(arr[b + rank[p + 3]!]! <= key);
    p += 2 & -+(arr[b + rank[p + 1]!]! <= key);
    p += 1 & -+(arr[b + rank[p]!]! <= key);
    return p - b + +(arr[b + rank[p]!]! <= key);
  }
  if (n === 0) return 0;
  let base = b;
  let len = n;
  while (len > 1) {
    const half = len >>> 1;
    base += half & -+(arr[b + rank[base + half - 1]!]! <= key);
    len -= half;
  }
  return base - b + +(arr[b + rank[base]!]! <= key);
}

/**
 * Reads one value from each of the four cache lines a leaf's field spans at arr[b, b + 32), all at
 * once, so that their misses overlap and the reads that follow hit the cache. A NaN, which no field
 * holds, throws.
 */
export function touchLeaf(arr: Float64Array, b: number): void {
  if (Number.isNaN(arr[b]! + arr[b + 8]! + arr[b + 16]! + arr[b + 24]!)) bug("NaN in a leaf field");
}

/** An object no leaf slot ever holds (it never leaves this module), for touchLeafValues() to compare with. */
const NEVER = Object.freeze({});

/**
 * touchLeaf() for the values a leaf holds at values[b, b + 32): one read per cache line, so that the
 * value a search then returns is cached by the time the search gets to it.
 */
export function touchLeafValues(values: readonly unknown[], b: number): void {
  if (values[b] === NEVER || values[b + 8] === NEVER || values[b + 16] === NEVER || values[b + 24] === NEVER) {
    bug("a private sentinel in a leaf's values");
  }
}

/**
 * How many of a leaf's 32 physical slots at arr[b, b + 32) hold a value <= key, in slot order: no
 * rank is read and no load waits for another, so the leaf's four cache lines are fetched at once.
 * Free slots must hold +Infinity (LeafPool keeps vm_end so). Sorted leaves only: then the count is
 * also the rank of the first entry above key.
 */
export function countAtMostSlots(arr: Float64Array, b: number, key: number): number {
  let c = 0;
  for (let i = b; i < b + 32; i += 4) {
    c += +(arr[i]! <= key) + +(arr[i + 1]! <= key) + +(arr[i + 2]! <= key) + +(arr[i + 3]! <= key);
  }
  return c;
}
