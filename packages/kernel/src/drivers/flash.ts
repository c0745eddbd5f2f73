/**
 * A flash chip as an MTD-like chardev whose array sits in the physical address space: when idle it
 * reads as memory, so a NOMMU mapping may go directly onto it (programs execute in place); while it
 * is being programmed or erased the array shows the chip's status instead of the data. The seed's
 * warning — "care must be taken lest userspace see a shared or a private mapping showing such
 * information when the driver is busy controlling the device. Remember especially: private
 * executable mappings may still be mapped directly off the device" — is followed thus:
 *
 * - programming can't start while any VMA maps the array (EBUSY), so no existing mapping ever
 *   shows status;
 * - while programming, get_unmapped_area and mmap answer -ENOSYS: a private mapping (the executable
 *   one the seed warns about included) becomes a copy, read from the driver, which returns the data;
 *   a shared mapping can't be copied and fails (ENODEV on NOMMU; on MMU nothing turns -ENOSYS into
 *   a copy, so mmap(2) returns ENOSYS).
 *
 * Linux: drivers/mtd/mtdchar.c (mtdchar_get_unmapped_area, mtdchar_mmap_capabilities), the
 * point/unpoint of drivers/mtd/chips (get_chip() waits for a busy chip, which a simulated mmap
 * can't). Linux's mtdchar differs where noted: its mmap refuses every MMU mapping (ENODEV) and a
 * NOMMU private one (EACCES), and NOR chips only offer NOMMU_MAP_COPY.
 */
import {
  EBUSY,
  EINVAL,
  ENOSPC,
  ENOSYS,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  PAGE_SIZE,
  S_IFCHR,
} from "@mmsim/mm-types";
import type { MmapFileOps } from "@mmsim/mm-types";
import type { Kernel } from "../kernel.js";
import type { Inode, InodeDriver } from "../vfs/inode.js";
import { DeviceMappings, DeviceMemory } from "./device-memory.js";

/** What the chip lets a NOMMU mapping do: read and execute in place, or copy. Linux: mtd_mmap_capabilities() of an MTD_ROM. */
export const FLASH_MMAP_CAPABILITIES = NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_EXEC;

/** Linux: MTD_CHAR_MAJOR (/dev/mtd0 is 90:0). */
export const MTD_CHAR_MAJOR = 90;

/** What every byte of the array reads as while the chip programs: its status register (SR.7, ready). */
export const FLASH_STATUS_BYTE = 0x80;

/** The chip: its array and its mode. */
export class FlashChip {
  /** VMAs on the array now. */
  readonly mappings = new DeviceMappings();
  /** The data while the array shows status; null when idle. */
  private shadow: Uint8Array | null = null;

  constructor(
    /** The array. */
    readonly memory: DeviceMemory,
  ) {}

  /** Whether the chip is programming (the array shows status). */
  get programming(): boolean {
    return this.shadow !== null;
  }

  /**
   * Puts the chip in programming mode. -EBUSY while a VMA maps the array directly (it would show
   * status) or when it is already programming.
   */
  startProgramming(): number {
    if (this.shadow !== null || this.mappings.count > 0) return -EBUSY;
    const data = new Uint8Array(this.memory.size);
    this.memory.read(0, data);
    this.shadow = data;
    this.memory.fill(FLASH_STATUS_BYTE);
    return 0;
  }

  /** Programs `src` at `offset`: returns the count, -EINVAL when idle or out of range. */
  program(offset: number, src: Uint8Array): number {
    if (this.shadow === null || !Number.isInteger(offset) || offset < 0 || offset + src.length > this.shadow.length) return -EINVAL;
    this.shadow.set(src, offset);
    return src.length;
  }

  /** Leaves programming mode: the array reads as data again. -EINVAL when idle. */
  finishProgramming(): number {
    if (this.shadow === null) return -EINVAL;
    this.memory.write(0, this.shadow);
    this.shadow = null;
    return 0;
  }

  /** Reads data (never status: a read waits for the chip, as get_chip() does). */
  read(offset: number, dst: Uint8Array): number {
    if (this.shadow === null) return this.memory.read(offset, dst);
    const n = Math.max(0, Math.min(dst.length, this.shadow.length - offset));
    dst.set(this.shadow.subarray(offset, offset + n));
    return n;
  }

  /** write(2): programs the bytes in one program cycle (EBUSY while mapped directly, ENOSPC at the end). Linux: mtdchar_write(). */
  write(offset: number, src: Uint8Array): number {
    const n = Math.max(0, Math.min(src.length, this.memory.size - offset));
    if (n === 0) return src.length === 0 ? 0 : -ENOSPC;
    if (this.programming) return this.program(offset, src.subarray(0, n));
    const r = this.startProgramming();
    if (r < 0) return r;
    this.program(offset, src.subarray(0, n));
    this.finishProgramming();
    return n;
  }

  /**
   * Where a direct mapping of `len` bytes at page `pgoff` lies: -EINVAL out of range, -ENOSYS while
   * programming (make a copy), else the array's address. Linux: mtdchar_get_unmapped_area().
   */
  getUnmappedArea(addr: number, len: number, pgoff: number): number {
    const size = this.memory.size;
    if (addr !== 0) return -EINVAL;
    if (len > size || pgoff >= Math.floor(size / PAGE_SIZE)) return -EINVAL;
    if (pgoff * PAGE_SIZE > size - len) return -EINVAL;
    if (this.programming) return -ENOSYS;
    return this.memory.base + pgoff * PAGE_SIZE;
  }
}

/** The driver of a flash chip's chardev. */
export function flashDriver(chip: FlashChip): InodeDriver {
  return {
    name: "mtd",
    read: (_inode, offset, dst) => chip.read(offset, dst),
    write: (_inode, offset, src) => chip.write(offset, src),
    mmapOps(): MmapFileOps {
      return {
        mmapCapabilities: () => FLASH_MMAP_CAPABILITIES,
        getUnmappedArea: (addr, len, pgoff) => chip.getUnmappedArea(addr, len, pgoff),
        ...chip.mappings.hooks(() => (chip.programming ? -ENOSYS : 0)),
        fault: (pgoff) => chip.memory.faultPage(pgoff),
      };
    },
  };
}

/** A flash chip and its device node. */
export interface Flash {
  readonly chip: FlashChip;
  readonly inode: Inode;
}

/**
 * Creates a flash chip holding `data` (its size is the chip's) at `path` (default /dev/mtd0,
 * 90:minor). Returns it or -errno. Linux: add_mtd_device() for a map-based chip.
 */
export function createFlash(kernel: Kernel, opts: { data: Uint8Array; path?: string; minor?: number }): Flash | number {
  const memory = DeviceMemory.alloc(kernel.pages, kernel.physMem, opts.data.length);
  if (typeof memory === "number") return memory;
  memory.write(0, opts.data);
  const chip = new FlashChip(memory);
  const spec = { mode: S_IFCHR | 0o660, driver: flashDriver(chip), size: memory.size, devMajor: MTD_CHAR_MAJOR, devMinor: opts.minor ?? 0 };
  const inode = kernel.vfs.mknod(opts.path ?? "/dev/mtd0", spec);
  if (typeof inode === "number") {
    memory.release();
    return inode;
  }
  return { chip, inode };
}
