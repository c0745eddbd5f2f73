/**
 * The VMA tree: the VmaTree contract of @mmsim/mm-types on the typed-array B+tree of
 * vma-btree-core.ts. Lookups follow find_vma() semantics; every misuse throws through bug() before
 * anything changes.
 */
import { DEFAULT_MMAP_MIN_ADDR, STACK_GUARD_GAP, bug } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo, VmaCursor, VmaTree, VmaTreeOptions } from "@mmsim/mm-types";
import { VmaBTreeCursor } from "./vma-cursor.js";
import { VmaBTreeCore } from "./vma-btree-core.js";
import { countAtMost, countAtMostRanked } from "./node-search.js";
import { SLOTS } from "./vma-nodes.js";
import { unmappedArea, unmappedAreaTopdown } from "./unmapped-area.js";
import { validateVmaBTree } from "./validate.js";

const MAX_ADDR = 2 ** 53;

function checkRange(vmStart: number, vmEnd: number): void {
  if (!(vmStart >= 0 && vmStart < vmEnd && vmEnd <= MAX_ADDR) || !Number.isInteger(vmStart) || !Number.isInteger(vmEnd)) {
    bug(`vma range [${vmStart}, ${vmEnd}) is empty, negative or not an integer range`);
  }
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
  /** Leaf of the last successful locate(). */
  hitLeaf = -1;
  /** Global rank index of the last successful locate() (its fields are at leaves.at(hitSlot)). */
  hitSlot = -1;

  constructor(opts: VmaTreeOptions = {}) {
    super(opts.overlap ?? false);
    this.stackGuardGap = opts.stackGuardGap ?? STACK_GUARD_GAP;
    this.mmapMinAddr = opts.mmapMinAddr ?? DEFAULT_MMAP_MIN_ADDR;
  }

  get mapCount(): number {
    return this.count;
  }

  /** Finds the first entry in key order with vmEnd > addr into hitLeaf/hitSlot; false when none. */
  locate(addr: number): boolean {
    return this.overlap ? this.locateOverlap(addr) : this.locateSorted(addr);
  }

  private locateSorted(addr: number): boolean {
    const I = this.internals;
    let node = this.root;
    for (let l = this.height; l > 0; l--) {
      const b = node * SLOTS;
      const c = countAtMost(I.maxEnd, b, I.count[node]!, addr);
      if (c === I.count[node]) return false;
      node = I.child[b + c]!;
    }
    const L = this.leaves;
    const b = node * SLOTS;
    const c = countAtMostRanked(L.vmEnd, L.rank, b, L.count[node]!, addr);
    if (c === L.count[node]) return false;
    this.hitLeaf = node;
    this.hitSlot = b + c;
    return true;
  }

  private locateOverlap(addr: number): boolean {
    const I = this.internals;
    let node = this.root;
    for (let l = this.height; l > 0; l--) {
      const b = node * SLOTS;
      const e = b + I.count[node]!;
      let i = b;
      while (i < e && I.maxEnd[i]! <= addr) i++;
      if (i === e) return false;
      node = I.child[i]!;
    }
    const L = this.leaves;
    const b = node * SLOTS;
    const e = b + L.count[node]!;
    let i = b;
    while (i < e && L.vmEnd[L.at(i)]! <= addr) i++;
    if (i === e) return false;
    this.hitLeaf = node;
    this.hitSlot = i;
    return true;
  }

  findVma(addr: number): T | undefined {
    return this.locate(addr) ? this.leaves.value[this.leaves.at(this.hitSlot)] : undefined;
  }

  findVmaPrev(addr: number): T | undefined {
    const g = this.locate(addr) ? this.prevSlot(this.hitLeaf, this.hitSlot) : this.lastSlot();
    return g < 0 ? undefined : this.leaves.value[this.leaves.at(g)];
  }

  findVmaIntersection(start: number, end: number): T | undefined {
    if (!this.locate(start) || this.leaves.vmStart[this.leaves.at(this.hitSlot)]! >= end) return undefined;
    return this.leaves.value[this.leaves.at(this.hitSlot)];
  }

  insert(vmStart: number, vmEnd: number, vmPgoff: number, vmFlags: number, id: number, value: T): void {
    checkRange(vmStart, vmEnd);
    if (!(id >= 0) || !Number.isInteger(id)) bug(`vma id ${id} is not a non-negative integer`);
    if (value === undefined) bug("a vma tree value must not be undefined");
    const finger = this.fingerFits(vmStart, id);
    const leaf = finger ? this.pathNode[this.height]! : this.descend(vmStart, id);
    const pos = finger ? this.fingerPos : this.upperBound(leaf, vmStart, id);
    this.fingerValid = false;
    const g = leaf * SLOTS + pos;
    if (this.overlap ? this.isKeyAt(this.prevSlot(leaf, g), vmStart, id) : !this.fitsBetween(leaf, g, vmStart, vmEnd)) {
      bug(`inserting (${vmStart}, ${id}) as [${vmStart}, ${vmEnd}) overlaps or duplicates an existing vma`);
    }
    this.count++;
    this.generation++;
    const restores = finger && vmStart === this.fingerStart && vmEnd === this.fingerEnd;
    this.insertAt(leaf, pos, vmStart, vmEnd, vmPgoff, vmFlags, id, value, restores ? this.fingerGap : -1);
  }

  /** True when key (vmStart, id) belongs at the finger left by the last erase, strictly inside its leaf. */
  private fingerFits(vmStart: number, id: number): boolean {
    if (!this.fingerValid) return false;
    const L = this.leaves;
    const leaf = this.pathNode[this.height]!;
    const g = leaf * SLOTS + this.fingerPos;
    if (this.fingerPos === 0 || this.fingerPos >= L.count[leaf]!) return false;
    return this.keyBelow(L.at(g - 1), vmStart, id) && this.keyAbove(L.at(g), vmStart, id);
  }

  /** True when the entry at field index f has a key below (vmStart, id). */
  private keyBelow(f: number, vmStart: number, id: number): boolean {
    const s = this.leaves.vmStart[f]!;
    return s < vmStart || (s === vmStart && this.leaves.idOf(f) < id);
  }

  /** True when the entry at field index f has a key above (vmStart, id). */
  private keyAbove(f: number, vmStart: number, id: number): boolean {
    const s = this.leaves.vmStart[f]!;
    return s > vmStart || (s === vmStart && this.leaves.idOf(f) > id);
  }

  private isKeyAt(g: number, vmStart: number, id: number): boolean {
    const L = this.leaves;
    return g >= 0 && L.vmStart[L.at(g)] === vmStart && L.idOf(L.at(g)) === id;
  }

  /** True when [vmStart, vmEnd) ends before global slot g (of `leaf`, or its end) and starts after the entry before g. */
  private fitsBetween(leaf: number, g: number, vmStart: number, vmEnd: number): boolean {
    const L = this.leaves;
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
    const g = this.slotOfKey(vmStart, id);
    if (g < 0) return false;
    this.count--;
    this.generation++;
    this.removeAt(this.hitLeaf, g - this.hitLeaf * SLOTS);
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
    const L = this.leaves;
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
    if (!this.keepsOrder(leaf, g, vmStart, id)) bug(`adjust of vma ${id} to start ${vmStart} breaks the key order`);
    if (!this.overlap && !this.fitsAround(leaf, g, vmStart, vmEnd)) bug(`adjust of vma ${id} to [${vmStart}, ${vmEnd}) overlaps a neighbour`);
    const L = this.leaves;
    const f = L.at(g);
    if (leaf !== this.pathNode[this.height] && this.descend(L.vmStart[f]!, id) !== leaf) bug(`leaf ${leaf} is not where vma ${id} leads`);
    L.vmStart[f] = vmStart;
    L.vmEnd[f] = vmEnd;
    L.setMeta(f, vmPgoff, L.flagsOf(f), id);
    this.leafChanged(g - leaf * SLOTS, L.count[leaf]!, -1, -1);
  }

  private keepsOrder(leaf: number, g: number, vmStart: number, id: number): boolean {
    const L = this.leaves;
    const p = this.prevSlot(leaf, g);
    const n = this.nextSlot(leaf, g);
    const afterPrev = p < 0 || L.vmStart[L.at(p)]! < vmStart || (L.vmStart[L.at(p)] === vmStart && L.idOf(L.at(p)) < id);
    const beforeNext = n < 0 || vmStart < L.vmStart[L.at(n)]! || (vmStart === L.vmStart[L.at(n)] && id < L.idOf(L.at(n)));
    return afterPrev && beforeNext;
  }

  private fitsAround(leaf: number, g: number, vmStart: number, vmEnd: number): boolean {
    const L = this.leaves;
    const p = this.prevSlot(leaf, g);
    const n = this.nextSlot(leaf, g);
    return (p < 0 || L.vmEnd[L.at(p)]! <= vmStart) && (n < 0 || vmEnd <= L.vmStart[L.at(n)]!);
  }

  vmFlagsReset(vmStart: number, id: number, vmFlags: number): void {
    const g = this.slotOfKey(vmStart, id);
    if (g < 0) bug(`no vma with key (${vmStart}, ${id})`);
    const L = this.leaves;
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
    return unmappedArea(this, info);
  }

  unmappedAreaTopdown(info: VmUnmappedAreaInfo): number {
    return unmappedAreaTopdown(this, info);
  }

  assertValid(): void {
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
