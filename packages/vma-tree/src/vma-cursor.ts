/**
 * The reusable in-order cursor of the VMA B+tree: it walks the leaf chain, so a step costs O(1) and
 * allocates nothing. Linux: struct vma_iterator, vma_find() and for_each_vma_range() in include/linux/mm.h.
 */
import { bug } from "@mmsim/mm-types";
import type { VmaCursor } from "@mmsim/mm-types";
import { SLOTS as NODE_SLOTS } from "./vma-nodes.js";
import type { VmaBTree } from "./vma-tree.js";

/** SLOTS as a module constant: the JIT folds it, where an imported binding is re-read through its cell at every use. */
const SLOTS = NODE_SLOTS;

/**
 * Walks the entries of a VmaBTree that intersect [start, end), in key order, along the leaf chain.
 * Linux: struct vma_iterator with vma_find().
 */
export class VmaBTreeCursor<T> implements VmaCursor<T> {
  vmStart = 0;
  vmEnd = 0;
  vmPgoff = 0;
  vmFlags = 0;
  id = -1;
  private leaf = -1;
  private slot = 0;
  private start = 0;
  private end = 0;
  private generation: number;

  constructor(private readonly tree: VmaBTree<T>) {
    this.generation = tree.generation;
  }

  reset(start: number, end: number): void {
    const t = this.tree;
    this.start = start;
    this.end = end;
    this.generation = t.generation;
    const g = t.locate(start);
    this.leaf = g < 0 ? -1 : Math.floor(g / SLOTS);
    this.slot = g - this.leaf * SLOTS;
  }

  next(): T | undefined {
    const t = this.tree;
    if (this.generation !== t.generation) bug("vma cursor used after the tree changed: reset() it first");
    const L = t.leafPool;
    while (this.leaf >= 0) {
      if (this.slot >= L.count[this.leaf]!) {
        this.leaf = L.next[this.leaf]!;
        this.slot = 0;
        continue;
      }
      const f = L.at(this.leaf * SLOTS + this.slot++);
      if (L.vmStart[f]! >= this.end) break;
      if (L.vmEnd[f]! <= this.start) continue;
      this.vmStart = L.vmStart[f]!;
      this.vmEnd = L.vmEnd[f]!;
      this.vmPgoff = L.pgoffOf(f);
      this.vmFlags = L.flagsOf(f);
      this.id = L.idOf(f);
      return L.value[f];
    }
    this.leaf = -1;
    return undefined;
  }
}
