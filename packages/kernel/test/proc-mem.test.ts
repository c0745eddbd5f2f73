/**
 * /proc/<pid>/mem beyond its conformance rows: what FOLL_FORCE lets a debugger do, and the errors.
 * Each MMU case was asked of the host (Linux 6.18, `setarch -R`, a C program on /proc/self/mem):
 * a write to a read-only private page succeeds (the page is copied), PROT_NONE memory is read and
 * written, a read-only shared file page can't be written (EIO), an address past user space is EIO,
 * writing through an O_RDONLY fd is EBADF, the file of a pid that doesn't exist is ENOENT.
 */
import { describe, expect, it } from "vitest";
import {
  EBADF,
  EIO,
  ENOENT,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  PAGE_SIZE as P,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import { makeWorld, peek, poke, spawn, sys } from "./drivers/world.js";
import type { Kernel } from "../src/index.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function mmapOk(kernel: Kernel, tid: number, len: number, prot: number, flags = ANON, fd = -1): number {
  const a = sys(kernel, tid, NR.mmap, 0, len, prot, flags, fd, 0);
  expect(a).toBeGreaterThan(0);
  return a;
}

function byteAt(kernel: Kernel, tid: number, addr: number): number {
  const b = peek(kernel, tid, addr, 1);
  if (!(b instanceof Uint8Array)) throw new Error("faulted");
  return b[0]!;
}

describe("/proc/<pid>/mem on the MMU backend", () => {
  it("writes a read-only private page (a copy), and reads and writes PROT_NONE memory", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const src = mmapOk(kernel, tid, P, RW);
    expect(poke(kernel, tid, src, new Uint8Array([0x58, 0x59]))).toBe(0);
    const fd = sys(kernel, tid, NR.open, "/proc/self/mem", O_RDWR, 0);
    const ro = mmapOk(kernel, tid, P, PROT_READ);
    expect(sys(kernel, tid, NR.pwrite64, fd, src, 1, ro)).toBe(1);
    expect(byteAt(kernel, tid, ro)).toBe(0x58);
    const none = mmapOk(kernel, tid, P, PROT_NONE);
    expect(sys(kernel, tid, NR.pread64, fd, src + 8, 4, none)).toBe(4);
    expect(sys(kernel, tid, NR.pwrite64, fd, src + 1, 1, none)).toBe(1);
    // the process itself still can't touch it; a read through the file sees the byte
    expect(peek(kernel, tid, none, 1)).not.toBeInstanceOf(Uint8Array);
    expect(sys(kernel, tid, NR.pread64, fd, src + 16, 1, none)).toBe(1);
    expect(byteAt(kernel, tid, src + 16)).toBe(0x59);
  });

  it("can't write a read-only shared file page, nor reach past user space; O_RDONLY can't write", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const buf = mmapOk(kernel, tid, P, RW);
    const file = sys(kernel, tid, NR.open, "/shared", O_RDWR | O_CREAT, 0o600);
    expect(sys(kernel, tid, NR.ftruncate, file, P)).toBe(0);
    const rs = mmapOk(kernel, tid, P, PROT_READ, MAP_SHARED, file);
    const fd = sys(kernel, tid, NR.open, "/proc/self/mem", O_RDWR, 0);
    expect(sys(kernel, tid, NR.pwrite64, fd, buf, 1, rs)).toBe(-EIO);
    expect(sys(kernel, tid, NR.pread64, fd, buf, 1, 2 ** 62)).toBe(-EIO);
    const ro = sys(kernel, tid, NR.open, "/proc/self/mem", O_RDONLY, 0);
    expect(sys(kernel, tid, NR.pwrite64, ro, buf, 1, buf)).toBe(-EBADF);
    expect(sys(kernel, tid, NR.open, "/proc/99999/mem", O_RDONLY, 0)).toBe(-ENOENT);
  });

  it("reads another process's memory, and nothing once it has exited", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const buf = mmapOk(kernel, tid, P, RW);
    const child = sys(kernel, tid, NR.fork);
    const a = mmapOk(kernel, child, P, RW);
    expect(poke(kernel, child, a, new Uint8Array([7]))).toBe(0);
    const fd = sys(kernel, tid, NR.open, `/proc/${child}/mem`, O_RDONLY, 0);
    expect(sys(kernel, tid, NR.pread64, fd, buf, 1, a)).toBe(1);
    expect(byteAt(kernel, tid, buf)).toBe(7);
    expect(kernel.syscall(child, NR.exit_group, 0)).toBeTypeOf("number");
    expect(sys(kernel, tid, NR.pread64, fd, buf, 1, a)).toBe(0);
    expect(sys(kernel, tid, NR.open, `/proc/${child}/mem`, O_RDONLY, 0)).toBe(-ENOENT);
  });
});

describe("/proc/<pid>/mem on the NOMMU backend", () => {
  it("reads and writes within one VMA only, clipped to its end", () => {
    const { kernel } = makeWorld("nommu");
    const tid = spawn(kernel);
    const buf = mmapOk(kernel, tid, 2 * P, RW);
    const a = mmapOk(kernel, tid, P, RW);
    expect(poke(kernel, tid, a + P - 2, new Uint8Array([1, 2]))).toBe(0);
    const fd = sys(kernel, tid, NR.open, "/proc/self/mem", O_RDWR, 0);
    expect(sys(kernel, tid, NR.pread64, fd, buf, 16, a + P - 2)).toBe(2);
    expect([...(peek(kernel, tid, buf, 2) as Uint8Array)]).toEqual([1, 2]);
    expect(sys(kernel, tid, NR.pwrite64, fd, buf, 1, a)).toBe(1);
    expect(byteAt(kernel, tid, a)).toBe(1);
  });
});
