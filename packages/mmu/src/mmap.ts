/**
 * Creating mappings. Linux: do_mmap() and mmap_region()/__mmap_region() in mm/mmap.c and
 * mm/vma.c, accountable_mapping(), calc_vm_prot_bits(), calc_vm_flag_bits().
 */
import {
  EACCES,
  EEXIST,
  EINVAL,
  ENODEV,
  ENOMEM,
  EOPNOTSUPP,
  EOVERFLOW,
  EPERM,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_GROWSDOWN,
  MAP_LOCKED,
  MAP_NORESERVE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_STACK,
  MAP_TYPE,
  MAP_32BIT,
  MAP_ANONYMOUS,
  MAP_DENYWRITE,
  MAP_EXECUTABLE,
  MAP_HUGETLB,
  MAP_NONBLOCK,
  MAP_POPULATE,
  MAP_UNINITIALIZED,
  MMAP_AS_ANONYMOUS,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  S_IFBLK,
  S_IFREG,
  VM_ACCOUNT,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_NORESERVE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  pageAlign,
} from "@mmsim/mm-types";
import type { MmapFile, MmapRequest } from "@mmsim/mm-types";
import { getUnmappedArea } from "./get-unmapped-area.js";
import { doAlignMunmap } from "./munmap.js";
import type { UnmapHooks } from "./munmap.js";
import { vmaMerge } from "./vma-merge.js";
import { Vma } from "./vma.js";
import type { MmStruct } from "./vma.js";

/** The flags MAP_SHARED_VALIDATE accepts. Linux: LEGACY_MAP_MASK | MAP_SYNC. */
const LEGACY_MAP_MASK =
  MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN |
  MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_32BIT | MAP_FIXED_NOREPLACE;

/** PROT_* to VM_READ/WRITE/EXEC. Linux: calc_vm_prot_bits(). */
export function calcVmProtBits(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/** MAP_* to VM_* (GROWSDOWN, LOCKED, SYNC for files that support it). Linux: calc_vm_flag_bits(). */
export function calcVmFlagBits(flags: number): number {
  return (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_LOCKED ? VM_LOCKED : 0);
}

/** A private writable mapping is charged against overcommit. Linux: accountable_mapping(). */
export function isAccountableMapping(vmFlags: number): boolean {
  return (vmFlags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) === VM_WRITE;
}

/** What mmapRegion needs from the backend beyond the tree. */
export interface MmapHooks extends UnmapHooks {
  /** A new shmem file for a shared anonymous mapping of `len` bytes. Linux: shmem_zero_setup(). */
  shmemZeroSetup(len: number): MmapFile;
}

/**
 * Installs a mapping at [addr, addr+len): unmaps what is there (`unmapFirst`: the range came from
 * MAP_FIXED rather than a search for a free one), charges a private writable mapping (VM_ACCOUNT),
 * merges with a neighbour or creates a VMA. Returns addr or -errno. Linux: mmap_region() / __mmap_region().
 */
export function mmapRegion(
  mm: MmStruct,
  file: MmapFile | null,
  addr: number,
  len: number,
  vmFlags: number,
  pgoff: number,
  hooks: MmapHooks,
  unmapFirst = true,
): number {
  const end = addr + len;
  // RLIMIT_AS and RLIMIT_DATA, counting what a MAP_FIXED request would unmap as freed
  if (!mm.mayExpandVm(vmFlags, len / PAGE_SIZE) && !mm.mayExpandVm(vmFlags, len / PAGE_SIZE - countVmaPagesRange(mm, addr, end))) return -ENOMEM;
  if (unmapFirst && doAlignMunmap(mm, addr, end, hooks) < 0) return -ENOMEM;
  if (isAccountableMapping(vmFlags)) vmFlags |= VM_ACCOUNT;
  if (file === null && vmFlags & VM_SHARED) {
    return installVma(mm, hooks.shmemZeroSetup(len), addr, end, vmFlags, 0);
  }
  const prev = mm.tree.findVmaPrev(addr) ?? null;
  const merged = vmaMerge(mm, prev, addr, end, { vmFlags, anonVma: null, anonVmaChainLength: 0, file, pgoff, anonName: null });
  if (merged !== null) return addr;
  if (file !== null && file.ops.mmap !== undefined) {
    const r = file.ops.mmap({ vmStart: addr, vmEnd: end, vmFlags, vmPgoff: pgoff });
    if (r === MMAP_AS_ANONYMOUS) {
      // /dev/zero: shared memory is a new shmem object in the file's place, private memory anonymous
      if (vmFlags & VM_SHARED) return installVma(mm, hooks.shmemZeroSetup(len), addr, end, vmFlags, pgoff);
      return installVma(mm, null, addr, end, vmFlags, pgoff, file);
    }
    if (r < 0) return r;
  }
  return installVma(mm, file, addr, end, vmFlags, pgoff);
}

/** Pages of [addr, end) that VMAs map. Linux: count_vma_pages_range(). */
function countVmaPagesRange(mm: MmStruct, addr: number, end: number): number {
  let n = 0;
  for (const v of mm.vmasIn(addr, end)) n += (Math.min(end, v.vmEnd) - Math.max(addr, v.vmStart)) / PAGE_SIZE;
  return n;
}

/** Links a new VMA; `anonFile` is the file an anonymous one came from (/dev/zero). */
function installVma(mm: MmStruct, file: MmapFile | null, addr: number, end: number, vmFlags: number, pgoff: number, anonFile: MmapFile | null = null): number {
  const vma = new Vma(mm.newVmaId(), addr, end, pgoff, vmFlags, file);
  vma.anonFile = anonFile;
  mm.link(vma);
  return addr;
}

/**
 * The mapping ends within the largest offset the file may have: 2^63 - 1 (MAX_LFS_FILESIZE) for a
 * regular file or block device, 2^64 - 1 for others. `len` is page aligned, so in pages the test is
 * exact in doubles. Linux: file_mmap_ok() and file_mmap_size_max().
 */
function fileMmapOk(file: MmapFile, pgoff: number, len: number): boolean {
  const limitPages = file.inodeType === S_IFREG || file.inodeType === S_IFBLK ? 2 ** 51 : 2 ** 52;
  return pgoff + len / PAGE_SIZE < limitPages;
}

/** The file checks of do_mmap for a file mapping; returns the adjusted vm_flags or -errno. */
function fileMmapFlags(file: MmapFile, flags: number, vmFlags: number): number {
  const type = flags & MAP_TYPE;
  // MAP_SHARED drops unknown flags; MAP_SHARED_VALIDATE refuses them (MAP_SYNC needs DAX, which no file here has)
  if (type === MAP_SHARED_VALIDATE && flags & ~LEGACY_MAP_MASK) return -EOPNOTSUPP;
  if (type === MAP_SHARED || type === MAP_SHARED_VALIDATE) {
    if (vmFlags & VM_WRITE && !file.writable) return -EACCES;
    if (file.appendOnly && file.writable) return -EACCES;
    vmFlags |= VM_SHARED | VM_MAYSHARE;
    if (!file.writable) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
  } else if (type !== MAP_PRIVATE) {
    return -EINVAL;
  }
  if (!file.readable) return -EACCES;
  if (file.noexec) {
    if (vmFlags & VM_EXEC) return -EPERM;
    vmFlags &= ~VM_MAYEXEC;
  }
  if (file.ops.mmap === undefined) return -ENODEV;
  if (vmFlags & VM_GROWSDOWN) return -EINVAL;
  return vmFlags;
}

/**
 * mmap(2) after the syscall layer resolved the fd: Linux's checks in Linux's order, address
 * selection, then mmapRegion. Returns the address or -errno. Linux: do_mmap().
 */
export function doMmap(mm: MmStruct, req: MmapRequest, hooks: MmapHooks): number {
  let { addr, flags, pgoff } = req;
  const { prot, file } = req;
  if (req.len === 0) return -EINVAL;
  if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
  if (!(flags & MAP_FIXED) && addr !== 0 && addr < mm.config.mmapMinAddr) addr = pageAlign(mm.config.mmapMinAddr);
  const len = pageAlign(req.len);
  if (len === 0 || len > 2 ** 53) return -ENOMEM;
  // pgoff counts pages in an unsigned long: only a sum past 2^64 pages wraps (never, from sys_mmap)
  if (pgoff + len / PAGE_SIZE >= 2 ** 64) return -EOVERFLOW;
  if (mm.mapCount > mm.config.maxMapCount) return -ENOMEM;
  let vmFlags = calcVmProtBits(prot) | calcVmFlagBits(flags) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  addr = getUnmappedArea(mm, addr, len, flags);
  if (addr < 0) return addr;
  if (flags & MAP_FIXED_NOREPLACE && mm.tree.findVmaIntersection(addr, addr + len) !== undefined) return -EEXIST;
  if (file !== null) {
    if (!fileMmapOk(file, pgoff, len)) return -EOVERFLOW;
    vmFlags = fileMmapFlags(file, flags, vmFlags);
    if (vmFlags < 0) return vmFlags;
  } else {
    const type = flags & MAP_TYPE;
    if (type === MAP_SHARED) {
      if (vmFlags & VM_GROWSDOWN) return -EINVAL;
      pgoff = 0;
      vmFlags |= VM_SHARED | VM_MAYSHARE;
    } else if (type === MAP_PRIVATE) {
      pgoff = addr / PAGE_SIZE;
    } else {
      return -EINVAL;
    }
  }
  if (flags & MAP_NORESERVE) vmFlags |= VM_NORESERVE;
  return mmapRegion(mm, file, addr, len, vmFlags, pgoff, hooks, (flags & MAP_FIXED) !== 0);
}
