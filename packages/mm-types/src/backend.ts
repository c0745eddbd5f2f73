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
  /** Called when a VMA is set up on the file; -ENOSYS means "make a copy instead". */
  mmap?(vma: { readonly vmStart: number; readonly vmEnd: number; readonly vmFlags: number; readonly vmPgoff: number }): number;
  /** Called when the last mapping of the file goes away (vm_operations.close of the last VMA). */
  release?(): void;
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
   * Reads user memory into `dst`, faulting pages in as the backend does. Returns 0 or the first fault
   * (never throws). Linux: copy_from_user() with handle_mm_fault().
   */
  readUser(mmId: number, addr: number, dst: Uint8Array): AccessFault | 0;
  /** Writes `src` to user memory (copy-on-write, demand paging). Linux: copy_to_user(). */
  writeUser(mmId: number, addr: number, src: Uint8Array): AccessFault | 0;
  /** Read-only view of an address space for procfs. */
  view(mmId: number): MmViewPort;
  /** The global region view (NOMMU); an MMU backend returns an empty one. */
  regions(): RegionsViewPort;
  /** What futex needs of the backend. */
  readonly futex: FutexTargetPort;
  /** Physical memory behind the backend (for tests and device drivers). */
  readonly physMem: PhysMemPort;
  /** Checks every invariant of every address space; throws on the first broken one. Linux: validate_mm(). */
  assertValid(): void;
}
