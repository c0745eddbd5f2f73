/**
 * The shmem object behind a shared anonymous mapping: a deleted "/dev/zero" file of the mapping's
 * size whose page cache is filled with zeroed pages on first fault and freed when the last VMA
 * referring to it goes. Linux: shmem_zero_setup() → shmem_kernel_file_setup(), shmem_fault(),
 * shmem_evict_inode() in mm/shmem.c.
 */
import { ENOMEM, NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import type { AddressSpacePort, FileIdentity, IMmapEntry, MmapFile, MmapFileOps, PageAllocatorPort, PhysMemPort } from "@mmsim/mm-types";
import type { PageCacheOps, SwapBackedHint } from "./memory.js";

/** S_IFREG: shmem files are regular files. */
const S_IFREG = 0o100000;

/** A small i_mmap: the VMAs mapping one object, by pgoff range, in a set. Linux: address_space.i_mmap. */
export class IMmapSet implements AddressSpacePort {
  readonly entries = new Set<IMmapEntry>();

  vmaLink(entry: IMmapEntry): void {
    this.entries.add(entry);
  }

  vmaUnlink(entry: IMmapEntry): void {
    this.entries.delete(entry);
  }

  *vmasIntersecting(first: number, last: number): Iterable<IMmapEntry> {
    for (const e of this.entries) {
      const pages = (e.vmEnd - e.vmStart) / PAGE_SIZE;
      if (e.vmPgoff <= last && e.vmPgoff + pages - 1 >= first) yield e;
    }
  }
}

/** A shmem object for MAP_SHARED|MAP_ANONYMOUS. */
export class ShmemFile implements MmapFile, SwapBackedHint {
  readonly identity: FileIdentity;
  readonly inodeType = S_IFREG;
  readonly readable = true;
  readonly writable = true;
  readonly appendOnly = false;
  readonly noexec = false;
  readonly swapBacked = true;
  readonly ops: MmapFileOps;
  readonly mapping = new IMmapSet();
  /** The page cache: pgoff → pfn, one reference each. Linux: the inode's i_pages. */
  readonly cache = new Map<number, number>();

  constructor(
    ino: number,
    /** i_size: the length of the mapping that created it (mremap growth beyond it faults SIGBUS). */
    private readonly bytes: number,
    private readonly pages: PageAllocatorPort,
    private readonly physMem: PhysMemPort,
  ) {
    this.identity = { path: "/dev/zero (deleted)", devMajor: 0, devMinor: 1, ino };
    const ops: MmapFileOps & PageCacheOps = { mmap: () => 0, fault: (pgoff) => this.fault(pgoff), findPage: (pgoff) => this.cache.get(pgoff) ?? -1 };
    this.ops = ops;
  }

  size(): number {
    return this.bytes;
  }

  /** Copies bytes from the object; holes read as zero. Linux: shmem_file_read_iter(). */
  read(offset: number, dst: Uint8Array): number {
    const n = Math.max(0, Math.min(dst.length, this.bytes - offset));
    dst.fill(0, 0, n);
    for (let done = 0; done < n; ) {
      const pos = offset + done;
      const chunk = Math.min(n - done, PAGE_SIZE - (pos % PAGE_SIZE));
      const pfn = this.cache.get(Math.floor(pos / PAGE_SIZE));
      if (pfn !== undefined) this.physMem.readBytes(pfn * PAGE_SIZE + (pos % PAGE_SIZE), dst.subarray(done, done + chunk));
      done += chunk;
    }
    return n;
  }

  /** The page at `pgoff`, allocated zeroed on first use, with a reference for the caller. Linux: shmem_fault() → shmem_get_folio_gfp(). */
  fault(pgoff: number): number {
    if (pgoff >= Math.ceil(this.bytes / PAGE_SIZE)) return -1;
    let pfn = this.cache.get(pgoff);
    if (pfn === undefined) {
      pfn = this.pages.allocPages(0);
      if (pfn === NO_PAGE) return -ENOMEM;
      this.physMem.zero(pfn * PAGE_SIZE, PAGE_SIZE);
      this.cache.set(pgoff, pfn);
    }
    this.pages.getPage(pfn);
    return pfn;
  }

  /** Frees the pages once the last VMA referring to the object is gone. Linux: shmem_evict_inode() → shmem_truncate_range(). */
  evict(): void {
    for (const pfn of this.cache.values()) this.pages.putPage(pfn);
    this.cache.clear();
  }
}
