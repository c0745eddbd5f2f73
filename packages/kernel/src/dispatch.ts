/**
 * Dispatch of Linux-numbered syscalls (x86-64 numbers, Linux argument order). Pointer arguments to
 * strings and structs are passed decoded, as strace shows them: a path is a string, a timeout is
 * nanoseconds or null, a struct is a plain object. Syscalls the kernel doesn't know return -ENOSYS.
 * Linux: do_syscall_64() → sys_call_table.
 */
import { EFAULT, ENOSYS, NR, SIGCHLD } from "@mmsim/mm-types";
import type { Kernel, SyscallResult } from "./kernel.js";

/** One syscall argument: a number, a decoded string or struct, or NULL. */
export type SyscallArg = number | string | null | { readonly [field: string]: unknown };

/** A syscall implementation registered by a subsystem (futex, SysV IPC). */
export type SyscallHandler = (kernel: Kernel, tid: number, args: readonly SyscallArg[]) => SyscallResult;

/** A numeric argument (checked by argsMatch); NULL is 0. */
function num(a: SyscallArg | undefined): number {
  if (a === null || a === undefined) return 0;
  return typeof a === "number" ? a : NaN;
}

type Builtin = (k: Kernel, tid: number, a: readonly SyscallArg[]) => SyscallResult;

/**
 * Each built-in with the kinds of its arguments: n a number (NULL reads as 0), s a string, o a struct.
 * An argument of the wrong kind is a bad user pointer: EFAULT.
 */
const BUILTIN_LIST: ReadonlyArray<readonly [number, string, Builtin]> = [
  [NR.mmap, "nnnnnn", (k, t, a) => k.mmap(t, num(a[0]), num(a[1]), num(a[2]), num(a[3]), num(a[4]), num(a[5]))],
  [NR.munmap, "nn", (k, t, a) => k.munmap(t, num(a[0]), num(a[1]))],
  [NR.mprotect, "nnn", (k, t, a) => k.mprotect(t, num(a[0]), num(a[1]), num(a[2]))],
  [NR.mremap, "nnnnn", (k, t, a) => k.mremap(t, num(a[0]), num(a[1]), num(a[2]), num(a[3]), num(a[4]))],
  [NR.brk, "n", (k, t, a) => k.brk(t, num(a[0]))],
  [NR.madvise, "nnn", (k, t, a) => k.madvise(t, num(a[0]), num(a[1]), num(a[2]))],
  [NR.msync, "nnn", (k, t, a) => k.msync(t, num(a[0]), num(a[1]), num(a[2]))],
  [NR.mincore, "nnn", (k, t, a) => k.mincore(t, num(a[0]), num(a[1]), num(a[2]))],
  [NR.getrlimit, "n", (k, t, a) => k.getrlimit(t, num(a[0]), a[1] ?? null)],
  [NR.setrlimit, "n", (k, t, a) => k.setrlimit(t, num(a[0]), a[1] ?? null)],
  [NR.prlimit64, "nn", (k, t, a) => k.prlimit64(t, num(a[0]), num(a[1]), a[2] ?? null, a[3] ?? null)],
  [NR.prctl, "nnnn", (k, t, a) => k.prctl(t, num(a[0]), num(a[1]), num(a[2]), num(a[3]), a[4] ?? null)],
  [NR.mlock, "nn", (k, t, a) => k.mlock(t, num(a[0]), num(a[1]), true)],
  [NR.munlock, "nn", (k, t, a) => k.mlock(t, num(a[0]), num(a[1]), false)],
  [NR.open, "snn", (k, t, a) => k.open(t, a[0] as string, num(a[1]), num(a[2]))],
  [NR.openat, "nsnn", (k, t, a) => k.openat(t, num(a[0]), a[1] as string, num(a[2]), num(a[3]))],
  [NR.close, "n", (k, t, a) => k.close(t, num(a[0]))],
  [NR.lseek, "nnn", (k, t, a) => k.lseek(t, num(a[0]), num(a[1]), num(a[2]))],
  [NR.dup, "n", (k, t, a) => k.dup(t, num(a[0]))],
  [NR.dup2, "nn", (k, t, a) => k.dup2(t, num(a[0]), num(a[1]))],
  [NR.dup3, "nnn", (k, t, a) => k.dup3(t, num(a[0]), num(a[1]), num(a[2]))],
  [NR.ftruncate, "nn", (k, t, a) => k.ftruncate(t, num(a[0]), num(a[1]))],
  [NR.truncate, "sn", (k, t, a) => k.truncate(t, a[0] as string, num(a[1]))],
  [NR.read, "nnn", (k, t, a) => k.read(t, num(a[0]), num(a[1]), num(a[2]))],
  [NR.write, "nnn", (k, t, a) => k.write(t, num(a[0]), num(a[1]), num(a[2]))],
  [NR.pread64, "nnnn", (k, t, a) => k.read(t, num(a[0]), num(a[1]), num(a[2]), num(a[3]))],
  [NR.pwrite64, "nnnn", (k, t, a) => k.write(t, num(a[0]), num(a[1]), num(a[2]), num(a[3]))],
  [NR.getpid, "", (k, t) => k.runAs(t, (task) => task.tgid)],
  [NR.gettid, "", (k, t) => k.runAs(t, (task) => task.tid)],
  [NR.clone, "nnnnn", (k, t, a) => k.clone(t, num(a[0]), { childTidAddr: num(a[3]) })],
  [NR.clone3, "o", (k, t, a) => clone3(k, t, a[0])],
  [NR.fork, "", (k, t) => k.clone(t, SIGCHLD)],
  [NR.vfork, "", (k, t) => k.vfork(t)],
  [NR.execve, "s", (k, t, a) => k.execve(t, a[0] as string)],
  [NR.exit, "n", (k, t, a) => k.exit(t, num(a[0]))],
  [NR.exit_group, "n", (k, t, a) => k.exitGroup(t, num(a[0]))],
];
const BUILTINS: ReadonlyMap<number, readonly [string, Builtin]> = new Map(BUILTIN_LIST.map(([nr, spec, fn]) => [nr, [spec, fn] as const]));

/** Whether the arguments have the kinds `spec` names. */
function argsMatch(spec: string, args: readonly SyscallArg[]): boolean {
  for (let i = 0; i < spec.length; i++) {
    const a = args[i];
    const k = spec[i];
    if (k === "n" && !(a === undefined || a === null || (typeof a === "number" && Number.isFinite(a)))) return false;
    if (k === "s" && typeof a !== "string") return false;
    if (k === "o" && (a === null || typeof a !== "object")) return false;
  }
  return true;
}

/** clone3 with a decoded struct clone_args ({ flags, exit_signal, child_tid, ... }). */
function clone3(k: Kernel, tid: number, args: SyscallArg | undefined): SyscallResult {
  if (args === null || typeof args !== "object") return -EFAULT;
  const flags = num(args["flags"] as SyscallArg) | (num(args["exit_signal"] as SyscallArg) & 0xff);
  return k.clone(tid, flags, { childTidAddr: num(args["child_tid"] as SyscallArg) });
}

/**
 * Runs syscall `nr` for task `tid`. Subsystem handlers take precedence over the built-ins.
 * A numeric argument given as something else is a bad pointer (EFAULT).
 */
export function dispatchSyscall(
  kernel: Kernel,
  handlers: ReadonlyMap<number, SyscallHandler>,
  tid: number,
  nr: number,
  args: readonly SyscallArg[],
): SyscallResult {
  const handler = handlers.get(nr);
  if (handler !== undefined) return handler(kernel, tid, args);
  const builtin = BUILTINS.get(nr);
  if (builtin === undefined) return -ENOSYS;
  if (!argsMatch(builtin[0], args)) return -EFAULT;
  return builtin[1](kernel, tid, args);
}
