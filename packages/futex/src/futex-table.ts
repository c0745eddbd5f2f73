/**
 * The futex(2) multiplexer and its non-PI commands over one global hash table. Linux: do_futex()
 * (kernel/futex/syscalls.c), futex_wait(), futex_wait_setup(), futex_wake(), futex_wake_op()
 * (waitwake.c), futex_requeue() (requeue.c), get_futex_key() (core.c).
 */
import {
  EAGAIN,
  EFAULT,
  EINVAL,
  ENOSYS,
  ETIMEDOUT,
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMD_MASK,
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
  bug,
} from "@mmsim/mm-types";
import type { FutexKey, FutexTargetPort } from "@mmsim/mm-types";
import { FutexHashBuckets, FutexQ, futexHashsize, futexMatch } from "./hash-bucket.js";
import { futexCmdHasTimeout, ktimeAddSafe } from "./timeout.js";
import { futexAtomicOpInuser } from "./wake-op.js";

/** Internal flag: the futex is process-shared (FUTEX_PRIVATE_FLAG absent). Linux: FLAGS_SHARED. */
export const FLAGS_SHARED = 0x01;
/** Internal flag: the timeout is on CLOCK_REALTIME. Linux: FLAGS_CLOCKRT. */
export const FLAGS_CLOCKRT = 0x02;

/** The syscall layer's side: resume a blocked task with the syscall's return value. */
export interface FutexSchedPort {
  /**
   * Makes `tid`, blocked in a futex wait, runnable; its futex() returns `result` (0 when woken,
   * -ETIMEDOUT on timeout). Called after the table is consistent again, so it may re-enter the table.
   * Linux: wake_up_q() after futex_wake_mark(), or the hrtimer waking the sleeper.
   */
  wakeTask(tid: number, result: number): void;
}

/** The task making a futex call. */
export interface FutexCaller {
  /** Thread id; one futex wait per tid at a time. */
  readonly tid: number;
  /** The task's address space, as the FutexTargetPort knows it. Linux: current->mm. */
  readonly mmId: number;
}

/** Returned by doFutex when the caller must block; the kernel parks the task until wakeTask or timeout. */
export interface FutexBlock {
  readonly blocked: true;
  /** Absolute deadline in ns on the simulated (monotonic) clock, or null. */
  readonly deadlineNs: number | null;
}

/** Options of a FutexTable. */
export interface FutexTableOptions {
  /** Buckets, a power of two (default futexHashsize(1) = 256, one possible CPU). */
  readonly hashSize?: number;
  /**
   * CLOCK_REALTIME minus CLOCK_MONOTONIC in ns now, to convert FUTEX_CLOCK_REALTIME deadlines to the
   * monotonic clock at the time of the call (default: the clocks are equal). Later clock_settime()
   * changes do not move a queued deadline.
   */
  readonly realtimeOffsetNs?: () => number;
}

/** True when `r`, a doFutex result, means the caller blocks. */
export function isFutexBlock(r: number | FutexBlock): r is FutexBlock {
  return typeof r !== "number";
}

/**
 * All futex waiters of a machine: one hash table shared by every address space, as Linux has.
 * Private keys carry the mm and shared keys the inode (or mm for anonymous memory), so one table
 * serves every process. Linux: the futex_queues of kernel/futex/core.c.
 */
export class FutexTable {
  private readonly buckets: FutexHashBuckets;
  /** The futex_q of every blocked task. */
  private readonly byTid = new Map<number, FutexQ>();
  private readonly realtimeOffsetNs: () => number;
  private nextSeq = 1;

  constructor(
    private readonly target: FutexTargetPort,
    private readonly sched: FutexSchedPort,
    options: FutexTableOptions = {},
  ) {
    this.buckets = new FutexHashBuckets(options.hashSize ?? futexHashsize(1));
    this.realtimeOffsetNs = options.realtimeOffsetNs ?? (() => 0);
  }

  /**
   * futex(2) after the syscall layer has read the timeout. `timeoutNs` is the struct timespec in ns
   * (futexTimespecToNs) for the commands that take one (futexCmdHasTimeout), else null: relative for
   * FUTEX_WAIT, absolute for FUTEX_WAIT_BITSET (CLOCK_REALTIME with FUTEX_CLOCK_REALTIME, else
   * CLOCK_MONOTONIC). `val2` is the 4th argument as an integer, used by REQUEUE, CMP_REQUEUE and
   * WAKE_OP. Returns the result or -errno, or a FutexBlock when the caller must sleep.
   * PI commands return -ENOSYS, as Linux built without CONFIG_FUTEX_PI.
   * Linux: do_futex() with futex_init_timeout()'s relative-to-absolute step.
   */
  doFutex(
    caller: FutexCaller,
    uaddr: number,
    op: number,
    val: number,
    timeoutNs: number | null,
    val2: number,
    uaddr2: number,
    val3: number,
    nowNs: number,
  ): number | FutexBlock {
    const cmd = op & FUTEX_CMD_MASK;
    if (timeoutNs !== null && futexCmdHasTimeout(op) && !(timeoutNs >= 0)) return -EINVAL;
    let flags = 0;
    if ((op & FUTEX_PRIVATE_FLAG) === 0) flags |= FLAGS_SHARED;
    if ((op & FUTEX_CLOCK_REALTIME) !== 0) {
      flags |= FLAGS_CLOCKRT;
      if (cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2) return -ENOSYS;
    }
    switch (cmd) {
      case FUTEX_WAIT: {
        const absTime = timeoutNs === null ? null : ktimeAddSafe(nowNs, timeoutNs);
        return this.futexWait(caller, uaddr, flags, val, absTime, FUTEX_BITSET_MATCH_ANY, nowNs);
      }
      case FUTEX_WAIT_BITSET:
        return this.futexWait(caller, uaddr, flags, val, this.monotonicDeadline(timeoutNs, flags), val3, nowNs);
      case FUTEX_WAKE:
        return this.futexWake(caller, uaddr, flags, val, FUTEX_BITSET_MATCH_ANY);
      case FUTEX_WAKE_BITSET:
        return this.futexWake(caller, uaddr, flags, val, val3);
      case FUTEX_REQUEUE:
        return this.futexRequeue(caller, uaddr, flags, uaddr2, val, val2, null, false);
      case FUTEX_CMP_REQUEUE:
        return this.futexRequeue(caller, uaddr, flags, uaddr2, val, val2, val3, false);
      case FUTEX_WAKE_OP:
        return this.futexWakeOp(caller, uaddr, flags, uaddr2, val, val2, val3);
      case FUTEX_LOCK_PI:
      case FUTEX_LOCK_PI2:
      case FUTEX_UNLOCK_PI:
      case FUTEX_TRYLOCK_PI:
      case FUTEX_WAIT_REQUEUE_PI:
        return -ENOSYS;
      case FUTEX_CMP_REQUEUE_PI:
        return this.futexRequeue(caller, uaddr, flags, uaddr2, val, val2, val3, true);
    }
    return -ENOSYS;
  }

  /** An absolute WAIT_BITSET deadline on the monotonic clock. */
  private monotonicDeadline(absNs: number | null, flags: number): number | null {
    if (absNs === null) return null;
    return (flags & FLAGS_CLOCKRT) !== 0 ? absNs - this.realtimeOffsetNs() : absNs;
  }

  /**
   * The key of `uaddr`: -EINVAL unless 4-byte aligned, -EFAULT past any user address, then the
   * backend's answer. Linux: get_futex_key().
   */
  private getFutexKey(mmId: number, uaddr: number, flags: number): FutexKey | number {
    if (uaddr % 4 !== 0) return -EINVAL;
    if (!Number.isSafeInteger(uaddr) || uaddr < 0) return -EFAULT;
    const key = this.target.futexKey(mmId, uaddr, (flags & FLAGS_SHARED) !== 0);
    if (typeof key === "number" && key >= 0) bug(`FutexTargetPort.futexKey returned ${key}, neither a key nor -errno`);
    return key;
  }

  /**
   * FUTEX_WAIT / FUTEX_WAIT_BITSET: check the word and queue the caller. Returns -EINVAL (bitset 0),
   * key errors, -EFAULT (unreadable), -EAGAIN (the word is not `val`), -ETIMEDOUT (the deadline has
   * passed already), or a FutexBlock. Linux: futex_wait() and futex_wait_setup().
   */
  futexWait(
    caller: FutexCaller,
    uaddr: number,
    flags: number,
    val: number,
    absTimeNs: number | null,
    bitset: number,
    nowNs: number,
  ): number | FutexBlock {
    if (bitset >>> 0 === 0) return -EINVAL;
    const key = this.getFutexKey(caller.mmId, uaddr, flags);
    if (typeof key === "number") return key;
    const uval = this.target.readU32(caller.mmId, uaddr);
    if (uval < 0) return -EFAULT;
    if (uval !== val >>> 0) return -EAGAIN;
    if (absTimeNs !== null && absTimeNs <= nowNs) return -ETIMEDOUT;
    if (this.byTid.has(caller.tid)) bug(`task ${caller.tid} waits on a futex while already waiting on one`);
    const q = new FutexQ(caller.tid, key, bitset | 0, absTimeNs, this.nextSeq++);
    this.buckets.enqueue(q, this.buckets.hash(key));
    this.byTid.set(caller.tid, q);
    return { blocked: true, deadlineNs: absTimeNs };
  }

  /**
   * FUTEX_WAKE / FUTEX_WAKE_BITSET: wake waiters on `uaddr` whose bitset shares a bit with `bitset`,
   * in queue order. The count is incremented before it is compared, so an nr_wake of 0 or less still
   * wakes one. Returns the number woken or -errno. Linux: futex_wake().
   */
  futexWake(caller: FutexCaller, uaddr: number, flags: number, nrWake: number, bitset: number): number {
    if (bitset >>> 0 === 0) return -EINVAL;
    const key = this.getFutexKey(caller.mmId, uaddr, flags);
    if (typeof key === "number") return key;
    const hb = this.buckets.hash(key);
    if (this.buckets.waiters[hb] === 0) return 0;
    const nr = nrWake | 0;
    const woken: number[] = [];
    let ret = 0;
    for (let q = this.buckets.first(hb), next: FutexQ | null; q !== null; q = next) {
      next = q.next;
      if (!futexMatch(q.key, key)) continue;
      if ((q.bitset & bitset) === 0) continue;
      this.wakeMark(q, woken);
      if (++ret >= nr) break;
    }
    this.wakeUpQ(woken);
    return ret;
  }

  /**
   * FUTEX_WAKE_OP: apply `encodedOp` to the word at `uaddr2`, wake up to `nrWake` waiters on
   * `uaddr1`, then, if the old value passed the comparison, up to `nrWake2` on `uaddr2`. Errors in
   * order: key of uaddr1, key of uaddr2, the op (-ENOSYS, -EFAULT; an invalid comparison is -ENOSYS
   * after the word was written). Returns the total woken. Linux: futex_wake_op().
   */
  futexWakeOp(
    caller: FutexCaller,
    uaddr1: number,
    flags: number,
    uaddr2: number,
    nrWake: number,
    nrWake2: number,
    encodedOp: number,
  ): number {
    const key1 = this.getFutexKey(caller.mmId, uaddr1, flags);
    if (typeof key1 === "number") return key1;
    const key2 = this.getFutexKey(caller.mmId, uaddr2, flags);
    if (typeof key2 === "number") return key2;
    const opRet = futexAtomicOpInuser(this.target, caller.mmId, encodedOp, uaddr2);
    if (opRet < 0) return opRet;
    const woken: number[] = [];
    let ret = this.wakeKey(key1, nrWake | 0, woken);
    if (opRet > 0) ret += this.wakeKey(key2, nrWake2 | 0, woken);
    this.wakeUpQ(woken);
    return ret;
  }

  /** Wakes up to `nr` (at least one) waiters on `key` into `woken`; returns how many. */
  private wakeKey(key: FutexKey, nr: number, woken: number[]): number {
    let ret = 0;
    for (let q = this.buckets.first(this.buckets.hash(key)), next: FutexQ | null; q !== null; q = next) {
      next = q.next;
      if (!futexMatch(q.key, key)) continue;
      this.wakeMark(q, woken);
      if (++ret >= nr) break;
    }
    return ret;
  }

  /**
   * FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: wake the first `nrWake` waiters on `uaddr1` and move the next
   * `nrRequeue` to `uaddr2`. CMP_REQUEUE first checks that the word at uaddr1 is `cmpval` (-EAGAIN).
   * Negative counts are -EINVAL; uaddr1 == uaddr2 is allowed. `requeuePi` (FUTEX_CMP_REQUEUE_PI) gets
   * -ENOSYS after the count check, as without CONFIG_FUTEX_PI. Returns woken + requeued.
   * Linux: futex_requeue().
   */
  futexRequeue(
    caller: FutexCaller,
    uaddr1: number,
    flags: number,
    uaddr2: number,
    nrWake: number,
    nrRequeue: number,
    cmpval: number | null,
    requeuePi: boolean,
  ): number {
    const nw = nrWake | 0;
    const nrq = nrRequeue | 0;
    if (nw < 0 || nrq < 0) return -EINVAL;
    if (requeuePi) return -ENOSYS;
    const key1 = this.getFutexKey(caller.mmId, uaddr1, flags);
    if (typeof key1 === "number") return key1;
    const key2 = this.getFutexKey(caller.mmId, uaddr2, flags);
    if (typeof key2 === "number") return key2;
    if (cmpval !== null) {
      const curval = this.target.readU32(caller.mmId, uaddr1);
      if (curval < 0) return -EFAULT;
      if (curval !== cmpval >>> 0) return -EAGAIN;
    }
    const hb1 = this.buckets.hash(key1);
    const hb2 = this.buckets.hash(key2);
    const woken: number[] = [];
    let taskCount = 0;
    for (let q = this.buckets.first(hb1), next: FutexQ | null; q !== null; q = next) {
      next = q.next;
      if (taskCount - nw >= nrq) break;
      if (!futexMatch(q.key, key1)) continue;
      if (++taskCount <= nw) this.wakeMark(q, woken);
      else this.buckets.requeue(q, hb2, key2);
    }
    this.wakeUpQ(woken);
    return taskCount;
  }

  /** Dequeues a waiter being woken and notes it for wakeUpQ. Linux: futex_wake_mark(). */
  private wakeMark(q: FutexQ, woken: number[]): void {
    this.buckets.dequeue(q);
    this.byTid.delete(q.tid);
    woken.push(q.tid);
  }

  /** Resumes the woken tasks in the order they were woken, each with 0. Linux: wake_up_q(). */
  private wakeUpQ(woken: readonly number[]): void {
    for (const tid of woken) this.sched.wakeTask(tid, 0);
  }

  /**
   * The kernel's clock reached a waiter's deadline: dequeue it and resume it with -ETIMEDOUT.
   * Returns false (and does nothing) when the task is not waiting. Linux: the hrtimer_sleeper
   * firing, then futex_unqueue() returning 1 in futex_wait().
   */
  timeout(tid: number): boolean {
    const q = this.byTid.get(tid);
    if (q === undefined) return false;
    this.buckets.dequeue(q);
    this.byTid.delete(tid);
    this.sched.wakeTask(tid, -ETIMEDOUT);
    return true;
  }

  /**
   * Times out every waiter whose deadline is at or before `nowNs`, earliest first (equal deadlines
   * in queue order). Returns how many. For a kernel that keeps no timer list of its own.
   */
  expireTimers(nowNs: number): number {
    const due: FutexQ[] = [];
    for (const q of this.byTid.values()) if (q.deadlineNs !== null && q.deadlineNs <= nowNs) due.push(q);
    due.sort((a, b) => a.deadlineNs! - b.deadlineNs! || a.seq - b.seq);
    for (const q of due) this.timeout(q.tid);
    return due.length;
  }

  /**
   * The task is exiting or got a signal: dequeue it without resuming it (the caller decides what its
   * futex() returns: -EINTR, -ERESTARTSYS). Returns whether it was queued. Linux: futex_unqueue()
   * after signal_pending() in futex_wait().
   */
  cancel(tid: number): boolean {
    const q = this.byTid.get(tid);
    if (q === undefined) return false;
    this.buckets.dequeue(q);
    this.byTid.delete(tid);
    return true;
  }

  /** True when `tid` is queued on a futex. */
  isWaiting(tid: number): boolean {
    return this.byTid.has(tid);
  }

  /** The deadline of a waiting task (null: none), or undefined when it is not waiting. */
  deadlineOf(tid: number): number | null | undefined {
    return this.byTid.get(tid)?.deadlineNs;
  }

  /** Tasks waiting on any futex. */
  waiters(): number {
    return this.byTid.size;
  }

  /** Checks the buckets' chains, counts and hashes, and that every waiting task is on exactly one chain. */
  assertValid(): void {
    const total = this.buckets.assertValid(this.byTid.size);
    if (total !== this.byTid.size) bug(`futex table: ${total} waiters on the chains, ${this.byTid.size} tasks waiting`);
    for (const [tid, q] of this.byTid) {
      if (q.tid !== tid) bug(`futex table: task ${tid} maps to the futex_q of task ${q.tid}`);
      if (q.bucket === -1) bug(`futex table: task ${tid} is waiting but its futex_q is dequeued`);
    }
  }
}
