/**
 * User memory on a machine without an MMU: a user address is a physical address, and nothing stands
 * between a task and any byte of RAM. Reads and writes succeed anywhere in physical memory, mapped
 * by the task or not (another task's memory included); outside RAM the bus faults. Futex keys are
 * the address itself, since there is one address space. Linux: copy_{from,to}_user() as memcpy on
 * NOMMU (include/asm-generic/uaccess.h, access_ok() always true), get_futex_key() in
 * kernel/futex/core.c (private key with a NULL mm), and the 2.6 get_futex_key() the seed describes.
 */
import { EACCES, EFAULT, EINVAL, EPERM, PAGE_SIZE, SEGV_ACCERR, SIGSEGV, VM_IO, VM_MAYREAD, VM_MAYWRITE, VM_READ } from "@mmsim/mm-types";
import type { AccessFault, FutexKey, FutexTargetPort } from "@mmsim/mm-types";
import type { NommuState } from "./nommu-state.js";
import type { NommuMm, Vma } from "./vma.js";

/**
 * The fault of an access to [addr, addr + len) that leaves RAM: at its first byte outside. RISC-V
 * reports a load/store access fault, which the kernel turns into SIGSEGV/SEGV_ACCERR.
 * Linux: do_trap_load_fault() / do_trap_store_fault() in arch/riscv/kernel/traps.c.
 */
function busFault(st: NommuState, addr: number): AccessFault {
  return { signal: SIGSEGV, code: SEGV_ACCERR, addr: addr >= st.ram.start ? Math.max(addr, st.ram.end) : addr };
}

/** Copies physical memory at `addr` into `dst`; any address in RAM will do. Linux: copy_from_user() without an MMU. */
export function readUser(st: NommuState, addr: number, dst: Uint8Array): AccessFault | 0 {
  if (dst.length === 0) return 0;
  if (!st.inRam(addr, dst.length)) return busFault(st, addr);
  st.physMem.readBytes(addr, dst);
  return 0;
}

/** Copies `src` into physical memory at `addr`; any address in RAM will do. Linux: copy_to_user() without an MMU. */
export function writeUser(st: NommuState, addr: number, src: Uint8Array): AccessFault | 0 {
  if (src.length === 0) return 0;
  if (!st.inRam(addr, src.length)) return busFault(st, addr);
  st.physMem.writeBytes(addr, src);
  return 0;
}

/** The VMA of `mm` that holds `addr`, or undefined. Linux: find_vma() + the vm_start test (find_extend_vma() on NOMMU). */
function vmaHolding(mm: NommuMm, addr: number): Vma | undefined {
  const vma = mm.tree.findVmaIntersection(addr, addr + 1);
  return vma !== undefined && vma.vmStart <= addr ? vma : undefined;
}

/**
 * Another task's access to `mm`: only within the one VMA holding `addr` (clipped to its end), and
 * only where VM_MAYREAD (reading) or VM_MAYWRITE (writing) allows. Returns the bytes moved.
 * Linux: __access_remote_vm() in mm/nommu.c.
 */
export function accessRemoteVm(st: NommuState, mm: NommuMm, addr: number, buf: Uint8Array, write: boolean): number {
  const vma = vmaHolding(mm, addr);
  if (vma === undefined) return 0;
  const len = Math.min(buf.length, vma.vmEnd - addr);
  if (!(vma.vmFlags & (write ? VM_MAYWRITE : VM_MAYREAD)) || !st.inRam(addr, len)) return 0;
  if (write) st.physMem.writeBytes(addr, buf.subarray(0, len));
  else st.physMem.readBytes(addr, buf.subarray(0, len));
  return len;
}

/**
 * The futex port of a NOMMU backend. Keys are (0, page of the address, offset in the page) whether
 * or not the futex is shared: one address space holds every task, so the address names the word.
 * With `futexChecksVma` (the seed) the address must lie in a readable, non-I/O mapping of the task;
 * without it only alignment and RAM are checked, as in 6.12.
 */
export class NommuFutexPort implements FutexTargetPort {
  constructor(
    private readonly st: NommuState,
    private readonly mmOf: (mmId: number) => NommuMm,
  ) {}

  /** Linux: get_futex_key() (6.12: alignment, access_ok(); 2.6: find_extend_vma(), VM_IO, VM_READ). */
  futexKey(mmId: number, uaddr: number, _shared: boolean): FutexKey | number {
    const offset = uaddr % PAGE_SIZE;
    if (uaddr % 4 !== 0) return -EINVAL;
    if (this.st.config.futexChecksVma) {
      const vma = vmaHolding(this.mmOf(mmId), uaddr);
      if (vma === undefined) return -EFAULT;
      if (vma.vmFlags & VM_IO) return -EPERM;
      if (!(vma.vmFlags & VM_READ)) return -EACCES;
    }
    if (!this.st.inRam(uaddr, 4)) return -EFAULT;
    return { word0: 0, word1: uaddr - offset, offset };
  }

  /** Linux: get_user() / futex_get_value_locked(): a plain load on NOMMU. */
  readU32(_mmId: number, uaddr: number): number {
    if (!this.st.inRam(uaddr, 4)) return -EFAULT;
    return this.st.physMem.readU32(uaddr);
  }

  /** Linux: the store of futex_atomic_op_inuser(). */
  writeU32(_mmId: number, uaddr: number, value: number): number {
    if (!this.st.inRam(uaddr, 4)) return -EFAULT;
    this.st.physMem.writeU32(uaddr, value);
    return 0;
  }
}
