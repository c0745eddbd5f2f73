/**
 * The file behind a segment: an unlinked shmem inode on MMU, a ramfs inode with one contiguous run
 * of pages on NOMMU. Linux: shmem_kernel_file_setup() and shmem_fault() / shmem_lock() in
 * mm/shmem.c; ramfs_nommu_expand_for_mapping(), ramfs_nommu_get_unmapped_area(),
 * ramfs_nommu_mmap() and ramfs_mmap_capabilities() in fs/ramfs/file-nommu.c.
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
  bug,
  getOrder,
  isNommuSharedMapping,
} from "@mmsim/mm-types";
import type { PageAllocatorPort, PhysMemPort, VmaRef } from "@mmsim/mm-types";

/** Device of the internal shm mount as /proc/<pid>/maps prints it (00:01 on the machines checked). */
export const SHM_DEV_MAJOR = 0;
export const SHM_DEV_MINOR = 1;

/** What ramfs offers a NOMMU mapping. Linux: ramfs_mmap_capabilities(). */
export const RAMFS_MMAP_CAPABILITIES = NOMMU_MAP_DIRECT | NOMMU_MAP_COPY | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC;

/** The name newseg() gives the file: "SYSV" and the key as 8 hex digits. Linux: sprintf(name, "SYSV%08x", key). */
export function shmFileName(key: number): string {
  return `SYSV${(key >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * A segment's backing file (the base file every attachment clones). Linux: shp->shm_file, its
 * inode and page cache.
 */
export interface ShmFile {
  /** Path as /proc/<pid>/maps shows an attachment. */
  readonly path: string;
  /** i_size: the segment size in bytes. */
  readonly iSize: number;
  /** Inode number: the shm id once the segment has one. */
  ino: number;
  /** Pages in the page cache. Linux: inode->i_mapping->nrpages. */
  nrpages(): number;
  /**
   * The page at `pgoff` with a reference for the caller; NO_PAGE beyond EOF, -ENOMEM when no page
   * can be had. Linux: shmem_fault() / filemap_fault().
   */
  fault(pgoff: number): number;
  /** The filesystem's mmap: 0, or -ENOSYS to ask a NOMMU backend for a copy. Linux: shmem_mmap() / ramfs_nommu_mmap(). */
  mmap(vma: VmaRef): number;
  /** NOMMU: where a direct mapping of (pgoff, len) lives, or -ENOSYS. Absent on shmem. Linux: ramfs_nommu_get_unmapped_area(). */
  readonly getUnmappedArea?: (addr: number, len: number, pgoff: number, flags: number) => number;
  /** Copies file bytes from `offset` into `dst`; returns bytes read (short at EOF). */
  read(offset: number, dst: Uint8Array): number;
  /**
   * SHM_LOCK charges the pages to the locker's RLIMIT_MEMLOCK count (shmem). False for ramfs, where
   * locking is a no-op. Linux: shmem_lock() and its stub without CONFIG_SHMEM.
   */
  readonly accountsLock: boolean;
  /** Drops the page cache's references: the last fput of the file. */
  release(): void;
  /** Checks the file's pages against the allocator. */
  assertValid(pages: PageAllocatorPort): void;
}

/** Pages of `bytes`, rounded up. */
export function pagesOf(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE);
}

/** Copies bytes of a file made of pages (NO_PAGE reads as zeros) into `dst`; returns bytes read. */
function readPages(physMem: PhysMemPort, pfnAt: (pgoff: number) => number, iSize: number, offset: number, dst: Uint8Array): number {
  const n = Math.max(0, Math.min(dst.length, iSize - offset));
  let done = 0;
  while (done < n) {
    const pos = offset + done;
    const pgoff = Math.floor(pos / PAGE_SIZE);
    const inPage = pos % PAGE_SIZE;
    const chunk = Math.min(PAGE_SIZE - inPage, n - done);
    const pfn = pfnAt(pgoff);
    const part = dst.subarray(done, done + chunk);
    if (pfn === NO_PAGE) part.fill(0);
    else physMem.readBytes(pfn * PAGE_SIZE + inPage, part);
    done += chunk;
  }
  return n;
}

/**
 * A shmem inode: pages come on first fault, zeroed, and stay in the page cache until the segment
 * goes. Linux: shmem_kernel_file_setup() + shmem_fault() (no swap here).
 */
export class ShmemFile implements ShmFile {
  readonly accountsLock = true;
  ino = 0;
  private readonly pfns: Int32Array;
  private present = 0;

  constructor(
    readonly path: string,
    readonly iSize: number,
    private readonly pages: PageAllocatorPort,
    private readonly physMem: PhysMemPort,
  ) {
    this.pfns = new Int32Array(pagesOf(iSize)).fill(NO_PAGE);
  }

  nrpages(): number {
    return this.present;
  }

  fault(pgoff: number): number {
    if (!Number.isInteger(pgoff) || pgoff < 0 || pgoff >= this.pfns.length) return NO_PAGE;
    let pfn = this.pfns[pgoff]!;
    if (pfn === NO_PAGE) {
      pfn = this.pages.allocPages(0);
      if (pfn === NO_PAGE) return -ENOMEM;
      this.physMem.zero(pfn * PAGE_SIZE, PAGE_SIZE);
      this.pfns[pgoff] = pfn;
      this.present++;
    }
    this.pages.getPage(pfn);
    return pfn;
  }

  mmap(): number {
    return 0;
  }

  read(offset: number, dst: Uint8Array): number {
    return readPages(this.physMem, (i) => this.pfns[i]!, this.iSize, offset, dst);
  }

  release(): void {
    for (let i = 0; i < this.pfns.length; i++) {
      const pfn = this.pfns[i]!;
      if (pfn === NO_PAGE) continue;
      this.pages.putPage(pfn);
      this.pfns[i] = NO_PAGE;
    }
    this.present = 0;
  }

  assertValid(pages: PageAllocatorPort): void {
    let n = 0;
    for (const pfn of this.pfns) {
      if (pfn === NO_PAGE) continue;
      n++;
      if (pages.pageCount(pfn) < 1) bug(`${this.path}: page cache page 0x${pfn.toString(16)} has no reference`);
    }
    if (n !== this.present) bug(`${this.path}: ${this.present} pages counted, ${n} present`);
  }
}

/**
 * A ramfs inode on NOMMU: the whole size allocated at once as one physically contiguous run (the
 * power-of-two block trimmed to size), zeroed, every page in the page cache; a mapping of it is
 * direct, at the physical address of the page it starts at. Linux: fs/ramfs/file-nommu.c.
 */
export class RamfsFile implements ShmFile {
  readonly accountsLock = false;
  ino = 0;
  private readonly npages: number;
  private released = false;

  private constructor(
    readonly path: string,
    readonly iSize: number,
    private readonly firstPfn: number,
    private readonly pages: PageAllocatorPort,
    private readonly physMem: PhysMemPort,
  ) {
    this.npages = pagesOf(iSize);
  }

  /**
   * Creates the file with its pages: -EFBIG beyond the largest buddy order, -ENOMEM when no run is
   * free. Linux: ramfs_nommu_expand_for_mapping().
   */
  static create(path: string, size: number, pages: PageAllocatorPort, physMem: PhysMemPort): RamfsFile | number {
    if (getOrder(size) > MAX_PAGE_ORDER) return -EFBIG;
    const pfn = pages.allocPagesExact(size);
    if (pfn === NO_PAGE) return -ENOMEM;
    physMem.zero(pfn * PAGE_SIZE, pagesOf(size) * PAGE_SIZE);
    return new RamfsFile(path, size, pfn, pages, physMem);
  }

  nrpages(): number {
    return this.released ? 0 : this.npages;
  }

  fault(pgoff: number): number {
    if (this.released || !Number.isInteger(pgoff) || pgoff < 0 || pgoff >= this.npages) return NO_PAGE;
    this.pages.getPage(this.firstPfn + pgoff);
    return this.firstPfn + pgoff;
  }

  /** Only shared mappings are direct; a private one asks for a copy. Linux: ramfs_nommu_mmap(). */
  mmap(vma: VmaRef): number {
    return isNommuSharedMapping(vma.vmFlags) ? 0 : -ENOSYS;
  }

  /** The physical address of page `pgoff`, when the whole mapping fits in the file. Linux: ramfs_nommu_get_unmapped_area(). */
  readonly getUnmappedArea = (_addr: number, len: number, pgoff: number, _flags: number): number => {
    const lpages = pagesOf(len);
    if (this.released || pgoff >= this.npages || this.npages - pgoff < lpages) return -ENOSYS;
    return (this.firstPfn + pgoff) * PAGE_SIZE;
  };

  read(offset: number, dst: Uint8Array): number {
    return readPages(this.physMem, (i) => (this.released ? NO_PAGE : this.firstPfn + i), this.iSize, offset, dst);
  }

  release(): void {
    if (this.released) bug(`${this.path}: released twice`);
    for (let i = 0; i < this.npages; i++) this.pages.putPage(this.firstPfn + i);
    this.released = true;
  }

  assertValid(pages: PageAllocatorPort): void {
    if (this.released) return;
    for (let i = 0; i < this.npages; i++) {
      if (pages.pageCount(this.firstPfn + i) < 1) bug(`${this.path}: page 0x${(this.firstPfn + i).toString(16)} has no reference`);
    }
  }
}
