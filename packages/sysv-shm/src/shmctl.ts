/**
 * shmctl(2). Linux: ksys_shmctl(), shmctl_ipc_info(), shmctl_shm_info(), shmctl_stat(),
 * shmctl_down(), shmctl_do_lock() in ipc/shm.c; ipcctl_obtain_check() in ipc/util.c;
 * user_shm_lock() in mm/mlock.c.
 */
import {
  EACCES,
  EFAULT,
  EIDRM,
  EINVAL,
  ENOMEM,
  EPERM,
  IPC_INFO,
  IPC_RMID,
  IPC_SET,
  IPC_STAT,
  PAGE_SIZE,
  SHMMIN,
  SHM_INFO,
  SHM_LOCK,
  SHM_LOCKED,
  SHM_STAT,
  SHM_STAT_ANY,
  SHM_UNLOCK,
} from "@mmsim/mm-types";
import { ipcUpdatePerm, ipcperms, isOwnerOrCreator, mayChangeIpc } from "./ipcperms.js";
import { pagesOf } from "./shm-file.js";
import type { ShmNamespace } from "./shm-namespace.js";
import { MLOCK_LIMIT, S_IRUGO } from "./shm-types.js";
import type { ShmCaller, ShmctlOut, ShmidDs, ShmInfo, Shminfo64 } from "./shm-types.js";
import type { ShmidKernel } from "./shmid-kernel.js";

/** shmctl(2) with the 64-bit layout: dispatch, and -EFAULT where a user copy would fault. Linux: ksys_shmctl(). */
export function ksysShmctl(ns: ShmNamespace, c: ShmCaller, shmid: number, cmd: number, buf: ShmidDs | null, out?: ShmctlOut): number {
  shmid |= 0;
  cmd |= 0;
  if (cmd < 0 || shmid < 0) return -EINVAL;
  switch (cmd) {
    case IPC_INFO: {
      const shminfo = shmctlIpcInfo(ns);
      if (out === undefined) return -EFAULT;
      out.shminfo = shminfo;
      return Math.max(ns.ids.getMaxIdx(), 0);
    }
    case SHM_INFO: {
      const shmInfo = shmctlShmInfo(ns);
      if (out === undefined) return -EFAULT;
      out.shmInfo = shmInfo;
      return Math.max(ns.ids.getMaxIdx(), 0);
    }
    case SHM_STAT:
    case SHM_STAT_ANY:
    case IPC_STAT:
      return shmctlStat(ns, c, shmid, cmd, out);
    case IPC_SET:
      if (buf === null) return -EFAULT;
      return shmctlDown(ns, c, shmid, cmd, buf);
    case IPC_RMID:
      return shmctlDown(ns, c, shmid, cmd, null);
    case SHM_LOCK:
    case SHM_UNLOCK:
      return shmctlDoLock(ns, c, shmid, cmd);
    default:
      return -EINVAL;
  }
}

/** The limits. Linux: shmctl_ipc_info(). */
function shmctlIpcInfo(ns: ShmNamespace): Shminfo64 {
  const l = ns.limits;
  return { shmmax: l.shmmax, shmmin: SHMMIN, shmmni: l.shmmni, shmseg: l.shmmni, shmall: l.shmall };
}

/** Ids in use and page totals (resident = page cache pages; nothing swaps). Linux: shmctl_shm_info() + shm_get_stat(). */
function shmctlShmInfo(ns: ShmNamespace): ShmInfo {
  let rss = 0;
  for (const shp of ns.ids) rss += shp.shmFile!.nrpages();
  return { usedIds: ns.ids.inUse, shmTot: ns.shmTot, shmRss: rss, shmSwp: 0, swapAttempts: 0, swapSuccesses: 0 };
}

/** What IPC_STAT reports of a segment. Linux: kernel_to_ipc64_perm() and the fields shmctl_stat() copies. */
export function shmidDsOf(shp: ShmidKernel): ShmidDs {
  return {
    shmPerm: { key: shp.key, uid: shp.uid, gid: shp.gid, cuid: shp.cuid, cgid: shp.cgid, mode: shp.mode, seq: shp.seq },
    shmSegsz: shp.shmSegsz,
    shmAtime: shp.shmAtim,
    shmDtime: shp.shmDtim,
    shmCtime: shp.shmCtim,
    shmCpid: shp.shmCprid,
    shmLpid: shp.shmLprid,
    shmNattch: shp.shmNattch,
  };
}

/**
 * IPC_STAT (by id, returns 0), SHM_STAT (by index, no sequence check, returns the id) and
 * SHM_STAT_ANY (SHM_STAT without the read-permission check). Linux: shmctl_stat().
 */
function shmctlStat(ns: ShmNamespace, c: ShmCaller, shmid: number, cmd: number, out: ShmctlOut | undefined): number {
  const shp = cmd === IPC_STAT ? ns.ids.obtainObjectCheck(shmid) : ns.ids.obtainObjectIdr(shmid);
  if (typeof shp === "number") return shp;
  if (cmd !== SHM_STAT_ANY && ipcperms(c, shp, S_IRUGO) < 0) return -EACCES;
  if (shp.deleted) return -EIDRM;
  const ds = shmidDsOf(shp);
  if (out === undefined) return -EFAULT;
  out.ds = ds;
  return cmd === IPC_STAT ? 0 : shp.id;
}

/**
 * IPC_RMID and IPC_SET: lookup (-EINVAL), owner, creator or CAP_SYS_ADMIN (-EPERM), then remove,
 * or set uid, gid and the permission bits and touch ctime. Linux: shmctl_down() + ipcctl_obtain_check().
 */
function shmctlDown(ns: ShmNamespace, c: ShmCaller, shmid: number, cmd: number, buf: ShmidDs | null): number {
  const shp = ns.ids.obtainObjectCheck(shmid);
  if (typeof shp === "number") return shp;
  if (!mayChangeIpc(c, shp)) return -EPERM;
  if (cmd === IPC_RMID) {
    ns.doShmRmid(shp);
    return 0;
  }
  const { uid, gid, mode } = buf!.shmPerm;
  const err = ipcUpdatePerm(uid, gid, mode, shp);
  if (err < 0) return err;
  shp.shmCtim = ns.host.nowSec();
  return 0;
}

/**
 * SHM_LOCK/SHM_UNLOCK: lookup (-EINVAL); without CAP_IPC_LOCK only the owner or creator (-EPERM),
 * and SHM_LOCK needs a non-zero RLIMIT_MEMLOCK (-EPERM). Locking charges the segment's pages to
 * the caller's uid once (-ENOMEM past the limit without CAP_IPC_LOCK); unlocking gives the charge
 * back. Linux: shmctl_do_lock(), shmem_lock(), user_shm_lock().
 */
function shmctlDoLock(ns: ShmNamespace, c: ShmCaller, shmid: number, cmd: number): number {
  const shp = ns.ids.obtainObjectCheck(shmid);
  if (typeof shp === "number") return shp;
  const limit = c.rlimitMemlock ?? MLOCK_LIMIT;
  if (!c.capIpcLock) {
    if (!isOwnerOrCreator(c, shp)) return -EPERM;
    if (cmd === SHM_LOCK && limit === 0) return -EPERM;
  }
  if (cmd === SHM_UNLOCK) {
    ns.shmemUnlock(shp);
    shp.mode &= ~SHM_LOCKED;
    return 0;
  }
  if (shp.mode & SHM_LOCKED) return 0;
  if (shp.shmFile!.accountsLock && !userShmLock(ns, c, pagesOf(shp.shmSegsz), limit)) return -ENOMEM;
  if (shp.shmFile!.accountsLock) shp.mlockUid = c.uid;
  shp.mode |= SHM_LOCKED;
  return 0;
}

/** Charges `pages` to the caller's uid; refused past RLIMIT_MEMLOCK without CAP_IPC_LOCK. Linux: user_shm_lock(). */
function userShmLock(ns: ShmNamespace, c: ShmCaller, pages: number, limit: number): boolean {
  const memlock = (ns.lockedPages.get(c.uid) ?? 0) + pages;
  if (memlock > Math.floor(limit / PAGE_SIZE) && !c.capIpcLock) return false;
  ns.lockedPages.set(c.uid, memlock);
  return true;
}
