/**
 * /proc/<pid>/mem: a process's memory as a file whose offset is the address. Reads and writes go
 * through the backend's access_remote_vm (FOLL_FORCE); one that reaches nothing is EIO, one that
 * stops at the end of what can be reached is short. lseek knows SEEK_SET and SEEK_CUR only.
 * Linux: mem_open(), mem_rw(), mem_lseek() in fs/proc/base.c.
 */
import { EINVAL, EIO, ENOENT, SEEK_CUR, SEEK_SET, S_IFREG } from "@mmsim/mm-types";
import type { MmBackend } from "@mmsim/mm-types";
import type { Task } from "./task.js";
import type { InodeDriver } from "./vfs/inode.js";
import type { InodeSpec } from "./vfs/vfs.js";

/** procfs's device (an anonymous superblock) and the inode numbers it hands out. */
const PROC_DEV_MINOR = 0x16;
const PROC_INO_BASE = 0x40000000;

/** What the files need of the kernel. */
export interface ProcMemHost {
  readonly backend: MmBackend;
  task(tid: number): Task | null;
}

function memDriver(host: ProcMemHost, pid: number): InodeDriver {
  const rw = (offset: number, buf: Uint8Array, write: boolean): number => {
    const t = host.task(pid);
    // the address space is gone (the process exited): nothing to read. Linux: mem_rw() with a NULL mm
    if (t === null || !t.alive) return 0;
    const n = buf.length === 0 ? 0 : host.backend.accessRemoteVm(t.mm.mmId, offset, buf, write);
    return n === 0 && buf.length > 0 ? -EIO : n;
  };
  return {
    name: "proc-mem",
    sizeless: true,
    open: () => {
      const t = host.task(pid);
      return t !== null && t.alive ? 0 : -ENOENT;
    },
    read: (_inode, offset, dst) => rw(offset, dst, false),
    write: (_inode, offset, src) => rw(offset, src, true),
    llseek: (file, offset, whence) => {
      if (whence === SEEK_SET) file.pos = offset;
      else if (whence === SEEK_CUR) file.pos += offset;
      else return -EINVAL;
      return file.pos;
    },
  };
}

/**
 * The VFS provider of /proc/<pid>/mem for live processes (/proc/self is resolved to the caller's
 * pid before the VFS sees the path).
 */
export function procMemProvider(host: ProcMemHost): (path: string) => InodeSpec | null {
  return (path) => {
    const m = /^\/proc\/(\d+)\/mem$/.exec(path);
    if (m === null) return null;
    const pid = Number(m[1]);
    const t = host.task(pid);
    if (t === null || !t.alive) return null;
    return { mode: S_IFREG | 0o600, driver: memDriver(host, pid), devMajor: 0, devMinor: PROC_DEV_MINOR, ino: PROC_INO_BASE + pid };
  };
}
