/**
 * NOMMU mremap: a mapping may only change its length in place, within the region it already has,
 * and only if nothing can share it. It never moves. Linux: do_mremap() and find_vma_exact() in
 * mm/nommu.c (6.12).
 */
import { EINVAL, ENOMEM, EPERM, MREMAP_FIXED, PAGE_SIZE, isNommuSharedMapping, pageAlign } from "@mmsim/mm-types";
import type { NommuState } from "./nommu-state.js";
import type { NommuMm, Vma } from "./vma.js";

/** The VMA of `mm` that is exactly [addr, addr + len), or undefined. Linux: find_vma_exact(). */
export function findVmaExact(mm: NommuMm, addr: number, len: number): Vma | undefined {
  const end = addr + len;
  const cur = mm.tree.cursor();
  cur.reset(addr, end);
  for (let vma = cur.next(); vma !== undefined; vma = cur.next()) {
    if (vma.vmStart === addr && vma.vmEnd === end) return vma;
  }
  return undefined;
}

/**
 * Resizes the mapping [addr, addr + oldLen) to newLen in place and returns addr, or -errno in the
 * kernel's order: a length that page-aligns to 0 → -EINVAL; addr unaligned → -EINVAL; MREMAP_FIXED
 * to another address → -EINVAL (MREMAP_MAYMOVE and MREMAP_DONTUNMAP are ignored); no VMA exactly
 * there → -EINVAL; a shareable mapping → -EPERM; longer than the region's initialised part → -ENOMEM.
 * No page is allocated or freed: a shrunk mapping can grow back up to the region's vm_end.
 * Linux: do_mremap() in mm/nommu.c.
 */
export function doMremap(st: NommuState, mm: NommuMm, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  const oldAligned = pageAlign(oldLen);
  const newAligned = pageAlign(newLen);
  if (oldAligned === 0 || newAligned === 0) return -EINVAL;
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  if (flags & MREMAP_FIXED && newAddr !== addr) return -EINVAL;
  const vma = findVmaExact(mm, addr, oldAligned);
  if (vma === undefined) return -EINVAL;
  if (isNommuSharedMapping(vma.vmFlags)) return -EPERM;
  const region = vma.vmRegion;
  if (newAligned > region.vmEnd - region.vmStart) return -ENOMEM;
  st.fileVmaUnlinked(vma);
  mm.tree.adjust(vma.id, vma.vmStart, vma.vmStart + newAligned, vma.vmPgoff);
  vma.vmEnd = vma.vmStart + newAligned;
  if (vma.vmFile?.mapping !== undefined) {
    vma.vmFile.mapping.vmaLink(vma);
    vma.linked = true;
  }
  return vma.vmStart;
}
