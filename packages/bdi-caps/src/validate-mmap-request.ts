/**
 * Whether a NOMMU mapping may be made and of which kind: the checks of validate_mmap_request() in
 * the kernel's order (first failure wins), and the vm_flags determine_vm_flags() derives from them.
 * Linux: validate_mmap_request(), determine_vm_flags() in mm/nommu.c (6.12);
 * calc_vm_prot_bits(), calc_vm_flag_bits() in include/linux/mman.h.
 */
import {
  BDI_CAP_MAP_DIRECT,
  BDI_CAP_VMFLAGS,
  EACCES,
  EINVAL,
  ENODEV,
  ENOMEM,
  EOVERFLOW,
  EPERM,
  MAP_FIXED,
  MAP_GROWSDOWN,
  MAP_LOCKED,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SYNC,
  MAP_TYPE,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  NOMMU_VMFLAGS,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  TASK_SIZE,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_MAYEXEC,
  VM_MAYOVERLAY,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_READ,
  VM_SHARED,
  VM_SYNC,
  VM_WRITE,
  pageAlign,
} from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import { fileMmapCapabilities } from "./capabilities.js";

/** 2^64: where an unsigned long wraps. */
const ULONG_WRAP = 2 ** 64;

/**
 * What the calling task and the machine add to a request. Linux: current->personality,
 * current->ptrace, TASK_SIZE, security_mmap_addr().
 */
export interface MmapRequestContext {
  /** The task's personality has READ_IMPLIES_EXEC. Default false. */
  readonly readImpliesExec?: boolean;
  /** The task is being ptraced: no read-only private file mapping may overlay a shared region. Default false. */
  readonly ptraced?: boolean;
  /** The top of the user address space. Default TASK_SIZE of x86-64; RISC-V NOMMU has ~0UL. */
  readonly taskSize?: number;
  /** The LSM's say on the address hint: 0 or -errno. Linux: security_mmap_addr(). Default: allow. */
  readonly securityMmapAddr?: (addr: number) => number;
}

/**
 * A file that can say whether the VFS can read it (FMODE_CAN_READ: opened for reading *and* the
 * driver has a read method). MmapFile without the field: FMODE_CAN_READ follows `readable`.
 */
export interface MmapFileReadMethod {
  readonly canRead?: boolean;
}

/** FMODE_CAN_READ of a file. */
export function fileCanRead(file: MmapFile & MmapFileReadMethod): boolean {
  return file.canRead ?? file.readable;
}

/** True when MAP_TYPE is exactly MAP_PRIVATE or MAP_SHARED (MAP_SHARED_VALIDATE and MAP_DROPPABLE are not). */
export function isValidMapType(flags: number): boolean {
  const type = flags & MAP_TYPE;
  return type === MAP_PRIVATE || type === MAP_SHARED;
}

/** True when some requested PROT_* bit is missing from the NOMMU_MAP_READ/WRITE/EXEC capabilities. */
export function protExceedsCaps(prot: number, caps: number): boolean {
  return (
    (prot & PROT_READ && !(caps & NOMMU_MAP_READ)) ||
    (prot & PROT_WRITE && !(caps & NOMMU_MAP_WRITE)) ||
    (prot & PROT_EXEC && !(caps & NOMMU_MAP_EXEC))
  ) as boolean;
}

/**
 * The checks every request passes before files are looked at: MAP_FIXED, the mapping type, the
 * length and its page-aligned form, the offset overflow. Returns 0 or -errno.
 */
export function checkMmapArgs(len: number, flags: number, pgoff: number, taskSize: number): number {
  if (flags & MAP_FIXED) return -EINVAL;
  if (!isValidMapType(flags)) return -EINVAL;
  if (len === 0) return -EINVAL;
  const rlen = pageAlign(len);
  if (rlen === 0 || rlen >= ULONG_WRAP || rlen > taskSize) return -ENOMEM;
  if (pgoff + rlen / PAGE_SIZE >= ULONG_WRAP) return -EOVERFLOW;
  return 0;
}

/**
 * The capabilities left for a shared or private file request after the sharing-type rules, or -errno.
 * Linux: the MAP_SHARED / MAP_PRIVATE branches and the protection test of validate_mmap_request().
 */
function capsForMapType(file: MmapFile, prot: number, flags: number, caps: number): number {
  if (flags & MAP_SHARED) {
    if (prot & PROT_WRITE && !file.writable) return -EACCES;
    if (file.appendOnly && file.writable) return -EACCES;
    if (!(caps & NOMMU_MAP_DIRECT)) return -ENODEV;
    caps &= ~NOMMU_MAP_COPY; // a shared mapping must never become a private copy
  } else {
    if (!(caps & NOMMU_MAP_COPY)) return -ENODEV;
    if (prot & PROT_WRITE) caps &= ~NOMMU_MAP_DIRECT; // a writable private mapping never lands on the device
  }
  if (caps & NOMMU_MAP_DIRECT && protExceedsCaps(prot, caps)) {
    caps &= ~NOMMU_MAP_DIRECT;
    if (flags & MAP_SHARED) return -EINVAL; // "MAP_SHARED not completely supported on !MMU"
  }
  return caps;
}

/**
 * The exec rules: PROT_EXEC on a noexec mount is -EPERM; a readable and executable request on a
 * file that can't be executed in place is copied instead. READ_IMPLIES_EXEC only widens the local
 * prot the LSM sees (determine_vm_flags() gets the caller's prot), so it changes no capability.
 */
function capsForExec(file: MmapFile, prot: number, caps: number): number {
  if (file.noexec) return prot & PROT_EXEC ? -EPERM : caps;
  if (prot & PROT_READ && prot & PROT_EXEC && !(caps & NOMMU_MAP_EXEC)) caps &= ~NOMMU_MAP_DIRECT;
  return caps;
}

/** The file half of validate_mmap_request(): the capabilities the request may use, or -errno. */
function fileRequestCaps(file: MmapFile, prot: number, flags: number): number {
  if (file.ops.mmap === undefined) return -ENODEV;
  let caps = fileMmapCapabilities(file);
  if (caps < 0) return caps;
  if (file.ops.getUnmappedArea === undefined) caps &= ~NOMMU_MAP_DIRECT;
  if (!fileCanRead(file)) caps &= ~NOMMU_MAP_COPY;
  if (!file.readable) return -EACCES;
  caps = capsForMapType(file, prot, flags, caps);
  return caps < 0 ? caps : capsForExec(file, prot, caps);
}

/**
 * Decides whether a mapping may be made and what sort: returns the NOMMU_MAP_* capabilities the
 * mapping may use (always > 0: COPY or DIRECT survives), or -errno from the first failing check, in
 * the kernel's order: MAP_FIXED → -EINVAL; type not PRIVATE/SHARED → -EINVAL; len 0 → -EINVAL;
 * PAGE_ALIGN(len) 0 or above TASK_SIZE → -ENOMEM; pgoff overflow → -EOVERFLOW; then for a file: no
 * mmap hook → -ENODEV; capabilities (declared or by inode type, -EINVAL); DIRECT needs
 * getUnmappedArea, COPY needs FMODE_CAN_READ; not opened for reading → -EACCES; MAP_SHARED: writable
 * prot on a read-only open or an append-only inode opened for writing → -EACCES, no DIRECT → -ENODEV,
 * COPY dropped; MAP_PRIVATE: no COPY → -ENODEV, PROT_WRITE drops DIRECT; a prot the device can't give
 * drops DIRECT (MAP_SHARED: -EINVAL); PROT_EXEC on noexec → -EPERM; read+exec without EXEC drops
 * DIRECT. Anonymous memory is COPY. Last, the LSM's say on `addr`. An address hint is otherwise ignored.
 * Linux: validate_mmap_request() in mm/nommu.c.
 */
export function validateMmapRequest(
  file: MmapFile | null,
  addr: number,
  len: number,
  prot: number,
  flags: number,
  pgoff: number,
  ctx: MmapRequestContext = {},
): number {
  const args = checkMmapArgs(len, flags, pgoff, ctx.taskSize ?? TASK_SIZE);
  if (args < 0) return args;
  const caps = file !== null ? fileRequestCaps(file, prot, flags) : NOMMU_MAP_COPY;
  if (caps < 0) return caps;
  const lsm = ctx.securityMmapAddr?.(addr) ?? 0;
  return lsm < 0 ? lsm : caps;
}

/** VM_READ/VM_WRITE/VM_EXEC from PROT_*. Linux: calc_vm_prot_bits() (no arch bits on NOMMU). */
export function calcVmProtBits(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/**
 * VM_GROWSDOWN/VM_LOCKED/VM_SYNC from MAP_*. MAP_STACK → VM_NOHUGEPAGE needs transparent huge
 * pages, which NOMMU lacks. Linux: calc_vm_flag_bits().
 */
export function calcVmFlagBits(flags: number): number {
  return (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_LOCKED ? VM_LOCKED : 0) | (flags & MAP_SYNC ? VM_SYNC : 0);
}

/**
 * Translates a validated request into vm_flags: the prot and flag bits, then
 * - anonymous (MAP_SHARED is treated as MAP_PRIVATE: there is no fork): every VM_MAY* bit;
 * - private file: the device's READ/WRITE/EXEC if it maps directly, else every VM_MAY* bit; and
 *   VM_MAYOVERLAY when it is read-only and the task is not ptraced (it may share a region);
 * - shared file (DIRECT is guaranteed): VM_SHARED | VM_MAYSHARE | the device's READ/WRITE/EXEC.
 * Linux: determine_vm_flags() in mm/nommu.c (6.12; before 6.5 read-only private mappings got VM_MAYSHARE).
 */
export function determineVmFlags(file: MmapFile | null, prot: number, flags: number, caps: number, ctx: MmapRequestContext = {}): number {
  let vmFlags = calcVmProtBits(prot) | calcVmFlagBits(flags);
  if (file === null) return vmFlags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (flags & MAP_PRIVATE) {
    vmFlags |= caps & NOMMU_MAP_DIRECT ? caps & NOMMU_VMFLAGS : VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (!(prot & PROT_WRITE) && !ctx.ptraced) vmFlags |= VM_MAYOVERLAY;
    return vmFlags;
  }
  return vmFlags | VM_SHARED | VM_MAYSHARE | (caps & NOMMU_VMFLAGS);
}

/**
 * The vm_flags the 2005 seed derived, in its BDI_CAP_* naming, for comparison with today's: every
 * VM_MAY* bit always; read-only private file copies and shared mappings get VM_MAYSHARE; a private
 * direct mapping gets VM_MAYSHARE when the device grants every requested bit; a ptraced task's
 * private mappings never share. Linux (2.6.12): determine_vm_flags() of "BDI: Improve nommu mmap support".
 */
export function determineVmFlags2005(file: MmapFile | null, prot: number, flags: number, bdiCaps: number, ctx: MmapRequestContext = {}): number {
  let vmFlags = calcVmProtBits(prot) | calcVmFlagBits(flags) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (!(bdiCaps & BDI_CAP_MAP_DIRECT)) {
    if (file !== null && !(prot & PROT_WRITE)) vmFlags |= VM_MAYSHARE;
  } else if (flags & MAP_SHARED) {
    vmFlags |= VM_MAYSHARE | VM_SHARED;
  } else if ((((vmFlags & bdiCaps) ^ vmFlags) & BDI_CAP_VMFLAGS) === 0) {
    vmFlags |= VM_MAYSHARE;
  }
  if (flags & MAP_PRIVATE && ctx.ptraced) vmFlags &= ~VM_MAYSHARE;
  return vmFlags;
}
