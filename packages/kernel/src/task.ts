/**
 * Tasks: threads and processes. A process is the set of tasks with one tgid; threads made with
 * CLONE_VM share the mm, with CLONE_FILES the fd table. Linux: struct task_struct (include/linux/sched.h).
 */
import type { FdTable } from "./fd-table.js";
import type { Rlimits } from "./rlimit.js";

/** Where a task is in its life. */
export type TaskState = "runnable" | "blocked" | "zombie";

/** Why a blocked task waits. */
export type BlockReason = "futex" | "vfork";

/** An address space and how many tasks use it. Linux: mm_struct.mm_users. */
export interface MmRef {
  readonly mmId: number;
  users: number;
}

/** Credentials that IPC permission checks read. Linux: struct cred. */
export interface TaskCred {
  readonly uid: number;
  readonly gid: number;
}

/** A task. */
export class Task {
  state: TaskState = "runnable";
  blockedOn: BlockReason | null = null;
  /** The value the blocked syscall returns when the task is woken. */
  wakeResult: number | null = null;
  exitCode = 0;
  /** The vfork child this task waits for. Linux: vfork_done. */
  vforkChild: number | null = null;
  /** The parent waiting for this vfork child to exec or exit. */
  vforkParent: number | null = null;
  /** CLONE_CHILD_CLEARTID address: zeroed and futex-woken at exit. Linux: clear_child_tid. */
  clearChildTid = 0;
  /** The timer of a blocking call with a timeout. */
  timerId = 0;

  constructor(
    /** Thread id (the pid of a single-threaded process). Linux: pid. */
    readonly tid: number,
    /** Process id. Linux: tgid. */
    readonly tgid: number,
    readonly ppid: number,
    public mm: MmRef,
    public files: FdTable,
    readonly cred: TaskCred,
    /** The program's path, for reports. */
    public comm: string,
    /** The thread group's resource limits (shared by its threads). Linux: signal->rlim. */
    readonly rlim: Rlimits,
  ) {}

  /** Whether the task is alive (not yet reaped or exited). */
  get alive(): boolean {
    return this.state !== "zombie";
  }
}
