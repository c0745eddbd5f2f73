/**
 * @mmsim/mmu: the MMU mm backend, the behaviour of mm/mmap.c, mm/vma.c, mm/mprotect.c,
 * mm/mremap.c and mm/madvise.c, checked call by call against the host kernel.
 */
export { MmuBackend } from "./mmu-backend.js";
export type { MmuOptions } from "./mmu-backend.js";
export { MmStruct, Vma } from "./vma.js";
export type { AnonVma, MmConfig } from "./vma.js";
export { canMergeAfter, canMergeBefore, isMergeableAnonVma, isMergeableVma, splitVma, vmaMerge, vmaModifyFlags } from "./vma-merge.js";
export type { MergeCandidate } from "./vma-merge.js";
export { getUnmappedArea, vmStartGap } from "./get-unmapped-area.js";
export { calcVmFlagBits, calcVmProtBits, doMmap, isAccountableMapping, mmapRegion } from "./mmap.js";
export type { MmapHooks } from "./mmap.js";
export { doAlignMunmap, doMunmap } from "./munmap.js";
export type { UnmapHooks } from "./munmap.js";
export { doMprotect, mprotectFixup } from "./mprotect.js";
export { doMremap } from "./mremap.js";
export type { MremapHooks } from "./mremap.js";
export { VM_BRK_FLAGS, doBrk, doBrkFlags } from "./brk.js";
export { doMadvise } from "./madvise.js";
