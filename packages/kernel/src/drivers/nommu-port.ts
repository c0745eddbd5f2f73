/**
 * What a memory-backed filesystem asks of a NOMMU mm before it shrinks a file, and how a driver
 * finds out whether its kernel's backend offers it. Linux builds fs/ramfs/file-nommu.c, the only
 * caller of nommu_shrink_inode_mappings(), exactly when mm/nommu.c is built; here the backend that
 * implements the port is the NOMMU one, and the kernel never names it.
 * Linux: nommu_shrink_inode_mappings() in mm/nommu.c.
 */
import type { MmBackend, MmapFile } from "@mmsim/mm-types";
import type { Inode } from "../vfs/inode.js";

/**
 * The NOMMU mm's side of truncating a memory-backed file. Belongs in `@mmsim/mm-types` beside the
 * other ports; defined here until it moves.
 */
export interface NommuInodeMappingsPort {
  /**
   * Called before a memory-backed file shrinks from `size` to `newsize` bytes: -ETXTBSY when a
   * mapping of the file's own pages covers what would be cut, else 0 after trimming the regions that
   * reach past the new end. Linux: nommu_shrink_inode_mappings().
   */
  nommuShrinkInodeMappings(file: MmapFile, size: number, newsize: number): number;
}

/** The backend's NOMMU inode port, or null when the backend has none (an MMU kernel). */
export function nommuInodeMappingsPort(backend: MmBackend): NommuInodeMappingsPort | null {
  const port = backend as Partial<NommuInodeMappingsPort>;
  return typeof port.nommuShrinkInodeMappings === "function" ? (port as NommuInodeMappingsPort) : null;
}

/**
 * The inode as the mm sees a file of it, for calls the filesystem makes without an open file (a
 * truncate by path). Linux: the inode → i_mapping the mm code walks.
 */
export function inodeAsMmapFile(inode: Inode): MmapFile {
  return {
    identity: { path: inode.path, devMajor: inode.devMajor, devMinor: inode.devMinor, ino: inode.ino },
    inodeType: inode.type,
    readable: true,
    writable: true,
    appendOnly: inode.appendOnly,
    noexec: inode.noexec,
    size: () => inode.size,
    read: (offset, dst) => inode.driver.read(inode, offset, dst),
    ops: {},
    mapping: inode.mapping,
  };
}
