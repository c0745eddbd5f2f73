/**
 * The syscall layer: tasks and their lifecycles (clone, fork, vfork, execve, exit), the fd table and
 * VFS, and the memory syscalls handed to whichever mm backend the kernel was assembled with. The
 * kernel never asks which backend it has. Linux: kernel/fork.c, kernel/exit.c, fs/exec.c, fs/open.c,
 * mm/mmap.c's syscall entry points.
 */
import {
  AT_FDCWD,
  CLONE_CHILD_CLEARTID,
  CLONE_FILES,
  CLONE_FS,
  CLONE_NEWNS,
  CLONE_NEWUSER,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_VFORK,
  CLONE_VM,
  EAGAIN,
  EBADF,
  EFAULT,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOTDIR,
  EPERM,
  ESRCH,
  MAP_ANONYMOUS,
  ANON_VMA_NAME_MAX_LEN,
  PAGE_SIZE,
  PR_SET_VMA,
  PR_SET_VMA_ANON_NAME,
  S_IFDIR,
  S_IFREG,
  SIGCHLD,
  TASK_SIZE,
  bug,
} from "@mmsim/mm-types";
import type { AccessFault, AddressSpacePort, ExecLayout, MmBackend, PageAllocatorPort, PhysMemPort, ZonesViewPort } from "@mmsim/mm-types";
import { SimClock } from "./clock.js";
import { FdTable } from "./fd-table.js";
import { Task } from "./task.js";
import type { BlockReason, MmRef, TaskCred } from "./task.js";
import { blockdevFileDriver, devZeroDriver, directoryDriver } from "./vfs/drivers.js";
import type { OpenFile } from "./vfs/file.js";
import type { InodeSpec } from "./vfs/vfs.js";
import { Vfs, checkOpenFlags, normalizePath } from "./vfs/vfs.js";
import { defaultExecLoader } from "./exec-loader.js";
import type { ExecLoader } from "./exec-loader.js";
import { dispatchSyscall } from "./dispatch.js";
import type { SyscallArg, SyscallHandler } from "./dispatch.js";
import { procRead } from "./proc.js";
import { initRlimits, sysGetrlimit, sysPrlimit64, sysSetrlimit } from "./rlimit.js";
import { procMemProvider } from "./proc-mem.js";
import type { RlimitHost } from "./rlimit.js";
import type { ProcProvider } from "./proc.js";

/** Returned by a syscall whose task now sleeps; its result arrives through `onWake`. */
export const BLOCKED: unique symbol = Symbol("blocked");
/** A syscall's outcome: a return value (≥ 0 or -errno), or BLOCKED. */
export type SyscallResult = number | typeof BLOCKED;

/** Options of a kernel. */
export interface KernelOptions {
  /** The mm backend (MMU or NOMMU). */
  readonly backend: MmBackend;
  /** The page allocator behind the backend, for the page cache and /proc/meminfo. */
  readonly pages: PageAllocatorPort & ZonesViewPort;
  readonly physMem: PhysMemPort;
  /** Makes an inode's i_mmap. */
  readonly addressSpace: () => AddressSpacePort;
  /** What execve maps for a path (default: a minimal static-binary layout). */
  readonly execLoader?: ExecLoader;
  /** Files to create when an open finds nothing (the replay's "a file the trace names"). */
  readonly onMissingFile?: (path: string, flags: number) => InodeSpec | null;
}

/** Arguments of clone beyond the flags. Linux: struct kernel_clone_args. */
export interface CloneArgs {
  /** The child's tid (a trace's pid); default the next free one. */
  readonly childTid?: number;
  /** CLONE_CHILD_CLEARTID address. */
  readonly childTidAddr?: number;
}


/** The most one read or write moves. Linux: MAX_RW_COUNT (INT_MAX & PAGE_MASK). */
const MAX_RW_COUNT = 0x7ffff000;
/** Bytes moved between the file and user memory per step of a read or write. */
const RW_CHUNK = 64 * 1024;

/** An unsigned long syscall argument given as a negative number: -4096 is 2^64 - 4096. */
function toUlong(x: number): number {
  return x < 0 ? x + 2 ** 64 : x;
}

/** The largest lseek whence. Linux: SEEK_MAX (SEEK_HOLE). */
const SEEK_MAX = 4;

/** The user range [buf, buf + count) lies below TASK_SIZE. Linux: access_ok(). */
function accessOk(buf: number, count: number): boolean {
  if (!Number.isInteger(buf) || !Number.isInteger(count)) return false;
  const b = toUlong(buf);
  const n = toUlong(count);
  return n <= TASK_SIZE && b <= TASK_SIZE - n;
}

/** The syscall layer over one mm backend. */
export class Kernel {
  readonly backend: MmBackend;
  readonly pages: PageAllocatorPort & ZonesViewPort;
  readonly physMem: PhysMemPort;
  readonly vfs: Vfs;
  readonly clock = new SimClock();
  private readonly taskMap = new Map<number, Task>();
  private readonly mmRefs = new Map<number, MmRef>();
  private nextPid = 1;
  private readonly execLoader: ExecLoader;
  /** The task in a syscall right now (what Linux calls current). */
  private current_: Task | null = null;
  /** Called when a blocked task is woken, with the value its syscall returns. */
  onWake: ((task: Task, result: number) => void) | null = null;

  constructor(opts: KernelOptions) {
    this.backend = opts.backend;
    this.pages = opts.pages;
    this.physMem = opts.physMem;
    this.execLoader = opts.execLoader ?? defaultExecLoader;
    this.vfs = new Vfs({
      pages: opts.pages,
      physMem: opts.physMem,
      addressSpace: opts.addressSpace,
      defaultDriver: blockdevFileDriver,
      ...(opts.onMissingFile !== undefined ? { onMissing: opts.onMissingFile } : {}),
    });
    this.vfs.mknod("/", { mode: S_IFDIR | 0o755, driver: directoryDriver, ino: 2 });
    this.vfs.mknod("/dev/zero", { mode: 0o020000 | 0o666, driver: devZeroDriver, devMajor: 0, devMinor: 5, ino: 4 });
    // the backend applies the limits of the task in the syscall, as Linux's rlimit() reads current's
    this.vfs.addProvider(procMemProvider(this));
    const init = initRlimits(this.pages.nrPages);
    this.backend.bindRlimits?.((r, max) => (this.current_?.rlim ?? init).get(r, max));
  }

  // ---- tasks -----------------------------------------------------------------------------

  /** The task with this tid, or null. */
  task(tid: number): Task | null {
    return this.taskMap.get(tid) ?? null;
  }

  /** Live and zombie tasks in tid order. */
  tasks(): Task[] {
    return [...this.taskMap.values()].sort((a, b) => a.tid - b.tid);
  }

  /** The ids of the address spaces live tasks use. */
  liveMmIds(): IterableIterator<number> {
    return this.mmRefs.keys();
  }

  /** The task in a syscall now. */
  get current(): Task | null {
    return this.current_;
  }

  private allocPid(wanted?: number): number {
    if (wanted !== undefined) {
      if (!Number.isInteger(wanted) || wanted <= 0) return -EINVAL;
      if (this.taskMap.get(wanted)?.alive === true) return -EAGAIN;
      this.nextPid = Math.max(this.nextPid, wanted + 1);
      return wanted;
    }
    while (this.taskMap.get(this.nextPid)?.alive === true) this.nextPid++;
    return this.nextPid++;
  }

  private newMm(): MmRef {
    const ref = { mmId: this.backend.mmNew(), users: 1 };
    this.mmRefs.set(ref.mmId, ref);
    return ref;
  }

  /** Drops a task's hold on an mm; the last user tears it down. Linux: mmput(). */
  private mmput(ref: MmRef): void {
    if (ref.users <= 0) bug(`mm ${ref.mmId} put with ${ref.users} users`);
    if (--ref.users > 0) return;
    this.mmRefs.delete(ref.mmId);
    this.backend.mmRelease(ref.mmId);
  }

  /**
   * Creates a process with a fresh address space: the first process of a run (init, or a program whose
   * snapshot we start from). With a layout, installs it as exec would. Returns the task or -errno.
   */
  createProcess(opts: { pid?: number; layout?: ExecLayout; comm?: string; cred?: TaskCred } = {}): Task | number {
    const pid = this.allocPid(opts.pid);
    if (pid < 0) return pid;
    const mm = this.newMm();
    if (opts.layout !== undefined) {
      const r = this.backend.mmExec(mm.mmId, opts.layout);
      if (r < 0) {
        this.mmput(mm);
        return r;
      }
    }
    const files = new FdTable((f) => this.vfs.release(f));
    const t = new Task(pid, pid, 0, mm, files, opts.cred ?? { uid: 0, gid: 0 }, opts.comm ?? "init", initRlimits(this.pages.nrPages));
    this.taskMap.set(pid, t);
    return t;
  }

  /** Runs `fn` as task `tid`'s syscall: -ESRCH when there is no such live task. */
  private asTask(tid: number, fn: (t: Task) => SyscallResult): SyscallResult {
    const t = this.taskMap.get(tid);
    if (t === undefined || !t.alive) return -ESRCH;
    if (t.state === "blocked") bug(`task ${tid} makes a syscall while blocked on ${t.blockedOn}`);
    const prev = this.current_;
    this.current_ = t;
    try {
      return fn(t);
    } finally {
      this.current_ = prev;
    }
  }

  /** Puts a task to sleep. */
  block(t: Task, reason: BlockReason): typeof BLOCKED {
    t.state = "blocked";
    t.blockedOn = reason;
    return BLOCKED;
  }

  private readonly cancellers = new Map<BlockReason, (tid: number) => void>();

  /** A subsystem that parks tasks says how to take one off its queue (futex: dequeue the waiter). */
  registerWaitCanceller(reason: BlockReason, cancel: (tid: number) => void): void {
    this.cancellers.set(reason, cancel);
  }

  /**
   * Ends a blocked task's sleep from outside (a signal, a timeout the caller knows of): it leaves the
   * subsystem's queue and its syscall returns `result`. Returns whether it was blocked. A vfork parent
   * can't be interrupted this way (its child must exec or exit). Linux: signal_wake_up().
   */
  interrupt(tid: number, result: number): boolean {
    const t = this.taskMap.get(tid);
    if (t === undefined || t.state !== "blocked" || t.blockedOn === "vfork") return false;
    this.cancellers.get(t.blockedOn!)?.(tid);
    this.wakeTask(tid, result);
    return true;
  }

  /** Wakes a blocked task: its syscall returns `result`. Linux: wake_up_process(). */
  wakeTask(tid: number, result: number): void {
    const t = this.taskMap.get(tid);
    if (t === undefined || t.state !== "blocked") return;
    if (t.timerId !== 0) {
      this.clock.cancel(t.timerId);
      t.timerId = 0;
    }
    t.state = "runnable";
    t.blockedOn = null;
    t.wakeResult = result;
    this.onWake?.(t, result);
  }

  /**
   * clone(): a new task sharing or copying the parent's mm and fds by the flags, checked in
   * copy_process()'s order. CLONE_VFORK blocks the parent until the child execs or exits.
   * Returns the child's tid (or BLOCKED for vfork) or -errno. Linux: kernel_clone() → copy_process().
   */
  clone(tid: number, flags: number, args: CloneArgs = {}): SyscallResult {
    return this.asTask(tid, (parent) => {
      if ((flags & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) return -EINVAL;
      if ((flags & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) return -EINVAL;
      if (flags & CLONE_THREAD && !(flags & CLONE_SIGHAND)) return -EINVAL;
      if (flags & CLONE_SIGHAND && !(flags & CLONE_VM)) return -EINVAL;
      const pid = this.allocPid(args.childTid);
      if (pid < 0) return pid;
      let mm: MmRef;
      if (flags & CLONE_VM) {
        mm = parent.mm;
        mm.users++;
      } else {
        const id = this.backend.mmDup(parent.mm.mmId);
        if (id < 0) return id;
        mm = { mmId: id, users: 1 };
        this.mmRefs.set(id, mm);
      }
      let files: FdTable;
      if (flags & CLONE_FILES) {
        files = parent.files;
        files.users++;
      } else files = parent.files.copy();
      const tgid = flags & CLONE_THREAD ? parent.tgid : pid;
      const child = new Task(pid, tgid, parent.tgid, mm, files, parent.cred, parent.comm, flags & CLONE_THREAD ? parent.rlim : parent.rlim.copy());
      if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = args.childTidAddr ?? 0;
      this.taskMap.set(pid, child);
      if (!(flags & CLONE_VFORK)) return pid;
      parent.vforkChild = pid;
      child.vforkParent = parent.tid;
      return this.block(parent, "vfork");
    });
  }

  /** fork(): clone(SIGCHLD). */
  fork(tid: number, childTid?: number): SyscallResult {
    return this.clone(tid, SIGCHLD, childTid !== undefined ? { childTid } : {});
  }

  /** vfork(): clone(CLONE_VM | CLONE_VFORK | SIGCHLD). */
  vfork(tid: number, childTid?: number): SyscallResult {
    return this.clone(tid, CLONE_VM | CLONE_VFORK | SIGCHLD, childTid !== undefined ? { childTid } : {});
  }

  /** Releases a vfork parent. Linux: mm_release() → complete_vfork_done(). */
  private completeVforkDone(t: Task): void {
    if (t.vforkParent === null) return;
    const parent = this.taskMap.get(t.vforkParent);
    t.vforkParent = null;
    if (parent === undefined || parent.vforkChild !== t.tid) return;
    parent.vforkChild = null;
    this.wakeTask(parent.tid, t.tid);
  }

  /** Hooks subsystems run at exit: before the mm goes (mm_release) and after (exit_shm, exit_sem). */
  private readonly exitHooks: Array<(t: Task) => void> = [];
  private readonly lateExitHooks: Array<(t: Task) => void> = [];

  /**
   * Registers a hook run when a task exits: "mm-release" before its mm is dropped (futex waiters,
   * clear_child_tid), "after-mm" once it is (exit_shm). Linux: do_exit()'s order.
   */
  addExitHook(fn: (t: Task) => void, phase: "mm-release" | "after-mm" = "mm-release"): void {
    (phase === "mm-release" ? this.exitHooks : this.lateExitHooks).push(fn);
  }

  /**
   * execve(): a new mm from the loader's layout replaces the old one; the other threads of the
   * process exit; close-on-exec fds close; a vfork parent resumes. Linux: do_execveat_common() →
   * begin_new_exec() (de_thread, exec_mmap, do_close_on_exec).
   */
  execve(tid: number, path: string): SyscallResult {
    return this.asTask(tid, (t) => {
      const layout = this.execLoader(this, normalizeUserPath(path));
      if (typeof layout === "number") return layout;
      const mm = this.newMm();
      const r = this.backend.mmExec(mm.mmId, layout);
      if (r < 0) {
        this.mmput(mm);
        return r;
      }
      for (const other of this.tasks()) if (other !== t && other.tgid === t.tgid && other.alive) this.exitTask(other, 0);
      const old = t.mm;
      t.mm = mm;
      this.completeVforkDone(t);
      this.mmput(old);
      if (t.files.users > 1) {
        t.files.users--;
        t.files = t.files.copy();
      }
      t.files.closeOnExec();
      t.comm = path;
      return 0;
    });
  }

  /** Ends one task. Linux: do_exit() → exit_mm(), exit_files(). */
  private exitTask(t: Task, code: number): void {
    if (!t.alive) return;
    for (const hook of this.exitHooks) hook(t);
    if (t.state === "blocked" && t.timerId !== 0) this.clock.cancel(t.timerId);
    t.state = "zombie";
    t.blockedOn = null;
    t.exitCode = code;
    this.completeVforkDone(t);
    this.mmput(t.mm);
    for (const hook of this.lateExitHooks) hook(t);
    if (--t.files.users === 0) t.files.closeAll();
  }

  /** exit(): ends the calling thread. */
  exit(tid: number, code: number): SyscallResult {
    return this.asTask(tid, (t) => {
      this.exitTask(t, code & 0xff);
      return 0;
    });
  }

  /** exit_group(): ends every thread of the calling process. */
  exitGroup(tid: number, code: number): SyscallResult {
    return this.asTask(tid, (t) => {
      for (const other of this.tasks()) if (other.tgid === t.tgid) this.exitTask(other, code & 0xff);
      return 0;
    });
  }

  /** Forgets exited tasks (a wait() by their parent). */
  reap(): void {
    for (const [tid, t] of this.taskMap) if (!t.alive) this.taskMap.delete(tid);
  }

  // ---- memory ----------------------------------------------------------------------------

  /**
   * mmap(): offset alignment, then the fd, then do_mmap in the backend. A mapping of /dev/zero is
   * anonymous memory (private) or a shmem object (shared), after the file-mode checks.
   * Linux: sys_mmap (arch/x86/kernel/sys_x86_64.c) → ksys_mmap_pgoff() → vm_mmap_pgoff() → do_mmap().
   */
  mmap(tid: number, addr: number, len: number, prot: number, flags: number, fd: number, off: number): SyscallResult {
    // addr, len and (on x86-64's sys_mmap) off are unsigned long: -4096 is 2^64 - 4096
    addr = toUlong(addr);
    len = toUlong(len);
    off = toUlong(off);
    return this.asTask(tid, (t) => {
      if (!Number.isInteger(off) || off % PAGE_SIZE !== 0) return -EINVAL;
      const pgoff = off / PAGE_SIZE;
      const mmId = t.mm.mmId;
      if (flags & MAP_ANONYMOUS) return this.backend.mmap(mmId, { addr, len, prot, flags, pgoff, file: null });
      const file = t.files.get(fd);
      if (file === null || file.isPath) return -EBADF;
      return this.backend.mmap(mmId, { addr, len, prot, flags, pgoff, file: file.asMmapFile() });
    });
  }

  munmap(tid: number, addr: number, len: number): SyscallResult {
    return this.asTask(tid, (t) => this.backend.munmap(t.mm.mmId, addr, len));
  }

  mprotect(tid: number, addr: number, len: number, prot: number): SyscallResult {
    return this.asTask(tid, (t) => this.backend.mprotect(t.mm.mmId, addr, len, prot));
  }

  mremap(tid: number, oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr: number): SyscallResult {
    return this.asTask(tid, (t) => this.backend.mremap(t.mm.mmId, oldAddr, oldLen, newLen, flags, newAddr));
  }

  brk(tid: number, brk: number): SyscallResult {
    return this.asTask(tid, (t) => this.backend.brk(t.mm.mmId, brk));
  }

  madvise(tid: number, addr: number, len: number, advice: number): SyscallResult {
    return this.asTask(tid, (t) => this.backend.madvise(t.mm.mmId, addr, len, advice));
  }

  msync(tid: number, addr: number, len: number, flags: number): SyscallResult {
    return this.asTask(tid, (t) => this.backend.msync(t.mm.mmId, addr, len, flags));
  }

  mlock(tid: number, addr: number, len: number, lock: boolean): SyscallResult {
    return this.asTask(tid, (t) => this.backend.mlock(t.mm.mmId, addr, len, lock));
  }

  /**
   * mincore(): the backend's residency bytes, copied to user memory at `vec` (EFAULT when that range
   * can't lie in user space or faults); a hole in the range ends it with ENOMEM after the bytes before
   * it are out. Linux: sys_mincore() (mm/mincore.c).
   */
  mincore(tid: number, start: number, len: number, vec: number): SyscallResult {
    start = toUlong(start);
    len = toUlong(len);
    return this.asTask(tid, (t) => {
      const r = this.backend.mincore(t.mm.mmId, start, len);
      if (typeof r === "number") return r;
      if (!accessOk(vec, Math.ceil(len / PAGE_SIZE))) return -EFAULT;
      const moved = this.copyUser(toUlong(vec), r.vec, (a, b) => this.backend.writeUser(t.mm.mmId, a, b));
      return moved < r.vec.length ? -EFAULT : r.error;
    });
  }

  /**
   * prctl(): PR_SET_VMA with PR_SET_VMA_ANON_NAME names anonymous memory (arg3 start, arg4 length,
   * arg5 the name: a string, a user address of a C string, or null/0 to remove it). Every other
   * option is EINVAL, as an option the kernel doesn't know. Linux: sys_prctl() → prctl_set_vma().
   */
  prctl(tid: number, option: number, arg2: number, arg3: number, arg4: number, arg5: SyscallArg): SyscallResult {
    return this.asTask(tid, (t) => {
      if (option !== PR_SET_VMA || arg2 !== PR_SET_VMA_ANON_NAME) return -EINVAL;
      return this.backend.setAnonName(t.mm.mmId, toUlong(arg3), toUlong(arg4), () => this.anonVmaName(t, arg5));
    });
  }

  /**
   * The name prctl(PR_SET_VMA_ANON_NAME) sets: null for a null pointer, else at most 79 characters
   * before the NUL (EINVAL for longer, EFAULT when the string faults first), each printable ASCII
   * other than a backslash, ` $ [ or ] (EINVAL). Linux: strndup_user(uname, ANON_VMA_NAME_MAX_LEN) and is_valid_name_char().
   */
  private anonVmaName(t: Task, arg: SyscallArg): string | null | number {
    let name: string;
    if (arg === null || arg === 0) return null;
    if (typeof arg === "string") {
      if (arg.length >= ANON_VMA_NAME_MAX_LEN) return -EINVAL;
      name = arg;
    } else {
      if (typeof arg !== "number" || !Number.isInteger(arg)) return -EFAULT;
      const buf = new Uint8Array(ANON_VMA_NAME_MAX_LEN);
      const got = accessOk(arg, 1) ? this.copyUser(toUlong(arg), buf, (a, b) => this.backend.readUser(t.mm.mmId, a, b)) : 0;
      const nul = buf.subarray(0, got).indexOf(0);
      if (nul < 0) return got < buf.length ? -EFAULT : -EINVAL;
      name = String.fromCharCode(...buf.subarray(0, nul));
    }
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c <= 0x1f || c >= 0x7f || "\\`$[]".includes(name[i]!)) return -EINVAL;
    }
    return name;
  }

  /** getrlimit(): limit `resource` of the caller's group, written to `rlim` (a user address). */
  getrlimit(tid: number, resource: number, rlim: SyscallArg): SyscallResult {
    return this.asTask(tid, (t) => sysGetrlimit(this.rlimitHost, t, resource, rlim));
  }

  /** setrlimit(): `rlim` is a user address of a struct rlimit, or the struct decoded ({ rlim_cur, rlim_max }). */
  setrlimit(tid: number, resource: number, rlim: SyscallArg): SyscallResult {
    return this.asTask(tid, (t) => sysSetrlimit(this.rlimitHost, t, resource, rlim));
  }

  /** prlimit64(): setrlimit and getrlimit at once, of any process (pid 0: the caller). */
  prlimit64(tid: number, pid: number, resource: number, newRlim: SyscallArg, oldRlim: SyscallArg): SyscallResult {
    return this.asTask(tid, (t) => sysPrlimit64(this.rlimitHost, t, pid, resource, newRlim, oldRlim));
  }

  private readonly rlimitHost: RlimitHost = {
    readUser: (t, addr, dst) => accessOk(addr, dst.length) && this.backend.readUser(t.mm.mmId, toUlong(addr), dst) === 0,
    writeUser: (t, addr, src) => accessOk(addr, src.length) && this.backend.writeUser(t.mm.mmId, toUlong(addr), src) === 0,
    task: (pid) => this.task(pid),
  };

  // ---- files -----------------------------------------------------------------------------

  /** The absolute path openat() resolves, or -errno. Linux: path_init() for dfd + name. */
  private resolveAt(t: Task, dirfd: number, path: string): string | number {
    if (path === "") return -ENOENT;
    if (path.startsWith("/")) return normalizePath(path);
    if (dirfd === AT_FDCWD) return normalizePath("/" + path);
    const dir = t.files.get(dirfd);
    if (dir === null) return -EBADF;
    if (dir.inode.type !== S_IFDIR) return -ENOTDIR;
    return normalizePath(dir.inode.path + "/" + path);
  }

  /** openat(): returns the lowest free fd. Linux: do_sys_openat2(). */
  openat(tid: number, dirfd: number, path: string, flags: number, mode: number): SyscallResult {
    return this.asTask(tid, (t) => {
      const bad = checkOpenFlags(flags);
      if (bad < 0) return bad;
      let abs = this.resolveAt(t, dirfd, path);
      if (typeof abs === "number") return abs;
      // /proc/self is a symlink to the caller's process. Linux: proc_self_get_link()
      if (abs === "/proc/self" || abs.startsWith("/proc/self/")) abs = `/proc/${t.tgid}${abs.slice("/proc/self".length)}`;
      const fd = t.files.lowestFree();
      if (fd < 0) return fd;
      const file = this.vfs.open(abs, flags, mode);
      if (typeof file === "number") return file;
      return t.files.install(file, flags);
    });
  }

  /**
   * lseek(): the file's llseek (generic over i_size unless its driver has its own), EINVAL for an
   * unknown whence, EBADF for a closed or O_PATH fd. Linux: ksys_lseek() → vfs_llseek().
   */
  lseek(tid: number, fd: number, offset: number, whence: number): SyscallResult {
    return this.asTask(tid, (t) => {
      const file = t.files.get(fd);
      if (file === null || file.isPath) return -EBADF;
      if (!Number.isInteger(whence) || whence < 0 || whence > SEEK_MAX) return -EINVAL;
      if (!Number.isInteger(offset)) return -EINVAL;
      return this.vfs.llseek(file, offset, whence);
    });
  }

  /** open(): openat(AT_FDCWD, ...). */
  open(tid: number, path: string, flags: number, mode: number): SyscallResult {
    return this.openat(tid, AT_FDCWD, path, flags, mode);
  }

  /** Puts an open file at a chosen fd (the replay follows a trace's fd numbers). */
  installFd(tid: number, fd: number, file: OpenFile): number {
    const t = this.taskMap.get(tid);
    if (t === undefined) return -ESRCH;
    return t.files.installAt(fd, file);
  }

  close(tid: number, fd: number): SyscallResult {
    return this.asTask(tid, (t) => t.files.close(fd));
  }

  dup(tid: number, fd: number): SyscallResult {
    return this.asTask(tid, (t) => t.files.dup(fd));
  }

  dup2(tid: number, oldfd: number, newfd: number): SyscallResult {
    return this.asTask(tid, (t) => t.files.dup2(oldfd, newfd));
  }

  dup3(tid: number, oldfd: number, newfd: number, flags: number): SyscallResult {
    return this.asTask(tid, (t) => t.files.dup3(oldfd, newfd, flags));
  }

  /** ftruncate(): Linux: do_sys_ftruncate() — the order of its checks. */
  ftruncate(tid: number, fd: number, length: number): SyscallResult {
    return this.asTask(tid, (t) => {
      if (length < 0) return -EINVAL;
      const file = t.files.get(fd);
      if (file === null || file.isPath) return -EBADF;
      if (file.inode.type !== S_IFREG || !file.writable) return -EINVAL;
      if (file.inode.appendOnly) return -EPERM;
      return this.vfs.truncate(file.inode, length);
    });
  }

  /** truncate(): by path. Linux: do_sys_truncate() → vfs_truncate(). */
  truncate(tid: number, path: string, length: number): SyscallResult {
    return this.asTask(tid, () => {
      if (length < 0) return -EINVAL;
      const inode = this.vfs.lookup(normalizeUserPath(path));
      if (inode === null) return -ENOENT;
      if (inode.type === S_IFDIR) return -EISDIR;
      if (inode.type !== S_IFREG) return -EINVAL;
      return this.vfs.truncate(inode, length);
    });
  }

  /**
   * read()/pread64(): file bytes into user memory, a chunk at a time. pread64 at a negative offset
   * is EINVAL before the fd is looked at; a buffer that can't lie in user space is EFAULT before the
   * file is read; a buffer that faults part way ends the read with what was copied (EFAULT when
   * nothing was). Linux: ksys_read()/ksys_pread64() → vfs_read() (access_ok(), rw_verify_area(),
   * MAX_RW_COUNT).
   */
  read(tid: number, fd: number, buf: number, count: number, offset?: number): SyscallResult {
    if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) return -EINVAL;
    return this.asTask(tid, (t) => {
      const file = t.files.get(fd);
      if (file === null || !file.readable) return -EBADF;
      if (!accessOk(buf, count)) return -EFAULT;
      const total = Math.min(count, MAX_RW_COUNT);
      const pos = offset ?? file.pos;
      const chunk = new Uint8Array(Math.min(total, RW_CHUNK));
      let done = 0;
      // at least one call, as a read of 0 bytes still reaches f_op->read (a directory's says EISDIR)
      do {
        const dst = chunk.subarray(0, Math.min(total - done, RW_CHUNK));
        const n = this.vfs.read(file.inode, pos + done, dst);
        if (n < 0) {
          if (done === 0) return n;
          break;
        }
        const copied = n > 0 ? this.copyUser(buf + done, dst.subarray(0, n), (a, b) => this.backend.writeUser(t.mm.mmId, a, b)) : 0;
        if (copied < n) {
          done += copied;
          if (done === 0) return -EFAULT;
          break;
        }
        done += n;
        if (n < dst.length) break;
      } while (done < total);
      if (offset === undefined) file.pos += done;
      return done;
    });
  }

  /**
   * write()/pwrite64(): user memory into the file, a chunk at a time, with read()'s rules for the
   * offset, the buffer and a fault part way. Linux: ksys_write()/ksys_pwrite64() → vfs_write().
   */
  write(tid: number, fd: number, buf: number, count: number, offset?: number): SyscallResult {
    if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) return -EINVAL;
    return this.asTask(tid, (t) => {
      const file = t.files.get(fd);
      if (file === null || !file.writable) return -EBADF;
      if (!accessOk(buf, count)) return -EFAULT;
      const total = Math.min(count, MAX_RW_COUNT);
      const pos = offset ?? (file.inode.appendOnly ? file.inode.size : file.pos);
      const chunk = new Uint8Array(Math.min(total, RW_CHUNK));
      let done = 0;
      // at least one call, as a write of 0 bytes still reaches f_op->write
      do {
        let src = chunk.subarray(0, Math.min(total - done, RW_CHUNK));
        const got = src.length > 0 ? this.copyUser(buf + done, src, (a, b) => this.backend.readUser(t.mm.mmId, a, b)) : 0;
        const faulted = got < src.length;
        if (faulted) {
          if (done === 0 && got === 0) return -EFAULT;
          if (got === 0) break;
          src = src.subarray(0, got);
        }
        const n = this.vfs.write(file.inode, pos + done, src);
        if (n < 0) {
          if (done === 0) return n;
          break;
        }
        done += n;
        if (n < src.length || faulted) break;
      } while (done < total);
      if (done > 0 && offset === undefined) file.pos = pos + done;
      return done;
    });
  }

  /**
   * Moves `bytes` between the kernel and user memory at `addr` with `move` (the backend's writeUser
   * or readUser); returns how many bytes moved before the first page that faults (all of them when
   * none does). Linux: the short count of copy_to_user()/copy_from_user().
   */
  private copyUser(addr: number, bytes: Uint8Array, move: (addr: number, bytes: Uint8Array) => AccessFault | 0): number {
    if (move(addr, bytes) === 0) return bytes.length;
    let done = 0;
    while (done < bytes.length) {
      const piece = Math.min(bytes.length - done, PAGE_SIZE - ((addr + done) % PAGE_SIZE));
      if (move(addr + done, bytes.subarray(done, done + piece)) !== 0) break;
      done += piece;
    }
    return done;
  }

  // ---- dispatch and /proc -------------------------------------------------------------------

  private readonly handlers = new Map<number, SyscallHandler>();
  private readonly procFiles = new Map<string, ProcProvider>();
  private readonly validators: Array<() => void> = [];

  /**
   * Runs syscall `nr` (x86-64 numbering) for task `tid` with Linux's argument order; strings and
   * structs are passed decoded. Returns the value, -errno, or BLOCKED.
   */
  syscall(tid: number, nr: number, ...args: SyscallArg[]): SyscallResult {
    return dispatchSyscall(this, this.handlers, tid, nr, args);
  }

  /** A subsystem (futex, SysV IPC) provides syscall `nr`. */
  registerSyscall(nr: number, handler: SyscallHandler): void {
    if (this.handlers.has(nr)) bug(`syscall ${nr} registered twice`);
    this.handlers.set(nr, handler);
  }

  /** A subsystem provides a /proc file. */
  registerProcFile(path: string, provider: ProcProvider): void {
    this.procFiles.set(path, provider);
  }

  /** A subsystem's invariant check, run by assertValid(). */
  registerValidator(check: () => void): void {
    this.validators.push(check);
  }

  /** Runs `fn` in the context of task `tid` (what subsystems see as current). */
  runAs(tid: number, fn: (t: Task) => SyscallResult): SyscallResult {
    return this.asTask(tid, fn);
  }

  /** The text of a /proc file, or -ENOENT. */
  readProc(path: string): string | number {
    return procRead(this, path, this.procFiles);
  }

  // ---- checks ----------------------------------------------------------------------------

  /** Checks the kernel's own invariants and the backend's. Linux: validate_mm() and friends. */
  assertValid(): void {
    const users = new Map<number, number>();
    for (const t of this.taskMap.values()) {
      if (!t.alive) continue;
      users.set(t.mm.mmId, (users.get(t.mm.mmId) ?? 0) + 1);
      t.files.assertValid();
      if (t.state === "blocked" && t.blockedOn === null) bug(`task ${t.tid} is blocked on nothing`);
    }
    for (const [mmId, ref] of this.mmRefs) {
      if ((users.get(mmId) ?? 0) !== ref.users) bug(`mm ${mmId} has ${ref.users} users but ${users.get(mmId) ?? 0} live tasks use it`);
    }
    for (const mmId of users.keys()) if (!this.mmRefs.has(mmId)) bug(`a live task uses released mm ${mmId}`);
    this.vfs.assertValid();
    for (const check of this.validators) check();
    this.backend.assertValid();
  }
}

/** A user path made absolute (relative paths are against "/", the only cwd). */
function normalizeUserPath(path: string): string {
  return normalizePath(path.startsWith("/") ? path : "/" + path);
}
