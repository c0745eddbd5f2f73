/**
 * The files shmat creates: clones of the segment's file, each with its own open mode, sharing the
 * segment's inode (its identity and i_mmap), whose vm_ops count the segment's attachments.
 * Linux: struct shm_file_data, shm_file_operations, shm_vm_ops, shm_mmap(), shm_open(),
 * shm_close(), shm_fault(), shm_get_unmapped_area() (ipc/shm.c).
 */
import { PAGE_SIZE, S_IFREG, bug } from "@mmsim/mm-types";
import type { AddressSpacePort, FileIdentity, IMmapEntry, MmapFile, MmapFileOps, VmaRef } from "@mmsim/mm-types";
import { RAMFS_MMAP_CAPABILITIES, SHM_DEV_MAJOR, SHM_DEV_MINOR } from "./shm-file.js";
import type { ShmFile } from "./shm-file.js";

/** What the attach file's hooks need of the namespace. Linux: __shm_open() and __shm_close() of sfd->ns. */
export interface ShmFileDataNs {
  /** The namespace's shm VMAs by address space, fed by the segments' i_mmap. */
  readonly shmVmas: ShmVmaIndex;
  /** Counts an attachment of `sfd` (0, or -EINVAL/-EIDRM when the id no longer names sfd.file). Linux: __shm_open(). */
  shmOpen(sfd: ShmFileData): number;
  /** Counts a detach and destroys the segment if it may go. Linux: __shm_close(). */
  shmClose(sfd: ShmFileData): void;
}

/**
 * What every attach file of a segment carries: the id, the namespace, the segment's file and its
 * inode as backends see it. Linux: struct shm_file_data (one per attach there; every attach's holds
 * the same id, ns and file, so one per segment here) plus the inode the clones share.
 */
export interface ShmFileData {
  /** The shm id the attachments are made through. */
  readonly id: number;
  readonly ns: ShmFileDataNs;
  /** The segment's file (sfd->file), which the id must still name. */
  readonly file: ShmFile;
  /**
   * The inode as /proc/<pid>/maps prints it: /SYSV<key> (deleted), dev 00:01, inode = shm id. One
   * object per segment: backends compare inodes by this object (NOMMU region sharing).
   */
  readonly identity: FileIdentity;
  /** The inode's i_mmap, shared by every attach file (backends key futexes by it). Linux: inode->i_mapping. */
  readonly mapping: ShmAddressSpace;
}

/**
 * The shm VMAs of a namespace by address space: what shmdt walks instead of the whole mm (every
 * other VMA is skipped there anyway). Fed by the segments' i_mmap, which backends keep current.
 */
export class ShmVmaIndex {
  private readonly byMm = new Map<number, Map<IMmapEntry, ShmFileData>>();

  add(entry: IMmapEntry, sfd: ShmFileData): void {
    let m = this.byMm.get(entry.mmId);
    if (m === undefined) this.byMm.set(entry.mmId, (m = new Map()));
    m.set(entry, sfd);
  }

  remove(entry: IMmapEntry): void {
    this.byMm.get(entry.mmId)?.delete(entry);
  }

  /** The shm VMAs of `mmId` with the segment each maps, in no particular order. */
  vmasOf(mmId: number): ReadonlyMap<IMmapEntry, ShmFileData> {
    return this.byMm.get(mmId) ?? new Map();
  }

  /** Every indexed VMA. */
  get size(): number {
    let n = 0;
    for (const m of this.byMm.values()) n += m.size;
    return n;
  }
}

/** The i_mmap of a segment's inode: the VMAs mapping it, linked by the backends. Linux: address_space.i_mmap. */
export class ShmAddressSpace implements AddressSpacePort {
  private readonly entries = new Set<IMmapEntry>();

  constructor(
    private readonly index: ShmVmaIndex,
    private readonly sfd: () => ShmFileData,
  ) {}

  vmaLink(entry: IMmapEntry): void {
    if (this.entries.has(entry)) bug(`i_mmap: VMA [${entry.vmStart.toString(16)}, ${entry.vmEnd.toString(16)}) linked twice`);
    this.entries.add(entry);
    this.index.add(entry, this.sfd());
  }

  vmaUnlink(entry: IMmapEntry): void {
    if (!this.entries.delete(entry)) bug(`i_mmap: VMA [${entry.vmStart.toString(16)}, ${entry.vmEnd.toString(16)}) is not linked`);
    this.index.remove(entry);
  }

  *vmasIntersecting(first: number, last: number): Iterable<IMmapEntry> {
    for (const e of this.entries) {
      const pages = (e.vmEnd - e.vmStart) / PAGE_SIZE;
      if (e.vmPgoff <= last && e.vmPgoff + pages - 1 >= first) yield e;
    }
  }

  /** VMAs linked now. */
  get size(): number {
    return this.entries.size;
  }
}

/** The segments of every namespace, found by the inode identity backends hand back in VmaView.file. Linux: vma->vm_ops == &shm_vm_ops. */
const shmInodes = new WeakMap<FileIdentity, ShmFileData>();

/** The attach-file data of a new segment `id` backed by `file`; registers its inode. */
export function newShmFileData(ns: ShmFileDataNs, id: number, file: ShmFile): ShmFileData {
  const identity: FileIdentity = { path: `/${file.path} (deleted)`, devMajor: SHM_DEV_MAJOR, devMinor: SHM_DEV_MINOR, ino: id };
  const sfd: ShmFileData = { id, ns, file, identity, mapping: new ShmAddressSpace(ns.shmVmas, () => sfd) };
  shmInodes.set(identity, sfd);
  return sfd;
}

/**
 * The segment data of a VMA's file when the VMA is a SysV shm attachment, else undefined.
 * Precondition: the backend's VmaView.file is the MmapFile's identity object itself.
 * Linux: vma->vm_ops == &shm_vm_ops, then shm_file_data(vma->vm_file).
 */
export function shmFileDataOf(file: FileIdentity | null): ShmFileData | undefined {
  return file === null ? undefined : shmInodes.get(file);
}

/**
 * The attach file's vm_ops and file_operations: mmap counts the attachment then lets the
 * filesystem agree; open (fork, split, mremap) counts another; close counts a detach; fault goes to
 * the segment's file. Linux: shm_vm_ops + shm_file_operations.
 */
class ShmVmOps implements MmapFileOps {
  constructor(protected readonly sfd: ShmFileData) {}

  mmap(vma: VmaRef): number {
    return shmMmap(this.sfd, vma);
  }

  open(): void {
    this.sfd.ns.shmOpen(this.sfd);
  }

  close(): void {
    this.sfd.ns.shmClose(this.sfd);
  }

  fault(pgoff: number): number {
    return this.sfd.file.fault(pgoff);
  }
}

/** NOMMU, today: the segment's file places a direct mapping, but no capability says it may. Linux: shm_get_unmapped_area(). */
class ShmNommuVmOps extends ShmVmOps {
  getUnmappedArea(addr: number, len: number, pgoff: number, flags: number): number {
    return this.sfd.file.getUnmappedArea!(addr, len, pgoff, flags);
  }
}

/** NOMMU as the seeds have it: ramfs's capabilities too (then taken from the mapping's backing device). */
class ShmNommuCapsVmOps extends ShmNommuVmOps {
  mmapCapabilities(): number {
    return RAMFS_MMAP_CAPABILITIES;
  }
}

/** The file one shmat maps. Linux: the struct file alloc_file_clone() makes in do_shmat(). */
class ShmAttachFile implements MmapFile {
  readonly inodeType = S_IFREG;
  readonly readable = true;
  readonly appendOnly = false;
  readonly noexec = false;

  constructor(
    readonly identity: FileIdentity,
    readonly mapping: AddressSpacePort,
    readonly writable: boolean,
    readonly ops: MmapFileOps,
    private readonly base: ShmFile,
  ) {}

  size(): number {
    return this.base.iSize;
  }

  read(offset: number, dst: Uint8Array): number {
    return this.base.read(offset, dst);
  }
}

/**
 * Builds the file one shmat maps: readable, writable unless SHM_RDONLY, on the segment's inode
 * (identity and i_mmap), with the shm vm_ops. A segment file that places its own mappings (ramfs
 * on NOMMU) gets getUnmappedArea; `nommuCaps` adds ramfs's NOMMU capabilities (the seeds' kernels,
 * whose capabilities came from the mapping's backing device); without it there are none, as
 * shm_file_operations has none since v4.0.
 * Linux: do_shmat()'s alloc_file_clone() + struct shm_file_data.
 */
export function shmAttachFile(sfd: ShmFileData, writable: boolean, nommuCaps: boolean): MmapFile {
  const base = sfd.file;
  let ops: MmapFileOps;
  if (base.getUnmappedArea === undefined) ops = new ShmVmOps(sfd);
  else ops = nommuCaps ? new ShmNommuCapsVmOps(sfd) : new ShmNommuVmOps(sfd);
  return new ShmAttachFile(sfd.identity, sfd.mapping, writable, ops, base);
}

/**
 * The attach file's mmap: count the attachment (this also refuses an id that was removed and
 * reused), then the filesystem's own mmap; if that refuses, undo the count. Linux: shm_mmap().
 */
function shmMmap(sfd: ShmFileData, vma: VmaRef): number {
  const err = sfd.ns.shmOpen(sfd);
  if (err < 0) return err;
  const ret = sfd.file.mmap(vma);
  if (ret < 0) sfd.ns.shmClose(sfd);
  return ret;
}
