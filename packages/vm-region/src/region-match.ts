/**
 * How a region relates to a mapping request in file-page space: the three cases do_mmap()'s sharing
 * loop tells apart. Linux: the pglen/rpglen arithmetic of do_mmap() in mm/nommu.c.
 */
import { PAGE_SIZE, bug } from "@mmsim/mm-types";
import type { FileIdentity, RegionMatchKind, VmRegion } from "@mmsim/mm-types";
import { isUnsignedLong, regionPages } from "./nommu-region.js";

/** The page range of a request: `pages` file pages from `pgoff`. Linux: pgoff and pglen in do_mmap(). */
export interface FilePageRange {
  readonly pgoff: number;
  readonly pages: number;
}

/**
 * Converts a request (pgoff in pages, len in bytes) to its page range; a bad request is a bug.
 * Linux: pglen = (len + PAGE_SIZE - 1) >> PAGE_SHIFT in do_mmap().
 */
export function requestPages(pgoff: number, len: number): FilePageRange {
  if (!isUnsignedLong(pgoff)) bug(`region lookup: pgoff ${pgoff} is not a page index`);
  if (!isUnsignedLong(len) || len === 0) bug(`region lookup: len ${len} must be a positive byte count`);
  return { pgoff, pages: Math.ceil(len / PAGE_SIZE) };
}

/** True when the region's file pages and the request's overlap. Linux: the two `continue` tests before the match test in do_mmap(). */
export function overlapsFilePages(region: VmRegion, req: FilePageRange): boolean {
  return region.vmPgoff < req.pgoff + req.pages && req.pgoff < region.vmPgoff + regionPages(region);
}

/** True when the region maps exactly the request's pages: same pgoff, same page length. Linux: the exact case of do_mmap()'s sharing test. */
export function isExactFileMatch(region: VmRegion, req: FilePageRange): boolean {
  return region.vmPgoff === req.pgoff && regionPages(region) === req.pages;
}

/**
 * True when the region's file pages include all of the request's (exact matches included).
 * Linux: the `pgoff >= pregion->vm_pgoff && pgend <= rpgend` test of do_mmap().
 */
export function coversFilePages(region: VmRegion, req: FilePageRange): boolean {
  return req.pgoff >= region.vmPgoff && req.pgoff + req.pages <= region.vmPgoff + regionPages(region);
}

/**
 * Classifies a region of the same file against a request: "exact", "containing" (a strict superset),
 * "partial" (overlapping, neither), or null when the page ranges don't overlap. The file is the
 * caller's check. Linux: the sharing test of do_mmap() in mm/nommu.c.
 */
export function classifyRegionMatch(region: VmRegion, req: FilePageRange): RegionMatchKind | null {
  if (!overlapsFilePages(region, req)) return null;
  if (isExactFileMatch(region, req)) return "exact";
  if (coversFilePages(region, req)) return "containing";
  return "partial";
}

/**
 * True when the region takes part in a lookup for `file` with filter `anyFlags`: same file object and,
 * unless `anyFlags` is 0, at least one of its bits set. Linux: the is_nommu_shared_mapping() and
 * file_inode() tests of do_mmap().
 */
export function isLookupCandidate(region: VmRegion, file: FileIdentity, anyFlags: number): boolean {
  return region.vmFile === file && (anyFlags === 0 || (region.vmFlags & anyFlags) !== 0);
}
