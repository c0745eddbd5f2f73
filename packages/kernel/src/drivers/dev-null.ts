/**
 * /dev/null: reads end at once, writes vanish, and it has no mmap at all, so every mapping of it is
 * refused with ENODEV on either backend. Linux: null_fops in drivers/char/mem.c (no .mmap).
 */
import { S_IFCHR } from "@mmsim/mm-types";
import type { Kernel } from "../kernel.js";
import type { Inode, InodeDriver } from "../vfs/inode.js";

/** /dev/null's major and minor. Linux: MEM_MAJOR, minor 3. */
export const DEV_NULL = { major: 1, minor: 3 } as const;

/** The /dev/null driver. Linux: read_null(), write_null(). */
export const devNullDriver: InodeDriver = {
  name: "dev-null",
  read: () => 0,
  write: (_inode, _offset, src) => src.length,
};

/** Creates /dev/null (crw-rw-rw- 1,3). Returns the inode or -EEXIST. */
export function createDevNull(kernel: Kernel, path = "/dev/null"): Inode | number {
  return kernel.vfs.mknod(path, { mode: S_IFCHR | 0o666, driver: devNullDriver, devMajor: DEV_NULL.major, devMinor: DEV_NULL.minor });
}
