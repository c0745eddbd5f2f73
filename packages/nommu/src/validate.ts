/**
 * The invariants of the NOMMU mm, checked across every address space at once: each region's usage
 * equals the VMAs pointing at it, regions never overlap, every VMA lies inside its region, MmapCopy
 * equals the pages private copies hold, and each of those pages carries the region's reference.
 * Linux: validate_nommu_regions() (CONFIG_DEBUG_NOMMU_REGIONS) and validate_mm().
 */
import { PAGE_SIZE, VM_MAPPED_COPY, bug } from "@mmsim/mm-types";
import type { FileIdentity, VmRegion } from "@mmsim/mm-types";
import type { NommuState } from "./nommu-state.js";
import type { NommuMm, Vma } from "./vma.js";

function hex(x: number): string {
  return `0x${x.toString(16)}`;
}

function describeVma(vma: Vma): string {
  return `VMA ${vma.id} [${hex(vma.vmStart)}, ${hex(vma.vmEnd)}) of mm ${vma.mmId}`;
}

/** True when the file's i_mmap finds this VMA over its own pgoff range. */
function isInIMmap(vma: Vma): boolean {
  const mapping = vma.vmFile?.mapping;
  if (mapping === undefined) return !vma.linked;
  for (const e of mapping.vmasIntersecting(vma.vmPgoff, vma.vmPgoff + Math.max(vma.nrPages, 1) - 1)) if (e === vma) return vma.linked;
  return false;
}

/** Checks one VMA against its region and its file. */
function validateVma(st: NommuState, vma: Vma): VmRegion {
  const r = vma.vmRegion;
  if (!(vma.vmStart < vma.vmEnd)) bug(`${describeVma(vma)} is empty`);
  if (!st.regions.hasRegion(r)) bug(`${describeVma(vma)} points at a region that is not in the tree`);
  const regionPagesEnd = r.vmStart + Math.ceil((r.vmEnd - r.vmStart) / PAGE_SIZE) * PAGE_SIZE;
  if (vma.vmStart < r.vmStart || vma.vmEnd > regionPagesEnd) bug(`${describeVma(vma)} lies outside its region [${hex(r.vmStart)}, ${hex(r.vmEnd)})`);
  if ((vma.vmFlags & VM_MAPPED_COPY) !== (r.vmFlags & VM_MAPPED_COPY)) bug(`${describeVma(vma)} and its region disagree on VM_MAPPED_COPY`);
  if (!isInIMmap(vma)) bug(`${describeVma(vma)} is missing from ${vma.vmFile!.identity.path}'s i_mmap`);
  return r;
}

/** Checks one mm's VMAs and its heap; adds each VMA's region use and file use to the tallies. */
function validateMm(st: NommuState, mm: NommuMm, users: Map<VmRegion, number>, files: Map<FileIdentity, number>): void {
  mm.tree.assertValid();
  let n = 0;
  for (const vma of mm.vmas()) {
    n++;
    if (vma.mmId !== mm.id) bug(`${describeVma(vma)} sits in mm ${mm.id}`);
    const r = validateVma(st, vma);
    users.set(r, (users.get(r) ?? 0) + 1);
    if (vma.vmFile !== null) files.set(vma.vmFile.identity, (files.get(vma.vmFile.identity) ?? 0) + 1);
  }
  if (n !== mm.mapCount) bug(`mm ${mm.id}: map_count ${mm.mapCount}, but ${n} VMAs`);
  if (mm.endBrk >= mm.startBrk && (mm.brk < mm.startBrk || mm.brk > mm.endBrk)) bug(`mm ${mm.id}: brk ${hex(mm.brk)} outside [${hex(mm.startBrk)}, ${hex(mm.endBrk)}]`);
}

/** Checks a region's usage and, for a copy, that each page still holds a reference; returns its copy pages. */
function validateRegion(st: NommuState, r: VmRegion, users: Map<VmRegion, number>): number {
  const used = users.get(r) ?? 0;
  if (used !== r.vmUsage) bug(`region [${hex(r.vmStart)}, ${hex(r.vmEnd)}) has vm_usage ${r.vmUsage} but ${used} VMAs use it`);
  if (!(r.vmFlags & VM_MAPPED_COPY)) return 0;
  for (let a = r.vmStart; a < r.vmTop; a += PAGE_SIZE) {
    if (st.pages.pageCount(a / PAGE_SIZE) < 1) bug(`region [${hex(r.vmStart)}, ${hex(r.vmTop)}): page ${hex(a)} holds no reference`);
  }
  return (r.vmTop - r.vmStart) / PAGE_SIZE;
}

/** Checks every invariant of the NOMMU mm; throws a KernelBug naming the first broken one. */
export function validateNommu(st: NommuState, mms: Iterable<NommuMm>): void {
  st.regions.assertValid();
  const users = new Map<VmRegion, number>();
  const files = new Map<FileIdentity, number>();
  for (const mm of mms) validateMm(st, mm, users, files);
  let copyPages = 0;
  for (const r of st.regions) copyPages += validateRegion(st, r, users);
  if (copyPages !== st.mmapPagesAllocated) bug(`MmapCopy counts ${st.mmapPagesAllocated} pages, copies hold ${copyPages}`);
  if (files.size !== st.fileMapCount.size) bug(`${st.fileMapCount.size} files counted as mapped, ${files.size} are`);
  for (const [id, n] of files) if (st.fileMapCount.get(id) !== n) bug(`${id.path}: ${n} VMAs, counted ${st.fileMapCount.get(id)}`);
}
