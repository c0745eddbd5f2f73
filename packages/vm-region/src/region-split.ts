/**
 * The region halves of munmap()'s hole punching: splitting a region in two and trimming its head or
 * tail. Both work on any `VmRegionStore` through adjustNommuRegion() and addNommuRegion(); the VMA
 * halves belong to the NOMMU backend. Linux: split_vma() and vmi_shrink_vma() in mm/nommu.c.
 */
import { PAGE_SIZE, bug, isPageAligned } from "@mmsim/mm-types";
import type { VmRegion, VmRegionStore } from "@mmsim/mm-types";
import { describeRegion } from "./nommu-region.js";

/** A byte range `[start, end)` whose pages the caller must free. Linux: the from/to of free_page_series(). */
export interface FreedRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Splits a stored region at `addr` and returns the new piece: the lower one `[vmStart, addr)` when
 * `newBelow`, else the upper one `[addr, vmEnd)`. The new piece copies the region's flags, file and
 * usage (the kernel copies the whole struct); the upper piece's vmPgoff advances by the pages below
 * `addr`. The lower piece ends at `addr` with no slack; the upper piece keeps the region's vmTop.
 * Preconditions: `addr` page aligned and strictly inside (vmStart, vmEnd). Linux: split_vma() in mm/nommu.c.
 */
export function splitNommuRegion(store: VmRegionStore, region: VmRegion, addr: number, newBelow: boolean): VmRegion {
  if (!isPageAligned(addr) || addr <= region.vmStart || addr >= region.vmEnd) {
    bug(`split_vma: cannot split ${describeRegion(region)} at 0x${addr.toString(16)}`);
  }
  const npages = Math.floor((addr - region.vmStart) / PAGE_SIZE);
  const { vmFlags, vmStart, vmEnd, vmTop, vmPgoff, vmFile, vmUsage } = region;
  if (newBelow) {
    store.adjustNommuRegion(region, { vmStart: addr, vmPgoff: vmPgoff + npages });
    return store.addNommuRegion({ vmFlags, vmStart, vmEnd: addr, vmTop: addr, vmPgoff, vmFile, vmUsage });
  }
  store.adjustNommuRegion(region, { vmEnd: addr, vmTop: addr });
  return store.addNommuRegion({ vmFlags, vmStart: addr, vmEnd, vmTop, vmPgoff: vmPgoff + npages, vmFile, vmUsage });
}

/**
 * Trims a stored region that has exactly one user and returns the range whose pages the caller frees.
 * Tail trim (`from > vmStart`): the region ends at `from` (vmEnd = vmTop = from) and `[from, old vmTop)`
 * is freed, slack included; `to` is not used. Head trim (`from === vmStart`): the region starts at
 * `to` and `[from, to)` is freed; as in the kernel, vmPgoff is left alone (only anonymous regions are
 * trimmed). Linux: vmi_shrink_vma() in mm/nommu.c (shrink_vma() before 6.1).
 */
export function shrinkNommuRegion(store: VmRegionStore, region: VmRegion, from: number, to: number): FreedRange {
  if (region.vmUsage !== 1) bug(`vmi_shrink_vma: ${describeRegion(region)} has ${region.vmUsage} users, not 1`);
  if (from > region.vmStart) {
    const top = region.vmTop;
    store.adjustNommuRegion(region, { vmEnd: from, vmTop: from });
    return { start: from, end: top };
  }
  if (from !== region.vmStart) bug(`vmi_shrink_vma: 0x${from.toString(16)} lies below ${describeRegion(region)}`);
  store.adjustNommuRegion(region, { vmStart: to });
  return { start: from, end: to };
}
