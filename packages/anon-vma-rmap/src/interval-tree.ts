/**
 * An augmented red-black interval tree over inclusive [first, last] ranges of page offsets, with
 * the nodes of any number of trees kept in one pool of typed arrays. Linux:
 * include/linux/interval_tree_generic.h (INTERVAL_TREE_DEFINE) over lib/rbtree.c with the
 * rb_subtree_last augmentation, as instantiated for vma_interval_tree (the i_mmap) and
 * anon_vma_interval_tree (an anon_vma's rb_root) in mm/interval_tree.c.
 *
 * Order: by `first`; entries with equal `first` stay in insertion order (a new one goes after every
 * existing one with the same `first`, as the kernel's insert descends right on equality), unless
 * placed explicitly with `insertAfter`.
 */
import { bug } from "@mmsim/mm-types";

/** The "no node" handle; node 0 is the sentinel of every tree in a pool. */
export const NIL = 0;

const BLACK = 0;
const RED = 1;

/** Words per node in IntervalNodePool.d, and the word offset of each field. */
const NODE_WORDS = 8;
const LEFT = 0;
const RIGHT = 1;
const PARENT = 2;
const COLOR = 3;
const START = 4;
const LAST = 5;
const SUBTREE_LAST = 6;
const OWNER = 7;

/**
 * Storage for the nodes of many interval trees: each node is one 64-byte record of eight
 * float64 words (links, colour, the interval, the augmented subtree maximum, the owning tree) in
 * one typed array grown by doubling, so that a descent touches one cache line per node.
 * Linux: the rb_node + rb_subtree_last embedded in vm_area_struct.shared and in anon_vma_chain,
 * here pooled instead of embedded.
 */
export class IntervalNodePool<T> {
  /** @internal The node records: node n's field F is d[n * NODE_WORDS + F]. Node 0 is the sentinel. */
  d: Float64Array;
  /** @internal The entry stored at each node. */
  entries: (T | undefined)[];
  private freeHead = NIL;
  private used = 0;
  private nextTreeId = 1;

  constructor(capacity = 16) {
    const n = Math.max(2, capacity + 1);
    this.d = new Float64Array(n * NODE_WORDS);
    this.entries = new Array<T | undefined>(n).fill(undefined);
    this.d[SUBTREE_LAST] = -Infinity;
    this.chainFree(1, n);
  }

  /** Nodes in use, over every tree of the pool. */
  get nodesInUse(): number {
    return this.used;
  }

  /** Slots allocated (in use or free), excluding the sentinel. */
  get capacity(): number {
    return this.d.length / NODE_WORDS - 1;
  }

  /** @internal A fresh tree id. */
  newTreeId(): number {
    return this.nextTreeId++;
  }

  /** @internal Takes a node off the free list, growing the array when it is empty. */
  alloc(treeId: number, entry: T, first: number, last: number): number {
    if (this.freeHead === NIL) this.grow();
    const n = this.freeHead;
    const d = this.d;
    const b = n * NODE_WORDS;
    this.freeHead = d[b + PARENT]!;
    d[b + LEFT] = NIL;
    d[b + RIGHT] = NIL;
    d[b + PARENT] = NIL;
    d[b + COLOR] = RED;
    d[b + START] = first;
    d[b + LAST] = last;
    d[b + SUBTREE_LAST] = last;
    d[b + OWNER] = treeId;
    this.entries[n] = entry;
    this.used++;
    return n;
  }

  /** @internal Returns a node to the free list. */
  release(n: number): void {
    const b = n * NODE_WORDS;
    this.d[b + OWNER] = 0;
    this.d[b + PARENT] = this.freeHead;
    this.entries[n] = undefined;
    this.freeHead = n;
    this.used--;
  }

  /** @internal The tree id owning node n (0 when free or out of range). */
  ownerOf(n: number): number {
    return n > 0 && n <= this.capacity ? this.d[n * NODE_WORDS + OWNER]! : 0;
  }

  /** Checks the free list: every free node is on it once, and the counts add up. */
  assertValid(): void {
    let free = 0;
    for (let n = this.freeHead; n !== NIL; n = this.d[n * NODE_WORDS + PARENT]!) {
      if (this.ownerOf(n) !== 0) bug(`interval pool: node ${n} is on the free list but owned by tree ${this.ownerOf(n)}`);
      if (++free > this.capacity) bug("interval pool: the free list loops");
    }
    if (free + this.used !== this.capacity) {
      bug(`interval pool: ${free} free + ${this.used} used != capacity ${this.capacity}`);
    }
  }

  private grow(): void {
    const old = this.d.length / NODE_WORDS;
    const n = old * 2;
    const d = new Float64Array(n * NODE_WORDS);
    d.set(this.d);
    this.d = d;
    for (let i = old; i < n; i++) this.entries.push(undefined);
    this.chainFree(old, n);
  }

  private chainFree(from: number, to: number): void {
    for (let i = to - 1; i >= from; i--) {
      this.d[i * NODE_WORDS + PARENT] = this.freeHead;
      this.freeHead = i;
    }
  }
}

/** Options of an interval tree. */
export interface IntervalTreeOptions<T> {
  /** Share node storage with other trees (all anon_vmas of a machine share one pool). */
  readonly pool?: IntervalNodePool<T>;
  /**
   * Keep a map from entry to node so that `remove(entry)` works. Off for callers that keep the
   * handle `insert` returns next to the entry (an anon_vma_chain keeps its own node). Default true.
   */
  readonly byIdentity?: boolean;
}

/**
 * An interval tree of entries of type T, each keyed by the [first, last] it was inserted with.
 * The caller must remove an entry before its range changes and insert it again afterwards
 * (Linux: vma_interval_tree_remove/insert around vma_adjust). The tree must not change while an
 * iteration over it is under way. Linux: struct rb_root_cached + INTERVAL_TREE_DEFINE.
 */
export class IntervalTree<T> {
  /** The node pool (shared or private). */
  readonly pool: IntervalNodePool<T>;
  private readonly id: number;
  private root = NIL;
  private count = 0;
  private readonly byEntry: Map<T, number> | null;
  /** Bumped on every change; iterators check it. */
  private changes = 0;

  constructor(opts: IntervalTreeOptions<T> = {}) {
    this.pool = opts.pool ?? new IntervalNodePool<T>();
    this.id = this.pool.newTreeId();
    this.byEntry = opts.byIdentity === false ? null : new Map();
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /** A counter bumped by every insert and remove: a walker compares it to detect changes under it. */
  get generation(): number {
    return this.changes;
  }

  /** True when the tree holds nothing. Linux: RB_EMPTY_ROOT(&root->rb_root). */
  isEmpty(): boolean {
    return this.root === NIL;
  }

  /**
   * Inserts `entry` for [first, last] after every entry with the same `first`; returns its node
   * handle. Linux: interval_tree_insert() (vma_interval_tree_insert, anon_vma_interval_tree_insert).
   */
  insert(entry: T, first: number, last: number): number {
    this.checkRange(first, last);
    this.checkAbsent(entry);
    const p = this.pool;
    const n = p.alloc(this.id, entry, first, last);
    let parent = NIL;
    let goLeft = false;
    for (let x = this.root; x !== NIL; ) {
      parent = x;
      if (p.d[x * NODE_WORDS + SUBTREE_LAST]! < last) p.d[x * NODE_WORDS + SUBTREE_LAST] = last;
      goLeft = first < p.d[x * NODE_WORDS + START]!;
      x = goLeft ? p.d[x * NODE_WORDS + LEFT]! : p.d[x * NODE_WORDS + RIGHT]!;
    }
    this.linkAndFix(n, parent, goLeft);
    return n;
  }

  /**
   * Inserts `entry` immediately after the node `prev`, which must have the same `first` (dup_mmap
   * puts a child's file VMA right after its parent's, so truncate visits them in that order).
   * Linux: vma_interval_tree_insert_after() in mm/interval_tree.c.
   */
  insertAfter(entry: T, first: number, last: number, prev: number): number {
    const p = this.pool;
    this.checkNode(prev, "insertAfter");
    if (p.d[prev * NODE_WORDS + START] !== first) bug(`interval tree: insertAfter with first ${first} != ${p.d[prev * NODE_WORDS + START]} of the previous node`);
    this.checkRange(first, last);
    this.checkAbsent(entry);
    const n = p.alloc(this.id, entry, first, last);
    let parent = prev;
    let goLeft = false;
    if (p.d[prev * NODE_WORDS + RIGHT] !== NIL) {
      parent = p.d[prev * NODE_WORDS + RIGHT]!;
      while (p.d[parent * NODE_WORDS + LEFT] !== NIL) parent = p.d[parent * NODE_WORDS + LEFT]!;
      goLeft = true;
    }
    for (let x = parent; x !== NIL; x = p.d[x * NODE_WORDS + PARENT]!) if (p.d[x * NODE_WORDS + SUBTREE_LAST]! < last) p.d[x * NODE_WORDS + SUBTREE_LAST] = last;
    this.linkAndFix(n, parent, goLeft);
    return n;
  }

  /** Removes `entry`; returns false when it is not in the tree. Needs `byIdentity`. Linux: interval_tree_remove(). */
  remove(entry: T): boolean {
    if (this.byEntry === null) bug("interval tree: remove(entry) on a tree without byIdentity; use removeNode(handle)");
    const n = this.byEntry.get(entry);
    if (n === undefined) return false;
    this.removeNode(n);
    return true;
  }

  /** Removes the node `n` (a handle from insert). Linux: interval_tree_remove(). */
  removeNode(n: number): void {
    this.checkNode(n, "removeNode");
    this.byEntry?.delete(this.pool.entries[n]!);
    this.erase(n);
    this.pool.release(n);
    this.count--;
    this.changes++;
  }

  /** The node holding `entry`, or NIL. Needs `byIdentity`. */
  nodeOf(entry: T): number {
    if (this.byEntry === null) bug("interval tree: nodeOf(entry) on a tree without byIdentity");
    return this.byEntry.get(entry) ?? NIL;
  }

  /** True when `entry` is in the tree (byIdentity trees). */
  has(entry: T): boolean {
    return this.nodeOf(entry) !== NIL;
  }

  /** True when `n` is a live node of this tree. */
  ownsNode(n: number): boolean {
    return this.pool.ownerOf(n) === this.id;
  }

  /** The entry at node `n`. */
  entryAt(n: number): T {
    this.checkNode(n, "entryAt");
    return this.pool.entries[n]!;
  }

  /** The `first` node `n` was inserted with. */
  firstAt(n: number): number {
    return this.pool.d[n * NODE_WORDS + START]!;
  }

  /** The `last` node `n` was inserted with. */
  lastAt(n: number): number {
    return this.pool.d[n * NODE_WORDS + LAST]!;
  }

  /**
   * The leftmost node whose range meets [first, last], or NIL. With `iterNext` this walks the k
   * matches in O(log n + k) without allocating. Linux: interval_tree_iter_first().
   */
  iterFirst(first: number, last: number): number {
    const p = this.pool;
    if (this.root === NIL || p.d[this.root * NODE_WORDS + SUBTREE_LAST]! < first) return NIL;
    return this.subtreeSearch(this.root, first, last);
  }

  /** The next node after `n` whose range meets [first, last], or NIL. Linux: interval_tree_iter_next(). */
  iterNext(n: number, first: number, last: number): number {
    const p = this.pool;
    let node = n;
    let r = p.d[node * NODE_WORDS + RIGHT]!;
    for (;;) {
      if (r !== NIL && first <= p.d[r * NODE_WORDS + SUBTREE_LAST]!) return this.subtreeSearch(r, first, last);
      let from: number;
      do {
        from = node;
        node = p.d[node * NODE_WORDS + PARENT]!;
        if (node === NIL) return NIL;
        r = p.d[node * NODE_WORDS + RIGHT]!;
      } while (r === from);
      if (last < p.d[node * NODE_WORDS + START]!) return NIL;
      if (first <= p.d[node * NODE_WORDS + LAST]!) return node;
    }
  }

  /** Entries whose range meets [first, last], in order. The tree must not change during the iteration. Linux: *_interval_tree_foreach. */
  *intersecting(first: number, last: number): Generator<T, void, undefined> {
    const gen = this.changes;
    for (let n = this.iterFirst(first, last); n !== NIL; n = this.iterNext(n, first, last)) {
      yield this.pool.entries[n]!;
      if (gen !== this.changes) bug("interval tree: changed during an iteration");
    }
  }

  /** Every entry in order. */
  *[Symbol.iterator](): Generator<T, void, undefined> {
    const gen = this.changes;
    for (let n = this.minimum(this.root); n !== NIL; n = this.successor(n)) {
      yield this.pool.entries[n]!;
      if (gen !== this.changes) bug("interval tree: changed during an iteration");
    }
  }

  /** Number of entries meeting [first, last] (O(log n + k)). */
  countIntersecting(first: number, last: number): number {
    let k = 0;
    for (let n = this.iterFirst(first, last); n !== NIL; n = this.iterNext(n, first, last)) k++;
    return k;
  }

  /**
   * Checks the red-black rules, parent links, key order, the subtree maxima recomputed from the
   * leaves, the size and the identity map. Linux: the checks of lib/rbtree_test.c and
   * CONFIG_DEBUG_VM_RB's anon_vma_interval_tree_verify().
   */
  assertValid(): void {
    const p = this.pool;
    if (this.root !== NIL && p.d[this.root * NODE_WORDS + COLOR] !== BLACK) bug("interval tree: red root");
    if (this.root !== NIL && p.d[this.root * NODE_WORDS + PARENT] !== NIL) bug("interval tree: root has a parent");
    const seen = { nodes: 0, prevStart: -Infinity };
    this.checkSubtree(this.root, seen);
    if (seen.nodes !== this.count) bug(`interval tree: ${seen.nodes} nodes reachable, size says ${this.count}`);
    if (this.byEntry !== null) {
      if (this.byEntry.size !== this.count) bug(`interval tree: identity map has ${this.byEntry.size} entries, tree ${this.count}`);
      for (const [e, n] of this.byEntry) {
        if (!this.ownsNode(n) || p.entries[n] !== e) bug(`interval tree: identity map points at the wrong node ${n}`);
      }
    }
  }

  /** Returns the black height of the subtree; checks order, colours, parents and maxima below `n`. */
  private checkSubtree(n: number, seen: { nodes: number; prevStart: number }): number {
    if (n === NIL) return 1;
    const p = this.pool;
    if (p.d[n * NODE_WORDS + OWNER] !== this.id) bug(`interval tree: node ${n} belongs to tree ${p.d[n * NODE_WORDS + OWNER]}, not ${this.id}`);
    if (++seen.nodes > this.count) bug("interval tree: more nodes reachable than inserted (a cycle?)");
    const l = p.d[n * NODE_WORDS + LEFT]!;
    const r = p.d[n * NODE_WORDS + RIGHT]!;
    if (l !== NIL && p.d[l * NODE_WORDS + PARENT] !== n) bug(`interval tree: node ${l} does not point back to its parent ${n}`);
    if (r !== NIL && p.d[r * NODE_WORDS + PARENT] !== n) bug(`interval tree: node ${r} does not point back to its parent ${n}`);
    if (p.d[n * NODE_WORDS + COLOR] === RED && (p.d[l * NODE_WORDS + COLOR] === RED || p.d[r * NODE_WORDS + COLOR] === RED)) bug(`interval tree: red node ${n} has a red child`);
    const hl = this.checkSubtree(l, seen);
    if (p.d[n * NODE_WORDS + START]! < seen.prevStart) bug(`interval tree: start ${p.d[n * NODE_WORDS + START]} after ${seen.prevStart}: out of order`);
    seen.prevStart = p.d[n * NODE_WORDS + START]!;
    const hr = this.checkSubtree(r, seen);
    if (hl !== hr) bug(`interval tree: black heights ${hl} and ${hr} differ under node ${n}`);
    const want = Math.max(p.d[n * NODE_WORDS + LAST]!, p.d[l * NODE_WORDS + SUBTREE_LAST]!, p.d[r * NODE_WORDS + SUBTREE_LAST]!);
    if (p.d[n * NODE_WORDS + SUBTREE_LAST] !== want) bug(`interval tree: node ${n} has subtree last ${p.d[n * NODE_WORDS + SUBTREE_LAST]}, recount ${want}`);
    return hl + (p.d[n * NODE_WORDS + COLOR] === BLACK ? 1 : 0);
  }

  private subtreeSearch(start: number, first: number, last: number): number {
    const p = this.pool;
    let node = start;
    for (;;) {
      const l = p.d[node * NODE_WORDS + LEFT]!;
      if (l !== NIL && first <= p.d[l * NODE_WORDS + SUBTREE_LAST]!) {
        node = l;
        continue;
      }
      if (p.d[node * NODE_WORDS + START]! > last) return NIL;
      if (first <= p.d[node * NODE_WORDS + LAST]!) return node;
      const r = p.d[node * NODE_WORDS + RIGHT]!;
      if (r === NIL || p.d[r * NODE_WORDS + SUBTREE_LAST]! < first) return NIL;
      node = r;
    }
  }

  private linkAndFix(n: number, parent: number, goLeft: boolean): void {
    const p = this.pool;
    p.d[n * NODE_WORDS + PARENT] = parent;
    if (parent === NIL) this.root = n;
    else if (goLeft) p.d[parent * NODE_WORDS + LEFT] = n;
    else p.d[parent * NODE_WORDS + RIGHT] = n;
    this.byEntry?.set(p.entries[n]!, n);
    this.count++;
    this.changes++;
    this.insertFixup(n);
  }

  private checkRange(first: number, last: number): void {
    if (!(first <= last) || !Number.isFinite(first) || !Number.isFinite(last)) {
      bug(`interval tree: bad range [${first}, ${last}]`);
    }
  }

  private checkAbsent(entry: T): void {
    if (this.byEntry?.has(entry)) bug("interval tree: entry inserted twice");
  }

  private checkNode(n: number, what: string): void {
    if (!this.ownsNode(n)) bug(`interval tree: ${what}(${n}) is not a node of this tree`);
  }

  private recompute(n: number): void {
    const p = this.pool;
    const a = p.d[n * NODE_WORDS + LAST]!;
    const b = p.d[(p.d[n * NODE_WORDS + LEFT]!) * NODE_WORDS + SUBTREE_LAST]!;
    const c = p.d[(p.d[n * NODE_WORDS + RIGHT]!) * NODE_WORDS + SUBTREE_LAST]!;
    p.d[n * NODE_WORDS + SUBTREE_LAST] = a > b ? (a > c ? a : c) : b > c ? b : c;
  }

  private propagateToRoot(from: number): void {
    for (let x = from; x !== NIL; x = this.pool.d[x * NODE_WORDS + PARENT]!) this.recompute(x);
  }

  private rotateLeft(x: number): void {
    const p = this.pool;
    const y = p.d[x * NODE_WORDS + RIGHT]!;
    p.d[x * NODE_WORDS + RIGHT] = p.d[y * NODE_WORDS + LEFT]!;
    if (p.d[y * NODE_WORDS + LEFT] !== NIL) p.d[(p.d[y * NODE_WORDS + LEFT]!) * NODE_WORDS + PARENT] = x;
    this.replaceChild(x, y);
    p.d[y * NODE_WORDS + LEFT] = x;
    p.d[x * NODE_WORDS + PARENT] = y;
    this.recompute(x);
    this.recompute(y);
  }

  private rotateRight(x: number): void {
    const p = this.pool;
    const y = p.d[x * NODE_WORDS + LEFT]!;
    p.d[x * NODE_WORDS + LEFT] = p.d[y * NODE_WORDS + RIGHT]!;
    if (p.d[y * NODE_WORDS + RIGHT] !== NIL) p.d[(p.d[y * NODE_WORDS + RIGHT]!) * NODE_WORDS + PARENT] = x;
    this.replaceChild(x, y);
    p.d[y * NODE_WORDS + RIGHT] = x;
    p.d[x * NODE_WORDS + PARENT] = y;
    this.recompute(x);
    this.recompute(y);
  }

  /** Puts `v` where `u` hangs from u's parent (v may be NIL, whose parent slot is scratch). */
  private replaceChild(u: number, v: number): void {
    const p = this.pool;
    const up = p.d[u * NODE_WORDS + PARENT]!;
    if (up === NIL) this.root = v;
    else if (u === p.d[up * NODE_WORDS + LEFT]) p.d[up * NODE_WORDS + LEFT] = v;
    else p.d[up * NODE_WORDS + RIGHT] = v;
    p.d[v * NODE_WORDS + PARENT] = up;
  }

  private insertFixup(z0: number): void {
    const p = this.pool;
    let z = z0;
    while (p.d[(p.d[z * NODE_WORDS + PARENT]!) * NODE_WORDS + COLOR] === RED) {
      const zp = p.d[z * NODE_WORDS + PARENT]!;
      const g = p.d[zp * NODE_WORDS + PARENT]!;
      const zpIsLeft = zp === p.d[g * NODE_WORDS + LEFT];
      const uncle = zpIsLeft ? p.d[g * NODE_WORDS + RIGHT]! : p.d[g * NODE_WORDS + LEFT]!;
      if (p.d[uncle * NODE_WORDS + COLOR] === RED) {
        p.d[zp * NODE_WORDS + COLOR] = BLACK;
        p.d[uncle * NODE_WORDS + COLOR] = BLACK;
        p.d[g * NODE_WORDS + COLOR] = RED;
        z = g;
        continue;
      }
      if (zpIsLeft) {
        if (z === p.d[zp * NODE_WORDS + RIGHT]) {
          z = zp;
          this.rotateLeft(z);
        }
        p.d[(p.d[z * NODE_WORDS + PARENT]!) * NODE_WORDS + COLOR] = BLACK;
        p.d[g * NODE_WORDS + COLOR] = RED;
        this.rotateRight(g);
      } else {
        if (z === p.d[zp * NODE_WORDS + LEFT]) {
          z = zp;
          this.rotateRight(z);
        }
        p.d[(p.d[z * NODE_WORDS + PARENT]!) * NODE_WORDS + COLOR] = BLACK;
        p.d[g * NODE_WORDS + COLOR] = RED;
        this.rotateLeft(g);
      }
    }
    p.d[this.root * NODE_WORDS + COLOR] = BLACK;
  }

  private minimum(n: number): number {
    const p = this.pool;
    if (n === NIL) return NIL;
    let x = n;
    while (p.d[x * NODE_WORDS + LEFT] !== NIL) x = p.d[x * NODE_WORDS + LEFT]!;
    return x;
  }

  private successor(n: number): number {
    const p = this.pool;
    if (p.d[n * NODE_WORDS + RIGHT] !== NIL) return this.minimum(p.d[n * NODE_WORDS + RIGHT]!);
    let x = n;
    let y = p.d[x * NODE_WORDS + PARENT]!;
    while (y !== NIL && x === p.d[y * NODE_WORDS + RIGHT]) {
      x = y;
      y = p.d[y * NODE_WORDS + PARENT]!;
    }
    return y;
  }

  /** Unlinks node z, restores the subtree maxima along the changed path, then rebalances. */
  private erase(z: number): void {
    const p = this.pool;
    let removedColor = p.d[z * NODE_WORDS + COLOR]!;
    let x: number;
    let fixFrom: number;
    if (p.d[z * NODE_WORDS + LEFT] === NIL || p.d[z * NODE_WORDS + RIGHT] === NIL) {
      x = p.d[z * NODE_WORDS + LEFT] === NIL ? p.d[z * NODE_WORDS + RIGHT]! : p.d[z * NODE_WORDS + LEFT]!;
      fixFrom = p.d[z * NODE_WORDS + PARENT]!;
      this.replaceChild(z, x);
    } else {
      const y = this.minimum(p.d[z * NODE_WORDS + RIGHT]!);
      removedColor = p.d[y * NODE_WORDS + COLOR]!;
      x = p.d[y * NODE_WORDS + RIGHT]!;
      if (p.d[y * NODE_WORDS + PARENT] === z) {
        p.d[x * NODE_WORDS + PARENT] = y;
        fixFrom = y;
      } else {
        fixFrom = p.d[y * NODE_WORDS + PARENT]!;
        this.replaceChild(y, x);
        p.d[y * NODE_WORDS + RIGHT] = p.d[z * NODE_WORDS + RIGHT]!;
        p.d[(p.d[y * NODE_WORDS + RIGHT]!) * NODE_WORDS + PARENT] = y;
      }
      this.replaceChild(z, y);
      p.d[y * NODE_WORDS + LEFT] = p.d[z * NODE_WORDS + LEFT]!;
      p.d[(p.d[y * NODE_WORDS + LEFT]!) * NODE_WORDS + PARENT] = y;
      p.d[y * NODE_WORDS + COLOR] = p.d[z * NODE_WORDS + COLOR]!;
    }
    this.propagateToRoot(fixFrom);
    if (removedColor === BLACK) this.eraseFixup(x);
    p.d[NIL * NODE_WORDS + PARENT] = NIL;
    p.d[NIL * NODE_WORDS + LEFT] = NIL;
    p.d[NIL * NODE_WORDS + RIGHT] = NIL;
    p.d[NIL * NODE_WORDS + COLOR] = BLACK;
  }

  private eraseFixup(x0: number): void {
    const p = this.pool;
    let x = x0;
    while (x !== this.root && p.d[x * NODE_WORDS + COLOR] === BLACK) {
      const xp = p.d[x * NODE_WORDS + PARENT]!;
      x = x === p.d[xp * NODE_WORDS + LEFT] ? this.eraseFixupLeft(xp) : this.eraseFixupRight(xp);
    }
    p.d[x * NODE_WORDS + COLOR] = BLACK;
  }

  /** One step of the delete fix-up for a doubly black left child of xp; returns the next x. */
  private eraseFixupLeft(xp: number): number {
    const p = this.pool;
    let w = p.d[xp * NODE_WORDS + RIGHT]!;
    if (p.d[w * NODE_WORDS + COLOR] === RED) {
      p.d[w * NODE_WORDS + COLOR] = BLACK;
      p.d[xp * NODE_WORDS + COLOR] = RED;
      this.rotateLeft(xp);
      w = p.d[xp * NODE_WORDS + RIGHT]!;
    }
    if (p.d[(p.d[w * NODE_WORDS + LEFT]!) * NODE_WORDS + COLOR] === BLACK && p.d[(p.d[w * NODE_WORDS + RIGHT]!) * NODE_WORDS + COLOR] === BLACK) {
      p.d[w * NODE_WORDS + COLOR] = RED;
      return xp;
    }
    if (p.d[(p.d[w * NODE_WORDS + RIGHT]!) * NODE_WORDS + COLOR] === BLACK) {
      p.d[(p.d[w * NODE_WORDS + LEFT]!) * NODE_WORDS + COLOR] = BLACK;
      p.d[w * NODE_WORDS + COLOR] = RED;
      this.rotateRight(w);
      w = p.d[xp * NODE_WORDS + RIGHT]!;
    }
    p.d[w * NODE_WORDS + COLOR] = p.d[xp * NODE_WORDS + COLOR]!;
    p.d[xp * NODE_WORDS + COLOR] = BLACK;
    p.d[(p.d[w * NODE_WORDS + RIGHT]!) * NODE_WORDS + COLOR] = BLACK;
    this.rotateLeft(xp);
    return this.root;
  }

  /** The mirror image of eraseFixupLeft. */
  private eraseFixupRight(xp: number): number {
    const p = this.pool;
    let w = p.d[xp * NODE_WORDS + LEFT]!;
    if (p.d[w * NODE_WORDS + COLOR] === RED) {
      p.d[w * NODE_WORDS + COLOR] = BLACK;
      p.d[xp * NODE_WORDS + COLOR] = RED;
      this.rotateRight(xp);
      w = p.d[xp * NODE_WORDS + LEFT]!;
    }
    if (p.d[(p.d[w * NODE_WORDS + RIGHT]!) * NODE_WORDS + COLOR] === BLACK && p.d[(p.d[w * NODE_WORDS + LEFT]!) * NODE_WORDS + COLOR] === BLACK) {
      p.d[w * NODE_WORDS + COLOR] = RED;
      return xp;
    }
    if (p.d[(p.d[w * NODE_WORDS + LEFT]!) * NODE_WORDS + COLOR] === BLACK) {
      p.d[(p.d[w * NODE_WORDS + RIGHT]!) * NODE_WORDS + COLOR] = BLACK;
      p.d[w * NODE_WORDS + COLOR] = RED;
      this.rotateLeft(w);
      w = p.d[xp * NODE_WORDS + LEFT]!;
    }
    p.d[w * NODE_WORDS + COLOR] = p.d[xp * NODE_WORDS + COLOR]!;
    p.d[xp * NODE_WORDS + COLOR] = BLACK;
    p.d[(p.d[w * NODE_WORDS + LEFT]!) * NODE_WORDS + COLOR] = BLACK;
    this.rotateRight(xp);
    return this.root;
  }
}
