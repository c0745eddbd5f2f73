/** Resizing and moving mappings. Linux: sys_mremap(), vma_to_resize(), mremap_to(), move_vma(), copy_vma() in mm/mremap.c, mm/vma.c. */
import {
  EFAULT,
  EINVAL,
  ENOMEM,
  MAP_FIXED,
  MAP_SHARED,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PAGE_SIZE,
  VM_DONTEXPAND,
  VM_LOCKED,
  VM_LOCKONFAULT,
  VM_MAYSHARE,
  VM_PFNMAP,
  VM_SHARED,
  isPageAligned,
  pageAlign,
} from "@mmsim/mm-types";
import { getUnmappedArea } from "./get-unmapped-area.js";
import { doMunmap } from "./munmap.js";
import type { UnmapHooks } from "./munmap.js";
import { importAnonVma, vmaMerge } from "./vma-merge.js";
import type { MmStruct, Vma } from "./vma.js";

/** What moving pages needs from the backend. */
export interface MremapHooks extends UnmapHooks {
  /** Move the pages of [oldAddr, oldAddr+len) to newAddr. Linux: move_page_tables(). */
  movePages(mm: MmStruct, from: Vma, oldAddr: number, to: Vma, newAddr: number, len: number): void;
  /** Fault in [start, start+len), the part a locked mapping grew by. Linux: mm_populate(). */
  populate(mm: MmStruct, start: number, len: number): void;
}

/** The three shapes of a resize. Linux: enum mremap_type. */
type RemapType = "no-resize" | "shrink" | "expand";

function remapType(oldLen: number, newLen: number): RemapType {
  return oldLen === newLen ? "no-resize" : oldLen > newLen ? "shrink" : "expand";
}

/**
 * Checks the source VMA of a resize or move. Shrinks and in-place no-ops need nothing more; a
 * move or an expansion needs the old range inside the VMA and a VMA that may grow.
 * Linux: check_prep_vma() (6.17+; vma_to_resize() before).
 */
function checkPrepVma(mm: MmStruct, vma: Vma | undefined, addr: number, oldLen: number, newLen: number, flags: number): number {
  if (vma === undefined) return -EFAULT;
  const willMapNew = remapType(oldLen, newLen) === "expand" || (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0;
  if (!willMapNew) return 0;
  if (oldLen === 0 && !(vma.vmFlags & (VM_SHARED | VM_MAYSHARE))) return -EINVAL;
  if (flags & MREMAP_DONTUNMAP && vma.vmFlags & (VM_DONTEXPAND | VM_PFNMAP)) return -EINVAL;
  // a shrinking move unmaps the tail first, so only the part that moves must lie inside the VMA
  if (Math.min(oldLen, newLen) > vma.vmEnd - addr) return -EFAULT;
  if (newLen <= oldLen) return 0;
  if (vma.vmFlags & (VM_DONTEXPAND | VM_PFNMAP)) return -EFAULT;
  if (!mm.mayExpandVm(vma.vmFlags, (newLen - oldLen) / PAGE_SIZE)) return -ENOMEM;
  return 0;
}

/** Can `vma` grow by `delta` bytes in place? Linux: vma_expandable(). */
function isVmaExpandable(mm: MmStruct, vma: Vma, delta: number): boolean {
  const end = vma.vmEnd + delta;
  if (mm.tree.findVmaIntersection(vma.vmEnd, end) !== undefined) return false;
  return getUnmappedArea(mm, vma.vmStart, end - vma.vmStart, MAP_FIXED) >= 0;
}

/**
 * Copies `vma`'s [oldAddr, +len) as a new VMA at newAddr (merging with neighbours there when it
 * can), moves the pages, and unmaps the old range unless MREMAP_DONTUNMAP, which leaves it mapped,
 * unlocked and, when it was moved whole, without its anon_vma. Linux: move_vma(), copy_vma(),
 * dontunmap_complete().
 */
function moveVma(mm: MmStruct, vma: Vma, oldAddr: number, oldLen: number, newLen: number, newAddr: number, flags: number, hooks: MremapHooks): number {
  if (mm.mapCount >= mm.config.maxMapCount - 3) return -ENOMEM;
  let pgoff = vma.vmPgoff + (oldAddr - vma.vmStart) / PAGE_SIZE;
  if (vma.isAnonymous() && vma.anonVma === null) pgoff = newAddr / PAGE_SIZE;
  const prev = mm.tree.findVmaPrev(newAddr) ?? null;
  let target = vmaMerge(mm, prev, newAddr, newAddr + newLen, {
    vmFlags: vma.vmFlags,
    anonVma: vma.anonVma,
    anonVmaChainLength: vma.anonVmaChainLength,
    file: vma.structFile,
    pgoff,
    anonName: vma.anonName,
  });
  if (target !== null) {
    // the range joined a neighbour: one without an anon_vma takes the moved pages' one
    importAnonVma(mm, target, vma);
  } else {
    target = vma.dup(mm.newVmaId());
    target.vmStart = newAddr;
    target.vmEnd = newAddr + newLen;
    target.vmPgoff = pgoff;
    if (mm.cloneAnonVma(target, vma) < 0) return -ENOMEM;
    mm.link(target);
    target.vmFile?.ops.open?.(target);
  }
  hooks.movePages(mm, vma, oldAddr, target, newAddr, Math.min(oldLen, newLen));
  if (flags & MREMAP_DONTUNMAP) {
    const old = mm.lookup(oldAddr);
    if (old !== undefined) {
      mm.setFlags(old, old.vmFlags & ~(VM_LOCKED | VM_LOCKONFAULT));
      if (old !== target && old.vmStart === oldAddr && old.vmEnd === oldAddr + oldLen) mm.dropAnonVma(old);
    }
    return newAddr;
  }
  doMunmap(mm, oldAddr, oldLen, hooks);
  return newAddr;
}

/**
 * Moves [addr, +oldLen) to newAddr (MREMAP_FIXED: unmapping what is there first) or to a place
 * chosen with newAddr as a hint (MREMAP_DONTUNMAP alone), shrinking first when asked to.
 * Linux: mremap_to(), vrm_set_new_addr().
 */
function mremapTo(mm: MmStruct, addr: number, oldLen: number, newAddr: number, newLen: number, flags: number, hooks: MremapHooks): number {
  let vma = mm.lookup(addr);
  if (flags & MREMAP_FIXED) {
    const r = doMunmap(mm, newAddr, newLen, hooks);
    if (r < 0) return r;
    vma = mm.lookup(addr);
    if (vma === undefined) return -EFAULT;
  }
  if (oldLen > newLen) {
    const r = doMunmap(mm, addr + newLen, oldLen - newLen, hooks);
    if (r < 0) return r;
    oldLen = newLen;
  }
  const v = vma!;
  const mapFlags = (flags & MREMAP_FIXED ? MAP_FIXED : 0) | (v.vmFlags & VM_MAYSHARE ? MAP_SHARED : 0);
  const got = getUnmappedArea(mm, newAddr, newLen, mapFlags);
  if (got < 0) return got;
  return moveVma(mm, v, addr, oldLen, newLen, got, flags, hooks);
}

/** A VMA whose file places its own mappings can't be moved along with others. Linux: vma_multi_allowed(). */
function isMultiMoveAllowed(vma: Vma): boolean {
  return vma.vmFile === null || vma.vmFile.ops.getUnmappedArea === undefined;
}

/**
 * MREMAP_FIXED without a resize: moves every VMA in [addr, addr+len), keeping the gaps between
 * them, each as its own mremap_to(). The range must start inside a VMA. Returns the new address
 * of the first piece. Linux: remap_move() (6.17+; older kernels refused a range spanning VMAs).
 */
function remapMove(mm: MmStruct, start: number, len: number, newAddr: number, flags: number, hooks: MremapHooks): number {
  const end = start + len;
  let res = -EFAULT;
  let target = newAddr;
  let lastEnd = 0;
  let seen = false;
  for (let vma = mm.tree.findVma(start); vma !== undefined && vma.vmStart < end; vma = mm.tree.findVma(lastEnd)) {
    const addr = Math.max(vma.vmStart, start);
    const pieceLen = Math.min(end, vma.vmEnd) - addr;
    if (!seen && start < vma.vmStart) return -EFAULT;
    const offset = seen ? vma.vmStart - lastEnd : 0;
    lastEnd = vma.vmEnd;
    if (!isMultiMoveAllowed(vma) && (seen || vma.vmEnd < end)) return -EFAULT;
    let r = checkPrepVma(mm, vma, addr, pieceLen, pieceLen, flags);
    if (r === 0) r = mremapTo(mm, addr, pieceLen, target + offset, pieceLen, flags, hooks);
    if (r < 0) return r;
    if (!seen) res = r;
    seen = true;
    target = r + pieceLen;
  }
  return res;
}

/** Resizes in place when it can, else moves (with MREMAP_MAYMOVE). Linux: mremap_at(), expand_vma(). */
function mremapAt(mm: MmStruct, vma: Vma, addr: number, oldLen: number, newLen: number, flags: number, hooks: MremapHooks): number {
  const type = remapType(oldLen, newLen);
  if (type === "no-resize") return addr;
  if (type === "shrink") {
    const r = doMunmap(mm, addr + newLen, oldLen - newLen, hooks);
    return r < 0 ? r : addr;
  }
  if (vma.vmEnd - addr === oldLen && isVmaExpandable(mm, vma, newLen - oldLen)) {
    const extStart = addr + oldLen;
    const merged = vmaMerge(mm, vma, extStart, addr + newLen, {
      vmFlags: vma.vmFlags,
      anonVma: vma.anonVma,
      anonVmaChainLength: vma.anonVmaChainLength,
      file: vma.structFile,
      pgoff: vma.vmPgoff + (extStart - vma.vmStart) / PAGE_SIZE,
      anonName: vma.anonName,
    });
    return merged === null ? -ENOMEM : addr;
  }
  if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
  const got = getUnmappedArea(mm, 0, newLen, vma.vmFlags & VM_MAYSHARE ? MAP_SHARED : 0);
  if (got < 0) return got;
  return moveVma(mm, vma, addr, oldLen, newLen, got, flags, hooks);
}

/**
 * The checks made before the mmap lock: flags, alignment, and for a call that names a new
 * address, that address, its range, no overlap with the old range, and room for more VMAs.
 * Linux: check_mremap_params() (6.17+).
 */
function checkMremapParams(mm: MmStruct, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) return -EINVAL;
  if (!isPageAligned(addr)) return -EINVAL;
  if (pageAlign(newLen) === 0) return -EINVAL;
  if (!(flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))) return 0;
  const ts = mm.config.taskSize;
  if (newLen > ts || newAddr > ts - newLen) return -EINVAL;
  if (!isPageAligned(newAddr)) return -EINVAL;
  if (!(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if (flags & MREMAP_DONTUNMAP && oldLen !== newLen) return -EINVAL;
  if (addr + oldLen > newAddr && newAddr + newLen > addr) return -EINVAL;
  if (mm.mapCount + 2 >= mm.config.maxMapCount - 3) return -ENOMEM;
  return 0;
}

/**
 * mremap(2). Returns the (new) address or -errno; a locked mapping that grew has its new part
 * faulted in. Linux: do_mremap() (6.17+), the populate_expand step.
 */
export function doMremap(mm: MmStruct, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number, hooks: MremapHooks): number {
  const bad = checkMremapParams(mm, addr, oldLen, newLen, flags, newAddr);
  if (bad < 0) return bad;
  oldLen = pageAlign(oldLen);
  newLen = pageAlign(newLen);
  if (flags & MREMAP_FIXED && oldLen === newLen) return remapMove(mm, addr, oldLen, newAddr, flags, hooks);
  const vma = mm.lookup(addr);
  const r = checkPrepVma(mm, vma, addr, oldLen, newLen, flags);
  if (r < 0) return r;
  const populate = (vma!.vmFlags & VM_LOCKED) !== 0 && newLen > oldLen;
  const res = flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) ? mremapTo(mm, addr, oldLen, newAddr, newLen, flags, hooks) : mremapAt(mm, vma!, addr, oldLen, newLen, flags, hooks);
  if (res >= 0 && populate) hooks.populate(mm, res + oldLen, newLen - oldLen);
  return res;
}
