/**
 * ramfs (and tmpfs without swap): files whose only home is the page cache. Every page of a file is a
 * page-cache page (`Inode.pageCache`) holding the file's bytes; nothing lies behind it.
 *
 * On NOMMU (the backend offers the NommuInodeMappingsPort) the file-nommu.c behaviour applies: a
 * truncate that grows an EMPTY file gathers one physically contiguous run of pages for the whole
 * size (the power-of-two block, its excess trimmed), so that a MAP_SHARED mapping can go directly
 * onto the pages — POSIX shared memory's open, ftruncate, mmap sequence; get_unmapped_area hands out
 * the address of the pages when they are all present and adjacent, else -ENOSYS; a truncate that
 * would cut pages a mapping uses is refused with ETXTBSY. On MMU (file-mmu.c) pages arrive one at a
 * time, on write or through the page-cache fault, and a truncate is never refused.
 * Linux: fs/ramfs/inode.c, fs/ramfs/file-mmu.c, fs/ramfs/file-nommu.c.
 */
import {
  EFBIG,
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
  S_IFREG,
  getOrder,
} from "@mmsim/mm-types";
import type { MmapFileOps, PageAllocatorPort, PhysMemPort } from "@mmsim/mm-types";
import type { Kernel } from "../kernel.js";
import type { Inode, InodeDriver } from "../vfs/inode.js";
import { inodeAsMmapFile, nommuInodeMappingsPort } from "./nommu-port.js";
import type { NommuInodeMappingsPort } from "./nommu-port.js";

/** What ramfs lets a NOMMU mapping do: direct or copied, any protection. Linux: ramfs_mmap_capabilities(). */
export const RAMFS_MMAP_CAPABILITIES = NOMMU_MAP_DIRECT | NOMMU_MAP_COPY | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC;

/** The device number ramfs files show in maps (an anonymous superblock: major 0). */
export const RAMFS_DEV = { major: 0, minor: 0x1a } as const;

/** What a ramfs driver is built on. */
export interface RamfsOptions {
  /** Where page-cache pages come from. */
  readonly pages: PageAllocatorPort;
  readonly physMem: PhysMemPort;
  /** The NOMMU mm's port: present, the file-nommu.c behaviour; null, file-mmu.c's. */
  readonly nommu: NommuInodeMappingsPort | null;
}

/**
 * Gathers the pages for an empty file growing to `newsize` bytes: one contiguous, zeroed run,
 * each page its own order-0 page held by the page cache. Returns 0, -EFBIG (more than one buddy
 * block, or 4 GiB and up) or -ENOMEM. Linux: ramfs_nommu_expand_for_mapping().
 */
export function ramfsNommuExpandForMapping(opts: RamfsOptions, inode: Inode, newsize: number): number {
  if (newsize >= 2 ** 32 || getOrder(newsize) > MAX_PAGE_ORDER) return -EFBIG;
  const pfn = opts.pages.allocPagesExact(newsize);
  if (pfn === NO_PAGE) return -ENOMEM;
  const npages = Math.ceil(newsize / PAGE_SIZE);
  opts.physMem.zero(pfn * PAGE_SIZE, npages * PAGE_SIZE);
  for (let i = 0; i < npages; i++) inode.pageCache.set(i, pfn + i);
  return 0;
}

/**
 * Where a direct mapping of `len` bytes at page `pgoff` can be: the address of the file's pages if
 * they lie within EOF, are all present and physically adjacent in order; otherwise -ENOSYS ("can't
 * map directly": a private mapping is copied, a shared one fails with ENODEV).
 * Linux: ramfs_nommu_get_unmapped_area().
 */
export function ramfsNommuGetUnmappedArea(inode: Inode, len: number, pgoff: number): number {
  const lpages = Math.ceil(len / PAGE_SIZE);
  const maxpages = inode.sizePages;
  if (pgoff >= maxpages || maxpages - pgoff < lpages) return -ENOSYS;
  const first = inode.pageCache.get(pgoff);
  if (first === undefined) return -ENOSYS;
  for (let i = 1; i < lpages; i++) if (inode.pageCache.get(pgoff + i) !== first + i) return -ENOSYS;
  return first * PAGE_SIZE;
}

/**
 * The size change of a NOMMU ramfs file: growing an empty file gathers its pages; a shrink asks the
 * mm first (ETXTBSY while a mapping covers the cut). The VFS then drops the pages past the end.
 * Linux: ramfs_nommu_resize().
 */
function ramfsNommuResize(opts: RamfsOptions, port: NommuInodeMappingsPort, inode: Inode, newsize: number): number {
  const size = inode.size;
  if (newsize === size) return 0;
  if (size === 0) return ramfsNommuExpandForMapping(opts, inode, newsize);
  if (newsize < size) return port.nommuShrinkInodeMappings(inodeAsMmapFile(inode), size, newsize);
  return 0;
}

/**
 * Makes sure the page cache has a page for every page [offset, offset + len) touches, zeroed when
 * new, so that the VFS can copy a write into them. Returns 0 or -ENOMEM.
 * Linux: generic_perform_write() → write_begin (simple_write_begin()).
 */
function grabPages(opts: RamfsOptions, inode: Inode, offset: number, len: number): number {
  if (len === 0) return 0;
  const last = Math.floor((offset + len - 1) / PAGE_SIZE);
  for (let idx = Math.floor(offset / PAGE_SIZE); idx <= last; idx++) {
    if (inode.pageCache.has(idx)) continue;
    const pfn = opts.pages.allocPages(0);
    if (pfn === NO_PAGE) return -ENOMEM;
    opts.physMem.zero(pfn * PAGE_SIZE, PAGE_SIZE);
    inode.pageCache.set(idx, pfn);
  }
  return 0;
}

/**
 * A ramfs driver. Reads and writes go through the page cache (the VFS copies page-cache bytes over
 * what `read` returns, and into the pages `write` made sure exist); mappings are offered directly
 * (NOMMU: getUnmappedArea over the page cache) and through the page-cache fault (MMU). `mmap`
 * accepts every mapping: ramfs_nommu_mmap()'s -ENOSYS for a non-shareable one is the NOMMU
 * backend's own check (do_mmap_private()'s WARN), and MMU needs the 0 for private mappings.
 * Linux: ramfs_file_operations and ramfs_file_inode_operations of file-mmu.c / file-nommu.c.
 */
export function ramfsDriver(opts: RamfsOptions): InodeDriver {
  const port = opts.nommu;
  return {
    name: "ramfs",
    read(inode, offset, dst) {
      const n = Math.max(0, Math.min(dst.length, inode.size - offset));
      dst.fill(0, 0, n);
      return n;
    },
    write(inode, offset, src) {
      const r = grabPages(opts, inode, offset, src.length);
      return r < 0 ? r : src.length;
    },
    setSize: port === null ? undefined : (inode, size) => ramfsNommuResize(opts, port, inode, size),
    mmapOps(file, pageCacheFault): MmapFileOps {
      return {
        mmapCapabilities: () => RAMFS_MMAP_CAPABILITIES,
        getUnmappedArea: (_addr, len, pgoff) => ramfsNommuGetUnmappedArea(file.inode, len, pgoff),
        mmap: () => 0,
        fault: pageCacheFault,
      };
    },
  };
}

const driversByKernel = new WeakMap<Kernel, InodeDriver>();

/** The ramfs driver of a kernel: file-nommu.c when the backend offers the NOMMU port, else file-mmu.c. */
export function ramfsDriverFor(kernel: Kernel): InodeDriver {
  let driver = driversByKernel.get(kernel);
  if (driver === undefined) {
    driver = ramfsDriver({ pages: kernel.pages, physMem: kernel.physMem, nommu: nommuInodeMappingsPort(kernel.backend) });
    driversByKernel.set(kernel, driver);
  }
  return driver;
}

/**
 * Creates an empty ramfs file at `path` (what open(O_CREAT) on a ramfs or tmpfs mount, or
 * shm_open(), makes). Returns the inode or -EEXIST. Linux: ramfs_mknod().
 */
export function createRamfsFile(kernel: Kernel, path: string, mode = 0o644): Inode | number {
  return kernel.vfs.mknod(path, { mode: S_IFREG | (mode & 0o7777), driver: ramfsDriverFor(kernel), devMajor: RAMFS_DEV.major, devMinor: RAMFS_DEV.minor });
}
