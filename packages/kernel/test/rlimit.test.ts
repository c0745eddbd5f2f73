/**
 * getrlimit/setrlimit/prlimit64 and the limits the MMU backend applies (RLIMIT_AS, RLIMIT_DATA,
 * RLIMIT_STACK). Every expectation here was seen on the host (Linux 6.18, `setarch -R`, a C program
 * making the same calls; its root lacks CAP_SYS_RESOURCE, so raising a hard limit was EPERM there,
 * where the simulator's uid 0 has the capability).
 */
import { describe, expect, it } from "vitest";
import {
  CLONE_FILES,
  CLONE_FS,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_VM,
  EFAULT,
  EINVAL,
  ENOMEM,
  EPERM,
  ESRCH,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  NR,
  PAGE_SIZE as P,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  RLIMIT_AS,
  RLIMIT_DATA,
  RLIMIT_MEMLOCK,
  RLIMIT_STACK,
  RLIM_INFINITY,
} from "@mmsim/mm-types";
import { makeWorld, peek, spawn, sys } from "./drivers/world.js";
import type { Kernel } from "../src/index.js";

const MiB = 1 << 20;
const INF = 2n ** 64n - 1n;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const RLIMIT_NOFILE = 7;

function limits(kernel: Kernel, tid: number, resource: number, buf: number): [bigint, bigint] {
  expect(sys(kernel, tid, NR.getrlimit, resource, buf)).toBe(0);
  const b = peek(kernel, tid, buf, 16);
  if (!(b instanceof Uint8Array)) throw new Error("rlimit buffer faulted");
  const v = new DataView(b.buffer);
  return [v.getBigUint64(0, true), v.getBigUint64(8, true)];
}

function setLimit(kernel: Kernel, tid: number, resource: number, cur: number | bigint, max: number | bigint): number {
  return sys(kernel, tid, NR.setrlimit, resource, { rlim_cur: cur, rlim_max: max });
}

function mmapAt(kernel: Kernel, tid: number, addr: number, len: number, prot: number, flags: number): number {
  return sys(kernel, tid, NR.mmap, addr, len, prot, flags, -1, 0);
}

/** VmSize in bytes, summed from the maps. */
function vmSize(kernel: Kernel, tid: number): number {
  const maps = kernel.readProc(`/proc/${tid}/maps`);
  if (typeof maps === "number") throw new Error(`maps: ${maps}`);
  let n = 0;
  for (const l of maps.split("\n").filter((x) => x !== "")) {
    const [s, e] = l.split(" ")[0]!.split("-").map((h) => parseInt(h, 16));
    n += e! - s!;
  }
  return n;
}

function world(): { kernel: Kernel; tid: number; buf: number } {
  const { kernel } = makeWorld("mmu", 1 << 18);
  const tid = spawn(kernel);
  const buf = mmapAt(kernel, tid, 0, P, PROT_READ | PROT_WRITE, ANON);
  return { kernel, tid, buf };
}

describe("the syscalls", () => {
  it("start from init's limits: an 8 MiB stack, 8 MiB of locked memory, no address-space or data limit", () => {
    const { kernel, tid, buf } = world();
    expect(limits(kernel, tid, RLIMIT_STACK, buf)).toEqual([8n * 1024n * 1024n, INF]);
    expect(limits(kernel, tid, RLIMIT_MEMLOCK, buf)).toEqual([8n * 1024n * 1024n, 8n * 1024n * 1024n]);
    expect(limits(kernel, tid, RLIMIT_AS, buf)).toEqual([INF, INF]);
    expect(limits(kernel, tid, RLIMIT_DATA, buf)).toEqual([INF, INF]);
  });

  it("refuse a soft limit above the hard one, an unknown resource, NOFILE above nr_open and bad pointers", () => {
    const { kernel, tid, buf } = world();
    expect(setLimit(kernel, tid, RLIMIT_AS, 5, 4)).toBe(-EINVAL);
    expect(setLimit(kernel, tid, 16, 1, 1)).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.getrlimit, 16, buf)).toBe(-EINVAL);
    expect(setLimit(kernel, tid, RLIMIT_NOFILE, 1024, (1 << 20) + 1)).toBe(-EPERM);
    expect(sys(kernel, tid, NR.setrlimit, RLIMIT_AS, 8)).toBe(-EFAULT);
    expect(sys(kernel, tid, NR.getrlimit, RLIMIT_AS, 8)).toBe(-EFAULT);
    expect(sys(kernel, tid, NR.prlimit64, 999999, RLIMIT_AS, 0, buf)).toBe(-ESRCH);
  });

  it("lower a hard limit for good unless the caller has CAP_SYS_RESOURCE", () => {
    const { kernel, tid, buf } = world();
    expect(setLimit(kernel, tid, RLIMIT_DATA, 16384, 16384)).toBe(0);
    expect(setLimit(kernel, tid, RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY)).toBe(0);
    const t = kernel.createProcess({ cred: { uid: 1000, gid: 1000 } });
    if (typeof t === "number") throw new Error("createProcess");
    const b = mmapAt(kernel, t.tid, 0, P, PROT_READ | PROT_WRITE, ANON);
    expect(setLimit(kernel, t.tid, RLIMIT_DATA, 16384, 16384)).toBe(0);
    expect(setLimit(kernel, t.tid, RLIMIT_DATA, 16384, 32768)).toBe(-EPERM);
    // another user's process: EPERM; its own: fine; prlimit64 reads the old limit out
    expect(sys(kernel, t.tid, NR.prlimit64, tid, RLIMIT_AS, 0, b)).toBe(-EPERM);
    expect(sys(kernel, tid, NR.prlimit64, t.tid, RLIMIT_DATA, 0, buf)).toBe(0);
    expect(limits(kernel, t.tid, RLIMIT_DATA, b)).toEqual([16384n, 16384n]);
  });

  it("are per process: fork copies them, a thread shares them", () => {
    const { kernel, tid, buf } = world();
    expect(setLimit(kernel, tid, RLIMIT_AS, 1 << 30, RLIM_INFINITY)).toBe(0);
    const child = sys(kernel, tid, NR.fork);
    expect(setLimit(kernel, child, RLIMIT_AS, 1 << 29, RLIM_INFINITY)).toBe(0);
    expect(limits(kernel, tid, RLIMIT_AS, buf)[0]).toBe(1n << 30n);
    expect(limits(kernel, child, RLIMIT_AS, buf)[0]).toBe(1n << 29n);
    const thread = sys(kernel, tid, NR.clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, 0, 0, 0, 0);
    expect(thread).toBeGreaterThan(0);
    expect(setLimit(kernel, thread, RLIMIT_AS, 1 << 28, RLIM_INFINITY)).toBe(0);
    expect(limits(kernel, tid, RLIMIT_AS, buf)[0]).toBe(1n << 28n);
  });
});

describe("what the MMU backend applies", () => {
  it("RLIMIT_AS: mmap, mremap and MAP_FIXED count the address space; a fixed mapping counts what it replaces as freed", () => {
    const { kernel, tid } = world();
    const vs = vmSize(kernel, tid);
    expect(setLimit(kernel, tid, RLIMIT_AS, vs + 20 * MiB, RLIM_INFINITY)).toBe(0);
    expect(mmapAt(kernel, tid, 0, 200 * MiB, PROT_NONE, ANON)).toBe(-ENOMEM);
    const m = mmapAt(kernel, tid, 0, 10 * MiB, PROT_NONE, ANON);
    expect(m).toBeGreaterThan(0);
    expect(sys(kernel, tid, NR.mremap, m, 10 * MiB, 40 * MiB, MREMAP_MAYMOVE, 0)).toBe(-ENOMEM);
    expect(sys(kernel, tid, NR.munmap, m, 10 * MiB)).toBe(0);
    const hint = 0x200000000000;
    expect(mmapAt(kernel, tid, hint, 16 * MiB, PROT_NONE, ANON)).toBe(hint);
    expect(mmapAt(kernel, tid, hint, 18 * MiB, PROT_NONE, ANON | MAP_FIXED)).toBe(hint);
    expect(mmapAt(kernel, tid, hint, 30 * MiB, PROT_NONE, ANON | MAP_FIXED)).toBe(-ENOMEM);
    expect(sys(kernel, tid, NR.mremap, hint, 18 * MiB, MiB, MREMAP_MAYMOVE | MREMAP_FIXED, 0x210000000000)).toBe(0x210000000000);
    expect(setLimit(kernel, tid, RLIMIT_AS, vs + 220 * MiB, RLIM_INFINITY)).toBe(0);
    expect(mmapAt(kernel, tid, 0, 200 * MiB, PROT_NONE, ANON)).toBeGreaterThan(0);
  });

  it("RLIMIT_DATA: brk, writable private mappings and mprotect to writable count; a limit of 0 under a higher hard limit lets mmap through", () => {
    const { kernel } = makeWorld("mmu", 1 << 16);
    const t = kernel.createProcess({ layout: { areas: [], startBrk: 0x555555559000, mmapBase: 0x7ffff7fff000 } });
    if (typeof t === "number") throw new Error("createProcess");
    const tid = t.tid;
    const b0 = sys(kernel, tid, NR.brk, 0);
    expect(setLimit(kernel, tid, RLIMIT_DATA, 0, RLIM_INFINITY)).toBe(0);
    expect(sys(kernel, tid, NR.brk, b0 + 8192)).toBe(b0);
    const m = mmapAt(kernel, tid, 0, 4 * P, PROT_READ | PROT_WRITE, ANON);
    expect(m).toBeGreaterThan(0);
    expect(sys(kernel, tid, NR.munmap, m, 4 * P)).toBe(0);
    expect(setLimit(kernel, tid, RLIMIT_DATA, 16384, 16384)).toBe(0);
    expect(mmapAt(kernel, tid, 0, 8 * P, PROT_READ | PROT_WRITE, ANON)).toBe(-ENOMEM);
    const ro = mmapAt(kernel, tid, 0, 8 * P, PROT_READ, ANON);
    expect(ro).toBeGreaterThan(0);
    expect(sys(kernel, tid, NR.mprotect, ro, 8 * P, PROT_READ | PROT_WRITE)).toBe(-ENOMEM);
    expect(mmapAt(kernel, tid, 0, 8 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS)).toBeGreaterThan(0);
    // within the limit: 4 pages of data, the heap's among them
    expect(sys(kernel, tid, NR.brk, b0 + P)).toBe(b0 + P);
    expect(mmapAt(kernel, tid, 0, 3 * P, PROT_READ | PROT_WRITE, ANON)).toBeGreaterThan(0);
    expect(mmapAt(kernel, tid, 0, P, PROT_READ | PROT_WRITE, ANON)).toBe(-ENOMEM);
    expect(sys(kernel, tid, NR.brk, b0 + 2 * P)).toBe(b0 + P);
    expect(sys(kernel, tid, NR.brk, b0 + 5 * P)).toBe(b0 + P);
  });
});
