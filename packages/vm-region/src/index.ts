/**
 * @mmsim/vm-region: the NOMMU global region store (struct vm_region and nommu_region_tree of
 * mm/nommu.c), the region halves of split and shrink, and the global /proc/maps formatter.
 * Every export is named here; no `export *`.
 */
export { NommuRegionTree, createNommuRegionTree } from "./nommu-region-tree.js";
export { describeRegion, mustBePageAligned, regionPages, regionShapeError, regionView } from "./nommu-region.js";
export type { RegionShape } from "./nommu-region.js";
export {
  classifyRegionMatch,
  coversFilePages,
  isExactFileMatch,
  isLookupCandidate,
  overlapsFilePages,
  requestPages,
} from "./region-match.js";
export type { FilePageRange } from "./region-match.js";
export { shrinkNommuRegion, splitNommuRegion } from "./region-split.js";
export type { FreedRange } from "./region-split.js";
export { nommuRegionListShow, nommuRegionShow } from "./proc-maps.js";
export type { ProcMapsOptions } from "./proc-maps.js";
