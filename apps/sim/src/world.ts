/**
 * The assembly of a simulated machine: the one place that chooses a backend. A node of RAM under
 * the buddy allocator, the MMU or NOMMU backend over it, the syscall layer, SysV shm (shmem-backed
 * on MMU, ramfs-backed on NOMMU, as CONFIG_SHMEM and its absence do) and futexes.
 */
import { AddressSpace } from "@mmsim/anon-vma-rmap";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { Kernel, installFutex, installSysvShm } from "@mmsim/kernel";
import type { ExecLoader, InodeSpec } from "@mmsim/kernel";
import type { FutexTable } from "@mmsim/futex";
import { DEFAULT_MMAP_BASE, PAGE_SIZE } from "@mmsim/mm-types";
import type { MmBackend } from "@mmsim/mm-types";
import { MmuBackend } from "@mmsim/mmu";
import { NommuBackend } from "@mmsim/nommu";
import type { ShmNamespace } from "@mmsim/sysv-shm";

/** Which mm backend. */
export type BackendName = "mmu" | "nommu";

/** Options of a machine. */
export interface WorldOptions {
  readonly backend: BackendName;
  /** RAM in bytes (default 512 MiB). */
  readonly ramBytes?: number;
  /** NOMMU vm.nr_trim_pages (default 1). */
  readonly nrTrimPages?: number;
  /** MMU mmap_base (default 0x7ffff7fff000: x86-64, ASLR off, 8 MiB stack). */
  readonly mmapBase?: number;
  /** NOMMU shmat: the seeds' sharing (default) or Linux 6.12's ENODEV. */
  readonly nommuShmat?: "seeds" | "linux-6.12";
  readonly onMissingFile?: (path: string, flags: number) => InodeSpec | null;
  readonly execLoader?: ExecLoader;
}

/** A machine. */
export interface World {
  readonly name: BackendName;
  readonly buddy: BuddyAllocator;
  readonly backend: MmBackend;
  readonly kernel: Kernel;
  readonly shm: ShmNamespace;
  readonly futex: FutexTable;
}

/** Where NOMMU RAM starts: RISC-V virt's DRAM base, so that no valid address is small. */
export const NOMMU_RAM_START = 0x80000000;
/** Default RAM. */
export const DEFAULT_RAM_BYTES = 512 * 1024 * 1024;

/** Builds a machine. */
export function buildWorld(opts: WorldOptions): World {
  const pages = Math.max(1024, Math.floor((opts.ramBytes ?? DEFAULT_RAM_BYTES) / PAGE_SIZE));
  const nommu = opts.backend === "nommu";
  const buddy = new BuddyAllocator({ pages, ...(nommu ? { firstPfn: NOMMU_RAM_START / PAGE_SIZE } : {}) });
  const backend: MmBackend = nommu
    ? new NommuBackend({ pages: buddy, physMem: buddy.physMem, nrTrimPages: opts.nrTrimPages ?? 1 })
    : new MmuBackend({ pages: buddy, physMem: buddy.physMem, mmapBase: opts.mmapBase ?? DEFAULT_MMAP_BASE });
  const kernel = new Kernel({
    backend,
    pages: buddy,
    physMem: buddy.physMem,
    addressSpace: () => new AddressSpace(),
    ...(opts.onMissingFile !== undefined ? { onMissingFile: opts.onMissingFile } : {}),
    ...(opts.execLoader !== undefined ? { execLoader: opts.execLoader } : {}),
  });
  const shm = installSysvShm(kernel, nommu ? { backing: "ramfs", nommuShmat: opts.nommuShmat ?? "seeds" } : { backing: "shmem" });
  const futex = installFutex(kernel);
  return { name: opts.backend, buddy, backend, kernel, shm, futex };
}
