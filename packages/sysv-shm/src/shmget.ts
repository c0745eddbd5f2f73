/**
 * shmget(2): find a segment by key or create one. Linux: ksys_shmget() → ipcget() (ipcget_new(),
 * ipcget_public(), ipc_check_perms()) in ipc/util.c, newseg() and shm_more_checks() in ipc/shm.c.
 */
import {
  EEXIST,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
  EPERM,
  IPC_CREAT,
  IPC_EXCL,
  IPC_PRIVATE,
  PAGE_SIZE,
  SHMMIN,
  SHM_HUGETLB,
  SHM_NORESERVE,
} from "@mmsim/mm-types";
import { inGroupP, ipcperms } from "./ipcperms.js";
import { RamfsFile, ShmemFile, pagesOf, shmFileName } from "./shm-file.js";
import type { ShmFile } from "./shm-file.js";
import type { ShmNamespace } from "./shm-namespace.js";
import { MLOCK_LIMIT, S_IRWXUGO } from "./shm-types.js";
import type { ShmCaller } from "./shm-types.js";
import { ShmidKernel } from "./shmid-kernel.js";
import { newShmFileData } from "./shm-file-data.js";

/** Where shmget's flags keep the log2 of a huge page size. Linux: SHM_HUGE_SHIFT, SHM_HUGE_MASK. */
const SHM_HUGE_SHIFT = 26;
const SHM_HUGE_MASK = 0x3f;
/** Huge page sizes x86-64 has (log2): 2 MiB and 1 GiB. Linux: hstate_sizelog(). */
const HUGE_PAGE_SHIFTS = [21, 30];
/** The group allowed huge shm without CAP_IPC_LOCK. Linux: vm.hugetlb_shm_group (default 0). */
const HUGETLB_SHM_GROUP = 0;

/** size_t as the syscall receives it. */
function toSizeT(size: number): number {
  return size < 0 ? size + 2 ** 64 : size;
}

/** shmget(2). Returns the id or -errno. Linux: ksys_shmget() → ipcget(). */
export function ksysShmget(ns: ShmNamespace, c: ShmCaller, key: number, size: number, shmflg: number): number {
  key |= 0;
  shmflg |= 0;
  size = toSizeT(size);
  if (key === IPC_PRIVATE) return newseg(ns, c, key, size, shmflg);
  const shp = ns.ids.findKey(key);
  if (shp === undefined) return shmflg & IPC_CREAT ? newseg(ns, c, key, size, shmflg) : -ENOENT;
  if (shmflg & IPC_CREAT && shmflg & IPC_EXCL) return -EEXIST;
  // shm_more_checks(): the size is compared in bytes, not pages
  if (shp.shmSegsz < size) return -EINVAL;
  const err = ipcperms(c, shp, shmflg);
  return err < 0 ? err : shp.id;
}

/**
 * Creates a segment: size limits, the namespace total, the backing file, then an id (ENOSPC last,
 * once the file exists). Linux: newseg().
 */
export function newseg(ns: ShmNamespace, c: ShmCaller, key: number, size: number, shmflg: number): number {
  const lim = ns.limits;
  if (size < SHMMIN || size > lim.shmmax) return -EINVAL;
  const numpages = pagesOf(size);
  if (numpages * PAGE_SIZE >= 2 ** 64) return -ENOSPC;
  if (ns.shmTot + numpages > lim.shmall) return -ENOSPC;
  const path = shmFileName(key);
  const file = shmflg & SHM_HUGETLB ? hugetlbFileSetup(ns, c, size, shmflg) : shmemKernelFileSetup(ns, path, size, shmflg);
  if (typeof file === "number") return file;
  const shp = new ShmidKernel(key, shmflg & S_IRWXUGO, c.uid >>> 0, c.gid >>> 0, size, file, c.pid, ns.host.nowSec());
  const idx = ns.ids.addId(shp, lim.shmmni);
  if (idx < 0) {
    file.release();
    return idx;
  }
  file.ino = shp.id;
  shp.sfd = newShmFileData(ns, shp.id, file);
  ns.shmTot += numpages;
  return shp.id;
}

/**
 * The backing file: shmem charges the size against memory unless SHM_NORESERVE (overcommit
 * heuristic: more pages than RAM is -ENOMEM); ramfs allocates it all now. Linux:
 * shmem_kernel_file_setup() → __shmem_file_setup() → shmem_acct_size() / ramfs_nommu_expand_for_mapping().
 */
function shmemKernelFileSetup(ns: ShmNamespace, path: string, size: number, shmflg: number): ShmFile | number {
  const { pages, physMem } = ns.host;
  if (ns.backing === "ramfs") return RamfsFile.create(path, size, pages, physMem);
  if (!(shmflg & SHM_NORESERVE) && pagesOf(size) > pages.nrPages) return -ENOMEM;
  return new ShmemFile(path, size, pages, physMem);
}

/**
 * SHM_HUGETLB on a machine with no huge pages reserved: a bad size encoding is -EINVAL; a caller
 * neither in vm.hugetlb_shm_group nor with CAP_IPC_LOCK whose RLIMIT_MEMLOCK can't cover the size
 * gets -EPERM; anyone else -ENOMEM (no huge page to reserve). Linux: newseg()'s hstate_sizelog()
 * check, hugetlb_file_setup(), hugetlb_reserve_pages().
 */
function hugetlbFileSetup(ns: ShmNamespace, c: ShmCaller, size: number, shmflg: number): number {
  const log = (shmflg >> SHM_HUGE_SHIFT) & SHM_HUGE_MASK;
  if (log !== 0 && !HUGE_PAGE_SHIFTS.includes(log)) return -EINVAL;
  const hugesize = Math.ceil(size / 2 ** (log || 21)) * 2 ** (log || 21);
  if (!c.capIpcLock && !inGroupP(c, HUGETLB_SHM_GROUP)) {
    const limit = c.rlimitMemlock ?? MLOCK_LIMIT;
    const locked = (ns.lockedPages.get(c.uid) ?? 0) + pagesOf(hugesize);
    if (locked > Math.floor(limit / PAGE_SIZE)) return -EPERM;
  }
  return -ENOMEM;
}
