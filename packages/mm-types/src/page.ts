/**
 * Page geometry and address-space limits of Linux x86-64 (arch/x86/include/asm/page_types.h,
 * page_64_types.h, include/linux/mmzone.h).
 */

/** log2 of the page size. Linux: PAGE_SHIFT. */
export const PAGE_SHIFT = 12;
/** Bytes per page. Linux: PAGE_SIZE. */
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** Mask of the page-number bits of an address. Linux: PAGE_MASK (as a positive number below 2^53 use `pageAlignDown`). */
export const PAGE_MASK = -PAGE_SIZE;
/** Largest buddy order: blocks of 1 << 10 pages (4 MiB). Linux: MAX_PAGE_ORDER (6.8+; before 6.4 MAX_ORDER = 11, exclusive). */
export const MAX_PAGE_ORDER = 10;
/** Number of buddy orders, 0..MAX_PAGE_ORDER. Linux: NR_PAGE_ORDERS. */
export const NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
/** Orders above this are "costly" to satisfy. Linux: PAGE_ALLOC_COSTLY_ORDER. */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** Top of the user address space with 4-level paging. Linux: TASK_SIZE_MAX = (1 << 47) - PAGE_SIZE. */
export const TASK_SIZE = 2 ** 47 - PAGE_SIZE;
/** Default lowest address mmap may return. Linux: vm.mmap_min_addr (CONFIG_DEFAULT_MMAP_MIN_ADDR = 65536 on x86). */
export const DEFAULT_MMAP_MIN_ADDR = 0x10000;
/** mmap_base of an x86-64 process with ASLR off and an 8 MiB stack rlimit (arch/x86/mm/mmap.c mmap_base()). */
export const DEFAULT_MMAP_BASE = 0x7ffff7fff000;
/** The default stack guard gap: 256 pages. Linux: stack_guard_gap (mm/mmap.c). */
export const STACK_GUARD_GAP = 256 << PAGE_SHIFT;
/** Default limit of VMAs per mm. Linux: DEFAULT_MAX_MAP_COUNT, vm.max_map_count. */
export const DEFAULT_MAX_MAP_COUNT = 65530;

/** Rounds an address or length up to a page boundary. Linux: PAGE_ALIGN(). Exact for values below 2^53. */
export function pageAlign(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}

/** Rounds an address down to a page boundary. Exact for values below 2^53. */
export function pageAlignDown(x: number): number {
  return Math.floor(x / PAGE_SIZE) * PAGE_SIZE;
}

/** True when `x` is a multiple of PAGE_SIZE. Linux: PAGE_ALIGNED() / offset_in_page() == 0. */
export function isPageAligned(x: number): boolean {
  return x % PAGE_SIZE === 0;
}

/** Smallest order whose block holds `bytes`. Linux: get_order(). `bytes` must be >= 1. */
export function getOrder(bytes: number): number {
  let order = 0;
  while (PAGE_SIZE * 2 ** order < bytes) order++;
  return order;
}
