/**
 * An open file (struct file): the inode, how it was opened, and its position. Shared by every fd that
 * dup() made from it and by forked fd tables; released when the last reference goes.
 * Linux: struct file (include/linux/fs.h), fget()/fput().
 */
import { O_ACCMODE, O_PATH, O_RDONLY, O_RDWR, O_WRONLY } from "@mmsim/mm-types";
import type { MmapFile, MmapFileOps } from "@mmsim/mm-types";
import type { Inode } from "./inode.js";

/** An open file description. */
export class OpenFile {
  /** Read/write position. Linux: f_pos. */
  pos = 0;
  /** References: fds pointing at it plus VMAs mapping it. Linux: f_count. */
  refs = 1;
  private mmapFile_: MmapFile | null = null;

  constructor(
    readonly inode: Inode,
    /** O_* flags as opened (access mode and status flags). Linux: f_flags. */
    readonly flags: number,
    private readonly io: FileIo,
  ) {}

  /** Opened with O_PATH: it names the inode and nothing more (fget() refuses it). Linux: FMODE_PATH. */
  get isPath(): boolean {
    return (this.flags & O_PATH) !== 0;
  }

  /** Opened for reading. Linux: FMODE_READ. */
  get readable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return !this.isPath && (acc === O_RDONLY || acc === O_RDWR);
  }

  /** Opened for writing. Linux: FMODE_WRITE. */
  get writable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return !this.isPath && (acc === O_WRONLY || acc === O_RDWR);
  }

  /** The file as the mm backends see it; one object per open file, as one struct file. */
  asMmapFile(): MmapFile {
    if (this.mmapFile_ !== null) return this.mmapFile_;
    const inode = this.inode;
    const ops: MmapFileOps = inode.driver.mmapOps?.(this, (pgoff) => this.io.fault(inode, pgoff)) ?? NOT_MAPPABLE;
    this.mmapFile_ = {
      identity: inode.identity,
      inodeType: inode.type,
      readable: this.readable,
      writable: this.writable,
      appendOnly: inode.appendOnly,
      noexec: inode.noexec,
      size: () => inode.size,
      read: (offset, dst) => this.io.read(inode, offset, dst),
      ops,
      isPageCached: (pgoff) => inode.pageCache.has(pgoff),
      mapping: inode.mapping,
    };
    return this.mmapFile_;
  }
}

/** The ops of a file without f_op->mmap: the backends answer -ENODEV. */
const NOT_MAPPABLE: MmapFileOps = {};

/** The VFS services an open file uses: reads through the page cache, and the page-cache fault. */
export interface FileIo {
  read(inode: Inode, offset: number, dst: Uint8Array): number;
  fault(inode: Inode, pgoff: number): number;
}
