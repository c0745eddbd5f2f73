/**
 * Merging and splitting VMAs. Linux: is_mergeable_vma(), is_mergeable_anon_vma(),
 * can_vma_merge_before()/after(), vma_merge() (6.1; vma_merge_new_range() and
 * vma_merge_existing_range() in 6.12's mm/vma.c make the same decisions) and __split_vma().
 */
import { ENOMEM, PAGE_SIZE, VM_SOFTDIRTY, VM_SPECIAL, bug } from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import type { AnonVma } from "@mmsim/anon-vma-rmap";
import type { MmStruct, Vma } from "./vma.js";

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

/**
 * Same flags (but soft-dirty), same file, same anon name. Linux: is_mergeable_vma(). A vm_ops->close
 * doesn't forbid a merge here: only removing such a VMA does (can_merge_remove_vma(), 6.12's
 * mm/vma.c; 6.1 refused any merge with it), which vmaMerge() checks.
 */
export function isMergeableVma(vma: Vma, c: MergeCandidate): boolean {
  return ((vma.vmFlags ^ c.vmFlags) & ~VM_SOFTDIRTY) === 0 && vma.structFile === c.file && vma.anonName === c.anonName;
}

/** A VMA may be removed by a merge only without a close hook. Linux: can_merge_remove_vma(). */
function canMergeRemoveVma(vma: Vma): boolean {
  return !vma.hasCloseOp;
}

/**
 * May the range (source anon_vma `src`, from a VMA whose anon_vma_chain has `srcChain` entries)
 * join a VMA whose anon_vma is `tgt` (chain of `tgtChain` entries)? When only one side has an
 * anon_vma the merged VMA will use it, which is refused when that side was inherited through fork
 * and still shares pages with its parent (its chain is not singular); otherwise they must be the
 * same. Linux: is_mergeable_anon_vma() and vma_had_uncowed_parents() in mm/vma.c (6.16+; 6.12
 * tested only the source, 6.1 only the target).
 */
export function isMergeableAnonVma(src: AnonVma | null, srcChain: number, tgt: AnonVma | null, tgtChain: number): boolean {
  if (tgt === null && src !== null) return srcChain === 1;
  if (tgt !== null && src === null) return tgtChain === 1;
  return src === tgt;
}

/** Can the range be merged in front of `vma` (the range ends where vma starts)? Linux: can_vma_merge_before(). */
export function canMergeBefore(vma: Vma, c: MergeCandidate, pgoffAtEnd: number): boolean {
  return isMergeableVma(vma, c) && isMergeableAnonVma(c.anonVma, c.anonVmaChainLength, vma.anonVma, vma.anonVmaChainLength) && vma.vmPgoff === pgoffAtEnd;
}

/** Can the range be merged after `vma` (the range starts where vma ends)? Linux: can_vma_merge_after(). */
export function canMergeAfter(vma: Vma, c: MergeCandidate): boolean {
  return isMergeableVma(vma, c) && isMergeableAnonVma(c.anonVma, c.anonVmaChainLength, vma.anonVma, vma.anonVmaChainLength) && vma.vmPgoff + vma.pages() === c.pgoff;
}

/**
 * The VMA that stays takes over the anon_vma of the one it absorbs or grows into, or of the VMA a
 * moved range comes from. Linux: dup_anon_vma() (with vmg->copied_from for copy_vma(), 6.16+).
 */
export function importAnonVma(mm: MmStruct, into: Vma, from: Vma | undefined): void {
  if (from !== undefined && into.anonVma === null && from.anonVma !== null) {
    into.anonVma = from.anonVma;
    if (mm.cloneAnonVma(into, from) < 0) bug(`VMA ${into.id}: no memory to share an anon_vma in a merge`);
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
 *
 * `after`, when the caller knows it, is the first VMA ending above prev's end (saves a lookup).
 */
export function vmaMerge(mm: MmStruct, prev: Vma | null, addr: number, end: number, c: MergeCandidate, after?: Vma): Vma | null {
  if (c.vmFlags & VM_SPECIAL) return null;
  const pglen = (end - addr) / PAGE_SIZE;
  let next = after ?? mm.tree.findVma(prev !== null ? prev.vmEnd : 0);
  const mid = next;
  if (next !== undefined && next.vmEnd === end) next = mm.tree.findVma(next.vmEnd);

  const mergePrev = prev !== null && prev.vmEnd === addr && canMergeAfter(prev, c);
  let mergeNext = next !== undefined && end === next.vmStart && canMergeBefore(next, c, c.pgoff + pglen);
  // a merge that would remove the VMA being changed, when that VMA has a close hook, is abandoned;
  // one that would remove next only merges with prev. Linux: vma_merge_existing_range() and
  // vma_merge_new_range() with can_merge_remove_vma() (6.12)
  const midRemoved = mid !== undefined && mid !== next && mid.vmStart >= addr && mid.vmEnd <= end;
  if (midRemoved && (mergePrev || mergeNext) && !canMergeRemoveVma(mid)) return null;
  if (mergePrev && mergeNext && !canMergeRemoveVma(next!)) mergeNext = false;

  // both sides fit the range, but they must also fit each other. Linux: can_vma_merge_right()
  if (mergePrev && mergeNext && (prev!.anonVma === null || next!.anonVma === null || prev!.anonVma === next!.anonVma)) {
    const n = next!;
    const nEnd = n.vmEnd;
    if (mid !== undefined && mid !== n && mid.vmStart >= addr) {
      importAnonVma(mm, prev!, mid);
      mm.unlink(mid);
    }
    importAnonVma(mm, prev!, n);
    mm.unlink(n);
    mm.setRange(prev!, prev!.vmStart, nEnd, prev!.vmPgoff);
    return prev;
  }
  if (mergePrev) {
    const p = prev!;
    if (mid !== undefined && mid !== p && mid.vmStart < end) {
      importAnonVma(mm, p, mid);
      if (mid.vmEnd <= end) mm.unlink(mid);
      else mm.setRange(mid, end, mid.vmEnd, mid.vmPgoff + (end - mid.vmStart) / PAGE_SIZE);
    }
    mm.setRange(p, p.vmStart, end, p.vmPgoff);
    return p;
  }
  if (mergeNext) {
    const n = next!;
    if (prev !== null && addr < prev.vmEnd) {
      importAnonVma(mm, n, prev);
      mm.setRange(prev, prev.vmStart, addr, prev.vmPgoff);
    } else if (mid !== undefined && mid !== n) {
      importAnonVma(mm, n, mid);
      mm.unlink(mid);
    }
    mm.setRange(n, addr, n.vmEnd, n.vmPgoff - pglen);
    return n;
  }
  return null;
}

/**
 * Splits `vma` at `addr`: the new VMA takes [vm_start, addr) when `newBelow`, else [addr, vm_end),
 * and gets the file's vm_ops->open. Returns the new VMA, or -ENOMEM when `checkMapCount` and the mm
 * is at vm.max_map_count. Linux: split_vma() (with the check) and __split_vma() (without).
 */
export function splitVma(mm: MmStruct, vma: Vma, addr: number, newBelow: boolean, checkMapCount = true): Vma | number {
  if (checkMapCount && mm.mapCount >= mm.config.maxMapCount) return -ENOMEM;
  const delta = (addr - vma.vmStart) / PAGE_SIZE;
  const nv = vma.dup(mm.newVmaId());
  if (newBelow) nv.vmEnd = addr;
  else {
    nv.vmStart = addr;
    nv.vmPgoff = vma.vmPgoff + delta;
  }
  if (mm.cloneAnonVma(nv, vma) < 0) return -ENOMEM;
  if (newBelow) mm.setRange(vma, addr, vma.vmEnd, vma.vmPgoff + delta);
  else mm.setRange(vma, vma.vmStart, addr, vma.vmPgoff);
  mm.link(nv);
  nv.vmFile?.ops.open?.(nv);
  return nv;
}

/**
 * Changes [start, end) of `vma` to `newFlags` (and to the anonymous name `anonName`), merging with
 * a neighbour when possible and otherwise splitting off the parts outside the range. Returns the
 * VMA that now covers the range or -errno. Linux: vma_modify_flags() and vma_modify_flags_name()
 * (6.12) / the merge-then-split of mprotect_fixup() and madvise_update_vma() (6.1).
 */
export function vmaModifyFlags(
  mm: MmStruct,
  prev: Vma | null,
  vma: Vma,
  start: number,
  end: number,
  newFlags: number,
  anonName: string | null = vma.anonName,
): Vma | number {
  const pgoff = vma.vmPgoff + (start - vma.vmStart) / PAGE_SIZE;
  const candidate = { vmFlags: newFlags, anonVma: vma.anonVma, anonVmaChainLength: vma.anonVmaChainLength, file: vma.structFile, pgoff, anonName };
  const merged = vmaMerge(mm, prev, start, end, candidate, prev !== vma ? vma : undefined);
  if (merged !== null) return merged;
  const pieces = (start !== vma.vmStart ? 1 : 0) + (end !== vma.vmEnd ? 1 : 0);
  if (pieces > 0 && vma.vmFile === null && mm.mapCount + pieces - 1 < mm.config.maxMapCount) return carveAnonVma(mm, vma, start, end, newFlags, anonName);
  if (start !== vma.vmStart) {
    const r = splitVma(mm, vma, start, true);
    if (typeof r === "number") return r;
  }
  if (end !== vma.vmEnd) {
    const r = splitVma(mm, vma, end, false);
    if (typeof r === "number") return r;
  }
  mm.setFlags(vma, newFlags);
  vma.anonName = anonName;
  return vma;
}

/**
 * The splits of vmaModifyFlags() for a VMA without vm_ops, in fewer tree updates: `vma` keeps what
 * lies outside the range on one side, and new VMAs take the range (with `newFlags`) and the other
 * side. Nothing can tell which VMA object is which, as no open hook runs. Returns the range's VMA.
 */
function carveAnonVma(mm: MmStruct, vma: Vma, start: number, end: number, newFlags: number, anonName: string | null): Vma {
  const mid = vma.dup(mm.newVmaId());
  mid.vmStart = start;
  mid.vmEnd = end;
  mid.vmPgoff = vma.vmPgoff + (start - vma.vmStart) / PAGE_SIZE;
  mid.vmFlags = newFlags;
  mid.anonName = anonName;
  const oldEnd = vma.vmEnd;
  let tail: Vma | null = null;
  if (start !== vma.vmStart && end !== oldEnd) {
    tail = mid.dup(mm.newVmaId());
    tail.vmStart = end;
    tail.vmEnd = oldEnd;
    tail.vmPgoff = mid.vmPgoff + (end - start) / PAGE_SIZE;
    tail.vmFlags = vma.vmFlags;
    tail.anonName = vma.anonName;
  }
  if (mm.cloneAnonVma(mid, vma) < 0 || (tail !== null && mm.cloneAnonVma(tail, vma) < 0)) bug(`VMA ${vma.id}: no memory for anon_vma chains`);
  if (start === vma.vmStart) mm.setRange(vma, end, oldEnd, vma.vmPgoff + (end - vma.vmStart) / PAGE_SIZE);
  else mm.setRange(vma, vma.vmStart, start, vma.vmPgoff);
  mm.link(mid);
  if (tail !== null) mm.link(tail);
  return mid;
}
