/**
 * Fake files and devices for the NOMMU tests, through the MmapFile interface only: a regular file
 * on a block device (copy only), a ramfs-like memory-backed file whose truncate from 0 gathers one
 * contiguous run of pages, a framebuffer chardev with get_unmapped_area, a romfs-like XIP file whose
 * data is not page aligned, /dev/zero, and a flash chip that refuses direct mappings while it is
 * being programmed. The kernel package owns the real drivers; these only play them.
 */
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import {
  EFBIG,
  EINVAL,
  ENOMEM,
  ENOSYS,
  MAX_PAGE_ORDER,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  NO_PAGE,
  PAGE_SIZE,
  S_IFCHR,
  S_IFREG,
  getOrder,
  isNommuSharedMapping,
} from "@mmsim/mm-types";
import type { AddressSpacePort, FileIdentity, IMmapEntry, MmapFile, MmapFileOps, VmaRef } from "@mmsim/mm-types";
import { NommuBackend } from "../src/index.js";
import type { NommuOptions } from "../src/index.js";

/** RISC-V virt RAM starts at 0x80000000: pfn 0x80000, so address 0 is never RAM. */
export const FIRST_PFN = 0x80000;
export const RAM_BASE = FIRST_PFN * PAGE_SIZE;
export const P = PAGE_SIZE;

/** A machine: the buddy allocator and a NOMMU backend over it. */
export interface World {
  readonly alloc: BuddyAllocator;
  readonly nommu: NommuBackend;
}

/** Builds a world of `pages` page frames (default 4096: 16 MiB). */
export function makeWorld(opts: Partial<Omit<NommuOptions, "pages" | "physMem">> & { pages?: number } = {}): World {
  const { pages, ...rest } = opts;
  const alloc = new BuddyAllocator({ pages: pages ?? 4096, firstPfn: FIRST_PFN });
  return { alloc, nommu: new NommuBackend({ pages: alloc, physMem: alloc.physMem, ...rest }) };
}

let nextIno = 100;

/** A new inode identity. One object per inode: stores compare files by identity. */
export function identity(path: string, devMajor = 0, devMinor = 0): FileIdentity {
  return { path, devMajor, devMinor, ino: nextIno++ };
}

/** A plain i_mmap: a list of entries, searched linearly. Linux: the vma_interval_tree. */
export class FakeAddressSpace implements AddressSpacePort {
  readonly entries: IMmapEntry[] = [];
  vmaLink(entry: IMmapEntry): void {
    if (this.entries.includes(entry)) throw new Error("linked twice");
    this.entries.push(entry);
  }
  vmaUnlink(entry: IMmapEntry): void {
    const i = this.entries.indexOf(entry);
    if (i < 0) throw new Error("not linked");
    this.entries.splice(i, 1);
  }
  vmasIntersecting(first: number, last: number): Iterable<IMmapEntry> {
    return this.entries.filter((e) => e.vmPgoff <= last && e.vmPgoff + Math.max(1, Math.ceil((e.vmEnd - e.vmStart) / PAGE_SIZE)) - 1 >= first);
  }
}

/** Hook calls a fake records, for tests of the open/close/release protocol. */
export interface HookLog {
  readonly calls: string[];
}

interface OpenMode {
  readonly readable?: boolean;
  readonly writable?: boolean;
  readonly appendOnly?: boolean;
  readonly noexec?: boolean;
}

/** An open file over an inode's identity, ops and reader. */
function openFile(id: FileIdentity, inodeType: number, size: () => number, read: MmapFile["read"], ops: MmapFileOps, mode: OpenMode, mapping?: AddressSpacePort): MmapFile {
  return {
    identity: id,
    inodeType,
    readable: mode.readable ?? true,
    writable: mode.writable ?? false,
    appendOnly: mode.appendOnly ?? false,
    noexec: mode.noexec ?? false,
    size,
    read,
    ops,
    ...(mapping !== undefined ? { mapping } : {}),
  };
}

/** Reads from a byte array as a file: short at EOF. */
function readBytes(bytes: Uint8Array, offset: number, dst: Uint8Array): number {
  if (offset >= bytes.length) return 0;
  const n = Math.min(dst.length, bytes.length - offset);
  dst.set(bytes.subarray(offset, offset + n));
  return n;
}

/** A regular file on a disk: no mmap capabilities, so copy only (S_IFREG default). */
export class BlockFile {
  readonly id: FileIdentity;
  readonly mapping = new FakeAddressSpace();
  readonly log: HookLog = { calls: [] };
  constructor(
    path: string,
    public bytes: Uint8Array,
  ) {
    this.id = identity(path, 0xfe, 0);
  }
  open(mode: OpenMode = {}): MmapFile {
    const log = this.log;
    const ops: MmapFileOps = {
      mmap: () => 0, // generic_file_mmap(); never called for a copy
      open: (v: VmaRef) => void log.calls.push(`open ${v.vmStart.toString(16)}`),
      close: (v: VmaRef) => void log.calls.push(`close ${v.vmStart.toString(16)}`),
      release: () => void log.calls.push("release"),
    };
    return openFile(this.id, S_IFREG, () => this.bytes.length, (off, dst) => readBytes(this.bytes, off, dst), ops, mode, this.mapping);
  }
}

/** A byte pattern: byte i of the file is (i * 7 + seed) & 0xff, so a test can tell offsets apart. */
export function pattern(len: number, seed = 1): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/**
 * A ramfs file: page-cache pages held by the inode. A truncate of an empty file up gathers one
 * contiguous run (ramfs_nommu_expand_for_mapping), so get_unmapped_area can hand the pages out
 * directly; a shrink asks the mm first (nommu_shrink_inode_mappings). Linux: fs/ramfs/file-nommu.c.
 */
export class RamfsInode {
  readonly id: FileIdentity;
  readonly mapping = new FakeAddressSpace();
  readonly log: HookLog = { calls: [] };
  /** pfn of each page-cache page by index; NO_PAGE for a hole. */
  pages: number[] = [];
  size = 0;
  constructor(
    path: string,
    private readonly world: World,
  ) {
    this.id = identity(path, 0, 2);
  }

  /** ftruncate(). Linux: ramfs_nommu_setattr() → ramfs_nommu_resize(). */
  truncate(newsize: number): number {
    if (this.size === 0 && newsize > 0) return this.expandForMapping(newsize);
    if (newsize < this.size) {
      const file = this.open({ readable: true });
      const ret = this.world.nommu.nommuShrinkInodeMappings(file, this.size, newsize);
      if (ret < 0) return ret;
      const keep = Math.ceil(newsize / P);
      for (const pfn of this.pages.splice(keep)) if (pfn !== NO_PAGE) this.world.alloc.putPage(pfn);
    }
    this.size = newsize;
    return 0;
  }

  private expandForMapping(newsize: number): number {
    if (getOrder(newsize) > MAX_PAGE_ORDER) return -EFBIG;
    const pfn = this.world.alloc.allocPagesExact(newsize);
    if (pfn === NO_PAGE) return -ENOMEM;
    const n = Math.ceil(newsize / P);
    this.world.alloc.physMem.zero(pfn * P, n * P);
    this.pages = Array.from({ length: n }, (_, i) => pfn + i);
    this.size = newsize;
    return 0;
  }

  /** Frees the page cache (the inode is evicted). */
  evict(): void {
    for (const pfn of this.pages) if (pfn !== NO_PAGE) this.world.alloc.putPage(pfn);
    this.pages = [];
    this.size = 0;
  }

  /** Linux: ramfs_nommu_get_unmapped_area(): within EOF, all pages present and physically adjacent, else -ENOSYS. */
  getUnmappedArea(len: number, pgoff: number): number {
    const lpages = Math.ceil(len / P);
    const maxpages = Math.ceil(this.size / P);
    if (pgoff >= maxpages || maxpages - pgoff < lpages) return -ENOSYS;
    const first = this.pages[pgoff] ?? NO_PAGE;
    if (first === NO_PAGE) return -ENOSYS;
    for (let i = 1; i < lpages; i++) if (this.pages[pgoff + i] !== first + i) return -ENOSYS;
    return first * P;
  }

  /**
   * Reads through the page cache: a hole within EOF gets a fresh zeroed page, which stays (only the
   * pages the read covers: no readahead). Such a page lies wherever the allocator put it, so it is
   * contiguous with the run only by chance. Linux: filemap_read() → simple_read_folio().
   */
  private read(offset: number, dst: Uint8Array): number {
    const n = Math.max(0, Math.min(dst.length, this.size - offset));
    for (let done = 0; done < n; ) {
      const pos = offset + done;
      const idx = Math.floor(pos / P);
      let pfn = this.pages[idx] ?? NO_PAGE;
      if (pfn === NO_PAGE) {
        pfn = this.world.alloc.allocPages(0);
        if (pfn === NO_PAGE) return -ENOMEM;
        this.world.alloc.physMem.zero(pfn * P, P);
        while (this.pages.length < idx) this.pages.push(NO_PAGE);
        this.pages[idx] = pfn;
      }
      const chunk = Math.min(n - done, P - (pos % P));
      this.world.alloc.physMem.readBytes(pfn * P + (pos % P), dst.subarray(done, done + chunk));
      done += chunk;
    }
    return n;
  }

  open(mode: OpenMode = {}): MmapFile {
    const log = this.log;
    const ops: MmapFileOps = {
      mmapCapabilities: () => NOMMU_MAP_DIRECT | NOMMU_MAP_COPY | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC,
      getUnmappedArea: (_addr, len, pgoff) => this.getUnmappedArea(len, pgoff),
      mmap: (v: VmaRef) => (isNommuSharedMapping(v.vmFlags) ? 0 : -ENOSYS),
      close: (v: VmaRef) => void log.calls.push(`close ${v.vmStart.toString(16)}`),
      release: () => void log.calls.push("release"),
    };
    return openFile(this.id, S_IFREG, () => this.size, (off, dst) => this.read(off, dst), ops, mode, this.mapping);
  }
}

/**
 * A framebuffer: its memory (allocated from RAM when the driver probes) mapped directly, shared.
 * No mmap_capabilities: the S_IFCHR default (DIRECT|READ|WRITE). Linux: get_fb_unmapped_area() (NOMMU).
 */
export class Framebuffer {
  readonly id = identity("/dev/fb0", 29, 0);
  readonly base: number;
  readonly log: HookLog = { calls: [] };
  constructor(
    world: World,
    readonly smemLen: number,
  ) {
    const pfn = world.alloc.allocPagesExact(smemLen);
    if (pfn === NO_PAGE) throw new Error("no memory for the framebuffer");
    this.base = pfn * P;
  }
  open(mode: OpenMode = { readable: true, writable: true }): MmapFile {
    const log = this.log;
    const ops: MmapFileOps = {
      getUnmappedArea: (_addr, len, pgoff) => (pgoff * P > this.smemLen || len > this.smemLen - pgoff * P ? -EINVAL : this.base + pgoff * P),
      mmap: (v: VmaRef) => {
        log.calls.push(`mmap ${v.vmStart.toString(16)}`);
        return 0;
      },
      close: (v: VmaRef) => void log.calls.push(`close ${v.vmStart.toString(16)}`),
      release: () => void log.calls.push("release"),
    };
    return openFile(this.id, S_IFCHR, () => 0, () => -EINVAL, ops, mode);
  }
}

/**
 * A romfs file on a memory-mapped ROM (execute in place): the file's bytes sit in ROM at a
 * 16-byte-aligned address, so a direct private mapping is not page aligned. Linux: romfs_get_unmapped_area()
 * with an MTD_ROM (COPY|DIRECT|READ|EXEC).
 */
export class RomfsFile {
  readonly id = identity("/rom/bin/busybox", 31, 0);
  readonly mapping = new FakeAddressSpace();
  /** Where byte 0 of the file lies in the ROM. */
  readonly dataAddr: number;
  constructor(
    world: World,
    readonly bytes: Uint8Array,
  ) {
    const pfn = world.alloc.allocPagesExact(bytes.length + P);
    if (pfn === NO_PAGE) throw new Error("no memory for the ROM");
    this.dataAddr = pfn * P + 0x40;
    world.alloc.physMem.writeBytes(this.dataAddr, bytes);
  }
  open(mode: OpenMode = {}): MmapFile {
    const ops: MmapFileOps = {
      mmapCapabilities: () => NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_EXEC,
      getUnmappedArea: (addr, len, pgoff) => (addr !== 0 || pgoff * P + len > pageRound(this.bytes.length) ? -EINVAL : this.dataAddr + pgoff * P),
      mmap: (v: VmaRef) => (isNommuSharedMapping(v.vmFlags) ? 0 : -ENOSYS),
    };
    return openFile(this.id, S_IFREG, () => this.bytes.length, (off, dst) => readBytes(this.bytes, off, dst), ops, mode, this.mapping);
  }
}

function pageRound(x: number): number {
  return Math.ceil(x / P) * P;
}

/**
 * /dev/zero: NOMMU_MAP_COPY only. In 6.12 the copy fails with -EINVAL (kernel_read() refuses a file
 * that has a ->read method), as the real kernel shows; `readsZeros` plays the seed's behaviour.
 */
export function devZero(readsZeros = false): MmapFile {
  const ops: MmapFileOps = { mmapCapabilities: () => NOMMU_MAP_COPY, mmap: () => -ENOSYS };
  const read = (_off: number, dst: Uint8Array): number => {
    if (!readsZeros) return -EINVAL;
    dst.fill(0);
    return dst.length;
  };
  return openFile(DEV_ZERO_ID, S_IFCHR, () => 0, read, ops, { readable: true, writable: true });
}
const DEV_ZERO_ID = identity("/dev/zero", 1, 5);

/**
 * A flash chip (MTD-like chardev, COPY|DIRECT|READ|EXEC): while it is being programmed its array
 * shows status, not data, so the driver refuses to say where a direct mapping would be (-ENOSYS) and
 * the kernel copies instead — the seed's warning about flash. Linux: mtdchar_get_unmapped_area().
 */
export class FlashChip {
  readonly id = identity("/dev/mtd0", 90, 0);
  programming = false;
  readonly base: number;
  constructor(
    world: World,
    readonly bytes: Uint8Array,
  ) {
    const pfn = world.alloc.allocPagesExact(bytes.length);
    if (pfn === NO_PAGE) throw new Error("no memory for the flash");
    this.base = pfn * P;
    world.alloc.physMem.writeBytes(this.base, bytes);
  }
  open(mode: OpenMode = {}): MmapFile {
    const ops: MmapFileOps = {
      mmapCapabilities: () => NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_EXEC,
      getUnmappedArea: (_a, len, pgoff) => (this.programming ? -ENOSYS : pgoff * P + len > this.bytes.length ? -EINVAL : this.base + pgoff * P),
      mmap: (v: VmaRef) => (isNommuSharedMapping(v.vmFlags) ? 0 : -ENOSYS),
    };
    return openFile(this.id, S_IFCHR, () => this.bytes.length, (off, dst) => readBytes(this.bytes, off, dst), ops, mode);
  }
}
