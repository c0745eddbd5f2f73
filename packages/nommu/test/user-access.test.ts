import { describe, expect, it } from "vitest";
import { EACCES, EFAULT, EINVAL, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE, SEGV_ACCERR, SIGSEGV } from "@mmsim/mm-types";
import { BlockFile, P, RAM_BASE, makeWorld, pattern } from "./fakes.js";
import { anonReq, peek, poke, privReq } from "./helpers.js";

describe("no memory protection (NOMMU-01, NOMMU-28)", () => {
  it("lets a task read and write another task's memory by address", () => {
    const { nommu } = makeWorld();
    const [victim, intruder] = [nommu.mmNew(), nommu.mmNew()];
    const a = nommu.mmap(victim, anonReq(P));
    poke(nommu, victim, a, 8, 0x11);
    expect(peek(nommu, intruder, a, 8)).toEqual(new Uint8Array(8).fill(0x11));
    poke(nommu, intruder, a + 4, 4, 0x22);
    expect([...peek(nommu, victim, a, 8)]).toEqual([0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22]);
  });

  it("lets a task write to memory it unmapped, or never mapped, and to a read-only copy", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/lib", pattern(P));
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(P));
    expect(nommu.munmap(mm, a, P)).toBe(0);
    expect(nommu.writeUser(mm, a, new Uint8Array([1, 2, 3]))).toBe(0);
    expect(nommu.writeUser(mm, RAM_BASE + 1000 * P, new Uint8Array([9]))).toBe(0);
    const ro = nommu.mmap(mm, privReq(f.open(), 0, P, PROT_READ));
    expect(nommu.writeUser(mm, ro, new Uint8Array([0xff]))).toBe(0);
    expect(peek(nommu, nommu.mmNew(), ro, 1)[0]).toBe(0xff); // "writes to the mapping are visible in other processes"
    nommu.assertValid();
  });

  it("faults outside RAM, at the first byte outside", () => {
    const { nommu } = makeWorld({ pages: 256 });
    const mm = nommu.mmNew();
    const ramEnd = RAM_BASE + 256 * P;
    expect(nommu.readUser(mm, 0, new Uint8Array(4))).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr: 0 });
    expect(nommu.readUser(mm, RAM_BASE - 2, new Uint8Array(4))).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr: RAM_BASE - 2 });
    expect(nommu.writeUser(mm, ramEnd - 2, new Uint8Array(4))).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr: ramEnd });
    expect(nommu.readUser(mm, ramEnd - 4, new Uint8Array(4))).toBe(0);
    expect(nommu.readUser(mm, 2 ** 64 - 4, new Uint8Array(0))).toBe(0); // nothing to copy
  });
});

describe("futexes on NOMMU (§5.8, NOMMU-26)", () => {
  it("keys by address: two processes sharing a region get the same key for the same word", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/shm", pattern(P));
    const [m1, m2] = [nommu.mmNew(), nommu.mmNew()];
    const a = nommu.mmap(m1, privReq(f.open(), 0, P));
    expect(nommu.mmap(m2, privReq(f.open(), 0, P))).toBe(a);
    const k1 = nommu.futex.futexKey(m1, a + 8, true);
    expect(k1).toEqual({ word0: 0, word1: a, offset: 8 });
    expect(nommu.futex.futexKey(m2, a + 8, false)).toEqual(k1);
  });

  it("follows the seed: the address must be in a readable mapping of the task; misaligned is EINVAL", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(P));
    const none = nommu.mmap(mm, anonReq(P, PROT_NONE, MAP_PRIVATE | 0x20));
    expect(nommu.futex.futexKey(mm, a + 2, false)).toBe(-EINVAL);
    expect(nommu.futex.futexKey(mm, a + 2 * P + 64 * P, false)).toBe(-EFAULT);
    expect(nommu.futex.futexKey(nommu.mmNew(), a, false)).toBe(-EFAULT); // another task's mapping
    expect(nommu.futex.futexKey(mm, none, false)).toBe(-EACCES);
  });

  it("follows 6.12 on request: any aligned address in RAM, EFAULT outside", () => {
    const { nommu } = makeWorld({ futexChecksVma: false });
    const mm = nommu.mmNew();
    expect(nommu.futex.futexKey(mm, RAM_BASE + 12, true)).toEqual({ word0: 0, word1: RAM_BASE, offset: 12 });
    expect(nommu.futex.futexKey(mm, 0x1000, true)).toBe(-EFAULT);
    expect(nommu.futex.futexKey(mm, RAM_BASE + 13, true)).toBe(-EINVAL);
  });

  it("reads and writes the futex word anywhere in RAM", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(P, PROT_READ | PROT_WRITE));
    expect(nommu.futex.writeU32(mm, a, 0xdeadbeef)).toBe(0);
    expect(nommu.futex.readU32(nommu.mmNew(), a)).toBe(0xdeadbeef);
    expect(nommu.futex.readU32(mm, 0x10)).toBe(-EFAULT);
    expect(nommu.futex.writeU32(mm, 0x10, 1)).toBe(-EFAULT);
  });
});
