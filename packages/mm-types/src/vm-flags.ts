/**
 * VMA flag bits (include/linux/mm.h), NOMMU mapping capabilities (include/linux/fs.h) and the 2005
 * backing-device capabilities they replaced (include/linux/backing-dev.h, 2.6.12 era).
 *
 * Values above bit 31 (VM_SEALED) don't fit a 32-bit bitmask and are not modelled.
 */

export const VM_NONE = 0x00000000;
export const VM_READ = 0x00000001;
export const VM_WRITE = 0x00000002;
export const VM_EXEC = 0x00000004;
export const VM_SHARED = 0x00000008;
export const VM_MAYREAD = 0x00000010;
export const VM_MAYWRITE = 0x00000020;
export const VM_MAYEXEC = 0x00000040;
export const VM_MAYSHARE = 0x00000080;
export const VM_GROWSDOWN = 0x00000100;
/** MMU: userfaultfd missing-page tracking. Shares its bit with VM_MAYOVERLAY. */
export const VM_UFFD_MISSING = 0x00000200;
/** NOMMU: a read-only private file mapping that may overlay (share) an existing region. */
export const VM_MAYOVERLAY = 0x00000200;
export const VM_PFNMAP = 0x00000400;
export const VM_UFFD_WP = 0x00001000;
export const VM_LOCKED = 0x00002000;
export const VM_IO = 0x00004000;
export const VM_SEQ_READ = 0x00008000;
export const VM_RAND_READ = 0x00010000;
export const VM_DONTCOPY = 0x00020000;
export const VM_DONTEXPAND = 0x00040000;
export const VM_LOCKONFAULT = 0x00080000;
export const VM_ACCOUNT = 0x00100000;
export const VM_NORESERVE = 0x00200000;
export const VM_HUGETLB = 0x00400000;
export const VM_SYNC = 0x00800000;
/** Architecture bit 1; on NOMMU it is VM_MAPPED_COPY. */
export const VM_ARCH_1 = 0x01000000;
/** NOMMU: the mapping is a private copy of the file's contents (the region's pages are ours to free). */
export const VM_MAPPED_COPY = 0x01000000;
export const VM_WIPEONFORK = 0x02000000;
export const VM_DONTDUMP = 0x04000000;
export const VM_SOFTDIRTY = 0x08000000;
export const VM_MIXEDMAP = 0x10000000;
export const VM_HUGEPAGE = 0x20000000;
export const VM_NOHUGEPAGE = 0x40000000;
/** Bit 31: as a number, 2^31 (use `>>> 0` when combining with `|`). */
export const VM_MERGEABLE = 0x80000000;

/** Flags that make a VMA special: never merged, never expanded. Linux: VM_SPECIAL. */
export const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;
/** The VM_MAY* bits that mprotect can grant. */
export const VM_MAY_ANY = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
/** Default stack flags on x86-64: VM_DATA_DEFAULT_FLAGS | VM_GROWSDOWN | VM_ACCOUNT (no READ_IMPLIES_EXEC). */
export const VM_STACK_DEFAULT_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_GROWSDOWN | VM_ACCOUNT;

/** NOMMU mapping capabilities of a file (file_operations.mmap_capabilities, v4.0+). Linux: NOMMU_MAP_*. */
export const NOMMU_MAP_COPY = 0x00000001;
export const NOMMU_MAP_DIRECT = 0x00000008;
export const NOMMU_MAP_READ = VM_MAYREAD;
export const NOMMU_MAP_WRITE = VM_MAYWRITE;
export const NOMMU_MAP_EXEC = VM_MAYEXEC;
/** The capability bits that are also VM_MAY* bits. Linux: NOMMU_VMFLAGS. */
export const NOMMU_VMFLAGS = NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC;

/** Backing-device capabilities of the 2005 patch (struct backing_dev_info.capabilities). Linux: BDI_CAP_*. */
export const BDI_CAP_NO_ACCT_DIRTY = 0x00000001;
export const BDI_CAP_NO_WRITEBACK = 0x00000002;
export const BDI_CAP_MAP_COPY = 0x00000004;
export const BDI_CAP_MAP_DIRECT = 0x00000008;
export const BDI_CAP_READ_MAP = 0x00000010;
export const BDI_CAP_WRITE_MAP = 0x00000020;
export const BDI_CAP_EXEC_MAP = 0x00000040;
export const BDI_CAP_NO_ACCT_WB = 0x00000080;
export const BDI_CAP_SWAP_BACKED = 0x00000100;
/** The BDI bits that are also VM_MAY* bits (enforced equal by the 2005 header). Linux: BDI_CAP_VMFLAGS. */
export const BDI_CAP_VMFLAGS = BDI_CAP_READ_MAP | BDI_CAP_WRITE_MAP | BDI_CAP_EXEC_MAP;

/** True when a NOMMU VMA's region may be shared with other mappings. Linux: is_nommu_shared_mapping(). */
export function isNommuSharedMapping(vmFlags: number): boolean {
  return (vmFlags & (VM_MAYSHARE | VM_MAYOVERLAY)) !== 0;
}
