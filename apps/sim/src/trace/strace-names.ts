/**
 * The symbolic names strace prints for the arguments of the replayed syscalls, as name → number
 * tables. The mm ones come from mm-types; the open, IPC resource, shmat, signal and extra clone names
 * are local until mm-types has them (see the report of issue 7).
 */
import {
  AT_FDCWD,
  CLONE_NAMES,
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMD_NAMES,
  FUTEX_OP_ADD,
  FUTEX_OP_ANDN,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_CMP_GE,
  FUTEX_OP_CMP_GT,
  FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_LT,
  FUTEX_OP_CMP_NE,
  FUTEX_OP_OPARG_SHIFT,
  FUTEX_OP_OR,
  FUTEX_OP_SET,
  FUTEX_OP_XOR,
  FUTEX_PRIVATE_FLAG,
  IPC_64,
  IPC_CREAT,
  IPC_EXCL,
  IPC_NOWAIT,
  IPC_PRIVATE,
  MADV_NAMES,
  MAP_NAMES,
  MREMAP_NAMES,
  O_ACCMODE,
  O_APPEND,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_PATH,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  PROT_NAMES,
  PROT_NONE,
  SHMCTL_NAMES,
  SHM_EXEC,
  SHM_HUGETLB,
  SHM_NORESERVE,
  SHM_RDONLY,
  SHM_REMAP,
  SHM_RND,
} from "@mmsim/mm-types";

/** A name → value table for one argument's symbols. */
export type NameTable = ReadonlyMap<string, number>;

function table(...parts: ReadonlyArray<ReadonlyArray<readonly [string, number]>>): NameTable {
  return new Map(parts.flat());
}

/** The shift of the huge page size inside mmap and shmget flags. Linux: MAP_HUGE_SHIFT, SHM_HUGE_SHIFT. */
export const MAP_HUGE_SHIFT = 26;

/** Open flags mm-types lacks (include/uapi/asm-generic/fcntl.h, x86-64 values). */
const O_EXTRA: ReadonlyArray<readonly [string, number]> = [
  ["O_DSYNC", 0o10000],
  ["FASYNC", 0o20000],
  ["O_DIRECT", 0o40000],
  ["O_LARGEFILE", 0o100000],
  ["O_NOATIME", 0o1000000],
  ["__O_SYNC", 0o4000000],
  ["O_SYNC", 0o4010000],
  ["__O_TMPFILE", 0o20000000],
  ["O_TMPFILE", 0o20200000],
  ["O_NDELAY", O_NONBLOCK],
];

/** open/openat/dup3 flags, as strace prints them (`O_RDONLY|O_CLOEXEC`). */
export const OPEN_FLAG_NAMES: NameTable = table(
  [
    ["O_RDONLY", O_RDONLY],
    ["O_WRONLY", O_WRONLY],
    ["O_RDWR", O_RDWR],
    ["O_ACCMODE", O_ACCMODE],
    ["O_CREAT", O_CREAT],
    ["O_EXCL", O_EXCL],
    ["O_NOCTTY", O_NOCTTY],
    ["O_TRUNC", O_TRUNC],
    ["O_APPEND", O_APPEND],
    ["O_NONBLOCK", O_NONBLOCK],
    ["O_DIRECTORY", O_DIRECTORY],
    ["O_NOFOLLOW", O_NOFOLLOW],
    ["O_CLOEXEC", O_CLOEXEC],
    ["O_PATH", O_PATH],
  ],
  O_EXTRA,
);

/** The dirfd of openat: a number or `AT_FDCWD`. */
export const DIRFD_NAMES: NameTable = table([["AT_FDCWD", AT_FDCWD]]);

/** mmap prot, mprotect prot. */
export const PROT_TABLE: NameTable = table([["PROT_NONE", PROT_NONE]], PROT_NAMES);

/** mmap flags, with `N<<MAP_HUGE_SHIFT` for huge page sizes. */
export const MAP_TABLE: NameTable = table(MAP_NAMES, [["MAP_FILE", 0], ["MAP_HUGE_SHIFT", MAP_HUGE_SHIFT]]);

/** mremap flags. */
export const MREMAP_TABLE: NameTable = table(MREMAP_NAMES);

/** madvise advice. */
export const MADV_TABLE: NameTable = table(MADV_NAMES);

/** shmget's key: a number or `IPC_PRIVATE`. */
export const IPC_KEY_NAMES: NameTable = table([["IPC_PRIVATE", IPC_PRIVATE]]);

/** shmget's flags (strace: shm_resource_flags), the mode bits being a plain octal term. */
export const SHMGET_FLAG_NAMES: NameTable = table([
  ["IPC_CREAT", IPC_CREAT],
  ["IPC_EXCL", IPC_EXCL],
  ["IPC_NOWAIT", IPC_NOWAIT],
  ["SHM_HUGETLB", SHM_HUGETLB],
  ["SHM_NORESERVE", SHM_NORESERVE],
  ["SHM_HUGE_SHIFT", MAP_HUGE_SHIFT],
]);

/** shmat's flags (strace: shm_flags). */
export const SHMAT_FLAG_NAMES: NameTable = table([
  ["SHM_RDONLY", SHM_RDONLY],
  ["SHM_RND", SHM_RND],
  ["SHM_REMAP", SHM_REMAP],
  ["SHM_EXEC", SHM_EXEC],
]);

/** shmctl's cmd, with the IPC_64 version bit strace may print OR'ed in. */
export const SHMCTL_TABLE: NameTable = table(SHMCTL_NAMES, [["IPC_64", IPC_64]]);

/** futex op: every command, its `_PRIVATE` form, and the two modifier bits. */
export const FUTEX_OP_TABLE: NameTable = table(
  FUTEX_CMD_NAMES,
  FUTEX_CMD_NAMES.map(([n, v]) => [`${n}_PRIVATE`, v | FUTEX_PRIVATE_FLAG] as const),
  [
    ["FUTEX_PRIVATE_FLAG", FUTEX_PRIVATE_FLAG],
    ["FUTEX_CLOCK_REALTIME", FUTEX_CLOCK_REALTIME],
  ],
);

/** futex val3 as a bitset, and FUTEX_WAKE_OP's encoded operation (`FUTEX_OP_ADD<<28|0x1<<12|…`). */
export const FUTEX_VAL3_TABLE: NameTable = table([
  ["FUTEX_BITSET_MATCH_ANY", FUTEX_BITSET_MATCH_ANY],
  ["FUTEX_OP_SET", FUTEX_OP_SET],
  ["FUTEX_OP_ADD", FUTEX_OP_ADD],
  ["FUTEX_OP_OR", FUTEX_OP_OR],
  ["FUTEX_OP_ANDN", FUTEX_OP_ANDN],
  ["FUTEX_OP_XOR", FUTEX_OP_XOR],
  ["FUTEX_OP_OPARG_SHIFT", FUTEX_OP_OPARG_SHIFT],
  ["FUTEX_OP_CMP_EQ", FUTEX_OP_CMP_EQ],
  ["FUTEX_OP_CMP_NE", FUTEX_OP_CMP_NE],
  ["FUTEX_OP_CMP_LT", FUTEX_OP_CMP_LT],
  ["FUTEX_OP_CMP_LE", FUTEX_OP_CMP_LE],
  ["FUTEX_OP_CMP_GT", FUTEX_OP_CMP_GT],
  ["FUTEX_OP_CMP_GE", FUTEX_OP_CMP_GE],
]);

/** x86-64 signal numbers (arch/x86/include/uapi/asm/signal.h); strace names real-time ones SIGRTMIN, SIGRT_n. */
const SIGNALS: ReadonlyArray<readonly [string, number]> = [
  ["SIGHUP", 1], ["SIGINT", 2], ["SIGQUIT", 3], ["SIGILL", 4], ["SIGTRAP", 5], ["SIGABRT", 6],
  ["SIGIOT", 6], ["SIGBUS", 7], ["SIGFPE", 8], ["SIGKILL", 9], ["SIGUSR1", 10], ["SIGSEGV", 11],
  ["SIGUSR2", 12], ["SIGPIPE", 13], ["SIGALRM", 14], ["SIGTERM", 15], ["SIGSTKFLT", 16],
  ["SIGCHLD", 17], ["SIGCONT", 18], ["SIGSTOP", 19], ["SIGTSTP", 20], ["SIGTTIN", 21],
  ["SIGTTOU", 22], ["SIGURG", 23], ["SIGXCPU", 24], ["SIGXFSZ", 25], ["SIGVTALRM", 26],
  ["SIGPROF", 27], ["SIGWINCH", 28], ["SIGIO", 29], ["SIGPOLL", 29], ["SIGPWR", 30], ["SIGSYS", 31],
  ["SIGRTMIN", 32],
  ...Array.from({ length: 32 }, (_, i) => [`SIGRT_${i + 1}`, 33 + i] as const),
];

/** Signal names → numbers: clone's exit signal, clone3's exit_signal. */
export const SIGNAL_TABLE: NameTable = table(SIGNALS);

/** Clone flags mm-types lacks: clone3-only bits above 32 and CLONE_NEWTIME (include/uapi/linux/sched.h). */
const CLONE_EXTRA: ReadonlyArray<readonly [string, number]> = [
  ["CLONE_NEWTIME", 0x80],
  ["CLONE_CLEAR_SIGHAND", 0x100000000],
  ["CLONE_INTO_CGROUP", 0x200000000],
];

/** clone flags with the exit signal in the low byte (`CLONE_VM|CLONE_VFORK|SIGCHLD`). */
export const CLONE_TABLE: NameTable = table(CLONE_NAMES, CLONE_EXTRA, SIGNALS);

/** clone3's flags: the same bits, without signals (clone3 has exit_signal apart). */
export const CLONE3_TABLE: NameTable = table(CLONE_NAMES, CLONE_EXTRA);

const TWO_32 = 2 ** 32;

/** Bitwise OR of two non-negative integers below 2^53, which `|` would cut to 32 bits. */
export function or64(a: number, b: number): number {
  if (a <= 0x7fffffff && b <= 0x7fffffff) return a | b;
  const hi = (Math.floor(a / TWO_32) | Math.floor(b / TWO_32)) >>> 0;
  return hi * TWO_32 + (((a >>> 0) | (b >>> 0)) >>> 0);
}

/** `value << shift` for non-negative integers, exact below 2^53 (undefined above). */
export function shl64(value: number, shift: number): number | undefined {
  if (!Number.isInteger(shift) || shift < 0 || shift > 63) return undefined;
  const r = value * 2 ** shift;
  return Number.isSafeInteger(r) ? r : undefined;
}
