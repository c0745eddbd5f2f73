/**
 * Permission checks of SysV IPC. Linux: ipcperms(), ipcctl_obtain_check() and ipc_update_perm()
 * in ipc/util.c, in_group_p() in kernel/groups.c.
 */
import { EACCES, EINVAL } from "@mmsim/mm-types";
import type { KernIpcPerm } from "./ipc-ids.js";
import { S_IRWXUGO } from "./shm-types.js";
import type { ShmCaller } from "./shm-types.js";

/** The caller's fsgid or one of its supplementary groups is `gid`. Linux: in_group_p(). */
export function inGroupP(c: ShmCaller, gid: number): boolean {
  return c.gid === gid || (c.groups?.includes(gid) ?? false);
}

/** The caller is the object's owner or creator. Linux: uid_eq(euid, cuid) || uid_eq(euid, uid). */
export function isOwnerOrCreator(c: ShmCaller, p: KernIpcPerm): boolean {
  return c.uid === p.cuid || c.uid === p.uid;
}

/**
 * May the caller access `p` as `flag` (rwx bits of any class, e.g. S_IRUGO | S_IWUGO) asks?
 * Returns 0 or -EACCES (Linux returns -1 and every caller turns it into -EACCES). The owner class
 * applies to owner or creator, the group class to either group; CAP_IPC_OWNER overrides a denial.
 * Linux: ipcperms() (flag is a short there; only its low 9 bits matter).
 */
export function ipcperms(c: ShmCaller, p: KernIpcPerm, flag: number): number {
  const requested = (flag >> 6) | (flag >> 3) | flag;
  let granted = p.mode;
  if (isOwnerOrCreator(c, p)) granted >>= 6;
  else if (inGroupP(c, p.cgid) || inGroupP(c, p.gid)) granted >>= 3;
  if (requested & ~granted & 0o7 && !c.capIpcOwner) return -EACCES;
  return 0;
}

/** IPC_SET and IPC_RMID need the owner, the creator or CAP_SYS_ADMIN. Linux: the check in ipcctl_obtain_check(). */
export function mayChangeIpc(c: ShmCaller, p: KernIpcPerm): boolean {
  return isOwnerOrCreator(c, p) || c.capSysAdmin;
}

/** A uid or gid the caller's user namespace can map: anything but (u32)-1. Linux: uid_valid(make_kuid()). */
export function isValidId(id: number): boolean {
  return Number.isInteger(id) && id >>> 0 !== 0xffffffff;
}

/**
 * Sets owner, group and the permission bits from an IPC_SET buffer; -EINVAL for an unmappable uid
 * or gid (nothing changed). Linux: ipc_update_perm().
 */
export function ipcUpdatePerm(uid: number, gid: number, mode: number, p: KernIpcPerm): number {
  if (!isValidId(uid) || !isValidId(gid)) return -EINVAL;
  p.uid = uid >>> 0;
  p.gid = gid >>> 0;
  p.mode = (p.mode & ~S_IRWXUGO) | (mode & S_IRWXUGO);
  return 0;
}
