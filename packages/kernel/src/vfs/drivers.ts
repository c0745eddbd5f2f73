/**
 * The built-in drivers: a regular file on a block device, a directory, and /dev/zero. Contributors
 * add their own through the same InodeDriver interface. Linux: a disk filesystem's generic_file_*
 * (mm/filemap.c), drivers/char/mem.c (zero).
 */
import { EISDIR, MMAP_AS_ANONYMOUS, NOMMU_MAP_COPY, PAGE_SIZE } from "@mmsim/mm-types";
import type { MmapFileOps } from "@mmsim/mm-types";
import type { Inode, InodeDriver } from "./inode.js";

/** Host storage of a file's bytes, a page at a time; pages never written read as zero. */
class SparseBytes {
  private readonly pages = new Map<number, Uint8Array>();

  read(offset: number, dst: Uint8Array): void {
    for (let done = 0; done < dst.length; ) {
      const idx = Math.floor((offset + done) / PAGE_SIZE);
      const inPage = (offset + done) % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, dst.length - done);
      const page = this.pages.get(idx);
      if (page === undefined) dst.fill(0, done, done + n);
      else dst.set(page.subarray(inPage, inPage + n), done);
      done += n;
    }
  }

  write(offset: number, src: Uint8Array): void {
    for (let done = 0; done < src.length; ) {
      const idx = Math.floor((offset + done) / PAGE_SIZE);
      const inPage = (offset + done) % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, src.length - done);
      let page = this.pages.get(idx);
      if (page === undefined) this.pages.set(idx, (page = new Uint8Array(PAGE_SIZE)));
      page.set(src.subarray(done, done + n), inPage);
      done += n;
    }
  }

  /** Forgets bytes at and past `size`. */
  truncate(size: number): void {
    const keep = Math.ceil(size / PAGE_SIZE);
    for (const idx of [...this.pages.keys()]) if (idx >= keep) this.pages.delete(idx);
    const last = this.pages.get(Math.floor(size / PAGE_SIZE));
    if (last !== undefined && size % PAGE_SIZE !== 0) last.fill(0, size % PAGE_SIZE);
  }
}

function storage(inode: Inode): SparseBytes {
  if (inode.private_ === null) inode.private_ = new SparseBytes();
  return inode.private_ as SparseBytes;
}

/**
 * A regular file on a block device (ext2 on a disk): bytes on the device, mapped through the page
 * cache. On NOMMU it can only be copied (the default capabilities of S_IFREG). Linux:
 * generic_file_read_iter/generic_file_mmap.
 */
export const blockdevFileDriver: InodeDriver = {
  name: "blockdev-file",
  read(inode, offset, dst) {
    if (offset >= inode.size) return 0;
    const n = Math.min(dst.length, inode.size - offset);
    storage(inode).read(offset, dst.subarray(0, n));
    return n;
  },
  write(inode, offset, src) {
    storage(inode).write(offset, src);
    return src.length;
  },
  setSize(inode, size) {
    if (size < inode.size) storage(inode).truncate(size);
    return 0;
  },
  mmapOps(_file, pageCacheFault): MmapFileOps {
    return { mmap: () => 0, fault: pageCacheFault };
  },
};

/** A directory: opens for reading, can't be read as bytes or mapped. */
export const directoryDriver: InodeDriver = {
  name: "directory",
  read: () => -EISDIR,
  write: () => -EISDIR,
};

/**
 * /dev/zero: reads zeros, swallows writes. Its mmap hook asks for anonymous memory: on MMU a shared
 * mapping becomes a shmem object ("/dev/zero (deleted)") and a private one anonymous memory that
 * /proc still shows as /dev/zero; without an MMU the hook can't do that, and as the device may only
 * be copied (NOMMU_MAP_COPY), a shared mapping is ENODEV and a private one a copy of zeros.
 * Linux: read_iter_zero(), write_null(), mmap_zero(), zero_mmap_capabilities() (drivers/char/mem.c).
 */
export const devZeroDriver: InodeDriver = {
  name: "dev-zero",
  read(_inode, _offset, dst) {
    dst.fill(0);
    return dst.length;
  },
  write: (_inode, _offset, src) => src.length,
  mmapOps: (): MmapFileOps => ({ mmapCapabilities: () => NOMMU_MAP_COPY, mmap: () => MMAP_AS_ANONYMOUS }),
};

