/**
 * What the NOMMU mm shares between all processes: the page allocator and physical memory behind
 * every mapping, the global region tree, the MmapCopy counter, the sysctls, and the bookkeeping of
 * files that have mappings. Linux: the globals of mm/nommu.c (nommu_region_tree,
 * mmap_pages_allocated, sysctl_nr_trim_pages, sysctl_max_map_count) and free_page_series().
 */
import { NO_PAGE, PAGE_SIZE, bug } from "@mmsim/mm-types";
import type { FileIdentity, PageAllocatorPort, PhysMemPort, VmRegionStore } from "@mmsim/mm-types";
import type { Vma } from "./vma.js";

/** The configuration of a NOMMU machine. */
export interface NommuConfig {
  /**
   * Trim the power-of-two excess of a private copy when it is at least this many pages; 0 never
   * trims. Linux: sysctl vm.nr_trim_pages (CONFIG_NOMMU_INITIAL_TRIM_EXCESS, default 1).
   */
  nrTrimPages: number;
  /** MAP_UNINITIALIZED is honoured. Linux: CONFIG_MMAP_ALLOW_UNINITIALIZED. */
  readonly mmapUninitialized: boolean;
  /** The top of the user address space. Linux: TASK_SIZE (x86-64 by default; RISC-V NOMMU has ~0UL). */
  readonly taskSize: number;
  /** The VMA limit a split respects. Linux: sysctl_max_map_count (65530). */
  readonly maxMapCount: number;
  /**
   * Futex keys need an address inside a readable, non-I/O mapping of the process, as the seed's
   * nommu-mmap.txt says (2.6 get_futex_key()); false gives 6.12, where access_ok() is always true.
   */
  readonly futexChecksVma: boolean;
}

/** The physical memory range, as byte addresses [start, end). */
export interface RamRange {
  readonly start: number;
  readonly end: number;
}

/** The state every NOMMU address space shares. */
export class NommuState {
  /** Pages held by private copies. Linux: mmap_pages_allocated (MmapCopy in /proc/meminfo). */
  mmapPagesAllocated = 0;
  private nextVmaId = 1;
  /** Number of VMAs, in every mm, mapping each inode; a file's release hook runs when it falls to 0. */
  readonly fileMapCount = new Map<FileIdentity, number>();

  constructor(
    readonly pages: PageAllocatorPort,
    readonly physMem: PhysMemPort,
    readonly regions: VmRegionStore,
    readonly config: NommuConfig,
    readonly ram: RamRange,
  ) {}

  /** A fresh VMA id (the seed's struct address, appended to the tree's sort key). */
  newVmaId(): number {
    return this.nextVmaId++;
  }

  /**
   * Pages a private copy of `len` bytes (page aligned) takes: the power of two get_order() gives,
   * trimmed to the exact count when the excess reaches vm.nr_trim_pages (0: never).
   * Linux: the order/total/point arithmetic of do_mmap_private().
   */
  copyPages(len: number): number {
    const point = len / PAGE_SIZE;
    let total = 1;
    while (total < point) total *= 2;
    const trim = this.config.nrTrimPages;
    return trim !== 0 && total - point >= trim ? point : total;
  }

  /**
   * Allocates `total` pages as independently referenced order-0 pages and counts them in MmapCopy.
   * Returns the physical (= user) address of the first, or NO_PAGE. Linux: alloc_pages_exact() +
   * atomic_long_add(total, &mmap_pages_allocated).
   */
  allocCopy(total: number): number {
    const pfn = this.pages.allocPagesExact(total * PAGE_SIZE);
    if (pfn === NO_PAGE) return NO_PAGE;
    this.mmapPagesAllocated += total;
    return pfn * PAGE_SIZE;
  }

  /**
   * Drops the region's reference on every page of [from, to), which frees them, and uncounts them
   * from MmapCopy. Linux: free_page_series() (put_page() per page).
   */
  freePageSeries(from: number, to: number): void {
    if (from % PAGE_SIZE !== 0 || to % PAGE_SIZE !== 0) bug(`free_page_series: [0x${from.toString(16)}, 0x${to.toString(16)}) is not page aligned`);
    for (let addr = from; addr < to; addr += PAGE_SIZE) {
      this.mmapPagesAllocated--;
      this.pages.putPage(addr / PAGE_SIZE);
    }
  }

  /** True when the byte range [addr, addr + len) lies in physical memory. */
  inRam(addr: number, len: number): boolean {
    return addr >= this.ram.start && addr + len <= this.ram.end && len >= 0;
  }

  /** Links a new file VMA into its inode's i_mmap and counts it. Linux: setup_vma_to_mm() → vma_interval_tree_insert(). */
  fileVmaLinked(vma: Vma): void {
    const file = vma.vmFile;
    if (file === null) return;
    file.mapping?.vmaLink(vma);
    vma.linked = file.mapping !== undefined;
    this.fileMapCount.set(file.identity, (this.fileMapCount.get(file.identity) ?? 0) + 1);
  }

  /** Unlinks a file VMA from its inode's i_mmap. Linux: cleanup_vma_from_mm() → vma_interval_tree_remove(). */
  fileVmaUnlinked(vma: Vma): void {
    if (vma.linked) vma.vmFile!.mapping!.vmaUnlink(vma);
    vma.linked = false;
  }

  /**
   * The file side of freeing a VMA: its close hook (when the file's mmap hook set it up), then the
   * file's release hook when this was the inode's last mapping. Linux: vma_close() + fput() in delete_vma().
   */
  fileVmaClosed(vma: Vma): void {
    const file = vma.vmFile;
    if (file === null) return;
    if (vma.hasVmOps) file.ops.close?.(vma);
    const left = (this.fileMapCount.get(file.identity) ?? bug(`${file.identity.path} has no mappings to close`)) - 1;
    if (left > 0) {
      this.fileMapCount.set(file.identity, left);
      return;
    }
    this.fileMapCount.delete(file.identity);
    file.ops.release?.();
  }
}
