/**
 * The world of one kit case: a fresh kernel from the caller's factory, the node the subject made,
 * one process with a scratch buffer in its own memory, and the syscalls the cases make — through
 * the kernel's dispatch, with assertValid() after each, user bytes moved by the mm's uaccess.
 * At the end every task exits and the world says what leaked and which open files were not
 * released exactly once.
 */
import { MAP_ANONYMOUS, MAP_PRIVATE, NR, PAGE_SIZE, PROT_READ, PROT_WRITE, AT_FDCWD, bug, errnoName } from "@mmsim/mm-types";
import { BLOCKED } from "../kernel.js";
import type { Kernel } from "../kernel.js";
import type { SyscallArg } from "../dispatch.js";
import type { OpenFile } from "../vfs/file.js";
import type { Inode, InodeDriver } from "../vfs/inode.js";
import type { DriverBackend, DriverNode, DriverProbe, DriverSubject } from "./driver-subject.js";

/** Bytes of the scratch buffer each process has for read/write buffers. */
export const SCRATCH_LEN = 8 * PAGE_SIZE;

/** Open and release calls seen per open file. */
class FileLog {
  readonly files = new Map<OpenFile, { opens: number; releases: number }>();
  tracked = false;

  entry(file: OpenFile): { opens: number; releases: number } {
    let e = this.files.get(file);
    if (e === undefined) this.files.set(file, (e = { opens: 0, releases: 0 }));
    return e;
  }

  /** A driver whose open and release are counted here; every other hook is the driver's own. */
  wrap<D extends InodeDriver>(driver: D): D {
    this.tracked = true;
    return {
      ...driver,
      open: (inode: Inode, file: OpenFile): number => {
        const r = driver.open?.(inode, file) ?? 0;
        if (r === 0) this.entry(file).opens++;
        return r;
      },
      release: (inode: Inode, file: OpenFile): void => {
        this.entry(file).releases++;
        driver.release?.(inode, file);
      },
    };
  }
}

/** What the end of a world found. */
export interface WorldEnd {
  /** Pages neither free nor in the page cache that were before the process existed. */
  readonly leakedPages: number;
  /** Open files the node still counts. */
  readonly openCount: number;
  /** Open files whose release ran other than once (only when the driver was tracked). */
  readonly badReleases: number;
  /** Open files the tracked driver saw. */
  readonly trackedFiles: number;
}

function ok<T>(v: T | number, what: string): T {
  return typeof v === "number" ? bug(`driver kit: ${what} failed (${errnoName(v) ?? v})`) : v;
}

/** One world. */
export class DriverWorld {
  readonly tid: number;
  readonly scratch: number;
  private readonly baseline: number;

  private constructor(
    readonly kernel: Kernel,
    readonly backend: DriverBackend,
    readonly node: DriverNode,
    readonly inode: Inode,
    private readonly log: FileLog,
  ) {
    this.warmUp();
    this.baseline = this.freeAndCached();
    this.tid = ok(kernel.createProcess({ comm: "driver-kit" }), "createProcess").tid;
    this.scratch = this.sys(NR.mmap, 0, SCRATCH_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (this.scratch < 0) bug(`driver kit: scratch mmap failed (${errnoName(this.scratch)})`);
  }

  /** Makes a world on `backend` with a fresh kernel from `factory`. */
  static make(subject: DriverSubject, backend: DriverBackend, factory: () => Kernel): DriverWorld {
    const kernel = factory();
    const log = new FileLog();
    const probe: DriverProbe = { backend, track: (d) => log.wrap(d) };
    const node = ok(subject.create(kernel, probe), "the subject's create");
    const inode = kernel.vfs.lookup(node.path) ?? bug(`driver kit: the subject made no node at ${node.path}`);
    return new DriverWorld(kernel, backend, node, inode, log);
  }

  /**
   * A process that maps, touches and drops anonymous memory before the baseline is taken, so that
   * what a backend allocates once (MMU's zero page) is not counted as a leak.
   */
  private warmUp(): void {
    const t = ok(this.kernel.createProcess({ comm: "warm-up" }), "createProcess").tid;
    const a = this.kernel.syscall(t, NR.mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) as number;
    if (a >= 0) {
      const mm = this.kernel.task(t)!.mm.mmId;
      this.kernel.backend.readUser(mm, a, new Uint8Array(8));
      this.kernel.backend.writeUser(mm, a, new Uint8Array(8));
    }
    this.kernel.syscall(t, NR.exit_group, 0);
    this.kernel.reap();
  }

  private freeAndCached(): number {
    return this.kernel.pages.freePagesCount() + this.kernel.vfs.cachedPages();
  }

  private get mmId(): number {
    return (this.kernel.task(this.tid) ?? bug("driver kit: the process is gone")).mm.mmId;
  }

  /** Syscall `nr` through dispatch; the kernel's invariants are checked after it. */
  sys(nr: number, ...args: SyscallArg[]): number {
    const r = this.kernel.syscall(this.tid, nr, ...args);
    this.kernel.assertValid();
    return r === BLOCKED ? bug(`driver kit: syscall ${nr} blocked`) : r;
  }

  /** openat(AT_FDCWD, node, flags). */
  open(flags: number): number {
    return this.sys(NR.openat, AT_FDCWD, this.node.path, flags, 0);
  }

  /** User bytes at `addr`, or null when reading faults (copy_from_user). */
  peek(addr: number, len: number): Uint8Array | null {
    const buf = new Uint8Array(len);
    return this.kernel.backend.readUser(this.mmId, addr, buf) === 0 ? buf : null;
  }

  /** Writes user bytes at `addr` (copy_to_user); false when it faults. */
  poke(addr: number, bytes: Uint8Array): boolean {
    const r = this.kernel.backend.writeUser(this.mmId, addr, bytes);
    this.kernel.assertValid();
    return r === 0;
  }

  /** read(2) (offset undefined) or pread64(2) of `len` bytes: the bytes, or -errno. */
  read(fd: number, len: number, offset?: number): Uint8Array | number {
    if (len > SCRATCH_LEN) bug("driver kit: read larger than the scratch buffer");
    const n = offset === undefined ? this.sys(NR.read, fd, this.scratch, len) : this.sys(NR.pread64, fd, this.scratch, len, offset);
    if (n < 0) return n;
    if (n > len) bug(`driver kit: read returned ${n} for ${len} bytes`);
    return this.peek(this.scratch, n) ?? bug("driver kit: the scratch buffer faults");
  }

  /** write(2) (offset undefined) or pwrite64(2) of `bytes`: the count or -errno. */
  write(fd: number, bytes: Uint8Array, offset?: number): number {
    if (bytes.length > SCRATCH_LEN) bug("driver kit: write larger than the scratch buffer");
    if (!this.poke(this.scratch, bytes)) bug("driver kit: the scratch buffer faults");
    if (offset === undefined) return this.sys(NR.write, fd, this.scratch, bytes.length);
    const r = this.kernel.write(this.tid, fd, this.scratch, bytes.length, offset);
    this.kernel.assertValid();
    return r === BLOCKED ? bug("driver kit: pwrite blocked") : r;
  }

  /** What a refused call must leave as it was: size, content, open files, fds, mappings, free pages. */
  snapshot(): string {
    const content = new Uint8Array(Math.min(this.inode.size, 4 * PAGE_SIZE));
    const n = this.kernel.vfs.read(this.inode, 0, content);
    const task = this.kernel.task(this.tid)!;
    return JSON.stringify({
      size: this.inode.size,
      content: n < 0 ? n : Array.from(content.subarray(0, n)).join(","),
      openCount: this.inode.openCount,
      fds: task.files.entries().map(([fd]) => fd),
      maps: this.kernel.backend.showMaps(this.mmId),
      free: this.kernel.pages.freePagesCount(),
    });
  }

  /** Every task exits; then what leaked and what was released other than once. */
  finish(): WorldEnd {
    for (const t of this.kernel.tasks()) if (t.alive) this.kernel.syscall(t.tid, NR.exit_group, 0);
    this.kernel.reap();
    this.kernel.assertValid();
    let badReleases = 0;
    for (const e of this.log.files.values()) if (e.releases !== 1 || e.opens !== 1) badReleases++;
    return {
      leakedPages: this.baseline - this.freeAndCached(),
      openCount: this.inode.openCount,
      badReleases,
      trackedFiles: this.log.tracked ? this.log.files.size : -1,
    };
  }
}
