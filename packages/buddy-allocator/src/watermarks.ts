/**
 * Zone watermarks as Linux computes them at boot. Linux: calculate_min_free_kbytes() and
 * __setup_per_zone_wmarks() in mm/page_alloc.c, with watermark_scale_factor = 10.
 */
import { PAGE_SHIFT } from "@mmsim/mm-types";

/** The three watermarks of a zone, in pages. */
export interface Watermarks {
  readonly min: number;
  readonly low: number;
  readonly high: number;
}

/** Linux: vm.watermark_scale_factor default (in units of 1/10000 of the zone). */
export const WATERMARK_SCALE_FACTOR = 10;

/**
 * min_free_kbytes for a machine with `lowmemPages` pages of low memory:
 * clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144). Linux: calculate_min_free_kbytes().
 */
export function minFreeKbytes(lowmemPages: number): number {
  const lowmemKbytes = lowmemPages * (1 << (PAGE_SHIFT - 10));
  const v = Math.floor(Math.sqrt(lowmemKbytes * 16));
  return Math.min(Math.max(v, 128), 262144);
}

/**
 * The watermarks of one zone holding `managedPages` of a node's `totalManagedPages`, given the
 * system-wide min_free_kbytes. The zone's WMARK_MIN is its proportional share of min_free_kbytes;
 * low and high add max(min/4, managed * scale / 10000) each. Linux: __setup_per_zone_wmarks().
 */
export function zoneWatermarks(managedPages: number, totalManagedPages: number, minFreeKb: number): Watermarks {
  const pagesMin = minFreeKb >> (PAGE_SHIFT - 10);
  const min = totalManagedPages === 0 ? 0 : Math.floor((pagesMin * managedPages) / totalManagedPages);
  const tmp = Math.max(min >> 2, Math.floor((managedPages * WATERMARK_SCALE_FACTOR) / 10000));
  return { min, low: min + tmp, high: min + 2 * tmp };
}
