/** Device memory: one contiguous zeroed run from the allocator, page references for mappings, and the mapping count. */
import { describe, expect, it } from "vitest";
import { EINVAL, ENOMEM, MAX_PAGE_ORDER, PAGE_SIZE } from "@mmsim/mm-types";
import { DeviceMappings, DeviceMemory } from "../../src/index.js";
import { makeWorld, pattern } from "./world.js";

const P = PAGE_SIZE;

describe("DeviceMemory", () => {
  it("is contiguous and zeroed, bounds reads and writes, and gives every page back on release", () => {
    const { buddy } = makeWorld("nommu");
    const dirty = buddy.allocPages(2); // memory someone wrote and freed: the device must not see it
    buddy.physMem.writeBytes(dirty * P, pattern(4 * P));
    buddy.freePages(dirty, 2);
    const free = buddy.freePagesCount();
    const mem = DeviceMemory.alloc(buddy, buddy.physMem, 3 * P - 1) as DeviceMemory;
    expect(mem.basePfn).toBe(dirty);
    expect(buddy.freePagesCount()).toBe(free - 3);
    expect(mem.nrPages).toBe(3);
    const all = new Uint8Array(3 * P);
    expect(mem.read(0, all)).toBe(3 * P - 1);
    expect(all.every((b) => b === 0)).toBe(true);
    expect(mem.write(3 * P - 5, pattern(10))).toBe(4);
    expect(mem.read(3 * P, new Uint8Array(4))).toBe(0);
    mem.release();
    expect(buddy.freePagesCount()).toBe(free);
  });

  it("refuses an empty size (EINVAL) and more than one buddy block or free memory (ENOMEM)", () => {
    const { buddy } = makeWorld("mmu", 1024);
    expect(DeviceMemory.alloc(buddy, buddy.physMem, 0)).toBe(-EINVAL);
    expect(DeviceMemory.alloc(buddy, buddy.physMem, 1.5)).toBe(-EINVAL);
    expect(DeviceMemory.alloc(buddy, buddy.physMem, (2 << MAX_PAGE_ORDER) * P)).toBe(-ENOMEM);
    buddy.allocPages(0);
    expect(DeviceMemory.alloc(buddy, buddy.physMem, 1024 * P)).toBe(-ENOMEM);
  });

  it("hands a mapping a page with a reference of its own, and nothing past the device", () => {
    const { buddy } = makeWorld("mmu");
    const mem = DeviceMemory.alloc(buddy, buddy.physMem, 2 * P) as DeviceMemory;
    const pfn = mem.faultPage(1);
    expect(pfn).toBe(mem.basePfn + 1);
    expect(buddy.pageCount(pfn)).toBe(2);
    expect(mem.faultPage(2)).toBe(-1);
    expect(mem.faultPage(-1)).toBe(-1);
  });
});

describe("DeviceMappings", () => {
  it("counts the VMAs its mmap accepted, opened and closed, and the last closes", () => {
    const m = new DeviceMappings();
    let answer = 0;
    const hooks = m.hooks(() => answer);
    const vma = { vmStart: 0, vmEnd: P, vmFlags: 0, vmPgoff: 0 };
    expect(hooks.mmap(vma)).toBe(0);
    answer = -EINVAL;
    expect(hooks.mmap(vma)).toBe(-EINVAL);
    hooks.open(vma);
    expect(m.count).toBe(2);
    hooks.close(vma);
    hooks.close(vma);
    hooks.release();
    expect([m.count, m.lastCloses]).toEqual([0, 1]);
  });
});
