/**
 * @mmsim/mmu: the MMU mm backend, the behaviour of mm/mmap.c, mm/vma.c, mm/memory.c,
 * mm/mprotect.c, mm/mremap.c, mm/madvise.c, mm/mlock.c and fork's dup_mmap(), checked call by call
 * against the host kernel.
 */
export { MmuBackend } from "./mmu-backend.js";
export type { MmuBackendInit, MmuOptions, MmuViewPort } from "./mmu-backend.js";
export { MmStruct, Vma } from "./vma.js";
export type { MmConfig, MmPager } from "./vma.js";
export { anonVmaPrepare } from "./anon-vma.js";
export { canMergeAfter, canMergeBefore, isMergeableAnonVma, isMergeableVma, splitVma, vmaMerge, vmaModifyFlags } from "./vma-merge.js";
export type { MergeCandidate } from "./vma-merge.js";
export { getUnmappedArea, vmStartGap } from "./get-unmapped-area.js";
export { calcVmFlagBits, calcVmProtBits, doMmap, isAccountableMapping, mmapRegion } from "./mmap.js";
export type { MmapHooks } from "./mmap.js";
export { doAlignMunmap, doMunmap } from "./munmap.js";
export type { UnmapHooks } from "./munmap.js";
export { doMprotect, mprotectFixup } from "./mprotect.js";
export type { MprotectHooks } from "./mprotect.js";
export { doMremap } from "./mremap.js";
export type { MremapHooks } from "./mremap.js";
export { VM_BRK_FLAGS, doBrk, doBrkFlags } from "./brk.js";
export { doMadvise, doSetAnonName, madviseWalkVmas } from "./madvise.js";
export { doMincore } from "./mincore.js";
export type { MadviseHooks } from "./madvise.js";
export { applyVmaLockFlags, countMlockedPages, doMlock } from "./mlock.js";
export type { MlockPagesFn, PopulateFn } from "./mlock.js";
export { doMsync } from "./msync.js";
export type { WritebackFn } from "./msync.js";
export {
  PTE_ACCESSED,
  PTE_ANON,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_SPECIAL,
  PTE_USER,
  PTE_WRITE,
  PTRS_PER_PTE,
  PageTable,
  PteTable,
  vpnOf,
} from "./page-table.js";
export { PG_ACTIVE, PG_ANON, PG_DIRTY, PG_REFERENCED, PG_SWAPBACKED, PageMeta } from "./rmap.js";
export {
  FAULT_AROUND_PAGES,
  VM_FAULT_OOM,
  VM_FAULT_SIGBUS,
  VM_FAULT_SIGSEGV,
  changeProtection,
  findPageOp,
  copyPageRange,
  handleMmFault,
  isCowMapping,
  isShmemFile,
  isVmaAccessible,
  linearPageIndex,
  madviseFreeRange,
  mlockPteRange,
  movePageTables,
  vmaNeedsCopy,
  vmaWantsWritenotify,
  writebackFileRange,
  zapPteRange,
} from "./memory.js";
export type { PageCacheOps, PageCtx, SwapBackedHint } from "./memory.js";
export { expandDownwards } from "./stack.js";
export { FOLL_FORCE, FOLL_TOUCH, FOLL_WRITE, gupPage, mmPopulate, populateVmaPageRange } from "./gup.js";
export { dupMmap } from "./fork.js";
export { IMmapSet, ShmemFile } from "./shmem.js";
export { memSizeStats, residentPages } from "./task-mmu.js";
export { BUS_ADRERR, InodeSequence, copyUser, getFutexKey } from "./uaccess.js";
export { validateMmPages } from "./validate.js";
