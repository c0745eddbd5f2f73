/**
 * A task's file descriptors: the lowest free number first, close-on-exec per fd, shared between
 * threads made with CLONE_FILES and copied at fork. Linux: struct files_struct (fs/file.c).
 */
import { EBADF, EINVAL, EMFILE, O_CLOEXEC, bug } from "@mmsim/mm-types";
import type { OpenFile } from "./vfs/file.js";

/** The default RLIMIT_NOFILE soft limit. */
export const NR_OPEN_DEFAULT = 1024;

interface FdEntry {
  readonly file: OpenFile;
  cloexec: boolean;
}

/** An fd table. The caller (the kernel) drops file references through `release`. */
export class FdTable {
  private readonly fds = new Map<number, FdEntry>();
  /** Tasks sharing this table. Linux: files_struct.count. */
  users = 1;

  constructor(
    private readonly release: (file: OpenFile) => void,
    readonly limit = NR_OPEN_DEFAULT,
  ) {}

  /** The open file behind `fd`, or null. Linux: fget(). */
  get(fd: number): OpenFile | null {
    return this.fds.get(fd)?.file ?? null;
  }

  /** The lowest free fd ≥ `min`, or -EMFILE. Linux: alloc_fd(). */
  lowestFree(min = 0): number {
    for (let fd = min; fd < this.limit; fd++) if (!this.fds.has(fd)) return fd;
    return -EMFILE;
  }

  /** Puts `file` at the lowest free fd (taking over the caller's reference). Returns the fd or -EMFILE. */
  install(file: OpenFile, flags = 0): number {
    const fd = this.lowestFree();
    if (fd < 0) return fd;
    this.fds.set(fd, { file, cloexec: (flags & O_CLOEXEC) !== 0 });
    return fd;
  }

  /** Puts `file` at exactly `fd`, closing what was there (the caller's reference is taken over). */
  installAt(fd: number, file: OpenFile, cloexec = false): number {
    if (!Number.isInteger(fd) || fd < 0 || fd >= this.limit) return -EBADF;
    const old = this.fds.get(fd);
    this.fds.set(fd, { file, cloexec });
    if (old !== undefined) this.release(old.file);
    return fd;
  }

  /** Linux: close_fd(). */
  close(fd: number): number {
    const e = this.fds.get(fd);
    if (e === undefined) return -EBADF;
    this.fds.delete(fd);
    this.release(e.file);
    return 0;
  }

  /** Linux: dup(). */
  dup(oldfd: number): number {
    const e = this.fds.get(oldfd);
    if (e === undefined) return -EBADF;
    const fd = this.lowestFree();
    if (fd < 0) return fd;
    e.file.refs++;
    this.fds.set(fd, { file: e.file, cloexec: false });
    return fd;
  }

  /** Linux: dup2(): the same fd twice is a validity check; an out-of-range newfd is EBADF. */
  dup2(oldfd: number, newfd: number): number {
    const e = this.fds.get(oldfd);
    if (e === undefined) return -EBADF;
    if (oldfd === newfd) return newfd;
    return this.dupTo(e, newfd, 0);
  }

  /** Linux: dup3(): flags other than O_CLOEXEC, or oldfd == newfd, are EINVAL. */
  dup3(oldfd: number, newfd: number, flags: number): number {
    if ((flags & ~O_CLOEXEC) !== 0) return -EINVAL;
    if (oldfd === newfd) return -EINVAL;
    if (!Number.isInteger(newfd) || newfd < 0 || newfd >= this.limit) return -EBADF;
    const e = this.fds.get(oldfd);
    if (e === undefined) return -EBADF;
    return this.dupTo(e, newfd, flags);
  }

  private dupTo(e: FdEntry, newfd: number, flags: number): number {
    if (!Number.isInteger(newfd) || newfd < 0 || newfd >= this.limit) return -EBADF;
    e.file.refs++;
    return this.installAt(newfd, e.file, (flags & O_CLOEXEC) !== 0);
  }

  /** A copy for fork: the same open files, one more reference each. Linux: dup_fd(). */
  copy(): FdTable {
    const t = new FdTable(this.release, this.limit);
    for (const [fd, e] of this.fds) {
      e.file.refs++;
      t.fds.set(fd, { file: e.file, cloexec: e.cloexec });
    }
    return t;
  }

  /** Closes the close-on-exec fds. Linux: do_close_on_exec(). */
  closeOnExec(): void {
    for (const [fd, e] of [...this.fds]) if (e.cloexec) this.close(fd);
  }

  /** Closes everything (the last user exits). Linux: put_files_struct(). */
  closeAll(): void {
    for (const fd of [...this.fds.keys()]) this.close(fd);
  }

  /** Open fds in order. */
  entries(): Array<[number, OpenFile]> {
    return [...this.fds].sort((a, b) => a[0] - b[0]).map(([fd, e]) => [fd, e.file]);
  }

  /** Every open file referenced holds at least one reference. */
  assertValid(): void {
    for (const [fd, e] of this.fds) if (e.file.refs < 1) bug(`fd ${fd} refers to a released file`);
  }
}
