/**
 * §4 mprotect, §5 mremap and §6 brk of shared/reference/conformance-cases.md, one test per row in
 * table order, named by the row's id. Each row's setup and call go through the syscall layer
 * (`kernel.syscall` with x86-64 numbers) of a kernel over the MMU backend; the results are checked
 * as the row states them, with the side effects read back the way a program would see them:
 * /proc/<pid>/maps, bytes through user memory, the SIGSEGV/SIGBUS the uaccess helpers report, and
 * gVisor's "is mapped" (msync of the page does not fail with ENOMEM).
 *
 * Where a row is ambiguous or version dependent, the host kernel (6.18, x86-64, `setarch -R`) was
 * asked with a small C program, and the test asserts what it did; each such place says so.
 */
import { describe, expect, it } from "vitest";
import { AddressSpace } from "@mmsim/anon-vma-rmap";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import {
  AT_FDCWD,
  DEFAULT_MMAP_BASE,
  DEFAULT_MMAP_MIN_ADDR,
  EACCES,
  EEXIST,
  EFAULT,
  EINVAL,
  ENOMEM,
  EPERM,
  IPC_CREAT,
  IPC_PRIVATE,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  MS_ASYNC,
  MS_SYNC,
  NR,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  RLIMIT_DATA,
  RLIM_INFINITY,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SHM_RDONLY,
  SHM_RND,
  SIGBUS,
  SIGSEGV,
  pageAlign,
} from "@mmsim/mm-types";
import type { AccessFault } from "@mmsim/mm-types";
import { MmuBackend } from "@mmsim/mmu";
import { SHMLBA } from "@mmsim/sysv-shm";
import { Kernel, installSysvShm } from "../src/index.js";
import type { SyscallArg } from "../src/index.js";

const P = PAGE_SIZE;
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
/** Bytes a PMD entry maps on x86-64. Linux: PMD_SIZE. */
const PMD_SIZE = 2 * MiB;
/** Bytes a PUD entry maps on x86-64. Linux: PUD_SIZE. */
const PUD_SIZE = GiB;
/** `(size_t)-1` / `(void *)-1`: 2^64 - 1, which a double rounds to 2^64 (still past every end). */
const SIZE_MAX = 2 ** 64 - 1;
/** start_brk of the test process: page aligned, as exec leaves it (the host's was 0x55555557b000). */
const HEAP_START = 0x4c1000;
/** The task every world runs. */
const TID = 100;
/** Page frames of a world (16 MiB) unless a row needs more. */
const DEFAULT_FRAMES = 4096;
/** ASCII bytes the rows fill memory with. */
const CH_A = 0x61;
const CH_B = 0x62;
const CH_C = 0x63;
const CH_D = 0x64;
const CH_X = 0x58;

/** One machine: the MMU backend under a kernel with SysV shm, and one process with an empty heap. */
interface World {
  readonly kernel: Kernel;
}

function world(frames = DEFAULT_FRAMES): World {
  const buddy = new BuddyAllocator({ pages: frames });
  const backend = new MmuBackend({ pages: buddy, physMem: buddy.physMem });
  const kernel = new Kernel({ backend, pages: buddy, physMem: buddy.physMem, addressSpace: () => new AddressSpace() });
  installSysvShm(kernel);
  const t = kernel.createProcess({ pid: TID, layout: { areas: [], startBrk: HEAP_START, mmapBase: DEFAULT_MMAP_BASE } });
  if (typeof t === "number") throw new Error(`createProcess: ${t}`);
  kernel.assertValid();
  return { kernel };
}

/** A syscall of `tid` (default the test process) that must not block; the invariants are checked after it. */
function sysAs(w: World, tid: number, nr: number, ...args: SyscallArg[]): number {
  const r = w.kernel.syscall(tid, nr, ...args);
  w.kernel.assertValid();
  if (typeof r !== "number") throw new Error(`syscall ${nr} blocked`);
  return r;
}

function sys(w: World, nr: number, ...args: SyscallArg[]): number {
  return sysAs(w, TID, nr, ...args);
}

/** mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0), which must succeed. */
function mapAnon(w: World, len: number, prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE, addr = 0): number {
  const a = sys(w, NR.mmap, addr, len, prot, flags | MAP_ANONYMOUS, -1, 0);
  if (a < 0) throw new Error(`mmap: ${a}`);
  return a;
}

/** A free address range of `len` bytes (LTP's PROBE_FREE_ADDR: map, then unmap). */
function probeFreeAddr(w: World, len: number): number {
  const a = mapAnon(w, len, PROT_NONE);
  expect(sys(w, NR.munmap, a, len)).toBe(0);
  return a;
}

/** gVisor's IsMapped(): msync of the page fails with ENOMEM only where nothing is mapped. */
function isMapped(w: World, addr: number): boolean {
  const r = sys(w, NR.msync, addr, P, MS_ASYNC);
  if (r !== 0 && r !== -ENOMEM) throw new Error(`msync: ${r}`);
  return r === 0;
}

/** Which of the `n` pages from `addr` are mapped. */
function mappedPages(w: World, addr: number, n: number): boolean[] {
  return Array.from({ length: n }, (_, i) => isMapped(w, addr + i * P));
}

function mmIdOf(w: World, tid: number): number {
  const t = w.kernel.task(tid);
  if (t === null) throw new Error(`no task ${tid}`);
  return t.mm.mmId;
}

/** `len` user bytes at `addr` of `tid`, or the fault a CPU read would take. */
function peekAs(w: World, tid: number, addr: number, len: number): Uint8Array | AccessFault {
  const buf = new Uint8Array(len);
  const r = w.kernel.backend.readUser(mmIdOf(w, tid), addr, buf);
  w.kernel.assertValid();
  return r === 0 ? buf : r;
}

function peek(w: World, addr: number, len: number): Uint8Array | AccessFault {
  return peekAs(w, TID, addr, len);
}

/** Writes bytes to user memory of `tid`; 0 or the fault a CPU write would take. */
function pokeAs(w: World, tid: number, addr: number, bytes: Uint8Array): AccessFault | 0 {
  const r = w.kernel.backend.writeUser(mmIdOf(w, tid), addr, bytes);
  w.kernel.assertValid();
  return r;
}

function poke(w: World, addr: number, bytes: Uint8Array): AccessFault | 0 {
  return pokeAs(w, TID, addr, bytes);
}

/** memset(addr, byte, len), which must not fault. */
function fill(w: World, addr: number, byte: number, len: number): void {
  expect(poke(w, addr, new Uint8Array(len).fill(byte))).toBe(0);
}

/** The byte at `addr`, or the fault. */
function byteAt(w: World, addr: number): number | AccessFault {
  const r = peek(w, addr, 1);
  return r instanceof Uint8Array ? r[0]! : r;
}

/** Whether `len` bytes at `addr` all read as `byte`. */
function allBytes(w: World, addr: number, len: number, byte: number): boolean {
  const r = peek(w, addr, len);
  return r instanceof Uint8Array && r.every((b) => b === byte);
}

/** The signal a one-byte write at `addr` raises, 0 for none. */
function writeSignal(w: World, addr: number, tid = TID): number {
  const r = pokeAs(w, tid, addr, Uint8Array.of(1));
  return r === 0 ? 0 : r.signal;
}

/** The signal a one-byte read at `addr` raises, 0 for none. */
function readSignal(w: World, addr: number): number {
  const r = peek(w, addr, 1);
  return r instanceof Uint8Array ? 0 : r.signal;
}

/** /proc/<pid>/maps of the test process. */
function maps(w: World): string {
  const text = w.kernel.readProc(`/proc/${TID}/maps`);
  if (typeof text === "number") throw new Error(`maps: ${text}`);
  return text;
}

/**
 * The maps lines meeting [base, base + pages·P), each as "[first,end) perms" in pages from `base`,
 * plus the name of a [heap] or [stack]: the shape the host C programs printed.
 */
function vmasNear(w: World, base: number, pages: number): string[] {
  const out: string[] = [];
  for (const line of maps(w).split("\n")) {
    if (line === "") continue;
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4})(?:.*?(\[heap\]|\[stack\]))?/.exec(line);
    if (m === null) throw new Error(`bad maps line: ${line}`);
    const start = parseInt(m[1]!, 16);
    const end = parseInt(m[2]!, 16);
    if (end <= base || start >= base + pages * P) continue;
    out.push(`[${(start - base) / P},${(end - base) / P}) ${m[3]!}${m[4] !== undefined ? " " + m[4] : ""}`);
  }
  return out;
}

/** Bytes i → a pseudo-random byte of `seed` (the selftests' srand/rand patterns). */
function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Whether two byte arrays are equal (fast where expect().toEqual() of megabytes is not). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Whether user memory at `addr` holds exactly `want`. */
function holds(w: World, addr: number, want: Uint8Array): boolean {
  const got = peek(w, addr, want.length);
  return got instanceof Uint8Array && sameBytes(got, want);
}

/** Creates a regular file of `size` bytes (zeros, then `content` at offset 0) and opens it. */
function openFile(w: World, path: string, size: number, flags = O_RDWR, content?: Uint8Array): number {
  const fd = sys(w, NR.openat, AT_FDCWD, path, flags | O_CREAT, 0o644);
  if (fd < 0) throw new Error(`open: ${fd}`);
  const inode = w.kernel.vfs.lookup(path)!;
  if (content !== undefined) w.kernel.vfs.write(inode, 0, content);
  w.kernel.vfs.truncate(inode, size);
  return fd;
}

/** The bytes of a file through the page cache (what read(2) would return). */
function fileBytes(w: World, path: string, offset: number, len: number): Uint8Array {
  const dst = new Uint8Array(len);
  w.kernel.vfs.read(w.kernel.vfs.lookup(path)!, offset, dst);
  return dst;
}

/** fork() of the test process; returns the child's tid. */
function forkChild(w: World): number {
  const r = sys(w, NR.fork);
  if (r <= 0) throw new Error(`fork: ${r}`);
  return r;
}

/** The child exits; a SIGSEGV it took ends it as the signal would. */
function childExit(w: World, child: number): void {
  expect(sysAs(w, child, NR.exit_group, 0)).toBe(0);
  w.kernel.reap();
  w.kernel.assertValid();
}

/** A shm segment of `size` bytes attached at `addr` with `flags`: [shmid, attach address or -errno]. */
function shmAttach(w: World, size: number, addr: number, flags: number): [number, number] {
  const id = sys(w, NR.shmget, IPC_PRIVATE, size, IPC_CREAT | 0o600);
  if (id < 0) throw new Error(`shmget: ${id}`);
  return [id, sys(w, NR.shmat, id, addr, flags)];
}

/** The current break: raw brk(0). */
function curBrk(w: World): number {
  return sys(w, NR.brk, 0);
}

/** glibc's sbrk(): the old break, or -ENOMEM when the raw brk returned less than asked. */
function sbrk(w: World, increment: number): number {
  const old = curBrk(w);
  const want = old + increment;
  if (want < 0) return -ENOMEM;
  return sys(w, NR.brk, want) < want ? -ENOMEM : old;
}

describe("§4 mprotect", () => {
  it("MPROT-01: mprotect(NULL, P+1) of an unmapped range is ENOMEM", () => {
    const w = world();
    expect(sys(w, NR.mprotect, 0, P + 1, PROT_READ)).toBe(-ENOMEM);
  });

  it("MPROT-02: an unaligned start is EINVAL", () => {
    const w = world();
    const heap = mapAnon(w, P); // malloc(P)
    expect(sys(w, NR.mprotect, heap + 1, 1024, PROT_READ)).toBe(-EINVAL);
    expect(sys(w, NR.mprotect, heap + 1, P - 1, PROT_READ)).toBe(-EINVAL);
    expect(vmasNear(w, heap, 1)).toEqual(["[0,1) rw-p"]);
  });

  it("MPROT-03: PROT_WRITE on a shared mapping of /dev/zero opened O_RDONLY is EACCES (do_mmap() drops VM_MAYWRITE before mmap_zero() runs)", () => {
    const w = world();
    const fd = sys(w, NR.openat, AT_FDCWD, "/dev/zero", O_RDONLY, 0);
    const addr = sys(w, NR.mmap, 0, P, PROT_READ, MAP_SHARED, fd, 0);
    expect(addr).toBeGreaterThan(0);
    // host 6.18: -1 EACCES, and the VMA stays r--s
    expect(sys(w, NR.mprotect, addr, P, PROT_WRITE)).toBe(-EACCES);
    expect(vmasNear(w, addr, 1)).toEqual(["[0,1) r--s"]);
  });

  it("MPROT-04: a length of (size_t)-1 overflows the end: ENOMEM", () => {
    const w = world();
    const addr = mapAnon(w, P);
    expect(sys(w, NR.mprotect, addr, SIZE_MAX, PROT_READ)).toBe(-ENOMEM);
    expect(vmasNear(w, addr, 1)).toEqual(["[0,1) rw-p"]);
  });

  it("MPROT-05: a read-only shared file mapping faults a child's write until mprotect(PROT_WRITE)", () => {
    const w = world();
    const fd = openFile(w, "/mprotect02", P);
    const addr = sys(w, NR.mmap, 0, 27, PROT_READ, MAP_SHARED, fd, 0);
    expect(addr).toBeGreaterThan(0);
    const data = pattern(27, 5);
    const first = forkChild(w);
    expect(pokeAs(w, first, addr, data)).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr });
    childExit(w, first);
    expect(sys(w, NR.mprotect, addr, 27, PROT_WRITE)).toBe(0);
    expect(vmasNear(w, addr, 1)).toEqual(["[0,1) -w-s"]);
    const second = forkChild(w);
    expect(pokeAs(w, second, addr, data)).toBe(0);
    childExit(w, second);
    expect(fileBytes(w, "/mprotect02", 0, 27)).toEqual(data);
  });

  it("MPROT-06: mprotect(PROT_READ) of a RW shared file mapping makes a child's write SIGSEGV", () => {
    const w = world();
    const fd = openFile(w, "/mprotect03", P);
    const addr = sys(w, NR.mmap, 0, 26, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    expect(addr).toBeGreaterThan(0);
    expect(sys(w, NR.mprotect, addr, 26, PROT_READ)).toBe(0);
    const child = forkChild(w);
    expect(pokeAs(w, child, addr, pattern(26, 6))).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr });
    childExit(w, child);
    expect(fileBytes(w, "/mprotect03", 0, 26)).toEqual(new Uint8Array(26));
  });

  it("MPROT-07: a write to a page made PROT_NONE is SIGSEGV", () => {
    const w = world();
    const addr = mapAnon(w, P);
    expect(sys(w, NR.mprotect, addr, P, PROT_NONE)).toBe(0);
    expect(poke(w, addr, Uint8Array.of(1))).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr });
    expect(vmasNear(w, addr, 1)).toEqual(["[0,1) ---p"]);
  });

  // Calling the code is not modelled (user access has reads and writes, no instruction fetch): the
  // test checks what a call needs, an executable VMA that still holds the copied code. PROT_EXEC
  // alone is checked in maps only: the host (x86 with protection keys) makes it execute-only, so
  // that a read there is SIGSEGV, while our uaccess lets reads through as x86 without pkeys does.
  it("MPROT-08: code copied into RW memory becomes executable (the call itself is not modelled)", () => {
    const w = world();
    const code = pattern(64, 8);
    const mem = mapAnon(w, P);
    expect(poke(w, mem, code)).toBe(0);
    expect(sys(w, NR.mprotect, mem, code.length, PROT_READ | PROT_EXEC)).toBe(0);
    expect(vmasNear(w, mem, 1)).toEqual(["[0,1) r-xp"]);
    expect(holds(w, mem, code)).toBe(true);
    expect(sys(w, NR.mprotect, mem, code.length, PROT_EXEC)).toBe(0);
    expect(vmasNear(w, mem, 1)).toEqual(["[0,1) --xp"]);
  });

  it("MPROT-09: PROT_NONE then PROT_READ|PROT_WRITE keeps the data (PROT_NONE frees nothing)", () => {
    const w = world();
    const addr = mapAnon(w, P);
    fill(w, addr, 42, P);
    expect(sys(w, NR.mprotect, addr, P, PROT_NONE)).toBe(0);
    expect(readSignal(w, addr)).toBe(SIGSEGV);
    expect(sys(w, NR.mprotect, addr, P, PROT_READ | PROT_WRITE)).toBe(0);
    expect(allBytes(w, addr, P, 42)).toBe(true);
  });

  it("MPROT-10: a PROT_NONE page made RW takes a memset", () => {
    const w = world();
    const addr = mapAnon(w, P, PROT_NONE);
    expect(writeSignal(w, addr)).toBe(SIGSEGV);
    expect(sys(w, NR.mprotect, addr, P, PROT_READ | PROT_WRITE)).toBe(0);
    fill(w, addr, CH_A, P);
    expect(allBytes(w, addr, P, CH_A)).toBe(true);
  });

  it("MPROT-11: a write after mprotect(PROT_READ) is SIGSEGV; reads still work", () => {
    const w = world();
    const addr = mapAnon(w, P);
    fill(w, addr, CH_B, P);
    expect(sys(w, NR.mprotect, addr, P, PROT_READ)).toBe(0);
    expect(poke(w, addr, Uint8Array.of(1))).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr });
    expect(allBytes(w, addr, P, CH_B)).toBe(true);
  });

  // host 6.18 printed these exact layouts after each step
  it("MPROT-12: split and re-merge of a shared mapping of an empty file ends as one r--s VMA", () => {
    const w = world();
    const fd = openFile(w, "/mprotect05", 0);
    const addr = sys(w, NR.mmap, 0, 5 * P, PROT_READ, MAP_SHARED, fd, 0);
    expect(addr).toBeGreaterThan(0);
    expect(sys(w, NR.mprotect, addr + P, P, PROT_EXEC)).toBe(0);
    expect(vmasNear(w, addr, 5)).toEqual(["[0,1) r--s", "[1,2) --xs", "[2,5) r--s"]);
    expect(sys(w, NR.mprotect, addr + 3 * P, P, PROT_WRITE)).toBe(0);
    expect(vmasNear(w, addr, 5)).toEqual(["[0,1) r--s", "[1,2) --xs", "[2,3) r--s", "[3,4) -w-s", "[4,5) r--s"]);
    expect(sys(w, NR.mprotect, addr + P, 4 * P, PROT_READ)).toBe(0);
    expect(vmasNear(w, addr, 5)).toEqual(["[0,5) r--s"]);
    // the file is empty: touching the mapping is SIGBUS, as on the host
    expect(readSignal(w, addr)).toBe(SIGBUS);
  });

  it("MPROT-13: mprotect(RW) of a SHM_RDONLY attachment is EACCES", () => {
    const w = world();
    const [, addr] = shmAttach(w, P, 0, SHM_RDONLY);
    expect(addr).toBeGreaterThan(0);
    expect(sys(w, NR.mprotect, addr, P, PROT_READ | PROT_WRITE)).toBe(-EACCES);
    expect(vmasNear(w, addr, 1)).toEqual(["[0,1) r--s"]);
  });

  // host 6.18: len 0 returns 0 even with unknown bits (the len check comes first); an unaligned start
  // is EINVAL before it; with a length, unknown bits are EINVAL
  it("MPROT-14: a zero length is a no-op; unknown prot bits are EINVAL", () => {
    const w = world();
    const addr = mapAnon(w, P);
    const UNKNOWN_PROT = 0x100;
    expect(sys(w, NR.mprotect, addr, 0, PROT_READ)).toBe(0);
    expect(sys(w, NR.mprotect, addr, 0, UNKNOWN_PROT)).toBe(0);
    expect(sys(w, NR.mprotect, addr + 1, 0, UNKNOWN_PROT)).toBe(-EINVAL);
    expect(sys(w, NR.mprotect, addr, P, UNKNOWN_PROT)).toBe(-EINVAL);
    expect(vmasNear(w, addr, 1)).toEqual(["[0,1) rw-p"]);
  });

  // host 6.18: -1 ENOMEM; the VMA before the hole is already r--p, the one after it still rw-p
  it("MPROT-15: a hole in the range is ENOMEM after the part before it has changed", () => {
    const w = world();
    const a = mapAnon(w, 3 * P);
    expect(sys(w, NR.munmap, a + P, P)).toBe(0);
    expect(sys(w, NR.mprotect, a, 3 * P, PROT_READ)).toBe(-ENOMEM);
    expect(vmasNear(w, a, 3)).toEqual(["[0,1) r--p", "[2,3) rw-p"]);
  });

  it("MPROT-16: mprotect of the middle of a grown heap splits it", () => {
    const w = world();
    const b0 = curBrk(w);
    expect(sys(w, NR.brk, b0 + 2 * P)).toBe(b0 + 2 * P);
    expect(sys(w, NR.mprotect, b0 + P, P, PROT_READ)).toBe(0);
    expect(vmasNear(w, b0, 2)).toEqual(["[0,1) rw-p [heap]", "[1,2) r--p [heap]"]);
  });
});

/** The two kinds of anonymous memory gVisor's MremapParamTest runs each case with. */
const PRIVATE_AND_SHARED = [MAP_PRIVATE, MAP_SHARED] as const;

describe("§5 mremap", () => {
  it("MREMAP-01: same size in place returns the address and leaves it mapped", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const m = mapAnon(w, P, PROT_NONE, kind);
      expect(sys(w, NR.mremap, m, P, P, 0, 0)).toBe(m);
      expect(isMapped(w, m)).toBe(true);
    }
  });

  it("MREMAP-02: shrinking a whole VMA in place unmaps its tail", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const m = mapAnon(w, 2 * P, PROT_READ | PROT_WRITE, kind);
      expect(sys(w, NR.mremap, m, 2 * P, P, 0, 0)).toBe(m);
      expect(mappedPages(w, m, 2)).toEqual([true, false]);
    }
  });

  it("MREMAP-03: shrinking part of a VMA in place leaves a hole", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const m = mapAnon(w, 3 * P, PROT_READ | PROT_WRITE, kind);
      expect(sys(w, NR.mremap, m, 2 * P, P, 0, 0)).toBe(m);
      expect(mappedPages(w, m, 3)).toEqual([true, false, true]);
    }
  });

  it("MREMAP-04: an in-place shrink may span VMAs", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const m = mapAnon(w, 3 * P, PROT_READ, kind);
      expect(sys(w, NR.mprotect, m, P, PROT_NONE)).toBe(0);
      expect(sys(w, NR.mremap, m, 3 * P, 2 * P, 0, 0)).toBe(m);
      expect(mappedPages(w, m, 3)).toEqual([true, true, false]);
    }
  });

  it("MREMAP-05: growing into the free page after the VMA stays in place", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const m = mapAnon(w, 2 * P, PROT_READ | PROT_WRITE, kind);
      expect(sys(w, NR.munmap, m + P, P)).toBe(0);
      expect(sys(w, NR.mremap, m, P, 2 * P, 0, 0)).toBe(m);
      expect(mappedPages(w, m, 2)).toEqual([true, true]);
    }
  });

  it("MREMAP-06: growing into a hole merges with the VMA after it: one maps entry", () => {
    const w = world();
    const start = mapAnon(w, 3 * P);
    expect(sys(w, NR.munmap, start + P, P)).toBe(0);
    expect(sys(w, NR.mremap, start, P, 2 * P, 0, 0)).toBe(start);
    expect(vmasNear(w, start, 3)).toEqual(["[0,3) rw-p"]);
  });

  it("MREMAP-07: growing the middle page into the freed tail merges with the VMA before it", () => {
    const w = world();
    const start = mapAnon(w, 3 * P);
    expect(sys(w, NR.munmap, start + 2 * P, P)).toBe(0);
    expect(sys(w, NR.mremap, start + P, P, 2 * P, 0, 0)).toBe(start + P);
    expect(vmasNear(w, start, 3)).toEqual(["[0,3) rw-p"]);
  });

  it("MREMAP-08: growing in place over a mapped page is ENOMEM and changes nothing", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const m = mapAnon(w, 3 * P, PROT_READ | PROT_WRITE, kind);
      expect(sys(w, NR.munmap, m + P, P)).toBe(0);
      expect(sys(w, NR.mremap, m, P, 3 * P, 0, 0)).toBe(-ENOMEM);
      expect(mappedPages(w, m, 3)).toEqual([true, false, true]);
    }
  });

  it("MREMAP-09: with MREMAP_MAYMOVE the blocked expansion moves; the old third page stays", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const m = mapAnon(w, 3 * P, PROT_READ | PROT_WRITE, kind);
      expect(sys(w, NR.munmap, m + P, P)).toBe(0);
      const n = sys(w, NR.mremap, m, P, 3 * P, MREMAP_MAYMOVE, 0);
      expect(n).toBeGreaterThan(0);
      expect(n).not.toBe(m);
      expect(mappedPages(w, m, 3)).toEqual([false, false, true]);
      expect(mappedPages(w, n, 3)).toEqual([true, true, true]);
    }
  });

  it("MREMAP-10: the first page of a 2-page shm attachment can't grow in place: ENOMEM", () => {
    const w = world();
    const [, shmaddr] = shmAttach(w, 2 * P, 0, 0);
    expect(shmaddr).toBeGreaterThan(0);
    expect(sys(w, NR.mremap, shmaddr, P, 2 * P, 0, 0)).toBe(-ENOMEM);
    expect(vmasNear(w, shmaddr, 2)).toEqual(["[0,2) rw-s"]);
  });

  it("MREMAP-11: MREMAP_FIXED onto the source itself is EINVAL", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const m = mapAnon(w, P, PROT_READ | PROT_WRITE, kind);
      expect(sys(w, NR.mremap, m, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, m)).toBe(-EINVAL);
      expect(isMapped(w, m)).toBe(true);
    }
  });

  it("MREMAP-12: a shrinking MREMAP_FIXED onto the old address overlaps: EINVAL", () => {
    const w = world();
    const old = mapAnon(w, 2 * P);
    expect(sys(w, NR.mremap, old, 2 * P, P, MREMAP_FIXED | MREMAP_MAYMOVE, old)).toBe(-EINVAL);
    expect(mappedPages(w, old, 2)).toEqual([true, true]);
  });

  it("MREMAP-13: MREMAP_FIXED without MREMAP_MAYMOVE is EINVAL", () => {
    const w = world();
    const old = mapAnon(w, P);
    const free = probeFreeAddr(w, P);
    expect(sys(w, NR.mremap, old, P, P, MREMAP_FIXED, free)).toBe(-EINVAL);
    expect(isMapped(w, old)).toBe(true);
    expect(isMapped(w, free)).toBe(false);
  });

  it("MREMAP-14: a misaligned new_address is EINVAL", () => {
    const w = world();
    const old = mapAnon(w, P);
    const free = probeFreeAddr(w, 2 * P);
    expect(sys(w, NR.mremap, old, P, P, MREMAP_FIXED | MREMAP_MAYMOVE, free + 1)).toBe(-EINVAL);
    expect(isMapped(w, old)).toBe(true);
  });

  it("MREMAP-15: a misaligned old_address is EINVAL", () => {
    const w = world();
    expect(sys(w, NR.mremap, P - 1, P, 2 * P, MREMAP_MAYMOVE, 0)).toBe(-EINVAL);
  });

  // LTP's tst_get_bad_addr() is a 1-byte PROT_NONE mapping, far shorter than old_len; host 6.18 also
  // says EFAULT once that page is unmapped
  it("MREMAP-16: an old range that is not (all) mapped is EFAULT", () => {
    const w = world();
    const bad = sys(w, NR.mmap, 0, 1, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0);
    expect(bad).toBeGreaterThan(0);
    expect(sys(w, NR.mremap, bad, 1000 * P, 2000 * P, MREMAP_MAYMOVE, 0)).toBe(-EFAULT);
    expect(sys(w, NR.munmap, bad, P)).toBe(0);
    expect(sys(w, NR.mremap, bad, 1000 * P, 2000 * P, MREMAP_MAYMOVE, 0)).toBe(-EFAULT);
  });

  it("MREMAP-17: a same-size move to a free address carries the data", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const old = mapAnon(w, P, PROT_READ | PROT_WRITE, kind);
      expect(poke(w, old, Uint8Array.of(0x1))).toBe(0);
      const dst = probeFreeAddr(w, P);
      expect(sys(w, NR.mremap, old, P, P, MREMAP_FIXED | MREMAP_MAYMOVE, dst)).toBe(dst);
      expect(byteAt(w, dst)).toBe(0x1);
      expect(isMapped(w, old)).toBe(false);
      expect(peek(w, old, 1)).toEqual({ signal: SIGSEGV, code: SEGV_MAPERR, addr: old });
    }
  });

  it("MREMAP-18: a move onto a mapped destination replaces it", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const old = mapAnon(w, P, PROT_READ | PROT_WRITE, kind);
      const dst = mapAnon(w, P, PROT_READ | PROT_WRITE, kind);
      expect(poke(w, old, Uint8Array.of(0x1))).toBe(0);
      expect(poke(w, dst, Uint8Array.of(0x2))).toBe(0);
      expect(sys(w, NR.mremap, old, P, P, MREMAP_FIXED | MREMAP_MAYMOVE, dst)).toBe(dst);
      expect(byteAt(w, dst)).toBe(0x1);
      expect(isMapped(w, old)).toBe(false);
    }
  });

  it("MREMAP-19: a shrinking move of a whole VMA maps one page at the destination", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const src = mapAnon(w, 2 * P, PROT_READ | PROT_WRITE, kind);
      const dst = probeFreeAddr(w, 2 * P);
      expect(sys(w, NR.mremap, src, 2 * P, P, MREMAP_FIXED | MREMAP_MAYMOVE, dst)).toBe(dst);
      expect(mappedPages(w, src, 2)).toEqual([false, false]);
      expect(mappedPages(w, dst, 2)).toEqual([true, false]);
    }
  });

  it("MREMAP-20: a shrinking move of part of a VMA leaves the rest of the source", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const src = mapAnon(w, 3 * P, PROT_READ | PROT_WRITE, kind);
      const dst = probeFreeAddr(w, 2 * P);
      expect(sys(w, NR.mremap, src, 2 * P, P, MREMAP_FIXED | MREMAP_MAYMOVE, dst)).toBe(dst);
      expect(mappedPages(w, src, 3)).toEqual([false, false, true]);
      expect(mappedPages(w, dst, 2)).toEqual([true, false]);
    }
  });

  // The row (gVisor's Fixed_ShrinkingAcrossVMAs, written against older kernels) expects partial side
  // effects: the source tail and the destination unmapped before the EFAULT. Host 6.18 checks the
  // source VMA first (check_prep_vma(), 6.17+) and fails with nothing changed; this asserts the host.
  it("MREMAP-21: a shrinking FIXED move whose kept part spans two VMAs is EFAULT (host 6.18: no partial effects)", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const src = mapAnon(w, 3 * P, PROT_READ, kind);
      expect(sys(w, NR.mprotect, src, P, PROT_NONE)).toBe(0);
      const dst = mapAnon(w, 2 * P, PROT_READ, kind);
      expect(sys(w, NR.mremap, src, 3 * P, 2 * P, MREMAP_FIXED | MREMAP_MAYMOVE, dst)).toBe(-EFAULT);
      expect(mappedPages(w, src, 3)).toEqual([true, true, true]);
      expect(mappedPages(w, dst, 2)).toEqual([true, true]);
    }
  });

  it("MREMAP-22: a growing FIXED move maps both destination pages", () => {
    for (const kind of PRIVATE_AND_SHARED) {
      const w = world();
      const src = mapAnon(w, P, PROT_READ | PROT_WRITE, kind);
      const dst = probeFreeAddr(w, 2 * P);
      expect(sys(w, NR.mremap, src, P, 2 * P, MREMAP_FIXED | MREMAP_MAYMOVE, dst)).toBe(dst);
      expect(isMapped(w, src)).toBe(false);
      expect(mappedPages(w, dst, 2)).toEqual([true, true]);
    }
  });

  it("MREMAP-23: old_size 0 of a shared mapping without MREMAP_MAYMOVE is ENOMEM", () => {
    const w = world();
    const m = mapAnon(w, P, PROT_READ | PROT_WRITE, MAP_SHARED);
    expect(sys(w, NR.mremap, m, 0, P, 0, 0)).toBe(-ENOMEM);
    expect(vmasNear(w, m, 1)).toEqual(["[0,1) rw-s"]);
  });

  // host 6.18: the duplicate shares the shmem page (a byte written before reads back through it)
  it("MREMAP-24: old_size 0 with MREMAP_MAYMOVE duplicates a shared mapping", () => {
    const w = world();
    const m = mapAnon(w, P, PROT_READ | PROT_WRITE, MAP_SHARED);
    expect(poke(w, m, Uint8Array.of(CH_A))).toBe(0);
    const n = sys(w, NR.mremap, m, 0, P, MREMAP_MAYMOVE, 0);
    expect(n).toBeGreaterThan(0);
    expect(n).not.toBe(m);
    expect(isMapped(w, m)).toBe(true);
    expect(isMapped(w, n)).toBe(true);
    expect(byteAt(w, n)).toBe(CH_A);
    expect(vmasNear(w, n, 1)).toEqual(["[0,1) rw-s"]);
  });

  it("MREMAP-25: old_size 0 with MREMAP_FIXED duplicates a shared mapping over a private one", () => {
    const w = world();
    const src = mapAnon(w, P, PROT_READ | PROT_WRITE, MAP_SHARED);
    const dst = mapAnon(w, P, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    expect(poke(w, src, Uint8Array.of(CH_B))).toBe(0);
    expect(sys(w, NR.mremap, src, 0, P, MREMAP_FIXED | MREMAP_MAYMOVE, dst)).toBe(dst);
    expect(isMapped(w, src)).toBe(true);
    expect(isMapped(w, dst)).toBe(true);
    expect(byteAt(w, dst)).toBe(CH_B);
    expect(vmasNear(w, dst, 1)).toEqual(["[0,1) rw-s"]);
  });

  // host 6.18: -1 EINVAL
  it("MREMAP-26: old_size 0 of a private mapping is EINVAL", () => {
    const w = world();
    const m = mapAnon(w, P);
    expect(sys(w, NR.mremap, m, 0, P, MREMAP_MAYMOVE, 0)).toBe(-EINVAL);
    expect(vmasNear(w, m, 1)).toEqual(["[0,1) rw-p"]);
  });

  it("MREMAP-27: a growing move keeps the COW page and exposes the file's next page", () => {
    const w = world();
    const content = new Uint8Array(3 * P);
    content.fill(CH_A, 0, P).fill(CH_B, P, 2 * P).fill(CH_C, 2 * P);
    const fd = openFile(w, "/abc", 3 * P, O_RDWR, content);
    const src = sys(w, NR.mmap, 0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    expect(src).toBeGreaterThan(0);
    fill(w, src + P, CH_D, P);
    const dst = probeFreeAddr(w, 3 * P);
    expect(sys(w, NR.mremap, src, 2 * P, 3 * P, MREMAP_FIXED | MREMAP_MAYMOVE, dst)).toBe(dst);
    expect(allBytes(w, dst, P, CH_A)).toBe(true);
    expect(allBytes(w, dst + P, P, CH_D)).toBe(true);
    expect(allBytes(w, dst + 2 * P, P, CH_C)).toBe(true);
    expect(fileBytes(w, "/abc", P, 1)).toEqual(Uint8Array.of(CH_B));
  });

  // host 6.18: 'a', 'b', then SIGBUS at the third page; maps shows the moved VMA alone in the reservation
  it("MREMAP-28: shrinking shared anon keeps its data; growing past the object's size is SIGBUS", () => {
    const w = world();
    const res = mapAnon(w, 4 * P, PROT_NONE);
    const m = mapAnon(w, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, res);
    expect(m).toBe(res);
    expect(poke(w, m, Uint8Array.of(CH_A))).toBe(0);
    expect(poke(w, m + P, Uint8Array.of(CH_B))).toBe(0);
    expect(sys(w, NR.mremap, m, 2 * P, P, 0, m)).toBe(m);
    expect(sys(w, NR.mremap, m, P, 3 * P, MREMAP_FIXED | MREMAP_MAYMOVE, m + P)).toBe(m + P);
    expect(byteAt(w, m + P)).toBe(CH_A);
    expect(byteAt(w, m + 2 * P)).toBe(CH_B);
    expect(readSignal(w, m + 3 * P)).toBe(SIGBUS);
    expect(vmasNear(w, res, 4)).toEqual(["[1,4) rw-s"]);
  });

  it("MREMAP-29: a shared file mapping moved to twice its size takes writes over all of it; msync is 0", () => {
    const w = world(8192);
    const fd = openFile(w, "/mremap01", 1000 * P + 1);
    const addr = sys(w, NR.mmap, 0, 1000 * P, PROT_WRITE, MAP_SHARED, fd, 0);
    expect(addr).toBeGreaterThan(0);
    expect(sys(w, NR.ftruncate, fd, 2000 * P + 1)).toBe(0);
    const n = sys(w, NR.mremap, addr, 1000 * P, 2000 * P, MREMAP_MAYMOVE, 0);
    expect(n).toBeGreaterThan(0);
    const data = pattern(2000 * P, 29);
    expect(poke(w, n, data)).toBe(0);
    expect(sys(w, NR.msync, n, 2000 * P, MS_SYNC)).toBe(0);
    expect(sameBytes(fileBytes(w, "/mremap01", 0, 2000 * P), data)).toBe(true);
  });

  it("MREMAP-30: moving a page out and back keeps each page's file offset (vm_pgoff merge regression)", () => {
    const NUM_PAGES = 3;
    const mmapSize = (NUM_PAGES + 1) * P;
    const mremapSize = NUM_PAGES * P;
    for (const incompatible of [0, 3, 1]) {
      const w = world();
      const content = new Uint8Array(mmapSize);
      for (let i = 0; i <= NUM_PAGES; i++) content[i * P] = 0x30 + i;
      const fd = openFile(w, "/mremap06", mmapSize, O_RDWR, content);
      const buf = sys(w, NR.mmap, 0, mmapSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      expect(buf).toBeGreaterThan(0);
      expect(sys(w, NR.mremap, buf + P, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, buf + mremapSize)).toBe(buf + mremapSize);
      if (incompatible !== 0) expect(sys(w, NR.mprotect, buf + (incompatible - 1) * P, P, PROT_READ)).toBe(0);
      expect(sys(w, NR.mremap, buf + mremapSize, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, buf + P)).toBe(buf + P);
      for (let i = 0; i < NUM_PAGES; i++) expect(byteAt(w, buf + i * P), `case ${incompatible}, page ${i}`).toBe(0x30 + i);
    }
  });

  it("MREMAP-31: a move within one range does not corrupt the untouched half of the source block", () => {
    const w = world(8192);
    const size = 20 * MiB;
    const ptr = mapAnon(w, size);
    fill(w, ptr, 0, size);
    const src = Math.floor((ptr + 6 * MiB) / (2 * MiB)) * (2 * MiB);
    const block = pattern(2 * MiB, 31);
    expect(poke(w, src, block)).toBe(0);
    const dest = src - 2 * MiB;
    expect(sys(w, NR.mremap, src + MiB, MiB, MiB, MREMAP_MAYMOVE | MREMAP_FIXED, dest + MiB)).toBe(dest + MiB);
    expect(holds(w, src, block.subarray(0, MiB))).toBe(true);
    expect(holds(w, dest + MiB, block.subarray(MiB))).toBe(true);
    expect(isMapped(w, src + MiB)).toBe(false);
  });

  /** mremap_test.c's get_source_mapping(): the first MAP_FIXED_NOREPLACE shared mapping at an address aligned to `align` but not to 2·align. */
  function sourceMapping(w: World, align: number, size: number): number {
    for (let addr = align; ; addr += align) {
      if (addr < DEFAULT_MMAP_MIN_ADDR) continue;
      const got = sys(w, NR.mmap, addr, size, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE | MAP_ANONYMOUS | MAP_SHARED, -1, 0);
      if (got === -EPERM || got === -EEXIST) continue;
      expect(got).toBeGreaterThan(0);
      if (got % align === 0 && Math.floor(got / align) % 2 === 1) return got;
      expect(sys(w, NR.munmap, got, size)).toBe(0);
    }
  }

  /** mremap_test.c's remap_region() destination: past the source, aligned to `align` and not 2·align, and free. */
  function destination(w: World, src: number, size: number, align: number): number {
    let addr = Math.floor((src + size + align) / align) * align;
    if (Math.floor(addr / align) % 2 === 0) addr += align;
    for (;;) {
      const got = sys(w, NR.mmap, addr, size, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE | MAP_ANONYMOUS | MAP_SHARED, -1, 0);
      if (got === addr) {
        expect(sys(w, NR.munmap, addr, size)).toBe(0);
        return addr;
      }
      expect(got).toBe(-EEXIST);
      addr += align;
    }
  }

  it("MREMAP-32: moves between PTE/1 MB/PMD/PUD alignments, 8 KB to 2 GB, keep the byte pattern", () => {
    // test_cases[3..12] of mremap_test.c; as there, only the first 4 MB (its default threshold) is
    // patterned and checked
    const THRESHOLD = 4 * MiB;
    const cases: ReadonlyArray<readonly [number, number, number]> = [
      [P, P, 2 * P],
      [MiB, P, 2 * MiB],
      [MiB, MiB, 2 * MiB],
      [PMD_SIZE, P, 4 * MiB],
      [PMD_SIZE, MiB, 4 * MiB],
      [PMD_SIZE, PMD_SIZE, 4 * MiB],
      [PUD_SIZE, P, 2 * GiB],
      [PUD_SIZE, MiB, 2 * GiB],
      [PUD_SIZE, PMD_SIZE, 2 * GiB],
      [PUD_SIZE, PUD_SIZE, 2 * GiB],
    ];
    const w = world(8192);
    for (const [srcAlign, destAlign, size] of cases) {
      const label = `src ${srcAlign.toString(16)} dest ${destAlign.toString(16)} size ${size.toString(16)}`;
      const src = sourceMapping(w, srcAlign, size);
      const bytes = pattern(Math.min(THRESHOLD, size), size / P);
      expect(poke(w, src, bytes)).toBe(0);
      const dest = destination(w, src, size, destAlign);
      expect(sys(w, NR.mremap, src, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, dest), label).toBe(dest);
      expect(holds(w, dest, bytes), label).toBe(true);
      expect(isMapped(w, src), label).toBe(false);
      expect(sys(w, NR.munmap, dest, size)).toBe(0);
    }
  });

  /** mremap_move_multiple_vmas' layout check: pages 0, 2, 4–6, 8, 10 hold the pattern pieces. */
  function multiVmaOk(w: World, base: number, pieces: Uint8Array): boolean {
    let off = 0;
    for (const i of [0, 2, 4, 6, 8, 10]) {
      const len = i === 4 ? 2 * P : P;
      if (!holds(w, base + i * P, pieces.subarray(off, off + len))) return false;
      off += len;
    }
    return true;
  }

  it("MREMAP-33: FIXED same-size moves of a range of several VMAs keep patterns and gaps", () => {
    for (const dontUnmap of [false, true]) {
      const w = world();
      const flags = MREMAP_FIXED | MREMAP_MAYMOVE | (dontUnmap ? MREMAP_DONTUNMAP : 0);
      const size = 11 * P;
      const ptr = mapAnon(w, size);
      const tgt = probeFreeAddr(w, 2 * size);
      // 0   2   4 5 6   8   10
      // |*| |*| |*****| |*| |*|   (the selftest unmaps pages 1, 3, 7 and 9)
      for (const i of [1, 3, 7, 9]) expect(sys(w, NR.munmap, ptr + i * P, P)).toBe(0);
      const pieces = pattern(7 * P, 33);
      let off = 0;
      for (const i of [0, 2, 4, 6, 8, 10]) {
        const len = i === 4 ? 2 * P : P;
        expect(poke(w, ptr + i * P, pieces.subarray(off, off + len))).toBe(0);
        off += len;
      }
      expect(sys(w, NR.mremap, ptr, size, size, flags, tgt)).toBe(tgt);
      expect(multiVmaOk(w, tgt, pieces)).toBe(true);
      expect(mappedPages(w, tgt, 11)).toEqual([true, false, true, false, true, true, true, false, true, false, true]);
      expect(sys(w, NR.mremap, tgt, size, size, flags, tgt + size)).toBe(tgt + size);
      expect(multiVmaOk(w, tgt + size, pieces)).toBe(true);
      expect(mapAnon(w, size, PROT_NONE, MAP_PRIVATE | MAP_FIXED, tgt)).toBe(tgt);
      expect(sys(w, NR.mremap, tgt + size, size, size, flags, tgt)).toBe(tgt);
      expect(multiVmaOk(w, tgt, pieces)).toBe(true);
    }
  });

  it("MREMAP-34: shrinking a range of several VMAs to one page, in place or FIXED", () => {
    for (const inplace of [true, false]) {
      const w = world();
      const size = 10 * P;
      const ptr = mapAnon(w, size);
      const tgt = probeFreeAddr(w, size);
      for (let i = 1; i < 10; i += 2) expect(sys(w, NR.munmap, ptr + i * P, P)).toBe(0);
      expect(poke(w, ptr, Uint8Array.of(CH_A))).toBe(0);
      const r = inplace ? sys(w, NR.mremap, ptr, size, P, 0, 0) : sys(w, NR.mremap, ptr, size, P, MREMAP_MAYMOVE | MREMAP_FIXED, tgt);
      const at = inplace ? ptr : tgt;
      expect(r).toBe(at);
      expect(mappedPages(w, ptr, 10)).toEqual(Array.from({ length: 10 }, (_, i) => inplace && i === 0));
      expect(mappedPages(w, tgt, 10)).toEqual(Array.from({ length: 10 }, (_, i) => !inplace && i === 0));
      expect(byteAt(w, at)).toBe(CH_A);
    }
  });

  it("MREMAP-35: a FIXED move of part of a range with a hole splits the VMAs at its ends", () => {
    for (const dontUnmap of [false, true]) {
      const w = world();
      const flags = MREMAP_FIXED | MREMAP_MAYMOVE | (dontUnmap ? MREMAP_DONTUNMAP : 0);
      const size = 10 * P;
      const ptr = mapAnon(w, size);
      const tgt = probeFreeAddr(w, size);
      expect(sys(w, NR.munmap, ptr + 5 * P, P)).toBe(0);
      const pages = pattern(size, 35);
      for (let i = 0; i < 10; i++) if (i !== 5) expect(poke(w, ptr + i * P, pages.subarray(i * P, (i + 1) * P))).toBe(0);
      expect(sys(w, NR.mremap, ptr + 2 * P, size - 3 * P, size - 3 * P, flags, tgt)).toBe(tgt);
      for (let i = 0; i < 7; i++) {
        if (i === 3) continue;
        // tgt pages 0–2 are old pages 2–4, tgt pages 4–6 old pages 6–8
        expect(holds(w, tgt + i * P, pages.subarray((i + 2) * P, (i + 3) * P)), `tgt page ${i}`).toBe(true);
      }
      expect(mappedPages(w, tgt, 7)).toEqual([true, true, true, false, true, true, true]);
      expect(holds(w, ptr, pages.subarray(0, 2 * P))).toBe(true);
    }
  });

  // host 6.18: dest reads 'a'; the source stays mapped (rw-p) and reads 0
  it("MREMAP-36: MREMAP_DONTUNMAP moves private pages and leaves the source mapped and empty", () => {
    const w = world();
    const src = mapAnon(w, 5 * P);
    fill(w, src, CH_A, 5 * P);
    const dest = sys(w, NR.mremap, src, 5 * P, 5 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0);
    expect(dest).toBeGreaterThan(0);
    expect(dest).not.toBe(src);
    expect(allBytes(w, dest, 5 * P, CH_A)).toBe(true);
    expect(vmasNear(w, src, 5)).toEqual(["[0,5) rw-p"]);
    expect(allBytes(w, src, 5 * P, 0)).toBe(true);
  });

  // memfd_create is not modelled; a MAP_SHARED anonymous mapping is the same shmem object (host
  // 6.18 gives 'a' on both sides for a memfd and for shared anonymous memory alike)
  it("MREMAP-37: MREMAP_DONTUNMAP of shmem leaves the source reading the same data", () => {
    const w = world();
    const src = mapAnon(w, 5 * P, PROT_READ | PROT_WRITE, MAP_SHARED);
    fill(w, src, CH_A, 5 * P);
    const dest = sys(w, NR.mremap, src, 5 * P, 5 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0);
    expect(dest).toBeGreaterThan(0);
    expect(allBytes(w, dest, 5 * P, CH_A)).toBe(true);
    expect(allBytes(w, src, 5 * P, CH_A)).toBe(true);
  });

  it("MREMAP-38: MREMAP_DONTUNMAP with MREMAP_FIXED replaces the destination", () => {
    const w = world();
    const dest = mapAnon(w, 5 * P);
    fill(w, dest, CH_X, 5 * P);
    const src = mapAnon(w, 5 * P);
    fill(w, src, CH_A, 5 * P);
    expect(sys(w, NR.mremap, src, 5 * P, 5 * P, MREMAP_FIXED | MREMAP_DONTUNMAP | MREMAP_MAYMOVE, dest)).toBe(dest);
    expect(allBytes(w, dest, 5 * P, CH_A)).toBe(true);
    expect(allBytes(w, src, 5 * P, 0)).toBe(true);
  });

  it("MREMAP-39: MREMAP_DONTUNMAP of the second half empties only that half", () => {
    const w = world();
    const src = mapAnon(w, 10 * P);
    fill(w, src, CH_A, 10 * P);
    const dest = sys(w, NR.mremap, src + 5 * P, 5 * P, 5 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0);
    expect(dest).toBeGreaterThan(0);
    expect(allBytes(w, src, 5 * P, CH_A)).toBe(true);
    expect(allBytes(w, src + 5 * P, 5 * P, 0)).toBe(true);
    expect(allBytes(w, dest, 5 * P, CH_A)).toBe(true);
  });

  it("MREMAP-40: MREMAP_DONTUNMAP|MREMAP_FIXED over the first half of a larger destination", () => {
    const w = world();
    const src = mapAnon(w, 5 * P);
    fill(w, src, CH_A, 5 * P);
    const dest = mapAnon(w, 10 * P);
    fill(w, dest, CH_X, 10 * P);
    expect(sys(w, NR.mremap, src, 5 * P, 5 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE | MREMAP_FIXED, dest)).toBe(dest);
    expect(allBytes(w, dest, 5 * P, CH_A)).toBe(true);
    expect(allBytes(w, dest + 5 * P, 5 * P, CH_X)).toBe(true);
    expect(allBytes(w, src, 5 * P, 0)).toBe(true);
  });

  // host 6.18: EINVAL for each
  it("MREMAP-41: MREMAP_DONTUNMAP without MAYMOVE or with a resize, and unknown flags, are EINVAL", () => {
    const w = world();
    const m = mapAnon(w, 2 * P);
    const UNKNOWN_MREMAP_FLAG = 8;
    expect(sys(w, NR.mremap, m, P, P, MREMAP_DONTUNMAP, 0)).toBe(-EINVAL);
    expect(sys(w, NR.mremap, m, P, 2 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0)).toBe(-EINVAL);
    expect(sys(w, NR.mremap, m, P, P, UNKNOWN_MREMAP_FLAG, 0)).toBe(-EINVAL);
    expect(vmasNear(w, m, 2)).toEqual(["[0,2) rw-p"]);
  });

  it.skip("MREMAP-42: mremap of an mmap2 mapping whose pgoff would wrap — not modelled: 32-bit only (mmap2 with a 32-bit pgoff; the simulator is x86-64)", () => {});
});

describe("§6 brk", () => {
  // host 6.18 (raw SYS_brk from an aligned start): every call returns exactly what it asked for,
  // and the byte at each new, unaligned break can be written
  it("BRK-01: raw brk returns exactly the requested break, unaligned ones included", () => {
    const w = world();
    const start = curBrk(w);
    const inc = 2 * P - 1;
    let cur = start;
    for (let i = 0; i < 33; i++) {
      const want = i % 3 === 0 ? cur + inc : i % 3 === 1 ? cur : cur - inc;
      const got = sys(w, NR.brk, want);
      expect(got, `iteration ${i}`).toBe(want);
      cur = got;
      if (i % 3 !== 0) continue;
      expect(writeSignal(w, cur), `iteration ${i}`).toBe(0);
      expect(vmasNear(w, start, 2)).toEqual(["[0,2) rw-p [heap]"]);
    }
    expect(cur).toBe(start);
    expect(vmasNear(w, start, 2)).toEqual([]);
  });

  // host 6.18 printed these layouts (the mprotect splits the heap; the final shrink removes all three)
  it("BRK-02: shrinking to the start unmaps every heap VMA, the mprotected one too", () => {
    const w = world();
    const b0 = curBrk(w);
    expect(sys(w, NR.brk, b0 + P)).toBeGreaterThanOrEqual(b0 + P);
    expect(sys(w, NR.brk, b0 + 2 * P)).toBeGreaterThanOrEqual(b0 + 2 * P);
    expect(sys(w, NR.mprotect, b0 + P, P, PROT_READ)).toBe(0);
    expect(vmasNear(w, b0, 3)).toEqual(["[0,1) rw-p [heap]", "[1,2) r--p [heap]"]);
    expect(sys(w, NR.brk, b0 + 3 * P)).toBeGreaterThanOrEqual(b0 + 3 * P);
    expect(vmasNear(w, b0, 3)).toEqual(["[0,1) rw-p [heap]", "[1,2) r--p [heap]", "[2,3) rw-p [heap]"]);
    expect(sys(w, NR.brk, b0)).toBe(b0);
    expect(vmasNear(w, b0, 3)).toEqual([]);
    expect(curBrk(w)).toBe(b0);
  });

  it("BRK-03: a raw brk((void *)-1) that fails returns the current break, never -1", () => {
    const w = world();
    expect(sys(w, NR.brk, HEAP_START + P)).toBe(HEAP_START + P);
    const old = curBrk(w);
    expect(sys(w, NR.brk, SIZE_MAX)).toBe(old);
    expect(curBrk(w)).toBe(old);
    expect(vmasNear(w, HEAP_START, 1)).toEqual(["[0,1) rw-p [heap]"]);
  });

  it("BRK-04: with RLIMIT_DATA {0, INF} (through setrlimit, prlimit(0) and prlimit(gettid())) brk can't grow", () => {
    for (const how of ["setrlimit", "prlimit0", "prlimitTid"] as const) {
      const w = world();
      const limit = { rlim_cur: 0, rlim_max: RLIM_INFINITY };
      const r =
        how === "setrlimit"
          ? sys(w, NR.setrlimit, RLIMIT_DATA, limit)
          : sys(w, NR.prlimit64, how === "prlimit0" ? 0 : TID, RLIMIT_DATA, limit, null);
      expect(r, how).toBe(0);
      const b0 = curBrk(w);
      // the raw call returns the unchanged break (glibc's brk turns that into ENOMEM)
      expect(sys(w, NR.brk, b0 + 8192), how).toBe(b0);
      expect(curBrk(w)).toBe(b0);
    }
  });

  // RLIMIT_DATA is unlimited in the simulator (it has no data limit at all): the row's setting
  it("BRK-05: with RLIMIT_DATA unlimited, brk(sbrk(0) + 1) succeeds", () => {
    const w = world();
    const cur = curBrk(w);
    // glibc's brk() returns 0 when the raw call returns at least the request
    expect(sys(w, NR.brk, cur + 1)).toBe(cur + 1);
    expect(vmasNear(w, cur, 1)).toEqual(["[0,1) rw-p [heap]"]);
  });

  // LTP shmt09 in full; host 6.18 gave the same breaks (start+16384, +12287, +45055, +29055), EINVAL for
  // the unaligned attach, the SHM_RND attach at start+32768, and ENOMEM for the last sbrk
  it("BRK-06: brk can't grow into a shm segment attached right above the break", () => {
    const w = world();
    const start = curBrk(w);
    expect(sbrk(w, 16384)).toBe(start);
    expect(sbrk(w, -4097)).toBe(start + 16384);
    const [shmid, c1] = shmAttach(w, 10 * KiB, 0, 0);
    expect(c1).toBeGreaterThan(0);
    expect(sbrk(w, 32 * KiB)).toBe(start + 12287);
    expect(sys(w, NR.shmat, shmid, curBrk(w) - 2 * KiB, 0)).toBe(-EINVAL);
    expect(sbrk(w, -16000)).toBe(start + 45055);
    const vp = Math.ceil((curBrk(w) + 1) / SHMLBA) * SHMLBA;
    expect(vp).toBe(pageAlign(start + 29055));
    expect(sys(w, NR.shmat, shmid, vp, SHM_RND)).toBe(vp);
    const before = curBrk(w);
    expect(sbrk(w, SHMLBA)).toBe(-ENOMEM);
    expect(curBrk(w)).toBe(before);
    expect(vmasNear(w, start, 9)).toEqual(["[0,8) rw-p [heap]", "[8,11) rw-s"]);
  });

  // The row leaves out shmt09's sbrk(32768) between: with it the break really moves (host 6.18:
  // start+29055). Literally, from a fresh heap, sbrk(-16000) asks for a break below start_brk: the raw
  // call returns the old break, which glibc's sbrk takes for success (host 6.18: "succeeds", break
  // still start+12287). Both are asserted.
  it("BRK-07: negative increments shrink the heap", () => {
    const w = world();
    const start = curBrk(w);
    expect(sbrk(w, 16384)).toBe(start);
    expect(sbrk(w, -4097)).toBe(start + 16384);
    expect(sbrk(w, 32 * KiB)).toBe(start + 12287);
    expect(sbrk(w, -16000)).toBe(start + 45055);
    expect(curBrk(w)).toBe(start + 29055);
    expect(vmasNear(w, start, 12)).toEqual(["[0,8) rw-p [heap]"]);

    const lit = world();
    const s = curBrk(lit);
    expect(sbrk(lit, 16384)).toBe(s);
    expect(sbrk(lit, -4097)).toBe(s + 16384);
    expect(sys(lit, NR.brk, s + 12287 - 16000)).toBe(s + 12287);
    expect(curBrk(lit)).toBe(s + 12287);
  });
});
