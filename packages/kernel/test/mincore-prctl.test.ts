/**
 * mincore(2) and prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) through the syscall layer, beyond their
 * conformance rows. mincore's answers were checked on the host (Linux 6.18, `setarch -R`): a hole
 * part way writes the bytes before it and then fails with ENOMEM; a page-cache page no pte maps
 * counts as resident; a bad vec is EFAULT. The host is built without CONFIG_ANON_VMA_NAME, so the
 * prctl cases follow kernel/sys.c (prctl_set_vma, is_valid_name_char) and mm/madvise.c
 * (madvise_set_anon_name, madvise_vma_anon_name) of 6.2+.
 */
import { describe, expect, it } from "vitest";
import {
  EBADF,
  EFAULT,
  EINVAL,
  ENOMEM,
  ENOSYS,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_CREAT,
  O_RDWR,
  PAGE_SIZE as P,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  PR_SET_VMA,
  PR_SET_VMA_ANON_NAME,
} from "@mmsim/mm-types";
import { makeWorld, peek, poke, spawn, sys } from "./drivers/world.js";
import type { Kernel } from "../src/index.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function mmapOk(kernel: Kernel, tid: number, len: number, prot = RW, flags = ANON, fd = -1): number {
  const a = sys(kernel, tid, NR.mmap, 0, len, prot, flags, fd, 0);
  expect(a).toBeGreaterThan(0);
  return a;
}

function bytes(kernel: Kernel, tid: number, addr: number, len: number): number[] {
  const b = peek(kernel, tid, addr, len);
  if (!(b instanceof Uint8Array)) throw new Error(`reading ${addr.toString(16)} faulted`);
  return [...b];
}

/** The pathname column of the maps line of the VMA starting at `addr` ("" when none). */
function nameAt(kernel: Kernel, tid: number, addr: number): string | undefined {
  const text = kernel.readProc(`/proc/${tid}/maps`);
  if (typeof text === "number") throw new Error(`maps: ${text}`);
  const line = text.split("\n").find((l) => parseInt(l.split("-")[0]!, 16) === addr);
  return line?.slice(73).trimEnd() ?? (line === undefined ? undefined : "");
}

function setName(kernel: Kernel, tid: number, addr: number, len: number, name: string | number | null): number {
  return sys(kernel, tid, NR.prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name);
}

describe("mincore", () => {
  it("writes the bytes before a hole, then fails with ENOMEM", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const vec = mmapOk(kernel, tid, P, PROT_READ | PROT_WRITE | PROT_EXEC);
    const m = mmapOk(kernel, tid, 10 * P);
    for (const page of [0, 3, 9]) expect(poke(kernel, tid, m + page * P + 5, new Uint8Array([1]))).toBe(0);
    expect(sys(kernel, tid, NR.munmap, m + 5 * P, P)).toBe(0);
    expect(poke(kernel, tid, vec, new Uint8Array(12).fill(0xee))).toBe(0);
    expect(sys(kernel, tid, NR.mincore, m, 10 * P, vec)).toBe(-ENOMEM);
    expect(bytes(kernel, tid, vec, 12)).toEqual([1, 0, 0, 1, 0, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
    // a hole at the start: nothing written
    expect(sys(kernel, tid, NR.mincore, m + 5 * P, 2 * P, vec + 100)).toBe(-ENOMEM);
    expect(bytes(kernel, tid, vec + 100, 2)).toEqual([0, 0]);
  });

  it("is EFAULT for a vec that is NULL, unmapped, read-only or above user space", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const m = mmapOk(kernel, tid, P);
    const ro = mmapOk(kernel, tid, P, PROT_READ);
    for (const vec of [0, 0x10000, ro, 0xffff800000000000]) expect(sys(kernel, tid, NR.mincore, m, P, vec), `vec ${vec.toString(16)}`).toBe(-EFAULT);
    // the range is checked first: an unaligned start is EINVAL whatever vec is
    expect(sys(kernel, tid, NR.mincore, m + 1, P, 0)).toBe(-EINVAL);
  });

  it("counts a file's page-cache page as resident though no pte maps it", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const fd = sys(kernel, tid, NR.open, "/cached", O_RDWR | O_CREAT, 0o644);
    expect(sys(kernel, tid, NR.ftruncate, fd, 4 * P)).toBe(0);
    const vec = mmapOk(kernel, tid, P);
    // a read fault through one mapping brings page 0 into the page cache; the mapping then goes
    const first = mmapOk(kernel, tid, 4 * P, PROT_READ, MAP_SHARED, fd);
    bytes(kernel, tid, first, 1);
    expect(sys(kernel, tid, NR.munmap, first, 4 * P)).toBe(0);
    const f = mmapOk(kernel, tid, 4 * P, PROT_READ, MAP_SHARED, fd);
    expect(sys(kernel, tid, NR.mincore, f, 4 * P, vec)).toBe(0);
    expect(bytes(kernel, tid, vec, 4)).toEqual([1, 0, 0, 0]);
  });

  it("is ENOSYS on NOMMU, where Linux builds no mm/mincore.c", () => {
    const { kernel } = makeWorld("nommu");
    const tid = spawn(kernel);
    const m = mmapOk(kernel, tid, P);
    expect(sys(kernel, tid, NR.mincore, m, P, m)).toBe(-ENOSYS);
  });
});

describe("prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME)", () => {
  it("names part of a VMA by splitting it, and merges it back when the names agree again", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const a = mmapOk(kernel, tid, 3 * P);
    expect(setName(kernel, tid, a + P, P, "mid")).toBe(0);
    expect([nameAt(kernel, tid, a), nameAt(kernel, tid, a + P), nameAt(kernel, tid, a + 2 * P)]).toEqual(["", "[anon:mid]", ""]);
    expect(setName(kernel, tid, a, 3 * P, "mid")).toBe(0);
    expect(nameAt(kernel, tid, a)).toBe("[anon:mid]");
    expect(nameAt(kernel, tid, a + P)).toBeUndefined();
    expect(setName(kernel, tid, a, 3 * P, null)).toBe(0);
    expect(nameAt(kernel, tid, a)).toBe("");
  });

  it("checks the name: 79 characters pass, 80 are EINVAL, and so is any of \\ ` $ [ ] or a control character", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const a = mmapOk(kernel, tid, P);
    expect(setName(kernel, tid, a, P, "x".repeat(79))).toBe(0);
    expect(setName(kernel, tid, a, P, "y".repeat(80))).toBe(-EINVAL);
    for (const bad of ["a[b", "a]", "a$", "a`", "a\\b", "a\tb", "é"]) expect(setName(kernel, tid, a, P, bad), JSON.stringify(bad)).toBe(-EINVAL);
    expect(setName(kernel, tid, a, P, "a~ b")).toBe(0);
    expect(nameAt(kernel, tid, a)).toBe("[anon:a~ b]");
  });

  it("reads a name from user memory: NUL-terminated, EFAULT when it faults first, EINVAL past 79 characters", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const a = mmapOk(kernel, tid, P);
    const buf = mmapOk(kernel, tid, 2 * P);
    expect(poke(kernel, tid, buf, new Uint8Array([0x75, 0x73, 0x65, 0x72, 0]))).toBe(0);
    expect(setName(kernel, tid, a, P, buf)).toBe(0);
    expect(nameAt(kernel, tid, a)).toBe("[anon:user]");
    // a string running into an unmapped page with no NUL before it
    expect(sys(kernel, tid, NR.munmap, buf + P, P)).toBe(0);
    expect(poke(kernel, tid, buf + P - 3, new Uint8Array([0x61, 0x62, 0x63]))).toBe(0);
    expect(setName(kernel, tid, a, P, buf + P - 3)).toBe(-EFAULT);
    expect(setName(kernel, tid, a, P, 8)).toBe(-EFAULT);
    expect(poke(kernel, tid, buf, new Uint8Array(100).fill(0x7a))).toBe(0);
    expect(setName(kernel, tid, a, P, buf)).toBe(-EINVAL);
    expect(nameAt(kernel, tid, a)).toBe("[anon:user]");
  });

  it("follows madvise's range rules: unaligned EINVAL, length 0 a no-op, a hole ENOMEM after naming the rest", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const a = mmapOk(kernel, tid, 2 * P);
    expect(setName(kernel, tid, a + 1, P, "x")).toBe(-EINVAL);
    expect(setName(kernel, tid, a, 0, "x")).toBe(0);
    expect(setName(kernel, tid, a, -1, "x")).toBe(-EINVAL);
    expect(nameAt(kernel, tid, a)).toBe("");
    expect(setName(kernel, tid, a - P, 2 * P, "h")).toBe(-ENOMEM);
    expect(nameAt(kernel, tid, a)).toBe("[anon:h]");
    expect(nameAt(kernel, tid, a + P)).toBe("");
  });

  it("refuses other options with EINVAL, a private /dev/zero mapping with EBADF, and is inherited by fork", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const a = mmapOk(kernel, tid, P);
    expect(sys(kernel, tid, NR.prctl, PR_SET_VMA, 5, a, P, "x")).toBe(-EINVAL);
    expect(sys(kernel, tid, NR.prctl, 0x1234, PR_SET_VMA_ANON_NAME, a, P, "x")).toBe(-EINVAL);
    const zero = sys(kernel, tid, NR.open, "/dev/zero", O_RDWR, 0);
    const z = mmapOk(kernel, tid, P, RW, MAP_PRIVATE, zero);
    expect(setName(kernel, tid, z, P, "z")).toBe(-EBADF);
    expect(setName(kernel, tid, a, P, "kept")).toBe(0);
    const child = sys(kernel, tid, NR.fork);
    expect(child).toBeGreaterThan(0);
    expect(nameAt(kernel, child, a)).toBe("[anon:kept]");
  });

  it("is EINVAL on NOMMU, where CONFIG_ANON_VMA_NAME can't be built, before the name is read", () => {
    const { kernel } = makeWorld("nommu");
    const tid = spawn(kernel);
    const a = mmapOk(kernel, tid, P);
    expect(setName(kernel, tid, a, P, "x")).toBe(-EINVAL);
    expect(setName(kernel, tid, a, P, 8)).toBe(-EINVAL);
  });
});
