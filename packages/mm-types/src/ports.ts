/**
 * The small ports between subsystems. A backend or the buddy allocator implements a port; a
 * subsystem that needs it (futex, procfs, sysv-shm) takes it as a parameter and never reaches into
 * the implementer's internals.
 */

/** The failure value of a page allocation: no pfn. Linux: a NULL struct page *. */
export const NO_PAGE = -1;

/**
 * Byte access to simulated physical memory, addressed by physical byte address
 * (pfn << PAGE_SHIFT | offset). Pages are zero-filled when first touched.
 *
 * Preconditions: the whole range lies inside the machine's memory; implementations throw (a bug,
 * not an errno) otherwise, because user-visible faults are decided by the backend before it
 * reaches physical memory.
 */
export interface PhysMemPort {
  /** Copies `dst.length` bytes starting at physical address `paddr` into `dst`. */
  readBytes(paddr: number, dst: Uint8Array): void;
  /** Copies `src` to physical memory starting at `paddr`. */
  writeBytes(paddr: number, src: Uint8Array): void;
  /** Loads the little-endian u32 at `paddr` (any alignment; may cross a page). */
  readU32(paddr: number): number;
  /** Stores `value` as a little-endian u32 at `paddr`. */
  writeU32(paddr: number, value: number): void;
  /** Fills `len` bytes at `paddr` with zero. Linux: clear_highpage() / memset(). */
  zero(paddr: number, len: number): void;
}

/**
 * The page allocator as the backends see it. Linux: alloc_pages()/__free_pages()/get_page()/put_page()
 * in mm/page_alloc.c and mm/swap.c. Allocations return a pfn, or NO_PAGE when they can't be met.
 */
export interface PageAllocatorPort {
  /** Total page frames managed. */
  readonly nrPages: number;
  /** Allocates 2^order contiguous pages, each with refcount 1 on the head. Returns the first pfn or NO_PAGE. */
  allocPages(order: number): number;
  /** Frees a block obtained from `allocPages(order)`. Misuse (double free, wrong order) throws. */
  freePages(pfn: number, order: number): void;
  /**
   * Allocates enough pages for `bytes`, as independently refcounted order-0 pages, giving the surplus
   * of the power-of-two block back page by page. Linux: alloc_pages_exact(). Returns the first pfn or NO_PAGE.
   */
  allocPagesExact(bytes: number): number;
  /** Frees pages obtained from `allocPagesExact(bytes)`. Linux: free_pages_exact(). */
  freePagesExact(pfn: number, bytes: number): void;
  /** Takes an extra reference on an allocated order-0 page (or block head). Linux: get_page(). */
  getPage(pfn: number): void;
  /** Drops a reference; the page is freed when the count reaches zero. Returns the new count. Linux: put_page(). */
  putPage(pfn: number): number;
  /** Current reference count of a page (0 when free or a tail of a block). Linux: page_ref_count(). */
  pageCount(pfn: number): number;
  /** Pages free right now. Linux: zone_page_state(zone, NR_FREE_PAGES), summed. */
  freePagesCount(): number;
}

/** A snapshot of a zone for /proc/buddyinfo, /proc/zoneinfo and /proc/meminfo. */
export interface ZoneView {
  /** Zone name as Linux prints it: "DMA", "DMA32", "Normal". */
  readonly name: string;
  /** NUMA node id (always 0 here). */
  readonly nodeId: number;
  /** First pfn of the zone. */
  readonly zoneStartPfn: number;
  /** Pages in the zone's span. */
  readonly spannedPages: number;
  /** Pages the buddy allocator manages. */
  readonly managedPages: number;
  /** Free pages. */
  readonly freePages: number;
  /** Free blocks per order 0..MAX_PAGE_ORDER. Linux: free_area[order].nr_free. */
  readonly nrFree: readonly number[];
  /** Watermarks in pages. */
  readonly watermarkMin: number;
  readonly watermarkLow: number;
  readonly watermarkHigh: number;
}

/** Read-only view of zones, for procfs. */
export interface ZonesViewPort {
  zoneViews(): readonly ZoneView[];
}

/** Identity of a file as /proc/<pid>/maps prints it. */
export interface FileIdentity {
  /** Path as printed in the last column ("/usr/lib/libc.so.6", "/dev/zero (deleted)", "/SYSV00000000 (deleted)"). */
  readonly path: string;
  /** Device major and minor numbers (printed as %02x:%02x). */
  readonly devMajor: number;
  readonly devMinor: number;
  /** Inode number. */
  readonly ino: number;
}

/** One VMA as procfs prints it. Linux: struct vm_area_struct, the fields show_map_vma() reads. */
export interface VmaView {
  readonly vmStart: number;
  readonly vmEnd: number;
  readonly vmFlags: number;
  /** File offset of vmStart, in pages. */
  readonly vmPgoff: number;
  /** The backing file, or null for anonymous memory. */
  readonly file: FileIdentity | null;
  /** Name of a special anonymous area ("[heap]", "[stack]", "[vdso]", "[anon:name]"), or null. */
  readonly name: string | null;
}

/** One NOMMU region as /proc/maps prints it. Linux: struct vm_region. */
export interface RegionView {
  readonly vmStart: number;
  readonly vmEnd: number;
  readonly vmTop: number;
  readonly vmFlags: number;
  readonly vmPgoff: number;
  readonly vmUsage: number;
  readonly file: FileIdentity | null;
}

/** Per-mm figures smaps and status need, in pages unless named otherwise. */
export interface MmCounters {
  /** Resident pages: anonymous, file and shmem. Linux: MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES. */
  readonly anonPages: number;
  readonly filePages: number;
  readonly shmemPages: number;
  /** Total mapped pages. Linux: mm->total_vm. */
  readonly totalVm: number;
  readonly mapCount: number;
}

/** The mm_struct fields procfs names areas by. Linux: mm->start_brk, mm->brk, mm->start_stack. */
export interface MmLayout {
  readonly startBrk: number;
  readonly brk: number;
  readonly startStack: number;
}

/** Read-only view of one address space, for procfs. */
export interface MmViewPort {
  /** VMAs in address order. */
  vmas(): Iterable<VmaView>;
  /** Heap and stack positions, for the [heap] and [stack] names. */
  layout(): MmLayout;
  counters(): MmCounters;
  /** Resident pages of a VMA (for smaps Rss). */
  residentPages(vma: VmaView): number;
}

/** Read-only view of the NOMMU global region tree, for /proc/maps. */
export interface RegionsViewPort {
  regions(): Iterable<RegionView>;
}

/**
 * The identity of a futex word. Linux: union futex_key (kernel/futex/futex.h). Keys match when all
 * three words match. Private keys: (mm id, page-aligned address, offset); shared file keys:
 * (inode sequence, page index, offset | FUT_OFF_INODE); shared anonymous: (mm id, address, offset | FUT_OFF_MMSHARED).
 * On NOMMU the mm word is 0: one address space, the address alone is unique.
 */
export interface FutexKey {
  readonly word0: number;
  readonly word1: number;
  readonly offset: number;
}

/**
 * What futex needs of a backend: find the key of a user address and read the u32 there.
 * Linux: get_futex_key() and get_user()/futex_get_value_locked().
 */
export interface FutexTargetPort {
  /**
   * Computes the key of `uaddr` in the address space `mmId`. `shared` is true when FUTEX_PRIVATE_FLAG
   * is absent. Returns a key or -errno (-EINVAL unaligned, -EFAULT unmapped).
   */
  futexKey(mmId: number, uaddr: number, shared: boolean): FutexKey | number;
  /** Reads the u32 at `uaddr`; returns it (0..2^32-1) or -EFAULT. */
  readU32(mmId: number, uaddr: number): number;
  /** Writes the u32 at `uaddr` (for FUTEX_WAKE_OP); returns 0 or -EFAULT. */
  writeU32(mmId: number, uaddr: number, value: number): number;
}
