/**
 * A small VFS: one namespace of paths to inodes, opening, reading and writing through the page cache,
 * the generic page-cache fault, and truncate. Linux: fs/namei.c, fs/open.c, mm/filemap.c,
 * mm/truncate.c, reduced to what memory management sees.
 */
import {
  EEXIST,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOMEM,
  ENOTDIR,
  ENXIO,
  NO_PAGE,
  O_ACCMODE,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_TRUNC,
  O_RDONLY,
  PAGE_SIZE,
  SEEK_CUR,
  SEEK_DATA,
  SEEK_END,
  SEEK_HOLE,
  SEEK_SET,
  S_IFDIR,
  S_IFMT,
  S_IFREG,
  bug,
} from "@mmsim/mm-types";
import type { AddressSpacePort, PageAllocatorPort, PhysMemPort } from "@mmsim/mm-types";
import { OpenFile } from "./file.js";

/** The largest file offset. Linux: MAX_LFS_FILESIZE (LLONG_MAX on 64-bit). */
const MAX_LFS_FILESIZE = 2 ** 63 - 1;
import type { FileIo } from "./file.js";
import { Inode } from "./inode.js";
import type { InodeDriver } from "./inode.js";

/** What a new inode is made of. */
export interface InodeSpec {
  /** S_IF* type and permission bits. */
  readonly mode: number;
  readonly driver: InodeDriver;
  readonly size?: number;
  /** Device numbers as maps prints them (default: the VFS's block device). */
  readonly devMajor?: number;
  readonly devMinor?: number;
  /** Inode number (default: the next free one). */
  readonly ino?: number;
  readonly noexec?: boolean;
  readonly appendOnly?: boolean;
}

/** Options of a VFS. */
export interface VfsOptions {
  readonly pages: PageAllocatorPort;
  readonly physMem: PhysMemPort;
  /** Makes an inode's i_mmap (an interval tree: @mmsim/anon-vma-rmap's AddressSpace). */
  readonly addressSpace: () => AddressSpacePort;
  /** Regular files created by O_CREAT, and the default device of files. */
  readonly defaultDriver: InodeDriver;
  /**
   * Called for a path that doesn't exist, before ENOENT: return a spec to create it (the replay makes
   * files a trace names), or null. `flags` are the open flags.
   */
  readonly onMissing?: (path: string, flags: number) => InodeSpec | null;
}

/** Normalizes an absolute path: collapses "//", ".", "..". */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/** The file namespace and the page cache. */
export class Vfs implements FileIo {
  private readonly inodes = new Map<string, Inode>();
  /** Makers of files that exist without being created (procfs's per-process files), by path. */
  private readonly providers: Array<(path: string) => InodeSpec | null> = [];
  private nextIno = 1000;
  readonly pages: PageAllocatorPort;
  readonly physMem: PhysMemPort;
  private readonly opts: VfsOptions;

  constructor(opts: VfsOptions) {
    this.opts = opts;
    this.pages = opts.pages;
    this.physMem = opts.physMem;
  }

  /** The inode at an absolute path, or null. */
  lookup(path: string): Inode | null {
    return this.inodes.get(normalizePath(path)) ?? null;
  }

  /** Creates an inode at `path`; -EEXIST if the path is taken. Linux: vfs_mknod()/vfs_create(). */
  mknod(path: string, spec: InodeSpec): Inode | number {
    const p = normalizePath(path);
    if (this.inodes.has(p)) return -EEXIST;
    const ino = spec.ino ?? this.nextIno++;
    const inode = new Inode(
      ino,
      spec.mode,
      spec.devMajor ?? 0x08,
      spec.devMinor ?? 0x01,
      p,
      spec.driver,
      this.opts.addressSpace(),
      spec.size ?? 0,
      spec.noexec ?? false,
      spec.appendOnly ?? false,
    );
    this.inodes.set(p, inode);
    return inode;
  }

  /** Adds a maker of files that exist without being created: asked for a missing path before ENOENT. */
  addProvider(provider: (path: string) => InodeSpec | null): void {
    this.providers.push(provider);
  }

  private provide(path: string): InodeSpec | null {
    for (const p of this.providers) {
      const spec = p(path);
      if (spec !== null) return spec;
    }
    return null;
  }

  /**
   * lseek of an open file: the driver's llseek, else SEEK_SET/CUR/END/DATA/HOLE over i_size, a
   * negative or too large result being EINVAL and DATA/HOLE at or past the end ENXIO.
   * Linux: vfs_llseek() → f_op->llseek or generic_file_llseek() → vfs_setpos().
   */
  llseek(file: OpenFile, offset: number, whence: number): number {
    if (file.inode.driver.llseek !== undefined) return file.inode.driver.llseek(file, offset, whence);
    const size = file.inode.size;
    let pos: number;
    switch (whence) {
      case SEEK_SET:
        pos = offset;
        break;
      case SEEK_CUR:
        if (offset === 0) return file.pos;
        pos = file.pos + offset;
        break;
      case SEEK_END:
        pos = size + offset;
        break;
      case SEEK_DATA:
        if (offset < 0 || offset >= size) return -ENXIO;
        pos = offset;
        break;
      case SEEK_HOLE:
        if (offset < 0 || offset >= size) return -ENXIO;
        pos = size;
        break;
      default:
        return -EINVAL;
    }
    if (pos < 0 || pos > MAX_LFS_FILESIZE) return -EINVAL;
    file.pos = pos;
    return pos;
  }

  /** Every inode, by path. */
  entries(): IterableIterator<[string, Inode]> {
    return this.inodes.entries();
  }

  /**
   * Opens a path, with do_open()'s checks in its order: O_CREAT|O_DIRECTORY is EINVAL; the walk
   * (ENOENT, ENOTDIR); O_CREAT creates, or meets an existing file (O_EXCL: EEXIST; a directory:
   * EISDIR); O_DIRECTORY on a non-directory is ENOTDIR; a directory opened for writing (or O_TRUNC)
   * is EISDIR; the driver's open; then O_TRUNC truncates an existing regular file. Access mode 3
   * opens for neither reading nor writing, as Linux allows. Linux: build_open_flags(),
   * path_openat() → do_open() → may_open().
   */
  open(path: string, flags: number, mode: number): OpenFile | number {
    const bad = checkOpenFlags(flags);
    if (bad < 0) return bad;
    // O_PATH keeps only these; no access mode, no create, no truncate. Linux: build_open_flags()
    if (flags & O_PATH) flags &= O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
    const walk = this.walkParents(path);
    if (walk === -ENOTDIR) return walk;
    let inode = this.lookup(path);
    let created = false;
    if (inode === null) {
      let spec: InodeSpec | null;
      if (flags & O_CREAT) {
        if (walk < 0) return walk;
        spec = { mode: S_IFREG | (mode & 0o7777), driver: this.opts.defaultDriver };
        created = true;
      } else spec = this.provide(normalizePath(path)) ?? this.opts.onMissing?.(normalizePath(path), flags) ?? null;
      if (spec === null) return -ENOENT;
      const made = this.mknod(path, spec);
      if (typeof made === "number") return made;
      inode = made;
    }
    if (flags & O_CREAT && !created) {
      if (flags & O_EXCL) return -EEXIST;
      if (inode.type === S_IFDIR) return -EISDIR;
    }
    if (flags & O_DIRECTORY && inode.type !== S_IFDIR) return -ENOTDIR;
    const acc = flags & O_ACCMODE;
    const mayWrite = acc !== O_RDONLY || (flags & O_TRUNC) !== 0;
    if (!created && inode.type === S_IFDIR && mayWrite) return -EISDIR;
    const file = new OpenFile(inode, flags, this);
    // an O_PATH file only names the inode: the driver never sees it. Linux: do_dentry_open()
    const r = file.isPath ? 0 : (inode.driver.open?.(inode, file) ?? 0);
    if (r < 0) return r;
    inode.openCount++;
    if (flags & O_TRUNC && !created && inode.type === S_IFREG && inode.size !== 0) {
      const t = this.truncate(inode, 0);
      if (t < 0) {
        this.release(file);
        return t;
      }
    }
    return file;
  }

  /**
   * Checks the directories on the way to `path`: a missing one is ENOENT, a file used as one is
   * ENOTDIR. Directories that were never created but hold known files exist implicitly (the replay
   * creates files by full path). Linux: link_path_walk().
   */
  private walkParents(path: string): number {
    const parts = normalizePath(path).split("/").slice(1, -1);
    let prefix = "";
    for (const part of parts) {
      prefix += "/" + part;
      const dir = this.inodes.get(prefix);
      if (dir !== undefined) {
        if (dir.type !== S_IFDIR) return -ENOTDIR;
        continue;
      }
      if (!this.hasUnder(prefix)) return -ENOENT;
    }
    return 0;
  }

  /** Whether any known path lies under directory `dir`. */
  private hasUnder(dir: string): boolean {
    const p = dir + "/";
    for (const key of this.inodes.keys()) if (key.startsWith(p)) return true;
    return false;
  }

  /** Drops a reference to an open file; the last one releases it. Linux: fput() → __fput(). */
  release(file: OpenFile): void {
    if (file.refs <= 0) bug(`open file of ${file.inode.path} released with ${file.refs} references`);
    if (--file.refs > 0) return;
    file.inode.openCount--;
    if (!file.isPath) file.inode.driver.release?.(file.inode, file);
  }

  /** Reads file bytes, page-cache pages over the driver's: what read(2) and a copy see. */
  read(inode: Inode, offset: number, dst: Uint8Array): number {
    const n = inode.driver.read(inode, offset, dst);
    if (n <= 0 || inode.pageCache.size === 0) return n;
    const first = Math.floor(offset / PAGE_SIZE);
    const last = Math.floor((offset + n - 1) / PAGE_SIZE);
    for (let idx = first; idx <= last; idx++) {
      const pfn = inode.pageCache.get(idx);
      if (pfn === undefined) continue;
      const from = Math.max(offset, idx * PAGE_SIZE);
      const to = Math.min(offset + n, (idx + 1) * PAGE_SIZE);
      this.physMem.readBytes(pfn * PAGE_SIZE + (from - idx * PAGE_SIZE), dst.subarray(from - offset, to - offset));
    }
    return n;
  }

  /** Writes file bytes to the driver and to any page-cache page they cover; extends i_size. */
  write(inode: Inode, offset: number, src: Uint8Array): number {
    const n = inode.driver.write(inode, offset, src);
    if (n <= 0) return n;
    const first = Math.floor(offset / PAGE_SIZE);
    const last = Math.floor((offset + n - 1) / PAGE_SIZE);
    for (let idx = first; idx <= last; idx++) {
      const pfn = inode.pageCache.get(idx);
      if (pfn === undefined) continue;
      const from = Math.max(offset, idx * PAGE_SIZE);
      const to = Math.min(offset + n, (idx + 1) * PAGE_SIZE);
      this.physMem.writeBytes(pfn * PAGE_SIZE + (from - idx * PAGE_SIZE), src.subarray(from - offset, to - offset));
    }
    if (!inode.driver.sizeless && offset + n > inode.size) inode.size = offset + n;
    return n;
  }

  /**
   * The page-cache page at `pgoff`, read in on first use, with a reference for the caller. Returns
   * -1 beyond EOF (SIGBUS) and -ENOMEM when no page can be had. Linux: filemap_fault().
   */
  fault(inode: Inode, pgoff: number): number {
    if (pgoff >= inode.sizePages) return -1;
    let pfn = inode.pageCache.get(pgoff);
    if (pfn === undefined) {
      pfn = this.pages.allocPages(0);
      if (pfn === NO_PAGE) return -ENOMEM;
      const buf = new Uint8Array(PAGE_SIZE);
      const n = inode.driver.read(inode, pgoff * PAGE_SIZE, buf);
      if (n < PAGE_SIZE) buf.fill(0, Math.max(0, n));
      this.physMem.writeBytes(pfn * PAGE_SIZE, buf);
      inode.pageCache.set(pgoff, pfn);
    }
    this.pages.getPage(pfn);
    return pfn;
  }

  /**
   * Changes a file's size. Shrinking unmaps the pages past the end from every VMA (private copies
   * too), drops them from the page cache and zeroes the tail of the last page. Linux: do_truncate() →
   * notify_change() → truncate_setsize() → truncate_pagecache().
   */
  truncate(inode: Inode, size: number): number {
    if (!Number.isSafeInteger(size) || size < 0) return -EINVAL;
    if ((inode.mode & S_IFMT) !== S_IFREG) return -EINVAL;
    const r = inode.driver.setSize?.(inode, size) ?? 0;
    if (r < 0) return r;
    const old = inode.size;
    inode.size = size;
    if (size >= old) return 0;
    const holeBegin = Math.ceil(size / PAGE_SIZE);
    for (const e of [...inode.mapping.vmasIntersecting(holeBegin, Number.MAX_SAFE_INTEGER)]) e.zapPages(holeBegin, Number.MAX_SAFE_INTEGER);
    for (const [idx, pfn] of [...inode.pageCache]) {
      if (idx < holeBegin) continue;
      inode.pageCache.delete(idx);
      this.pages.putPage(pfn);
    }
    const tail = size % PAGE_SIZE;
    const partial = inode.pageCache.get(Math.floor(size / PAGE_SIZE));
    if (tail !== 0 && partial !== undefined) this.physMem.zero(partial * PAGE_SIZE + tail, PAGE_SIZE - tail);
    return 0;
  }

  /** Page-cache pages held, over every inode (meminfo Cached). */
  cachedPages(): number {
    let n = 0;
    for (const inode of this.inodes.values()) n += inode.pageCache.size;
    return n;
  }

  /** Checks each cached page is allocated and within its file. */
  assertValid(): void {
    for (const [path, inode] of this.inodes) {
      if (inode.openCount < 0) bug(`${path}: negative open count`);
      for (const [idx, pfn] of inode.pageCache) {
        if (idx >= inode.sizePages) bug(`${path}: page-cache page ${idx} lies past EOF (${inode.size} bytes)`);
        if (this.pages.pageCount(pfn) < 1) bug(`${path}: page-cache page ${idx} (pfn ${pfn}) is not allocated`);
      }
    }
  }
}


/** The flag checks open makes before it looks at the path. Linux: build_open_flags(). */
export function checkOpenFlags(flags: number): number {
  if ((flags & (O_DIRECTORY | O_CREAT)) === (O_DIRECTORY | O_CREAT)) return -EINVAL;
  return 0;
}
