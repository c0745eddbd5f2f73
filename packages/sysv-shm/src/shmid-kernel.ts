/** A shared memory segment. Linux: struct shmid_kernel (ipc/shm.c). */
import type { KernIpcPerm } from "./ipc-ids.js";
import type { ShmFile } from "./shm-file.js";
import type { ShmFileData } from "./shm-file-data.js";

/** One segment: its kern_ipc_perm and the shm fields. Linux: struct shmid_kernel. */
export class ShmidKernel implements KernIpcPerm {
  key: number;
  id = -1;
  seq = 0;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  mode: number;
  deleted = true;
  /** Size in bytes as asked, not rounded. Linux: shm_segsz. */
  readonly shmSegsz: number;
  /** Last attach, last detach, last change (seconds). Linux: shm_atim, shm_dtim, shm_ctim. */
  shmAtim = 0;
  shmDtim = 0;
  shmCtim: number;
  /** Creator's and last attacher's/detacher's tgid (0: none yet). Linux: shm_cprid, shm_lprid. */
  shmCprid: number;
  shmLprid = 0;
  /** VMAs mapping the segment, plus shmat's temporary reference. Linux: shm_nattch. */
  shmNattch = 0;
  /** The backing file; null once destroyed. Linux: shm_file. */
  shmFile: ShmFile | null;
  /** What every attach file of the segment carries (its inode included); set once the id is known. */
  sfd: ShmFileData | null = null;
  /** Tgid of the creator while it lives (its shm_clist); null after exit_shm. Linux: shm_creator + shm_clist. */
  shmCreator: number | null;
  /** Uid whose RLIMIT_MEMLOCK count SHM_LOCK charged, or null. Linux: mlock_ucounts. */
  mlockUid: number | null = null;

  constructor(key: number, mode: number, uid: number, gid: number, size: number, file: ShmFile, pid: number, now: number) {
    this.key = key;
    this.mode = mode;
    this.uid = this.cuid = uid;
    this.gid = this.cgid = gid;
    this.shmSegsz = size;
    this.shmFile = file;
    this.shmCprid = pid;
    this.shmCreator = pid;
    this.shmCtim = now;
  }
}
