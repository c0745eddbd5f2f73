/**
 * @mmsim/buddy-allocator: the Linux buddy page allocator (mm/page_alloc.c) with lazily materialized
 * page contents and the /proc/buddyinfo and mm/vmstat.c fragmentation figures.
 */
export { BuddyAllocator } from "./page-alloc.js";
export type { BuddyAllocatorOptions, ZoneSpec } from "./page-alloc.js";
export {
  ALLOC_NO_WATERMARKS,
  ALLOC_WMARK_HIGH,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  PG_BUDDY,
  PG_HEAD,
  PG_PCP,
  ZONE_BYTES_PER_PAGE,
  Zone,
  defaultPcpSettings,
  pageState,
} from "./zone.js";
export type { PcpSettings } from "./zone.js";
export { PHYS_BYTES_PER_PAGE, PhysMem } from "./phys-mem.js";
export { WATERMARK_SCALE_FACTOR, minFreeKbytes, zoneWatermarks } from "./watermarks.js";
export type { Watermarks } from "./watermarks.js";
export {
  contigPageInfo,
  formatBuddyinfo,
  formatExtfragIndex,
  formatUnusableIndex,
  fragmentationIndex,
  unusableFreeIndex,
} from "./vmstat.js";
export type { ContigPageInfo } from "./vmstat.js";
