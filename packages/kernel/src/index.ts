/**
 * @mmsim/kernel: the syscall layer both mm backends sit behind — tasks, fork/vfork/exec/exit, the fd
 * table and a small VFS with a page cache, dispatch of Linux-numbered syscalls, the simulated clock,
 * processes made from /proc/<pid>/maps snapshots, and the /proc files.
 */
export { Kernel, BLOCKED } from "./kernel.js";
export type { KernelOptions, CloneArgs, SyscallResult } from "./kernel.js";
export { Task } from "./task.js";
export type { TaskState, BlockReason, MmRef, TaskCred } from "./task.js";
export { FdTable, NR_OPEN_DEFAULT } from "./fd-table.js";
export { SimClock } from "./clock.js";
export { dispatchSyscall } from "./dispatch.js";
export type { SyscallArg, SyscallHandler } from "./dispatch.js";
export { Vfs, normalizePath } from "./vfs/vfs.js";
export type { InodeSpec, VfsOptions } from "./vfs/vfs.js";
export { Inode } from "./vfs/inode.js";
export type { InodeDriver } from "./vfs/inode.js";
export { OpenFile } from "./vfs/file.js";
export type { FileIo } from "./vfs/file.js";
export { blockdevFileDriver, devZeroDriver, directoryDriver } from "./vfs/drivers.js";
export { defaultExecLoader, ELF_TEXT_BASE, INITIAL_STACK_SIZE } from "./exec-loader.js";
export type { ExecLoader } from "./exec-loader.js";
export { layoutFromMaps } from "./snapshot.js";
export type { SnapshotOptions, SnapshotResult } from "./snapshot.js";
export { meminfoPages, procRead } from "./proc.js";
export type { ProcProvider } from "./proc.js";
export { Scheduler } from "./scheduler.js";
export type { Program, ProgramContext, RunResult, SyscallRequest } from "./scheduler.js";
export { installFutex } from "./subsys/futex.js";
export { installSysvShm } from "./subsys/sysv-shm.js";
export { DeviceMappings, DeviceMemory } from "./drivers/device-memory.js";
export { inodeAsMmapFile, nommuInodeMappingsPort } from "./drivers/nommu-port.js";
export type { NommuInodeMappingsPort } from "./drivers/nommu-port.js";
export {
  RAMFS_DEV,
  RAMFS_MMAP_CAPABILITIES,
  createRamfsFile,
  ramfsDriver,
  ramfsDriverFor,
  ramfsNommuExpandForMapping,
  ramfsNommuGetUnmappedArea,
} from "./drivers/ramfs.js";
export type { RamfsOptions } from "./drivers/ramfs.js";
export { MTD_BLOCK_MAJOR, ROMFH_SIZE, ROMFS_MMAP_CAPABILITIES, createRomfs, romfsDriver, romfsGetUnmappedArea } from "./drivers/romfs.js";
export type { RomfsEntry, RomfsFileSpec, RomfsImage, RomfsOptions } from "./drivers/romfs.js";
export { RAMDISK_MAJOR, RAMDISK_MMAP_CAPABILITIES, createRamdisk, ramdiskDriver, ramdiskGetUnmappedArea } from "./drivers/ramdisk.js";
export type { Ramdisk } from "./drivers/ramdisk.js";
export { FB_MAJOR, FB_MMAP_CAPABILITIES, createFramebuffer, fbGetUnmappedArea, framebufferDriver } from "./drivers/framebuffer.js";
export type { Framebuffer } from "./drivers/framebuffer.js";
export { FLASH_MMAP_CAPABILITIES, FLASH_STATUS_BYTE, FlashChip, MTD_CHAR_MAJOR, createFlash, flashDriver } from "./drivers/flash.js";
export type { Flash } from "./drivers/flash.js";
export { DEV_NULL, createDevNull, devNullDriver } from "./drivers/dev-null.js";
export { MMAP_TABLE_LEN, MMAP_TABLE_PROGRAM, NOMMU_MMAP_TABLE_CASES, nommuMmapTable, runMmapTableCase, tablePattern } from "./drivers/table.js";
export type { MmapTableBackend, MmapTableCase, MmapTableObject, NommuMmapTableRow } from "./drivers/table.js";
