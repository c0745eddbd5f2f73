/**
 * /proc/<pid>/statm and /proc/<pid>/status on the MMU backend: the memory counters move as the calls
 * made say they must, and status prints the fields a 6.x host prints, in its order.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AddressSpace } from "@mmsim/anon-vma-rmap";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { MAP_ANONYMOUS, MAP_PRIVATE, NR, PAGE_SIZE as P, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { MmuBackend } from "@mmsim/mmu";
import { Kernel } from "../src/index.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function world(): { kernel: Kernel; mmu: MmuBackend; tid: number; mmId: number } {
  const buddy = new BuddyAllocator({ pages: 4096 });
  const mmu = new MmuBackend({ pages: buddy, physMem: buddy.physMem });
  const kernel = new Kernel({ backend: mmu, pages: buddy, physMem: buddy.physMem, addressSpace: () => new AddressSpace() });
  const t = kernel.createProcess({ pid: 100 });
  if (typeof t === "number") throw new Error(`createProcess: ${t}`);
  return { kernel, mmu, tid: t.tid, mmId: t.mm.mmId };
}

function read(kernel: Kernel, path: string): string {
  const r = kernel.readProc(path);
  if (typeof r === "number") throw new Error(`${path}: ${r}`);
  return r;
}

/** statm's seven numbers. */
function statm(kernel: Kernel, pid: number): number[] {
  return read(kernel, `/proc/${pid}/statm`).trimEnd().split(" ").map(Number);
}

/** The kB value of a status line. */
function kb(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\t *(\\d+) kB$`, "m").exec(status);
  if (m === null) throw new Error(`no ${key} line`);
  return Number(m[1]);
}

describe("/proc/<pid>/statm and status (MMU)", () => {
  it("an mm with nothing mapped prints zeros, and an anonymous mapping counts in size and data, its touched pages in resident", () => {
    const { kernel, mmu, tid, mmId } = world();
    expect(read(kernel, `/proc/${tid}/statm`)).toBe("0 0 0 0 0 0 0\n");
    const a = kernel.syscall(tid, NR.mmap, 0, 3 * P, RW, ANON, -1, 0) as number;
    expect(a).toBeGreaterThan(0);
    expect(statm(kernel, tid)).toEqual([3, 0, 0, 0, 0, 3, 0]);
    expect(mmu.writeUser(mmId, a, new Uint8Array([1]))).toBe(0);
    expect(mmu.writeUser(mmId, a + 2 * P, new Uint8Array([1]))).toBe(0);
    kernel.assertValid();
    expect(statm(kernel, tid)).toEqual([3, 2, 0, 0, 0, 3, 0]);
    const status = read(kernel, `/proc/${tid}/status`);
    expect([kb(status, "VmSize"), kb(status, "VmRSS"), kb(status, "RssAnon"), kb(status, "VmData")]).toEqual([12, 8, 8, 12]);
    // read-only memory leaves data_vm
    expect(kernel.syscall(tid, NR.mprotect, a, P, PROT_READ)).toBe(0);
    kernel.assertValid();
    expect(statm(kernel, tid)).toEqual([3, 2, 0, 0, 0, 2, 0]);
    expect(kernel.syscall(tid, NR.munmap, a, 3 * P)).toBe(0);
    kernel.assertValid();
    expect(statm(kernel, tid)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("a forked child shares the parent's pages until it writes, and each statm counts its own mm", () => {
    const { kernel, mmu, tid, mmId } = world();
    const a = kernel.syscall(tid, NR.mmap, 0, 2 * P, RW, ANON, -1, 0) as number;
    expect(mmu.writeUser(mmId, a, new Uint8Array([1]))).toBe(0);
    const child = kernel.syscall(tid, NR.fork) as number;
    expect(child).toBeGreaterThan(0);
    kernel.assertValid();
    expect(statm(kernel, child)).toEqual([2, 1, 0, 0, 0, 2, 0]);
    expect(read(kernel, `/proc/${child}/status`)).toMatch(new RegExp(`^PPid:\\t${tid}$`, "m"));
    expect(kernel.syscall(tid, NR.munmap, a, 2 * P)).toBe(0);
    kernel.assertValid();
    expect(statm(kernel, tid)[0]).toBe(0);
    expect(statm(kernel, child)).toEqual([2, 1, 0, 0, 0, 2, 0]);
  });

  it("a pid that does not exist is ENOENT", () => {
    const { kernel } = world();
    expect(kernel.readProc("/proc/4242/status")).toBe(-2);
    expect(kernel.readProc("/proc/4242/statm")).toBe(-2);
  });

  it.skipIf(process.platform !== "linux")("status prints the host's fields in the host's order (Linux only: reads the host's /proc/self/status)", () => {
    const { kernel, tid } = world();
    const names = (text: string): string[] => text.trimEnd().split("\n").map((l) => l.slice(0, l.indexOf(":")));
    const host = names(readFileSync("/proc/self/status", "utf8"));
    const ours = names(read(kernel, `/proc/${tid}/status`));
    // the host may print fields of options we don't model (x86_Thread_features, Mems on NUMA, ...): ours must be its subsequence
    let i = 0;
    for (const name of host) if (name === ours[i]) i++;
    expect(ours.slice(i)).toEqual([]);
    expect(ours.length).toBeGreaterThan(50);
  });
});
