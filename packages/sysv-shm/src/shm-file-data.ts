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
  /**
   * The attach files' vm_ops without and with ramfs's NOMMU capabilities (the same object on MMU),
   * made once: they keep no state of an attachment's own. Linux: shm_vm_ops + shm_file_operations.
   */
  readonly vmOps: readonly [plain: MmapFileOps, nommuCaps: MmapFileOps];
}

/** One shm VMA as the namespace indexes it: the i_mmap entry the backend linked, and the segment it maps. */
export interface ShmVma {
  readonly entry: IMmapEntry;
  readonly sfd: ShmFileData;
}

/**
 * A linked shm VMA with its place in the two lists it is on: its segment's i_mmap and its address
 * space's shm VMAs. Both are arrays with swap-remove, so unlinking moves at most one other entry.
 */
class ShmVmaLink implements ShmVma {
  /** Index in the segment's i_mmap list; -1 once unlinked. */
  iPos: number;
  /** Index in `mmList`; -1 once unlinked. */
  mmPos = -1;
  /** The address space's list this VMA is on (null until indexed). */
  mmList: ShmVmaLink[] | null = null;
  /** The address space the VMA was linked in (entry.mmId then). */
  readonly mmId: number;

  constructor(
    readonly entry: IMmapEntry,
    readonly sfd: ShmFileData,
    iPos: number,
  ) {
    this.iPos = iPos;
    this.mmId = entry.mmId;
  }
}

/** Removes `list[pos]` by moving the last element there; returns the element moved, or null when none was. */
function swapRemove(list: ShmVmaLink[], pos: number): ShmVmaLink | null {
  const last = list.pop()!;
  if (pos === list.length) return null;
  list[pos] = last;
  return last;
}

/** No VMAs: what vmasOf gives an address space that never attached a segment. */
const NO_SHM_VMAS: readonly ShmVma[] = Object.freeze([]);

/**
 * The shm VMAs of a namespace by address space: what shmdt walks instead of the whole mm (every
 * other VMA is skipped there anyway). Fed by the segments' i_mmap, which backends keep current.
 * Each address space's VMAs are an array; a VMA knows its index there, so removal is O(1) however
 * many segments the address space has attached.
 */
export class ShmVmaIndex {
  private readonly byMm = new Map<number, ShmVmaLink[]>();
  /** The list last looked up, and its mm: a process attaching and detaching in a row skips the Map. */
  private lastMmId = -1;
  private lastList: ShmVmaLink[] | null = null;

  private listOf(mmId: number): ShmVmaLink[] {
    if (mmId === this.lastMmId && this.lastList !== null) return this.lastList;
    let list = this.byMm.get(mmId);
    if (list === undefined) this.byMm.set(mmId, (list = []));
    this.lastMmId = mmId;
    this.lastList = list;
    return list;
  }

  /** Indexes a VMA its segment's i_mmap has just linked. */
  add(link: ShmVmaLink): void {
    const list = this.listOf(link.mmId);
    link.mmList = list;
    link.mmPos = list.length;
    list.push(link);
  }

  /** Drops a VMA its segment's i_mmap has just unlinked. */
  remove(link: ShmVmaLink): void {
    const list = link.mmList ?? bug(`shm VMA index: VMA [${link.entry.vmStart.toString(16)}, ${link.entry.vmEnd.toString(16)}) is not indexed`);
    const moved = swapRemove(list, link.mmPos);
    if (moved !== null) moved.mmPos = link.mmPos;
    link.mmPos = -1;
    link.mmList = null;
  }

  /**
   * The shm VMAs of `mmId` with the segment each maps, in no particular order. The array is the
   * index's own: read it before mapping or unmapping anything, which changes it.
   */
  vmasOf(mmId: number): readonly ShmVma[] {
    if (mmId === this.lastMmId && this.lastList !== null) return this.lastList;
    return this.byMm.get(mmId) ?? NO_SHM_VMAS;
  }

  /** Every indexed VMA. */
  get size(): number {
    let n = 0;
    for (const list of this.byMm.values()) n += list.length;
    return n;
  }

  /** Checks that every indexed VMA sits at its recorded place in its own address space's list, linked in its segment's i_mmap. */
  assertValid(): void {
    for (const [mmId, list] of this.byMm) {
      for (let i = 0; i < list.length; i++) {
        const l = list[i]!;
        const where = `shm VMA index, mm ${mmId}: VMA [${l.entry.vmStart.toString(16)}, ${l.entry.vmEnd.toString(16)})`;
        if (l.mmPos !== i || l.mmList !== list) bug(`${where} recorded at ${l.mmPos}, found at ${i}`);
        if (l.mmId !== mmId || l.entry.mmId !== mmId) bug(`${where} belongs to mm ${l.entry.mmId}`);
        if (l.iPos < 0) bug(`${where} is not linked in its segment's i_mmap`);
      }
    }
  }
}

/** Above this many VMAs an i_mmap finds entries through a Map rather than by scanning its list. */
const IMMAP_SCAN_MAX = 16;
/** At or below this many VMAs an i_mmap that had a Map drops it (the gap keeps it from flapping). */
const IMMAP_SCAN_AGAIN = 4;

/**
 * The i_mmap of a segment's inode: the VMAs mapping it, linked by the backends. A segment is mapped
 * a few times, so its VMAs are a list scanned for the entry to unlink; past IMMAP_SCAN_MAX VMAs a
 * Map finds them instead. Linux: address_space.i_mmap.
 */
export class ShmAddressSpace implements AddressSpacePort {
  private readonly links: ShmVmaLink[] = [];
  /** Each linked entry's link, kept only while the list is long. */
  private byEntry: Map<IMmapEntry, ShmVmaLink> | null = null;

  constructor(
    private readonly index: ShmVmaIndex,
    private readonly sfd: () => ShmFileData,
  ) {}

  /** The link of `entry`, or undefined when it is not linked here. */
  private find(entry: IMmapEntry): ShmVmaLink | undefined {
    if (this.byEntry !== null) return this.byEntry.get(entry);
    const links = this.links;
    for (let i = links.length - 1; i >= 0; i--) if (links[i]!.entry === entry) return links[i];
    return undefined;
  }

  vmaLink(entry: IMmapEntry): void {
    if (this.find(entry) !== undefined) bug(`i_mmap: VMA [${entry.vmStart.toString(16)}, ${entry.vmEnd.toString(16)}) linked twice`);
    const link = new ShmVmaLink(entry, this.sfd(), this.links.length);
    this.links.push(link);
    if (this.byEntry !== null) this.byEntry.set(entry, link);
    else if (this.links.length > IMMAP_SCAN_MAX) this.byEntry = new Map(this.links.map((l) => [l.entry, l]));
    this.index.add(link);
  }

  vmaUnlink(entry: IMmapEntry): void {
    const link = this.find(entry) ?? bug(`i_mmap: VMA [${entry.vmStart.toString(16)}, ${entry.vmEnd.toString(16)}) is not linked`);
    const moved = swapRemove(this.links, link.iPos);
    if (moved !== null) moved.iPos = link.iPos;
    link.iPos = -1;
    if (this.byEntry !== null) {
      this.byEntry.delete(entry);
      if (this.links.length <= IMMAP_SCAN_AGAIN) this.byEntry = null;
    }
    this.index.remove(link);
  }

  /**
   * The linked VMAs whose pgoff range meets [first, last]. A VMA unlinked while the walk is under
   * way is skipped if not yet reached; one linked meanwhile is not seen. Linux: vma_interval_tree_foreach().
   */
  *vmasIntersecting(first: number, last: number): Iterable<IMmapEntry> {
    for (const l of this.links.slice()) {
      if (l.iPos < 0) continue;
      const e = l.entry;
      const pages = (e.vmEnd - e.vmStart) / PAGE_SIZE;
      if (e.vmPgoff <= last && e.vmPgoff + pages - 1 >= first) yield e;
    }
  }

  /** VMAs linked now. */
  get size(): number {
    return this.links.length;
  }

  /** Checks each VMA's recorded place, its segment, its entry in the Map when there is one, and that it is indexed. */
  assertValid(): void {
    const sfd = this.sfd();
    const links = this.links;
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!;
      const where = `i_mmap of shm ${sfd.id}: VMA [${l.entry.vmStart.toString(16)}, ${l.entry.vmEnd.toString(16)})`;
      if (l.iPos !== i) bug(`${where} recorded at ${l.iPos}, found at ${i}`);
      if (l.sfd !== sfd) bug(`${where} names shm ${l.sfd.id}`);
      if (l.mmList === null || l.mmList[l.mmPos] !== l) bug(`${where} is not in the shm VMA index`);
      if (this.byEntry !== null && this.byEntry.get(l.entry) !== l) bug(`${where} is missing from the entry map`);
      if (this.find(l.entry) !== l) bug(`${where} linked more than once`);
    }
    if (this.byEntry !== null && this.byEntry.size !== links.length) bug(`i_mmap of shm ${sfd.id}: ${this.byEntry.size} entries mapped, ${links.length} linked`);
  }
}

/** The segments of every namespace, found by the inode identity backends hand back in VmaView.file. Linux: vma->vm_ops == &shm_vm_ops. */
const shmInodes = new WeakMap<FileIdentity, ShmFileData>();

/** The attach-file data of a new segment `id` backed by `file`; registers its inode. */
export function newShmFileData(ns: ShmFileDataNs, id: number, file: ShmFile): ShmFileData {
  const identity: FileIdentity = { path: `/${file.path} (deleted)`, devMajor: SHM_DEV_MAJOR, devMinor: SHM_DEV_MINOR, ino: id };
  const vmOps: MmapFileOps[] = [];
  const sfd: ShmFileData = { id, ns, file, identity, mapping: new ShmAddressSpace(ns.shmVmas, () => sfd), vmOps: vmOps as [MmapFileOps, MmapFileOps] };
  if (file.getUnmappedArea === undefined) {
    const ops = new ShmVmOps(sfd);
    vmOps.push(ops, ops);
  } else {
    vmOps.push(new ShmNommuVmOps(sfd), new ShmNommuCapsVmOps(sfd));
  }
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
  return new ShmAttachFile(sfd.identity, sfd.mapping, writable, sfd.vmOps[nommuCaps ? 1 : 0], sfd.file);
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
