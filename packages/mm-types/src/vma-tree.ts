/**
 * The contract of a VMA tree: the per-mm ordered set of VMAs with free-gap search. Types only; the
 * implementations are `@mmsim/vma-tree` (fast) and the kit's sorted-array reference in
 * `@mmsim/mm-conformance`, which also holds the tests every implementation runs.
 *
 * Linux: struct mm_struct.mm_mt (the maple tree of include/linux/maple_tree.h, lib/maple_tree.c) as used
 * by mm/mmap.c and mm/vma.c; before 6.1 the augmented rbtree mm_rb with vm_area_struct.rb_subtree_gap;
 * on NOMMU before 6.1 an rbtree ordered by (vm_start, address of the vm_area_struct) that allows overlaps.
 */

/**
 * Construction options of a VMA tree. Linux: the MMU/NOMMU choice made in mm/Makefile, plus the two
 * sysctls that vm_unmapped_area() reads.
 */
export interface VmaTreeOptions {
  /**
   * NOMMU mode: entries may overlap (several processes' mappings of one region, or the same region
   * mapped twice); order is still by (vmStart, id). Gap search returns -ENOSYS in this mode, because a
   * NOMMU kernel has no vm_unmapped_area(): addresses come from the page allocator. Default false.
   * Linux: the 2.6 mm/nommu.c add_vma_to_mm(), which sorts by vm_start and then by the vma's address.
   */
  readonly overlap?: boolean;
  /**
   * Bytes of address space gap search leaves free below a VM_GROWSDOWN VMA. Default STACK_GUARD_GAP
   * (256 pages). Linux: stack_guard_gap in mm/mmap.c (boot parameter `stack_guard_gap=` in pages).
   */
  readonly stackGuardGap?: number;
  /**
   * Gap search never returns an address below this. Default DEFAULT_MMAP_MIN_ADDR (64 KiB).
   * Linux: mmap_min_addr (sysctl vm.mmap_min_addr), applied in unmapped_area() and unmapped_area_topdown().
   */
  readonly mmapMinAddr?: number;
}

/**
 * A free-area request. Linux: struct vm_unmapped_area_info in include/linux/mm.h (without the 6.10+
 * `start_gap`, which only shadow stacks use).
 *
 * The search finds a free range of `length` bytes inside [lowLimit, highLimit) whose start satisfies
 * `(start & alignMask) === (alignOffset & alignMask)`. Preconditions: non-negative integers below 2^53,
 * `alignMask` below 2^52.
 */
export interface VmUnmappedAreaInfo {
  /**
   * VM_UNMAPPED_AREA_* bits. Only VM_UNMAPPED_AREA_TOPDOWN (1) exists; the tree's two search methods
   * ignore it (the caller's vm_unmapped_area() dispatches on it).
   */
  readonly flags: number;
  /** Bytes wanted. */
  readonly length: number;
  /** Lowest acceptable start (raised to the tree's mmapMinAddr). */
  readonly lowLimit: number;
  /** Exclusive upper bound of the range. */
  readonly highLimit: number;
  /** Bits of the start that must equal those of alignOffset (0 for none; PMD_SIZE - PAGE_SIZE for THP, ...). */
  readonly alignMask: number;
  /** Wanted value of the start's alignMask bits (e.g. pgoff << PAGE_SHIFT for shared-cache colouring). */
  readonly alignOffset: number;
}

/**
 * A reusable in-order cursor over the entries that intersect a range: create it once with
 * `VmaTree.cursor()`, then `reset()` and `next()` as often as needed; no step allocates.
 * Linux: struct vma_iterator with vma_iter_init()/vma_iter_set() and vma_find() / for_each_vma_range().
 *
 * Invariant: an insert, erase or clear of the tree invalidates every cursor; using one afterwards
 * without `reset()` throws a KernelBug. `adjust()` and `vmFlagsReset()` keep cursors valid (they do
 * not reorder entries), so a loop may edit the entry it stands on, as mprotect_fixup() does.
 */
export interface VmaCursor<T> {
  /** vm_start of the current entry (meaningful after `next()` returned a value). */
  readonly vmStart: number;
  /** vm_end of the current entry. */
  readonly vmEnd: number;
  /** vm_pgoff of the current entry. */
  readonly vmPgoff: number;
  /** vm_flags of the current entry. */
  readonly vmFlags: number;
  /** Caller-assigned id of the current entry. */
  readonly id: number;
  /** Positions the cursor before the first entry that intersects [start, end). Linux: vma_iter_set(). */
  reset(start: number, end: number): void;
  /**
   * Steps to the next entry intersecting the range and returns its value, or undefined at the end.
   * Linux: vma_find(vmi, end) / for_each_vma_range().
   */
  next(): T | undefined;
}

/**
 * The ordered set of one mm's VMAs, keyed by (vmStart, id), with Linux's lookups, in-place adjustment
 * for split and merge, and free-gap search. `id` is a caller-assigned unique non-negative integer
 * (the VMA's address in the NOMMU seed); the value `T` is the caller's VMA object (never undefined)
 * and is returned by lookups. Entries are named by their key, as the kernel names a VMA by its range:
 * the caller always knows its VMA's vmStart, so the tree needs no id index.
 *
 * Linux: mm->mm_mt with find_vma(), find_vma_prev(), find_vma_intersection() in mm/mmap.c,
 * vma_iter_store()/vma_iter_clear() in mm/vma.h, vm_unmapped_area() in mm/mmap.c, validate_mm() in mm/vma.c.
 *
 * Invariants (checked by `assertValid()`): entries are strictly ordered by (vmStart, id); every entry
 * has vmStart < vmEnd; without `overlap` no two entries intersect; ids are unique; `mapCount` equals the
 * number of entries; every cached subtree summary (max gap, max end, min key) equals a recount (an
 * implementation may mark a cached gap stale and recount it before gap search trusts it).
 * Misuse (an overlapping insert, a duplicate key, an adjust that breaks the order) throws a KernelBug and
 * leaves the tree unchanged. A duplicate id under a different vmStart is a precondition violation that
 * an implementation may report at insert or leave to `assertValid()`, which must report it.
 */
export interface VmaTree<T> {
  /** True in NOMMU mode (see VmaTreeOptions.overlap). */
  readonly overlap: boolean;
  /** The stack guard gap gap search honours, in bytes. Linux: stack_guard_gap. */
  readonly stackGuardGap: number;
  /** The lowest address gap search returns. Linux: mmap_min_addr. */
  readonly mmapMinAddr: number;
  /** Number of entries. Linux: mm->map_count. */
  readonly mapCount: number;

  /**
   * Returns the first entry in key order with vmEnd > addr (the VMA containing addr, or the next one
   * above it), or undefined. Linux: find_vma() in mm/mmap.c.
   */
  findVma(addr: number): T | undefined;
  /**
   * Returns the entry just before the one findVma(addr) returns (the last entry when findVma returns
   * none), or undefined. Linux: the `*pprev` of find_vma_prev() in mm/mmap.c.
   */
  findVmaPrev(addr: number): T | undefined;
  /**
   * Returns the first entry in key order that intersects [start, end), or undefined. Precondition:
   * start < end. Linux: find_vma_intersection() in mm/mmap.c.
   */
  findVmaIntersection(start: number, end: number): T | undefined;

  /**
   * Inserts an entry. Preconditions (a violation throws a KernelBug): 0 <= vmStart < vmEnd <= 2^53,
   * `id` a non-negative integer, the key (vmStart, id) not in the tree, `value` not undefined, and
   * without `overlap` no intersection with another entry. `id` must also be unique in the tree (see
   * the interface). Linux: vma_iter_store() via vma_link() in mm/vma.c.
   */
  insert(vmStart: number, vmEnd: number, vmPgoff: number, vmFlags: number, id: number, value: T): void;
  /** Removes the entry with key (vmStart, id); returns false when there is none. Linux: vma_iter_clear() in mm/vma.h. */
  erase(vmStart: number, id: number): boolean;
  /**
   * Changes the range and pgoff of the entry with this id in place, for split and merge. The entry is
   * found next to the place (vmStart, id) takes in key order, so no id index is needed. Preconditions
   * (a violation throws a KernelBug and changes nothing): the id exists, vmStart < vmEnd, the entry
   * keeps its place in key order, and without `overlap` it intersects no other entry.
   * Linux: vma_expand()/vma_shrink()/__split_vma() storing the new range with vma_iter_store() in mm/vma.c.
   */
  adjust(id: number, vmStart: number, vmEnd: number, vmPgoff: number): void;
  /**
   * Replaces the vm_flags of the entry with key (vmStart, id) (gap search reads VM_GROWSDOWN). Throws a
   * KernelBug when there is no such entry. Linux: vm_flags_reset() in include/linux/mm.h.
   */
  vmFlagsReset(vmStart: number, id: number, vmFlags: number): void;
  /** Removes every entry. Linux: __mt_destroy() in exit_mmap(). */
  clear(): void;

  /** Returns a new reusable cursor over this tree. Linux: VMA_ITERATOR(). */
  cursor(): VmaCursor<T>;

  /**
   * Finds the lowest free range for `info`: the lowest gap whose part inside
   * [max(lowLimit, mmapMinAddr), highLimit) holds length + alignMask bytes, started at its first
   * address with the right alignment; when the next VMA is VM_GROWSDOWN and its guard gap
   * (vm_start_gap()) begins before that start + length + alignMask - 1, the search restarts above that
   * VMA. Returns the address, -ENOMEM when nothing fits, -ENOSYS in overlap mode.
   * Linux: unmapped_area() in mm/mmap.c (6.x).
   */
  unmappedArea(info: VmUnmappedAreaInfo): number;
  /**
   * Finds the highest free range for `info`: the highest gap whose part inside
   * [max(lowLimit, mmapMinAddr), highLimit) holds length + alignMask bytes, placed at the highest
   * aligned start whose range ends inside that part; when the next VMA is VM_GROWSDOWN and its guard
   * gap begins before that part's end, the search restarts below the guard gap. Returns the address, -ENOMEM when
   * nothing fits, -ENOSYS in overlap mode. Linux: unmapped_area_topdown() in mm/mmap.c (6.x).
   */
  unmappedAreaTopdown(info: VmUnmappedAreaInfo): number;

  /** Checks every invariant listed on the interface; throws a KernelBug naming the broken rule. Linux: validate_mm(). */
  assertValid(): void;
}

/** Creates an empty VMA tree; what a VMA-tree plugin exports. */
export type VmaTreeFactory = <T>(opts?: VmaTreeOptions) => VmaTree<T>;
