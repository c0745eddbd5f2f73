/**
 * The contract between the syscall layer (`@mmsim/kernel`) and an mm backend (`@mmsim/mmu`,
 * `@mmsim/nommu`). Both backends implement `MmBackend`; the kernel never asks which one it has.
 *
 * Every operation returns a non-negative result or `-errno`, exactly as the kernel's syscall
 * returns it; a broken invariant throws. Addresses and lengths are plain numbers (exact below 2^53,
 * which covers the 47-bit user address space).
 */
import type { FileIdentity, MmViewPort, RegionsViewPort, FutexTargetPort, PhysMemPort } from "./ports.js";

/** An open file as the mm sees it: struct file with its f_mode, f_op and inode, reduced to what mapping needs. */
export interface MmapFile {
  /** What /proc/<pid>/maps prints for it. */
  readonly identity: FileIdentity;
  /** Inode type bits (S_IFREG, S_IFCHR, S_IFBLK, ...). */
  readonly inodeType: number;
  /** Opened for reading / writing (FMODE_READ, FMODE_WRITE). */
  readonly readable: boolean;
  readonly writable: boolean;
  /** Inode is append-only (IS_APPEND). */
  readonly appendOnly: boolean;
  /** Mounted noexec (path_noexec). */
  readonly noexec: boolean;
  /** Current size in bytes (i_size). */
  size(): number;
  /** Copies file bytes from `offset` into `dst`; returns bytes read (short at EOF) or -errno. */
  read(offset: number, dst: Uint8Array): number;
  /** The driver's mapping hooks; absent hooks behave as Linux's absent f_op members. */
  readonly ops: MmapFileOps;
  /**
   * Whether page `pgoff` of the file is in its page cache (mincore of a page no pte maps); absent
   * when the file can't tell, which counts as not cached. Linux: filemap_get_incore_folio() in mincore_page().
   */
  isPageCached?(pgoff: number): boolean;
  /**
   * The inode's i_mmap: every VMA mapping the file, by pgoff range. Backends link each VMA of the
   * file when it is created and unlink it when it goes, and unlink/relink around any change of its
   * start, end or pgoff. Absent for files nobody needs to find mappings of. Linux: inode->i_mapping.
   */
  readonly mapping?: AddressSpacePort;
}

/** What mincore() found: a byte per page walked, then the walk's end (0 or -ENOMEM). */
export interface MincoreResult {
  readonly vec: Uint8Array;
  readonly error: number;
}

/**
 * A VMA's entry in its file's i_mmap. The backend owns the object and keeps the fields current
 * (they change only while the entry is unlinked). Linux: the vm_area_struct in the i_mmap tree.
 */
export interface IMmapEntry extends VmaRef {
  /** The address space the VMA belongs to. */
  readonly mmId: number;
  /**
   * Drops the page-table entries (and page references) for file pages [pgoffFirst, pgoffLast] of
   * this VMA, leaving the VMA. Linux: unmap_mapping_range_vma() → zap_page_range_single().
   */
  zapPages(pgoffFirst: number, pgoffLast: number): void;
}

/**
 * The i_mmap of an inode: an interval tree of the VMAs mapping it, keyed by the pgoff range each
 * covers. Linux: struct address_space's i_mmap (vma_interval_tree_*); the seed's "prio tree".
 */
export interface AddressSpacePort {
  /** Linux: vma_interval_tree_insert(). */
  vmaLink(entry: IMmapEntry): void;
  /** Linux: vma_interval_tree_remove(). */
  vmaUnlink(entry: IMmapEntry): void;
  /** Entries whose pgoff range meets [first, last] (inclusive). Linux: vma_interval_tree_foreach(). */
  vmasIntersecting(first: number, last: number): Iterable<IMmapEntry>;
}

/**
 * A file's or driver's mmap hooks. Linux: file_operations.mmap, .get_unmapped_area, .mmap_capabilities.
 * Absent `mmap` means the file cannot be mapped at all (-ENODEV).
 */
export interface MmapFileOps {
  /** NOMMU_MAP_* capabilities; absent → defaults by inode type. */
  mmapCapabilities?(): number;
  /**
   * Where a direct mapping of (pgoff, len) lives. Returns an address, or -ENOSYS to ask for a copy
   * instead (when copying is allowed), or another -errno.
   */
  getUnmappedArea?(addr: number, len: number, pgoff: number, flags: number): number;
  /**
   * Called when a VMA is set up on the file: 0, -errno, -ENOSYS for "make a copy instead" (NOMMU), or
   * MMAP_AS_ANONYMOUS for "map me as anonymous memory" (/dev/zero).
   */
  mmap?(vma: VmaRef): number;
  /** Called when the last mapping of the file goes away (vm_operations.close of the last VMA). */
  release?(): void;
  /**
   * Called for every new VMA that copies an existing one: the second half of a split, the child's
   * copy at fork, the new VMA of an mremap move. Not called for the VMA `mmap` set up.
   * Linux: vm_operations_struct.open (shm_open() counts nattch with it).
   */
  open?(vma: VmaRef): void;
  /**
   * Called for every VMA removed: munmap, exit, exec, the old VMA of a move, the VMA that a merge
   * absorbs is not closed (merges only happen where open/close would cancel out).
   * Linux: vm_operations_struct.close (shm_close()).
   */
  close?(vma: VmaRef): void;
  /**
   * The page-cache page at `pgoff`, with a reference taken for the caller (who drops it with
   * putPage). Returns a pfn, or a negative number when there is no page there (beyond EOF: the
   * backend raises SIGBUS). Absent: the backend fills a private page with `read()`, and a shared
   * mapping of such a file cannot be faulted (SIGBUS). Linux: vm_operations_struct.fault → filemap_fault().
   */
  fault?(pgoff: number): number;
}

/**
 * What a file's `mmap` hook returns to ask for anonymous memory instead of its pages: a shared
 * mapping becomes a new shmem object ("/dev/zero (deleted)"), a private one an anonymous VMA that
 * still names the file in /proc/<pid>/maps. A backend that can't do that (NOMMU) takes it as -ENOSYS
 * and copies the file. Linux: mmap_zero() → shmem_zero_setup() / vma_set_anonymous(); -ENOSYS
 * without CONFIG_MMU.
 */
export const MMAP_AS_ANONYMOUS = 1;

/** The fields of a VMA the file's hooks are told about. Linux: the struct vm_area_struct passed to f_op/vm_ops. */
export interface VmaRef {
  readonly vmStart: number;
  readonly vmEnd: number;
  readonly vmFlags: number;
  readonly vmPgoff: number;
}

/** The arguments of do_mmap() after the syscall layer resolved the fd. */
export interface MmapRequest {
  readonly addr: number;
  readonly len: number;
  readonly prot: number;
  readonly flags: number;
  /** Offset in pages. */
  readonly pgoff: number;
  /** null for MAP_ANONYMOUS. */
  readonly file: MmapFile | null;
}

/** The initial layout of a process after execve (or from a /proc/<pid>/maps snapshot). */
export interface ExecLayout {
  /** Areas to create, in any order; each is mapped MAP_FIXED. */
  readonly areas: readonly ExecArea[];
  /** Start of the heap (mm->start_brk); brk starts there. */
  readonly startBrk: number;
  /** Current brk when it differs from startBrk (a snapshot with a grown [heap]). */
  readonly brk?: number;
  /**
   * NOMMU: the end of the heap preallocated with the program image; brk never grows past it.
   * Linux: mm->context.end_brk (binfmt_flat). The MMU backend ignores it.
   */
  readonly endBrk?: number;
  /** mm->mmap_base: where top-down address search starts. */
  readonly mmapBase: number;
}

/** One area of an exec layout. */
export interface ExecArea {
  readonly start: number;
  readonly end: number;
  readonly prot: number;
  /** MAP_PRIVATE or MAP_SHARED, plus MAP_GROWSDOWN for the stack. */
  readonly flags: number;
  readonly pgoff: number;
  readonly file: MmapFile | null;
  /** "[heap]", "[stack]", "[vdso]", "[vvar]", "[vsyscall]" or null. */
  readonly name: string | null;
}

/** The outcome of a user access: 0, or a fault the kernel turns into a signal. */
export interface AccessFault {
  /** SIGSEGV or SIGBUS. */
  readonly signal: number;
  /** SEGV_MAPERR or SEGV_ACCERR. */
  readonly code: number;
  /** The faulting address. */
  readonly addr: number;
}

/**
 * An mm backend: one implementation of mm/mmap.c (MMU) or mm/nommu.c (NOMMU) over the shared page
 * allocator. `mmId` names an address space (struct mm_struct) that the backend created.
 */
export interface MmBackend {
  /** "mmu" or "nommu", for reports only; the kernel never branches on it. */
  readonly name: string;
  /** Creates an empty address space and returns its id. Linux: mm_alloc(). */
  mmNew(): number;
  /** Duplicates an address space for fork. Returns the new id or -errno (NOMMU: fork is not supported). Linux: dup_mm(). */
  mmDup(mmId: number): number;
  /** Tears down an address space: unmaps everything and frees its pages. Linux: exit_mmap() + mmput(). */
  mmRelease(mmId: number): void;
  /** Installs an exec layout into an empty address space; returns 0 or -errno. */
  mmExec(mmId: number, layout: ExecLayout): number;
  /** Linux: do_mmap(). Returns the address or -errno. */
  mmap(mmId: number, req: MmapRequest): number;
  /** Linux: do_munmap() / __vm_munmap(). */
  munmap(mmId: number, addr: number, len: number): number;
  /** Linux: do_mprotect_pkey(). */
  mprotect(mmId: number, addr: number, len: number, prot: number): number;
  /** Linux: do_mremap(). Returns the new address or -errno. */
  mremap(mmId: number, oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number;
  /** Linux: sys_brk(). Returns the new (or unchanged) break, never -errno. */
  brk(mmId: number, brk: number): number;
  /** Linux: do_madvise(). */
  madvise(mmId: number, addr: number, len: number, advice: number): number;
  /** Linux: sys_msync(). */
  msync(mmId: number, addr: number, len: number, flags: number): number;
  /** Linux: sys_mlock()/sys_munlock(); `lock` false is munlock. */
  mlock(mmId: number, addr: number, len: number, lock: boolean): number;
  /**
   * mincore(2) without the copy to user memory: the residency byte (0 or 1) of each page of
   * [start, start + len) up to the first hole, and the error that ended the walk (0, or -ENOMEM at a
   * hole); or -errno for arguments refused before any walk. The syscall layer copies `vec` out.
   * Linux: sys_mincore() and do_mincore() (mm/mincore.c, built only with an MMU).
   */
  mincore(mmId: number, start: number, len: number): MincoreResult | number;
  /**
   * Names the anonymous memory of [start, start + len): `[anon:NAME]` in maps, `[anon_shmem:NAME]`
   * for shared anonymous memory; a null name removes it. `readName` copies and checks the name from
   * the caller (the string, null, or -errno); a backend that can name VMAs calls it first, one that
   * can't answers -EINVAL without calling it. Returns 0 or -errno. Linux: prctl_set_vma() with
   * madvise_set_anon_name() under CONFIG_ANON_VMA_NAME (which needs an MMU).
   */
  setAnonName(mmId: number, start: number, len: number, readName: () => string | null | number): number;
  /**
   * Where the resource limits of the task making each call come from (RLIMIT_* → bytes, soft or hard
   * with `max`; RLIM_INFINITY as 2^64): a syscall layer binds them once. A backend that applies no
   * limit may leave this out. Linux: rlimit() and rlimit_max() reading current->signal->rlim.
   */
  bindRlimits?(source: (resource: number, max: boolean) => number): void;
  /**
   * Reads user memory into `dst`, faulting pages in as the backend does. Returns 0 or the first fault
   * (never throws). Linux: copy_from_user() with handle_mm_fault().
   */
  readUser(mmId: number, addr: number, dst: Uint8Array): AccessFault | 0;
  /**
   * Another task's access to this address space, as a debugger or /proc/<pid>/mem makes it: reads
   * into `buf` (or writes it, `write`) page by page with FOLL_FORCE (a private read-only page is
   * copied to be written; a stack grows), stopping at the first page that can't be reached.
   * Returns the bytes moved. Linux: access_remote_vm() (mm/memory.c; mm/nommu.c: within one VMA).
   */
  accessRemoteVm(mmId: number, addr: number, buf: Uint8Array, write: boolean): number;
  /** Writes `src` to user memory (copy-on-write, demand paging). Linux: copy_to_user(). */
  writeUser(mmId: number, addr: number, src: Uint8Array): AccessFault | 0;
  /** Read-only view of an address space for procfs. */
  view(mmId: number): MmViewPort;
  /**
   * The text of /proc/<pid>/maps for this address space, in this backend's format.
   * Linux: proc_pid_maps_op of fs/proc/task_mmu.c (MMU) or fs/proc/task_nommu.c (NOMMU).
   */
  showMaps(mmId: number): string;
  /** The text of /proc/<pid>/smaps. Linux: show_smap() (task_mmu.c); NOMMU has no smaps: return null. */
  showSmaps(mmId: number): string | null;
  /**
   * The text of the global /proc/maps (NOMMU: every vm_region, fs/proc/nommu.c), or null where the
   * file doesn't exist (MMU).
   */
  showGlobalMaps(): string | null;
  /**
   * The /proc/meminfo values this backend accounts, in pages, by meminfo label ("AnonPages",
   * "Mapped", "Shmem", "Committed_AS", "MmapCopy", ...). A backend reports "MmapCopy" only if it is a
   * NOMMU kernel, where the line exists; the kernel prints the line exactly when the key is present.
   */
  meminfoPages(): Readonly<Record<string, number>>;
  /** The global region view (NOMMU); an MMU backend returns an empty one. */
  regions(): RegionsViewPort;
  /** What futex needs of the backend. */
  readonly futex: FutexTargetPort;
  /** Physical memory behind the backend (for tests and device drivers). */
  readonly physMem: PhysMemPort;
  /** Checks every invariant of every address space; throws on the first broken one. Linux: validate_mm(). */
  assertValid(): void;
  /**
   * What /proc/<pid>/status and /proc/<pid>/statm say of an address space, formatted by this
   * backend: `status` is task_mem()'s lines, each ending in "\n" (MMU: VmPeak … HugetlbPages in kB;
   * NOMMU: Mem, Slack, Shared in bytes), `statm` the whole statm line ("size resident shared text
   * lib data dt\n", in pages), `thpEnabled` the THP_enabled value. A backend that leaves it out
   * (a test fake) is printed as a task without an mm. Linux: task_mem() and task_statm() of
   * fs/proc/task_mmu.c / fs/proc/task_nommu.c, task_thp_status() in fs/proc/array.c.
   */
  taskMem?(mmId: number): { readonly status: string; readonly statm: string; readonly thpEnabled: boolean };
}
