/**
 * Node storage of the VMA B+tree: two pools of fixed-width nodes in typed arrays, each with a free
 * list. Slot `i` of node `n` lives at index `n * SLOTS + i` of every field array (times 3 in a leaf's
 * `meta`). Pools grow by doubling; nothing is allocated per operation otherwise.
 */

/**
 * Slots per node, as a module constant: the JIT folds a constant the module keeps to itself, where an
 * exported binding (SLOTS) is re-read through its cell at every use.
 */
const NODE_SLOTS = 32;
/** Entries per leaf and children per internal node. Linux: MAPLE_RANGE64_SLOTS (16) plays this part in the maple tree. */
export const SLOTS = NODE_SLOTS;
/** 32-bit words of one leaf's rank block (LeafPool.rankWords). */
const RANK_WORDS = NODE_SLOTS >> 2;
/** Numbers per entry in LeafPool.meta. */
const META = 2;
/** A non-root node with fewer slots than this after an erase is merged or refilled. Linux: mt_min_slots[] in lib/maple_tree.c. */
export const MIN_FILL = NODE_SLOTS >> 2;
/** No tree gets deeper than this: internal nodes other than those at the tree's edges keep at least MIN_FILL children. */
export const MAX_DEPTH = 24;

function grownF64(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

function grownI32(a: Int32Array, size: number, fill = 0): Int32Array {
  const b = new Int32Array(size).fill(fill);
  b.set(a);
  return b;
}

/** Free-list bookkeeping shared by both pools. */
abstract class NodePool {
  /** Nodes the arrays can hold. */
  capacity: number;
  /** Slots used per node. */
  count: Int32Array;
  /** Nodes ever handed out (the high-water mark); those below it and not free are live. */
  used = 0;
  private free: Int32Array;
  private freeTop = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.count = new Int32Array(capacity);
    this.free = new Int32Array(capacity);
  }

  /** Takes a node off the free list (or a fresh one), with no slots in use. */
  alloc(): number {
    if (this.freeTop > 0) return this.free[--this.freeTop]!;
    if (this.used === this.capacity) this.grow(this.capacity * 2);
    return this.used++;
  }

  /** Returns a node to the free list. */
  release(node: number): void {
    this.count[node] = 0;
    this.free[this.freeTop++] = node;
  }

  /** Forgets every node. */
  reset(): void {
    this.used = 0;
    this.freeTop = 0;
    this.count.fill(0);
  }

  /** Nodes currently handed out. */
  get live(): number {
    return this.used - this.freeTop;
  }

  protected grow(capacity: number): void {
    this.capacity = capacity;
    this.count = grownI32(this.count, capacity);
    this.free = grownI32(this.free, capacity);
    this.growFields(capacity * NODE_SLOTS);
  }

  protected abstract growFields(slots: number): void;
}

/**
 * Leaves: the entries themselves, and a doubly linked chain in key order. A leaf's entries sit in its
 * physical slots in any order; `rank` lists the physical slots by key order (ranks below `count`) and
 * then the free ones, so an insert or erase shifts bytes of `rank`, not the entries.
 *
 * A position is named by a global rank index `g = leaf * SLOTS + r`; its fields live at `at(g)`.
 */
export class LeafPool<T> extends NodePool {
  /**
   * vm_start of each field index; +Infinity in every free physical slot, so that a bisection by rank
   * may run over all of a leaf's ranks (the free ones last) in the unrolled 32-slot form.
   */
  vmStart: Float64Array;
  /**
   * vm_end of each field index; +Infinity in every free physical slot, so that a lookup can count a
   * leaf's ends at most an address over all its slots in physical order, without the ranks.
   */
  vmEnd: Float64Array;
  /** The id of each field index, in a dense array of its own: erase reads only the id, and a dense array keeps more of them in cache. */
  vmId: Float64Array;
  /** vm_pgoff and vm_flags of each field index, side by side so that one cache line holds them. */
  meta: Float64Array;
  value: (T | undefined)[];
  /** Physical slot of each rank, per leaf: a permutation of 0..SLOTS-1. */
  rank: Uint8Array;
  /** `rank` seen as 32-bit words (RANK_WORDS per leaf), to shift four ranks at a time. */
  rankWords: Int32Array;
  /** Next leaf in key order, or -1. */
  next: Int32Array;
  /** Previous leaf in key order, or -1. */
  prev: Int32Array;

  constructor(capacity: number) {
    super(capacity);
    const slots = capacity * NODE_SLOTS;
    this.vmStart = new Float64Array(slots).fill(Infinity);
    this.vmEnd = new Float64Array(slots).fill(Infinity);
    this.vmId = new Float64Array(slots);
    this.meta = new Float64Array(slots * META);
    this.value = [];
    for (let i = 0; i < slots; i++) this.value.push(undefined);
    this.rank = identityRanks(slots);
    this.rankWords = new Int32Array(this.rank.buffer);
    this.next = new Int32Array(capacity).fill(-1);
    this.prev = new Int32Array(capacity).fill(-1);
  }

  /** The field index of global rank index `g`. */
  at(g: number): number {
    return (g & -NODE_SLOTS) + this.rank[g]!;
  }

  /** vm_pgoff at field index `f`. */
  pgoffOf(f: number): number {
    return this.meta[f * META]!;
  }

  /** vm_flags at field index `f`. */
  flagsOf(f: number): number {
    return this.meta[f * META + 1]!;
  }

  /** id at field index `f`. */
  idOf(f: number): number {
    return this.vmId[f]!;
  }

  /** Sets vm_pgoff, vm_flags and id at field index `f`. */
  setMeta(f: number, vmPgoff: number, vmFlags: number, id: number): void {
    const m = this.meta;
    m[f * META] = vmPgoff;
    m[f * META + 1] = vmFlags;
    this.vmId[f] = id;
  }

  override alloc(): number {
    const n = super.alloc();
    this.next[n] = -1;
    this.prev[n] = -1;
    // a node off the free list keeps its last ends: every slot of a new leaf is free
    this.vmStart.fill(Infinity, n * NODE_SLOTS, n * NODE_SLOTS + NODE_SLOTS);
    this.vmEnd.fill(Infinity, n * NODE_SLOTS, n * NODE_SLOTS + NODE_SLOTS);
    return n;
  }

  override reset(): void {
    super.reset();
    this.value.fill(undefined);
    this.vmStart.fill(Infinity);
    this.vmEnd.fill(Infinity);
  }

  protected growFields(slots: number): void {
    const oldSlots = this.vmEnd.length;
    this.vmStart = grownF64(this.vmStart, slots);
    this.vmStart.fill(Infinity, oldSlots);
    this.vmEnd = grownF64(this.vmEnd, slots);
    this.vmEnd.fill(Infinity, oldSlots);
    this.vmId = grownF64(this.vmId, slots);
    this.meta = grownF64(this.meta, slots * META);
    for (let i = this.value.length; i < slots; i++) this.value.push(undefined);
    const rank = identityRanks(slots);
    rank.set(this.rank);
    this.rank = rank;
    this.rankWords = new Int32Array(rank.buffer);
    this.next = grownI32(this.next, this.capacity, -1);
    this.prev = grownI32(this.prev, this.capacity, -1);
  }

  /** Opens rank `r` of `leaf` (shifting later ranks up) on a free physical slot; returns its field index. */
  open(leaf: number, r: number): number {
    const { rank, count } = this;
    const b = leaf * NODE_SLOTS;
    const n = count[leaf]!;
    const phys = rank[b + n]!;
    if (r < n) {
      if (LITTLE_ENDIAN) shiftRanksUp(this.rankWords, leaf * RANK_WORDS, r, n);
      else for (let i = b + n; i > b + r; i--) rank[i] = rank[i - 1]!;
    }
    rank[b + r] = phys;
    count[leaf] = n + 1;
    return b + phys;
  }

  /** Closes rank `r` of `leaf` (shifting later ranks down) and frees its physical slot. */
  close(leaf: number, r: number): void {
    const { rank, count } = this;
    const b = leaf * NODE_SLOTS;
    const n = count[leaf]! - 1;
    const phys = rank[b + r]!;
    if (r < n) {
      if (LITTLE_ENDIAN) shiftRanksDown(this.rankWords, leaf * RANK_WORDS, r, n);
      else for (let i = b + r; i < b + n; i++) rank[i] = rank[i + 1]!;
    }
    rank[b + n] = phys;
    this.value[b + phys] = undefined;
    this.vmStart[b + phys] = Infinity;
    this.vmEnd[b + phys] = Infinity;
    count[leaf] = n;
  }

  /** Copies the entry at field index `from` to field index `to`. */
  copy(from: number, to: number): void {
    this.vmStart[to] = this.vmStart[from]!;
    this.vmEnd[to] = this.vmEnd[from]!;
    this.setMeta(to, this.pgoffOf(from), this.flagsOf(from), this.idOf(from));
    this.value[to] = this.value[from];
  }

  /** Appends ranks [r, r + k) of `src` to `dst` in order; `src` keeps them until its count is cut. */
  append(src: number, r: number, k: number, dst: number): void {
    for (let i = 0; i < k; i++) this.copy(this.at(src * NODE_SLOTS + r + i), this.open(dst, this.count[dst]!));
  }

  /** Drops ranks from `n` up of `leaf`: its count becomes n and their values are released. */
  cut(leaf: number, n: number): void {
    const b = leaf * NODE_SLOTS;
    for (let i = b + n; i < b + this.count[leaf]!; i++) {
      const f = this.at(i);
      this.value[f] = undefined;
      this.vmStart[f] = Infinity;
      this.vmEnd[f] = Infinity;
    }
    this.count[leaf] = n;
  }
}

/** True where a 32-bit word holds its bytes low byte first, as `rankWords` shifts assume (else ranks move one byte at a time). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The bits of bytes lo..hi (0 <= lo, hi <= 3) of a 32-bit word; 0 when hi < lo. */
function byteMask(lo: number, hi: number): number {
  if (hi < lo) return 0;
  return hi - lo === 3 ? -1 : ((1 << ((hi - lo + 1) << 3)) - 1) << (lo << 3);
}

/**
 * In the rank block at word `base` (little-endian bytes), moves ranks r + 1..n down one place:
 * afterwards byte i holds what byte i + 1 held, for r <= i < n. Byte n keeps its value.
 */
function shiftRanksDown(w: Int32Array, base: number, r: number, n: number): void {
  for (let k = r >> 2; k <= (n - 1) >> 2; k++) {
    const next = k + 1 < RANK_WORDS ? w[base + k + 1]! : 0;
    const old = w[base + k]!;
    const m = byteMask(Math.max(r - (k << 2), 0), Math.min(n - 1 - (k << 2), 3));
    w[base + k] = (old & ~m) | (((old >>> 8) | (next << 24)) & m);
  }
}

/**
 * In the rank block at word `base` (little-endian bytes), moves ranks r..n - 1 up one place:
 * afterwards byte i holds what byte i - 1 held, for r < i <= n. Byte r keeps its value.
 */
function shiftRanksUp(w: Int32Array, base: number, r: number, n: number): void {
  for (let k = n >> 2; k >= (r + 1) >> 2; k--) {
    const prev = k > 0 ? w[base + k - 1]! : 0;
    const old = w[base + k]!;
    const m = byteMask(Math.max(r + 1 - (k << 2), 0), Math.min(n - (k << 2), 3));
    w[base + k] = (old & ~m) | (((old << 8) | (prev >>> 24)) & m);
  }
}

function identityRanks(slots: number): Uint8Array {
  const rank = new Uint8Array(slots);
  for (let i = 0; i < slots; i++) rank[i] = i % NODE_SLOTS;
  return rank;
}

/**
 * Internal nodes: per child slot, the child's index and its summary: smallest key (minStart, minId),
 * largest vm_end (maxEnd) and largest free gap between two of its entries (maxGap, with gapStale).
 */
export class InternalPool extends NodePool {
  minStart: Float64Array;
  minId: Float64Array;
  maxEnd: Float64Array;
  maxGap: Float64Array;
  /** 1 when maxGap may be out of date (see vma-btree-core.ts); every slot above a stale one is stale. */
  gapStale: Uint8Array;
  child: Int32Array;

  constructor(capacity: number) {
    super(capacity);
    const slots = capacity * NODE_SLOTS;
    this.minStart = new Float64Array(slots);
    this.minId = new Float64Array(slots);
    this.maxEnd = new Float64Array(slots);
    this.maxGap = new Float64Array(slots);
    this.gapStale = new Uint8Array(slots);
    this.child = new Int32Array(slots);
  }

  protected growFields(slots: number): void {
    this.minStart = grownF64(this.minStart, slots);
    this.minId = grownF64(this.minId, slots);
    this.maxEnd = grownF64(this.maxEnd, slots);
    this.maxGap = grownF64(this.maxGap, slots);
    const stale = new Uint8Array(slots);
    stale.set(this.gapStale);
    this.gapStale = stale;
    this.child = grownI32(this.child, slots);
  }

  /** Moves `n` child slots from index `from` to index `to` (global slot indices; ranges may overlap). */
  move(from: number, to: number, n: number): void {
    this.minStart.copyWithin(to, from, from + n);
    this.minId.copyWithin(to, from, from + n);
    this.maxEnd.copyWithin(to, from, from + n);
    this.maxGap.copyWithin(to, from, from + n);
    this.gapStale.copyWithin(to, from, from + n);
    this.child.copyWithin(to, from, from + n);
  }
}
