/**
 * The /proc files of a kernel: per-process maps, smaps, status and statm (the memory parts from the
 * backend), and the global files
 * (meminfo, buddyinfo, NOMMU's /proc/maps, /proc/sysvipc/shm). Linux: fs/proc/.
 */
import { ENOENT } from "@mmsim/mm-types";
import { formatBuddyinfo } from "@mmsim/buddy-allocator";
import { CAP_FULL_SET, STATM_NO_MM, formatMeminfo, formatPidStatus } from "@mmsim/procfs";
import type { PidStatusTask, TaskStateLetter } from "@mmsim/procfs";
import type { Kernel } from "./kernel.js";
import { RLIMIT_SIGPENDING } from "./rlimit.js";
import type { Task } from "./task.js";

/** Extra /proc files a subsystem provides ("/proc/sysvipc/shm"). */
export type ProcProvider = () => string;

/** The meminfo values a kernel knows, in pages, by label. */
export function meminfoPages(kernel: Kernel): Record<string, number> {
  const backend = kernel.backend.meminfoPages();
  const free = kernel.pages.freePagesCount();
  const cached = kernel.vfs.cachedPages() + (backend["Shmem"] ?? 0);
  return {
    ...backend,
    MemTotal: kernel.pages.nrPages,
    MemFree: free,
    MemAvailable: free + kernel.vfs.cachedPages(),
    Cached: cached,
  };
}

/**
 * Reads a /proc path: the text, or -ENOENT. `providers` adds subsystem files by path.
 */
export function procRead(kernel: Kernel, path: string, providers: ReadonlyMap<string, ProcProvider> = new Map()): string | number {
  const provided = providers.get(path);
  if (provided !== undefined) return provided();
  if (path === "/proc/meminfo") {
    const pages = meminfoPages(kernel);
    return formatMeminfo(pages, { mmapCopy: "MmapCopy" in pages });
  }
  if (path === "/proc/buddyinfo") return formatBuddyinfo(kernel.pages.zoneViews());
  if (path === "/proc/maps") return kernel.backend.showGlobalMaps() ?? -ENOENT;
  const m = /^\/proc\/(\d+|self)\/(maps|smaps|status|statm)$/.exec(path);
  if (m === null) return -ENOENT;
  if (m[2] === "status" || m[2] === "statm") {
    const t = procTask(kernel, m[1]!);
    if (t === null) return -ENOENT;
    return m[2] === "status" ? procPidStatus(kernel, t) : procPidStatm(kernel, t);
  }
  const task = m[1] === "self" ? kernel.current : kernel.task(Number(m[1]));
  if (task === null || !task.alive) return -ENOENT;
  if (m[2] === "maps") return kernel.backend.showMaps(task.mm.mmId);
  return kernel.backend.showSmaps(task.mm.mmId) ?? -ENOENT;
}

/**
 * The task a /proc/<pid> directory stands for, zombies included (they stay until reaped):
 * "self" is the caller's thread group leader, as the /proc/self link names the tgid.
 * Linux: proc_self_get_link(), proc_pid_lookup().
 */
function procTask(kernel: Kernel, name: string): Task | null {
  if (name !== "self") return kernel.task(Number(name));
  const cur = kernel.current;
  return cur === null ? null : (kernel.task(cur.tgid) ?? cur);
}

/** What task_mem() and task_statm() print of a live task's mm, or null (a zombie's mm is gone). */
function taskMem(kernel: Kernel, t: Task): { readonly status: string; readonly statm: string; readonly thpEnabled: boolean } | null {
  return t.alive ? (kernel.backend.taskMem?.(t.mm.mmId) ?? null) : null;
}

/** /proc/<pid>/status. Linux: proc_pid_status(). */
export function procPidStatus(kernel: Kernel, t: Task): string {
  return formatPidStatus(pidStatusTask(kernel, t), taskMem(kernel, t));
}

/** /proc/<pid>/statm, "0 0 0 0 0 0 0" without an mm. Linux: proc_pid_statm(). */
export function procPidStatm(kernel: Kernel, t: Task): string {
  return taskMem(kernel, t)?.statm ?? STATM_NO_MM;
}

/** The bytes of comm a path gives after exec: its last component, cut to TASK_COMM_LEN - 1. Linux: __set_task_comm(kbasename()). */
export function taskComm(path: string): string {
  const enc = new TextEncoder();
  let comm = "";
  let bytes = 0;
  for (const ch of path.slice(path.lastIndexOf("/") + 1)) {
    bytes += enc.encode(ch).length;
    if (bytes > TASK_COMM_LEN - 1) break;
    comm += ch;
  }
  return comm;
}

/** Linux: TASK_COMM_LEN. */
const TASK_COMM_LEN = 16;
/** fds an fd table starts with, and the fdarray step it grows by on 64-bit. Linux: NR_OPEN_DEFAULT (BITS_PER_LONG), 1024 / sizeof(struct file *). */
const NR_OPEN_DEFAULT = 64;
const FDARRAY_STEP = 128;

/**
 * max_fds of an fd table whose highest open fd is `maxFd`: 64 until an fd reaches it, then the
 * 128-slot steps grown by powers of two. Computed from the fds open now: a table that grew and had
 * its high fds closed stays large in Linux. Linux: expand_files() → alloc_fdtable(), dup_fd().
 */
export function fdtableMaxFds(maxFd: number): number {
  if (maxFd < NR_OPEN_DEFAULT) return NR_OPEN_DEFAULT;
  let n = 1;
  while (n < Math.floor(maxFd / FDARRAY_STEP) + 1) n *= 2;
  return n * FDARRAY_STEP;
}

/** The state letter of a task: zombie Z; a futex wait S (interruptible); a vfork parent D (killable); else R. Linux: get_task_state(). */
function stateLetter(t: Task): TaskStateLetter {
  if (!t.alive) return "Z";
  if (t.state === "blocked") return t.blockedOn === "vfork" ? "D" : "S";
  return "R";
}

/**
 * The parent's tgid as status shows it: a thread's is its process's; 0 for the first process; 1
 * (init, the child reaper) once the parent is gone. Linux: task_state() reading real_parent.
 */
function parentTgid(kernel: Kernel, t: Task): number {
  const ppid = (kernel.task(t.tgid) ?? t).ppid;
  if (ppid === 0) return 0;
  return kernel.task(ppid)?.alive === true ? ppid : 1;
}

/**
 * The session and process group: the kernel has no setsid() or setpgid(), so every process stays
 * in those of its oldest known ancestor, the process created first (as if it had called setsid()).
 */
function sessionLeader(kernel: Kernel, t: Task): number {
  let tgid = t.tgid;
  for (let hops = 0; hops < 1 << 16; hops++) {
    const leader = kernel.task(tgid);
    const parent = leader === null ? null : kernel.task(leader.ppid);
    if (parent === null || parent.tgid === tgid) return tgid;
    tgid = parent.tgid;
  }
  return tgid;
}

/** The task's side of status, from what the kernel models. */
function pidStatusTask(kernel: Kernel, t: Task): PidStatusTask {
  const group = kernel.tasks().filter((x) => x.tgid === t.tgid && x.alive).length;
  const fds = t.files.entries();
  const root = t.cred.uid === 0;
  const sid = sessionLeader(kernel, t);
  return {
    comm: taskComm(t.comm),
    state: stateLetter(t),
    tgid: t.tgid,
    pid: t.tid,
    ppid: parentTgid(kernel, t),
    uid: t.cred.uid,
    gid: t.cred.gid,
    groups: [],
    // an exited task has let go of its files and fs
    fdSize: t.alive ? fdtableMaxFds(fds.length === 0 ? -1 : fds[fds.length - 1]![0]) : 0,
    hasFs: t.alive,
    pgid: sid,
    sid,
    // a zombie leader still counts itself until it is reaped
    threads: t.alive ? group : Math.max(group, 1),
    sigQueueLimit: t.rlim.get64(RLIMIT_SIGPENDING)[0],
    capPermitted: root ? CAP_FULL_SET : 0n,
    capEffective: root ? CAP_FULL_SET : 0n,
    capBounding: CAP_FULL_SET,
  };
}
