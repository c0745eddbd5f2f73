/**
 * Gap search on the VMA B+tree: in each node, bisect to the slots that meet the window, then descend
 * only into subtrees whose address span and cached max gap can hold the request, so that a search
 * costs O(log n) (plus a one-time recount of gaps that changes marked stale); then apply Linux's
 * alignment and stack-guard retry rules. Linux: unmapped_area() and unmapped_area_topdown() in
 * mm/mmap.c (6.x), over mas_empty_area() and mas_empty_area_rev() in lib/maple_tree.c.
 */
import { ENOMEM, ENOSYS, VM_GROWSDOWN } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo } from "@mmsim/mm-types";
import { maskBits } from "./align.js";
import { countAtMost, countAtMostRanked } from "./node-search.js";
import { SLOTS as NODE_SLOTS } from "./vma-nodes.js";
import { vmStartGap } from "./stack-guard.js";
import type { VmaBTreeCore } from "./vma-btree-core.js";

/** SLOTS as a module constant: the JIT folds it, where an imported binding is re-read through its cell at every use. */
const SLOTS = NODE_SLOTS;

/** Global slot of the entry just above the last gap found, or -1 when the gap runs to the top. */
let gapNext = -1;

/** Highest gap end (clipped to high) among the inner gaps of a leaf that leave `size` bytes above low. */
function highestInLeaf<T>(t: VmaBTreeCore<T>, leaf: number, low: number, high: number, size: number): number {
  const L = t.leafPool;
  const b = leaf * SLOTS;
  const n = L.count[leaf]!;
  const below = countAtMostRanked(L.vmStart, L.rank, b, n, Math.ceil(high) - 1);
  for (let i = b + Math.min(n - 1, below); i > b; i--) {
    const end = Math.min(L.vmStart[L.at(i)]!, high);
    if (end - low < size) return -1;
    if (end - Math.max(L.vmEnd[L.at(i - 1)]!, low) >= size) {
      gapNext = i;
      return end;
    }
  }
  return -1;
}

/** Highest fitting gap end under `node` (level 0 = leaf), or -1. */
function highestIn<T>(t: VmaBTreeCore<T>, node: number, level: number, low: number, high: number, size: number): number {
  if (level === 0) return node === t.root && t.rootLeafGap() < size ? -1 : highestInLeaf(t, node, low, high, size);
  const I = t.internalPool;
  const b = node * SLOTS;
  const n = I.count[node]!;
  const below = countAtMost(I.minStart, b, n, Math.ceil(high) - 1);
  for (let c = b + Math.min(n - 1, below); c >= b; c--) {
    const cs = I.minStart[c]!;
    const ce = I.maxEnd[c]!;
    if (ce - low < size) return -1;
    if (Math.min(ce, high) - Math.max(cs, low) >= size && t.slotGap(c, level) >= size) {
      const r = highestIn(t, I.child[c]!, level - 1, low, high, size);
      if (r >= 0) return r;
    }
    if (c > b) {
      const end = Math.min(cs, high);
      if (end - Math.max(I.maxEnd[c - 1]!, low) >= size) {
        gapNext = t.firstSlotUnder(I.child[c]!, level - 1);
        return end;
      }
    }
  }
  return -1;
}

/** The end (clipped to high) of the highest gap leaving `size` bytes inside [low, high), or -1. Linux: mas_empty_area_rev(). */
function highestGap<T>(t: VmaBTreeCore<T>, low: number, high: number, size: number): number {
  gapNext = -1;
  if (high - low < size) return -1;
  const last = t.lastSlot();
  if (last < 0 || high - Math.max(t.leafPool.vmEnd[t.leafPool.at(last)]!, low) >= size) return high;
  const r = highestIn(t, t.root, t.height, low, high, size);
  if (r >= 0) return r;
  const first = t.firstSlotUnder(t.root, t.height);
  const end = Math.min(t.leafPool.vmStart[t.leafPool.at(first)]!, high);
  if (end - low < size) return -1;
  gapNext = first;
  return end;
}

/** Lowest gap start (clipped to low) among the inner gaps of a leaf that leave `size` bytes below high. */
function lowestInLeaf<T>(t: VmaBTreeCore<T>, leaf: number, low: number, high: number, size: number): number {
  const L = t.leafPool;
  const b = leaf * SLOTS;
  const n = L.count[leaf]!;
  const e = b + n;
  for (let i = b + Math.max(1, countAtMostRanked(L.vmEnd, L.rank, b, n, low)); i < e; i++) {
    const start = Math.max(L.vmEnd[L.at(i - 1)]!, low);
    if (high - start < size) return -1;
    if (Math.min(L.vmStart[L.at(i)]!, high) - start >= size) {
      gapNext = i;
      return start;
    }
  }
  return -1;
}

/** Lowest fitting gap start under `node` (level 0 = leaf), or -1. */
function lowestIn<T>(t: VmaBTreeCore<T>, node: number, level: number, low: number, high: number, size: number): number {
  if (level === 0) return lowestInLeaf(t, node, low, high, size);
  const I = t.internalPool;
  const b = node * SLOTS;
  const n = I.count[node]!;
  const e = b + n;
  for (let c = b + countAtMost(I.maxEnd, b, n, low); c < e; c++) {
    const cs = I.minStart[c]!;
    if (c > b) {
      const start = Math.max(I.maxEnd[c - 1]!, low);
      if (high - start < size) return -1;
      if (Math.min(cs, high) - start >= size) {
        gapNext = t.firstSlotUnder(I.child[c]!, level - 1);
        return start;
      }
    }
    if (high - Math.max(cs, low) < size) return -1;
    if (Math.min(I.maxEnd[c]!, high) - Math.max(cs, low) >= size && t.slotGap(c, level) >= size) {
      const r = lowestIn(t, I.child[c]!, level - 1, low, high, size);
      if (r >= 0) return r;
    }
  }
  return -1;
}

/** The start (clipped to low) of the lowest gap leaving `size` bytes inside [low, high), or -1. Linux: mas_empty_area(). */
function lowestGap<T>(t: VmaBTreeCore<T>, low: number, high: number, size: number): number {
  gapNext = -1;
  if (high - low < size) return -1;
  if (t.count === 0) return low;
  const first = t.firstSlotUnder(t.root, t.height);
  if (Math.min(t.leafPool.vmStart[t.leafPool.at(first)]!, high) - low >= size) {
    gapNext = first;
    return low;
  }
  const r = lowestIn(t, t.root, t.height, low, high, size);
  if (r >= 0) return r;
  gapNext = -1;
  const start = Math.max(t.leafPool.vmEnd[t.leafPool.at(t.lastSlot())]!, low);
  return high - start >= size ? start : -1;
}

/** True when the entry above the gap grows down and its guard gap begins below `limit`. */
function guardBelow<T>(t: VmaBTreeCore<T> & { readonly stackGuardGap: number }, limit: number): boolean {
  if (gapNext < 0 || (t.leafPool.flagsOf(t.leafPool.at(gapNext)) & VM_GROWSDOWN) === 0) return false;
  return vmStartGap(t.leafPool.vmStart[t.leafPool.at(gapNext)]!, VM_GROWSDOWN, t.stackGuardGap) < limit;
}

/** The tree fields gap search reads. */
type SearchTree<T> = VmaBTreeCore<T> & { readonly stackGuardGap: number; readonly mmapMinAddr: number };

/** Bottom-up vm_unmapped_area(). Linux: unmapped_area() in mm/mmap.c. */
export function unmappedArea<T>(t: SearchTree<T>, info: VmUnmappedAreaInfo): number {
  if (t.overlap) return -ENOSYS;
  const size = info.length + info.alignMask;
  if (size <= 0) return -ENOMEM;
  let low = Math.max(info.lowLimit, t.mmapMinAddr);
  for (;;) {
    const base = lowestGap(t, low, info.highLimit, size);
    if (base < 0) return -ENOMEM;
    const addr = base + maskBits(info.alignOffset - base, info.alignMask);
    if (!guardBelow(t, addr + size - 1)) return addr;
    low = t.leafPool.vmEnd[t.leafPool.at(gapNext)]!;
  }
}

/** Top-down vm_unmapped_area(). Linux: unmapped_area_topdown() in mm/mmap.c. */
export function unmappedAreaTopdown<T>(t: SearchTree<T>, info: VmUnmappedAreaInfo): number {
  if (t.overlap) return -ENOSYS;
  const size = info.length + info.alignMask;
  if (size <= 0) return -ENOMEM;
  const low = Math.max(info.lowLimit, t.mmapMinAddr);
  let high = info.highLimit;
  for (;;) {
    const end = highestGap(t, low, high, size);
    if (end < 0) return -ENOMEM;
    const top = end - info.length;
    if (!guardBelow(t, end)) return top - maskBits(top - info.alignOffset, info.alignMask);
    high = vmStartGap(t.leafPool.vmStart[t.leafPool.at(gapNext)]!, VM_GROWSDOWN, t.stackGuardGap);
  }
}
