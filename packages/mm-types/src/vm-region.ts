/**
 * The NOMMU region store contract: struct vm_region and the global nommu_region_tree of mm/nommu.c.
 * Types only. `@mmsim/vm-region` implements `VmRegionStore`; `regionStoreConformance` in
 * `@mmsim/mm-conformance` tests any implementation against this contract.
 *
 * A region is the backing store of one or more NOMMU VMAs, possibly in different processes: a private
 * copy of a file or anonymous memory (VM_MAPPED_COPY, pages the region owns), or memory a driver or
 * memory-backed filesystem handed out directly (pages the region does not own). Regions live in one
 * global tree ordered by `vmStart` and never overlap, slack included.
 */
import type { FileIdentity, RegionView, RegionsViewPort } from "./ports.js";

/**
 * One region as a store hands it out. Linux: struct vm_region (include/linux/mm_types.h).
 * Fields are read-only to callers: a stored region changes only through its store.
 *
 * Invariants of a stored region: `vmStart < vmEnd <= vmTop`; `vmUsage >= 1`; with VM_MAPPED_COPY,
 * `vmStart`, `vmEnd` and `vmTop` are page aligned (the pages came from the page allocator and are
 * freed page by page). Direct mappings may start anywhere a driver says (romfs hands out file data
 * that is only 16-byte aligned), so their addresses carry no alignment rule.
 */
export interface VmRegion {
  /** The creating VMA's flags (VM_MAYSHARE, VM_SHARED, VM_MAYOVERLAY, VM_MAPPED_COPY, ...). Linux: vm_flags. */
  readonly vmFlags: number;
  /** First byte of the backing memory. Linux: vm_start. */
  readonly vmStart: number;
  /** End of the initialised part: start plus the page-aligned mapped length. Linux: vm_end. */
  readonly vmEnd: number;
  /** End of the allocation; `vmTop - vmEnd` is slack. Equal to vmEnd for direct mappings. Linux: vm_top. */
  readonly vmTop: number;
  /** File offset of vmStart, in pages (anonymous regions keep the mmap pgoff argument). Linux: vm_pgoff. */
  readonly vmPgoff: number;
  /**
   * The backing file, or null for anonymous memory. Stores compare files by object identity: one
   * FileIdentity object stands for one inode. Linux: vm_file (compared through file_inode()).
   */
  readonly vmFile: FileIdentity | null;
  /** Number of VMAs, in any process, using the region. Linux: vm_usage. */
  readonly vmUsage: number;
}

/**
 * What a caller fills in before a region is inserted. Linux: the fields do_mmap() and
 * do_mmap_private() set on a freshly allocated struct vm_region before add_nommu_region().
 * `vmUsage` defaults to 1 (do_mmap() starts every region at one user).
 */
export interface VmRegionInit {
  readonly vmFlags: number;
  readonly vmStart: number;
  readonly vmEnd: number;
  readonly vmTop: number;
  readonly vmPgoff: number;
  readonly vmFile: FileIdentity | null;
  readonly vmUsage?: number;
}

/**
 * New values for the fields a split, a shrink or a truncate may change; absent fields keep their value.
 * Linux: the field updates between delete_nommu_region() and add_nommu_region() in split_vma(),
 * vmi_shrink_vma() and nommu_shrink_inode_mappings().
 */
export interface VmRegionAdjust {
  readonly vmStart?: number;
  readonly vmEnd?: number;
  readonly vmTop?: number;
  readonly vmPgoff?: number;
}

/**
 * How a stored region relates to a request (file, pgoff, len) in file-page space, the three cases of
 * do_mmap()'s sharing loop. With `rpages = ceil((vmEnd - vmStart) / PAGE_SIZE)` and
 * `pages = ceil(len / PAGE_SIZE)`:
 * - "exact": same file, `vmPgoff === pgoff` and `rpages === pages`;
 * - "containing": not exact, and `[pgoff, pgoff + pages)` lies inside `[vmPgoff, vmPgoff + rpages)`;
 * - "partial": the two page ranges overlap but neither of the above holds.
 * Regions that do not overlap the request, or map another file, are no match at all.
 */
export type RegionMatchKind = "exact" | "containing" | "partial";

/** One overlapping region and its class. */
export interface RegionMatch {
  readonly region: VmRegion;
  readonly kind: RegionMatchKind;
}

/**
 * The answer to one sharing lookup: the first region of each class in address (tree) order, and the
 * two answers do_mmap() acts on. Linux: the rb_first()/rb_next() walk over nommu_region_tree in do_mmap().
 *
 * How the NOMMU backend reads it (6.12):
 * - without NOMMU_MAP_DIRECT the kernel stops at the first overlapping region: `first.kind === "partial"`
 *   is a sharing violation (-EINVAL), otherwise `first.region` is shared;
 * - with NOMMU_MAP_DIRECT partial overlaps are skipped: `firstSuperset` is shared if there is one.
 */
export interface RegionFileLookup {
  /** First exact match, or null. */
  readonly exact: VmRegion | null;
  /** First region that strictly contains the request, or null. */
  readonly containing: VmRegion | null;
  /** First partial overlap, or null. */
  readonly partial: VmRegion | null;
  /** The first overlapping region of any class, or null when nothing overlaps. */
  readonly first: RegionMatch | null;
  /** The first region that is an exact or a containing match: the region do_mmap() would share. */
  readonly firstSuperset: VmRegion | null;
}

/**
 * The global NOMMU region tree: regions keyed by `vmStart`, non-overlapping over `[vmStart, vmTop)`.
 * Linux: nommu_region_tree and the functions around it in mm/nommu.c.
 *
 * Misuse throws a KernelBug (the kernel's BUG_ON): inserting a region that overlaps a stored one or
 * shares its `vmStart`, breaking `vmStart < vmEnd <= vmTop`, misaligning a VM_MAPPED_COPY region,
 * touching a region that is not (or no longer) stored in this store. Expected outcomes never throw.
 * Regions are few on a NOMMU machine, but address lookups and updates must stay O(log n).
 */
export interface VmRegionStore extends RegionsViewPort {
  /** Number of stored regions. */
  readonly nrRegions: number;
  /**
   * Allocates a region from `init` and inserts it. Returns the stored record, which stays valid (and
   * readable after removal) for the caller's VMAs to point at.
   * Linux: kmem_cache_zalloc(vm_region_jar) + add_nommu_region().
   */
  addNommuRegion(init: VmRegionInit): VmRegion;
  /** Removes a stored region whatever its usage; it can't be used with the store again. Linux: delete_nommu_region(). */
  deleteNommuRegion(region: VmRegion): void;
  /**
   * Changes a stored region's range and offset in place, re-keying it; the new shape must satisfy every
   * invariant or the call throws and changes nothing. Linux: delete_nommu_region(), field updates,
   * add_nommu_region() as split_vma() and vmi_shrink_vma() do.
   */
  adjustNommuRegion(region: VmRegion, change: VmRegionAdjust): void;
  /** Takes a usage reference (a VMA now points at the region); returns the new vmUsage. Linux: pregion->vm_usage++ in do_mmap(). */
  getNommuRegion(region: VmRegion): number;
  /**
   * Drops a usage reference and returns the new vmUsage. At 0 the region has been removed from the
   * tree and the caller must free its memory: pages `[vmStart, vmTop)` when VM_MAPPED_COPY is set,
   * nothing otherwise (device or page-cache memory). Linux: __put_nommu_region().
   */
  putNommuRegion(region: VmRegion): number;
  /** True when `region` is currently stored here. */
  hasRegion(region: VmRegion): boolean;
  /** The stored region whose `[vmStart, vmTop)` holds `addr` (slack included), or null. */
  findRegion(addr: number): VmRegion | null;
  /** The region with the lowest vmStart, or null. Linux: rb_first(&nommu_region_tree). */
  firstRegion(): VmRegion | null;
  /**
   * The stored region with the lowest vmStart above `region.vmStart`, or null. `region` need not be
   * stored any more, so a walk survives removing the region it stands on. Linux: rb_next().
   */
  nextRegion(region: VmRegion): VmRegion | null;
  /**
   * Classifies the stored regions of `file` against the request (pgoff in pages, len in bytes, len > 0)
   * and returns the first of each class in address order. Only regions with at least one of the
   * `anyFlags` bits in vmFlags take part; 0 (the default) admits every region of the file.
   * The NOMMU backend passes VM_MAYSHARE | VM_MAYOVERLAY (is_nommu_shared_mapping()).
   */
  lookupFileRange(file: FileIdentity, pgoff: number, len: number, anyFlags?: number): RegionFileLookup;
  /** Every overlapping region of `file`, with its class, in address order (same rules as lookupFileRange). */
  fileRangeMatches(file: FileIdentity, pgoff: number, len: number, anyFlags?: number): RegionMatch[];
  /** Stored regions in address order. The tree must not change during the walk (use nextRegion for that). */
  [Symbol.iterator](): Iterator<VmRegion>;
  /** Stored regions as /proc/maps sees them, in address order. */
  regions(): Iterable<RegionView>;
  /**
   * Checks every invariant: order, no overlap (`vmStart >= previous vmTop`), `vmStart < vmEnd <= vmTop`,
   * VM_MAPPED_COPY alignment, `vmUsage >= 1`, internal counts. Throws a KernelBug naming the region and
   * the rule. Linux: validate_nommu_regions() (CONFIG_DEBUG_NOMMU_REGIONS).
   */
  assertValid(): void;
}
