/** madvise(2) for the advice that changes VMAs or drops pages. Linux: do_madvise(), madvise_walk_vmas(), madvise_vma_behavior() in mm/madvise.c. */
import {
  EBADF,
  EINVAL,
  ENOMEM,
  MADV_COLD,
  MADV_DODUMP,
  MADV_DOFORK,
  MADV_DONTDUMP,
  MADV_DONTFORK,
  MADV_DONTNEED,
  MADV_DONTNEED_LOCKED,
  MADV_FREE,
  MADV_HUGEPAGE,
  MADV_KEEPONFORK,
  MADV_NOHUGEPAGE,
  MADV_NORMAL,
  MADV_PAGEOUT,
  MADV_RANDOM,
  MADV_REMOVE,
  MADV_SEQUENTIAL,
  MADV_WILLNEED,
  MADV_WIPEONFORK,
  VM_DONTCOPY,
  VM_DONTDUMP,
  VM_HUGETLB,
  VM_IO,
  VM_LOCKED,
  VM_PFNMAP,
  VM_RAND_READ,
  VM_SEQ_READ,
  VM_SHARED,
  VM_SPECIAL,
  VM_WIPEONFORK,
  VM_HUGEPAGE,
  VM_NOHUGEPAGE,
  EAGAIN,
  isPageAligned,
  pageAlign,
} from "@mmsim/mm-types";
import type { UnmapHooks } from "./munmap.js";

/** What madvise needs from the backend beyond unmapping. */
export interface MadviseHooks extends UnmapHooks {
  /** MADV_FREE of [start, end) of `vma`: mark its exclusive anonymous pages lazily freeable. Linux: madvise_free_single_vma(). */
  lazyFree(mm: MmStruct, vma: Vma, start: number, end: number): void;
}
import { vmaModifyFlags } from "./vma-merge.js";
import type { MmStruct, Vma } from "./vma.js";

const SUPPORTED = new Set([
  MADV_NORMAL,
  MADV_RANDOM,
  MADV_SEQUENTIAL,
  MADV_WILLNEED,
  MADV_DONTNEED,
  MADV_DONTNEED_LOCKED,
  MADV_FREE,
  MADV_REMOVE,
  MADV_DONTFORK,
  MADV_DOFORK,
  MADV_DONTDUMP,
  MADV_DODUMP,
  MADV_WIPEONFORK,
  MADV_KEEPONFORK,
  MADV_COLD,
  MADV_PAGEOUT,
  MADV_HUGEPAGE,
  MADV_NOHUGEPAGE,
]);

/** The vm_flags an advice leaves on a VMA, or -errno; unchanged flags for advice that only acts on pages. */
function adviseFlags(vma: Vma, advice: number): number {
  const f = vma.vmFlags;
  switch (advice) {
    case MADV_NORMAL:
      return f & ~(VM_RAND_READ | VM_SEQ_READ);
    case MADV_RANDOM:
      return (f & ~VM_SEQ_READ) | VM_RAND_READ;
    case MADV_SEQUENTIAL:
      return (f & ~VM_RAND_READ) | VM_SEQ_READ;
    case MADV_DONTFORK:
      return f | VM_DONTCOPY;
    case MADV_DOFORK:
      return f & VM_IO ? -EINVAL : f & ~VM_DONTCOPY;
    case MADV_WIPEONFORK:
      return vma.vmFile !== null || f & VM_SHARED ? -EINVAL : f | VM_WIPEONFORK;
    case MADV_KEEPONFORK:
      return f & ~VM_WIPEONFORK;
    case MADV_DONTDUMP:
      return f | VM_DONTDUMP;
    case MADV_DODUMP:
      return f & VM_SPECIAL && !(f & VM_HUGETLB) ? -EINVAL : f & ~VM_DONTDUMP;
    case MADV_HUGEPAGE:
      return (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
    case MADV_NOHUGEPAGE:
      return (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
    default:
      return f;
  }
}

/** Applies `advice` to [start, end) of one VMA; returns the VMA covering it afterwards or -errno. */
function adviseVma(mm: MmStruct, vma: Vma, prev: Vma | null, start: number, end: number, advice: number, hooks: MadviseHooks): Vma | number {
  if (advice === MADV_FREE && !vma.isAnonymous()) return -EINVAL;
  if (advice === MADV_DONTNEED || advice === MADV_DONTNEED_LOCKED || advice === MADV_FREE) {
    if (vma.vmFlags & (advice === MADV_DONTNEED_LOCKED ? VM_HUGETLB | VM_PFNMAP : VM_LOCKED | VM_HUGETLB | VM_PFNMAP)) return -EINVAL;
    if (advice === MADV_FREE) hooks.lazyFree(mm, vma, start, end);
    else hooks.zapRange(mm, vma, start, end);
    return vma;
  }
  const newFlags = adviseFlags(vma, advice);
  if (newFlags < 0) return newFlags;
  if (newFlags === vma.vmFlags) return vma;
  const r = vmaModifyFlags(mm, prev, vma, start, end, newFlags);
  // madvise reports a split that hit vm.max_map_count as a temporary shortage
  return r === -ENOMEM ? -EAGAIN : r;
}

/**
 * The page-aligned end of [start, start + lenIn), or -EINVAL for an unaligned start, a length that
 * rounds up past 2^64 to 0, or an end past 2^64 (unsigned long arithmetic would wrap it below start).
 * Linux: the range checks of do_madvise() and madvise_set_anon_name().
 */
function madviseEnd(start: number, lenIn: number): number {
  if (!isPageAligned(start)) return -EINVAL;
  const len = pageAlign(lenIn);
  if (lenIn !== 0 && len === 0) return -EINVAL;
  const end = start + len;
  return end >= 2 ** 64 ? -EINVAL : end;
}

/**
 * Calls `visit` on each part of [start, end) that a VMA covers, in address order, and returns the
 * first error it gives; else -ENOMEM when the range had holes, else 0. `visit` returns the VMA that
 * covers its part afterwards (a merge or split may change it). Linux: madvise_walk_vmas().
 */
export function madviseWalkVmas(mm: MmStruct, start: number, end: number, visit: (vma: Vma, prev: Vma | null, start: number, end: number) => Vma | number): number {
  let vma = mm.tree.findVma(start);
  let prev: Vma | null = vma !== undefined && start > vma.vmStart ? vma : (mm.tree.findVmaPrev(start) ?? null);
  let unmappedError = 0;
  let s = start;
  for (;;) {
    if (vma === undefined) return -ENOMEM;
    if (s < vma.vmStart) {
      unmappedError = -ENOMEM;
      s = vma.vmStart;
      if (s >= end) break;
    }
    const tmp = Math.min(vma.vmEnd, end);
    const r = visit(vma, prev, s, tmp);
    if (typeof r === "number") return r;
    prev = r;
    s = Math.max(tmp, prev.vmEnd);
    if (s >= end) break;
    vma = mm.tree.findVma(prev.vmEnd);
  }
  return unmappedError;
}

/** madvise(2). Holes in the range make it -ENOMEM after the mapped parts are advised. Linux: do_madvise(). */
export function doMadvise(mm: MmStruct, start: number, lenIn: number, advice: number, hooks: MadviseHooks): number {
  if (!SUPPORTED.has(advice)) return -EINVAL;
  const end = madviseEnd(start, lenIn);
  if (end < 0) return end;
  if (end === start) return 0;
  return madviseWalkVmas(mm, start, end, (vma, prev, s, e) => adviseVma(mm, vma, prev, s, e, advice, hooks));
}

/**
 * Names the anonymous memory of [start, start + lenIn), or removes the name (null): madvise's
 * argument rules and walk, EBADF for a file mapping other than shared anonymous memory, and a
 * split that hits vm.max_map_count reported as EAGAIN. Linux: madvise_set_anon_name() and
 * madvise_vma_anon_name() (6.2+: shared anonymous memory may be named).
 */
export function doSetAnonName(mm: MmStruct, start: number, lenIn: number, name: string | null, isAnonShmem: (vma: Vma) => boolean): number {
  const end = madviseEnd(start, lenIn);
  if (end < 0) return end;
  if (end === start) return 0;
  return madviseWalkVmas(mm, start, end, (vma, prev, s, e) => {
    if (vma.structFile !== null && !isAnonShmem(vma)) return -EBADF;
    if (vma.anonName === name) return vma;
    const r = vmaModifyFlags(mm, prev, vma, s, e, vma.vmFlags, name);
    return r === -ENOMEM ? -EAGAIN : r;
  });
}
