/**
 * Searches inside one node. Both are binary searches whose loop trip count depends only on the node's
 * fill and whose step is chosen by arithmetic, not by a branch, so that a lookup does not pay a
 * mispredicted branch per level of bisection (the dominant cost of a B-tree lookup in V8).
 */

/** The number of leading values <= key in the ascending run arr[b, b + n). */
export function countAtMost(arr: Float64Array, b: number, n: number, key: number): number {
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

/** The number of leading values <= key in a leaf's ranked run: arr[b + rank[b + r]] for r in [0, n). */
export function countAtMostRanked(arr: Float64Array, rank: Uint8Array, b: number, n: number, key: number): number {
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
