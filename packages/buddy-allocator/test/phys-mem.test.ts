import { describe, expect, it } from "vitest";
import { KernelBug, PAGE_SIZE } from "@mmsim/mm-types";
import { BuddyAllocator, PhysMem } from "../src/index.js";

describe("physical memory", () => {
  it("reads zero from untouched pages without materializing them", () => {
    const m = new PhysMem(0, 16);
    const buf = new Uint8Array(3 * PAGE_SIZE).fill(7);
    m.readBytes(PAGE_SIZE, buf);
    expect(buf.every((b) => b === 0)).toBe(true);
    expect(m.materializedPages()).toBe(0);
  });

  it("writes and reads bytes and little-endian u32 across a page boundary", () => {
    const m = new PhysMem(0, 4);
    m.writeU32(PAGE_SIZE - 2, 0xdeadbeef);
    expect(m.readU32(PAGE_SIZE - 2)).toBe(0xdeadbeef);
    const b = new Uint8Array(4);
    m.readBytes(PAGE_SIZE - 2, b);
    expect(Array.from(b)).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(m.materializedPages()).toBe(2);
    m.zero(PAGE_SIZE - 1, 2);
    expect(m.readU32(PAGE_SIZE - 2)).toBe(0xde0000ef);
  });

  it("keeps a page's bytes across free and reallocation, as RAM does", () => {
    const a = new BuddyAllocator({ pages: 8, minFreeKbytes: 0 });
    const p = a.allocPages(0);
    a.physMem.writeU32(a.pfnToPhys(p) + 8, 42);
    a.freePages(p, 0);
    expect(a.allocPages(0)).toBe(p);
    expect(a.physMem.readU32(a.pfnToPhys(p) + 8)).toBe(42);
  });

  it("offsets physical addresses by the node's first pfn", () => {
    const m = new PhysMem(0x100, 2);
    m.writeU32(0x100 * PAGE_SIZE, 5);
    expect(m.pageBytes(0x100)[0]).toBe(5);
    expect(() => m.readU32(0)).toThrow(KernelBug);
    expect(() => m.writeU32(0x102 * PAGE_SIZE - 2, 1)).toThrow(/outside memory/);
  });

  it("simulates 16 GiB while touching only what is written", () => {
    const a = new BuddyAllocator({ pages: 4 << 20 });
    a.physMem.writeU32(a.pfnToPhys((4 << 20) - 1), 1);
    expect(a.physMem.materializedPages()).toBe(1);
    expect(a.hostBytes().metadata).toBeLessThanOrEqual(32 * (4 << 20));
  });
});
