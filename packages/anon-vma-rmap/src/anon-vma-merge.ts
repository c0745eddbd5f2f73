/**
 * The anon_vma side of VMA merging: when two VMAs' anon_vmas allow a merge, and which neighbour's
 * anon_vma a VMA faulting for the first time may share so that a later mprotect can merge them
 * back. Linux: is_mergeable_anon_vma(), anon_vma_compatible(), reusable_anon_vma() and
 * find_mergeable_anon_vma() in mm/mmap.c.
 */
import { PAGE_SIZE, VM_EXEC, VM_READ, VM_SOFTDIRTY, VM_WRITE } from "@mmsim/mm-types";
import type { AnonVma, RmapVma } from "./anon-vma.js";

/** The access bits mprotect changes. Linux: VM_ACCESS_FLAGS (include/linux/mm.h). */
export const VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

/**
 * True when VMAs with anon_vmas `anonVma1` and `anonVma2` may merge: the same anon_vma, or one
 * side has none and `vma` (the existing VMA being merged with, or null) was not inherited
 * through fork — a forked VMA's list holds more than one chain, and merging into it would
 * spread its family's anon_vmas. Linux: is_mergeable_anon_vma() in mm/mmap.c (6.1).
 */
export function isMergeableAnonVma(anonVma1: AnonVma | null, anonVma2: AnonVma | null, vma: RmapVma | null): boolean {
  if ((anonVma1 === null || anonVma2 === null) && (vma === null || vma.anonVmaChain.length === 1)) return true;
  return anonVma1 === anonVma2;
}

/**
 * True when `a` and `b` (in address order) are adjacent, map the same file, differ only in
 * access bits and soft-dirty, and have contiguous pgoffs. Mempolicies are not modelled (always equal).
 * Linux: anon_vma_compatible() in mm/mmap.c.
 */
export function anonVmaCompatible(a: RmapVma, b: RmapVma): boolean {
  return (
    a.vmEnd === b.vmStart &&
    (a.vmFile ?? null) === (b.vmFile ?? null) &&
    ((a.vmFlags ^ b.vmFlags) & ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)) === 0 &&
    b.vmPgoff === a.vmPgoff + (b.vmStart - a.vmStart) / PAGE_SIZE
  );
}

/**
 * `old`'s anon_vma if `a`, `b` (one of them `old`) are compatible and `old` was never forked
 * (exactly one chain), else null. Linux: reusable_anon_vma() in mm/mmap.c.
 */
export function reusableAnonVma(old: RmapVma, a: RmapVma, b: RmapVma): AnonVma | null {
  if (!anonVmaCompatible(a, b)) return null;
  return old.anonVma !== null && old.anonVmaChain.length === 1 ? old.anonVma : null;
}

/**
 * The anon_vma `vma` may share at its first fault: the next VMA's if reusable, else the previous
 * one's, else null. Pass the VMA's neighbours in its mm (or null); hand the result to
 * AnonVmaCache.anonVmaPrepare as `(v) => findMergeableAnonVma(v, prev, next)`.
 * Linux: find_mergeable_anon_vma() in mm/mmap.c.
 */
export function findMergeableAnonVma(vma: RmapVma, prev: RmapVma | null, next: RmapVma | null): AnonVma | null {
  if (next !== null) {
    const anonVma = reusableAnonVma(next, vma, next);
    if (anonVma !== null) return anonVma;
  }
  return prev !== null ? reusableAnonVma(prev, prev, vma) : null;
}
