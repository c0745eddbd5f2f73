/**
 * mmap/mprotect/mremap/madvise/msync ABI numbers of Linux x86-64
 * (include/uapi/asm-generic/mman-common.h, mman.h, include/uapi/linux/mman.h).
 */

/** Page protection bits. Linux: PROT_*. */
export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const PROT_SEM = 0x8;
export const PROT_GROWSDOWN = 0x01000000;
export const PROT_GROWSUP = 0x02000000;

/** mmap flags. Linux: MAP_*. MAP_TYPE masks the sharing type. */
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_DROPPABLE = 0x08;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_32BIT = 0x40;
export const MAP_GROWSDOWN = 0x0100;
export const MAP_DENYWRITE = 0x0800;
export const MAP_EXECUTABLE = 0x1000;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_NONBLOCK = 0x10000;
export const MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000;
export const MAP_SYNC = 0x80000;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const MAP_UNINITIALIZED = 0x4000000;
/** mmap's return value on failure in C (`(void *)-1`); our syscalls return -errno instead. */
export const MAP_FAILED = -1;

/** mremap flags. Linux: MREMAP_*. */
export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;

/** madvise advice values. Linux: MADV_*. */
export const MADV_NORMAL = 0;
export const MADV_RANDOM = 1;
export const MADV_SEQUENTIAL = 2;
export const MADV_WILLNEED = 3;
export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_REMOVE = 9;
export const MADV_DONTFORK = 10;
export const MADV_DOFORK = 11;
export const MADV_MERGEABLE = 12;
export const MADV_UNMERGEABLE = 13;
export const MADV_HUGEPAGE = 14;
export const MADV_NOHUGEPAGE = 15;
export const MADV_DONTDUMP = 16;
export const MADV_DODUMP = 17;
export const MADV_WIPEONFORK = 18;
export const MADV_KEEPONFORK = 19;
export const MADV_COLD = 20;
export const MADV_PAGEOUT = 21;
export const MADV_POPULATE_READ = 22;
export const MADV_POPULATE_WRITE = 23;
export const MADV_DONTNEED_LOCKED = 24;
export const MADV_COLLAPSE = 25;
export const MADV_HWPOISON = 100;
export const MADV_SOFT_OFFLINE = 101;

/** msync flags. Linux: MS_*. */
export const MS_ASYNC = 1;
export const MS_INVALIDATE = 2;
export const MS_SYNC = 4;

/** mlockall flags. Linux: MCL_*. */
export const MCL_CURRENT = 1;
export const MCL_FUTURE = 2;
export const MCL_ONFAULT = 4;

/** Symbolic names of the flag words, in the order strace prints them; used to parse and print traces. */
export const PROT_NAMES: ReadonlyArray<readonly [string, number]> = [
  ["PROT_READ", PROT_READ],
  ["PROT_WRITE", PROT_WRITE],
  ["PROT_EXEC", PROT_EXEC],
  ["PROT_SEM", PROT_SEM],
  ["PROT_GROWSDOWN", PROT_GROWSDOWN],
  ["PROT_GROWSUP", PROT_GROWSUP],
];

/** mmap flag names (MAP_TYPE values first, as strace prints the sharing type first). */
export const MAP_NAMES: ReadonlyArray<readonly [string, number]> = [
  ["MAP_SHARED", MAP_SHARED],
  ["MAP_PRIVATE", MAP_PRIVATE],
  ["MAP_SHARED_VALIDATE", MAP_SHARED_VALIDATE],
  ["MAP_DROPPABLE", MAP_DROPPABLE],
  ["MAP_FIXED", MAP_FIXED],
  ["MAP_ANONYMOUS", MAP_ANONYMOUS],
  ["MAP_32BIT", MAP_32BIT],
  ["MAP_GROWSDOWN", MAP_GROWSDOWN],
  ["MAP_DENYWRITE", MAP_DENYWRITE],
  ["MAP_EXECUTABLE", MAP_EXECUTABLE],
  ["MAP_LOCKED", MAP_LOCKED],
  ["MAP_NORESERVE", MAP_NORESERVE],
  ["MAP_POPULATE", MAP_POPULATE],
  ["MAP_NONBLOCK", MAP_NONBLOCK],
  ["MAP_STACK", MAP_STACK],
  ["MAP_HUGETLB", MAP_HUGETLB],
  ["MAP_SYNC", MAP_SYNC],
  ["MAP_FIXED_NOREPLACE", MAP_FIXED_NOREPLACE],
  ["MAP_UNINITIALIZED", MAP_UNINITIALIZED],
];

/** mremap flag names. */
export const MREMAP_NAMES: ReadonlyArray<readonly [string, number]> = [
  ["MREMAP_MAYMOVE", MREMAP_MAYMOVE],
  ["MREMAP_FIXED", MREMAP_FIXED],
  ["MREMAP_DONTUNMAP", MREMAP_DONTUNMAP],
];

/** madvise advice names by value. */
export const MADV_NAMES: ReadonlyArray<readonly [string, number]> = [
  ["MADV_NORMAL", MADV_NORMAL],
  ["MADV_RANDOM", MADV_RANDOM],
  ["MADV_SEQUENTIAL", MADV_SEQUENTIAL],
  ["MADV_WILLNEED", MADV_WILLNEED],
  ["MADV_DONTNEED", MADV_DONTNEED],
  ["MADV_FREE", MADV_FREE],
  ["MADV_REMOVE", MADV_REMOVE],
  ["MADV_DONTFORK", MADV_DONTFORK],
  ["MADV_DOFORK", MADV_DOFORK],
  ["MADV_MERGEABLE", MADV_MERGEABLE],
  ["MADV_UNMERGEABLE", MADV_UNMERGEABLE],
  ["MADV_HUGEPAGE", MADV_HUGEPAGE],
  ["MADV_NOHUGEPAGE", MADV_NOHUGEPAGE],
  ["MADV_DONTDUMP", MADV_DONTDUMP],
  ["MADV_DODUMP", MADV_DODUMP],
  ["MADV_WIPEONFORK", MADV_WIPEONFORK],
  ["MADV_KEEPONFORK", MADV_KEEPONFORK],
  ["MADV_COLD", MADV_COLD],
  ["MADV_PAGEOUT", MADV_PAGEOUT],
  ["MADV_POPULATE_READ", MADV_POPULATE_READ],
  ["MADV_POPULATE_WRITE", MADV_POPULATE_WRITE],
  ["MADV_DONTNEED_LOCKED", MADV_DONTNEED_LOCKED],
  ["MADV_COLLAPSE", MADV_COLLAPSE],
  ["MADV_HWPOISON", MADV_HWPOISON],
  ["MADV_SOFT_OFFLINE", MADV_SOFT_OFFLINE],
];
