/**
 * The rows of /work/shared/reference/conformance-cases.md §7 (VMA merge and split), §8 (/proc
 * formatting) and §10 (madvise, msync, mincore) as named tests, one per row in table order, each
 * made through the syscall layer of a kernel over the MMU backend and checked by the /proc text,
 * the bytes user memory reads and the faults the uaccess helpers report. Rows we can't express are
 * `it.skip` with the reason. Where a row left room, the host (Linux 6.18, `setarch -R`) was asked
 * with a small C program and its answer is what the test asserts (noted at the row).
 */
import { describe, expect, it } from "vitest";
import { AddressSpace } from "@mmsim/anon-vma-rmap";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import {
  DEFAULT_MMAP_BASE,
  EBADF,
  EBUSY,
  EINVAL,
  EIO,
  ENOMEM,
  IPC_CREAT,
  IPC_PRIVATE,
  IPC_STAT,
  MADV_DONTFORK,
  MADV_DONTNEED,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_LOCKED,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  MS_ASYNC,
  MS_INVALIDATE,
  MS_SYNC,
  NR,
  PR_SET_VMA,
  PR_SET_VMA_ANON_NAME,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  SEEK_CUR,
  SEEK_DATA,
  SEEK_END,
  SEEK_SET,
  PAGE_SIZE as P,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  SEGV_MAPERR,
  SHM_REMAP,
  SIGSEGV,
  S_IFREG,
} from "@mmsim/mm-types";
import type { AccessFault, ExecArea, MmapFileOps } from "@mmsim/mm-types";
import { MmuBackend, vmaModifyFlags } from "@mmsim/mmu";
import { Kernel, blockdevFileDriver, installSysvShm } from "../src/index.js";
import type { InodeDriver, SyscallArg } from "../src/index.js";

const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const SHARED_ANON = MAP_SHARED | MAP_ANONYMOUS;
const RW = PROT_READ | PROT_WRITE;
const RWX = PROT_READ | PROT_WRITE | PROT_EXEC;
/** merge.c's PROT_NONE reservation that every case maps over with MAP_FIXED, in pages. */
const CARVEOUT_PAGES = 30;
/** merge.c moves a VMA "further away" by this many pages (and 2000 for a second one). */
const FAR = 1000 * P;
/** The gate area of x86-64. Linux: VSYSCALL_ADDR (arch/x86/include/uapi/asm/vsyscall.h). */
const VSYSCALL_ADDR = 0xffffffffff600000;
/** `(unsigned long)-1` as a syscall argument (the kernel reads -n as 2^64 - n): RLIM_INFINITY, SIZE_MAX. */
const ULONG_MAX_ARG = -1;
/** `SIZE_MAX - P/2` as a syscall argument. */
const SIZE_MAX_MINUS_HALF_PAGE = -(P / 2) - 1;
/** The column /proc/<pid>/maps pads a line to before the name (64-bit). Linux: show_vma_header_prefix() + seq_pad(). */
const MAPS_NAME_COLUMN_64 = 73;

// ---- the world --------------------------------------------------------------------------------

interface World {
  readonly kernel: Kernel;
  readonly mmu: MmuBackend;
  /** The first process. */
  readonly tid: number;
}

/** A 16 MiB machine: buddy allocator, MMU backend, kernel with SysV SHM, and one process. */
function world(): World {
  const buddy = new BuddyAllocator({ pages: 4096 });
  const mmu = new MmuBackend({ pages: buddy, physMem: buddy.physMem });
  const kernel = new Kernel({ backend: mmu, pages: buddy, physMem: buddy.physMem, addressSpace: () => new AddressSpace() });
  installSysvShm(kernel);
  const t = kernel.createProcess({ pid: 100 });
  if (typeof t === "number") throw new Error(`createProcess: ${t}`);
  return { kernel, mmu, tid: t.tid };
}

/** A syscall that must not block; the kernel's and the backend's invariants are checked after it. */
function sys(kernel: Kernel, tid: number, nr: number, ...args: SyscallArg[]): number {
  const r = kernel.syscall(tid, nr, ...args);
  kernel.assertValid();
  if (typeof r !== "number") throw new Error(`syscall ${nr} blocked`);
  return r;
}

/** An mmap that must succeed. */
function mmap(kernel: Kernel, tid: number, addr: number, len: number, prot: number, flags: number, fd = -1, off = 0): number {
  const r = sys(kernel, tid, NR.mmap, addr, len, prot, flags, fd, off);
  if (r < 0) throw new Error(`mmap(${addr.toString(16)}, ${len}) = ${r}`);
  return r;
}

function mmOf(kernel: Kernel, tid: number): number {
  const t = kernel.task(tid);
  if (t === null) throw new Error(`no task ${tid}`);
  return t.mm.mmId;
}

/** Bytes read through user memory (copy_from_user), or the fault reported. */
function peek(kernel: Kernel, tid: number, addr: number, len: number): Uint8Array | AccessFault {
  const buf = new Uint8Array(len);
  const r = kernel.backend.readUser(mmOf(kernel, tid), addr, buf);
  kernel.assertValid();
  return r === 0 ? buf : r;
}

/** Writes `len` bytes of `value` through user memory (copy_to_user); the caller expects no fault. */
function fill(kernel: Kernel, tid: number, addr: number, len: number, value: number): void {
  const r = kernel.backend.writeUser(mmOf(kernel, tid), addr, new Uint8Array(len).fill(value));
  kernel.assertValid();
  expect(r).toBe(0);
}

/** `ptr[off] = 'x'`: faults a page in for writing. */
function touch(kernel: Kernel, tid: number, addr: number): void {
  fill(kernel, tid, addr, 1, 0x78);
}

/** Every byte of [addr, addr+len) reads `value`. */
function expectBytes(kernel: Kernel, tid: number, addr: number, len: number, value: number): void {
  const got = peek(kernel, tid, addr, len);
  if (!(got instanceof Uint8Array)) throw new Error(`reading ${addr.toString(16)} faulted: ${JSON.stringify(got)}`);
  // the first wrong byte (a deep toEqual of pages is slow)
  const bad = got.findIndex((b) => b !== value);
  expect(bad === -1 ? null : `byte ${bad} is ${got[bad]}`).toBeNull();
}

function mapsText(kernel: Kernel, tid: number): string {
  const text = kernel.readProc(`/proc/${tid}/maps`);
  if (typeof text === "number") throw new Error(`maps: ${text}`);
  return text;
}

function mapsLines(kernel: Kernel, tid: number): string[] {
  return mapsText(kernel, tid)
    .split("\n")
    .filter((l) => l !== "");
}

/** The [start, end) of a maps line. */
function rangeOf(line: string): [number, number] {
  const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
  if (m === null) throw new Error(`not a maps line: ${line}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
}

/**
 * The maps lines meeting [base, base + pages·P) drawn as "start-end perms" in pages from `base`:
 * the address space around a test, as merge.c's diagrams draw it.
 */
function layout(kernel: Kernel, tid: number, base: number, pages = CARVEOUT_PAGES): string[] {
  return mapsLines(kernel, tid)
    .filter((l) => {
      const [s, e] = rangeOf(l);
      return e > base && s < base + pages * P;
    })
    .map((l) => {
      const [s, e] = rangeOf(l);
      return `${(s - base) / P}-${(e - base) / P} ${l.split(" ")[1]}`;
    });
}

/** The VMA holding `addr` as [start, end) in pages from `base` (what PROCMAP_QUERY answers), or null. */
function vmaAt(kernel: Kernel, tid: number, base: number, addr: number): string | null {
  for (const l of mapsLines(kernel, tid)) {
    const [s, e] = rangeOf(l);
    if (s <= addr && addr < e) return `${(s - base) / P}-${(e - base) / P}`;
  }
  return null;
}

/** The maps line that starts at `addr`. */
function lineAt(kernel: Kernel, tid: number, addr: number): string | undefined {
  return mapsLines(kernel, tid).find((l) => rangeOf(l)[0] === addr);
}

/** %08lx. */
function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** merge.c's fixture: a 30-page PROT_NONE reservation. */
function carveout(kernel: Kernel, tid: number): number {
  return mmap(kernel, tid, 0, CARVEOUT_PAGES * P, PROT_NONE, ANON);
}

/** merge.c's `sys_mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to)`; must land at `to`. */
function moveTo(kernel: Kernel, tid: number, from: number, len: number, to: number, extra = 0): number {
  const r = sys(kernel, tid, NR.mremap, from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED | extra, to);
  expect(r).toBe(to);
  return r;
}

/** fork(): the child's tid. */
function fork(kernel: Kernel, tid: number): number {
  const child = sys(kernel, tid, NR.fork);
  expect(child).toBeGreaterThan(0);
  return child;
}

/** A regular file of `len` bytes of `value`, written through write(2); returns an fd opened `flags`. */
function fileOf(kernel: Kernel, tid: number, path: string, len: number, value: number, flags = O_RDWR, driver?: InodeDriver): number {
  if (driver !== undefined) expect(kernel.vfs.mknod(path, { mode: S_IFREG | 0o644, driver })).not.toBeTypeOf("number");
  const wfd = sys(kernel, tid, NR.open, path, O_RDWR | O_CREAT, 0o644);
  expect(wfd).toBeGreaterThanOrEqual(0);
  const buf = mmap(kernel, tid, 0, len, RW, ANON);
  fill(kernel, tid, buf, len, value);
  expect(sys(kernel, tid, NR.write, wfd, buf, len)).toBe(len);
  expect(sys(kernel, tid, NR.munmap, buf, len)).toBe(0);
  if (flags === O_RDWR) return wfd;
  expect(sys(kernel, tid, NR.close, wfd)).toBe(0);
  const fd = sys(kernel, tid, NR.open, path, flags, 0);
  expect(fd).toBeGreaterThanOrEqual(0);
  return fd;
}

/** The smaps entry of the VMA starting at `addr`: its fields (kB values as numbers) and VmFlags. */
function smapsEntry(kernel: Kernel, tid: number, addr: number): { header: string; kb: Record<string, number>; vmFlags: string[] } {
  const text = kernel.readProc(`/proc/${tid}/smaps`);
  if (typeof text === "number") throw new Error(`smaps: ${text}`);
  const lines = text.split("\n");
  const at = lines.findIndex((l) => /^[0-9a-f]+-[0-9a-f]+ /.test(l) && rangeOf(l)[0] === addr);
  expect(at).toBeGreaterThanOrEqual(0);
  const kb: Record<string, number> = {};
  let vmFlags: string[] = [];
  for (let i = at + 1; i < lines.length && !/^[0-9a-f]+-[0-9a-f]+ /.test(lines[i]!); i++) {
    const l = lines[i]!;
    const m = /^(\w+):\s+(\d+) kB$/.exec(l);
    if (m !== null) kb[m[1]!] = Number(m[2]);
    if (l.startsWith("VmFlags:")) vmFlags = l.slice("VmFlags:".length).trim().split(" ");
  }
  return { header: lines[at]!, kb, vmFlags };
}

/** A process made by execve of a one-page program: text, heap start and [stack], as Linux gives them. */
function execProcess(w: World): void {
  expect(w.kernel.vfs.mknod("/bin/prog", { mode: S_IFREG | 0o755, driver: blockdevFileDriver, size: P })).not.toBeTypeOf("number");
  expect(sys(w.kernel, w.tid, NR.execve, "/bin/prog")).toBe(0);
}

// ---- §7 VMA merge and split --------------------------------------------------------------------

describe("§7 VMA merge and split", () => {
  it("VMA-01: a VMA inherited by fork and written doesn't merge with a new adjacent one in the child", () => {
    const { kernel, tid } = world();
    const t = mmap(kernel, tid, 0, 3 * P, PROT_WRITE, ANON);
    fill(kernel, tid, t, P, 1);
    const child = fork(kernel, tid);
    fill(kernel, child, t, P, 2);
    // a hint only: the range after t is free, so it is honoured
    const u = mmap(kernel, child, t + 3 * P, 3 * P, PROT_WRITE, ANON);
    expect(u).toBe(t + 3 * P);
    fill(kernel, child, u, P, 2);
    expect(layout(kernel, child, t, 6)).toEqual(["0-3 -w-p", "3-6 -w-p"]);
    expectBytes(kernel, tid, t, P, 1);
  });

  it("VMA-02: forked target: the child's faulted VMA doesn't absorb a new neighbour", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, 5 * P, RW, ANON | MAP_FIXED);
    touch(kernel, tid, ptr);
    const child = fork(kernel, tid);
    for (let i = 0; i < 5; i++) touch(kernel, child, ptr + i * P);
    mmap(kernel, child, ptr + 5 * P, 5 * P, RW, ANON | MAP_FIXED);
    expect(vmaAt(kernel, child, c, ptr)).toBe("1-6");
    expect(layout(kernel, child, c)).toEqual(["0-1 ---p", "1-6 rw-p", "6-11 rw-p", "11-30 ---p"]);
  });

  it("VMA-03: forked source: mprotect of the child's forked VMA to match its neighbour doesn't merge", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, 5 * P, RW, ANON | MAP_FIXED | MAP_NORESERVE);
    touch(kernel, tid, ptr);
    const child = fork(kernel, tid);
    for (let i = 0; i < 5; i++) touch(kernel, child, ptr + i * P);
    const ptr2 = mmap(kernel, child, c + 6 * P, 5 * P, RWX, ANON | MAP_FIXED | MAP_NORESERVE);
    expect(vmaAt(kernel, child, c, ptr2)).toBe("6-11");
    expect(sys(kernel, child, NR.mprotect, ptr, 5 * P, RWX)).toBe(0);
    expect(vmaAt(kernel, child, c, ptr2)).toBe("6-11");
    expect(layout(kernel, child, c)).toEqual(["0-1 ---p", "1-6 rwxp", "6-11 rwxp", "11-30 ---p"]);
  });

  it("VMA-04: mprotect_unfaulted_left: RO unfaulted half + faulted half made RO → one VMA", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, 10 * P, RW, ANON | MAP_FIXED | MAP_NORESERVE);
    expect(sys(kernel, tid, NR.mprotect, ptr, 5 * P, PROT_READ)).toBe(0);
    touch(kernel, tid, ptr + 5 * P);
    expect(sys(kernel, tid, NR.mprotect, ptr + 5 * P, 5 * P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, c)).toEqual(["0-1 ---p", "1-11 r--p", "11-30 ---p"]);
  });

  it("VMA-05: mprotect_unfaulted_right: faulted half made RO next to an unfaulted RO half → one VMA", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, 10 * P, RW, ANON | MAP_FIXED | MAP_NORESERVE);
    expect(sys(kernel, tid, NR.mprotect, ptr + 5 * P, 5 * P, PROT_READ)).toBe(0);
    touch(kernel, tid, ptr);
    expect(sys(kernel, tid, NR.mprotect, ptr, 5 * P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, c)).toEqual(["0-1 ---p", "1-11 r--p", "11-30 ---p"]);
  });

  it("VMA-06: mprotect_unfaulted_both: a faulted middle made RO merges both unfaulted RO sides", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + 2 * P, 9 * P, RW, ANON | MAP_FIXED | MAP_NORESERVE);
    expect(sys(kernel, tid, NR.mprotect, ptr, 3 * P, PROT_READ)).toBe(0);
    expect(sys(kernel, tid, NR.mprotect, ptr + 6 * P, 3 * P, PROT_READ)).toBe(0);
    touch(kernel, tid, ptr + 3 * P);
    expect(sys(kernel, tid, NR.mprotect, ptr + 3 * P, 3 * P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, c)).toEqual(["0-2 ---p", "2-11 r--p", "11-30 ---p"]);
  });

  it("VMA-07: mprotect_faulted_left_unfaulted_right ends as one 9-page VMA", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + 2 * P, 9 * P, RW, ANON | MAP_FIXED | MAP_NORESERVE);
    expect(sys(kernel, tid, NR.mprotect, ptr + 6 * P, 3 * P, PROT_READ)).toBe(0);
    touch(kernel, tid, ptr);
    expect(sys(kernel, tid, NR.mprotect, ptr, 3 * P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, c)).toEqual(["0-2 ---p", "2-5 r--p", "5-8 rw-p", "8-11 r--p", "11-30 ---p"]);
    expect(sys(kernel, tid, NR.mprotect, ptr + 3 * P, 3 * P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, c)).toEqual(["0-2 ---p", "2-11 r--p", "11-30 ---p"]);
  });

  it("VMA-08: mprotect_unfaulted_left_faulted_right ends as one 9-page VMA", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + 2 * P, 9 * P, RW, ANON | MAP_FIXED | MAP_NORESERVE);
    expect(sys(kernel, tid, NR.mprotect, ptr, 3 * P, PROT_READ)).toBe(0);
    touch(kernel, tid, ptr + 3 * P);
    expect(sys(kernel, tid, NR.mprotect, ptr + 6 * P, 3 * P, PROT_READ)).toBe(0);
    expect(sys(kernel, tid, NR.mprotect, ptr + 3 * P, 3 * P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, c)).toEqual(["0-2 ---p", "2-11 r--p", "11-30 ---p"]);
  });

  it("VMA-09: two separately created adjacent compatible anonymous mappings merge", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, P, RW, ANON | MAP_FIXED);
    mmap(kernel, tid, c + 2 * P, P, RW, ANON | MAP_FIXED);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-3");
    expect(layout(kernel, tid, c)).toEqual(["0-1 ---p", "1-3 rw-p", "3-30 ---p"]);
  });

  it("VMA-10: mremap_unfaulted_to_faulted: an unfaulted VMA moved after a faulted one merges", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, 5 * P, RW, ANON | MAP_FIXED);
    let ptr2 = mmap(kernel, tid, c + 7 * P, 5 * P, RW, ANON | MAP_FIXED);
    ptr2 = moveTo(kernel, tid, ptr2, 5 * P, ptr2 + FAR);
    touch(kernel, tid, ptr);
    moveTo(kernel, tid, ptr2, 5 * P, ptr + 5 * P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-11");
  });

  it("VMA-11: mremap_unfaulted_behind_faulted: an unfaulted VMA moved in front of a faulted one merges", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + 6 * P, 5 * P, RW, ANON | MAP_FIXED);
    let ptr2 = mmap(kernel, tid, c + 14 * P, 5 * P, RW, ANON | MAP_FIXED);
    ptr2 = moveTo(kernel, tid, ptr2, 5 * P, ptr2 + FAR);
    touch(kernel, tid, ptr);
    ptr2 = moveTo(kernel, tid, ptr2, 5 * P, c + P);
    expect(vmaAt(kernel, tid, c, ptr2)).toBe("1-11");
  });

  it("VMA-12: mremap_unfaulted_between_faulted: merges with the left only (ptr3 has its own anon_vma)", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, 5 * P, RW, ANON | MAP_FIXED);
    let ptr2 = mmap(kernel, tid, c + 7 * P, 5 * P, RW, ANON | MAP_FIXED);
    let ptr3 = mmap(kernel, tid, c + 14 * P, 5 * P, RW, ANON | MAP_FIXED);
    ptr3 = moveTo(kernel, tid, ptr3, 5 * P, ptr3 + 2 * FAR);
    ptr2 = moveTo(kernel, tid, ptr2, 5 * P, ptr2 + FAR);
    touch(kernel, tid, ptr);
    touch(kernel, tid, ptr3);
    ptr3 = moveTo(kernel, tid, ptr3, 5 * P, ptr + 10 * P);
    moveTo(kernel, tid, ptr2, 5 * P, ptr + 5 * P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-11");
    expect(vmaAt(kernel, tid, c, ptr3)).toBe("11-16");
  });

  it("VMA-13: mremap_unfaulted_between_faulted_unfaulted: all three merge", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, 5 * P, RW, ANON | MAP_FIXED);
    let ptr2 = mmap(kernel, tid, c + 7 * P, 5 * P, RW, ANON | MAP_FIXED);
    let ptr3 = mmap(kernel, tid, c + 14 * P, 5 * P, RW, ANON | MAP_FIXED);
    ptr3 = moveTo(kernel, tid, ptr3, 5 * P, ptr3 + 2 * FAR);
    ptr2 = moveTo(kernel, tid, ptr2, 5 * P, ptr2 + FAR);
    touch(kernel, tid, ptr);
    moveTo(kernel, tid, ptr3, 5 * P, ptr + 10 * P);
    moveTo(kernel, tid, ptr2, 5 * P, ptr + 5 * P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-16");
  });

  it("VMA-14: mremap_unfaulted_between_correctly_placed_faulted: the hole filled by a move → one 15-page VMA", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const ptr = mmap(kernel, tid, c + P, 15 * P, RW, ANON | MAP_FIXED);
    touch(kernel, tid, ptr);
    expect(sys(kernel, tid, NR.munmap, ptr + 5 * P, 5 * P)).toBe(0);
    const ptr2 = mmap(kernel, tid, c + 20 * P, 5 * P, RW, ANON | MAP_FIXED);
    moveTo(kernel, tid, ptr2, 5 * P, ptr + 5 * P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-16");
  });

  it("VMA-15: mremap_correct_placed_faulted: pieces of one faulted VMA moved back in any order re-merge", () => {
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    let ptr = mmap(kernel, tid, c + P, 15 * P, RW, ANON | MAP_FIXED);
    touch(kernel, tid, ptr);
    let ptr3 = moveTo(kernel, tid, ptr + 10 * P, 5 * P, ptr + 10 * P + 2 * FAR);
    let ptr2 = moveTo(kernel, tid, ptr + 5 * P, 5 * P, ptr + 5 * P + FAR);
    ptr2 = moveTo(kernel, tid, ptr2, 5 * P, ptr + 5 * P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-11");
    ptr = moveTo(kernel, tid, ptr, 5 * P, ptr + FAR);
    ptr = moveTo(kernel, tid, ptr, 5 * P, c + P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-11");
    ptr = moveTo(kernel, tid, ptr, 5 * P, ptr + FAR);
    ptr3 = moveTo(kernel, tid, ptr3, 5 * P, ptr2 + 5 * P);
    expect(vmaAt(kernel, tid, c, ptr2)).toBe("6-16");
    ptr = moveTo(kernel, tid, ptr, 5 * P, c + P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-16");
    ptr2 = moveTo(kernel, tid, ptr2, 5 * P, ptr2 + FAR);
    moveTo(kernel, tid, ptr2, 5 * P, ptr + 5 * P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-16");
    ptr3 = moveTo(kernel, tid, ptr3, 5 * P, ptr3 + FAR);
    moveTo(kernel, tid, ptr3, 5 * P, ptr + 10 * P);
    expect(vmaAt(kernel, tid, c, ptr)).toBe("1-16");
    expect(layout(kernel, tid, c)).toEqual(["0-1 ---p", "1-16 rw-p", "16-30 ---p"]);
  });

  // host (6.18): "1-7", "1-7", "1-10", "1-10". The first three variants once broke the backend's
  // invariants ("anonymous page in a VMA without anon_vma"): the unfaulted neighbour absorbed the moved
  // range but not the source's anon_vma (Linux: copy_vma() → vma_expand() → dup_anon_vma(copied_from))
  it("VMA-16: mremap_faulted_to_unfaulted_*: a faulted VMA moved (DONTUNMAP) next to unfaulted ones merges and keeps the moved pages' anon_vma", () => {
    // _prev: B unfaulted at +1, A (faulted) returns at +4 → 6 pages from B
    {
      const { kernel, tid } = world();
      const c = carveout(kernel, tid);
      let a = mmap(kernel, tid, c + 4 * P, 3 * P, RW, ANON | MAP_FIXED);
      touch(kernel, tid, a);
      a = moveTo(kernel, tid, a, 3 * P, c + 20 * P);
      const b = mmap(kernel, tid, c + P, 3 * P, RW, ANON | MAP_FIXED);
      moveTo(kernel, tid, a, 3 * P, c + 4 * P, MREMAP_DONTUNMAP);
      expect(vmaAt(kernel, tid, c, b)).toBe("1-7");
    }
    // _next: A (faulted) returns at +1 in front of unfaulted B at +4
    {
      const { kernel, tid } = world();
      const c = carveout(kernel, tid);
      let a = mmap(kernel, tid, c + P, 3 * P, RW, ANON | MAP_FIXED);
      touch(kernel, tid, a);
      a = moveTo(kernel, tid, a, 3 * P, c + 20 * P);
      mmap(kernel, tid, c + 4 * P, 3 * P, RW, ANON | MAP_FIXED);
      a = moveTo(kernel, tid, a, 3 * P, c + P, MREMAP_DONTUNMAP);
      expect(vmaAt(kernel, tid, c, a)).toBe("1-7");
    }
    // _prev_unfaulted_next: A and C unfaulted, B (faulted) returns between them → 9 pages
    {
      const { kernel, tid } = world();
      const c = carveout(kernel, tid);
      let b = mmap(kernel, tid, c + 4 * P, 3 * P, RW, ANON | MAP_FIXED);
      touch(kernel, tid, b);
      b = moveTo(kernel, tid, b, 3 * P, c + 20 * P);
      const a = mmap(kernel, tid, c + P, 3 * P, RW, ANON | MAP_FIXED);
      mmap(kernel, tid, c + 7 * P, 3 * P, RW, ANON | MAP_FIXED);
      moveTo(kernel, tid, b, 3 * P, c + 4 * P, MREMAP_DONTUNMAP);
      expect(vmaAt(kernel, tid, c, a)).toBe("1-10");
    }
    // _prev_faulted_next: B and C mapped together and faulted; B moved away; A unfaulted; B returns → 9 pages
    {
      const { kernel, tid } = world();
      const c = carveout(kernel, tid);
      const bc = mmap(kernel, tid, c + 4 * P, 6 * P, RW, ANON | MAP_FIXED);
      touch(kernel, tid, bc);
      const b = moveTo(kernel, tid, bc, 3 * P, c + 20 * P);
      const a = mmap(kernel, tid, c + P, 3 * P, RW, ANON | MAP_FIXED);
      moveTo(kernel, tid, b, 3 * P, c + 4 * P, MREMAP_DONTUNMAP);
      expect(vmaAt(kernel, tid, c, a)).toBe("1-10");
    }
  });

  it("VMA-17: appending and prepending a new anonymous mapping both merge (map_count 2, pgoff = addr >> 12)", () => {
    const { kernel, mmu, tid } = world();
    for (const addr of [0x300000, 0x250000, 0x303000, 0x24d000]) mmap(kernel, tid, addr, 3 * P, RW, ANON | MAP_FIXED);
    const view = mmu.view(mmOf(kernel, tid));
    expect(view.counters().mapCount).toBe(2);
    expect([...view.vmas()].map((v) => [v.vmStart, v.vmEnd, v.vmPgoff])).toEqual([
      [0x24d000, 0x253000, 0x24d],
      [0x300000, 0x306000, 0x300],
    ]);
  });

  it("VMA-18: __test_merge_new: filling the gaps merges step by step into one VMA", () => {
    // the harness's addresses from 0, moved up by BASE (page 0 is below mmap_min_addr)
    const { kernel, mmu, tid } = world();
    const BASE = 0x10000000;
    const view = mmu.view(kernel.task(tid)!.mm.mmId);
    const map = (start: number, end: number): number => {
      mmap(kernel, tid, BASE + start, end - start, RW, ANON | MAP_FIXED);
      return view.counters().mapCount;
    };
    map(0, 0x2000);
    map(0x3000, 0x4000);
    expect(map(0xb000, 0xc000)).toBe(3);
    const counts = [
      map(0x7000, 0x9000),
      map(0x2000, 0x3000),
      map(0x4000, 0x5000),
      map(0x6000, 0x7000),
      map(0x5000, 0x6000),
      map(0xa000, 0xb000),
      map(0x9000, 0xa000),
    ];
    expect(counts).toEqual([4, 3, 3, 3, 2, 2, 1]);
    expect([...view.vmas()].map((v) => [v.vmStart - BASE, v.vmEnd - BASE, v.vmPgoff])).toEqual([[0, 0xc000, BASE / P]]);
  });

  it("VMA-19: a new range between prev and a next with vm_ops->close: prev grows, next is kept", () => {
    const { kernel, tid } = world();
    const vmOps = { opens: 0, closes: 0 };
    const driver: InodeDriver = {
      name: "close-hooked-file",
      read: (inode, off, dst) => blockdevFileDriver.read(inode, off, dst),
      write: (inode, off, src) => blockdevFileDriver.write(inode, off, src),
      mmapOps: (_file, pageCacheFault): MmapFileOps => ({
        mmap: () => 0,
        fault: pageCacheFault,
        open: () => void vmOps.opens++,
        close: () => void vmOps.closes++,
      }),
    };
    const fd = fileOf(kernel, tid, "/closing", 9 * P, 0x19, O_RDWR, driver);
    const BASE = 0x10000000;
    mmap(kernel, tid, BASE, 3 * P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    mmap(kernel, tid, BASE + 5 * P, 4 * P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 5 * P);
    mmap(kernel, tid, BASE + 3 * P, 2 * P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 3 * P);
    expect(layout(kernel, tid, BASE, 9)).toEqual(["0-5 r--s", "5-9 r--s"]);
    expect(vmOps.closes).toBe(0);
    expectBytes(kernel, tid, BASE, 9 * P, 0x19);
  });

  it("VMA-20: shm attach VMAs split by mprotect stay split when the protection is restored (vm_ops->close)", () => {
    // host (6.18): 3 lines after the restore, nattch 3, and 0 after shmdt
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    const id = sys(kernel, tid, NR.shmget, IPC_PRIVATE, 3 * P, IPC_CREAT | 0o600);
    expect(id).toBeGreaterThanOrEqual(0);
    const s = sys(kernel, tid, NR.shmat, id, c + P, SHM_REMAP);
    expect(s).toBe(c + P);
    expect(sys(kernel, tid, NR.mprotect, s + P, P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, c)).toEqual(["0-1 ---p", "1-2 rw-s", "2-3 r--s", "3-4 rw-s", "4-30 ---p"]);
    expect(sys(kernel, tid, NR.mprotect, s + P, P, RW)).toBe(0);
    expect(layout(kernel, tid, c)).toEqual(["0-1 ---p", "1-2 rw-s", "2-3 rw-s", "3-4 rw-s", "4-30 ---p"]);
    const buf: { ds?: { shmNattch: number } } = {};
    expect(sys(kernel, tid, NR.shmctl, id, IPC_STAT, buf)).toBe(0);
    expect(buf.ds?.shmNattch).toBe(3);
    expect(sys(kernel, tid, NR.shmdt, s)).toBe(0);
    expect(sys(kernel, tid, NR.shmctl, id, IPC_STAT, buf)).toBe(0);
    expect(buf.ds?.shmNattch).toBe(0);
  });

  it("VMA-21: a VM_SPECIAL neighbour ([vvar]: VM_IO|VM_PFNMAP, [vdso]: VM_DONTEXPAND) never merges", () => {
    // VM_MIXEDMAP: no driver of ours sets it
    const { kernel } = world();
    const VVAR = 0x7ffff7fc0000;
    const area = (start: number, pages: number, prot: number, name: string): ExecArea => ({ start, end: start + pages * P, prot, flags: MAP_PRIVATE, pgoff: 0, file: null, name });
    const t = kernel.createProcess({
      pid: 200,
      layout: { areas: [area(VVAR, 4, PROT_READ, "[vvar]"), area(VVAR + 4 * P, 2, PROT_READ | PROT_EXEC, "[vdso]")], startBrk: 0, mmapBase: VVAR },
    });
    if (typeof t === "number") throw new Error(`createProcess: ${t}`);
    kernel.assertValid();
    mmap(kernel, t.tid, VVAR - P, P, PROT_READ, ANON | MAP_FIXED);
    mmap(kernel, t.tid, VVAR + 6 * P, P, PROT_READ | PROT_EXEC, ANON | MAP_FIXED);
    expect(layout(kernel, t.tid, VVAR - P, 8)).toEqual(["0-1 r--p", "1-5 r--p", "5-7 r-xp", "7-8 r-xp"]);
  });

  it("VMA-22: prev and next with different anon_vmas: the middle merges with prev only (PPPPPNNN)", () => {
    // host (6.18): "0-5 rw-p", "5-8 rw-p" for both the new and the modified middle
    const { kernel, tid } = world();
    const c = carveout(kernel, tid);
    touch(kernel, tid, mmap(kernel, tid, c, 3 * P, RW, ANON | MAP_FIXED));
    touch(kernel, tid, mmap(kernel, tid, c + 5 * P, 3 * P, RW, ANON | MAP_FIXED));
    mmap(kernel, tid, c + 3 * P, 2 * P, RW, ANON | MAP_FIXED);
    expect(layout(kernel, tid, c, 10)).toEqual(["0-5 rw-p", "5-8 rw-p", "8-30 ---p"]);
    const m = c + 10 * P;
    touch(kernel, tid, mmap(kernel, tid, m, 3 * P, RW, ANON | MAP_FIXED));
    mmap(kernel, tid, m + 3 * P, 2 * P, PROT_READ, ANON | MAP_FIXED);
    touch(kernel, tid, mmap(kernel, tid, m + 5 * P, 3 * P, RW, ANON | MAP_FIXED));
    expect(sys(kernel, tid, NR.mprotect, m + 3 * P, 2 * P, RW)).toBe(0);
    expect(layout(kernel, tid, m, 10)).toEqual(["0-5 rw-p", "5-8 rw-p", "8-20 ---p"]);
  });

  it("VMA-23: vma_modify_flags with unchanged flags on the middle page splits three ways, pgoffs 0, 1, 2", () => {
    // the harness calls vma_modify_flags() itself: no syscall does with unchanged flags (mprotect and
    // madvise return early), so the range comes from mmap and the call is the MMU's vmaModifyFlags()
    const { kernel, mmu, tid } = world();
    const BASE = 0x10000000;
    mmap(kernel, tid, BASE, 3 * P, RW, ANON | MAP_FIXED);
    const mm = mmu.mm(kernel.task(tid)!.mm.mmId);
    const vma = mm.tree.findVma(BASE)!;
    const r = vmaModifyFlags(mm, null, vma, BASE + P, BASE + 2 * P, vma.vmFlags);
    expect(typeof r).not.toBe("number");
    kernel.assertValid();
    expect([...mmu.view(mm.id).vmas()].map((v) => [v.vmStart - BASE, v.vmEnd - BASE, v.vmPgoff - BASE / P])).toEqual([
      [0, 0x1000, 0],
      [0x1000, 0x2000, 1],
      [0x2000, 0x3000, 2],
    ]);
  });

  it("VMA-24: two 1-page anonymous mappings with different prot are two exact lines; unmapping one drops its line", () => {
    const { kernel, tid } = world();
    const a = mmap(kernel, tid, 0, P, PROT_READ | PROT_EXEC, ANON);
    const b = mmap(kernel, tid, 0, P, PROT_WRITE, ANON);
    const lines = mapsLines(kernel, tid);
    const lineA = `${hex8(a)}-${hex8(a + P)} r-xp 00000000 00:00 0 `;
    const lineB = `${hex8(b)}-${hex8(b + P)} -w-p 00000000 00:00 0 `;
    expect(lines).toContain(lineA);
    expect(lines).toContain(lineB);
    expect(sys(kernel, tid, NR.munmap, b, P)).toBe(0);
    expect(mapsLines(kernel, tid)).toContain(lineA);
    expect(mapsLines(kernel, tid)).not.toContain(lineB);
  });

  it("VMA-25: mprotect splits a PROT_NONE area in three and merges back to one line", () => {
    // gVisor-only upstream ("Linux's mprotect() sometimes fails to merge"); host 6.18 merges back as gVisor does
    const { kernel, tid } = world();
    const m = mmap(kernel, tid, 0, 5 * P, PROT_NONE, ANON);
    expect(sys(kernel, tid, NR.mprotect, m + P, 3 * P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, m, 5).filter((l) => !l.endsWith("---p"))).toEqual(["1-4 r--p"]);
    expect(sys(kernel, tid, NR.mprotect, m + 2 * P, P, RW)).toBe(0);
    expect(layout(kernel, tid, m, 5).filter((l) => !l.endsWith("---p"))).toEqual(["1-2 r--p", "2-3 rw-p", "3-4 r--p"]);
    expect(sys(kernel, tid, NR.mprotect, m + 2 * P, P, PROT_READ)).toBe(0);
    expect(layout(kernel, tid, m, 5).filter((l) => !l.endsWith("---p"))).toEqual(["1-4 r--p"]);
  });

  it("VMA-26: a page mapped MAP_FIXED over a mapping of the opposite type doesn't merge with it", () => {
    const { kernel, tid } = world();
    for (const [first, second, want] of [
      [SHARED_ANON, ANON, ["0-1 r--s", "1-2 r--p"]],
      [ANON, SHARED_ANON, ["0-1 r--p", "1-2 r--s"]],
    ] as const) {
      const a = mmap(kernel, tid, 0, 2 * P, PROT_READ, first);
      mmap(kernel, tid, a + P, P, PROT_READ, second | MAP_FIXED);
      expect(layout(kernel, tid, a, 2)).toEqual(want);
    }
  });
});

// ---- §8 /proc formatting and contents -----------------------------------------------------------

describe("§8 /proc formatting and contents", () => {
  it("PROC-01: the perms column for every prot, private and shared, over a mapping of the opposite type", () => {
    const { kernel, tid } = world();
    const cases: ReadonlyArray<readonly [number, string]> = [
      [PROT_NONE, "---"],
      [PROT_READ, "r--"],
      [PROT_WRITE, "-w-"],
      [RW, "rw-"],
      [PROT_READ | PROT_EXEC, "r-x"],
      [PROT_WRITE | PROT_EXEC, "-wx"],
      [RWX, "rwx"],
    ];
    for (const [type, opposite, letter] of [
      [MAP_PRIVATE, MAP_SHARED, "p"],
      [MAP_SHARED, MAP_PRIVATE, "s"],
    ] as const) {
      for (const [prot, perms] of cases) {
        const addr1 = mmap(kernel, tid, 0, 2 * P, PROT_NONE, MAP_ANONYMOUS | opposite);
        const addr2 = mmap(kernel, tid, addr1 + P, P, prot, type | MAP_ANONYMOUS | MAP_FIXED);
        expect(addr2).toBe(addr1 + P);
        const line = mapsLines(kernel, tid).find((l) => l.startsWith(`${hex8(addr2)}-`));
        expect(line?.split(" ")[1], `prot ${prot} ${letter}`).toBe(perms + letter);
      }
    }
  });

  it("PROC-02: a private anonymous page's line is exact, with the trailing space after inode 0", () => {
    const { kernel, tid } = world();
    const a = mmap(kernel, tid, 0, P, PROT_READ, ANON);
    expect(mapsLines(kernel, tid)).toContain(`${hex8(a)}-${hex8(a + P)} r--p 00000000 00:00 0 `);
  });

  it("PROC-03: exactly one [stack] line, 80 characters long (padded to column 73)", () => {
    const w = world();
    execProcess(w);
    const stack = mapsLines(w.kernel, w.tid).filter((l) => l.includes("[stack]"));
    expect(stack).toHaveLength(1);
    expect(stack[0]!.indexOf("[stack]")).toBe(MAPS_NAME_COLUMN_64);
    expect(stack[0]!.length).toBe(80);
  });

  it("PROC-04: a shared anonymous mapping is named /dev/zero (deleted)", () => {
    const { kernel, tid } = world();
    const a = mmap(kernel, tid, 0, P, PROT_READ, SHARED_ANON);
    const line = lineAt(kernel, tid, a);
    expect(line).toMatch(/ r--s 00000000 [0-9a-f]{2}:[0-9a-f]{2} \d+ +\/dev\/zero \(deleted\)$/);
  });

  // PROC-05..07: the host (6.18) is built without CONFIG_ANON_VMA_NAME (its prctl answers EINVAL to
  // every PR_SET_VMA call); the rows' expectations are gVisor's proc.cc and Linux 6.2+'s madvise.c.
  it("PROC-05: prctl(PR_SET_VMA_ANON_NAME) on private anon → [anon:test]; \"\" → [anon:]; NULL → no name", () => {
    const { kernel, tid } = world();
    const a = mmap(kernel, tid, 0, P, RW, ANON);
    expect(sys(kernel, tid, NR.prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, a, P, "test")).toBe(0);
    const named = lineAt(kernel, tid, a)!;
    expect(named).toMatch(/ rw-p 00000000 00:00 0 +\[anon:test\]$/);
    expect(named.indexOf("[anon:test]")).toBe(MAPS_NAME_COLUMN_64);
    expect(sys(kernel, tid, NR.prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, a, P, "")).toBe(0);
    expect(lineAt(kernel, tid, a)).toMatch(/ \[anon:\]$/);
    expect(sys(kernel, tid, NR.prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, a, P, null)).toBe(0);
    expect(lineAt(kernel, tid, a)).toBe(`${hex8(a)}-${hex8(a + P)} rw-p 00000000 00:00 0 `);
  });

  it("PROC-06: prctl(PR_SET_VMA_ANON_NAME) on shared anon → [anon_shmem:test], [anon_shmem:], and NULL back to /dev/zero (deleted)", () => {
    const { kernel, tid } = world();
    const a = mmap(kernel, tid, 0, 2 * P, RW, SHARED_ANON);
    expect(sys(kernel, tid, NR.prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, a, 2 * P, "test")).toBe(0);
    expect(lineAt(kernel, tid, a)).toMatch(/ rw-s 00000000 [0-9a-f]{2}:[0-9a-f]{2} \d+ +\[anon_shmem:test\]$/);
    expect(sys(kernel, tid, NR.prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, a, 2 * P, "")).toBe(0);
    expect(lineAt(kernel, tid, a)).toMatch(/ \[anon_shmem:\]$/);
    expect(sys(kernel, tid, NR.prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, a, 2 * P, 0)).toBe(0);
    expect(lineAt(kernel, tid, a)).toMatch(/ \/dev\/zero \(deleted\)$/);
  });

  it("PROC-07: prctl(PR_SET_VMA_ANON_NAME) on a file mapping → EBADF; the pathname stays the file's", () => {
    const { kernel, tid } = world();
    const fd = fileOf(kernel, tid, "/named", 2 * P, 0x61);
    for (const flags of [MAP_SHARED, MAP_PRIVATE]) {
      const a = mmap(kernel, tid, 0, 2 * P, PROT_READ, flags, fd, 0);
      expect(sys(kernel, tid, NR.prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, a, 2 * P, "test")).toBe(-EBADF);
      expect(lineAt(kernel, tid, a)).toMatch(/ \/named$/);
    }
  });

  it("PROC-08: smaps of a populated 2-page shared anonymous mapping", () => {
    // host (6.18): Rss 8, Pss 8, Private_Clean 8, Anonymous 0, VmFlags rd wr sh mr mw me ms
    const { kernel, tid } = world();
    const a = mmap(kernel, tid, 0, 2 * P, RW, SHARED_ANON | MAP_POPULATE);
    const { kb, vmFlags } = smapsEntry(kernel, tid, a);
    expect(kb["Size"]).toBe(8);
    expect(kb["Rss"]).toBeLessThanOrEqual(kb["Size"]!);
    expect(kb["Rss"]).toBe(8);
    expect(kb["Pss"]).toBe(kb["Rss"]);
    expect(kb["Shared_Clean"]).toBe(0);
    expect(kb["Shared_Dirty"]).toBe(0);
    expect(kb["Private_Clean"]! + kb["Private_Dirty"]!).toBe(kb["Rss"]);
    expect(kb["Anonymous"]).toBe(0);
    expect(vmFlags).toEqual(expect.arrayContaining(["rd", "wr", "sh", "mr", "mw", "me", "ms"]));
    expect(vmFlags).not.toContain("ex");
  });

  it("PROC-09: smaps of a populated 2-page PROT_WRITE private anonymous mapping: no rd in VmFlags", () => {
    // host (6.18): Rss 8, Anonymous 8, VmFlags wr mr mw me ac
    const { kernel, tid } = world();
    const a = mmap(kernel, tid, 0, 2 * P, PROT_WRITE, ANON | MAP_POPULATE);
    const { kb, vmFlags } = smapsEntry(kernel, tid, a);
    expect(kb["Size"]).toBeGreaterThanOrEqual(8);
    expect(kb["Rss"]).toBe(8);
    expect(kb["Anonymous"]).toBe(kb["Rss"]);
    expect(vmFlags).toEqual(expect.arrayContaining(["wr", "mr", "mw", "me"]));
    for (const f of ["rd", "ex", "sh", "ms"]) expect(vmFlags).not.toContain(f);
  });

  it("PROC-10: a shared mapping of a read-only fd: VmFlags rd mr me ms (no wr sh mw ex), maps shows r--s", () => {
    const { kernel, tid } = world();
    const fd = fileOf(kernel, tid, "/ro", P, 0x10, O_RDONLY);
    const a = mmap(kernel, tid, 0, P, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    const { header, vmFlags } = smapsEntry(kernel, tid, a);
    expect(vmFlags).toEqual(expect.arrayContaining(["rd", "mr", "me", "ms"]));
    for (const f of ["wr", "sh", "mw", "ex"]) expect(vmFlags).not.toContain(f);
    expect(header.split(" ")[1]).toBe("r--s");
    expect(lineAt(kernel, tid, a)).toMatch(/ r--s 00000000 .* \/ro$/);
  });

  it("PROC-11: /proc/<pid>/statm has 7 fields, size and resident > 0", () => {
    const { kernel, mmu, tid } = world();
    const a = mmap(kernel, tid, 0, 2 * P, RW, ANON);
    expect(mmu.writeUser(mmOf(kernel, tid), a, new Uint8Array([1]))).toBe(0);
    const text = kernel.readProc(`/proc/${tid}/statm`);
    if (typeof text === "number") throw new Error(`statm: ${text}`);
    const fields = text.trimEnd().split(" ").map(Number);
    expect(fields.length).toBeGreaterThanOrEqual(7);
    expect(fields[0]).toBeGreaterThan(0);
    expect(fields[1]).toBeGreaterThan(0);
    // /proc/self/statm is the same file: Kernel.readProc() resolves "self" to the task running a
    // syscall, and open(2) of it is not wired (only /proc/<pid>/mem is a VFS file)
  });

  it("PROC-12: /proc/self/status lines are Key:\\tvalue, VmSize/VmRSS/VmData in kB", () => {
    const { kernel, mmu, tid } = world();
    const a = mmap(kernel, tid, 0, 2 * P, RW, ANON);
    expect(mmu.writeUser(mmOf(kernel, tid), a, new Uint8Array([1]))).toBe(0);
    const text = kernel.readProc(`/proc/${tid}/status`);
    if (typeof text === "number") throw new Error(`status: ${text}`);
    for (const line of text.trimEnd().split("\n")) expect(line).toMatch(/^[A-Za-z_]+:\t/);
    for (const key of ["VmSize", "VmRSS", "VmData"]) expect(text).toMatch(new RegExp(`^${key}:\\t *[1-9][0-9]* kB$`, "m"));
  });

  // PROC-13..16: the host (6.18) was asked the same calls; it agrees with each row.
  it("PROC-13: pread, pwrite and lseek + write of /proc/self/mem copy memory", () => {
    const { kernel, tid } = world();
    const src = mmap(kernel, tid, 0, P, RW, ANON);
    const dst = mmap(kernel, tid, 0, P, RW, ANON);
    const hello = [...new TextEncoder().encode("hello world"), 0];
    expect(kernel.backend.writeUser(mmOf(kernel, tid), src, new Uint8Array(hello))).toBe(0);
    const fd = sys(kernel, tid, NR.open, "/proc/self/mem", O_RDWR, 0);
    expect(fd).toBeGreaterThanOrEqual(0);
    const out = mmap(kernel, tid, 0, P, RW, ANON);
    expect(sys(kernel, tid, NR.pread64, fd, out, 12, src)).toBe(12);
    expect([...(peek(kernel, tid, out, 12) as Uint8Array)]).toEqual(hello);
    expect(sys(kernel, tid, NR.pwrite64, fd, src, 12, dst)).toBe(12);
    expect([...(peek(kernel, tid, dst, 12) as Uint8Array)]).toEqual(hello);
    fill(kernel, tid, out, 3, 0x61);
    expect(sys(kernel, tid, NR.lseek, fd, dst + 100, SEEK_SET)).toBe(dst + 100);
    expect(sys(kernel, tid, NR.write, fd, out, 3)).toBe(3);
    expect(sys(kernel, tid, NR.lseek, fd, 0, SEEK_CUR)).toBe(dst + 103);
    expectBytes(kernel, tid, dst + 100, 3, 0x61);
  });

  it("PROC-14: pread of /proc/<pid>/mem at an unmapped address → EIO", () => {
    const { kernel, tid } = world();
    const child = fork(kernel, tid);
    const a = mmap(kernel, child, 0, P, RW, ANON);
    expect(sys(kernel, child, NR.munmap, a, P)).toBe(0);
    const fd = sys(kernel, tid, NR.open, `/proc/${child}/mem`, O_RDONLY, 0);
    const buf = mmap(kernel, tid, 0, P, RW, ANON);
    expect(sys(kernel, tid, NR.pread64, fd, buf, 1, a)).toBe(-EIO);
    // a read of nothing reaches nothing and is no error
    expect(sys(kernel, tid, NR.pread64, fd, buf, 0, a)).toBe(0);
  });

  it("PROC-15: pread of /proc/self/mem across the end of a mapping → 1 (partial)", () => {
    const { kernel, tid } = world();
    // the buffer first: mapped after the hole, it would fill it
    const buf = mmap(kernel, tid, 0, P, RW, ANON);
    const m = mmap(kernel, tid, 0, 2 * P, RW, ANON);
    expect(sys(kernel, tid, NR.munmap, m + P, P)).toBe(0);
    const fd = sys(kernel, tid, NR.open, "/proc/self/mem", O_RDONLY, 0);
    expect(sys(kernel, tid, NR.pread64, fd, buf, P, m + P - 1)).toBe(1);
  });

  it("PROC-16: lseek(/proc/self/mem, 0, SEEK_END) → EINVAL; SEEK_SET and SEEK_CUR with ± values work", () => {
    const { kernel, tid } = world();
    const fd = sys(kernel, tid, NR.open, "/proc/self/mem", O_RDONLY, 0);
    expect(sys(kernel, tid, NR.lseek, fd, 0, SEEK_END)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.lseek, fd, 0, SEEK_DATA)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.lseek, fd, 100, SEEK_SET)).toBe(100);
    expect(sys(kernel, tid, NR.lseek, fd, -1, SEEK_CUR)).toBe(99);
    expect(sys(kernel, tid, NR.lseek, fd, 2, SEEK_CUR)).toBe(101);
  });

  it("PROC-17: the [vsyscall] gate line is ffffffffff600000-ffffffffff601000 [r-]-xp", () => {
    // the host (6.18, vsyscall=xonly) prints --xp; the gate area comes with the exec layout here
    const { kernel } = world();
    const t = kernel.createProcess({
      pid: 300,
      layout: {
        areas: [{ start: VSYSCALL_ADDR, end: VSYSCALL_ADDR + P, prot: PROT_EXEC, flags: MAP_PRIVATE, pgoff: 0, file: null, name: "[vsyscall]" }],
        startBrk: 0,
        mmapBase: DEFAULT_MMAP_BASE,
      },
    });
    if (typeof t === "number") throw new Error(`createProcess: ${t}`);
    kernel.assertValid();
    const lines = mapsLines(kernel, t.tid);
    expect(lines.at(-1)).toMatch(/^ffffffffff600000-ffffffffff601000\s[r-]-xp 00000000 00:00 0 +\[vsyscall\]$/);
  });
});

// ---- §10 madvise, msync, mincore ----------------------------------------------------------------

describe("§10 madvise, msync, mincore", () => {
  it("MADV-01: DONTNEED on a private anonymous page: 0, and it reads 0 afterwards", () => {
    const { kernel, tid } = world();
    const m = mmap(kernel, tid, 0, P, RW, ANON);
    fill(kernel, tid, m, P, 1);
    expect(sys(kernel, tid, NR.madvise, m, P, MADV_DONTNEED)).toBe(0);
    expectBytes(kernel, tid, m, P, 0);
    expect(kernel.backend.view(mmOf(kernel, tid)).counters().anonPages).toBe(0);
  });

  it("MADV-02: DONTNEED in a forked child zeroes the child's page only", () => {
    const { kernel, tid } = world();
    const m = mmap(kernel, tid, 0, P, RW, ANON);
    fill(kernel, tid, m, P, 2);
    const child = fork(kernel, tid);
    expect(sys(kernel, child, NR.madvise, m, P, MADV_DONTNEED)).toBe(0);
    expectBytes(kernel, child, m, P, 0);
    expectBytes(kernel, tid, m, P, 2);
  });

  it("MADV-03: DONTNEED on MAP_SHARED anonymous memory keeps its contents", () => {
    const { kernel, tid } = world();
    const m = mmap(kernel, tid, 0, P, RW, SHARED_ANON);
    fill(kernel, tid, m, P, 3);
    expect(sys(kernel, tid, NR.madvise, m, P, MADV_DONTNEED)).toBe(0);
    expectBytes(kernel, tid, m, P, 3);
  });

  it("MADV-04: DONTNEED on a written MAP_PRIVATE file page reverts it to the file's bytes", () => {
    const { kernel, tid } = world();
    const fd = fileOf(kernel, tid, "/four", P, 4);
    const m = mmap(kernel, tid, 0, P, RW, MAP_PRIVATE, fd, 0);
    fill(kernel, tid, m, P, 5);
    expectBytes(kernel, tid, m, P, 5);
    expect(sys(kernel, tid, NR.madvise, m, P, MADV_DONTNEED)).toBe(0);
    expectBytes(kernel, tid, m, P, 4);
  });

  it("MADV-05: DONTNEED on a written MAP_SHARED file page keeps the write (in memory and in the file)", () => {
    const { kernel, tid } = world();
    const fd = fileOf(kernel, tid, "/six", P, 6);
    const m = mmap(kernel, tid, 0, P, RW, MAP_SHARED, fd, 0);
    fill(kernel, tid, m, P, 7);
    expect(sys(kernel, tid, NR.madvise, m, P, MADV_DONTNEED)).toBe(0);
    expectBytes(kernel, tid, m, P, 7);
    const buf = mmap(kernel, tid, 0, P, RW, ANON);
    expect(sys(kernel, tid, NR.pread64, fd, buf, P, 0)).toBe(P);
    expectBytes(kernel, tid, buf, P, 7);
  });

  it("MADV-06: DONTNEED ignores permissions: PROT_NONE → 0", () => {
    const { kernel, tid } = world();
    const m = mmap(kernel, tid, 0, P, PROT_NONE, ANON);
    expect(sys(kernel, tid, NR.madvise, m, P, MADV_DONTNEED)).toBe(0);
  });

  it("MADV-07: MADV_DONTFORK argument checks; after fork the page is unmapped in the child, the rest shared or COW", () => {
    // host (6.18): EINVAL, 0, EINVAL, 0
    const { kernel, tid } = world();
    const addr = mmap(kernel, tid, 0, P, RW, ANON);
    expect(sys(kernel, tid, NR.madvise, addr + 1, P, MADV_DONTFORK)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.madvise, addr, 0, MADV_DONTFORK)).toBe(0);
    expect(sys(kernel, tid, NR.madvise, 0, SIZE_MAX_MINUS_HALF_PAGE, MADV_DONTFORK)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.madvise, addr, 1, MADV_DONTFORK)).toBe(0);
    // a private and a shared page that are inherited, apart from addr so nothing merges with it
    const priv = mmap(kernel, tid, 0x20000000, P, RW, ANON | MAP_FIXED);
    const shared = mmap(kernel, tid, 0x20002000, P, RW, SHARED_ANON | MAP_FIXED);
    fill(kernel, tid, addr, P, 0xa);
    fill(kernel, tid, priv, P, 0xb);
    fill(kernel, tid, shared, P, 0xc);
    const child = fork(kernel, tid);
    expect(peek(kernel, child, addr, 1)).toEqual({ signal: SIGSEGV, code: SEGV_MAPERR, addr });
    expect(lineAt(kernel, child, addr)).toBeUndefined();
    expectBytes(kernel, child, priv, P, 0xb);
    expectBytes(kernel, child, shared, P, 0xc);
    fill(kernel, tid, priv, P, 0xd);
    fill(kernel, tid, shared, P, 0xe);
    expectBytes(kernel, child, priv, P, 0xb);
    expectBytes(kernel, child, shared, P, 0xe);
    expectBytes(kernel, tid, addr, P, 0xa);
  });

  it("MSYNC-01: with nothing mapped, a zero length is 0 and a page is ENOMEM, whatever the flags", () => {
    // host (6.18): msync(NULL, 0, MS_ASYNC) = 0; msync(NULL, P, f) = ENOMEM for MS_SYNC, 0, MS_INVALIDATE
    const { kernel, tid } = world();
    for (const f of [MS_ASYNC, MS_SYNC, 0, MS_INVALIDATE, MS_ASYNC | MS_INVALIDATE, MS_SYNC | MS_INVALIDATE]) {
      expect(sys(kernel, tid, NR.msync, 0, 0, f), `flags ${f}`).toBe(0);
      expect(sys(kernel, tid, NR.msync, 0, P, f), `flags ${f}`).toBe(-ENOMEM);
    }
  });

  it("MSYNC-02: MS_SYNC|MS_ASYNC and an unaligned address are EINVAL; an unaligned length and MS_INVALIDATE are 0", () => {
    const { kernel, tid } = world();
    const a = mmap(kernel, tid, 0, P, RW, ANON);
    expect(sys(kernel, tid, NR.msync, a, P, MS_SYNC | MS_ASYNC)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.msync, a + 1, P, MS_SYNC)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.msync, a, P - 1, MS_SYNC)).toBe(0);
    expect(sys(kernel, tid, NR.msync, a, P, MS_SYNC | MS_INVALIDATE)).toBe(0);
    expect(sys(kernel, tid, NR.msync, a, P, MS_ASYNC | MS_INVALIDATE)).toBe(0);
  });

  it("MSYNC-03: msync03's cases: EBUSY on locked pages, EINVAL for bad flags and addresses, ENOMEM past the heap", () => {
    // host (6.18): EBUSY, EINVAL, EINVAL, EINVAL, EINVAL, ENOMEM
    const w = world();
    execProcess(w);
    const { kernel, tid } = w;
    const fd = fileOf(kernel, tid, "/msync03", P, 0);
    const addr1 = mmap(kernel, tid, 0, P, RW, MAP_SHARED | MAP_LOCKED, fd, 0);
    const addr2 = addr1 + 1;
    const addr4 = sys(kernel, tid, NR.brk, 0) + 4 * P;
    expect(lineAt(kernel, tid, addr4)).toBeUndefined();
    expect(sys(kernel, tid, NR.msync, addr1, P, MS_INVALIDATE)).toBe(-EBUSY);
    expect(sys(kernel, tid, NR.msync, addr1, P, MS_ASYNC | MS_SYNC)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.msync, addr1, P, -1)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.msync, addr2, P, MS_SYNC)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.msync, ULONG_MAX_ARG, P, MS_SYNC)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.msync, addr4, P, MS_SYNC)).toBe(-ENOMEM);
  });

  it("MINCORE-01: mincore of 10 dirty anonymous pages sets 10 LSBs", () => {
    const { kernel, tid } = world();
    const m = mmap(kernel, tid, 0, 10 * P, RW, ANON);
    const vec = mmap(kernel, tid, 0, P, RW, ANON);
    fill(kernel, tid, vec, 16, 0xee);
    expect(sys(kernel, tid, NR.mincore, m, 10 * P, vec)).toBe(0);
    expectBytes(kernel, tid, vec, 10, 0);
    fill(kernel, tid, m, 10 * P, 0x5a);
    expect(sys(kernel, tid, NR.mincore, m, 10 * P, vec)).toBe(0);
    expectBytes(kernel, tid, vec, 10, 1);
    expectBytes(kernel, tid, vec + 10, 6, 0xee);
  });

  it("MINCORE-02: mincore at an unaligned address → EINVAL; an unaligned length rounds up", () => {
    const { kernel, tid } = world();
    const m = mmap(kernel, tid, 0, 2 * P, RW, ANON);
    fill(kernel, tid, m, 2 * P, 1);
    const vec = mmap(kernel, tid, 0, P, RW, ANON);
    fill(kernel, tid, vec, 4, 0xee);
    expect(sys(kernel, tid, NR.mincore, m + P / 2, P, vec)).toBe(-EINVAL);
    expectBytes(kernel, tid, vec, 4, 0xee);
    expect(sys(kernel, tid, NR.mincore, m, P + P / 2, vec)).toBe(0);
    expectBytes(kernel, tid, vec, 2, 1);
    expectBytes(kernel, tid, vec + 2, 2, 0xee);
  });

  it("MINCORE-03: mincore(NULL, 0, NULL) → 0; mincore(NULL, SIZE_MAX, NULL) → ENOMEM", () => {
    const { kernel, tid } = world();
    expect(sys(kernel, tid, NR.mincore, 0, 0, 0)).toBe(0);
    expect(sys(kernel, tid, NR.mincore, 0, -1, 0)).toBe(-ENOMEM);
  });
});
