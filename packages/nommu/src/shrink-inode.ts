/**
 * Truncating a memory-backed file (ramfs) that has mappings: a shrink under a mapping of the page
 * cache is refused, otherwise the regions on the file's pages lose the part beyond the new size.
 * Linux: nommu_shrink_inode_mappings() in mm/nommu.c, called by ramfs_nommu_resize().
 *
 * Linux 6.12 looks at VM_SHARED VMAs only, and so misses a read-only private mapping that overlays
 * the page cache directly (VM_MAYOVERLAY): the truncate frees pages a region still holds and the
 * next copy placed there BUG()s in add_nommu_region() (test/oracle/crash/overlay-truncate.c shows
 * it). Here every VMA on page-cache memory counts, as a shared one does.
 */
import { ETXTBSY, PAGE_SIZE, VM_MAPPED_COPY, VM_SHARED } from "@mmsim/mm-types";
import type { AddressSpacePort, VmRegion } from "@mmsim/mm-types";
import type { NommuState } from "./nommu-state.js";
import { Vma } from "./vma.js";

/** True when the VMA maps the file's own pages rather than a copy: VM_SHARED, or a direct overlay. */
function mapsPageCache(vma: Vma): boolean {
  return (vma.vmFlags & VM_SHARED) !== 0 || !(vma.vmRegion.vmFlags & VM_MAPPED_COPY);
}

/** Every NOMMU VMA linked into `mapping` over file pages [first, last]. */
function* ourVmas(mapping: AddressSpacePort, first: number, last: number): Generator<Vma> {
  for (const e of mapping.vmasIntersecting(first, last)) if (e instanceof Vma) yield e;
}

/**
 * Prepares a memory-backed file for a shrink from `size` to `newsize` bytes. Returns -ETXTBSY when
 * a mapping of the page cache (shared, or a direct read-only overlay) covers a page being cut, else
 * trims the regions of such mappings that reach beyond `newsize` (vm_top, and vm_end when it passes
 * vm_top) and returns 0.
 * Linux: nommu_shrink_inode_mappings().
 */
export function nommuShrinkInodeMappings(st: NommuState, mapping: AddressSpacePort, size: number, newsize: number): number {
  const low = Math.floor(newsize / PAGE_SIZE);
  const high = Math.ceil(size / PAGE_SIZE);
  for (const vma of ourVmas(mapping, low, high)) if (mapsPageCache(vma)) return -ETXTBSY;
  const done = new Set<VmRegion>();
  for (const vma of ourVmas(mapping, 0, Number.MAX_SAFE_INTEGER)) {
    if (!mapsPageCache(vma)) continue;
    const region = vma.vmRegion;
    if (done.has(region)) continue;
    done.add(region);
    const rTop = region.vmPgoff * PAGE_SIZE + (region.vmTop - region.vmStart);
    if (rTop <= newsize) continue;
    const vmTop = region.vmTop - (rTop - newsize);
    st.regions.adjustNommuRegion(region, { vmTop, vmEnd: Math.min(region.vmEnd, vmTop) });
  }
  return 0;
}
