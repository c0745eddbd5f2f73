/**
 * shmat(2): map a segment into the caller's address space. Linux: do_shmat() in ipc/shm.c, with
 * find_vma_intersection() and do_mmap().
 */
import { EINVAL, MAP_FIXED, MAP_SHARED, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, SHM_EXEC, SHM_RDONLY, SHM_REMAP, SHM_RND, TASK_SIZE } from "@mmsim/mm-types";
import type { MmViewPort } from "@mmsim/mm-types";
import { ipcperms } from "./ipcperms.js";
import { shmAttachFile } from "./shm-file-data.js";
import type { ShmNamespace } from "./shm-namespace.js";
import { S_IRUGO, S_IWUGO, S_IXUGO, SHMLBA } from "./shm-types.js";
import type { ShmCaller } from "./shm-types.js";

/** unsigned long as the syscall receives it. */
function toUlong(x: number): number {
  return x < 0 ? x + 2 ** 64 : x;
}

/**
 * The attach address after SHM_RND, or -EINVAL: unaligned without SHM_RND (not a page multiple:
 * x86 does not force SHMLBA), rounded down to 0 with SHM_REMAP, or SHM_REMAP without an address.
 */
export function shmatAddress(shmaddr: number, shmflg: number): number {
  let addr = toUlong(shmaddr);
  if (addr === 0) return shmflg & SHM_REMAP ? -EINVAL : 0;
  if (addr % SHMLBA !== 0) {
    if (shmflg & SHM_RND) {
      addr -= addr % SHMLBA;
      if (addr === 0 && shmflg & SHM_REMAP) return -EINVAL;
    } else if (addr % PAGE_SIZE !== 0) {
      return -EINVAL;
    }
  }
  return addr;
}

/** Some VMA meets [start, end) (user space only: the gate area is not a VMA). Linux: find_vma_intersection(). */
export function findVmaIntersection(view: MmViewPort, start: number, end: number): boolean {
  for (const v of view.vmas()) {
    if (v.vmStart >= TASK_SIZE) continue;
    if (v.vmStart < end && v.vmEnd > start) return true;
  }
  return false;
}

/** PROT_* of the mapping and the rwx the caller needs. */
function shmatAccess(shmflg: number): { prot: number; accMode: number } {
  let prot = shmflg & SHM_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
  let accMode = shmflg & SHM_RDONLY ? S_IRUGO : S_IRUGO | S_IWUGO;
  if (shmflg & SHM_EXEC) {
    prot |= PROT_EXEC;
    accMode |= S_IXUGO;
  }
  return { prot, accMode };
}

/**
 * shmat(2) in Linux's order: address checks, id lookup (-EINVAL), permission (-EACCES), then a
 * temporary nattch reference around the mapping so that a segment removed meanwhile survives it;
 * an address given without SHM_REMAP must be free ([addr, addr + size) in bytes), otherwise
 * MAP_FIXED replaces what is there. Returns the address or -errno. Linux: do_shmat().
 */
export function doShmat(ns: ShmNamespace, c: ShmCaller, shmid: number, shmaddr: number, shmflg: number): number {
  shmid |= 0;
  shmflg |= 0;
  if (shmid < 0) return -EINVAL;
  const addr = shmatAddress(shmaddr, shmflg);
  if (addr < 0) return addr;
  const flags = toUlong(shmaddr) !== 0 ? MAP_SHARED | MAP_FIXED : MAP_SHARED;
  const { prot, accMode } = shmatAccess(shmflg);
  const shp = ns.ids.obtainObjectCheck(shmid);
  if (typeof shp === "number") return shp;
  const err = ipcperms(c, shp, accMode);
  if (err < 0) return err;
  const sfd = shp.sfd!;
  shp.shmNattch++;
  const size = sfd.file.iSize;
  const file = shmAttachFile(sfd, !(shmflg & SHM_RDONLY), ns.nommuShmat === "seeds");
  let ret: number;
  if (addr !== 0 && !(shmflg & SHM_REMAP) && (addr + size >= 2 ** 64 || findVmaIntersection(ns.host.mm.view(c.mmId), addr, addr + size))) {
    ret = -EINVAL;
  } else {
    ret = ns.host.mm.mmap(c.mmId, { addr, len: size, prot, flags, pgoff: 0, file });
  }
  shp.shmNattch--;
  if (ns.shmMayDestroy(shp)) ns.shmDestroy(shp);
  return ret;
}
