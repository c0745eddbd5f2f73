/**
 * User-memory access from the kernel's side: copying bytes in and out page by page through the
 * page tables, faulting as a CPU access would (stack growth included), and the futex key of an
 * address. Linux: copy_from_user()/copy_to_user() taking do_user_addr_fault() → access_error() →
 * handle_mm_fault() (arch/x86/mm/fault.c); get_futex_key() in kernel/futex/core.c.
 */
import {
  EFAULT,
  EINVAL,
  FUT_OFF_INODE,
  FUT_OFF_MMSHARED,
  PAGE_SIZE,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SIGBUS,
  SIGKILL,
  SIGSEGV,
  VM_WRITE,
} from "@mmsim/mm-types";
import type { AccessFault, FutexKey, MmapFile } from "@mmsim/mm-types";
import { FOLL_WRITE, gupPage } from "./gup.js";
import { VM_FAULT_OOM, VM_FAULT_SIGBUS, handleMmFault, isVmaAccessible, linearPageIndex } from "./memory.js";
import type { PageCtx } from "./memory.js";
import { PTE_ACCESSED, PTE_ANON, PTE_DIRTY, PTE_PRESENT, PTE_SPECIAL, PTE_USER, PTE_WRITE, PTRS_PER_PTE, vpnOf } from "./page-table.js";
import { expandDownwards } from "./stack.js";
import type { MmStruct } from "./vma.js";

/** si_code of SIGBUS for an access beyond the end of a file. Linux: BUS_ADRERR. */
export const BUS_ADRERR = 2;

/** Negative results of userPage(): which signal the access raises. */
const FAULT_MAPERR = -1;
const FAULT_ACCERR = -2;
const FAULT_SIGBUS = -3;
const FAULT_OOM = -4;

/** Would this access violate the VMA's protection? Linux: access_error() (x86: any access right allows reads). */
function isAccessError(vmFlags: number, write: boolean): boolean {
  return write ? !(vmFlags & VM_WRITE) : !isVmaAccessible(vmFlags);
}

/**
 * Resolves a user access that the page tables don't allow: finds (or grows down to) the VMA,
 * checks its protection and faults. Returns the pfn or a FAULT_* code. Linux: do_user_addr_fault().
 */
function doUserAddrFault(ctx: PageCtx, mm: MmStruct, addr: number, write: boolean): number {
  if (addr >= mm.config.taskSize) return FAULT_MAPERR;
  const vma = mm.tree.findVma(addr);
  if (vma === undefined) return FAULT_MAPERR;
  if (vma.vmStart > addr && expandDownwards(mm, vma, addr) < 0) return FAULT_MAPERR;
  if (isAccessError(vma.vmFlags, write)) return FAULT_ACCERR;
  const fault = handleMmFault(ctx, mm, vma, addr, write);
  if (fault & VM_FAULT_OOM) return FAULT_OOM;
  if (fault & VM_FAULT_SIGBUS) return FAULT_SIGBUS;
  if (fault !== 0) return FAULT_MAPERR;
  const vpn = vpnOf(addr);
  return mm.pt.pteTable(vpn)!.pfn[vpn % PTRS_PER_PTE]!;
}

/**
 * The pfn behind a user access at `addr`, marking the pte accessed (and dirty for a write), or a
 * negative FAULT_* code. The common case is one table lookup: the TLB-and-page-walk of the CPU.
 */
function userPage(ctx: PageCtx, mm: MmStruct, addr: number, write: boolean): number {
  const vpn = vpnOf(addr);
  const t = mm.pt.pteTable(vpn);
  if (t !== undefined) {
    const i = vpn % PTRS_PER_PTE;
    const bits = t.bits[i]!;
    if ((bits & (PTE_PRESENT | PTE_USER)) === (PTE_PRESENT | PTE_USER) && (!write || bits & PTE_WRITE)) {
      t.bits[i] = bits | PTE_ACCESSED | (write ? PTE_DIRTY : 0);
      return t.pfn[i]!;
    }
  }
  return doUserAddrFault(ctx, mm, addr, write);
}

/** The AccessFault for a FAULT_* code at `addr`; OOM kills the task (the OOM killer's choice). */
function accessFault(code: number, addr: number): AccessFault {
  switch (code) {
    case FAULT_ACCERR:
      return { signal: SIGSEGV, code: SEGV_ACCERR, addr };
    case FAULT_SIGBUS:
      return { signal: SIGBUS, code: BUS_ADRERR, addr };
    case FAULT_OOM:
      return { signal: SIGKILL, code: 0, addr };
    default:
      return { signal: SIGSEGV, code: SEGV_MAPERR, addr };
  }
}

/**
 * Copies between user memory at `addr` and `buf` (`write`: buf → user). Bytes before a fault are
 * transferred; the fault is returned. Linux: copy_from_user() / copy_to_user().
 */
export function copyUser(ctx: PageCtx, mm: MmStruct, addr: number, buf: Uint8Array, write: boolean): AccessFault | 0 {
  const phys = ctx.physMem;
  for (let done = 0; done < buf.length; ) {
    const a = addr + done;
    const off = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, buf.length - done);
    const pfn = userPage(ctx, mm, a, write);
    if (pfn < 0) return accessFault(pfn, a);
    const chunk = n === buf.length ? buf : buf.subarray(done, done + n);
    if (write) phys.writeBytes(pfn * PAGE_SIZE + off, chunk);
    else phys.readBytes(pfn * PAGE_SIZE + off, chunk);
    done += n;
  }
  return 0;
}

/** Hands out the never-reused per-inode numbers futex keys use. Linux: inode->i_sequence via get_inode_sequence_number(). */
export class InodeSequence {
  private next = 1;
  private readonly seq = new WeakMap<object, number>();

  /** The number of `file`'s inode (its i_mmap object when it has one, else the file itself). */
  of(file: MmapFile): number {
    const key: object = file.mapping ?? file;
    let n = this.seq.get(key);
    if (n === undefined) {
      n = this.next++;
      this.seq.set(key, n);
    }
    return n;
  }
}

/**
 * The futex key of `uaddr`: private keys need no VMA; shared ones pin the page (for writing if the
 * mapping allows, else for reading) and name an anonymous page by (mm, address), a file or shmem
 * page by (inode, page index). Returns -EINVAL unaligned, -EFAULT outside user space, unmapped, or a
 * read-only anonymous page. Linux: get_futex_key().
 */
export function getFutexKey(ctx: PageCtx, mm: MmStruct, uaddr: number, shared: boolean, inodes: InodeSequence): FutexKey | number {
  const offset = uaddr % PAGE_SIZE;
  if (uaddr % 4 !== 0) return -EINVAL;
  if (uaddr < 0 || uaddr > mm.config.taskSize - 4) return -EFAULT;
  const address = uaddr - offset;
  if (!shared) return { word0: mm.id, word1: address, offset };
  const vma = mm.lookup(uaddr);
  if (vma === undefined) return -EFAULT;
  let ro = false;
  let pfn = gupPage(ctx, mm, vma, uaddr, FOLL_WRITE);
  if (pfn < 0) {
    pfn = gupPage(ctx, mm, vma, uaddr, 0);
    ro = true;
  }
  if (pfn < 0) return -EFAULT;
  const vpn = vpnOf(uaddr);
  const bits = mm.pt.pteTable(vpn)!.bits[vpn % PTRS_PER_PTE]!;
  if (bits & PTE_SPECIAL) return -EFAULT;
  if (bits & PTE_ANON) return ro ? -EFAULT : { word0: mm.id, word1: address, offset: offset | FUT_OFF_MMSHARED };
  if (vma.vmFile === null) return -EFAULT;
  return { word0: inodes.of(vma.vmFile), word1: linearPageIndex(vma, address), offset: offset | FUT_OFF_INODE };
}
