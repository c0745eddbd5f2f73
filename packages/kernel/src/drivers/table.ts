/**
 * The table of Documentation/nommu-mmap.txt (the seed) — every kind of mapping × MMU and NOMMU —
 * computed live: each cell is what a fresh kernel does when two processes map the object, one
 * writes, the file is written, and the first one forks. Nothing in a cell is written down here; the
 * words come from the syscalls' results and from reading user memory back.
 *
 * A case, on a kernel the caller makes:
 * 1. P1 opens the object (and, for ramfs, ftruncates it: open, truncate, mmap) and maps 2 pages of
 *    it at offset 0; an error ends the cell ("ENODEV");
 * 2. the placement: "ok" on MMU; on NOMMU "direct" when the address is the object's own memory
 *    (its device memory, its page-cache pages, its bytes in ROM), else "copy"; then what P1 reads
 *    there is checked against the object's bytes (zero past EOF): "shows other bytes" or "reads fault"
 *    when it isn't them;
 * 3. P2 — a vfork child that execs and keeps the fd, as NOMMU programs share files — maps the same:
 *    on NOMMU "P2 same address" or "P2 other address";
 * 4. when the object takes write(2): P1 writes the file at offset 0 and reads its mapping: "sees file
 *    writes" or "blind to file writes";
 * 5. P1 writes through its mapping (copy_to_user at the second page): "writes fault", or whether P2's
 *    mapping shows it ("P2 sees writes" / "P2 doesn't see writes") and whether the file does (pread:
 *    "file sees writes" / "file doesn't see writes");
 * 6. P1 forks and writes again: "fork shares", "fork copies", "fork ok" (its mapping is read-only),
 *    or the errno ("fork EINVAL" on NOMMU).
 *
 * Linux: the behaviour each cell shows is mm/mmap.c + mm/memory.c (MMU) and mm/nommu.c (NOMMU) with
 * the drivers of this folder; the table is the seed's.
 */
import {
  AT_FDCWD,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_RDONLY,
  O_RDWR,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  S_IFBLK,
  S_IFREG,
  bug,
  errnoName,
} from "@mmsim/mm-types";
import { BLOCKED } from "../kernel.js";
import type { Kernel } from "../kernel.js";
import type { SyscallArg } from "../dispatch.js";
import { blockdevFileDriver } from "../vfs/drivers.js";
import { createDevNull } from "./dev-null.js";
import { createFlash } from "./flash.js";
import { createFramebuffer } from "./framebuffer.js";
import { createRamdisk } from "./ramdisk.js";
import { createRamfsFile } from "./ramfs.js";
import { createRomfs } from "./romfs.js";

/** A column of the table. */
export type MmapTableBackend = "mmu" | "nommu";

/** One row of the table: the kind of mapping and what each backend did. */
export interface NommuMmapTableRow {
  readonly type: string;
  readonly mmu: string;
  readonly nommu: string;
}

/** What a case maps, made on a fresh kernel before any process exists. */
export interface MmapTableObject {
  readonly path: string;
  readonly openFlags: number;
  /** The bytes a mapping of the first MMAP_TABLE_LEN bytes must show. */
  readonly contents: Uint8Array;
  /** write(2) changes what the object holds (else step 4 is skipped). */
  readonly takesWrites: boolean;
  /** After P1 opened it: the ftruncate of ramfs's open, truncate, mmap. Returns 0 or -errno. */
  afterOpen?(kernel: Kernel, tid: number, fd: number): number;
  /** The physical address of the object's byte 0 (where a NOMMU direct mapping lands), or null. */
  ownAddress(): number | null;
}

/** A row: the mapping's prot and flags, and how to make the object (null: anonymous). */
export interface MmapTableCase {
  readonly type: string;
  readonly prot: number;
  readonly flags: number;
  readonly object: ((kernel: Kernel) => MmapTableObject) | null;
}

/** Bytes each process maps. */
export const MMAP_TABLE_LEN = 2 * PAGE_SIZE;
/** The program the second process execs (made on the kernel when missing). */
export const MMAP_TABLE_PROGRAM = "/sbin/mmap-table";

const RW = PROT_READ | PROT_WRITE;
const RX = PROT_READ | PROT_EXEC;
const FILE_MARK = new TextEncoder().encode("filewr!1");
const MAP_MARK = new TextEncoder().encode("mapwr!!2");
const FORK_MARK = new TextEncoder().encode("forkwr!3");

/** Bytes i → (i * 7 + seed) & 0xff: a file's contents, different at every offset. */
export function tablePattern(len: number, seed = 1): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** `bytes` zero-padded to the mapped length. */
function padded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(MMAP_TABLE_LEN, bytes.length));
  out.set(bytes);
  return out.subarray(0, MMAP_TABLE_LEN);
}

function ok<T>(v: T | number, what: string): T {
  return typeof v === "number" ? bug(`nommu-mmap table: ${what} failed (${errnoName(v) ?? v})`) : v;
}

/** A regular file on a disk, its last 100 bytes short of two pages (so the tail past EOF shows). */
function diskFile(kernel: Kernel): MmapTableObject {
  const bytes = tablePattern(MMAP_TABLE_LEN - 100);
  const inode = ok(kernel.vfs.mknod("/data/file", { mode: S_IFREG | 0o644, driver: blockdevFileDriver }), "mknod /data/file");
  kernel.vfs.write(inode, 0, bytes);
  return { path: inode.path, openFlags: O_RDWR, contents: padded(bytes), takesWrites: true, ownAddress: () => null };
}

/** A disk's block device node (not memory-backed). */
function diskBlockdev(kernel: Kernel): MmapTableObject {
  const bytes = tablePattern(MMAP_TABLE_LEN, 3);
  const spec = { mode: S_IFBLK | 0o660, driver: blockdevFileDriver, size: MMAP_TABLE_LEN, devMajor: 8, devMinor: 0 };
  const inode = ok(kernel.vfs.mknod("/dev/sda", spec), "mknod /dev/sda");
  kernel.vfs.write(inode, 0, bytes);
  return { path: inode.path, openFlags: O_RDWR, contents: bytes, takesWrites: true, ownAddress: () => null };
}

/** An executable on an XIP romfs in ROM. */
function romfsFile(kernel: Kernel): MmapTableObject {
  const bytes = tablePattern(MMAP_TABLE_LEN - 300, 5);
  const fs = ok(createRomfs(kernel, { files: [{ name: "busybox", data: bytes, exec: true }] }), "createRomfs");
  const entry = fs.entries.get("/rom/busybox")!;
  return { path: "/rom/busybox", openFlags: O_RDONLY, contents: padded(bytes), takesWrites: false, ownAddress: () => entry.dataAddr };
}

/** A ramfs file, made to the mapped size by the ftruncate after open. */
function ramfsFile(kernel: Kernel): MmapTableObject {
  const inode = ok(createRamfsFile(kernel, "/dev/shm/table"), "create ramfs file");
  return {
    path: inode.path,
    openFlags: O_RDWR,
    contents: new Uint8Array(MMAP_TABLE_LEN),
    takesWrites: true,
    afterOpen: (k, tid, fd) => k.syscall(tid, NR.ftruncate, fd, MMAP_TABLE_LEN) as number,
    ownAddress: () => {
      const pfn = inode.pageCache.get(0);
      return pfn === undefined ? null : pfn * PAGE_SIZE;
    },
  };
}

function ramdisk(kernel: Kernel): MmapTableObject {
  const disk = ok(createRamdisk(kernel, { size: MMAP_TABLE_LEN }), "createRamdisk");
  const bytes = tablePattern(MMAP_TABLE_LEN, 9);
  disk.memory.write(0, bytes);
  return { path: disk.inode.path, openFlags: O_RDWR, contents: bytes, takesWrites: true, ownAddress: () => disk.memory.base };
}

function framebuffer(kernel: Kernel): MmapTableObject {
  const fb = ok(createFramebuffer(kernel, { smemLen: MMAP_TABLE_LEN }), "createFramebuffer");
  const bytes = tablePattern(MMAP_TABLE_LEN, 11);
  fb.memory.write(0, bytes);
  return { path: fb.inode.path, openFlags: O_RDWR, contents: bytes, takesWrites: true, ownAddress: () => fb.memory.base };
}

function devNull(kernel: Kernel): MmapTableObject {
  if (kernel.vfs.lookup("/dev/null") === null) ok(createDevNull(kernel), "createDevNull");
  return { path: "/dev/null", openFlags: O_RDWR, contents: new Uint8Array(MMAP_TABLE_LEN), takesWrites: false, ownAddress: () => null };
}

function flash(programming: boolean): (kernel: Kernel) => MmapTableObject {
  return (kernel) => {
    const bytes = tablePattern(MMAP_TABLE_LEN, 13);
    const f = ok(createFlash(kernel, { data: bytes }), "createFlash");
    if (programming && f.chip.startProgramming() < 0) bug("nommu-mmap table: the flash would not start programming");
    return { path: f.inode.path, openFlags: O_RDONLY, contents: bytes, takesWrites: false, ownAddress: () => f.chip.memory.base };
  };
}

/** The rows, in the seed's order, with the drivers of this folder standing in for its examples. */
export const NOMMU_MMAP_TABLE_CASES: readonly MmapTableCase[] = [
  { type: "anonymous, MAP_PRIVATE", prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS, object: null },
  { type: "anonymous, MAP_SHARED", prot: RW, flags: MAP_SHARED | MAP_ANONYMOUS, object: null },
  { type: "file, MAP_PRIVATE, PROT_READ", prot: PROT_READ, flags: MAP_PRIVATE, object: diskFile },
  { type: "file on an XIP romfs, MAP_PRIVATE, PROT_READ|PROT_EXEC", prot: RX, flags: MAP_PRIVATE, object: romfsFile },
  { type: "file, MAP_PRIVATE, PROT_READ|PROT_WRITE", prot: RW, flags: MAP_PRIVATE, object: diskFile },
  { type: "regular file, MAP_SHARED, PROT_READ", prot: PROT_READ, flags: MAP_SHARED, object: diskFile },
  { type: "regular file, MAP_SHARED, PROT_READ|PROT_WRITE", prot: RW, flags: MAP_SHARED, object: diskFile },
  { type: "blockdev (a disk), MAP_SHARED, PROT_READ|PROT_WRITE", prot: RW, flags: MAP_SHARED, object: diskBlockdev },
  { type: "memory-backed file (ramfs: open, truncate, mmap), MAP_SHARED, PROT_READ|PROT_WRITE", prot: RW, flags: MAP_SHARED, object: ramfsFile },
  { type: "memory-backed blockdev (ramdisk), MAP_SHARED, PROT_READ|PROT_WRITE", prot: RW, flags: MAP_SHARED, object: ramdisk },
  { type: "memory-backed chardev (framebuffer), MAP_SHARED, PROT_READ|PROT_WRITE", prot: RW, flags: MAP_SHARED, object: framebuffer },
  { type: "memory-backed chardev (framebuffer), MAP_PRIVATE, PROT_READ", prot: PROT_READ, flags: MAP_PRIVATE, object: framebuffer },
  { type: "chardev without mmap (/dev/null), MAP_SHARED, PROT_READ", prot: PROT_READ, flags: MAP_SHARED, object: devNull },
  { type: "flash chardev, idle, MAP_PRIVATE, PROT_READ|PROT_EXEC", prot: RX, flags: MAP_PRIVATE, object: flash(false) },
  { type: "flash chardev, programming, MAP_PRIVATE, PROT_READ|PROT_EXEC", prot: RX, flags: MAP_PRIVATE, object: flash(true) },
  { type: "flash chardev, programming, MAP_SHARED, PROT_READ", prot: PROT_READ, flags: MAP_SHARED, object: flash(true) },
];

/** Syscalls and user memory of one case, with the caller's check after every step. */
class TableRun {
  constructor(
    readonly kernel: Kernel,
    private readonly afterStep: () => void,
  ) {}

  sys(tid: number, nr: number, ...args: SyscallArg[]): number {
    const r = this.kernel.syscall(tid, nr, ...args);
    this.afterStep();
    return r === BLOCKED ? bug(`nommu-mmap table: syscall ${nr} of ${tid} blocked`) : r;
  }

  private mmId(tid: number): number {
    return (this.kernel.task(tid) ?? bug(`nommu-mmap table: no task ${tid}`)).mm.mmId;
  }

  /** The bytes at `addr` of task `tid`, or null when reading faults. */
  peek(tid: number, addr: number, len: number): Uint8Array | null {
    const buf = new Uint8Array(len);
    return this.kernel.backend.readUser(this.mmId(tid), addr, buf) === 0 ? buf : null;
  }

  /** Writes `bytes` at `addr` of task `tid` as copy_to_user would; false when it faults. */
  poke(tid: number, addr: number, bytes: Uint8Array): boolean {
    const r = this.kernel.backend.writeUser(this.mmId(tid), addr, bytes);
    this.afterStep();
    return r === 0;
  }

  /** Whether task `tid` shows `bytes` at `addr`. */
  shows(tid: number, addr: number, bytes: Uint8Array): boolean {
    const got = this.peek(tid, addr, bytes.length);
    return got !== null && got.every((b, i) => b === bytes[i]);
  }

  /** A vfork child that execs MMAP_TABLE_PROGRAM, keeping the parent's fds. */
  spawnSibling(parent: number): number {
    if (this.kernel.syscall(parent, NR.vfork) !== BLOCKED) bug("nommu-mmap table: vfork did not block the parent");
    this.afterStep();
    const child = this.kernel.task(parent)?.vforkChild ?? bug("nommu-mmap table: vfork made no child");
    if (this.sys(child, NR.execve, MMAP_TABLE_PROGRAM) !== 0) bug("nommu-mmap table: the child could not exec");
    return child;
  }
}

/** Step 4: a write(2) to the file at offset 0, seen or not through P1's mapping. */
function probeFileWrite(run: TableRun, p1: number, fd: number, addr: number, scratch: number): string {
  run.poke(p1, scratch, FILE_MARK);
  const n = run.sys(p1, NR.write, fd, scratch, FILE_MARK.length);
  if (n < 0) return `file write ${errnoName(n)}`;
  return run.shows(p1, addr, FILE_MARK) ? "sees file writes" : "blind to file writes";
}

/** Step 5: a write through P1's mapping, seen or not by P2's mapping and by the file. */
function probeMappingWrite(run: TableRun, p1: number, a1: number, p2: number, a2: number, fd: number, scratch: number): string[] {
  if (!run.poke(p1, a1 + PAGE_SIZE, MAP_MARK)) return ["writes fault"];
  const words: string[] = [];
  if (a2 >= 0) words.push(run.shows(p2, a2 + PAGE_SIZE, MAP_MARK) ? "P2 sees writes" : "P2 doesn't see writes");
  if (fd >= 0) {
    const n = run.sys(p1, NR.pread64, fd, scratch, MAP_MARK.length, PAGE_SIZE);
    words.push(n === MAP_MARK.length && run.shows(p1, scratch, MAP_MARK) ? "file sees writes" : "file doesn't see writes");
  }
  return words;
}

/** Step 6: fork, then a write through the parent's mapping, seen or not by the child. */
function probeFork(run: TableRun, p1: number, a1: number, tasks: number[]): string {
  const child = run.sys(p1, NR.fork);
  if (child < 0) return `fork ${errnoName(child)}`;
  tasks.push(child);
  if (!run.poke(p1, a1 + PAGE_SIZE, FORK_MARK)) return "fork ok";
  return run.shows(child, a1 + PAGE_SIZE, FORK_MARK) ? "fork shares" : "fork copies";
}

function ensureProgram(kernel: Kernel): void {
  if (kernel.vfs.lookup(MMAP_TABLE_PROGRAM) !== null) return;
  ok(kernel.vfs.mknod(MMAP_TABLE_PROGRAM, { mode: S_IFREG | 0o755, driver: blockdevFileDriver, size: PAGE_SIZE }), "mknod the program");
}

/** Steps 2–6 once P1's mapping exists. */
function probeMapping(run: TableRun, c: MmapTableCase, column: MmapTableBackend, obj: MmapTableObject | null, p1: number, fd: number, a1: number, tasks: number[]): string[] {
  const words = [column === "mmu" ? "ok" : a1 === obj?.ownAddress() ? "direct" : "copy"];
  const seen = run.peek(p1, a1, MMAP_TABLE_LEN);
  const want = obj?.contents ?? new Uint8Array(MMAP_TABLE_LEN);
  if (seen === null) words.push("reads fault");
  else if (!seen.every((b, i) => b === want[i])) words.push("shows other bytes");
  const p2 = run.spawnSibling(p1);
  tasks.push(p2);
  const a2 = run.sys(p2, NR.mmap, 0, MMAP_TABLE_LEN, c.prot, c.flags, fd, 0);
  if (a2 < 0) words.push(`P2 ${errnoName(a2)}`);
  else if (column === "nommu") words.push(a2 === a1 ? "P2 same address" : "P2 other address");
  const scratch = obj === null ? 0 : run.sys(p1, NR.mmap, 0, PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (obj?.takesWrites === true) words.push(probeFileWrite(run, p1, fd, a1, scratch));
  words.push(...probeMappingWrite(run, p1, a1, p2, a2, fd, scratch));
  words.push(probeFork(run, p1, a1, tasks));
  return words;
}

/**
 * Runs one case on `kernel` (fresh: no process needs to exist) as column `column` says it is, and
 * returns the cell: the words of the steps above, joined by "; ". Every task it made has exited
 * when it returns. `afterStep` runs after every syscall and user access (tests pass assertValid).
 */
export function runMmapTableCase(kernel: Kernel, c: MmapTableCase, column: MmapTableBackend, afterStep: () => void = () => {}): string {
  ensureProgram(kernel);
  const obj = c.object?.(kernel) ?? null;
  const run = new TableRun(kernel, afterStep);
  const p1 = ok(kernel.createProcess({ comm: "mmap-table" }), "createProcess").tid;
  const tasks = [p1];
  let fd = -1;
  if (obj !== null) {
    fd = run.sys(p1, NR.openat, AT_FDCWD, obj.path, obj.openFlags, 0);
    if (fd < 0) bug(`nommu-mmap table: open ${obj.path}: ${errnoName(fd)}`);
    const r = obj.afterOpen?.(kernel, p1, fd) ?? 0;
    afterStep();
    if (r < 0) bug(`nommu-mmap table: preparing ${obj.path}: ${errnoName(r)}`);
  }
  const a1 = run.sys(p1, NR.mmap, 0, MMAP_TABLE_LEN, c.prot, c.flags, fd, 0);
  const words = a1 < 0 ? [errnoName(a1) ?? String(a1)] : probeMapping(run, c, column, obj, p1, fd, a1, tasks);
  for (const tid of tasks) if (kernel.task(tid)?.alive === true) run.sys(tid, NR.exit_group, 0);
  kernel.reap();
  afterStep();
  return words.join("; ");
}

/**
 * Computes the seed's table: each case run on a fresh MMU kernel and a fresh NOMMU kernel from
 * `makeKernel` (the caller chooses and assembles the backends; this code never looks at them).
 */
export function nommuMmapTable(makeKernel: (backend: MmapTableBackend) => Kernel): NommuMmapTableRow[] {
  return NOMMU_MMAP_TABLE_CASES.map((c) => ({
    type: c.type,
    mmu: runMmapTableCase(makeKernel("mmu"), c, "mmu"),
    nommu: runMmapTableCase(makeKernel("nommu"), c, "nommu"),
  }));
}
