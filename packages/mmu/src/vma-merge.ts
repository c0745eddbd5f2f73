/**
 * Merging and splitting VMAs. Linux: is_mergeable_vma(), is_mergeable_anon_vma(),
 * can_vma_merge_before()/after(), vma_merge() (6.1; vma_merge_new_range() and
 * vma_merge_existing_range() in 6.12's mm/vma.c make the same decisions) and __split_vma().
 */
import { ENOMEM, PAGE_SIZE, VM_SOFTDIRTY, VM_SPECIAL } from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import type { AnonVma, MmStruct, Vma } from "./vma.js";

/** What a range would be, to compare with its neighbours. Linux: the arguments of vma_merge(). */
export interface MergeCandidate {
  readonly vmFlags: number;
  readonly anonVma: AnonVma | null;
  /** anon_vma_chain length of the VMA the range comes from (0 for a new range). */
  readonly anonVmaChainLength: number;
  readonly file: MmapFile | null;
  /** pgoff of the range's start. */
  readonly pgoff: number;
  readonly anonName: string | null;
}

/** Same flags (but soft-dirty), same file, no close op, same anon name. Linux: is_mergeable_vma(). */
export function isMergeableVma(vma: Vma, c: MergeCandidate): boolean {
  return ((vma.vmFlags ^ c.vmFlags) & ~VM_SOFTDIRTY) === 0 && vma.vmFile === c.file && !vma.hasCloseOp && vma.anonName === c.anonName;
}

/**
 * May the range (source anon_vma `src`, from a VMA whose anon_vma_chain has `srcChain` entries)
 * join a VMA whose anon_vma is `tgt`? When only the source has one it is copied into the target,
 * which is safe only if the source was not inherited through fork (a singular chain); when only
 * the target has one, the range simply uses it; otherwise they must be the same.
 * Linux: is_mergeable_anon_vma() in mm/vma.c (6.12+; 6.1 tested the target's chain instead).
 */
export function isMergeableAnonVma(src: AnonVma | null, srcChain: number, tgt: AnonVma | null): boolean {
  if (tgt === null && src !== null) return srcChain === 1;
  if (tgt !== null && src === null) return true;
  return src === tgt;
}

/** Can the range be merged in front of `vma` (the range ends where vma starts)? Linux: can_vma_merge_before(). */
export function canMergeBefore(vma: Vma, c: MergeCandidate, pgoffAtEnd: number): boolean {
  return isMergeableVma(vma, c) && isMergeableAnonVma(c.anonVma, c.anonVmaChainLength, vma.anonVma) && vma.vmPgoff === pgoffAtEnd;
}

/** Can the range be merged after `vma` (the range starts where vma ends)? Linux: can_vma_merge_after(). */
export function canMergeAfter(vma: Vma, c: MergeCandidate): boolean {
  return isMergeableVma(vma, c) && isMergeableAnonVma(c.anonVma, c.anonVmaChainLength, vma.anonVma) && vma.vmPgoff + vma.pages() === c.pgoff;
}

function importAnonVma(into: Vma, from: Vma | undefined): void {
  if (from !== undefined && into.anonVma === null && from.anonVma !== null) {
    into.anonVma = from.anonVma;
    into.anonVmaChainLength = from.anonVmaChainLength;
  }
}

/**
 * Merges [addr, end) — a hole, or a part of one VMA touching its edge — with `prev` and/or the
 * VMA after it when their flags, file, anon_vma and pgoff agree. Returns the VMA that now covers
 * the range, or null when nothing merged (the caller then splits or creates). Linux: vma_merge().
 *
 *   PPPP    NNNN     case 1: prev absorbs the hole and next      (both)
 *   PPPPMMMMNNNN     case 6: prev absorbs mid and next           (both)
 *   PPPP    xxxx     case 2: prev grows over the hole            (prev)
 *   PPPPMMMMxxxx     case 7: prev absorbs mid                    (prev)
 *   PPPPMMmmxxxx     case 5: prev grows over the front of mid    (prev)
 *   xxxx    NNNN     case 3: next grows down over the hole       (next)
 *   xxxxMMMMNNNN     case 8: next absorbs mid                    (next)
 *   PPppNNNN         case 4: the tail of prev moves to next      (next)
 */
export function vmaMerge(mm: MmStruct, prev: Vma | null, addr: number, end: number, c: MergeCandidate): Vma | null {
  if (c.vmFlags & VM_SPECIAL) return null;
  const pglen = (end - addr) / PAGE_SIZE;
  let next = mm.tree.findVma(prev !== null ? prev.vmEnd : 0);
  const mid = next;
  if (next !== undefined && next.vmEnd === end) next = mm.tree.findVma(next.vmEnd);

  const mergePrev = prev !== null && prev.vmEnd === addr && canMergeAfter(prev, c);
  const mergeNext = next !== undefined && end === next.vmStart && canMergeBefore(next, c, c.pgoff + pglen);

  // both sides fit the range, but they must also fit each other. Linux: can_vma_merge_right()
  if (mergePrev && mergeNext && (prev!.anonVma === null || next!.anonVma === null || prev!.anonVma === next!.anonVma)) {
    const n = next!;
    const nEnd = n.vmEnd;
    if (mid !== undefined && mid !== n && mid.vmStart >= addr) {
      importAnonVma(prev!, mid);
      mm.unlink(mid);
    }
    importAnonVma(prev!, n);
    mm.unlink(n);
    mm.setRange(prev!, prev!.vmStart, nEnd, prev!.vmPgoff);
    return prev;
  }
  if (mergePrev) {
    const p = prev!;
    if (mid !== undefined && mid !== p && mid.vmStart < end) {
      importAnonVma(p, mid);
      if (mid.vmEnd <= end) mm.unlink(mid);
      else mm.setRange(mid, end, mid.vmEnd, mid.vmPgoff + (end - mid.vmStart) / PAGE_SIZE);
    }
    mm.setRange(p, p.vmStart, end, p.vmPgoff);
    return p;
  }
  if (mergeNext) {
    const n = next!;
    if (prev !== null && addr < prev.vmEnd) {
      importAnonVma(n, prev);
      mm.setRange(prev, prev.vmStart, addr, prev.vmPgoff);
    } else if (mid !== undefined && mid !== n) {
      importAnonVma(n, mid);
      mm.unlink(mid);
    }
    mm.setRange(n, addr, n.vmEnd, n.vmPgoff - pglen);
    return n;
  }
  return null;
}

/**
 * Splits `vma` at `addr`: the new VMA takes [vm_start, addr) when `newBelow`, else [addr, vm_end).
 * Returns the new VMA, or -ENOMEM when `checkMapCount` and the mm is at vm.max_map_count.
 * Linux: split_vma() (with the check) and __split_vma() (without).
 */
export function splitVma(mm: MmStruct, vma: Vma, addr: number, newBelow: boolean, checkMapCount = true): Vma | number {
  if (checkMapCount && mm.mapCount >= mm.config.maxMapCount) return -ENOMEM;
  const delta = (addr - vma.vmStart) / PAGE_SIZE;
  const nv = vma.dup(mm.newVmaId());
  if (newBelow) {
    nv.vmEnd = addr;
    mm.setRange(vma, addr, vma.vmEnd, vma.vmPgoff + delta);
  } else {
    nv.vmStart = addr;
    nv.vmPgoff = vma.vmPgoff + delta;
    mm.setRange(vma, vma.vmStart, addr, vma.vmPgoff);
  }
  mm.link(nv);
  return nv;
}

/**
 * Changes [start, end) of `vma` to `newFlags`, merging with a neighbour when possible and
 * otherwise splitting off the parts outside the range. Returns the VMA that now covers the range
 * or -errno. Linux: vma_modify_flags() (6.12) / the merge-then-split of mprotect_fixup() (6.1).
 */
export function vmaModifyFlags(mm: MmStruct, prev: Vma | null, vma: Vma, start: number, end: number, newFlags: number): Vma | number {
  const pgoff = vma.vmPgoff + (start - vma.vmStart) / PAGE_SIZE;
  const merged = vmaMerge(mm, prev, start, end, {
    vmFlags: newFlags,
    anonVma: vma.anonVma,
    anonVmaChainLength: vma.anonVmaChainLength,
    file: vma.vmFile,
    pgoff,
    anonName: vma.anonName,
  });
  if (merged !== null) return merged;
  if (start !== vma.vmStart) {
    const r = splitVma(mm, vma, start, true);
    if (typeof r === "number") return r;
  }
  if (end !== vma.vmEnd) {
    const r = splitVma(mm, vma, end, false);
    if (typeof r === "number") return r;
  }
  mm.setFlags(vma, newFlags);
  return vma;
}
