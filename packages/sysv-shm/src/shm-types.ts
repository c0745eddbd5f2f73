/**
 * The caller, the host and the user-visible structures of SysV shared memory. Linux: struct cred
 * (as ipcperms() reads it), struct ipc64_perm, struct shmid64_ds, struct shminfo64 and
 * struct shm_info (include/uapi/linux/shm.h, include/uapi/asm-generic/shmbuf.h).
 */
import type { MmBackend, PageAllocatorPort, PhysMemPort } from "@mmsim/mm-types";

/** Segment attach address alignment on x86-64 and asm-generic. Linux: SHMLBA (= PAGE_SIZE). */
export const SHMLBA = 4096;
/** Read, write and execute bits for owner, group and others. Linux: S_IRWXUGO. */
export const S_IRWXUGO = 0o777;
/** Read for all classes. Linux: S_IRUGO. */
export const S_IRUGO = 0o444;
/** Write for all classes. Linux: S_IWUGO. */
export const S_IWUGO = 0o222;
/** Execute for all classes. Linux: S_IXUGO. */
export const S_IXUGO = 0o111;
/** RLIMIT_MEMLOCK's "no limit". Linux: RLIM_INFINITY. */
export const RLIM_INFINITY = Infinity;
/** Default RLIMIT_MEMLOCK since Linux 5.16: 8 MiB. Linux: MLOCK_LIMIT. */
export const MLOCK_LIMIT = 8 * 1024 * 1024;

/**
 * The task making a call, with the credentials the IPC code reads. Linux: current's tgid, mm and
 * cred (euid/egid as ipcperms() and ipcctl_obtain_check() use them, the group list in_group_p()
 * searches, capabilities in the namespace's user namespace) and RLIMIT_MEMLOCK.
 */
export interface ShmCaller {
  /** The thread group id (what shm_cpid/shm_lpid record). Linux: task_tgid(current). */
  readonly pid: number;
  /** The address space shmat/shmdt work on. Linux: current->mm. */
  readonly mmId: number;
  /** Effective uid and gid. Linux: current_euid(), current_egid() (fsgid for in_group_p). */
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups (default none). Linux: current_cred()->group_info. */
  readonly groups?: readonly number[];
  /** Bypass of ipcperms(). Linux: CAP_IPC_OWNER. */
  readonly capIpcOwner: boolean;
  /** SHM_LOCK/SHM_UNLOCK on any segment, beyond RLIMIT_MEMLOCK. Linux: CAP_IPC_LOCK. */
  readonly capIpcLock: boolean;
  /** IPC_SET/IPC_RMID on any segment. Linux: CAP_SYS_ADMIN. */
  readonly capSysAdmin: boolean;
  /** RLIMIT_MEMLOCK in bytes (default MLOCK_LIMIT; RLIM_INFINITY for none). */
  readonly rlimitMemlock?: number;
}

/** What SysV shm needs of the rest of the kernel. */
export interface ShmHost {
  /**
   * The mm backend (MmBackend from mm-types): shmat maps through mmap(), shmdt unmaps through
   * munmap(). Precondition: it links every VMA of a file into the file's `mapping` (i_mmap) and
   * hands back the file's identity object in VmaView.file, as MmapFile asks; shmdt finds
   * attachments through the i_mmap.
   */
  readonly mm: Pick<MmBackend, "mmap" | "munmap" | "view">;
  /** Page frames for segment pages. */
  readonly pages: PageAllocatorPort;
  /** The bytes behind them (zeroed when a segment gets them, read by MmapFile.read). */
  readonly physMem: PhysMemPort;
  /** Simulated wall clock in seconds, for atime/dtime/ctime. Linux: ktime_get_real_seconds(). */
  nowSec(): number;
  /**
   * Tgid of the running task. vm_ops open/close run in its context: the parent's at fork, the
   * exiting task's at exit, the caller's at shmat/shmdt/munmap. Linux: task_tgid(current).
   */
  currentPid(): number;
}

/** The per-namespace sysctls of SysV shm. Linux: ipc_namespace shm_ctlmax, shm_ctlall, shm_ctlmni, shm_rmid_forced. */
export interface ShmLimits {
  /** Largest segment in bytes. Linux: kernel.shmmax. */
  readonly shmmax: number;
  /** Pages all segments may hold together. Linux: kernel.shmall. */
  readonly shmall: number;
  /** Most segments at once (capped at IPCMNI). Linux: kernel.shmmni. */
  readonly shmmni: number;
  /** Destroy segments at their last detach, and unattached ones at their creator's exit. Linux: kernel.shm_rmid_forced. */
  readonly shmRmidForced: boolean;
}

/** Ownership and mode as IPC_STAT reports them. Linux: struct ipc64_perm. */
export interface IpcPerm {
  readonly key: number;
  readonly uid: number;
  readonly gid: number;
  readonly cuid: number;
  readonly cgid: number;
  /** Low 9 bits: permissions; plus SHM_DEST and SHM_LOCKED. */
  readonly mode: number;
  readonly seq: number;
}

/**
 * A segment's state as IPC_STAT/SHM_STAT return it, and the buffer IPC_SET reads (only
 * shmPerm.uid, shmPerm.gid and the low 9 bits of shmPerm.mode). Linux: struct shmid64_ds.
 */
export interface ShmidDs {
  readonly shmPerm: IpcPerm;
  readonly shmSegsz: number;
  readonly shmAtime: number;
  readonly shmDtime: number;
  readonly shmCtime: number;
  readonly shmCpid: number;
  readonly shmLpid: number;
  readonly shmNattch: number;
}

/** The limits IPC_INFO reports. Linux: struct shminfo64. */
export interface Shminfo64 {
  readonly shmmax: number;
  readonly shmmin: number;
  readonly shmmni: number;
  readonly shmseg: number;
  readonly shmall: number;
}

/** Namespace totals SHM_INFO reports (pages). Linux: struct shm_info. */
export interface ShmInfo {
  readonly usedIds: number;
  readonly shmTot: number;
  readonly shmRss: number;
  readonly shmSwp: number;
  readonly swapAttempts: number;
  readonly swapSuccesses: number;
}

/**
 * Where shmctl puts what it copies to user space: `ds` for IPC_STAT, SHM_STAT and SHM_STAT_ANY,
 * `shminfo` for IPC_INFO, `shmInfo` for SHM_INFO. Linux: the __user buffer of shmctl(2).
 */
export interface ShmctlOut {
  ds?: ShmidDs;
  shminfo?: Shminfo64;
  shmInfo?: ShmInfo;
}

/** How a namespace backs its segments and what a NOMMU shmat finds. */
export interface ShmOptions {
  /**
   * "shmem" (CONFIG_SHMEM, the MMU default): pages allocated on first fault, freed at destruction.
   * "ramfs" (NOMMU): one contiguous allocation at shmget, directly mappable at its physical address.
   */
  readonly backing?: "shmem" | "ramfs";
  /**
   * NOMMU only. "seeds" (default): the attach file offers ramfs's mapping capabilities, so every
   * shmat of a segment maps it directly at the same address. "linux-6.12": the attach file offers
   * none (shm_file_operations has no mmap_capabilities since v4.0), so a NOMMU backend refuses with -ENODEV.
   */
  readonly nommuShmat?: "seeds" | "linux-6.12";
  readonly limits?: Partial<ShmLimits>;
}
