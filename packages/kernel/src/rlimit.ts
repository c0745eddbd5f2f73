/**
 * Resource limits of a thread group, and getrlimit(2), setrlimit(2) and prlimit64(2). The backends
 * apply RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK and RLIMIT_MEMLOCK of the task making each call; the
 * other limits are kept and reported only. Linux: signal_struct.rlim, INIT_RLIMITS
 * (include/asm-generic/resource.h), do_prlimit() and the syscalls of kernel/sys.c.
 */
import { EFAULT, EINVAL, EPERM, ESRCH, PAGE_SIZE, RLIMIT_MEMLOCK, RLIMIT_STACK, RLIM_NLIMITS } from "@mmsim/mm-types";
import type { SyscallArg } from "./dispatch.js";
import type { Task } from "./task.js";

/** ~0UL: no limit. Linux: RLIM_INFINITY (and RLIM64_INFINITY). */
const INF = 2n ** 64n - 1n;
/** The NOFILE hard limit may not go above fs.nr_open (1024 * 1024). Linux: sysctl_nr_open. */
const NR_OPEN = 1n << 20n;
const RLIMIT_NOFILE = 7;
/** Linux: RLIMIT_SIGPENDING, the queued-signal limit /proc/<pid>/status prints in SigQ. */
export const RLIMIT_SIGPENDING = 11;
/** Bytes of struct rlimit (and rlimit64) on x86-64: two u64. */
export const RLIMIT_STRUCT_SIZE = 16;

/** The limits of a thread group: soft (`cur`) and hard (`max`) per RLIMIT_*. Linux: signal->rlim[]. */
export class Rlimits {
  private readonly cur = new BigUint64Array(RLIM_NLIMITS);
  private readonly max = new BigUint64Array(RLIM_NLIMITS);
  /** The same as numbers, for the backends' checks on every mmap (no bigint conversion there). */
  private readonly curN = new Float64Array(RLIM_NLIMITS).fill(2 ** 64);
  private readonly maxN = new Float64Array(RLIM_NLIMITS).fill(2 ** 64);

  /** A fork's copy (a thread shares its group's instead). Linux: copy_signal(). */
  copy(): Rlimits {
    const r = new Rlimits();
    for (let i = 0; i < RLIM_NLIMITS; i++) r.set(i, this.cur[i]!, this.max[i]!);
    return r;
  }

  /** Limit `r` in bytes as a number (RLIM_INFINITY is 2^64), soft or hard. Linux: rlimit(), rlimit_max(). */
  get(r: number, max = false): number {
    return (max ? this.maxN : this.curN)[r]!;
  }

  /** Soft and hard limit `r`, exactly. */
  get64(r: number): [bigint, bigint] {
    return [this.cur[r]!, this.max[r]!];
  }

  set(r: number, cur: bigint, max: bigint): void {
    this.cur[r] = cur;
    this.max[r] = max;
    this.curN[r] = Number(cur);
    this.maxN[r] = Number(max);
  }
}

/**
 * init's limits on a machine of `nrPages` page frames: unlimited but for an 8 MiB stack (hard
 * unlimited), no core, 1024/4096 files, 8 MiB locked memory, 819200 bytes of message queues, no nice
 * or real-time priority, and processes and pending signals at half of max_threads. Linux: INIT_RLIMITS,
 * set_max_threads() (THREAD_SIZE 16 KiB on x86-64).
 */
export function initRlimits(nrPages: number): Rlimits {
  const r = new Rlimits();
  for (let i = 0; i < RLIM_NLIMITS; i++) r.set(i, INF, INF);
  const set = (res: number, cur: bigint, max: bigint): void => r.set(res, cur, max);
  const maxThreads = Math.min(Math.max(Math.floor((nrPages * PAGE_SIZE) / (16384 * 8)), 20), 0x3fffffff);
  const half = BigInt(Math.floor(maxThreads / 2));
  set(RLIMIT_STACK, 8n << 20n, INF);
  set(4 /* RLIMIT_CORE */, 0n, INF);
  set(6 /* RLIMIT_NPROC */, half, half);
  set(RLIMIT_NOFILE, 1024n, 4096n);
  set(RLIMIT_MEMLOCK, 8n << 20n, 8n << 20n);
  set(RLIMIT_SIGPENDING, half, half);
  set(12 /* RLIMIT_MSGQUEUE */, 819200n, 819200n);
  set(13 /* RLIMIT_NICE */, 0n, 0n);
  set(14 /* RLIMIT_RTPRIO */, 0n, 0n);
  return r;
}

/** What the syscalls need of the kernel: user memory of the calling task, tasks by pid, privilege. */
export interface RlimitHost {
  readUser(t: Task, addr: number, dst: Uint8Array): boolean;
  writeUser(t: Task, addr: number, src: Uint8Array): boolean;
  task(pid: number): Task | null;
}

/** A struct rlimit argument: a user address of one, or the struct decoded ({ rlim_cur, rlim_max }). Null when it faults. */
function readRlimit(host: RlimitHost, t: Task, arg: SyscallArg): [bigint, bigint] | null {
  if (arg !== null && typeof arg === "object") {
    const cur = toU64(arg["rlim_cur"]);
    const max = toU64(arg["rlim_max"]);
    return cur === null || max === null ? null : [cur, max];
  }
  if (typeof arg !== "number" || !Number.isInteger(arg)) return null;
  const buf = new Uint8Array(RLIMIT_STRUCT_SIZE);
  if (!host.readUser(t, arg, buf)) return null;
  const v = new DataView(buf.buffer);
  return [v.getBigUint64(0, true), v.getBigUint64(8, true)];
}

/** A decoded field: a number, a bigint, or strace's RLIM_INFINITY / RLIM64_INFINITY. */
function toU64(x: unknown): bigint | null {
  if (x === "RLIM_INFINITY" || x === "RLIM64_INFINITY") return INF;
  if (typeof x === "bigint") return x >= 0n && x <= INF ? x : null;
  // a number can't hold 2^64 - 1 exactly: it rounds to 2^64, which means RLIM_INFINITY
  if (typeof x === "number" && Number.isInteger(x)) return x >= 2 ** 64 - 1 ? INF : BigInt.asUintN(64, BigInt(x));
  return null;
}

function writeRlimit(host: RlimitHost, t: Task, addr: number, cur: bigint, max: bigint): boolean {
  const buf = new Uint8Array(RLIMIT_STRUCT_SIZE);
  const v = new DataView(buf.buffer);
  v.setBigUint64(0, cur, true);
  v.setBigUint64(8, max, true);
  return host.writeUser(t, addr, buf);
}

/**
 * Reads and/or replaces limit `resource` of `target`'s group: EINVAL for an unknown resource or a
 * soft limit above the hard one, EPERM for NOFILE above fs.nr_open or a raised hard limit without
 * CAP_SYS_RESOURCE (uid 0 has it). Returns 0 with `old` filled, or -errno. Linux: do_prlimit().
 */
function doPrlimit(target: Task, caller: Task, resource: number, next: [bigint, bigint] | null, old: [bigint, bigint] | null): number {
  if (!Number.isInteger(resource) || resource < 0 || resource >= RLIM_NLIMITS) return -EINVAL;
  if (next !== null) {
    if (next[0] > next[1]) return -EINVAL;
    if (resource === RLIMIT_NOFILE && next[1] > NR_OPEN) return -EPERM;
  }
  const rl = target.rlim;
  const [cur, max] = rl.get64(resource);
  if (next !== null && next[1] > max && caller.cred.uid !== 0) return -EPERM;
  if (old !== null) {
    old[0] = cur;
    old[1] = max;
  }
  if (next !== null) rl.set(resource, next[0], next[1]);
  return 0;
}

/** getrlimit(2). Linux: sys_getrlimit(). */
export function sysGetrlimit(host: RlimitHost, t: Task, resource: number, rlim: SyscallArg): number {
  const old: [bigint, bigint] = [0n, 0n];
  const r = doPrlimit(t, t, resource, null, old);
  if (r < 0) return r;
  return typeof rlim === "number" && Number.isInteger(rlim) && writeRlimit(host, t, rlim, old[0], old[1]) ? 0 : -EFAULT;
}

/** setrlimit(2). Linux: sys_setrlimit(). */
export function sysSetrlimit(host: RlimitHost, t: Task, resource: number, rlim: SyscallArg): number {
  const next = readRlimit(host, t, rlim);
  if (next === null) return -EFAULT;
  return doPrlimit(t, t, resource, next, null);
}

/**
 * prlimit64(2): pid 0 is the caller; another process needs matching ids or CAP_SYS_RESOURCE (EPERM),
 * and must exist (ESRCH). The new limit is read first (EFAULT), the old one written last (EFAULT).
 * Linux: sys_prlimit64(), check_prlimit_permission().
 */
export function sysPrlimit64(host: RlimitHost, t: Task, pid: number, resource: number, newRlim: SyscallArg, oldRlim: SyscallArg): number {
  let next: [bigint, bigint] | null = null;
  if (newRlim !== null && newRlim !== 0) {
    next = readRlimit(host, t, newRlim);
    if (next === null) return -EFAULT;
  }
  const target = pid === 0 ? t : host.task(pid);
  if (target === null || !target.alive) return -ESRCH;
  if (target !== t && target.cred.uid !== t.cred.uid && t.cred.uid !== 0) return -EPERM;
  if (target !== t && target.cred.gid !== t.cred.gid && t.cred.uid !== 0) return -EPERM;
  const wantOld = oldRlim !== null && oldRlim !== 0;
  const old: [bigint, bigint] = [0n, 0n];
  const r = doPrlimit(target, t, resource, next, wantOld ? old : null);
  if (r < 0 || !wantOld) return r;
  return typeof oldRlim === "number" && Number.isInteger(oldRlim) && writeRlimit(host, t, oldRlim, old[0], old[1]) ? 0 : -EFAULT;
}
