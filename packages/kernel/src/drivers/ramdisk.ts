/**
 * A memory-backed block device: a ramdisk that allocates all its memory as one contiguous array when
 * it is created, so that — as the seed asks of such a blockdev — it can hand out a contiguous run of
 * pages for a shared mapping without a truncate first. On NOMMU mappings go directly onto the array
 * (get_unmapped_area gives its address); on MMU the array's pages are what the fault hook maps, as a
 * DAX device's would be (Linux's brd instead copies between its own pages and the bdev page cache).
 * Linux: drivers/block/brd.c (RAMDISK_MAJOR), the seed's "memory backed blockdev".
 */
import {
  EINVAL,
  ENOSPC,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  PAGE_SIZE,
  S_IFBLK,
} from "@mmsim/mm-types";
import type { MmapFileOps } from "@mmsim/mm-types";
import type { Kernel } from "../kernel.js";
import type { Inode, InodeDriver } from "../vfs/inode.js";
import { DeviceMappings, DeviceMemory } from "./device-memory.js";

/** What a ramdisk lets a NOMMU mapping do: as a memory-backed file. */
export const RAMDISK_MMAP_CAPABILITIES = NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC;

/** Linux: RAMDISK_MAJOR (/dev/ram0 is 1:0). */
export const RAMDISK_MAJOR = 1;

/** A ramdisk and its device node. */
export interface Ramdisk {
  readonly memory: DeviceMemory;
  readonly inode: Inode;
  /** VMAs on the array now. */
  readonly mappings: DeviceMappings;
}

/**
 * Where a direct mapping of `len` bytes at page `pgoff` lies: in the array, or -EINVAL when it would
 * run past the end of the disk. Linux: the get_unmapped_area the seed asks of such a blockdev.
 */
export function ramdiskGetUnmappedArea(memory: DeviceMemory, len: number, pgoff: number): number {
  if (pgoff * PAGE_SIZE + len > memory.size) return -EINVAL;
  return memory.base + pgoff * PAGE_SIZE;
}

/**
 * The driver of a ramdisk: reads and writes go to the array (a write past the end is ENOSPC), and
 * mappings are direct (NOMMU) or faulted from the array (MMU).
 */
export function ramdiskDriver(memory: DeviceMemory, mappings: DeviceMappings): InodeDriver {
  return {
    name: "ramdisk",
    read: (_inode, offset, dst) => memory.read(offset, dst),
    write(_inode, offset, src) {
      const n = memory.write(offset, src);
      return n === 0 && src.length > 0 ? -ENOSPC : n;
    },
    mmapOps(): MmapFileOps {
      return {
        mmapCapabilities: () => RAMDISK_MMAP_CAPABILITIES,
        getUnmappedArea: (_addr, len, pgoff) => ramdiskGetUnmappedArea(memory, len, pgoff),
        ...mappings.hooks(() => 0),
        fault: (pgoff) => memory.faultPage(pgoff),
      };
    },
  };
}

/**
 * Creates a ramdisk of `size` bytes at `path` (default /dev/ram0, 1:minor): the whole array is
 * allocated now, contiguous and zeroed. Returns the ramdisk or -errno (-EINVAL, -ENOMEM, -EEXIST).
 * Linux: brd_alloc(), with the seed's contiguous allocation.
 */
export function createRamdisk(kernel: Kernel, opts: { size: number; path?: string; minor?: number }): Ramdisk | number {
  const path = opts.path ?? "/dev/ram0";
  const memory = DeviceMemory.alloc(kernel.pages, kernel.physMem, opts.size);
  if (typeof memory === "number") return memory;
  const mappings = new DeviceMappings();
  const spec = { mode: S_IFBLK | 0o660, driver: ramdiskDriver(memory, mappings), size: memory.size, devMajor: RAMDISK_MAJOR, devMinor: opts.minor ?? 0 };
  const inode = kernel.vfs.mknod(path, spec);
  if (typeof inode === "number") {
    memory.release();
    return inode;
  }
  return { memory, inode, mappings };
}
