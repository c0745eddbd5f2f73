/**
 * The B+tree mechanics under the VMA tree: descent by key with a recorded path, a summary of each
 * child in every internal slot, leaf and internal splits on insert, merges and refills on erase.
 *
 * A slot's smallest key and largest vm_end route descents and find_vma(), so they are kept exact
 * after every change. Its largest inner gap (the maple tree's per-slot gap in lib/maple_tree.c, the
 * old rb_subtree_gap of mm/mmap.c) is kept too, but refreshed lazily: a change marks the gaps on its
 * path stale, and gap search recounts a stale slot the first time it reads it. A burst of changes
 * between two searches (munmap of many VMAs, fork, exit) then pays for each node once.
 */
import { bug } from "@mmsim/mm-types";
import { countAtMost as searchCountAtMost, countAtMostRanked as searchCountAtMostRanked } from "./node-search.js";
import { InternalPool, LeafPool, MAX_DEPTH, MIN_FILL as NODE_MIN_FILL, SLOTS as NODE_SLOTS } from "./vma-nodes.js";

/** SLOTS as a module constant: the JIT folds it, where an imported binding is re-read through its cell at every use. */
const SLOTS = NODE_SLOTS;
/** The node searches as module constants too, so that calls to them need no cell load and check. */
const countAtMost = searchCountAtMost;
const countAtMostRanked = searchCountAtMostRanked;
const MIN_FILL = NODE_MIN_FILL;

/**
 * A node's largest inner gap after a change, from what the change tells: `known` (the new maximum),
 * `grownTo` (a new hole, which can only raise it), `splitFrom` (a hole that went or shrank, which
 * lowers it only if it was the maximum); -1 when only a recount can tell.
 */
function nextGap(old: number, grownTo: number, splitFrom: number, known: number): number {
  if (known >= 0) return known;
  if (grownTo >= 0) return Math.max(old, grownTo);
  // a hole that went or shrank leaves the largest alone unless it was the largest; none is below 0
  if (splitFrom >= 0 && (splitFrom < old || old === 0)) return old;
  return -1;
}

/** Internal state and mechanics of the tree; the VMA API is in vma-tree.ts. */
export class VmaBTreeCore<T> {
  /** NOMMU mode: overlaps allowed, gaps not tracked. */
  readonly overlap: boolean;
  /** Entries, as the tree's own code reads them: a pending erase may still be in them. */
  readonly leafPool: LeafPool<T>;
  /** Internal nodes, as the tree's own code reads them: a pending erase may not be applied yet. */
  readonly internalPool: InternalPool;
  /** Root node: a leaf when height is 0, else an internal node. */
  root: number;
  /** Internal levels above the leaves. */
  height = 0;
  /** Entries in the tree. */
  count = 0;
  /** Bumped by every insert, erase and clear; cursors compare it. */
  generation = 0;
  /** The node at each depth of the last descent (0 = root; `height` = the leaf). */
  readonly pathNode = new Int32Array(MAX_DEPTH + 1);
  /** The slot taken at each depth of the last descent. */
  readonly pathSlot = new Int32Array(MAX_DEPTH + 1);
  /**
   * True when the path of the last descent still leads to the leaf an erase just left, with rank
   * `fingerPos` the place the erased key had: an insert that falls strictly inside that leaf there
   * reuses the path instead of walking again, as mmap_region() reuses its vma_iterator after the unmap.
   */
  fingerValid = false;
  fingerPos = 0;
  /**
   * The vm_start the erase removed. The entry below the finger ends at or below it, so an insert at
   * or above it cannot overlap that entry, and need not read its vm_end (a cache line the erase left cold).
   */
  fingerStart = 0;
  /** The vm_end the erase removed, and its leaf's gap before the erase (-1 if that was stale). */
  fingerEnd = 0;
  fingerGap = -1;
  /**
   * True when erase() found its entry (at rank `erasePos` of the leaf at the end of the last descent,
   * field index `eraseField`, with vm_start and vm_end in fingerStart and fingerEnd) and counted it
   * gone, but left it in the nodes. The next operation either puts an entry with the same range back
   * in its place (refillErase(): munmap then mmap of the same range, a MAP_FIXED remap, costs one
   * overwrite, no shift and no summary change) or removes it first (flushErase()). Everything that
   * reads the nodes goes through descend(), locate(), flushErase() or the `leaves` and `internals`
   * getters, so no reader sees the erased entry.
   */
  erasePending = false;
  erasePos = 0;
  eraseField = 0;
  /**
   * The largest inner gap of the root when the root is a leaf (no parent slot keeps it), and whether
   * it is out of date; kept like a parent's maxGap (see leafChanged), so a top-down search of a small
   * address space whose holes are all too small skips the scan of its leaf.
   */
  rootGap = 0;
  rootGapStale = true;
  /** Bounds of the last bounded node. */
  sMinStart = 0;
  sMinId = 0;
  sMaxEnd = 0;

  constructor(overlap: boolean) {
    this.overlap = overlap;
    this.leafPool = new LeafPool<T>(16);
    this.internalPool = new InternalPool(4);
    this.root = this.leafPool.alloc();
  }

  /** The leaves, after any pending erase is applied. */
  get leaves(): LeafPool<T> {
    if (this.erasePending) this.flushErase();
    return this.leafPool;
  }

  /** The internal nodes, after any pending erase is applied. */
  get internals(): InternalPool {
    if (this.erasePending) this.flushErase();
    return this.internalPool;
  }

  /**
   * Defers the erase of the entry at rank `pos` (field index `f`) of the leaf at the end of the last
   * descent; see erasePending.
   */
  deferErase(pos: number, f: number): void {
    const L = this.leafPool;
    this.fingerStart = L.vmStart[f]!;
    this.fingerEnd = L.vmEnd[f]!;
    this.erasePos = pos;
    this.eraseField = f;
    this.erasePending = true;
  }

  /** Removes the entry a pending erase left in place. Precondition: erasePending, and no descent since. */
  flushErase(): void {
    this.erasePending = false;
    this.removeAt(this.pathNode[this.height]!, this.erasePos);
  }

  /**
   * True when an insert of [vmStart, vmEnd) with `id` can take the place of the pending erase as it
   * stands: the same range, hence the same gaps and vm_end bounds; and the same id, or (without
   * overlaps, where the id orders nothing) a rank other than the first, whose id the parent keeps.
   */
  canRefillErase(vmStart: number, vmEnd: number, id: number): boolean {
    if (vmStart !== this.fingerStart || vmEnd !== this.fingerEnd) return false;
    return (!this.overlap && this.erasePos > 0) || this.leafPool.vmId[this.eraseField] === id;
  }

  /** Puts an entry in the place of the pending erase. Precondition: canRefillErase() holds for it. */
  refillErase(vmPgoff: number, vmFlags: number, id: number, value: T): void {
    const L = this.leafPool;
    const f = this.eraseField;
    this.erasePending = false;
    this.fingerValid = false;
    L.setMeta(f, vmPgoff, vmFlags, id);
    L.value[f] = value;
  }

  /**
   * Walks from the root to the leaf where key (start, id) belongs, recording the path; returns the
   * leaf. Without overlaps no two entries share a vm_start, so the id only breaks ties in overlap mode.
   */
  descend(start: number, id: number): number {
    if (this.erasePending) this.flushErase();
    this.fingerValid = false;
    if (this.overlap) return this.descendWithTies(start, id);
    // Arrays in locals: the JIT then checks each once, not at every level.
    const { minStart, count, child } = this.internalPool;
    const { pathNode, pathSlot } = this;
    const h = this.height;
    let node = this.root;
    for (let d = 0; d < h; d++) {
      const b = node * SLOTS;
      const c = countAtMost(minStart, b, count[node]!, start);
      const slot = c > 0 ? c - 1 : 0;
      pathNode[d] = node;
      pathSlot[d] = slot;
      node = child[b + slot]!;
    }
    pathNode[h] = node;
    return node;
  }

  private descendWithTies(start: number, id: number): number {
    const I = this.internalPool;
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const b = node * SLOTS;
      let lo = 1;
      let hi = I.count[node]!;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const s = I.minStart[b + mid]!;
        if (s < start || (s === start && I.minId[b + mid]! <= id)) lo = mid + 1;
        else hi = mid;
      }
      this.pathNode[d] = node;
      this.pathSlot[d] = lo - 1;
      node = I.child[b + lo - 1]!;
    }
    this.pathNode[this.height] = node;
    return node;
  }

  /** The first rank of `leaf` whose key is above (start, id). */
  upperBound(leaf: number, start: number, id: number): number {
    if (this.overlap) return this.upperBoundWithTies(leaf, start, id);
    const L = this.leafPool;
    // free ranks come last and hold +Infinity: the full-node form needs no count and no loop
    return countAtMostRanked(L.vmStart, L.rank, leaf * SLOTS, SLOTS, start);
  }

  private upperBoundWithTies(leaf: number, start: number, id: number): number {
    const L = this.leafPool;
    const b = leaf * SLOTS;
    let lo = 0;
    let hi = L.count[leaf]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const f = L.at(b + mid);
      const s = L.vmStart[f]!;
      if (s < start || (s === start && L.idOf(f) <= id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Global slot index of the entry before global slot `g` of `leaf`, or -1. */
  prevSlot(leaf: number, g: number): number {
    if (g > leaf * SLOTS) return g - 1;
    const p = this.leafPool.prev[leaf]!;
    return p < 0 ? -1 : p * SLOTS + this.leafPool.count[p]! - 1;
  }

  /** Global slot index of the entry after global slot `g` of `leaf`, or -1. */
  nextSlot(leaf: number, g: number): number {
    if (g + 1 < leaf * SLOTS + this.leafPool.count[leaf]!) return g + 1;
    const n = this.leafPool.next[leaf]!;
    return n < 0 ? -1 : n * SLOTS;
  }

  /** Global slot index of the first entry under `node` at `level` (0 = leaf). */
  firstSlotUnder(node: number, level: number): number {
    for (let l = level; l > 0; l--) node = this.internalPool.child[node * SLOTS]!;
    return node * SLOTS;
  }

  /** Global slot index of the last entry, or -1 when the tree is empty. */
  lastSlot(): number {
    let node = this.root;
    for (let l = this.height; l > 0; l--) node = this.internalPool.child[node * SLOTS + this.internalPool.count[node]! - 1]!;
    const n = this.leafPool.count[node]!;
    return n === 0 ? -1 : node * SLOTS + n - 1;
  }

  /** Computes into s* the smallest key and largest vm_end under `node`. Precondition: it is not empty. */
  bound(node: number, isLeaf: boolean): void {
    if (isLeaf) {
      this.boundLeaf(node);
      return;
    }
    const I = this.internalPool;
    const b = node * SLOTS;
    const e = b + I.count[node]!;
    this.sMinStart = I.minStart[b]!;
    this.sMinId = I.minId[b]!;
    let end = I.maxEnd[e - 1]!;
    if (this.overlap) for (let i = b; i < e - 1; i++) end = Math.max(end, I.maxEnd[i]!);
    this.sMaxEnd = end;
  }

  private boundLeaf(leaf: number): void {
    const L = this.leafPool;
    const b = leaf * SLOTS;
    const e = b + L.count[leaf]!;
    const first = L.at(b);
    this.sMinStart = L.vmStart[first]!;
    this.sMinId = L.idOf(first);
    let end = L.vmEnd[L.at(e - 1)]!;
    if (this.overlap) for (let i = b; i < e - 1; i++) end = Math.max(end, L.vmEnd[L.at(i)]!);
    this.sMaxEnd = end;
  }

  /** Stores s* as the bounds of slot `slot` of internal `node` and marks its gap stale; returns false when no bound changed. */
  storeBounds(node: number, slot: number): boolean {
    const I = this.internalPool;
    const i = node * SLOTS + slot;
    I.gapStale[i] = 1;
    if (I.minStart[i] === this.sMinStart && I.minId[i] === this.sMinId && I.maxEnd[i] === this.sMaxEnd) return false;
    I.minStart[i] = this.sMinStart;
    I.minId[i] = this.sMinId;
    I.maxEnd[i] = this.sMaxEnd;
    return true;
  }

  /** Points slot `slot` of internal `node` at `child`, with its bounds and a stale gap. */
  setChild(node: number, slot: number, child: number, childIsLeaf: boolean): void {
    this.internalPool.child[node * SLOTS + slot] = child;
    this.bound(child, childIsLeaf);
    this.storeBounds(node, slot);
  }

  /**
   * Refreshes the slots from path depth `d` up to the root after the node at depth d + 1 changed:
   * bounds are recomputed and gaps marked stale, stopping where the bounds hold and the gap was
   * already stale (every slot above a stale one is stale too).
   */
  propagate(d: number): void {
    const I = this.internalPool;
    for (; d >= 0; d--) {
      const node = this.pathNode[d]!;
      const slot = this.pathSlot[d]!;
      const wasStale = I.gapStale[node * SLOTS + slot] === 1;
      this.bound(this.pathNode[d + 1]!, d + 1 === this.height);
      if (!this.storeBounds(node, slot) && wasStale) return;
    }
  }

  /** Marks the gaps from path depth `d` up to the root stale, stopping at one already stale. */
  markStale(d: number): void {
    const gapStale = this.internalPool.gapStale;
    const { pathNode, pathSlot } = this;
    for (; d >= 0; d--) {
      const i = pathNode[d]! * SLOTS + pathSlot[d]!;
      if (gapStale[i] === 1) return;
      gapStale[i] = 1;
    }
  }

  /** The gap cached for the leaf at the end of the last descent, or -1 when it is stale. */
  private freshLeafGap(): number {
    const i = this.pathNode[this.height - 1]! * SLOTS + this.pathSlot[this.height - 1]!;
    return this.internalPool.gapStale[i] === 0 ? this.internalPool.maxGap[i]! : -1;
  }

  /**
   * Refreshes the path above the leaf at the end of the last descent after a change at rank `r`
   * (of `n` ranks now). Bounds move only when an end rank changed (in overlap mode any entry may hold
   * the largest vm_end). A fresh leaf gap is updated at once when the change bounds it: from `known`
   * (the gap an insert at the finger leaves, see gapAfterRefill), `grownTo` (a new hole that can only
   * raise the maximum, after an erase) or `splitFrom` (the hole an insert split, which lowers the
   * maximum only if it was the maximum). Otherwise the leaf's slot is marked stale, with the slots
   * above it, and the next gap search that reads it recounts it once for a whole burst of changes.
   */
  leafChanged(r: number, n: number, grownTo: number, splitFrom: number, known: number): void {
    const h = this.height;
    if (h === 0) {
      if (!this.overlap && !this.rootGapStale) {
        const gap = nextGap(this.rootGap, grownTo, splitFrom, known);
        if (gap < 0) this.rootGapStale = true;
        else this.rootGap = gap;
      }
      return;
    }
    if (this.overlap || r === 0 || r >= n - 1) this.propagate(h - 1);
    if (!this.overlap) this.refreshLeafGap(grownTo, splitFrom, known);
  }

  /** Sets a fresh gap of the leaf at the end of the last descent from the bounds leafChanged() got, or marks it stale. */
  private refreshLeafGap(grownTo: number, splitFrom: number, known: number): void {
    const h = this.height;
    const I = this.internalPool;
    const i = this.pathNode[h - 1]! * SLOTS + this.pathSlot[h - 1]!;
    if (I.gapStale[i] === 1) return;
    const old = I.maxGap[i]!;
    const gap = nextGap(old, grownTo, splitFrom, known);
    if (gap < 0) {
      this.markStale(h - 1);
      return;
    }
    I.maxGap[i] = gap;
    if (gap !== old) this.markStale(h - 2);
  }

  /** The largest inner gap of the root leaf (height 0), recounted if stale. */
  rootLeafGap(): number {
    if (this.rootGapStale) {
      this.rootGap = this.innerGap(this.root, 0);
      this.rootGapStale = false;
    }
    return this.rootGap;
  }

  /** The largest free gap between two entries under `node` at `level` (0 = leaf), refreshing stale slots below it. */
  innerGap(node: number, level: number): number {
    const b = node * SLOTS;
    if (level === 0) {
      const L = this.leafPool;
      const e = b + L.count[node]!;
      let gap = 0;
      for (let i = b + 1; i < e; i++) gap = Math.max(gap, L.vmStart[L.at(i)]! - L.vmEnd[L.at(i - 1)]!);
      return gap;
    }
    const I = this.internalPool;
    const e = b + I.count[node]!;
    let gap = this.slotGap(b, level);
    for (let i = b + 1; i < e; i++) gap = Math.max(gap, this.slotGap(i, level), I.minStart[i]! - I.maxEnd[i - 1]!);
    return gap;
  }

  /** The largest inner gap of the child in internal slot `i` (a global index) of a node at `level`, recounted if stale. */
  slotGap(i: number, level: number): number {
    const I = this.internalPool;
    if (I.gapStale[i] === 1) {
      I.maxGap[i] = this.innerGap(I.child[i]!, level - 1);
      I.gapStale[i] = 0;
    }
    return I.maxGap[i]!;
  }

  /**
   * Puts an entry at rank `pos` of the leaf at the end of the last descent, splitting it if full.
   */
  insertAt(leaf: number, pos: number, vmStart: number, vmEnd: number, vmPgoff: number, vmFlags: number, id: number, value: T): void {
    const L = this.leafPool;
    const n = L.count[leaf]! + 1;
    if (n <= SLOTS) {
      this.writeEntry(L.open(leaf, pos), vmStart, vmEnd, vmPgoff, vmFlags, id, value);
      const b = leaf * SLOTS;
      if (pos > 0 && pos < n - 1) this.leafChanged(pos, n, -1, L.vmStart[L.at(b + pos + 1)]! - L.vmEnd[L.at(b + pos - 1)]!, -1);
      else if (n > 1 && !this.overlap) {
        // an entry at an end adds the hole between it and its one neighbour
        const hole = pos === 0 ? L.vmStart[L.at(b + 1)]! - vmEnd : vmStart - L.vmEnd[L.at(b + n - 2)]!;
        this.leafChanged(pos, n, hole, -1, -1);
      } else this.leafChanged(pos, n, -1, -1, n === 1 ? 0 : -1);
      return;
    }
    const right = this.splitLeaf(leaf, pos);
    const cut = L.count[leaf]!;
    const toLeft = pos <= cut && cut < SLOTS;
    const f = toLeft ? L.open(leaf, pos) : L.open(right, pos - cut);
    this.writeEntry(f, vmStart, vmEnd, vmPgoff, vmFlags, id, value);
    this.addChildAfter(this.height - 1, leaf, right);
  }

  /**
   * Puts an entry at the finger: the rank the last erase freed, strictly inside the leaf it left, so
   * no split and no bound changes. Precondition: the finger is valid and the entry belongs there.
   */
  insertAtFinger(vmStart: number, vmEnd: number, vmPgoff: number, vmFlags: number, id: number, value: T): void {
    const L = this.leafPool;
    const leaf = this.pathNode[this.height]!;
    const pos = this.fingerPos;
    this.fingerValid = false;
    this.writeEntry(L.open(leaf, pos), vmStart, vmEnd, vmPgoff, vmFlags, id, value);
    const b = leaf * SLOTS;
    const prevEnd = L.vmEnd[L.at(b + pos - 1)]!;
    const nextStart = L.vmStart[L.at(b + pos + 1)]!;
    this.leafChanged(pos, L.count[leaf]!, -1, nextStart - prevEnd, this.gapAfterRefill(vmStart - prevEnd, nextStart - vmEnd, prevEnd, nextStart));
  }

  /**
   * The leaf's gap after an insert at the finger made holes `below` and `above` where the erase had
   * left one, or -1 when it cannot tell without a scan. Before the erase the leaf's gap was fingerGap,
   * with holes around the erased entry that differ from the new ones only there; every other hole is
   * as it was. So the new gap is the largest of fingerGap and the new holes, unless a hole shrank and
   * was the one that held fingerGap.
   */
  private gapAfterRefill(below: number, above: number, prevEnd: number, nextStart: number): number {
    const g = this.fingerGap;
    if (g < 0) return -1;
    const oldBelow = this.fingerStart - prevEnd;
    const oldAbove = nextStart - this.fingerEnd;
    if ((below < oldBelow && oldBelow >= g) || (above < oldAbove && oldAbove >= g)) return -1;
    return Math.max(g, below, above);
  }

  /** Writes an entry's fields at field index `f`. */
  writeEntry(f: number, vmStart: number, vmEnd: number, vmPgoff: number, vmFlags: number, id: number, value: T): void {
    const L = this.leafPool;
    L.vmStart[f] = vmStart;
    L.vmEnd[f] = vmEnd;
    L.setMeta(f, vmPgoff, vmFlags, id);
    L.value[f] = value;
  }

  /**
   * Splits a full leaf before an insert at `pos`; returns the new right sibling. An append to the last
   * leaf or a prepend to the first leaves the old leaf full, so that sequential mappings pack densely.
   */
  private splitLeaf(leaf: number, pos: number): number {
    const right = this.leafPool.alloc();
    const L = this.leafPool;
    let cut = SLOTS >> 1;
    if (pos === SLOTS && L.next[leaf] === -1) cut = SLOTS;
    else if (pos === 0 && L.prev[leaf] === -1) cut = 0;
    L.append(leaf, cut, SLOTS - cut, right);
    L.cut(leaf, cut);
    const after = L.next[leaf]!;
    L.next[right] = after;
    L.prev[right] = leaf;
    L.next[leaf] = right;
    if (after >= 0) L.prev[after] = right;
    return right;
  }

  /** After `left` (at path depth d + 1) split off `right`, puts `right` beside it in the parent. */
  private addChildAfter(d: number, left: number, right: number): void {
    const childIsLeaf = d + 1 === this.height;
    if (d < 0) {
      this.growRoot(left, right, childIsLeaf);
      return;
    }
    const parent = this.pathNode[d]!;
    const slot = this.pathSlot[d]!;
    this.setChild(parent, slot, left, childIsLeaf);
    if (this.internalPool.count[parent]! < SLOTS) {
      this.putChild(parent, slot + 1, right, childIsLeaf);
      this.propagate(d - 1);
      return;
    }
    const sibling = this.internalPool.alloc();
    const I = this.internalPool;
    const cut = this.internalCut(d, slot + 1);
    I.move(parent * SLOTS + cut, sibling * SLOTS, SLOTS - cut);
    I.count[parent] = cut;
    I.count[sibling] = SLOTS - cut;
    if (slot + 1 < cut || (slot + 1 === cut && cut < SLOTS)) this.putChild(parent, slot + 1, right, childIsLeaf);
    else this.putChild(sibling, slot + 1 - cut, right, childIsLeaf);
    this.addChildAfter(d - 1, parent, sibling);
  }

  /**
   * Where to split the full internal node at path depth d before a child goes in at slot `at`: in
   * the middle, except at the right (left) edge of the tree when appending (prepending), where the old
   * node stays full so that ascending (descending, top-down mmap) insertion packs the tree.
   */
  private internalCut(d: number, at: number): number {
    if (at === SLOTS && this.isEdgePath(d, true)) return SLOTS;
    if (at === 1 && this.isEdgePath(d, false)) return 1;
    return SLOTS >> 1;
  }

  /** True when every node above path depth d was entered by its last (right) or first (left) slot. */
  private isEdgePath(d: number, right: boolean): boolean {
    for (let dd = d - 1; dd >= 0; dd--) {
      const slot = this.pathSlot[dd]!;
      if (right ? slot !== this.internalPool.count[this.pathNode[dd]!]! - 1 : slot !== 0) return false;
    }
    return true;
  }

  /** Inserts `child` at slot `at` of internal `node` (which has room), with its summary. */
  private putChild(node: number, at: number, child: number, childIsLeaf: boolean): void {
    const I = this.internalPool;
    const n = I.count[node]!;
    I.move(node * SLOTS + at, node * SLOTS + at + 1, n - at);
    I.count[node] = n + 1;
    this.setChild(node, at, child, childIsLeaf);
  }

  private growRoot(left: number, right: number, childIsLeaf: boolean): void {
    if (this.height === MAX_DEPTH) bug(`vma tree deeper than ${MAX_DEPTH} levels`);
    const r = this.internalPool.alloc();
    this.internalPool.count[r] = 0;
    this.putChild(r, 0, left, childIsLeaf);
    this.putChild(r, 1, right, childIsLeaf);
    this.root = r;
    this.height++;
  }

  /** Removes rank `pos` of the leaf at the end of the last descent and rebalances; fingerStart and fingerEnd hold its range. */
  removeAt(leaf: number, pos: number): void {
    const L = this.leafPool;
    this.fingerGap = this.height > 0 ? this.freshLeafGap() : -1;
    L.close(leaf, pos);
    const n = L.count[leaf]!;
    if (this.height > 0 && n < MIN_FILL) {
      this.rebalance(this.height);
      return;
    }
    const b = leaf * SLOTS;
    if (pos > 0 && pos < n) this.leafChanged(pos, n + 1, L.vmStart[L.at(b + pos)]! - L.vmEnd[L.at(b + pos - 1)]!, -1, -1);
    else if (n > 0 && !this.overlap) {
      // an entry gone from an end takes the hole beside it: the largest drops only if that was it
      const hole = pos === 0 ? L.vmStart[L.at(b)]! - this.fingerEnd : this.fingerStart - L.vmEnd[L.at(b + n - 1)]!;
      this.leafChanged(pos, n + 1, -1, hole, -1);
    } else this.leafChanged(pos, n + 1, -1, -1, n === 0 ? 0 : -1);
    this.fingerValid = true;
    this.fingerPos = pos;
  }

  private nodeCount(node: number, isLeaf: boolean): number {
    return isLeaf ? this.leafPool.count[node]! : this.internalPool.count[node]!;
  }

  /** Merges or refills the underfull node at path depth d (d >= 1) with an adjacent sibling. */
  private rebalance(d: number): void {
    const isLeaf = d === this.height;
    const parent = this.pathNode[d - 1]!;
    const slot = this.pathSlot[d - 1]!;
    const ls = slot > 0 ? slot - 1 : slot;
    const a = this.internalPool.child[parent * SLOTS + ls]!;
    const b = this.internalPool.child[parent * SLOTS + ls + 1]!;
    const na = this.nodeCount(a, isLeaf);
    const nb = this.nodeCount(b, isLeaf);
    if (na + nb > SLOTS) {
      this.refill(a, b, na, nb, isLeaf);
      this.setChild(parent, ls, a, isLeaf);
      this.setChild(parent, ls + 1, b, isLeaf);
      this.propagate(d - 2);
      return;
    }
    this.mergeInto(a, b, na, nb, isLeaf);
    this.removeChild(parent, ls + 1);
    this.setChild(parent, ls, a, isLeaf);
    this.afterChildRemoved(d - 1);
  }

  /** After internal node at depth d lost a child: shrink the root, or rebalance, or refresh summaries. */
  private afterChildRemoved(d: number): void {
    const node = this.pathNode[d]!;
    if (d === 0) {
      if (this.internalPool.count[node] === 1) {
        this.root = this.internalPool.child[node * SLOTS]!;
        this.internalPool.release(node);
        this.height--;
        this.rootGapStale = true;
      }
      return;
    }
    if (this.internalPool.count[node]! < MIN_FILL) this.rebalance(d);
    else this.propagate(d - 1);
  }

  private removeChild(node: number, at: number): void {
    const I = this.internalPool;
    const n = I.count[node]! - 1;
    I.move(node * SLOTS + at + 1, node * SLOTS + at, n - at);
    I.count[node] = n;
  }

  /** Moves every slot of `b` to the end of `a` and frees `b`. */
  private mergeInto(a: number, b: number, na: number, nb: number, isLeaf: boolean): void {
    if (isLeaf) {
      const L = this.leafPool;
      L.append(b, 0, nb, a);
      L.cut(b, 0);
      const after = L.next[b]!;
      L.next[a] = after;
      if (after >= 0) L.prev[after] = a;
      L.release(b);
    } else {
      this.internalPool.move(b * SLOTS, a * SLOTS + na, nb);
      this.internalPool.count[a] = na + nb;
      this.internalPool.release(b);
    }
  }

  /** Evens out two adjacent siblings `a` < `b` that hold more than one node's worth together. */
  private refill(a: number, b: number, na: number, nb: number, isLeaf: boolean): void {
    const want = (na + nb) >> 1;
    if (isLeaf) this.refillLeaves(a, b, na, want);
    else this.refillInternals(a, b, na, nb, want);
  }

  private refillLeaves(a: number, b: number, na: number, want: number): void {
    const L = this.leafPool;
    if (na < want) {
      L.append(b, 0, want - na, a);
      for (let k = na; k < want; k++) L.close(b, 0);
      return;
    }
    for (let r = na - 1; r >= want; r--) L.copy(L.at(a * SLOTS + r), L.open(b, 0));
    L.cut(a, want);
  }

  private refillInternals(a: number, b: number, na: number, nb: number, want: number): void {
    const I = this.internalPool;
    if (na < want) {
      const k = want - na;
      I.move(b * SLOTS, a * SLOTS + na, k);
      I.move(b * SLOTS + k, b * SLOTS, nb - k);
    } else {
      const k = na - want;
      I.move(b * SLOTS, b * SLOTS + k, nb);
      I.move(a * SLOTS + want, b * SLOTS, k);
    }
    I.count[a] = want;
    I.count[b] = na + nb - want;
  }

  /** Empties the tree. */
  reset(): void {
    this.fingerValid = false;
    this.erasePending = false;
    this.leafPool.reset();
    this.internalPool.reset();
    this.root = this.leafPool.alloc();
    this.height = 0;
    this.rootGapStale = true;
    this.count = 0;
    this.generation++;
  }
}
