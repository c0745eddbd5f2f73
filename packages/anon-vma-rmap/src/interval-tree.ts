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

/** Words per node in IntervalNodePool.link (int32) and IntervalNodePool.key (float64). */
const STRIDE = 4;
/** Word offsets in link: the three links and the colour. */
const LEFT = 0;
const RIGHT = 1;
const PARENT = 2;
const COLOR = 3;
/** Word offsets in key: the interval, the augmented subtree maximum, the owning tree. */
const START = 0;
const LAST = 1;
const SUBTREE_LAST = 2;
const OWNER = 3;

/**
 * Storage for the nodes of many interval trees, in two typed arrays grown by doubling: per node
 * four int32 words (left, right, parent, colour; a free node keeps the next free one in parent)
 * and four float64 words (the interval, the augmented subtree maximum, the owning tree, 0 when
 * free). Links are int32 so that walking them is integer arithmetic; page offsets need float64.
 * Linux: the rb_node + rb_subtree_last embedded in vm_area_struct.shared and in anon_vma_chain,
 * here pooled instead of embedded.
 */
export class IntervalNodePool<T> {
  /** @internal Node links: node n's field F is link[n * 4 + F] (LEFT, RIGHT, PARENT, COLOR). Node 0 is the sentinel. */
  link: Int32Array;
  /** @internal Node keys: node n's field F is key[n * 4 + F] (START, LAST, SUBTREE_LAST, OWNER). */
  key: Float64Array;
  /** @internal The entry stored at each node. */
  entries: (T | undefined)[];
  private freeHead = NIL;
  private used = 0;
  private slots: number;
  private nextTreeId = 1;

  constructor(capacity = 16) {
    const n = Math.max(2, capacity + 1);
    this.link = new Int32Array(n * STRIDE);
    this.key = new Float64Array(n * STRIDE);
    this.entries = new Array<T | undefined>(n).fill(undefined);
    this.slots = n;
    this.key[SUBTREE_LAST] = -Infinity;
    this.chainFree(1, n);
  }

  /** Nodes in use, over every tree of the pool. */
  get nodesInUse(): number {
    return this.used;
  }

  /** Slots allocated (in use or free), excluding the sentinel. */
  get capacity(): number {
    return this.slots - 1;
  }

  /** @internal A fresh tree id. */
  newTreeId(): number {
    return this.nextTreeId++;
  }

  /** @internal Takes a node off the free list, growing the arrays when it is empty. */
  alloc(treeId: number, entry: T, first: number, last: number): number {
    if (this.freeHead === NIL) this.grow();
    const n = this.freeHead;
    const link = this.link;
    const key = this.key;
    const b = n * STRIDE;
    this.freeHead = link[b + PARENT]!;
    link[b + LEFT] = NIL;
    link[b + RIGHT] = NIL;
    link[b + PARENT] = NIL;
    link[b + COLOR] = RED;
    key[b + START] = first;
    key[b + LAST] = last;
    key[b + SUBTREE_LAST] = last;
    key[b + OWNER] = treeId;
    this.entries[n] = entry;
    this.used++;
    return n;
  }

  /** @internal Returns a node to the free list. */
  release(n: number): void {
    const b = n * STRIDE;
    this.key[b + OWNER] = 0;
    this.link[b + PARENT] = this.freeHead;
    this.entries[n] = undefined;
    this.freeHead = n;
    this.used--;
  }

  /** @internal The tree id owning node n (0 when free or not a node). */
  ownerOf(n: number): number {
    return n > 0 && n < this.slots && (n | 0) === n ? this.key[n * STRIDE + OWNER]! : 0;
  }

  /** Checks the free list: every free node is on it once, and the counts add up. */
  assertValid(): void {
    let free = 0;
    for (let n = this.freeHead; n !== NIL; n = this.link[n * STRIDE + PARENT]!) {
      if (this.ownerOf(n) !== 0) bug(`interval pool: node ${n} is on the free list but owned by tree ${this.ownerOf(n)}`);
      if (++free > this.capacity) bug("interval pool: the free list loops");
    }
    if (free + this.used !== this.capacity) {
      bug(`interval pool: ${free} free + ${this.used} used != capacity ${this.capacity}`);
    }
  }

  private grow(): void {
    const old = this.slots;
    const n = old * 2;
    if (n * STRIDE > 2 ** 31 - 1) bug("interval pool: too many nodes");
    const link = new Int32Array(n * STRIDE);
    link.set(this.link);
    this.link = link;
    const key = new Float64Array(n * STRIDE);
    key.set(this.key);
    this.key = key;
    for (let i = old; i < n; i++) this.entries.push(undefined);
    this.slots = n;
    this.chainFree(old, n);
  }

  private chainFree(from: number, to: number): void {
    for (let i = to - 1; i >= from; i--) {
      this.link[i * STRIDE + PARENT] = this.freeHead;
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
    const link = p.link;
    const key = p.key;
    let parent = NIL;
    let goLeft = false;
    for (let x = this.root; x !== NIL; ) {
      parent = x;
      const b = x * STRIDE;
      if (key[b + SUBTREE_LAST]! < last) key[b + SUBTREE_LAST] = last;
      goLeft = first < key[b + START]!;
      x = link[b + (goLeft ? LEFT : RIGHT)]!;
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
    if (p.key[prev * STRIDE + START] !== first) bug(`interval tree: insertAfter with first ${first} != ${p.key[prev * STRIDE + START]} of the previous node`);
    this.checkRange(first, last);
    this.checkAbsent(entry);
    const n = p.alloc(this.id, entry, first, last);
    const link = p.link;
    const key = p.key;
    let parent = prev;
    let goLeft = false;
    if (link[prev * STRIDE + RIGHT] !== NIL) {
      parent = link[prev * STRIDE + RIGHT]!;
      while (link[parent * STRIDE + LEFT] !== NIL) parent = link[parent * STRIDE + LEFT]!;
      goLeft = true;
    }
    for (let x = parent; x !== NIL; x = link[x * STRIDE + PARENT]!) if (key[x * STRIDE + SUBTREE_LAST]! < last) key[x * STRIDE + SUBTREE_LAST] = last;
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
    if (this.byEntry !== null) this.byEntry.delete(this.pool.entries[n]!);
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
    return this.pool.key[n * STRIDE + START]!;
  }

  /** The `last` node `n` was inserted with. */
  lastAt(n: number): number {
    return this.pool.key[n * STRIDE + LAST]!;
  }

  /**
   * The leftmost node whose range meets [first, last], or NIL. With `iterNext` this walks the k
   * matches in O(log n + k) without allocating. Linux: interval_tree_iter_first().
   */
  iterFirst(first: number, last: number): number {
    if (this.root === NIL || this.pool.key[this.root * STRIDE + SUBTREE_LAST]! < first) return NIL;
    return this.subtreeSearch(this.root, first, last);
  }

  /** The next node after `n` whose range meets [first, last], or NIL. Linux: interval_tree_iter_next(). */
  iterNext(n: number, first: number, last: number): number {
    const link = this.pool.link;
    const key = this.pool.key;
    let node = n;
    let r = link[node * STRIDE + RIGHT]!;
    for (;;) {
      if (r !== NIL && first <= key[r * STRIDE + SUBTREE_LAST]!) return this.subtreeSearch(r, first, last);
      let from: number;
      do {
        from = node;
        node = link[node * STRIDE + PARENT]!;
        if (node === NIL) return NIL;
        r = link[node * STRIDE + RIGHT]!;
      } while (r === from);
      if (last < key[node * STRIDE + START]!) return NIL;
      if (first <= key[node * STRIDE + LAST]!) return node;
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
    const link = this.pool.link;
    if (this.root !== NIL && link[this.root * STRIDE + COLOR] !== BLACK) bug("interval tree: red root");
    if (this.root !== NIL && link[this.root * STRIDE + PARENT] !== NIL) bug("interval tree: root has a parent");
    const seen = { nodes: 0, prevStart: -Infinity };
    this.checkSubtree(this.root, seen);
    if (seen.nodes !== this.count) bug(`interval tree: ${seen.nodes} nodes reachable, size says ${this.count}`);
    if (this.byEntry !== null) {
      if (this.byEntry.size !== this.count) bug(`interval tree: identity map has ${this.byEntry.size} entries, tree ${this.count}`);
      for (const [e, n] of this.byEntry) {
        if (!this.ownsNode(n) || this.pool.entries[n] !== e) bug(`interval tree: identity map points at the wrong node ${n}`);
      }
    }
  }

  /** Returns the black height of the subtree; checks order, colours, parents and maxima below `n`. */
  private checkSubtree(n: number, seen: { nodes: number; prevStart: number }): number {
    if (n === NIL) return 1;
    const link = this.pool.link;
    const key = this.pool.key;
    const b = n * STRIDE;
    if (key[b + OWNER] !== this.id) bug(`interval tree: node ${n} belongs to tree ${key[b + OWNER]}, not ${this.id}`);
    if (++seen.nodes > this.count) bug("interval tree: more nodes reachable than inserted (a cycle?)");
    const l = link[b + LEFT]!;
    const r = link[b + RIGHT]!;
    if (l !== NIL && link[l * STRIDE + PARENT] !== n) bug(`interval tree: node ${l} does not point back to its parent ${n}`);
    if (r !== NIL && link[r * STRIDE + PARENT] !== n) bug(`interval tree: node ${r} does not point back to its parent ${n}`);
    if (link[b + COLOR] === RED && (link[l * STRIDE + COLOR] === RED || link[r * STRIDE + COLOR] === RED)) bug(`interval tree: red node ${n} has a red child`);
    const hl = this.checkSubtree(l, seen);
    if (key[b + START]! < seen.prevStart) bug(`interval tree: start ${key[b + START]} after ${seen.prevStart}: out of order`);
    seen.prevStart = key[b + START]!;
    const hr = this.checkSubtree(r, seen);
    if (hl !== hr) bug(`interval tree: black heights ${hl} and ${hr} differ under node ${n}`);
    const want = Math.max(key[b + LAST]!, key[l * STRIDE + SUBTREE_LAST]!, key[r * STRIDE + SUBTREE_LAST]!);
    if (key[b + SUBTREE_LAST] !== want) bug(`interval tree: node ${n} has subtree last ${key[b + SUBTREE_LAST]}, recount ${want}`);
    return hl + (link[b + COLOR] === BLACK ? 1 : 0);
  }

  private subtreeSearch(start: number, first: number, last: number): number {
    const link = this.pool.link;
    const key = this.pool.key;
    let node = start;
    for (;;) {
      const l = link[node * STRIDE + LEFT]!;
      if (l !== NIL && first <= key[l * STRIDE + SUBTREE_LAST]!) {
        node = l;
        continue;
      }
      if (key[node * STRIDE + START]! > last) return NIL;
      if (first <= key[node * STRIDE + LAST]!) return node;
      const r = link[node * STRIDE + RIGHT]!;
      if (r === NIL || key[r * STRIDE + SUBTREE_LAST]! < first) return NIL;
      node = r;
    }
  }

  private linkAndFix(n: number, parent: number, goLeft: boolean): void {
    const p = this.pool;
    const link = p.link;
    link[n * STRIDE + PARENT] = parent;
    if (parent === NIL) this.root = n;
    else link[parent * STRIDE + (goLeft ? LEFT : RIGHT)] = n;
    if (this.byEntry !== null) this.byEntry.set(p.entries[n]!, n);
    this.count++;
    this.changes++;
    if (link[parent * STRIDE + COLOR] === RED) this.insertFixup(n);
    else if (parent === NIL) link[n * STRIDE + COLOR] = BLACK;
  }

  private checkRange(first: number, last: number): void {
    if (!(first <= last) || !Number.isFinite(first) || !Number.isFinite(last)) {
      bug(`interval tree: bad range [${first}, ${last}]`);
    }
  }

  private checkAbsent(entry: T): void {
    if (this.byEntry !== null && this.byEntry.has(entry)) bug("interval tree: entry inserted twice");
  }

  private checkNode(n: number, what: string): void {
    if (!this.ownsNode(n)) bug(`interval tree: ${what}(${n}) is not a node of this tree`);
  }

  /** Recomputes node n's subtree maximum from its interval and its children's; returns it. */
  private recompute(n: number): number {
    const link = this.pool.link;
    const key = this.pool.key;
    const b = n * STRIDE;
    let m = key[b + LAST]!;
    const l = key[link[b + LEFT]! * STRIDE + SUBTREE_LAST]!;
    const r = key[link[b + RIGHT]! * STRIDE + SUBTREE_LAST]!;
    if (l > m) m = l;
    if (r > m) m = r;
    key[b + SUBTREE_LAST] = m;
    return m;
  }

  /**
   * Recomputes the subtree maxima from `from` up to the root, stopping at the first node whose
   * maximum comes out unchanged (nothing above it can change then). Linux: the augment callbacks'
   * propagate(node, NULL).
   */
  private propagate(from: number): void {
    const link = this.pool.link;
    const key = this.pool.key;
    for (let x = from; x !== NIL; x = link[x * STRIDE + PARENT]!) {
      const old = key[x * STRIDE + SUBTREE_LAST]!;
      if (this.recompute(x) === old) break;
    }
  }

  /**
   * Rotates left around x: its right child y takes its place. y inherits x's subtree maximum (the
   * same nodes hang below); x's is recomputed. Linux: __rb_rotate_set_parents + augment rotate.
   */
  private rotateLeft(x: number): void {
    const link = this.pool.link;
    const key = this.pool.key;
    const y = link[x * STRIDE + RIGHT]!;
    const yl = link[y * STRIDE + LEFT]!;
    link[x * STRIDE + RIGHT] = yl;
    if (yl !== NIL) link[yl * STRIDE + PARENT] = x;
    this.replaceChild(x, y);
    link[y * STRIDE + LEFT] = x;
    link[x * STRIDE + PARENT] = y;
    key[y * STRIDE + SUBTREE_LAST] = key[x * STRIDE + SUBTREE_LAST]!;
    this.recompute(x);
  }

  /** The mirror image of rotateLeft. */
  private rotateRight(x: number): void {
    const link = this.pool.link;
    const key = this.pool.key;
    const y = link[x * STRIDE + LEFT]!;
    const yr = link[y * STRIDE + RIGHT]!;
    link[x * STRIDE + LEFT] = yr;
    if (yr !== NIL) link[yr * STRIDE + PARENT] = x;
    this.replaceChild(x, y);
    link[y * STRIDE + RIGHT] = x;
    link[x * STRIDE + PARENT] = y;
    key[y * STRIDE + SUBTREE_LAST] = key[x * STRIDE + SUBTREE_LAST]!;
    this.recompute(x);
  }

  /** Puts `v` where `u` hangs from u's parent (v may be NIL, whose parent slot is scratch). */
  private replaceChild(u: number, v: number): void {
    const link = this.pool.link;
    const up = link[u * STRIDE + PARENT]!;
    if (up === NIL) this.root = v;
    else if (u === link[up * STRIDE + LEFT]) link[up * STRIDE + LEFT] = v;
    else link[up * STRIDE + RIGHT] = v;
    link[v * STRIDE + PARENT] = up;
  }

  private insertFixup(z0: number): void {
    const link = this.pool.link;
    let z = z0;
    while (link[link[z * STRIDE + PARENT]! * STRIDE + COLOR] === RED) {
      const zp = link[z * STRIDE + PARENT]!;
      const g = link[zp * STRIDE + PARENT]!;
      const zpIsLeft = zp === link[g * STRIDE + LEFT];
      const uncle = link[g * STRIDE + (zpIsLeft ? RIGHT : LEFT)]!;
      if (link[uncle * STRIDE + COLOR] === RED) {
        link[zp * STRIDE + COLOR] = BLACK;
        link[uncle * STRIDE + COLOR] = BLACK;
        link[g * STRIDE + COLOR] = RED;
        z = g;
        continue;
      }
      if (zpIsLeft) {
        if (z === link[zp * STRIDE + RIGHT]) {
          z = zp;
          this.rotateLeft(z);
        }
        link[link[z * STRIDE + PARENT]! * STRIDE + COLOR] = BLACK;
        link[g * STRIDE + COLOR] = RED;
        this.rotateRight(g);
      } else {
        if (z === link[zp * STRIDE + LEFT]) {
          z = zp;
          this.rotateRight(z);
        }
        link[link[z * STRIDE + PARENT]! * STRIDE + COLOR] = BLACK;
        link[g * STRIDE + COLOR] = RED;
        this.rotateLeft(g);
      }
    }
    link[this.root * STRIDE + COLOR] = BLACK;
  }

  private minimum(n: number): number {
    const link = this.pool.link;
    if (n === NIL) return NIL;
    let x = n;
    while (link[x * STRIDE + LEFT] !== NIL) x = link[x * STRIDE + LEFT]!;
    return x;
  }

  private successor(n: number): number {
    const link = this.pool.link;
    if (link[n * STRIDE + RIGHT] !== NIL) return this.minimum(link[n * STRIDE + RIGHT]!);
    let x = n;
    let y = link[x * STRIDE + PARENT]!;
    while (y !== NIL && x === link[y * STRIDE + RIGHT]) {
      x = y;
      y = link[y * STRIDE + PARENT]!;
    }
    return y;
  }

  /**
   * Unlinks node z, restores the subtree maxima along the changed path, then rebalances. When z
   * has two children its successor y takes its place, colour and subtree maximum, so that the
   * maxima above only change if y's recomputed one does. Linux: rb_erase_augmented().
   */
  private erase(z: number): void {
    const link = this.pool.link;
    const key = this.pool.key;
    const bz = z * STRIDE;
    const zl = link[bz + LEFT]!;
    const zr = link[bz + RIGHT]!;
    let removedColor = link[bz + COLOR]!;
    let x: number;
    if (zl === NIL || zr === NIL) {
      x = zl === NIL ? zr : zl;
      const zp = link[bz + PARENT]!;
      this.replaceChild(z, x);
      this.propagate(zp);
    } else {
      const y = this.minimum(zr);
      const by = y * STRIDE;
      removedColor = link[by + COLOR]!;
      x = link[by + RIGHT]!;
      const yp = link[by + PARENT]!;
      if (yp === z) {
        link[x * STRIDE + PARENT] = y;
      } else {
        this.replaceChild(y, x);
        link[by + RIGHT] = zr;
        link[zr * STRIDE + PARENT] = y;
      }
      this.replaceChild(z, y);
      link[by + LEFT] = zl;
      link[zl * STRIDE + PARENT] = y;
      link[by + COLOR] = link[bz + COLOR]!;
      key[by + SUBTREE_LAST] = key[bz + SUBTREE_LAST]!;
      if (yp !== z) for (let w = yp; w !== y; w = link[w * STRIDE + PARENT]!) this.recompute(w);
      this.propagate(y);
    }
    if (removedColor === BLACK) this.eraseFixup(x);
    link[NIL * STRIDE + PARENT] = NIL;
  }

  private eraseFixup(x0: number): void {
    const link = this.pool.link;
    let x = x0;
    while (x !== this.root && link[x * STRIDE + COLOR] === BLACK) {
      const xp = link[x * STRIDE + PARENT]!;
      x = x === link[xp * STRIDE + LEFT] ? this.eraseFixupLeft(xp) : this.eraseFixupRight(xp);
    }
    link[x * STRIDE + COLOR] = BLACK;
  }

  /** One step of the delete fix-up for a doubly black left child of xp; returns the next x. */
  private eraseFixupLeft(xp: number): number {
    const link = this.pool.link;
    let w = link[xp * STRIDE + RIGHT]!;
    if (link[w * STRIDE + COLOR] === RED) {
      link[w * STRIDE + COLOR] = BLACK;
      link[xp * STRIDE + COLOR] = RED;
      this.rotateLeft(xp);
      w = link[xp * STRIDE + RIGHT]!;
    }
    if (link[link[w * STRIDE + LEFT]! * STRIDE + COLOR] === BLACK && link[link[w * STRIDE + RIGHT]! * STRIDE + COLOR] === BLACK) {
      link[w * STRIDE + COLOR] = RED;
      return xp;
    }
    if (link[link[w * STRIDE + RIGHT]! * STRIDE + COLOR] === BLACK) {
      link[link[w * STRIDE + LEFT]! * STRIDE + COLOR] = BLACK;
      link[w * STRIDE + COLOR] = RED;
      this.rotateRight(w);
      w = link[xp * STRIDE + RIGHT]!;
    }
    link[w * STRIDE + COLOR] = link[xp * STRIDE + COLOR]!;
    link[xp * STRIDE + COLOR] = BLACK;
    link[link[w * STRIDE + RIGHT]! * STRIDE + COLOR] = BLACK;
    this.rotateLeft(xp);
    return this.root;
  }

  /** The mirror image of eraseFixupLeft. */
  private eraseFixupRight(xp: number): number {
    const link = this.pool.link;
    let w = link[xp * STRIDE + LEFT]!;
    if (link[w * STRIDE + COLOR] === RED) {
      link[w * STRIDE + COLOR] = BLACK;
      link[xp * STRIDE + COLOR] = RED;
      this.rotateRight(xp);
      w = link[xp * STRIDE + LEFT]!;
    }
    if (link[link[w * STRIDE + RIGHT]! * STRIDE + COLOR] === BLACK && link[link[w * STRIDE + LEFT]! * STRIDE + COLOR] === BLACK) {
      link[w * STRIDE + COLOR] = RED;
      return xp;
    }
    if (link[link[w * STRIDE + LEFT]! * STRIDE + COLOR] === BLACK) {
      link[link[w * STRIDE + RIGHT]! * STRIDE + COLOR] = BLACK;
      link[w * STRIDE + COLOR] = RED;
      this.rotateLeft(w);
      w = link[xp * STRIDE + LEFT]!;
    }
    link[w * STRIDE + COLOR] = link[xp * STRIDE + COLOR]!;
    link[xp * STRIDE + COLOR] = BLACK;
    link[link[w * STRIDE + LEFT]! * STRIDE + COLOR] = BLACK;
    this.rotateRight(xp);
    return this.root;
  }
}
