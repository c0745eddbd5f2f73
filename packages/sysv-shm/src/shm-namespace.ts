/**
 * An IPC namespace's shared memory: its segments, limits and totals, and the four syscalls.
 * Linux: struct ipc_namespace (the shm part), shm_init_ns(), shm_lock(), __shm_open(),
 * __shm_close(), shm_may_destroy(), shm_destroy(), do_shm_rmid(), exit_shm() and
 * shm_destroy_orphaned() in ipc/shm.c.
 */
import { EIDRM, EINVAL, IPCMNI, SHMALL_DEFAULT, SHMMAX_DEFAULT, SHMMNI, SHM_DEST, SHM_LOCKED, bug } from "@mmsim/mm-types";
import { doShmat } from "./do-shmat.js";
import { IpcIds } from "./ipc-ids.js";
import { pagesOf } from "./shm-file.js";
import { ShmVmaIndex } from "./shm-file-data.js";
import type { ShmFileData, ShmFileDataNs } from "./shm-file-data.js";
import { ksysShmctl } from "./shmctl.js";
import { ksysShmdt } from "./shmdt.js";
import { ksysShmget } from "./shmget.js";
import type { ShmCaller, ShmctlOut, ShmHost, ShmidDs, ShmLimits, ShmOptions } from "./shm-types.js";
import type { ShmidKernel } from "./shmid-kernel.js";
import { sysvipcShmProc } from "./proc-sysvipc-shm.js";

/** The defaults of a new namespace. Linux: shm_init_ns(). */
export const SHM_DEFAULT_LIMITS: ShmLimits = { shmmax: SHMMAX_DEFAULT, shmall: SHMALL_DEFAULT, shmmni: SHMMNI, shmRmidForced: false };

/**
 * SysV shared memory of one IPC namespace. Every syscall returns a result or -errno as Linux does;
 * the segment is mapped and unmapped through the host's mm backend, and its attachments are counted
 * by the attach file's vm_ops (mmap/open/close), so fork, split and exit keep shm_nattch right
 * whatever does them. Linux: ipc/shm.c with the namespace's shm_ids.
 */
export class ShmNamespace implements ShmFileDataNs {
  /** The segment table. Linux: shm_ids(ns). */
  readonly ids = new IpcIds<ShmidKernel>();
  /** Pages of all segments. Linux: ns->shm_tot. */
  shmTot = 0;
  /** The attachments' VMAs by address space, as the backends link them into each segment's i_mmap. */
  readonly shmVmas = new ShmVmaIndex();
  /** Pages each uid has locked with SHM_LOCK. Linux: the UCOUNT_RLIMIT_MEMLOCK count of user_shm_lock(). */
  readonly lockedPages = new Map<number, number>();
  readonly backing: "shmem" | "ramfs";
  readonly nommuShmat: "seeds" | "linux-6.12";
  private lim: ShmLimits;

  constructor(
    readonly host: ShmHost,
    opts: ShmOptions = {},
  ) {
    this.backing = opts.backing ?? "shmem";
    this.nommuShmat = opts.nommuShmat ?? "seeds";
    this.lim = { ...SHM_DEFAULT_LIMITS, ...opts.limits };
  }

  /** The sysctls in force. */
  get limits(): ShmLimits {
    return this.lim;
  }

  /**
   * Writes sysctls. Setting shm_rmid_forced destroys the unattached segments whose creator has
   * exited. Returns 0, or -EINVAL for shmmni outside 0..IPCMNI (nothing changed).
   * Linux: proc_ipc_dointvec_minmax_orphans() → shm_destroy_orphaned().
   */
  setLimits(l: Partial<ShmLimits>): number {
    if (l.shmmni !== undefined && !(Number.isInteger(l.shmmni) && l.shmmni >= 0 && l.shmmni <= IPCMNI)) return -EINVAL;
    this.lim = { ...this.lim, ...l };
    if (l.shmRmidForced === true) this.shmDestroyOrphaned();
    return 0;
  }

  /** shmget(2). Returns the id or -errno. Linux: ksys_shmget(). */
  shmget(c: ShmCaller, key: number, size: number, shmflg: number): number {
    return ksysShmget(this, c, key, size, shmflg);
  }

  /** shmat(2). Returns the attach address or -errno. Linux: do_shmat() with SHMLBA. */
  shmat(c: ShmCaller, shmid: number, shmaddr: number, shmflg: number): number {
    return doShmat(this, c, shmid, shmaddr, shmflg);
  }

  /** shmdt(2). Returns 0 or -EINVAL. Linux: ksys_shmdt(). */
  shmdt(c: ShmCaller, shmaddr: number): number {
    return ksysShmdt(this, c, shmaddr);
  }

  /**
   * shmctl(2). `buf` is what IPC_SET reads (null: the copy from user faulted); IPC_STAT, SHM_STAT,
   * SHM_STAT_ANY, IPC_INFO and SHM_INFO fill `out` (absent: the copy to user faults, -EFAULT).
   * Returns 0, an index or an id as Linux does per command, or -errno. Linux: ksys_shmctl() (IPC_64).
   */
  shmctl(c: ShmCaller, shmid: number, cmd: number, buf: ShmidDs | null, out?: ShmctlOut): number {
    return ksysShmctl(this, c, shmid, cmd, buf, out);
  }

  /** /proc/sysvipc/shm: the 64-bit header, then one row per segment in index order. Linux: sysvipc_shm_proc_show(). */
  procSysvipcShm(): string {
    return sysvipcShmProc(this);
  }

  /** The segment at the index of `id` if it is live; -EINVAL or -EIDRM otherwise. Linux: shm_lock(). */
  shmLock(id: number): ShmidKernel | number {
    const shp = this.ids.obtainObjectIdr(id);
    if (typeof shp === "number") return shp;
    return shp.deleted ? -EIDRM : shp;
  }

  /** Counts an attachment: atime, lpid, nattch. Linux: __shm_open(). */
  shmOpen(sfd: ShmFileData): number {
    const shp = this.shmLock(sfd.id);
    if (typeof shp === "number") return shp;
    if (shp.shmFile !== sfd.file) return -EINVAL;
    shp.shmAtim = this.host.nowSec();
    shp.shmLprid = this.host.currentPid();
    shp.shmNattch++;
    return 0;
  }

  /** Counts a detach: lpid, dtime, nattch; destroys the segment if it may go. Linux: __shm_close(). */
  shmClose(sfd: ShmFileData): void {
    const shp = this.shmLock(sfd.id);
    if (typeof shp === "number") return;
    shp.shmLprid = this.host.currentPid();
    shp.shmDtim = this.host.nowSec();
    shp.shmNattch--;
    if (this.shmMayDestroy(shp)) this.shmDestroy(shp);
  }

  /** No attachments, and removed (or every unattached segment goes). Linux: shm_may_destroy(). */
  shmMayDestroy(shp: ShmidKernel): boolean {
    return shp.shmNattch === 0 && (this.lim.shmRmidForced || (shp.mode & SHM_DEST) !== 0);
  }

  /** Frees a segment: its pages, its id, its lock charge. Linux: shm_destroy(). */
  shmDestroy(shp: ShmidKernel): void {
    const file = shp.shmFile ?? bug(`shm ${shp.id}: destroyed twice`);
    shp.shmFile = null;
    this.shmTot -= pagesOf(shp.shmSegsz);
    shp.shmCreator = null;
    this.ids.rmid(shp);
    this.shmemUnlock(shp);
    file.release();
  }

  /** IPC_RMID: destroy now, or mark SHM_DEST and hide the key until the last detach. Linux: do_shm_rmid(). */
  doShmRmid(shp: ShmidKernel): void {
    if (shp.shmNattch === 0) {
      this.shmDestroy(shp);
      return;
    }
    shp.mode |= SHM_DEST;
    this.ids.setKeyPrivate(shp);
  }

  /** Gives back the RLIMIT_MEMLOCK charge SHM_LOCK took. Linux: shmem_lock(file, 0, mlock_ucounts). */
  shmemUnlock(shp: ShmidKernel): void {
    if (shp.mlockUid === null) return;
    const pages = pagesOf(shp.shmSegsz);
    const left = (this.lockedPages.get(shp.mlockUid) ?? 0) - pages;
    if (left > 0) this.lockedPages.set(shp.mlockUid, left);
    else this.lockedPages.delete(shp.mlockUid);
    shp.mlockUid = null;
  }

  /**
   * A task exits: its segments leave its creator list; with shm_rmid_forced the unattached ones are
   * destroyed. (Its attachments went with its mm, through close.) Linux: exit_shm().
   */
  exitShm(pid: number): void {
    for (const shp of [...this.ids]) {
      if (shp.shmCreator !== pid) continue;
      shp.shmCreator = null;
      if (this.lim.shmRmidForced && this.shmMayDestroy(shp)) this.shmDestroy(shp);
    }
  }

  /** Destroys unattached segments whose creator has exited. Linux: shm_destroy_orphaned(). */
  private shmDestroyOrphaned(): void {
    for (const shp of [...this.ids]) {
      if (shp.shmCreator === null && this.shmMayDestroy(shp)) this.shmDestroy(shp);
    }
  }

  /** Checks the id table, totals, lock charges and every segment's pages; throws on the first broken rule. */
  assertValid(): void {
    this.ids.assertValid();
    let tot = 0;
    let linked = 0;
    const locked = new Map<number, number>();
    for (const shp of this.ids) {
      const file = shp.shmFile ?? bug(`shm ${shp.id}: live without a file`);
      tot += pagesOf(shp.shmSegsz);
      if (shp.shmNattch < 0) bug(`shm ${shp.id}: nattch ${shp.shmNattch}`);
      if (shp.mode & SHM_DEST && shp.key !== 0) bug(`shm ${shp.id}: SHM_DEST but key ${shp.key} still findable`);
      const orphaned = shp.shmCreator === null && this.lim.shmRmidForced;
      if (shp.shmNattch === 0 && (shp.mode & SHM_DEST || orphaned)) bug(`shm ${shp.id}: should have been destroyed (nattch 0, mode ${shp.mode.toString(8)})`);
      if (file.ino !== shp.id || file.iSize !== shp.shmSegsz) bug(`shm ${shp.id}: file ino ${file.ino}, size ${file.iSize}`);
      const sfd = shp.sfd ?? bug(`shm ${shp.id}: no attach-file data`);
      if (sfd.id !== shp.id || sfd.file !== file || sfd.identity.ino !== shp.id) bug(`shm ${shp.id}: attach-file data names id ${sfd.id}`);
      if (sfd.mapping.size > shp.shmNattch) bug(`shm ${shp.id}: ${sfd.mapping.size} VMAs linked in i_mmap, nattch ${shp.shmNattch}`);
      linked += sfd.mapping.size;
      sfd.mapping.assertValid();
      if (shp.mlockUid !== null) {
        if (!(shp.mode & SHM_LOCKED)) bug(`shm ${shp.id}: charged as locked but not SHM_LOCKED`);
        locked.set(shp.mlockUid, (locked.get(shp.mlockUid) ?? 0) + pagesOf(shp.shmSegsz));
      }
      file.assertValid(this.host.pages);
    }
    if (tot !== this.shmTot) bug(`shm_tot ${this.shmTot}, segments hold ${tot} pages`);
    this.shmVmas.assertValid();
    if (this.shmVmas.size !== linked) bug(`${this.shmVmas.size} shm VMAs indexed, ${linked} linked in the segments' i_mmap`);
    for (const [uid, n] of this.lockedPages) if (locked.get(uid) !== n) bug(`uid ${uid}: ${n} locked pages counted, ${locked.get(uid) ?? 0} held`);
    for (const uid of locked.keys()) if (!this.lockedPages.has(uid)) bug(`uid ${uid}: locked pages not counted`);
  }
}
