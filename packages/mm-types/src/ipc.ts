/**
 * SysV IPC and shared-memory ABI numbers (include/uapi/linux/ipc.h, include/uapi/linux/shm.h, ipc/util.h).
 * Octal values are written as the headers write them.
 */

/** The key that always creates a new segment. Linux: IPC_PRIVATE. */
export const IPC_PRIVATE = 0;
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
export const IPC_NOWAIT = 0o4000;
/** ctl commands. Linux: IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO. */
export const IPC_RMID = 0;
export const IPC_SET = 1;
export const IPC_STAT = 2;
export const IPC_INFO = 3;
/** Version bit OR'ed into a ctl command by 64-bit-layout callers. */
export const IPC_64 = 0x0100;

/** shmget flags. */
export const SHM_HUGETLB = 0o4000;
export const SHM_NORESERVE = 0o10000;
/** shmat flags. */
export const SHM_RDONLY = 0o10000;
export const SHM_RND = 0o20000;
export const SHM_REMAP = 0o40000;
export const SHM_EXEC = 0o100000;
/** shmctl commands. */
export const SHM_LOCK = 11;
export const SHM_UNLOCK = 12;
export const SHM_STAT = 13;
export const SHM_INFO = 14;
export const SHM_STAT_ANY = 15;
/** Segment mode bits kept by the kernel: destroy on last detach, locked in memory. */
export const SHM_DEST = 0o1000;
export const SHM_LOCKED = 0o2000;

/** Minimum segment size in bytes. Linux: SHMMIN. */
export const SHMMIN = 1;
/** Maximum number of segments per namespace. Linux: SHMMNI. */
export const SHMMNI = 4096;
/** Default max segment size (bytes) and total (pages): ULONG_MAX - 2^24, as a number (not exact above 2^53). */
export const SHMMAX_DEFAULT = 2 ** 64 - 2 ** 24;
export const SHMALL_DEFAULT = 2 ** 64 - 2 ** 24;
/** 2.6-era defaults, as the seeds' kernels had them: SHMMAX 32 MiB; SHMALL in pages. */
export const SHMMAX_2_6 = 0x2000000;
export const SHMALL_2_6 = (SHMMAX_2_6 / 4096) * (SHMMNI / 16);
/** Index bits of an IPC id: id = (seq << IPCMNI_SHIFT) + idx. */
export const IPCMNI_SHIFT = 15;
export const IPCMNI = 1 << IPCMNI_SHIFT;

/** shmctl command names (strace prints IPC_64 OR'ed in as `IPC_64|IPC_STAT`). */
export const SHMCTL_NAMES: ReadonlyArray<readonly [string, number]> = [
  ["IPC_RMID", IPC_RMID],
  ["IPC_SET", IPC_SET],
  ["IPC_STAT", IPC_STAT],
  ["IPC_INFO", IPC_INFO],
  ["SHM_LOCK", SHM_LOCK],
  ["SHM_UNLOCK", SHM_UNLOCK],
  ["SHM_STAT", SHM_STAT],
  ["SHM_INFO", SHM_INFO],
  ["SHM_STAT_ANY", SHM_STAT_ANY],
];
