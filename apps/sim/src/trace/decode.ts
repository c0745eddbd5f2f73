/**
 * From a parsed syscall record to what the syscall layer takes: the x86-64 number and the numeric
 * arguments in Linux's order (`mmap(addr, len, prot, flags, fd, off)`), with symbolic names turned
 * into numbers through the mm-types tables. Where strace printed what a pointer points to instead of
 * the pointer (a path, a timespec, a shmid_ds, clone3's clone_args), the slot in `args` is 0 and the
 * decoded contents are beside it (`path`, `timeout`, `shmidDs`, `cloneArgs`): the replay writes
 * them into simulated user memory and passes that address. Anything of another shape is an error
 * naming the line and what was expected, never a guess.
 * Linux: the syscall prototypes of include/linux/syscalls.h; clone's x86-64 order is the default
 * SYSCALL_DEFINE5(clone, flags, newsp, parent_tidptr, child_tidptr, tls) of kernel/fork.c (only
 * x86-32 selects CLONE_BACKWARDS); futex's 4th argument is a timeout for the commands
 * futex_cmd_has_timeout() names in kernel/futex/syscalls.c, val2 for the others. strace's printers:
 * src/mem.c, src/futex.c, src/ipc_shm.c, src/ipc_shmctl.c, src/clone.c, src/open.c (v6.1).
 */
import {
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_FD,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_REQUEUE,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
  IPC_64,
  IPC_SET,
  IPC_STAT,
  NR,
  SHM_STAT,
  SHM_STAT_ANY,
} from "@mmsim/mm-types";
import type { Arg, FlagsArg, StructArg } from "./strace-args.js";
import type { NameTable } from "./strace-names.js";
import {
  CLONE3_TABLE,
  CLONE_TABLE,
  DIRFD_NAMES,
  FUTEX_OP_TABLE,
  FUTEX_VAL3_TABLE,
  IPC_KEY_NAMES,
  MADV_TABLE,
  MAP_TABLE,
  MREMAP_TABLE,
  OPEN_FLAG_NAMES,
  PROT_TABLE,
  SHMAT_FLAG_NAMES,
  SHMCTL_TABLE,
  SHMGET_FLAG_NAMES,
  SIGNAL_TABLE,
  or64,
  shl64,
} from "./strace-names.js";
import type { SyscallRecord, TraceParseError } from "./strace-parse.js";
import { REPLAYED_SYSCALLS } from "./strace-parse.js";

/** A syscall the replay carries out. */
export type ReplayedSyscall =
  | "mmap" | "munmap" | "mprotect" | "mremap" | "brk" | "madvise"
  | "shmget" | "shmat" | "shmdt" | "shmctl" | "futex"
  | "clone" | "clone3" | "fork" | "vfork" | "execve" | "exit" | "exit_group"
  | "openat" | "open" | "close" | "dup" | "dup2" | "dup3" | "ftruncate";

/** The `shm_perm` fields shmctl(IPC_SET) takes. Linux: struct shmid64_ds.shm_perm (uid, gid, mode). */
export interface ShmidDsSet {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

/**
 * What a recorded shmctl(IPC_STAT / SHM_STAT / SHM_STAT_ANY) wrote, for --check.
 * Linux: struct shmid64_ds (shm_segsz, shm_nattch, shm_cpid, shm_lpid) and its shm_perm.
 */
export interface ShmStat {
  readonly shmSegsz: number;
  readonly shmNattch: number;
  readonly shmCpid: number;
  readonly shmLpid: number;
  /** shm_perm.mode: the permission bits, with SHM_DEST / SHM_LOCKED when set. */
  readonly mode: number;
  readonly key: number;
  readonly uid: number;
  readonly gid: number;
  readonly cuid: number;
  readonly cgid: number;
}

/** A timeout as the kernel reads it from user memory. Linux: struct __kernel_timespec. */
export interface Timespec {
  readonly tvSec: number;
  readonly tvNsec: number;
}

/** clone3's `struct clone_args` as strace decoded it. Linux: struct clone_args (include/uapi/linux/sched.h). */
export interface CloneArgs {
  readonly flags: number;
  readonly exitSignal: number;
  readonly stack: number;
  readonly stackSize: number;
  readonly tls: number;
  readonly childTid: number;
  readonly parentTid: number;
  readonly pidfd: number;
  readonly cgroup: number;
}

/** A replayed syscall, ready for the syscall layer. */
export interface DecodedCall {
  readonly kind: "call";
  readonly line: number;
  readonly resumedLine: number | null;
  readonly pid: number;
  readonly name: ReplayedSyscall;
  /** x86-64 syscall number. */
  readonly nr: number;
  /** Arguments in Linux order; 0 where strace printed the pointee instead of the pointer. */
  readonly args: readonly number[];
  /** The recorded return in the kernel's convention (value or -errno); null when strace shows none. */
  readonly ret: number | null;
  /** execve, open, openat: the path the pointer argument points to. */
  readonly path?: string;
  /** execve: argv as printed (strace shortens long strings and lists; see `argvTruncated`). */
  readonly argv?: readonly string[];
  readonly argvTruncated?: boolean;
  /**
   * futex: the timeout, null for none; relative for FUTEX_WAIT, absolute for FUTEX_WAIT_BITSET,
   * FUTEX_LOCK_PI(2) and FUTEX_WAIT_REQUEUE_PI (CLOCK_REALTIME times in ns would pass 2^53).
   */
  readonly timeout?: Timespec | null;
  /**
   * futex: the same timeout in nanoseconds, as the syscall layer takes it; null for none. Exact below
   * 2^53 ns (104 days): a CLOCK_REALTIME deadline is rounded to the nearest double (a few hundred ns).
   */
  readonly timeoutNs?: number | null;
  /** shmctl(IPC_SET): the fields it sets. */
  readonly shmidDs?: ShmidDsSet;
  /** shmctl(IPC_STAT, SHM_STAT, SHM_STAT_ANY) that succeeded: what the kernel wrote. */
  readonly shmStat?: ShmStat;
  /** clone3: its decoded arguments (the `args` are then [0, size]). */
  readonly cloneArgs?: CloneArgs;
}

/** A record's arguments did not have the shape of its syscall. */
class DecodeFailure {
  constructor(readonly message: string) {}
}

function fail(message: string): never {
  throw new DecodeFailure(message);
}

/** How an argument reads in an error message. */
function show(a: Arg | undefined): string {
  if (a === undefined) return "nothing";
  switch (a.kind) {
    case "number": return typeof a.value === "bigint" || a.value >= 0x10000 ? `0x${a.value.toString(16)}` : `${a.value}`;
    case "flags": return a.names.join("|") + (a.extra !== 0 ? `|0x${a.extra.toString(16)}` : "");
    case "string": return JSON.stringify(a.value);
    case "struct": return "a struct";
    case "array": return "an array";
    case "null": return "NULL";
    case "raw": return `'${a.text}'`;
  }
}

function safe(v: number | bigint, what: string): number {
  if (typeof v === "bigint") fail(`${what} 0x${BigInt.asUintN(64, v).toString(16)} is beyond 2^53, not exact as a number`);
  return v;
}

/** A plain number or NULL (as 0). */
function int(a: Arg | undefined, what: string): number {
  if (a?.kind === "number") return safe(a.value, what);
  if (a?.kind === "null") return 0;
  return fail(`expected a number for ${what}, found ${show(a)}`);
}

/** A name table with the values of the flag sets already resolved against it (the parser shares them). */
interface Symbols {
  readonly table: NameTable;
  readonly what: string;
  readonly resolved: WeakMap<FlagsArg, number>;
}

function symbols(table: NameTable, what: string): Symbols {
  return { table, what, resolved: new WeakMap() };
}

/** A number, NULL, or names of the table OR'ed with numbers; `A<<B` terms shift. */
function sym(a: Arg | undefined, t: Symbols): number {
  if (a?.kind !== "flags") return int(a, t.what);
  const known = t.resolved.get(a);
  if (known !== undefined) return known;
  let v = a.extra;
  for (const name of a.names) v = or64(v, nameValue(name, t.table, t.what));
  t.resolved.set(a, v);
  return v;
}

function nameValue(name: string, table: NameTable, what: string): number {
  const v = table.get(name);
  if (v !== undefined) return v;
  const shift = name.indexOf("<<");
  if (shift < 0) return fail(`unknown ${what} name ${name}`);
  const left = termValue(name.slice(0, shift), table, what);
  const r = shl64(left, termValue(name.slice(shift + 2), table, what));
  return r ?? fail(`${what} term ${name} is beyond 2^53`);
}

function termValue(t: string, table: NameTable, what: string): number {
  const n = Number(t);
  return Number.isSafeInteger(n) && t !== "" ? n : nameValue(t, table, what);
}

function str(a: Arg | undefined, what: string): string {
  if (a?.kind !== "string") return fail(`expected a string for ${what}, found ${show(a)}`);
  if (a.truncated) fail(`${what} is cut short in the trace ("…"...)`);
  return a.value;
}

function struct(a: Arg | undefined, what: string): StructArg {
  if (a?.kind !== "struct") return fail(`expected a struct for ${what}, found ${show(a)}`);
  return a;
}

function field(s: StructArg, name: string): Arg | undefined {
  return s.fields.find((f) => f.name === name);
}

function need(f: StructArg, name: string, what: string): Arg {
  return field(f, name) ?? fail(`${what} has no ${name}`);
}

/** `{tv_sec=1, tv_nsec=500}`; NULL is null. */
function timespec(a: Arg | undefined, what: string): Timespec | null {
  if (a?.kind === "null") return null;
  const ts = struct(a, what);
  return { tvSec: int(need(ts, "tv_sec", what), `${what}.tv_sec`), tvNsec: int(need(ts, "tv_nsec", what), `${what}.tv_nsec`) };
}

type Draft = { -readonly [K in keyof DecodedCall]: DecodedCall[K] };

/** Fills `d.args` (and what goes beside them) from the record's arguments. */
type Decoder = (a: readonly Arg[], d: Draft, rec: SyscallRecord) => void;

const PROT = symbols(PROT_TABLE, "prot");
const MAP = symbols(MAP_TABLE, "mmap flag");
const MREMAP = symbols(MREMAP_TABLE, "mremap flag");
const MADV = symbols(MADV_TABLE, "madvise advice");
const IPC_KEY = symbols(IPC_KEY_NAMES, "key");
const SHMGET_FLAG = symbols(SHMGET_FLAG_NAMES, "shmget flag");
const SHMAT_FLAG = symbols(SHMAT_FLAG_NAMES, "shmat flag");
const SHMCTL_CMD = symbols(SHMCTL_TABLE, "shmctl cmd");
const FUTEX_OP = symbols(FUTEX_OP_TABLE, "futex op");
const FUTEX_VAL3 = symbols(FUTEX_VAL3_TABLE, "val3");
const CLONE_FLAG = symbols(CLONE_TABLE, "clone flag");
const CLONE3_FLAG = symbols(CLONE3_TABLE, "clone flag");
const SIGNAL = symbols(SIGNAL_TABLE, "exit_signal");
const DIRFD = symbols(DIRFD_NAMES, "dirfd");
const OPEN_FLAG = symbols(OPEN_FLAG_NAMES, "open flag");
const DUP3_FLAG = symbols(OPEN_FLAG_NAMES, "dup3 flag");

function count(a: readonly Arg[], rec: SyscallRecord, min: number, max = min): void {
  const n = a.length;
  if (n < min || n > max) fail(`${rec.name} takes ${min === max ? min : `${min} to ${max}`} arguments here, found ${n}`);
}

function mmap(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 6);
  d.args = [int(a[0], "addr"), int(a[1], "len"), sym(a[2], PROT), sym(a[3], MAP), int(a[4], "fd"), int(a[5], "offset")];
}

function addrLen(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 2);
  d.args = [int(a[0], "addr"), int(a[1], "len")];
}

function mprotect(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 3);
  d.args = [int(a[0], "addr"), int(a[1], "len"), sym(a[2], PROT)];
}

function mremap(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 4, 5);
  d.args = [int(a[0], "old_address"), int(a[1], "old_len"), int(a[2], "new_len"), sym(a[3], MREMAP), a.length === 5 ? int(a[4], "new_address") : 0];
}

function oneInt(what: string): Decoder {
  return (a, d, rec) => {
    count(a, rec, 1);
    d.args = [int(a[0], what)];
  };
}

function ints(...what: string[]): Decoder {
  return (a, d, rec) => {
    count(a, rec, what.length);
    d.args = a.map((x, k) => int(x, what[k]!));
  };
}

function madvise(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 3);
  d.args = [int(a[0], "addr"), int(a[1], "len"), sym(a[2], MADV)];
}

function shmget(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 3);
  d.args = [sym(a[0], IPC_KEY), int(a[1], "size"), sym(a[2], SHMGET_FLAG)];
}

function shmat(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 3);
  d.args = [int(a[0], "shmid"), int(a[1], "shmaddr"), sym(a[2], SHMAT_FLAG)];
}

function shmctl(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 3);
  const buf = a[2];
  const cmd = sym(a[1], SHMCTL_CMD);
  const base = cmd & ~IPC_64;
  if (buf?.kind !== "struct") {
    d.args = [int(a[0], "shmid"), cmd, int(buf, "buf")];
    return;
  }
  d.args = [int(a[0], "shmid"), cmd, 0];
  const perm = struct(need(buf, "shm_perm", "shmid_ds"), "shm_perm");
  const permInt = (name: string): number => int(need(perm, name, "shm_perm"), `shm_perm.${name}`);
  if (base === IPC_SET) {
    d.shmidDs = { uid: permInt("uid"), gid: permInt("gid"), mode: permInt("mode") };
  } else if ((base === IPC_STAT || base === SHM_STAT || base === SHM_STAT_ANY) && rec.result.kind === "value") {
    const dsInt = (name: string): number => int(need(buf, name, "shmid_ds"), name);
    d.shmStat = {
      shmSegsz: dsInt("shm_segsz"),
      shmNattch: dsInt("shm_nattch"),
      shmCpid: dsInt("shm_cpid"),
      shmLpid: dsInt("shm_lpid"),
      mode: permInt("mode"),
      key: sym(need(perm, "key", "shm_perm"), IPC_KEY),
      uid: permInt("uid"),
      gid: permInt("gid"),
      cuid: permInt("cuid"),
      cgid: permInt("cgid"),
    };
  }
}

/** How strace prints each futex command after `uaddr, op` (src/futex.c), as what the Linux slots hold. */
const FUTEX_LAYOUT: ReadonlyMap<number, { readonly printed: number; readonly slots: readonly FutexSlot[] }> = new Map([
  [FUTEX_WAIT, { printed: 4, slots: ["val", "timeout"] }],
  [FUTEX_LOCK_PI, { printed: 3, slots: ["timeout"] }],
  [FUTEX_LOCK_PI2, { printed: 3, slots: ["timeout"] }],
  [FUTEX_WAIT_BITSET, { printed: 5, slots: ["val", "timeout", "val3"] }],
  [FUTEX_WAKE_BITSET, { printed: 4, slots: ["val", "val3"] }],
  [FUTEX_REQUEUE, { printed: 5, slots: ["val", "val2", "uaddr2"] }],
  [FUTEX_CMP_REQUEUE, { printed: 6, slots: ["val", "val2", "uaddr2", "val3"] }],
  [FUTEX_CMP_REQUEUE_PI, { printed: 6, slots: ["val", "val2", "uaddr2", "val3"] }],
  [FUTEX_WAKE_OP, { printed: 6, slots: ["val", "val2", "uaddr2", "val3"] }],
  [FUTEX_WAIT_REQUEUE_PI, { printed: 5, slots: ["val", "timeout", "uaddr2"] }],
  [FUTEX_FD, { printed: 3, slots: ["val"] }],
  [FUTEX_WAKE, { printed: 3, slots: ["val"] }],
  [FUTEX_UNLOCK_PI, { printed: 2, slots: [] }],
  [FUTEX_TRYLOCK_PI, { printed: 2, slots: [] }],
]);
/** Unknown commands: strace prints every argument, the 4th as an address. */
const FUTEX_DEFAULT = { printed: 6, slots: ["val", "val2", "uaddr2", "val3"] } as const;
type FutexSlot = "val" | "timeout" | "val2" | "uaddr2" | "val3";
/** Where each printed argument goes among futex(uaddr, op, val, timeout|val2, uaddr2, val3). */
const FUTEX_SLOT_INDEX: Readonly<Record<FutexSlot, number>> = { val: 2, timeout: 3, val2: 3, uaddr2: 4, val3: 5 };

/**
 * futex as strace prints it: the arguments after `op` depend on the command. The 4th Linux argument
 * is val2 for the requeue and wake-op commands, the timeout pointer otherwise (0 here: see `timeout`).
 */
function futex(a: readonly Arg[], d: Draft): void {
  if (a.length < 2) fail(`futex takes at least uaddr and op, found ${a.length} arguments`);
  const op = sym(a[1], FUTEX_OP);
  const layout = FUTEX_LAYOUT.get(op & 127) ?? FUTEX_DEFAULT;
  if (a.length !== layout.printed) fail(`futex ${show(a[1])} takes ${layout.printed} arguments here, found ${a.length}`);
  const args = [int(a[0], "uaddr"), op, 0, 0, 0, 0];
  for (let k = 0; k < layout.slots.length; k++) {
    const slot = layout.slots[k]!;
    const x = a[k + 2];
    if (slot === "timeout") {
      const t = timespec(x, "timeout");
      d.timeout = t;
      d.timeoutNs = t === null ? null : t.tvSec * 1e9 + t.tvNsec;
    } else {
      args[FUTEX_SLOT_INDEX[slot]] = slot === "val3" ? sym(x, FUTEX_VAL3) : int(x, slot);
    }
  }
  d.args = args;
}

const CLONE_ARG_NAMES: ReadonlySet<string> = new Set(["child_stack", "flags", "parent_tid", "child_tidptr", "tls"]);

/** clone as strace prints it on x86-64: `child_stack=`, `flags=`, then `parent_tid=`, `tls=`, `child_tidptr=` when set. */
function clone(a: readonly Arg[], d: Draft): void {
  for (const x of a) {
    if (x.name === undefined || !CLONE_ARG_NAMES.has(x.name)) {
      fail(`expected clone's arguments as child_stack=, flags=, parent_tid=, child_tidptr=, tls=, found ${x.name === undefined ? show(x) : `${x.name}=`}`);
    }
  }
  const named = (name: string): Arg | undefined => a.find((x) => x.name === name);
  const pointer = (name: string): number => {
    const x = named(name);
    // parent_tid=[123] is the tid the kernel stored; the pointer itself is not printed.
    return x === undefined || x.kind === "array" ? 0 : int(x, name);
  };
  d.args = [sym(named("flags") ?? fail("clone has no flags="), CLONE_FLAG), pointer("child_stack"), pointer("parent_tid"), pointer("child_tidptr"), pointer("tls")];
}

function clone3(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 2);
  const s = struct(a[0], "clone_args");
  const opt = (name: string, t?: Symbols): number => {
    const x = field(s, name);
    if (x === undefined || x.kind === "array") return 0;
    return t === undefined ? int(x, name) : sym(x, t);
  };
  d.cloneArgs = {
    flags: sym(need(s, "flags", "clone_args"), CLONE3_FLAG),
    exitSignal: opt("exit_signal", SIGNAL),
    stack: opt("stack"),
    stackSize: opt("stack_size"),
    tls: opt("tls"),
    childTid: opt("child_tid"),
    parentTid: opt("parent_tid"),
    pidfd: opt("pidfd"),
    cgroup: opt("cgroup"),
  };
  d.args = [0, int(a[1], "size")];
}

function noArgs(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 0);
  d.args = [];
}

function execve(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 3);
  const argv = a[1];
  if (argv?.kind !== "array") fail(`expected argv as an array for execve, found ${show(argv)}`);
  d.argv = argv.items.map((x, k) => {
    if (x.kind !== "string") fail(`expected a string in argv[${k}], found ${show(x)}`);
    return x.value;
  });
  d.argvTruncated = argv.truncated || argv.items.some((x) => x.kind === "string" && x.truncated);
  d.path = str(a[0], "execve's path");
  d.args = [0, 0, a[2]?.kind === "array" ? 0 : int(a[2], "envp")];
}

function openat(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 3, 4);
  d.path = str(a[1], "openat's path");
  d.args = [sym(a[0], DIRFD), 0, sym(a[2], OPEN_FLAG), a.length === 4 ? int(a[3], "mode") : 0];
}

function open(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 2, 3);
  d.path = str(a[0], "open's path");
  d.args = [0, sym(a[1], OPEN_FLAG), a.length === 3 ? int(a[2], "mode") : 0];
}

function dup3(a: readonly Arg[], d: Draft, rec: SyscallRecord): void {
  count(a, rec, 3);
  d.args = [int(a[0], "oldfd"), int(a[1], "newfd"), sym(a[2], DUP3_FLAG)];
}

const DECODERS: ReadonlyMap<string, Decoder> = new Map<ReplayedSyscall, Decoder>([
  ["mmap", mmap],
  ["munmap", addrLen],
  ["mprotect", mprotect],
  ["mremap", mremap],
  ["brk", oneInt("brk")],
  ["madvise", madvise],
  ["shmget", shmget],
  ["shmat", shmat],
  ["shmdt", oneInt("shmaddr")],
  ["shmctl", shmctl],
  ["futex", futex],
  ["clone", clone],
  ["clone3", clone3],
  ["fork", noArgs],
  ["vfork", noArgs],
  ["execve", execve],
  ["exit", oneInt("status")],
  ["exit_group", oneInt("status")],
  ["openat", openat],
  ["open", open],
  ["close", oneInt("fd")],
  ["dup", oneInt("fd")],
  ["dup2", ints("oldfd", "newfd")],
  ["dup3", dup3],
  ["ftruncate", ints("fd", "length")],
]);

/** True when the replay carries out this syscall. */
export function isReplayedSyscall(name: string): name is ReplayedSyscall {
  return REPLAYED_SYSCALLS.has(name);
}

function recordedRet(rec: SyscallRecord): number | null {
  const r = rec.result;
  if (r.kind === "none") return null;
  if (r.kind === "errno") return -r.errno;
  return safe(r.value, "the return value");
}

/**
 * Decodes one record of a replayed syscall. Returns an error entry (`line N: …`) when the record is
 * not a replayed syscall, was read loosely, or has arguments of another shape than strace prints.
 */
export function decodeCall(rec: SyscallRecord): DecodedCall | TraceParseError {
  const name = rec.name;
  const decoder = DECODERS.get(name);
  if (decoder === undefined || !rec.argsParsed) {
    const why = decoder === undefined ? "not a replayed syscall" : "its arguments were read loosely; parse with the replayed syscalls read in full";
    return { kind: "error", line: rec.line, error: `line ${rec.line}: ${name}: ${why}`, raw: rec.raw };
  }
  const d: Draft = {
    kind: "call",
    line: rec.line,
    resumedLine: rec.resumedLine,
    pid: rec.pid,
    name: name as ReplayedSyscall,
    nr: NR[name as ReplayedSyscall],
    args: NO_NUMBERS,
    ret: null,
    path: undefined,
    argv: undefined,
    argvTruncated: undefined,
    timeout: undefined,
    timeoutNs: undefined,
    shmidDs: undefined,
    shmStat: undefined,
    cloneArgs: undefined,
  };
  try {
    d.ret = recordedRet(rec);
    decoder(rec.args, d, rec);
    return d;
  } catch (e) {
    if (e instanceof DecodeFailure) return { kind: "error", line: rec.line, error: `line ${rec.line}: ${name}: ${e.message}`, raw: rec.raw };
    throw e;
  }
}

const NO_NUMBERS: readonly number[] = [];
