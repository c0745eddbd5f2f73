/**
 * Inodes and the drivers behind them. A driver is a plugin: the inode_operations and file_operations
 * of one kind of file (a regular file on a block device, /dev/zero, ramfs, a framebuffer...). The VFS
 * owns what every inode has: size, identity, the page cache and the i_mmap of its mappings.
 * Linux: struct inode, struct address_space, struct file_operations (include/linux/fs.h).
 */
import { PAGE_SIZE, S_IFMT } from "@mmsim/mm-types";
import type { AddressSpacePort, FileIdentity, MmapFileOps, VmaRef } from "@mmsim/mm-types";
import type { OpenFile } from "./file.js";

/** One kind of file or device. Absent hooks behave as Linux's absent f_op members. */
export interface InodeDriver {
  /** A short name for reports ("blockdev-file", "dev-zero", "ramfs"). */
  readonly name: string;
  /**
   * Reads bytes at `offset` into `dst`; returns the count (short at EOF) or -errno.
   * Linux: f_op->read_iter. The VFS has already copied page-cache pages over what this returns.
   */
  read(inode: Inode, offset: number, dst: Uint8Array): number;
  /** Writes `src` at `offset`; returns the count or -errno. Linux: f_op->write_iter. */
  write(inode: Inode, offset: number, src: Uint8Array): number;
  /**
   * Asked before the size changes (truncate): 0 to allow, or -errno (NOMMU ramfs: -ETXTBSY while a
   * shared mapping covers what would go). Linux: inode_operations.setattr with ATTR_SIZE.
   */
  setSize?(inode: Inode, size: number): number;
  /**
   * The mmap hooks of a struct file on this inode. Absent: the file can't be mapped (-ENODEV).
   * `pageCacheFault` is the generic filemap_fault over the inode's page cache, for drivers that use it.
   */
  mmapOps?(file: OpenFile, pageCacheFault: (pgoff: number) => number): MmapFileOps;
  /** The file is opened; may refuse with -errno (a busy device). Linux: f_op->open. */
  open?(inode: Inode, file: OpenFile): number;
  /** The last reference to an open file went. Linux: f_op->release. */
  release?(inode: Inode, file: OpenFile): void;
  /**
   * lseek: the new position or -errno, the driver's own rules; absent: generic_file_llseek() over
   * i_size. Linux: f_op->llseek.
   */
  llseek?(file: OpenFile, offset: number, whence: number): number;
  /** The file has no size of its own (a /proc file): writes don't extend i_size. */
  readonly sizeless?: boolean;
}

/** An inode: what a path names. Linux: struct inode. */
export class Inode {
  /** Bytes. Linux: i_size. */
  size: number;
  /** Page-cache pages by page index: pfn, one reference held by the cache. Linux: i_pages. */
  readonly pageCache = new Map<number, number>();
  /** Open files on it. Linux: i_count minus the dentry's. */
  openCount = 0;
  /** Driver-private state (a ramdisk's pages, a device's mode). Linux: i_private. */
  private_: unknown = null;

  constructor(
    /** Inode number, as /proc/<pid>/maps prints it. */
    readonly ino: number,
    /** S_IF* type and permission bits. Linux: i_mode. */
    readonly mode: number,
    /** The device the inode lives on, as maps prints it (major:minor). Linux: i_sb->s_dev. */
    readonly devMajor: number,
    readonly devMinor: number,
    /** Its path (for maps). */
    readonly path: string,
    readonly driver: InodeDriver,
    /** The VMAs mapping it. Linux: i_mapping->i_mmap. */
    readonly mapping: AddressSpacePort,
    size = 0,
    /** Mounted noexec. */
    readonly noexec = false,
    /** IS_APPEND. */
    readonly appendOnly = false,
  ) {
    this.size = size;
  }

  private identity_: FileIdentity | null = null;

  /**
   * What /proc prints for it, one object per inode: NOMMU finds a region to share by it, as Linux
   * compares the region's file inode. Linux: file_inode().
   */
  get identity(): FileIdentity {
    return (this.identity_ ??= { path: this.path, devMajor: this.devMajor, devMinor: this.devMinor, ino: this.ino });
  }

  /** S_IF* bits. */
  get type(): number {
    return this.mode & S_IFMT;
  }

  /** Pages the file spans (the first index past EOF). */
  get sizePages(): number {
    return Math.ceil(this.size / PAGE_SIZE);
  }

  /** VMAs mapping page indexes [first, last] with the given flag bits all set. */
  mappedBy(first: number, last: number, flags = 0): VmaRef[] {
    const out: VmaRef[] = [];
    for (const e of this.mapping.vmasIntersecting(first, last)) if ((e.vmFlags & flags) === flags) out.push(e);
    return out;
  }
}
