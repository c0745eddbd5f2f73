/**
 * Giving a VMA its anon_vma before its first anonymous page, through @mmsim/anon-vma-rmap: a
 * compatible neighbour's when that one was not inherited through fork, else a new one.
 * Linux: anon_vma_prepare() → __anon_vma_prepare() with find_mergeable_anon_vma() (mm/rmap.c, mm/vma.c).
 */
import { findMergeableAnonVma } from "@mmsim/anon-vma-rmap";
import type { MmStruct, Vma } from "./vma.js";

/** Gives `vma` an anon_vma if it has none. Returns 0 or -ENOMEM. Linux: anon_vma_prepare(). */
export function anonVmaPrepare(mm: MmStruct, vma: Vma): number {
  if (vma.anonVma !== null) return 0;
  const next = mm.tree.findVma(vma.vmEnd) ?? null;
  const prev = mm.tree.findVmaPrev(vma.vmStart) ?? null;
  return mm.anon.anonVmaPrepare(vma, (v) => findMergeableAnonVma(v, prev, next));
}
