/**
 * Taking NOMMU mappings down: whole VMAs, and holes, heads and tails of anonymous ones (the VMA and
 * its region are split or shrunk and the freed pages go back one by one); file VMAs only whole.
 * Linux: do_munmap(), split_vma(), vmi_shrink_vma(), delete_vma(), delete_vma_from_mm(),
 * __put_nommu_region(), exit_mmap() in mm/nommu.c (6.12).
 */
import { EINVAL, ENOMEM, PAGE_SIZE, VM_MAPPED_COPY, bug, pageAlign } from "@mmsim/mm-types";
import { shrinkNommuRegion, splitNommuRegion } from "@mmsim/vm-region";
import type { NommuState } from "./nommu-state.js";
import { Vma } from "./vma.js";
import type { NommuMm } from "./vma.js";

/**
 * Drops a VMA's use of its region; the last user removes it, and a private copy's pages are freed.
 * Device and page-cache memory is never freed here. Linux: put_nommu_region() / __put_nommu_region().
 */
function putNommuRegion(st: NommuState, vma: Vma): void {
  const region = vma.vmRegion;
  if (st.regions.putNommuRegion(region) === 0 && region.vmFlags & VM_MAPPED_COPY) st.freePageSeries(region.vmStart, region.vmTop);
  vma.region = null;
}

/**
 * Frees a VMA that is already out of its mm: its close hook, the file's release when it was the
 * last mapping, its region reference. Linux: delete_vma().
 */
export function deleteVma(st: NommuState, vma: Vma): void {
  st.fileVmaClosed(vma);
  putNommuRegion(st, vma);
}

/** Removes a whole VMA from its mm and frees it. Linux: the erase_whole_vma path of do_munmap(). */
export function eraseWholeVma(st: NommuState, mm: NommuMm, vma: Vma): void {
  mm.unlink(vma);
  st.fileVmaUnlinked(vma);
  deleteVma(st, vma);
}

/**
 * Splits an anonymous VMA and its region at `addr` (page aligned, strictly inside): a new VMA takes
 * the part below `addr` with a region of its own. File VMAs can't be split, and a split past the
 * map-count limit fails: both -ENOMEM. Linux: split_vma() with new_below = 1.
 */
export function splitVmaBelow(st: NommuState, mm: NommuMm, vma: Vma, addr: number): number {
  if (vma.vmFile !== null) return -ENOMEM;
  if (mm.mapCount >= st.config.maxMapCount) return -ENOMEM;
  const npages = (addr - vma.vmStart) / PAGE_SIZE;
  const lower = new Vma(st.newVmaId(), mm.id, vma.vmStart, addr, vma.vmPgoff, vma.vmFlags, null);
  lower.region = splitNommuRegion(st.regions, vma.vmRegion, addr, true);
  mm.unlink(vma);
  vma.vmStart = addr;
  vma.vmPgoff += npages;
  mm.link(vma);
  mm.link(lower);
  return 0;
}

/**
 * Cuts [from, to) off the head or the tail of an anonymous VMA and frees those pages of its region
 * (the tail cut frees the slack too). Linux: vmi_shrink_vma().
 */
function vmiShrinkVma(st: NommuState, mm: NommuMm, vma: Vma, from: number, to: number): number {
  if (from > vma.vmStart) {
    mm.tree.adjust(vma.id, vma.vmStart, from, vma.vmPgoff);
    vma.vmEnd = from;
  } else {
    mm.unlink(vma);
    vma.vmStart = to;
    mm.link(vma);
  }
  const freed = shrinkNommuRegion(st.regions, vma.vmRegion, from, to);
  st.freePageSeries(freed.start, freed.end);
  return 0;
}

/**
 * The file-VMA rule: walking the VMAs that meet [start, end), the start may not lie inside one, and
 * the VMA whose end is `end` goes whole; reaching the last without a match is -EINVAL.
 */
function munmapFileVma(st: NommuState, mm: NommuMm, start: number, end: number): number {
  const cur = mm.tree.cursor();
  cur.reset(start, end);
  for (let vma = cur.next(); vma !== undefined; vma = cur.next()) {
    if (start > vma.vmStart) return -EINVAL;
    if (end === vma.vmEnd) {
      eraseWholeVma(st, mm, vma);
      return 0;
    }
  }
  return -EINVAL;
}

/**
 * The anonymous-VMA rule: [start, end) must lie inside the VMA found, start page aligned (end too
 * unless it is the VMA's end); a hole splits VMA and region, a head or tail is cut off.
 */
function munmapAnonVma(st: NommuState, mm: NommuMm, vma: Vma, start: number, end: number): number {
  if (start === vma.vmStart && end === vma.vmEnd) {
    eraseWholeVma(st, mm, vma);
    return 0;
  }
  if (start < vma.vmStart || end > vma.vmEnd) return -EINVAL;
  if (start % PAGE_SIZE !== 0) return -EINVAL;
  if (end !== vma.vmEnd && end % PAGE_SIZE !== 0) return -EINVAL;
  if (start !== vma.vmStart && end !== vma.vmEnd) {
    const ret = splitVmaBelow(st, mm, vma, start);
    if (ret < 0) return ret;
  }
  return vmiShrinkVma(st, mm, vma, start, end);
}

/**
 * Unmaps [start, start + PAGE_ALIGN(len)). Returns 0 or -errno: -EINVAL for len 0, for a range no
 * VMA meets (MMU Linux returns 0 there), and for any range the rules above refuse.
 * Linux: do_munmap() in mm/nommu.c.
 */
export function doMunmap(st: NommuState, mm: NommuMm, start: number, len: number): number {
  const alen = pageAlign(len);
  if (alen === 0) return -EINVAL;
  const end = start + alen;
  const vma = mm.tree.findVmaIntersection(start, end);
  if (vma === undefined) return -EINVAL; // "munmap of memory not mmapped by process"
  if (vma.vmFile !== null) return munmapFileVma(st, mm, start, end);
  return munmapAnonVma(st, mm, vma, start, end);
}

/** Unmaps every VMA of an mm, in address order, and empties its tree. Linux: exit_mmap(). */
export function exitMmap(st: NommuState, mm: NommuMm): void {
  mm.totalVm = 0;
  const all = [...mm.vmas()];
  mm.tree.clear();
  for (const vma of all) {
    st.fileVmaUnlinked(vma);
    deleteVma(st, vma);
  }
  if (mm.mapCount !== 0) bug(`exit_mmap: mm ${mm.id} still has ${mm.mapCount} VMAs`);
}
