/**
 * The rows of conformance-cases.md §2 (mmap: 2.1 arguments and errnos, 2.2 access semantics) and §3
 * (munmap) as named tests, one per row and in table order. Each builds its own machine (the buddy
 * allocator, the MMU backend, the kernel), does the row's setup and call through the syscall layer
 * (`kernel.syscall` with x86-64 numbers, or the Kernel's write() with an offset for pwrite64, which
 * has no number here) and checks the row's result and its side effects: /proc/<pid>/maps, the bytes user
 * memory and files hold, and the SIGSEGV/SIGBUS the uaccess helpers report for an access.
 * `kernel.assertValid()` (which runs the backend's) follows every step.
 *
 * Where a row leaves the result open, the host kernel (6.18, x86-64, `setarch -R`, run as root)
 * decided; the comments give what it printed. File fixtures (a file of N bytes) are made through the
 * VFS directly: they are the rows' setup, not their subject.
 */
import { describe, expect, it } from "vitest";
import { AddressSpace } from "@mmsim/anon-vma-rmap";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import {
  DEFAULT_MAX_MAP_COUNT,
  EACCES,
  EBADF,
  EEXIST,
  EFAULT,
  EINVAL,
  ENODEV,
  ENOENT,
  ENOMEM,
  EOPNOTSUPP,
  EOVERFLOW,
  MAP_32BIT,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_LOCKED,
  MAP_NORESERVE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_STACK,
  MS_SYNC,
  NR,
  O_CREAT,
  O_DIRECTORY,
  O_PATH,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  PAGE_SIZE,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  RLIMIT_AS,
  RLIM_INFINITY,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFREG,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SIGBUS,
  SIGSEGV,
  TASK_SIZE,
} from "@mmsim/mm-types";
import type { AccessFault } from "@mmsim/mm-types";
import { BUS_ADRERR, MmuBackend } from "@mmsim/mmu";
import type { MmuOptions } from "@mmsim/mmu";
import { Kernel, blockdevFileDriver, directoryDriver } from "../src/index.js";
import type { Inode, InodeDriver, SyscallArg } from "../src/index.js";

const P = PAGE_SIZE;
/** MAP_FILE is 0 in the uapi headers: "no type" in LTP's mmap06 case 8. Should move to mm-types. */
const MAP_FILE = 0;
/** A flag bit Linux does not define (mmap20's 1 << 10): refused under MAP_SHARED_VALIDATE. */
const MAP_UNKNOWN_FLAG = 1 << 10;
const RW = PROT_READ | PROT_WRITE;
const ANON_PRIVATE = MAP_PRIVATE | MAP_ANONYMOUS;
/** gVisor's fixed addresses (kFixedAddr and the 64-bit one). */
const FIXED_ADDR = 0x30000000;
const FIXED_ADDR_64 = 0x300000000000;
/** Where munmap04 starts its fill. */
const FILL_BASE = 0x10000000;
/** Where the helpers put a transient user buffer for read/write calls: far from every row's mappings. */
const SCRATCH_ADDR = 0x600000000000;
/** The unsigned long arithmetic of the syscall ABI wraps at 2^64: (void *)-x is 2^64 - x. */
const TWO_POW_64 = 2 ** 64;
/** off_t limits (64-bit). OFF_MAX & ~(P-1) and OFF_MIN are exact doubles; OFF_MAX itself is not. */
const OFF_MAX_PAGE = 2 ** 63 - P;
const OFF_MIN = -(2 ** 63);
/** An fd number nothing opened. */
const NOT_OPEN_FD = 999;
/** 64 MiB of RAM: room for MMAP-34's 10 MiB of MAP_NORESERVE. */
const RAM_PAGES = 16384;
/** LTP mmap06's and mmap20's length. */
const MMAP06_SIZE = 1024;
/** LTP mmap14's MMAPSIZE (1UL << 20). */
const MMAP14_SIZE = 1 << 20;
/** gVisor's NoReserve length. */
const NORESERVE_LEN = 10 << 20;
const TWO_POW_32 = 2 ** 32;
/** LTP mmap01's STRING (any text shorter than a page). */
const MMAP01_STRING = "hello world\n";
const DEADBEEF = [0xef, 0xbe, 0xad, 0xde];
/** gVisor's memset value in ProtWriteOnly. */
const MEMSET_BYTE = 42;
/** A byte a row stores to see it again. */
const SENTINEL_BYTE = 7;
/** What the fake /dev/random reads as. */
const RANDOM_BYTE = 0x5a;
/** /dev/random is char 1:8 (drivers/char/mem.c). */
const MEM_MAJOR = 1;
const RANDOM_MINOR = 8;
/** x86 nop: the fake program's text. */
const NOP_BYTE = 0x90;
/** Where MAP_32BIT's bottom-up search starts on x86-64 (1 GiB). */
const MAP_32BIT_BASE = 0x40000000;
/** A free address well past the fill (MMAP-33). */
const FAR_GAP = 1024 * PAGE_SIZE;
const KB = 1024;
const CH_A = 0x41;
const CH_B = 0x42;
const CH_a = 0x61;
const CH_b = 0x62;
const CH_c = 0x63;

// ---- the machine ---------------------------------------------------------------------------

interface World {
  readonly kernel: Kernel;
  readonly backend: MmuBackend;
  /** The first process (an empty address space). */
  readonly tid: number;
}

function makeWorld(opts: MmuOptions = {}): World {
  const buddy = new BuddyAllocator({ pages: RAM_PAGES });
  const backend = new MmuBackend({ pages: buddy, physMem: buddy.physMem, ...opts });
  const kernel = new Kernel({ backend, pages: buddy, physMem: buddy.physMem, addressSpace: () => new AddressSpace() });
  if (typeof kernel.vfs.mknod("/tmp", { mode: S_IFDIR | 0o1777, driver: directoryDriver }) === "number") throw new Error("mknod /tmp");
  const t = kernel.createProcess();
  if (typeof t === "number") throw new Error(`createProcess: ${t}`);
  kernel.assertValid();
  return { kernel, backend, tid: t.tid };
}

/** Syscall `nr` as task `tid`; the invariants are checked after it. */
function sysAs(w: World, tid: number, nr: number, ...args: SyscallArg[]): number {
  const r = w.kernel.syscall(tid, nr, ...args);
  w.kernel.assertValid();
  if (typeof r !== "number") throw new Error(`syscall ${nr} blocked`);
  return r;
}

function sys(w: World, nr: number, ...args: SyscallArg[]): number {
  return sysAs(w, w.tid, nr, ...args);
}

function mmap(w: World, addr: number, len: number, prot: number, flags: number, fd = -1, off = 0): number {
  return sys(w, NR.mmap, addr, len, prot, flags, fd, off);
}

function munmap(w: World, addr: number, len: number): number {
  return sys(w, NR.munmap, addr, len);
}

function open(w: World, path: string, flags: number): number {
  return sys(w, NR.open, path, flags, 0o644);
}

/** pwrite64 (the kernel dispatches no number for it): the Kernel's write with an offset. */
function pwrite(w: World, fd: number, buf: number, count: number, off: number): number {
  const r = w.kernel.write(w.tid, fd, buf, count, off);
  w.kernel.assertValid();
  return r as number;
}

function mmIdOf(w: World, tid: number): number {
  const t = w.kernel.task(tid);
  if (t === null) throw new Error(`no task ${tid}`);
  return t.mm.mmId;
}

/** A user read of `len` bytes at `addr`: the bytes, or the fault (the signal the access raises). */
function peek(w: World, addr: number, len: number, tid = w.tid): Uint8Array | AccessFault {
  const buf = new Uint8Array(len);
  const r = w.backend.readUser(mmIdOf(w, tid), addr, buf);
  w.kernel.assertValid();
  return r === 0 ? buf : r;
}

/** A user write of `bytes` at `addr`: 0, or the fault. */
function poke(w: World, addr: number, bytes: Uint8Array, tid = w.tid): AccessFault | 0 {
  const r = w.backend.writeUser(mmIdOf(w, tid), addr, bytes);
  w.kernel.assertValid();
  return r;
}

function segv(code: number, addr: number): AccessFault {
  return { signal: SIGSEGV, code, addr };
}

function sigbus(addr: number): AccessFault {
  return { signal: SIGBUS, code: BUS_ADRERR, addr };
}

/** `len` bytes of `value`. */
function bytes(len: number, value: number): Uint8Array {
  return new Uint8Array(len).fill(value);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `got` (user bytes or a fault) holds exactly `want`; compared without a deep diff (MMAP-34 reads 10 MiB). */
function expectBytes(got: Uint8Array | AccessFault, want: Uint8Array): void {
  if (!(got instanceof Uint8Array)) expect.fail(`expected ${want.length} bytes, got ${JSON.stringify(got)}`);
  expect(got.length).toBe(want.length);
  const at = got.findIndex((b, i) => b !== want[i]);
  expect(at, `byte ${at} is ${got[at]}, not ${want[at]}`).toBe(-1);
}

/** /proc/<pid>/maps, each line cut to "start-end perms offset". */
function maps(w: World, tid = w.tid): string[] {
  const text = w.kernel.readProc(`/proc/${tid}/maps`);
  if (typeof text === "number") throw new Error(`maps: ${text}`);
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split(" ").slice(0, 3).join(" "));
}

/** The expected maps entry of [start, end). */
function vma(start: number, end: number, perms: string, offset = 0): string {
  const hex = (n: number): string => n.toString(16).padStart(8, "0");
  return `${hex(start)}-${hex(end)} ${perms} ${hex(offset)}`;
}

/** A regular file holding `content` (fixture setup through the VFS). */
function makeFile(w: World, path: string, content: Uint8Array, mode = 0o644): Inode {
  const inode = w.kernel.vfs.mknod(path, { mode: S_IFREG | mode, driver: blockdevFileDriver });
  if (typeof inode === "number") throw new Error(`mknod ${path}: ${inode}`);
  if (content.length > 0) w.kernel.vfs.write(inode, 0, content);
  w.kernel.assertValid();
  return inode;
}

/** A file of `size` zero bytes opened with `flags`; returns the fd. */
function fileFd(w: World, size: number, flags = O_RDWR, path = "/tmp/mmapfile"): number {
  makeFile(w, path, new Uint8Array(size));
  return open(w, path, flags);
}

/** A device or FIFO without f_op->mmap (random_fops, pipefifo_fops): reads give `fill`, writes are swallowed. */
function unmappableDriver(name: string, fill: number): InodeDriver {
  return {
    name,
    read: (_inode, _off, dst) => {
      dst.fill(fill);
      return dst.length;
    },
    write: (_inode, _off, src) => src.length,
  };
}

/**
 * pread(fd, buf, len, off) into a transient user buffer (mapped, then unmapped again, so maps is as
 * the row left it); returns the bytes read.
 */
function preadFile(w: World, fd: number, len: number, off = 0): Uint8Array {
  expect(mmap(w, SCRATCH_ADDR, len, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE)).toBe(SCRATCH_ADDR);
  const n = sys(w, NR.pread64, fd, SCRATCH_ADDR, len, off);
  expect(n, "pread").toBeGreaterThanOrEqual(0);
  const got = peek(w, SCRATCH_ADDR, n);
  expect(munmap(w, SCRATCH_ADDR, len)).toBe(0);
  if (!(got instanceof Uint8Array)) throw new Error("the scratch buffer faulted");
  return got;
}

/** pwrite(fd, data, off) from a transient user buffer; returns what pwrite returned. */
function pwriteFile(w: World, fd: number, data: Uint8Array, off: number): number {
  expect(mmap(w, SCRATCH_ADDR, data.length, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE)).toBe(SCRATCH_ADDR);
  expect(poke(w, SCRATCH_ADDR, data)).toBe(0);
  const n = pwrite(w, fd, SCRATCH_ADDR, data.length, off);
  expect(munmap(w, SCRATCH_ADDR, data.length)).toBe(0);
  return n;
}

/**
 * munmap04's setup: 3-page PROT_NONE MAP_FIXED_NOREPLACE mappings from FILL_BASE with 3-page gaps
 * until mmap fails. Returns the mappings' addresses and the failing mmap's result. The invariants
 * are checked once after the loop (after each of 65531 steps would be quadratic).
 */
function fillToMaxMapCount(w: World): { addrs: number[]; failure: number } {
  const addrs: number[] = [];
  for (let addr = FILL_BASE; ; addr += 6 * P) {
    const r = w.kernel.syscall(w.tid, NR.mmap, addr, 3 * P, PROT_NONE, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0) as number;
    if (r < 0) {
      w.kernel.assertValid();
      return { addrs, failure: r };
    }
    addrs.push(r);
  }
}

function mapCount(w: World): number {
  return w.backend.view(mmIdOf(w, w.tid)).counters().mapCount;
}

// ---- §2.1 -------------------------------------------------------------------------------------

describe("conformance-cases §2.1 mmap: arguments and errnos", () => {
  it("MMAP-01: a zero length is EINVAL", () => {
    const w = makeWorld();
    expect(mmap(w, 0, 0, PROT_NONE, ANON_PRIVATE)).toBe(-EINVAL);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-02: a zero length is EINVAL before the O_WRONLY fd's EACCES", () => {
    const w = makeWorld();
    makeFile(w, "/tmp/mmapfile", bytes(P, CH_a));
    const fd = open(w, "/tmp/mmapfile", O_WRONLY);
    expect(mmap(w, 0, 0, RW, MAP_FILE | MAP_SHARED, fd, 0)).toBe(-EINVAL);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-03: no mapping type is EINVAL, not the O_WRONLY fd's EACCES", () => {
    const w = makeWorld();
    makeFile(w, "/tmp/mmapfile", bytes(P, CH_a));
    const fd = open(w, "/tmp/mmapfile", O_WRONLY);
    expect(mmap(w, 0, MMAP06_SIZE, RW, MAP_FILE, fd, 0)).toBe(-EINVAL);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-04: MAP_ANONYMOUS with neither MAP_PRIVATE nor MAP_SHARED is EINVAL", () => {
    const w = makeWorld();
    expect(mmap(w, 0, P, PROT_NONE, MAP_ANONYMOUS)).toBe(-EINVAL);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-05: MAP_PRIVATE|MAP_SHARED (MAP_SHARED_VALIDATE) is EINVAL for an anonymous mapping", () => {
    const w = makeWorld();
    expect(MAP_PRIVATE | MAP_SHARED).toBe(MAP_SHARED_VALIDATE);
    expect(mmap(w, 0, P, PROT_NONE, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS)).toBe(-EINVAL);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-06: an unknown flag under MAP_SHARED_VALIDATE is EOPNOTSUPP", () => {
    const w = makeWorld();
    const fd = fileFd(w, P);
    expect(mmap(w, 0, MMAP06_SIZE, RW, MAP_SHARED_VALIDATE | MAP_UNKNOWN_FLAG, fd, 0)).toBe(-EOPNOTSUPP);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-07: MAP_PRIVATE|MAP_SHARED of a file is a shared mapping (MAP_SHARED_VALIDATE)", () => {
    const w = makeWorld();
    makeFile(w, "/tmp/mmapfile", bytes(P, CH_a));
    const fd = open(w, "/tmp/mmapfile", O_RDWR);
    const addr = mmap(w, 0, P, RW, MAP_PRIVATE | MAP_SHARED, fd, 0);
    expect(addr).toBeGreaterThan(0);
    expect(maps(w)).toEqual([vma(addr, addr + P, "rw-s")]);
    // shared: a store through the mapping is the file's byte
    expect(poke(w, addr, bytes(1, CH_b))).toBe(0);
    expectBytes(preadFile(w, fd, 1), bytes(1, CH_b));
  });

  it("MMAP-08: an fd that is not open is EBADF", () => {
    const w = makeWorld();
    expect(mmap(w, 0, P, PROT_NONE, MAP_PRIVATE, NOT_OPEN_FD, 0)).toBe(-EBADF);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-09: a closed fd is EBADF even with length 0 (the fd lookup comes first)", () => {
    const w = makeWorld();
    const fd = fileFd(w, P);
    expect(sys(w, NR.close, fd)).toBe(0);
    expect(mmap(w, 0, 0, PROT_WRITE, MAP_FILE | MAP_SHARED, fd, 0)).toBe(-EBADF);
    expect(maps(w)).toEqual([]);
  });

  // host: open(O_PATH) then mmap → -1 EBADF (fget() refuses FMODE_PATH files)
  it("MMAP-10: an O_PATH fd is EBADF (fget() refuses it; so do read, write and ftruncate)", () => {
    const w = makeWorld();
    makeFile(w, "/tmp/mmapfile", bytes(P, CH_a));
    const fd = open(w, "/tmp/mmapfile", O_PATH);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(mmap(w, 0, P, PROT_READ, MAP_PRIVATE, fd, 0)).toBe(-EBADF);
    expect(maps(w)).toEqual([]);
    // host (6.18): read, write and ftruncate of an O_PATH fd are EBADF too; O_PATH drops O_CREAT
    const buf = mmap(w, 0, P, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    expect([sys(w, NR.read, fd, buf, 4), sys(w, NR.write, fd, buf, 4), sys(w, NR.ftruncate, fd, 0)]).toEqual([-EBADF, -EBADF, -EBADF]);
    expect(open(w, "/tmp/nonexistent", O_PATH | O_CREAT)).toBe(-ENOENT);
    w.kernel.assertValid();
  });

  it("MMAP-11: an O_WRONLY fd is EACCES for every prot and type", () => {
    const w = makeWorld();
    const fd = fileFd(w, P, O_WRONLY);
    const cases = [PROT_WRITE, PROT_READ, RW].flatMap((prot) => [MAP_PRIVATE, MAP_SHARED].map((type) => [prot, type] as const));
    const got = cases.map(([prot, type]) => `prot ${prot} type ${type}: ${mmap(w, 0, MMAP06_SIZE, prot, MAP_FILE | type, fd, 0)}`);
    expect(got).toEqual(cases.map(([prot, type]) => `prot ${prot} type ${type}: ${-EACCES}`));
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-12: a writable shared mapping of an O_RDONLY fd is EACCES", () => {
    const w = makeWorld();
    const fd = fileFd(w, P, O_RDONLY);
    expect(mmap(w, 0, P, RW, MAP_SHARED, fd, 0)).toBe(-EACCES);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-13: a writable private mapping of an O_RDONLY fd works (COW) and leaves the file alone", () => {
    const w = makeWorld();
    makeFile(w, "/tmp/mmapfile", bytes(P, CH_a));
    const fd = open(w, "/tmp/mmapfile", O_RDONLY);
    const addr = mmap(w, 0, P, RW, MAP_PRIVATE, fd, 0);
    expect(addr).toBeGreaterThan(0);
    expect(maps(w)).toEqual([vma(addr, addr + P, "rw-p")]);
    expect(poke(w, addr, bytes(P, CH_b))).toBe(0);
    expectBytes(peek(w, addr, P), bytes(P, CH_b));
    expect(munmap(w, addr, P)).toBe(0);
    expectBytes(preadFile(w, fd, P), bytes(P, CH_a));
  });

  it("MMAP-14: a read-only shared mapping of a 0444 file opened O_RDONLY shows the file's bytes", () => {
    const w = makeWorld();
    // chmod is not modelled: the file is made with mode 0444 (permissions are not checked here anyway)
    const content = Uint8Array.from({ length: P }, (_, i) => (i * 7 + 3) & 0xff);
    makeFile(w, "/tmp/mmapfile", content, 0o444);
    const fd = open(w, "/tmp/mmapfile", O_RDONLY);
    const addr = mmap(w, 0, P, PROT_READ, MAP_FILE | MAP_SHARED, fd, 0);
    expect(addr).toBeGreaterThan(0);
    // a shared mapping of a read-only fd loses VM_SHARED but keeps VM_MAYSHARE: maps shows 's'
    expect(maps(w)).toEqual([vma(addr, addr + P, "r--s")]);
    expectBytes(peek(w, addr, P), content);
  });

  it("MMAP-15: a pipe's read end is ENODEV, its write end EACCES (readability is checked first)", () => {
    const w = makeWorld();
    // no pipe(2): a FIFO has the same file_operations (pipefifo_fops, without .mmap); its two ends are
    // the FIFO opened O_RDONLY and O_WRONLY
    expect(w.kernel.vfs.mknod("/tmp/fifo", { mode: S_IFIFO | 0o600, driver: unmappableDriver("fifo", 0) })).not.toBeTypeOf("number");
    const readEnd = open(w, "/tmp/fifo", O_RDONLY);
    const writeEnd = open(w, "/tmp/fifo", O_WRONLY);
    expect(mmap(w, 0, P, PROT_READ, MAP_PRIVATE, readEnd, 0)).toBe(-ENODEV);
    expect(mmap(w, 0, P, PROT_READ, MAP_PRIVATE, writeEnd, 0)).toBe(-EACCES);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-16: /dev/random (a char device without mmap) and a directory are ENODEV", () => {
    const w = makeWorld();
    const random = w.kernel.vfs.mknod("/dev/random", { mode: S_IFCHR | 0o666, driver: unmappableDriver("random", RANDOM_BYTE), devMajor: MEM_MAJOR, devMinor: RANDOM_MINOR });
    expect(random).not.toBeTypeOf("number");
    const rnd = open(w, "/dev/random", O_RDONLY);
    const dir = open(w, "/", O_RDONLY | O_DIRECTORY);
    expect(mmap(w, 0, P, PROT_READ, MAP_PRIVATE, rnd, 0)).toBe(-ENODEV);
    expect(mmap(w, 0, P, PROT_READ, MAP_PRIVATE, dir, 0)).toBe(-ENODEV);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-17: MAP_FIXED returns exactly the address asked for, below and above 4 GiB", () => {
    const w = makeWorld();
    expect(mmap(w, FIXED_ADDR, P, PROT_NONE, ANON_PRIVATE | MAP_FIXED)).toBe(FIXED_ADDR);
    expect(mmap(w, FIXED_ADDR_64, P, PROT_NONE, ANON_PRIVATE | MAP_FIXED)).toBe(FIXED_ADDR_64);
    expect(maps(w)).toEqual([vma(FIXED_ADDR, FIXED_ADDR + P, "---p"), vma(FIXED_ADDR_64, FIXED_ADDR_64 + P, "---p")]);
  });

  it("MMAP-18: MAP_FIXED at an unaligned address is EINVAL", () => {
    const w = makeWorld();
    expect(mmap(w, FIXED_ADDR + 1, P, PROT_NONE, ANON_PRIVATE | MAP_FIXED)).toBe(-EINVAL);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-19: a hint without MAP_FIXED, aligned or not, succeeds (and is used when free)", () => {
    // host, each in a fresh process: hint 0x30000001 → 0x30000000 (rounded down), hint 0x30000000 → 0x30000000
    const unaligned = makeWorld();
    expect(mmap(unaligned, FIXED_ADDR + 1, P, PROT_NONE, ANON_PRIVATE)).toBe(FIXED_ADDR);
    expect(maps(unaligned)).toEqual([vma(FIXED_ADDR, FIXED_ADDR + P, "---p")]);
    const aligned = makeWorld();
    expect(mmap(aligned, FIXED_ADDR, P, PROT_NONE, ANON_PRIVATE)).toBe(FIXED_ADDR);
    expect(maps(aligned)).toEqual([vma(FIXED_ADDR, FIXED_ADDR + P, "---p")]);
  });

  it("MMAP-20: MAP_FIXED_NOREPLACE on a free range returns that address", () => {
    const w = makeWorld();
    expect(mmap(w, FIXED_ADDR, P, PROT_NONE, ANON_PRIVATE | MAP_FIXED_NOREPLACE)).toBe(FIXED_ADDR);
    expect(maps(w)).toEqual([vma(FIXED_ADDR, FIXED_ADDR + P, "---p")]);
  });

  it("MMAP-21: MAP_FIXED_NOREPLACE over a mapping is EEXIST and leaves its contents", () => {
    const w = makeWorld();
    expect(mmap(w, FIXED_ADDR, P, RW, ANON_PRIVATE | MAP_FIXED)).toBe(FIXED_ADDR);
    expect(poke(w, FIXED_ADDR, Uint8Array.from(DEADBEEF))).toBe(0);
    expect(mmap(w, FIXED_ADDR, P, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expectBytes(peek(w, FIXED_ADDR, DEADBEEF.length), Uint8Array.from(DEADBEEF));
    expect(maps(w)).toEqual([vma(FIXED_ADDR, FIXED_ADDR + P, "rw-p")]);
  });

  it("MMAP-22: MAP_FIXED_NOREPLACE overlapping a mapping partly is EEXIST", () => {
    const w = makeWorld();
    expect(mmap(w, FIXED_ADDR + P, P, PROT_NONE, ANON_PRIVATE | MAP_FIXED)).toBe(FIXED_ADDR + P);
    expect(mmap(w, FIXED_ADDR, 2 * P, PROT_NONE, ANON_PRIVATE | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expect(maps(w)).toEqual([vma(FIXED_ADDR + P, FIXED_ADDR + 2 * P, "---p")]);
  });

  it("MMAP-23: MAP_FIXED|MAP_FIXED_NOREPLACE over a mapping is EEXIST (NOREPLACE wins)", () => {
    const w = makeWorld();
    expect(mmap(w, FIXED_ADDR, P, PROT_READ, ANON_PRIVATE | MAP_FIXED)).toBe(FIXED_ADDR);
    expect(mmap(w, FIXED_ADDR, P, PROT_NONE, ANON_PRIVATE | MAP_FIXED | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expect(maps(w)).toEqual([vma(FIXED_ADDR, FIXED_ADDR + P, "r--p")]);
  });

  it("MMAP-24: MAP_FIXED_NOREPLACE at an unaligned address is EINVAL", () => {
    const w = makeWorld();
    expect(mmap(w, FIXED_ADDR + 1, P, PROT_NONE, ANON_PRIVATE | MAP_FIXED_NOREPLACE)).toBe(-EINVAL);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-25: MAP_FIXED_NOREPLACE around [base+P, base+4P): overlaps are EEXIST, neighbours succeed", () => {
    const w = makeWorld();
    // the selftest finds a free 5-page range by mapping and unmapping it
    const base = mmap(w, 0, 5 * P, RW, ANON_PRIVATE);
    expect(base).toBeGreaterThan(0);
    expect(munmap(w, base, 5 * P)).toBe(0);
    const noreplace = (start: number, len: number): number => mmap(w, start, len, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE);
    expect(noreplace(base + P, 3 * P)).toBe(base + P);
    //   .AAA.   then (a)..(d) overlap it
    const overlapping = [noreplace(base, 5 * P), noreplace(base + 2 * P, P), noreplace(base + 3 * P, 2 * P), noreplace(base, 2 * P)];
    expect(overlapping).toEqual([-EEXIST, -EEXIST, -EEXIST, -EEXIST]);
    expect(maps(w)).toEqual([vma(base + P, base + 4 * P, "rw-p")]);
    // (e) and (f) touch it: BAAAC merges into one VMA
    expect(noreplace(base, P)).toBe(base);
    expect(noreplace(base + 4 * P, P)).toBe(base + 4 * P);
    expect(maps(w)).toEqual([vma(base, base + 5 * P, "rw-p")]);
    expect(munmap(w, base, 5 * P)).toBe(0);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-26: a 128-byte length succeeds and maps a whole page", () => {
    const w = makeWorld();
    const addr = mmap(w, 0, 128, PROT_NONE, ANON_PRIVATE);
    expect(addr).toBeGreaterThan(0);
    expect(maps(w)).toEqual([vma(addr, addr + P, "---p")]);
  });

  it("MMAP-27: a length that PAGE_ALIGN overflows is ENOMEM", () => {
    const w = makeWorld();
    // (uint64_t)(-P + 1) is no exact double: it reaches the kernel as 2^64 - P, which the host also
    // refuses with ENOMEM (both lengths checked on the host)
    expect(mmap(w, 0, TWO_POW_64 - P + 1, PROT_NONE, ANON_PRIVATE)).toBe(-ENOMEM);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-28: a MAP_FIXED file mapping of the top page of the address space is ENOMEM", () => {
    const w = makeWorld();
    const fd = fileFd(w, P);
    // the row accepts ENOMEM or EINVAL; the host answers ENOMEM
    expect(mmap(w, TWO_POW_64 - P, P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0)).toBe(-ENOMEM);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-29: mmap beyond RLIMIT_AS is ENOMEM; with the limit 200 MiB higher it succeeds", () => {
    const w = makeWorld();
    const small = mmap(w, 0, 3 * P, PROT_READ, ANON_PRIVATE);
    // VmSize (statm's first field) is what the maps span
    const vmSize = maps(w).reduce((n, l) => {
      const [start, end] = l.split(" ")[0]!.split("-").map((h) => parseInt(h, 16));
      return n + end! - start!;
    }, 0);
    expect(vmSize).toBe(3 * P);
    const MiB = KB * KB;
    expect(sys(w, NR.setrlimit, RLIMIT_AS, { rlim_cur: vmSize + 20 * MiB, rlim_max: RLIM_INFINITY })).toBe(0);
    expect(mmap(w, 0, 200 * MiB, PROT_NONE, ANON_PRIVATE)).toBe(-ENOMEM);
    expect(sys(w, NR.setrlimit, RLIMIT_AS, { rlim_cur: vmSize + 220 * MiB, rlim_max: RLIM_INFINITY })).toBe(0);
    expect(mmap(w, 0, 200 * MiB, PROT_NONE, ANON_PRIVATE)).toBeGreaterThan(0);
    expect(munmap(w, small, 3 * P)).toBe(0);
  });

  // host: offset (OFF_MAX - P) & ~(P-1) maps; maps prints offset 7fffffffffffe000
  it("MMAP-30: the second-to-last positive page offset maps", () => {
    const w = makeWorld();
    const fd = fileFd(w, P / 2);
    const off = OFF_MAX_PAGE - P;
    const addr = mmap(w, 0, P, RW, MAP_SHARED, fd, off);
    expect(addr).toBeGreaterThan(0);
    expect(maps(w)).toEqual([vma(addr, addr + P, "rw-s", off)]);
  });

  // host: all four → -1 EOVERFLOW (file_mmap_ok(): pgoff past MAX_LFS_FILESIZE)
  it("MMAP-31: offsets at the last positive page and the negative ones are EOVERFLOW", () => {
    const w = makeWorld();
    const fd = fileFd(w, P / 2);
    const got = [OFF_MAX_PAGE, OFF_MIN, -2 * P, -P].map((off) => mmap(w, 0, P, RW, MAP_SHARED, fd, off));
    expect(got).toEqual([-EOVERFLOW, -EOVERFLOW, -EOVERFLOW, -EOVERFLOW]);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-32: an offset that is not a page multiple is EINVAL", () => {
    const w = makeWorld();
    const fd = fileFd(w, P);
    expect(mmap(w, 0, P, RW, MAP_SHARED, fd, 1)).toBe(-EINVAL);
    expect(maps(w)).toEqual([]);
  });

  it("MMAP-33: once map_count passed vm.max_map_count (65530), an mmap that needs a new VMA is ENOMEM", () => {
    const w = makeWorld();
    const { addrs, failure } = fillToMaxMapCount(w);
    // host (its own 23 VMAs besides): 65508 fill mappings, then ENOMEM with 65531 VMAs in maps:
    // do_mmap refuses only once map_count > max_map_count; this process starts empty
    expect(failure).toBe(-ENOMEM);
    expect(addrs.length).toBe(DEFAULT_MAX_MAP_COUNT + 1);
    expect(mapCount(w)).toBe(DEFAULT_MAX_MAP_COUNT + 1);
    const far = addrs[addrs.length - 1]! + FAR_GAP;
    expect(mmap(w, far, P, RW, ANON_PRIVATE | MAP_FIXED)).toBe(-ENOMEM);
    expect(mmap(w, 0, P, RW, ANON_PRIVATE)).toBe(-ENOMEM);
    expect(mapCount(w)).toBe(DEFAULT_MAX_MAP_COUNT + 1);
  });

  it("MMAP-34: MAP_STACK, MAP_LOCKED, MAP_NORESERVE and MAP_32BIT succeed; MAP_32BIT stays below 4 GiB", () => {
    const w = makeWorld();
    expect(mmap(w, 0, P, RW, ANON_PRIVATE | MAP_STACK)).toBeGreaterThan(0);
    expect(mmap(w, 0, P, RW, ANON_PRIVATE | MAP_LOCKED)).toBeGreaterThan(0);
    const low = mmap(w, 0, P, RW, ANON_PRIVATE | MAP_32BIT);
    expect(low).toBeGreaterThan(0);
    expect(low + P).toBeLessThanOrEqual(TWO_POW_32);
    // host: MAP_32BIT placed at 0x40000000 (bottom-up from 1 GiB)
    expect(low).toBe(MAP_32BIT_BASE);
    const nores = mmap(w, 0, NORESERVE_LEN, RW, ANON_PRIVATE | MAP_NORESERVE);
    expect(nores).toBeGreaterThan(0);
    expectBytes(peek(w, nores, NORESERVE_LEN), new Uint8Array(NORESERVE_LEN));
    const ones = bytes(NORESERVE_LEN, 0xff);
    expect(poke(w, nores, ones)).toBe(0);
    expectBytes(peek(w, nores, NORESERVE_LEN), ones);
  });

  it("MMAP-35: MAP_LOCKED grows VmLck by exactly the mapping's size", () => {
    const w = makeWorld();
    // /proc/<pid>/status is not served: VmLck is mm->locked_vm, which the backend reports as lockedVm()
    const vmLckKb = (): number => (w.backend.lockedVm(mmIdOf(w, w.tid)) * P) / KB;
    const before = vmLckKb();
    const addr = mmap(w, 0, MMAP14_SIZE, RW, MAP_PRIVATE | MAP_LOCKED | MAP_ANONYMOUS);
    expect(addr).toBeGreaterThan(0);
    expect(vmLckKb() - before).toBe(MMAP14_SIZE / KB);
    expect(maps(w)).toEqual([vma(addr, addr + MMAP14_SIZE, "rw-p")]);
  });
});

// ---- §2.2 -------------------------------------------------------------------------------------

describe("conformance-cases §2.2 mmap: access semantics", () => {
  it("MMAP-40: a PROT_WRITE-only private page reads as zeros and can be written (x86)", () => {
    const w = makeWorld();
    const addr = mmap(w, 0, P, PROT_WRITE, ANON_PRIVATE);
    expect(addr).toBeGreaterThan(0);
    expect(maps(w)).toEqual([vma(addr, addr + P, "-w-p")]);
    expectBytes(peek(w, addr, P), new Uint8Array(P));
    expect(poke(w, addr, bytes(P, MEMSET_BYTE))).toBe(0);
    expectBytes(peek(w, addr, P), bytes(P, MEMSET_BYTE));
  });

  it("MMAP-41: reading a PROT_NONE page raises SIGSEGV", () => {
    const w = makeWorld();
    const addr = mmap(w, 0, P, PROT_NONE, ANON_PRIVATE);
    expect(peek(w, addr, 1)).toEqual(segv(SEGV_ACCERR, addr));
  });

  it("MMAP-42: writing a PROT_READ page raises SIGSEGV", () => {
    const w = makeWorld();
    const addr = mmap(w, 0, P, PROT_READ, ANON_PRIVATE);
    expect(poke(w, addr, bytes(1, 1))).toEqual(segv(SEGV_ACCERR, addr));
    expectBytes(peek(w, addr, 1), new Uint8Array(1));
  });

  it("MMAP-43: reading a PROT_NONE shared file mapping raises SIGSEGV", () => {
    const w = makeWorld();
    const fd = fileFd(w, P);
    const addr = mmap(w, 0, P, PROT_NONE, MAP_FILE | MAP_SHARED, fd, 0);
    expect(maps(w)).toEqual([vma(addr, addr + P, "---s")]);
    expect(peek(w, addr, 1)).toEqual(segv(SEGV_ACCERR, addr));
  });

  it("MMAP-44: after mprotect(PROT_NONE) a read is SEGV_ACCERR; an unmapped address is SEGV_MAPERR", () => {
    const w = makeWorld();
    const addr = mmap(w, 0, 2 * P, RW, ANON_PRIVATE);
    expect(poke(w, addr, bytes(2 * P, 1))).toBe(0);
    expect(sys(w, NR.mprotect, addr, P, PROT_NONE)).toBe(0);
    expect(peek(w, addr, 1)).toEqual(segv(SEGV_ACCERR, addr));
    expect(munmap(w, addr + P, P)).toBe(0);
    expect(peek(w, addr + P, 1)).toEqual(segv(SEGV_MAPERR, addr + P));
  });

  it("MMAP-45: the tail of a file's last page reads zeros, and stores there never reach the file", () => {
    const w = makeWorld();
    const text = new TextEncoder().encode(MMAP01_STRING);
    const inode = makeFile(w, "/tmp/mmapfile", text);
    const fd = open(w, "/tmp/mmapfile", O_RDWR);
    const addr = mmap(w, 0, P, RW, MAP_SHARED, fd, 0);
    expectBytes(peek(w, addr, P), concat(text, new Uint8Array(P - text.length)));
    expect(poke(w, addr + text.length, new TextEncoder().encode("XYZ"))).toBe(0);
    expect(sys(w, NR.msync, addr, P, MS_SYNC)).toBe(0);
    expectBytes(preadFile(w, fd, P), text);
    expect(inode.size).toBe(text.length);
  });

  it("MMAP-46: stores past EOF in a shared mapping are dropped: the file keeps its P/2 bytes", () => {
    const w = makeWorld();
    const fd = fileFd(w, P / 2);
    const addr = mmap(w, 0, P, RW, MAP_SHARED, fd, 0);
    expect(poke(w, addr, bytes(P / 2, CH_A))).toBe(0);
    expect(poke(w, addr + P / 2, bytes(P / 2, CH_B))).toBe(0);
    expect(munmap(w, addr, P)).toBe(0);
    expectBytes(preadFile(w, fd, P), bytes(P / 2, CH_A));
  });

  it("MMAP-47: after ftruncate up, stores in the new part of the page reach the file", () => {
    const w = makeWorld();
    const fd = fileFd(w, P / 2);
    const addr = mmap(w, 0, P, RW, MAP_SHARED, fd, 0);
    expect(poke(w, addr, bytes(P / 2, CH_A))).toBe(0);
    expect(sys(w, NR.ftruncate, fd, P)).toBe(0);
    expect(poke(w, addr + P / 2, bytes(P / 2, CH_B))).toBe(0);
    expect(munmap(w, addr, P)).toBe(0);
    expectBytes(preadFile(w, fd, P), concat(bytes(P / 2, CH_A), bytes(P / 2, CH_B)));
  });

  const protsAndTypes = [PROT_READ, PROT_WRITE, RW].flatMap((prot) => [MAP_SHARED, MAP_PRIVATE].map((type) => [prot, type] as const));

  /** A touch: a read where the mapping is readable, and a write where it is writable. */
  function touch(w: World, prot: number, addr: number): Array<AccessFault | 0> {
    const out: Array<AccessFault | 0> = [];
    if (prot & PROT_READ) {
      const r = peek(w, addr, 1);
      out.push(r instanceof Uint8Array ? 0 : r);
    }
    if (prot & PROT_WRITE) out.push(poke(w, addr, bytes(1, 1)));
    return out;
  }

  it("MMAP-48: touching the page after the one holding EOF raises SIGBUS, for R, W, RW × shared, private", () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const [prot, type] of protsAndTypes) {
      const w = makeWorld();
      const fd = fileFd(w, P / 2);
      const addr = mmap(w, 0, 2 * P, prot, type, fd, 0);
      expect(addr).toBeGreaterThan(0);
      got.push(`${prot}/${type}: ${JSON.stringify(touch(w, prot, addr + P))}`);
      const accesses = prot === RW ? 2 : 1;
      want.push(`${prot}/${type}: ${JSON.stringify(Array.from({ length: accesses }, () => sigbus(addr + P)))}`);
    }
    expect(got).toEqual(want);
  });

  it("MMAP-49: touching before EOF, and past EOF within the EOF page, raises nothing", () => {
    const got: string[] = [];
    for (const [prot, type] of protsAndTypes) {
      const w = makeWorld();
      const fd = fileFd(w, P / 2);
      const addr = mmap(w, 0, 2 * P, prot, type, fd, 0);
      expect(addr).toBeGreaterThan(0);
      const faults = [...touch(w, prot, addr), ...touch(w, prot, addr + P / 2 - 1), ...touch(w, prot, addr + P / 2 + 1)];
      got.push(`${prot}/${type}: ${faults.filter((f) => f !== 0).length} faults`);
    }
    expect(got).toEqual(protsAndTypes.map(([prot, type]) => `${prot}/${type}: 0 faults`));
  });

  it("MMAP-50: a write past the EOF page of a file ftruncated to P/2 raises SIGBUS", () => {
    const w = makeWorld();
    const fd = open(w, "/tmp/mmapfile", O_RDWR | O_CREAT);
    expect(sys(w, NR.ftruncate, fd, P / 2)).toBe(0);
    const addr = mmap(w, 0, 2 * P, RW, MAP_SHARED, fd, 0);
    expect(poke(w, addr + P + 1, bytes(1, 1))).toEqual(sigbus(addr + P + 1));
  });

  it("MMAP-51: a private mapping at an offset beyond EOF succeeds, and a write to it raises SIGBUS", () => {
    const w = makeWorld();
    const fd = fileFd(w, P / 2);
    const addr = mmap(w, 0, P, RW, MAP_PRIVATE, fd, 10 * P);
    expect(addr).toBeGreaterThan(0);
    expect(maps(w)).toEqual([vma(addr, addr + P, "rw-p", 10 * P)]);
    expect(poke(w, addr, bytes(1, 1))).toEqual(sigbus(addr));
  });

  it("MMAP-52: a shared mapping shows pwrite()s to the file at once", () => {
    const w = makeWorld();
    makeFile(w, "/tmp/mmapfile", concat(bytes(P, CH_a), bytes(P, CH_b)));
    const fd = open(w, "/tmp/mmapfile", O_RDWR);
    const addr = mmap(w, 0, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    expectBytes(peek(w, addr, 2 * P), concat(bytes(P, CH_a), bytes(P, CH_b)));
    expect(pwriteFile(w, fd, concat(bytes(P, CH_b), bytes(P, CH_a)), 0)).toBe(2 * P);
    expectBytes(peek(w, addr, 2 * P), concat(bytes(P, CH_b), bytes(P, CH_a)));
    expect(pwriteFile(w, fd, bytes(P + P / 2, CH_c), 0)).toBe(P + P / 2);
    expectBytes(peek(w, addr, 2 * P), concat(bytes(P + P / 2, CH_c), bytes(P / 2, CH_a)));
  });

  it("MMAP-53: truncating to 0 and back to P leaves a shared mapping reading zeros, and the file zeros after msync", () => {
    const w = makeWorld();
    makeFile(w, "/tmp/mmapfile", bytes(P, CH_a));
    const fd = open(w, "/tmp/mmapfile", O_RDWR);
    const ro = mmap(w, 0, P, PROT_READ, MAP_SHARED, fd, 0);
    const rw = mmap(w, 0, P, RW, MAP_SHARED, fd, 0);
    expectBytes(peek(w, ro, P), bytes(P, CH_a));
    expectBytes(peek(w, rw, P), bytes(P, CH_a));
    expect(sys(w, NR.ftruncate, fd, 0)).toBe(0);
    expect(sys(w, NR.ftruncate, fd, P)).toBe(0);
    expectBytes(peek(w, ro, P), new Uint8Array(P));
    expectBytes(peek(w, rw, P), new Uint8Array(P));
    expect(sys(w, NR.msync, rw, P, MS_SYNC)).toBe(0);
    expectBytes(preadFile(w, fd, P), new Uint8Array(P));
  });

  it("MMAP-54: after ftruncate(0) an access to a shared mapping (R or RW) raises SIGBUS", () => {
    const w = makeWorld();
    makeFile(w, "/tmp/mmapfile", bytes(P, CH_a));
    const fd = open(w, "/tmp/mmapfile", O_RDWR);
    const ro = mmap(w, 0, P, PROT_READ, MAP_SHARED, fd, 0);
    const rw = mmap(w, 0, P, RW, MAP_SHARED, fd, 0);
    expectBytes(peek(w, ro, 1), bytes(1, CH_a));
    expect(sys(w, NR.ftruncate, fd, 0)).toBe(0);
    expect(peek(w, ro, 1)).toEqual(sigbus(ro));
    expect(poke(w, rw, bytes(1, 1))).toEqual(sigbus(rw));
  });

  it("MMAP-55: ftruncate to P/2 zeroes the second half of a mapped page and keeps the first", () => {
    const w = makeWorld();
    const fd = fileFd(w, P);
    const addr = mmap(w, 0, P, RW, MAP_SHARED, fd, 0);
    expect(poke(w, addr, bytes(P, CH_A))).toBe(0);
    expect(sys(w, NR.ftruncate, fd, P / 2)).toBe(0);
    expectBytes(peek(w, addr, P), concat(bytes(P / 2, CH_A), new Uint8Array(P / 2)));
  });

  it("MMAP-56: ftruncate(0) also takes a private COW copy away: a read then raises SIGBUS", () => {
    const w = makeWorld();
    const fd = fileFd(w, P);
    const addr = mmap(w, 0, P, RW, MAP_PRIVATE, fd, 0);
    expect(poke(w, addr, bytes(1, 1))).toBe(0);
    expect(sys(w, NR.ftruncate, fd, 0)).toBe(0);
    expect(peek(w, addr, 1)).toEqual(sigbus(addr));
  });

  it("MMAP-57: a kernel access beyond EOF is EFAULT, not SIGBUS", () => {
    const w = makeWorld();
    const fd = fileFd(w, P / 2);
    const priv = mmap(w, 0, 2 * P, RW, MAP_PRIVATE, fd, 0);
    const shared = mmap(w, 0, 2 * P, RW, MAP_SHARED, fd, 0);
    // the pipe's write end: a FIFO opened O_WRONLY (no pipe(2)); what is refused is copy_from_user
    expect(w.kernel.vfs.mknod("/tmp/fifo", { mode: S_IFIFO | 0o600, driver: unmappableDriver("fifo", 0) })).not.toBeTypeOf("number");
    const pipeW = open(w, "/tmp/fifo", O_WRONLY);
    expect(sys(w, NR.write, pipeW, priv + P, P)).toBe(-EFAULT);
    const zero = open(w, "/dev/zero", O_RDONLY);
    expect(sys(w, NR.read, zero, shared + P, P)).toBe(-EFAULT);
  });

  it("MMAP-58: read() and write() with a PROT_NONE buffer at the break are EFAULT", () => {
    const w = makeWorld();
    makeFile(w, "/bin/prog", bytes(P, NOP_BYTE), 0o755);
    expect(sys(w, NR.execve, "/bin/prog")).toBe(0);
    const brk = sys(w, NR.brk, 0);
    expect(brk % P).toBe(0);
    makeFile(w, "/tmp/mmapfile", bytes(P, CH_a));
    const fd = open(w, "/tmp/mmapfile", O_RDWR);
    expect(mmap(w, brk, P, PROT_NONE, MAP_FIXED | MAP_PRIVATE, fd, 0)).toBe(brk);
    expect(sys(w, NR.read, fd, brk, P)).toBe(-EFAULT);
    expect(sys(w, NR.write, fd, brk, P)).toBe(-EFAULT);
    expectBytes(preadFile(w, fd, P), bytes(P, CH_a));
  });

  it("MMAP-59: two shared mappings of /dev/zero are independent (same fd or not)", () => {
    const w = makeWorld();
    const fd1 = open(w, "/dev/zero", O_RDWR);
    const fd2 = open(w, "/dev/zero", O_RDWR);
    const first = mmap(w, 0, P, RW, MAP_SHARED, fd1, 0);
    const sameFd = mmap(w, 0, P, RW, MAP_SHARED, fd1, 0);
    const otherFd = mmap(w, 0, P, RW, MAP_SHARED, fd2, 0);
    expect(poke(w, first, bytes(P, 0xff))).toBe(0);
    expectBytes(peek(w, first, P), bytes(P, 0xff));
    expectBytes(peek(w, sameFd, P), new Uint8Array(P));
    expectBytes(peek(w, otherFd, P), new Uint8Array(P));
  });

  it("MMAP-60: 1.5 pages of /dev/zero, shared or private, read as zeros", () => {
    const w = makeWorld();
    const fd = open(w, "/dev/zero", O_RDWR);
    const len = P + P / 2;
    const shared = mmap(w, 0, len, RW, MAP_SHARED, fd, 0);
    const priv = mmap(w, 0, len, RW, MAP_PRIVATE, fd, 0);
    expectBytes(peek(w, shared, len), new Uint8Array(len));
    expectBytes(peek(w, priv, len), new Uint8Array(len));
    // and to the end of the rounded-up page
    expectBytes(peek(w, shared, 2 * P), new Uint8Array(2 * P));
  });

  it("MMAP-61: a kernel write to a COW page after fork is what later kernel reads see", () => {
    const w = makeWorld();
    const addr = mmap(w, 0, 2 * P, RW, ANON_PRIVATE);
    expect(poke(w, addr, bytes(2 * P, 1))).toBe(0);
    const child = w.kernel.fork(w.tid);
    w.kernel.assertValid();
    expect(child).toBeTypeOf("number");
    const fd = fileFd(w, 0);
    const zero = open(w, "/dev/zero", O_RDONLY);
    expect(pwrite(w, fd, addr, P, 0)).toBe(P);
    expect(sys(w, NR.pread64, zero, addr, 2 * P, 0)).toBe(2 * P);
    expect(pwrite(w, fd, addr, P, 0)).toBe(P);
    expectBytes(preadFile(w, fd, P), new Uint8Array(P));
    // the paused child still has its ones
    expectBytes(peek(w, addr, 2 * P, child as number), bytes(2 * P, 1));
  });

  it("MMAP-62: after fork the child sees the parent's store in a shared mapping, not in a private one", () => {
    const w = makeWorld();
    const priv = mmap(w, 0, P, RW, ANON_PRIVATE);
    const shared = mmap(w, 0, P, RW, MAP_SHARED | MAP_ANONYMOUS);
    const child = w.kernel.fork(w.tid) as number;
    w.kernel.assertValid();
    expect(child).toBeGreaterThan(w.tid);
    expect(poke(w, priv, bytes(1, 1))).toBe(0);
    expect(poke(w, shared, bytes(1, 1))).toBe(0);
    expectBytes(peek(w, shared, 1, child), bytes(1, 1));
    expectBytes(peek(w, priv, 1, child), bytes(1, 0));
  });
});

// ---- §3 ---------------------------------------------------------------------------------------

describe("conformance-cases §3 munmap", () => {
  /** munmap01's file: lseek(3P) and a 1-byte write, mapped MAP_SHARED RW over 3 pages. */
  function munmap01Mapping(w: World): number {
    const fd = open(w, "/tmp/mmapfile", O_RDWR | O_CREAT);
    expect(pwriteFile(w, fd, bytes(1, CH_a), 3 * P)).toBe(1);
    const base = mmap(w, 0, 3 * P, RW, MAP_FILE | MAP_SHARED, fd, 0);
    expect(base).toBeGreaterThan(0);
    expect(maps(w)).toEqual([vma(base, base + 3 * P, "rw-s")]);
    return base;
  }

  it("MUNMAP-01: unmapping a whole file mapping returns 0; a child's store there then raises SIGSEGV", () => {
    const w = makeWorld();
    const base = munmap01Mapping(w);
    expect(munmap(w, base, 3 * P)).toBe(0);
    expect(maps(w)).toEqual([]);
    const child = w.kernel.fork(w.tid) as number;
    w.kernel.assertValid();
    expect(child).toBeGreaterThan(w.tid);
    expect(poke(w, base, bytes(1, 1), child)).toEqual(segv(SEGV_MAPERR, base));
  });

  it("MUNMAP-02: unmapping the last two pages returns 0; they fault, the first stays mapped", () => {
    const w = makeWorld();
    const base = munmap01Mapping(w);
    expect(munmap(w, base + P, 2 * P)).toBe(0);
    expect(maps(w)).toEqual([vma(base, base + P, "rw-s")]);
    expect(poke(w, base + P, bytes(1, 1))).toEqual(segv(SEGV_MAPERR, base + P));
    expect(poke(w, base, bytes(1, 1))).toBe(0);
    expect(munmap(w, base, P)).toBe(0);
    expect(maps(w)).toEqual([]);
  });

  it("MUNMAP-03: a zero length is EINVAL and the mapping stays", () => {
    const w = makeWorld();
    const m = mmap(w, 0, P, RW, ANON_PRIVATE);
    expect(poke(w, m, bytes(1, SENTINEL_BYTE))).toBe(0);
    expect(munmap(w, m, 0)).toBe(-EINVAL);
    expect(maps(w)).toEqual([vma(m, m + P, "rw-p")]);
    expectBytes(peek(w, m, 1), bytes(1, SENTINEL_BYTE));
  });

  it("MUNMAP-04: a length whose round-up wraps past TASK_SIZE is EINVAL", () => {
    const w = makeWorld();
    const m = mmap(w, 0, P, RW, ANON_PRIVATE);
    // (size_t)(-P + 1) reaches the kernel as 2^64 - P (no exact double); the host refuses both with EINVAL
    expect(munmap(w, m, TWO_POW_64 - P + 1)).toBe(-EINVAL);
    expect(maps(w)).toEqual([vma(m, m + P, "rw-p")]);
  });

  it("MUNMAP-05: an unaligned address and an address beyond the address space are EINVAL", () => {
    const w = makeWorld();
    const m = mmap(w, 0, 2 * P, RW, ANON_PRIVATE);
    expect(munmap(w, m + 1, 2 * P)).toBe(-EINVAL);
    // host: munmap((void *)(1UL << 47), 2P) → -1 EINVAL
    expect(munmap(w, TASK_SIZE + P, 2 * P)).toBe(-EINVAL);
    expect(maps(w)).toEqual([vma(m, m + 2 * P, "rw-p")]);
  });

  it("MUNMAP-06: unmapping a one-page mapping returns 0", () => {
    const w = makeWorld();
    const m = mmap(w, 0, P, RW, ANON_PRIVATE);
    expect(munmap(w, m, P)).toBe(0);
    expect(maps(w)).toEqual([]);
  });

  it("MUNMAP-07: at vm.max_map_count, punching a hole that would split a VMA is ENOMEM and unmaps nothing", () => {
    const w = makeWorld();
    const { addrs, failure } = fillToMaxMapCount(w);
    expect(failure).toBe(-ENOMEM);
    const before = w.kernel.readProc(`/proc/${w.tid}/maps`);
    expect(munmap(w, addrs[2]! + P, P)).toBe(-ENOMEM);
    expect(w.kernel.readProc(`/proc/${w.tid}/maps`)).toBe(before);
    expect(mapCount(w)).toBe(DEFAULT_MAX_MAP_COUNT + 1);
  });

  it("MUNMAP-08: a store to an unmapped /dev/zero shared page raises SIGSEGV", () => {
    const w = makeWorld();
    const fd = open(w, "/dev/zero", O_RDWR);
    const addr = mmap(w, 0, P, RW, MAP_SHARED, fd, 0);
    expect(poke(w, addr, bytes(1, 1))).toBe(0);
    expect(munmap(w, addr, P)).toBe(0);
    expect(poke(w, addr, bytes(1, 1))).toEqual(segv(SEGV_MAPERR, addr));
  });

  it("MUNMAP-09: unmapping a range with no mappings returns 0", () => {
    const w = makeWorld();
    expect(munmap(w, FIXED_ADDR, P)).toBe(0);
    expect(maps(w)).toEqual([]);
  });

  it("MUNMAP-10: one munmap over five VMAs and five gaps removes every VMA", () => {
    const w = makeWorld();
    const ptr = mmap(w, 0, 10 * P, RW, ANON_PRIVATE);
    for (let i = 1; i < 10; i += 2) expect(munmap(w, ptr + i * P, P)).toBe(0);
    // A.A.A.A.A.
    expect(maps(w)).toEqual([0, 2, 4, 6, 8].map((i) => vma(ptr + i * P, ptr + (i + 1) * P, "rw-p")));
    expect(munmap(w, ptr, 10 * P)).toBe(0);
    expect(maps(w)).toEqual([]);
  });

  it("MUNMAP-11: unmapping a shared file mapping whose second page lies past EOF returns 0", () => {
    const w = makeWorld();
    const fd = fileFd(w, P / 2);
    const addr = mmap(w, 0, 2 * P, RW, MAP_SHARED, fd, 0);
    expect(poke(w, addr + P, bytes(1, 1))).toEqual(sigbus(addr + P));
    expect(munmap(w, addr, 2 * P)).toBe(0);
    expect(maps(w)).toEqual([]);
  });
});
