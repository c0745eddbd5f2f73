/**
 * @mmsim/sysv-shm: System V shared memory as ipc/shm.c does it. shmget, shmat, shmdt and shmctl
 * over an mm backend, attachments counted by vm_ops open/close, /proc/sysvipc/shm.
 */
export { ShmNamespace, SHM_DEFAULT_LIMITS } from "./shm-namespace.js";
export { ShmidKernel } from "./shmid-kernel.js";
export { IpcIds, IPC_MIN_CYCLE, IPCID_SEQ_MAX, ipcidToIdx, ipcidToSeqx } from "./ipc-ids.js";
export type { KernIpcPerm } from "./ipc-ids.js";
export { inGroupP, ipcperms, ipcUpdatePerm, isOwnerOrCreator, isValidId, mayChangeIpc } from "./ipcperms.js";
export { RAMFS_MMAP_CAPABILITIES, RamfsFile, SHM_DEV_MAJOR, SHM_DEV_MINOR, ShmemFile, pagesOf, shmFileName } from "./shm-file.js";
export type { ShmFile } from "./shm-file.js";
export { ShmAddressSpace, newShmFileData, shmAttachFile, shmFileDataOf } from "./shm-file-data.js";
export type { ShmFileData, ShmFileDataNs } from "./shm-file-data.js";
export { ksysShmget, newseg } from "./shmget.js";
export { doShmat, findVmaIntersection, shmatAddress } from "./do-shmat.js";
export { isShmFragmentAt, ksysShmdt } from "./shmdt.js";
export { ksysShmctl, shmidDsOf } from "./shmctl.js";
export { SYSVIPC_SHM_HEADER, sysvipcShmProc, sysvipcShmRow } from "./proc-sysvipc-shm.js";
export { MLOCK_LIMIT, RLIM_INFINITY, SHMLBA, S_IRUGO, S_IRWXUGO, S_IWUGO, S_IXUGO } from "./shm-types.js";
export type { IpcPerm, ShmCaller, ShmctlOut, ShmHost, ShmidDs, ShmInfo, Shminfo64, ShmLimits, ShmOptions } from "./shm-types.js";
