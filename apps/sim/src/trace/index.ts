/**
 * Real strace text → typed records → the numeric arguments the syscall layer takes, for
 * `mmsim replay`. Every export of the folder is named here, for src/index.ts to re-export by name.
 */
export { parseStrace, StraceParser, REPLAYED_SYSCALLS } from "./strace-parse.js";
export type {
  SyscallResult,
  SyscallRecord,
  ExitRecord,
  SignalRecord,
  TraceParseError,
  TraceEntry,
  StraceParseOptions,
} from "./strace-parse.js";
export type { Arg, NumberArg, FlagsArg, StringArg, StructArg, ArrayArg, NullArg, RawArg } from "./strace-args.js";
export { decodeCall, isReplayedSyscall } from "./decode.js";
export type { ReplayedSyscall, DecodedCall, ShmidDsSet, ShmStat, CloneArgs, Timespec } from "./decode.js";
export {
  MAP_HUGE_SHIFT,
  OPEN_FLAG_NAMES,
  DIRFD_NAMES,
  PROT_TABLE,
  MAP_TABLE,
  MREMAP_TABLE,
  MADV_TABLE,
  IPC_KEY_NAMES,
  SHMGET_FLAG_NAMES,
  SHMAT_FLAG_NAMES,
  SHMCTL_TABLE,
  FUTEX_OP_TABLE,
  FUTEX_VAL3_TABLE,
  SIGNAL_TABLE,
  CLONE_TABLE,
  CLONE3_TABLE,
} from "./strace-names.js";
export type { NameTable } from "./strace-names.js";
