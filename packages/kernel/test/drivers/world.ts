/**
 * A small machine for the driver tests: the buddy allocator, one of the two real backends and the
 * kernel over them, built the way apps/sim assembles a world (the kernel package can't import it).
 * NOMMU RAM starts at 0x80000000 (RISC-V virt), so user addresses there are physical addresses.
 */
import { AddressSpace } from "@mmsim/anon-vma-rmap";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { NR, PAGE_SIZE, S_IFREG } from "@mmsim/mm-types";
import type { AccessFault } from "@mmsim/mm-types";
import { MmuBackend } from "@mmsim/mmu";
import { NommuBackend } from "@mmsim/nommu";
import { BLOCKED, Kernel, blockdevFileDriver } from "../../src/index.js";
import type { MmapTableBackend, SyscallArg } from "../../src/index.js";

/** NOMMU RAM's first pfn. */
export const NOMMU_FIRST_PFN = 0x80000;

/** A machine. */
export interface TestWorld {
  readonly kernel: Kernel;
  readonly buddy: BuddyAllocator;
}

/** Builds a machine with `pages` page frames (default 4096: 16 MiB). */
export function makeWorld(backend: MmapTableBackend, pages = 4096): TestWorld {
  const buddy = new BuddyAllocator({ pages, ...(backend === "nommu" ? { firstPfn: NOMMU_FIRST_PFN } : {}) });
  const mm =
    backend === "nommu"
      ? new NommuBackend({ pages: buddy, physMem: buddy.physMem, nrTrimPages: 1 })
      : new MmuBackend({ pages: buddy, physMem: buddy.physMem });
  const kernel = new Kernel({ backend: mm, pages: buddy, physMem: buddy.physMem, addressSpace: () => new AddressSpace() });
  return { kernel, buddy };
}

/** The kernel of a fresh machine: what nommuMmapTable's caller passes. */
export function makeKernel(backend: MmapTableBackend): Kernel {
  return makeWorld(backend).kernel;
}


/** A new process; returns its tid. */
export function spawn(kernel: Kernel): number {
  const t = kernel.createProcess();
  if (typeof t === "number") throw new Error(`createProcess: ${t}`);
  return t.tid;
}

/** A syscall that must not block; the kernel's invariants are checked after it. */
export function sys(kernel: Kernel, tid: number, nr: number, ...args: SyscallArg[]): number {
  const r = kernel.syscall(tid, nr, ...args);
  kernel.assertValid();
  if (typeof r !== "number") throw new Error(`syscall ${nr} blocked`);
  return r;
}

/** The mm id of a task. */
function mmOf(kernel: Kernel, tid: number): number {
  const t = kernel.task(tid);
  if (t === null) throw new Error(`no task ${tid}`);
  return t.mm.mmId;
}

/** User bytes at `addr`, or the fault. */
export function peek(kernel: Kernel, tid: number, addr: number, len: number): Uint8Array | AccessFault {
  const buf = new Uint8Array(len);
  const r = kernel.backend.readUser(mmOf(kernel, tid), addr, buf);
  return r === 0 ? buf : r;
}

/** Writes user bytes at `addr`; 0 or the fault. */
export function poke(kernel: Kernel, tid: number, addr: number, bytes: Uint8Array): AccessFault | 0 {
  const r = kernel.backend.writeUser(mmOf(kernel, tid), addr, bytes);
  kernel.assertValid();
  return r;
}

/** Bytes i → (i * 7 + seed) & 0xff. */
export function pattern(len: number, seed = 1): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** Ends every live task and forgets them. */
export function exitAll(kernel: Kernel): void {
  for (const t of kernel.tasks()) if (t.alive) sys(kernel, t.tid, NR.exit_group, 0);
  kernel.reap();
  kernel.assertValid();
}

/** The first index where `got` (bytes or a fault) differs from `want`, -1 when equal; fast on pages. */
export function firstDiff(got: Uint8Array | AccessFault, want: Uint8Array): number {
  if (!(got instanceof Uint8Array)) return 0;
  if (got.length !== want.length) return Math.min(got.length, want.length);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}

/**
 * A second process that inherits `parent`'s fds: vfork, then execve of a small program, as NOMMU
 * programs share files. Returns its tid.
 */
export function sibling(kernel: Kernel, parent: number): number {
  if (kernel.vfs.lookup("/sbin/child") === null) kernel.vfs.mknod("/sbin/child", { mode: S_IFREG | 0o755, driver: blockdevFileDriver, size: PAGE_SIZE });
  if (kernel.syscall(parent, NR.vfork) !== BLOCKED) throw new Error("vfork did not block");
  const child = kernel.task(parent)!.vforkChild!;
  if (sys(kernel, child, NR.execve, "/sbin/child") !== 0) throw new Error("exec failed");
  return child;
}
