/**
 * @mmsim/anon-vma-rmap: the reverse map — anon_vma and anon_vma_chain, the i_mmap interval tree,
 * per-page mapping/index/_mapcount and the rmap walks (mm/rmap.c, mm/interval_tree.c).
 * Every export is named here; no `export *`.
 */
export {
  NIL,
  IntervalNodePool,
  IntervalTree,
} from "./interval-tree.js";
export type {
  IntervalTreeOptions,
} from "./interval-tree.js";
export {
  AddressSpace,
  vmaPages,
  vmaStartPgoff,
  vmaLastPgoff,
  isSharedMaywrite,
} from "./address-space.js";
export {
  AnonVma,
  AnonVmaChain,
  AnonVmaCache,
  isReusableOnFork,
} from "./anon-vma.js";
export type {
  RmapWalkVma,
  RmapVma,
  SlabFailHook,
  AnonVmaCacheOptions,
} from "./anon-vma.js";
export {
  VM_ACCESS_FLAGS,
  isMergeableAnonVma,
  anonVmaCompatible,
  reusableAnonVma,
  findMergeableAnonVma,
} from "./anon-vma-merge.js";
export {
  PAGE_MAPPING_ANON,
  RMAP_EXCLUSIVE,
  TTU_IGNORE_MLOCK,
  PageRmap,
  vmaAddress,
  linearPageIndex,
} from "./page-rmap.js";
export type {
  RmapOne,
  RmapPtePort,
  ReferencedFlags,
  PageRmapOptions,
} from "./page-rmap.js";
export {
  NOMMU_RMAP,
  nommuAnonVmaPrepare,
  nommuAnonVmaLink,
  nommuPageReferenced,
  nommuTryToUnmap,
} from "./nommu.js";
export type {
  RmapOps,
} from "./nommu.js";
