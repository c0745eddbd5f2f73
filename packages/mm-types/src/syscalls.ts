/**
 * x86-64 syscall numbers of the calls mmsim dispatches (arch/x86/entry/syscalls/syscall_64.tbl).
 * The syscall layer takes Linux numbers and Linux argument order.
 */
export const NR = {
  read: 0,
  write: 1,
  open: 2,
  close: 3,
  fstat: 5,
  lseek: 8,
  mmap: 9,
  mprotect: 10,
  munmap: 11,
  brk: 12,
  pread64: 17,
  pwrite64: 18,
  mremap: 25,
  msync: 26,
  mincore: 27,
  madvise: 28,
  shmget: 29,
  shmat: 30,
  shmctl: 31,
  dup: 32,
  dup2: 33,
  getpid: 39,
  clone: 56,
  fork: 57,
  vfork: 58,
  execve: 59,
  exit: 60,
  wait4: 61,
  kill: 62,
  getrlimit: 97,
  shmdt: 67,
  truncate: 76,
  ftruncate: 77,
  mlock: 149,
  munlock: 150,
  mlockall: 151,
  munlockall: 152,
  prctl: 157,
  setrlimit: 160,
  gettid: 186,
  futex: 202,
  exit_group: 231,
  openat: 257,
  dup3: 292,
  prlimit64: 302,
  clone3: 435,
} as const;

/** A syscall name mmsim knows. */
export type SyscallName = keyof typeof NR;

/** Open flags (include/uapi/asm-generic/fcntl.h, octal as written there). */
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
/** openat's "relative to the current directory" fd. */
export const AT_FDCWD = -100;

/** File type bits of st_mode / i_mode (include/uapi/linux/stat.h). */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** lseek(2) whence values (include/uapi/linux/fs.h). */
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

/** prctl(2) option that acts on VMAs, and its sub-option naming anonymous memory. Linux: include/uapi/linux/prctl.h. */
export const PR_SET_VMA = 0x53564d41;
export const PR_SET_VMA_ANON_NAME = 0;
/** Longest anonymous VMA name, counting the NUL. Linux: ANON_VMA_NAME_MAX_LEN (include/linux/mm_types.h). */
export const ANON_VMA_NAME_MAX_LEN = 80;

/** Resource limits (include/uapi/asm-generic/resource.h) mmsim applies; the others are kept and reported only. */
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_MEMLOCK = 8;
export const RLIMIT_AS = 9;
/** Number of resource limits. Linux: RLIM_NLIMITS. */
export const RLIM_NLIMITS = 16;
/** "No limit", ~0UL, as a number. Linux: RLIM_INFINITY. */
export const RLIM_INFINITY = 2 ** 64 - 1;
