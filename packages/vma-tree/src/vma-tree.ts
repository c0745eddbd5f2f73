/**
 * The VMA tree: the VmaTree contract of @mmsim/mm-types on the typed-array B+tree of
 * vma-btree-core.ts. Lookups follow find_vma() semantics; every misuse throws through bug() before
 * anything changes.
 */
import { DEFAULT_MMAP_MIN_ADDR, STACK_GUARD_GAP, bug } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo, VmaCursor, VmaTree, VmaTreeOptions } from "@mmsim/mm-types";
import { VmaBTreeCursor } from "./vma-cursor.js";
import { VmaBTreeCore } from "./vma-btree-core.js";
import {
  countAtMost as searchCountAtMost,
  countAtMostRanked as searchCountAtMostRanked,
  countAtMostSlots as searchCountAtMostSlots,
  touchLeafValues as searchTouchLeafValues,
} from "./node-search.js";
import { SLOTS as NODE_SLOTS } from "./vma-nodes.js";
import { unmappedArea, unmappedAreaTopdown } from "./unmapped-area.js";
import { validateVmaBTree } from "./validate.js";

/** SLOTS as a module constant: the JIT folds it, where an imported binding is re-read through its cell at every use. */
const SLOTS = NODE_SLOTS;
/** The node searches as module constants too, so that calls to them need no cell load and check. */
const countAtMost = searchCountAtMost;
const countAtMostRanked = searchCountAtMostRanked;
const countAtMostSlots = searchCountAtMostSlots;
const touchLeafValues = searchTouchLeafValues;

const MAX_ADDR = 2 ** 53;

function checkRange(vmStart: number, vmEnd: number): void {
  if (!isRange(vmStart, vmEnd)) bug(`vma range [${vmStart}, ${vmEnd}) is empty, negative or not an integer range`);
}

/** True for a non-empty integer range inside [0, 2^53]. */
function isRange(vmStart: number, vmEnd: number): boolean {
  return vmStart >= 0 && vmStart < vmEnd && vmEnd <= MAX_ADDR && Number.isInteger(vmStart) && Number.isInteger(vmEnd);
}

/** True for an entry insert() takes: a valid range and a non-negative integer id. */
function isEntry(vmStart: number, vmEnd: number, id: number): boolean {
  return isRange(vmStart, vmEnd) && id >= 0 && Number.isInteger(id);
}

/**
 * Throws the KernelBug insert() owes an entry that overlaps or duplicates another. Its message is
 * built here: built in insert(), the JIT may format the numbers before the test that guards it.
 */
function overlapBug(vmStart: number, vmEnd: number, id: number): never {
  bug(`inserting (${vmStart}, ${id}) as [${vmStart}, ${vmEnd}) overlaps or duplicates an existing vma`);
}

/** Throws the KernelBug insert() owes a bad range, id or value. */
function badEntry(vmStart: number, vmEnd: number, id: number): never {
  checkRange(vmStart, vmEnd);
  if (!(id >= 0) || !Number.isInteger(id)) bug(`vma id ${id} is not a non-negative integer`);
  bug("a vma tree value must not be undefined");
}

/**
 * Keeps one mm's VMAs in a B+tree of typed arrays whose internal slots summarize their subtrees
 * (smallest key, largest vm_end, largest gap), for O(log n) find_vma() and gap search.
 * Linux: the maple tree mm->mm_mt (lib/maple_tree.c) as mm/mmap.c and mm/vma.c use it.
 * The VmaTree methods are the contract; the other public members (pools, path, descend, ...) are
 * this package's internals, public for its own modules and tests.
 */
export class VmaBTree<T> extends VmaBTreeCore<T> implements VmaTree<T> {
  readonly stackGuardGap: number;
  readonly mmapMinAddr: number;
  /** Leaf of the entry the last slotOfKey() or slotOfMovedId() found. */
  hitLeaf = -1;

  constructor(opts: VmaTreeOptions = {}) {
    super(opts.overlap ?? false);
    this.stackGuardGap = opts.stackGuardGap ?? STACK_GUARD_GAP;
    this.mmapMinAddr = opts.mmapMinAddr ?? DEFAULT_MMAP_MIN_ADDR;
  }

  get mapCount(): number {
    return this.count;
  }

  /**
   * The global rank index of the first entry in key order with vmEnd > addr, or -1 when none. Its leaf
   * is `g / SLOTS` rounded down; its fields are at `leaves.at(g)`.
   */
  locate(addr: number): number {
    if (this.erasePending) this.flushErase();
    return this.overlap ? this.locateOverlap(addr) : this.locateSorted(addr);
  }

  private locateSorted(addr: number): number {
    // Arrays in locals: the JIT then checks each once, not at every level.
    const { maxEnd, count, child } = this.internalPool;
    let node = this.root;
    for (let l = this.height; l > 0; l--) {
      const b = node * SLOTS;
      const n = count[node]!;
      const c = countAtMost(maxEnd, b, n, addr);
      if (c === n) return -1;
      node = child[b + c]!;
    }
    const L = this.leafPool;
    const b = node * SLOTS;
    const n = L.count[node]!;
    // A lone leaf (a small address space) stays in cache: bisecting it by rank beats counting all
    // 32 slots. In a big tree the leaf is usually cold, and counting its slots fetches its four
    // cache lines at once, with the line of the value find_vma() returns.
    if (this.height === 0) {
      const r = countAtMostRanked(L.vmEnd, L.rank, b, SLOTS, addr);
      return r >= n ? -1 : b + r;
    }
    touchLeafValues(L.value, b);
    const c = countAtMostSlots(L.vmEnd, b, addr);
    return c === n ? -1 : b + c;
  }

  private locateOverlap(addr: number): number {
    const I = this.internalPool;
    let node = this.root;
    for (let l = this.height; l > 0; l--) {
      const b = node * SLOTS;
      const e = b + I.count[node]!;
      let i = b;
      while (i < e && I.maxEnd[i]! <= addr) i++;
      if (i === e) return -1;
      node = I.child[i]!;
    }
    const L = this.leafPool;
    const b = node * SLOTS;
    const e = b + L.count[node]!;
    let i = b;
    while (i < e && L.vmEnd[L.at(i)]! <= addr) i++;
    return i === e ? -1 : i;
  }

  findVma(addr: number): T | undefined {
    const g = this.locate(addr);
    return g < 0 ? undefined : this.leafPool.value[this.leafPool.at(g)];
  }

  findVmaPrev(addr: number): T | undefined {
    const hit = this.locate(addr);
    const g = hit >= 0 ? this.prevSlot(Math.floor(hit / SLOTS), hit) : this.lastSlot();
    return g < 0 ? undefined : this.leafPool.value[this.leafPool.at(g)];
  }

  findVmaIntersection(start: number, end: number): T | undefined {
    const g = this.locate(start);
    if (g < 0 || this.leafPool.vmStart[this.leafPool.at(g)]! >= end) return undefined;
    return this.leafPool.value[this.leafPool.at(g)];
  }

  insert(vmStart: number, vmEnd: number, vmPgoff: number, vmFlags: number, id: number, value: T): void {
    if (!isEntry(vmStart, vmEnd, id) || value === undefined) badEntry(vmStart, vmEnd, id);
    if (this.erasePending) {
      if (this.canRefillErase(vmStart, vmEnd, id)) {
        this.count++;
        this.generation++;
        this.refillErase(vmPgoff, vmFlags, id, value);
        return;
      }
      this.flushErase();
    }
    if (this.fingerFits(vmStart, vmEnd, id)) {
      this.count++;
      this.generation++;
      this.insertAtFinger(vmStart, vmEnd, vmPgoff, vmFlags, id, value);
      return;
    }
    const leaf = this.descend(vmStart, id);
    const pos = this.upperBound(leaf, vmStart, id);
    const g = leaf * SLOTS + pos;
    if (this.overlap ? this.isKeyAt(this.prevSlot(leaf, g), vmStart, id) : !this.fitsBetween(leaf, g, vmStart, vmEnd)) {
      overlapBug(vmStart, vmEnd, id);
    }
    this.count++;
    this.generation++;
    this.insertAt(leaf, pos, vmStart, vmEnd, vmPgoff, vmFlags, id, value);
  }

  /**
   * True when the entry goes at the finger the last erase left: strictly inside that leaf, between
   * the ranks around the freed one, and (without overlap) clear of both neighbours.
   */
  private fingerFits(vmStart: number, vmEnd: number, id: number): boolean {
    if (!this.fingerValid) return false;
    const L = this.leafPool;
    const leaf = this.pathNode[this.height]!;
    const b = leaf * SLOTS;
    const r = this.fingerPos;
    if (r === 0 || r >= L.count[leaf]!) return false;
    const below = b + L.rank[b + r - 1]!;
    const above = b + L.rank[b + r]!;
    if (this.overlap) return this.keyBelow(below, vmStart, id) && this.keyAbove(above, vmStart, id);
    return (vmStart >= this.fingerStart || L.vmEnd[below]! <= vmStart) && vmEnd <= L.vmStart[above]!;
  }

  /** True when the entry at field index f has a key below (vmStart, id). */
  private keyBelow(f: number, vmStart: number, id: number): boolean {
    const s = this.leafPool.vmStart[f]!;
    return s < vmStart || (s === vmStart && this.leafPool.idOf(f) < id);
  }

  /** True when the entry at field index f has a key above (vmStart, id). */
  private keyAbove(f: number, vmStart: number, id: number): boolean {
    const s = this.leafPool.vmStart[f]!;
    return s > vmStart || (s === vmStart && this.leafPool.idOf(f) > id);
  }

  private isKeyAt(g: number, vmStart: number, id: number): boolean {
    const L = this.leafPool;
    return g >= 0 && L.vmStart[L.at(g)] === vmStart && L.idOf(L.at(g)) === id;
  }

  /** True when [vmStart, vmEnd) ends before global slot g (of `leaf`, or its end) and starts after the entry before g. */
  private fitsBetween(leaf: number, g: number, vmStart: number, vmEnd: number): boolean {
    const L = this.leafPool;
    const p = this.prevSlot(leaf, g);
    if (p >= 0 && L.vmEnd[L.at(p)]! > vmStart) return false;
    const n = g < leaf * SLOTS + L.count[leaf]! ? g : this.nextSlot(leaf, g - 1);
    return n < 0 || L.vmStart[L.at(n)]! >= vmEnd;
  }

  /** Descends to key (vmStart, id); returns its global slot (hitLeaf is its leaf) or -1. */
  private slotOfKey(vmStart: number, id: number): number {
    const leaf = this.descend(vmStart, id);
    const g = leaf * SLOTS + this.upperBound(leaf, vmStart, id) - 1;
    this.hitLeaf = leaf;
    return g >= leaf * SLOTS && this.isKeyAt(g, vmStart, id) ? g : -1;
  }

  erase(vmStart: number, id: number): boolean {
    const leaf = this.descend(vmStart, id);
    const pos = this.upperBound(leaf, vmStart, id) - 1;
    if (pos < 0) return false;
    const L = this.leafPool;
    const f = leaf * SLOTS + L.rank[leaf * SLOTS + pos]!;
    if (L.vmStart[f] !== vmStart || L.vmId[f] !== id) return false;
    this.count--;
    this.generation++;
    this.deferErase(pos, f);
    return true;
  }

  /**
   * Descends to where key (vmStart, id) belongs and returns the global slot of the entry with this id
   * beside that place (hitLeaf is its leaf), or -1. An entry that keeps its place in key order is
   * always there: it is the last key at or below the new key, or the first above it.
   */
  private slotOfMovedId(vmStart: number, id: number): number {
    const leaf = this.descend(vmStart, id);
    const g = leaf * SLOTS + this.upperBound(leaf, vmStart, id);
    const L = this.leafPool;
    const before = this.prevSlot(leaf, g);
    const after = g < leaf * SLOTS + L.count[leaf]! ? g : this.nextSlot(leaf, g - 1);
    const found = before >= 0 && L.idOf(L.at(before)) === id ? before : after >= 0 && L.idOf(L.at(after)) === id ? after : -1;
    this.hitLeaf = Math.floor(found / SLOTS);
    return found;
  }

  adjust(id: number, vmStart: number, vmEnd: number, vmPgoff: number): void {
    checkRange(vmStart, vmEnd);
    const g = this.slotOfMovedId(vmStart, id);
    if (g < 0) bug(`adjust of vma ${id} to start ${vmStart}: no such vma, or the move breaks the key order`);
    const leaf = this.hitLeaf;
    const L = this.leafPool;
    // the neighbours, once: the new range must keep its place in key order and (without overlaps) clear them
    const p = this.prevSlot(leaf, g);
    const n = this.nextSlot(leaf, g);
    const pf = p < 0 ? -1 : L.at(p);
    const nf = n < 0 ? -1 : L.at(n);
    const afterPrev = pf < 0 || L.vmStart[pf]! < vmStart || (L.vmStart[pf] === vmStart && L.idOf(pf) < id);
    const beforeNext = nf < 0 || vmStart < L.vmStart[nf]! || (vmStart === L.vmStart[nf] && id < L.idOf(nf));
    if (!afterPrev || !beforeNext) bug(`adjust of vma ${id} to start ${vmStart} breaks the key order`);
    if (!this.overlap && ((pf >= 0 && L.vmEnd[pf]! > vmStart) || (nf >= 0 && vmEnd > L.vmStart[nf]!))) {
      bug(`adjust of vma ${id} to [${vmStart}, ${vmEnd}) overlaps a neighbour`);
    }
    const f = L.at(g);
    if (leaf !== this.pathNode[this.height] && this.descend(L.vmStart[f]!, id) !== leaf) bug(`leaf ${leaf} is not where vma ${id} leads`);
    L.vmStart[f] = vmStart;
    L.vmEnd[f] = vmEnd;
    L.setMeta(f, vmPgoff, L.flagsOf(f), id);
    this.leafChanged(g - leaf * SLOTS, L.count[leaf]!, -1, -1, -1);
  }

  vmFlagsReset(vmStart: number, id: number, vmFlags: number): void {
    const g = this.slotOfKey(vmStart, id);
    if (g < 0) bug(`no vma with key (${vmStart}, ${id})`);
    const L = this.leafPool;
    const f = L.at(g);
    L.setMeta(f, L.pgoffOf(f), vmFlags, id);
  }

  clear(): void {
    this.reset();
  }

  cursor(): VmaCursor<T> {
    return new VmaBTreeCursor(this);
  }

  unmappedArea(info: VmUnmappedAreaInfo): number {
    if (this.erasePending) this.flushErase();
    return unmappedArea(this, info);
  }

  unmappedAreaTopdown(info: VmUnmappedAreaInfo): number {
    if (this.erasePending) this.flushErase();
    return unmappedAreaTopdown(this, info);
  }

  assertValid(): void {
    if (this.erasePending) this.flushErase();
    validateVmaBTree(this);
  }
}

/**
 * Creates an empty VMA tree: a B+tree over typed arrays (32 slots a node) whose internal slots carry
 * each subtree's smallest key, largest vm_end and largest free gap, so that find_vma() and gap search
 * cost O(log n). Linux: the mm_struct's maple tree (mm->mm_mt, lib/maple_tree.c) as mm/mmap.c uses it.
 */
export function createVmaTree<T>(opts: VmaTreeOptions = {}): VmaTree<T> {
  return new VmaBTree<T>(opts);
}
