/**
 * The region record and the rules every stored region obeys. Linux: struct vm_region
 * (include/linux/mm_types.h) and the per-region checks of validate_nommu_regions() in mm/nommu.c.
 */
import { PAGE_SIZE, VM_MAPPED_COPY, isPageAligned } from "@mmsim/mm-types";
import type { FileIdentity, RegionView, VmRegion, VmRegionInit } from "@mmsim/mm-types";

/**
 * A region record: what callers see as a read-only `VmRegion` and, for /proc/maps, as a `RegionView`
 * (`file` is a prototype getter for vmFile, so the record's own fields are exactly the kernel's).
 * Linux: struct vm_region without its vm_rb, which the store keeps in a node beside it.
 */
export class Region implements VmRegion, RegionView {
  vmFlags: number;
  vmStart: number;
  vmEnd: number;
  vmTop: number;
  vmPgoff: number;
  vmFile: FileIdentity | null;
  vmUsage: number;

  constructor(init: VmRegionInit) {
    this.vmFlags = init.vmFlags;
    this.vmStart = init.vmStart;
    this.vmEnd = init.vmEnd;
    this.vmTop = init.vmTop;
    this.vmPgoff = init.vmPgoff;
    this.vmFile = init.vmFile;
    this.vmUsage = init.vmUsage ?? 1;
  }

  /** The backing file under the name /proc/maps views use. */
  get file(): FileIdentity | null {
    return this.vmFile;
  }
}

/** The fields `regionShapeError` checks. Linux: the struct vm_region fields validate_nommu_regions() reads. */
export type RegionShape = Pick<VmRegion, "vmFlags" | "vmStart" | "vmEnd" | "vmTop" | "vmPgoff" | "vmUsage">;

/** True when `x` is a non-negative safe integer: an address, a length or a page index. Linux: an unsigned long below 2^53. */
export function isUnsignedLong(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

/**
 * True when the region's addresses must be page aligned: a private copy (VM_MAPPED_COPY) owns pages
 * from the page allocator, `[vmStart, vmTop)` is freed page by page and `vmEnd` is start plus a
 * PAGE_ALIGN()ed length. Direct mappings take whatever address the driver returns.
 * Linux: do_mmap_private() and free_page_series() in mm/nommu.c.
 */
export function mustBePageAligned(region: Pick<VmRegion, "vmFlags">): boolean {
  return (region.vmFlags & VM_MAPPED_COPY) !== 0;
}

/**
 * Returns the first rule a region breaks, or null when its shape is sound: numbers in range,
 * `vmStart < vmEnd <= vmTop`, `vmUsage >= 1`, page alignment of a VM_MAPPED_COPY region.
 * Overlap with other regions is the store's check. Linux: the per-region BUG_ON()s of validate_nommu_regions().
 */
export function regionShapeError(r: RegionShape): string | null {
  if (!isUnsignedLong(r.vmFlags)) return "vm_flags is not a flag word";
  if (!isUnsignedLong(r.vmStart) || !isUnsignedLong(r.vmEnd) || !isUnsignedLong(r.vmTop)) {
    return "vm_start, vm_end and vm_top must be non-negative safe integers";
  }
  if (!isUnsignedLong(r.vmPgoff)) return "vm_pgoff is not a page index";
  if (!Number.isSafeInteger(r.vmUsage) || r.vmUsage < 1) return "vm_usage < 1 (a stored region has at least one user)";
  if (r.vmEnd <= r.vmStart) return "vm_end <= vm_start";
  if (r.vmTop < r.vmEnd) return "vm_top < vm_end";
  if (mustBePageAligned(r) && !(isPageAligned(r.vmStart) && isPageAligned(r.vmEnd) && isPageAligned(r.vmTop))) {
    return "VM_MAPPED_COPY region is not page aligned (vm_start, vm_end and vm_top must be)";
  }
  return null;
}

/** Pages of file the region maps: ceil((vmEnd - vmStart) / PAGE_SIZE). Linux: rpglen in do_mmap(). */
export function regionPages(region: Pick<VmRegion, "vmStart" | "vmEnd">): number {
  return Math.ceil((region.vmEnd - region.vmStart) / PAGE_SIZE);
}

function hex(x: unknown): string {
  return typeof x === "number" && Number.isFinite(x) && x >= 0 ? `0x${x.toString(16)}` : String(x);
}

/**
 * A one-line description of a region for KernelBug messages; tolerates malformed records.
 * Linux: none (the kernel's BUG_ON()s in mm/nommu.c print no message).
 */
export function describeRegion(
  r: Pick<VmRegion, "vmStart" | "vmEnd" | "vmTop" | "vmPgoff" | "vmFlags" | "vmUsage" | "vmFile">,
): string {
  const file = r.vmFile ? r.vmFile.path : "anon";
  return (
    `region ${hex(r.vmStart)}-${hex(r.vmEnd)} (top ${hex(r.vmTop)}, pgoff ${hex(r.vmPgoff)}, ` +
    `flags ${hex(r.vmFlags)}, usage ${String(r.vmUsage)}, ${file})`
  );
}

/** A fresh `RegionView` of a region, for /proc/maps formatting of a single record. Linux: the fields nommu_region_show() reads. */
export function regionView(region: VmRegion): RegionView {
  return {
    vmStart: region.vmStart,
    vmEnd: region.vmEnd,
    vmTop: region.vmTop,
    vmFlags: region.vmFlags,
    vmPgoff: region.vmPgoff,
    vmUsage: region.vmUsage,
    file: region.vmFile,
  };
}
