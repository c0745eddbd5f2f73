/**
 * The reverse map as NOMMU has it: nothing. Without page tables there is nothing to unmap and no
 * anon_vma to prepare, so the operations are no-ops with the MMU versions' signatures, as the
 * seed patch's !CONFIG_MMU branch of include/linux/rmap.h made them (mm/rmap.c is not built
 * without CONFIG_MMU). Linux 6.1: anon_vma_prepare() (0), folio_referenced() (0, vm_flags 0),
 * try_to_unmap() (nothing).
 */
import type { RmapVma } from "./anon-vma.js";
import type { ReferencedFlags, RmapPtePort } from "./page-rmap.js";

/** The rmap operations a backend calls, implemented by PageRmap (MMU) and NOMMU_RMAP. */
export interface RmapOps {
  /** Linux: anon_vma_prepare(). Returns 0 or -ENOMEM. */
  anonVmaPrepare(vma: RmapVma): number;
  /** Linux: anon_vma_fork(). Returns 0 or -ENOMEM. */
  anonVmaFork(vma: RmapVma, pvma: RmapVma): number;
  /** Linux: unlink_anon_vmas(). */
  unlinkAnonVmas(vma: RmapVma): void;
  /** Linux: folio_referenced(). */
  pageReferenced(pfn: number, ptes: RmapPtePort, out?: ReferencedFlags): number;
  /** Linux: try_to_unmap(); true when the page is no longer mapped. */
  tryToUnmap(pfn: number, ptes: RmapPtePort, flags?: number): boolean;
}

/** NOMMU: nothing to prepare. Linux: `#define anon_vma_prepare(vma) (0)` (!CONFIG_MMU). */
export function nommuAnonVmaPrepare(_vma: RmapVma): number {
  return 0;
}

/** NOMMU: nothing to link (fork is not supported anyway). Linux: `#define anon_vma_link(vma) do {} while (0)`. */
export function nommuAnonVmaLink(_vma: RmapVma): void {}

/** NOMMU: no page tables, so no references to find. Linux: folio_referenced() for !CONFIG_MMU. */
export function nommuPageReferenced(_pfn: number, _ptes: RmapPtePort, out?: ReferencedFlags): number {
  if (out !== undefined) out.vmFlags = 0;
  return 0;
}

/** NOMMU: nothing can be unmapped; reports "still mapped" as the seed's SWAP_FAIL did. Linux: try_to_unmap() for !CONFIG_MMU. */
export function nommuTryToUnmap(_pfn: number, _ptes: RmapPtePort, _flags?: number): boolean {
  return false;
}

/** The NOMMU rmap: every operation a no-op. */
export const NOMMU_RMAP: RmapOps = Object.freeze({
  anonVmaPrepare: nommuAnonVmaPrepare,
  anonVmaFork: (_vma: RmapVma, _pvma: RmapVma): number => 0,
  unlinkAnonVmas: (_vma: RmapVma): void => {},
  pageReferenced: nommuPageReferenced,
  tryToUnmap: nommuTryToUnmap,
});
