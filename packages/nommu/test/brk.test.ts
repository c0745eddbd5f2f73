import { describe, expect, it } from "vitest";
import { MAP_PRIVATE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { P, makeWorld } from "./fakes.js";

/** binfmt_flat's layout: data + bss, then the heap reservation up to end_brk, then the stack. */
function flatProcess() {
  const { alloc, nommu } = makeWorld();
  const mm = nommu.mmNew();
  const L = 0x10000000; // link-time addresses: relocated to wherever the allocator puts the area
  const ret = nommu.mmExec(mm, {
    areas: [{ start: L, end: L + 16 * P, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE, pgoff: 0, file: null, name: null }],
    startBrk: L + 4 * P,
    endBrk: L + 12 * P,
    mmapBase: 0,
  });
  expect(ret).toBe(0);
  return { alloc, nommu, mm };
}

describe("brk inside the reservation (NOMMU-24)", () => {
  it("moves the break between start_brk and end_brk and never allocates", () => {
    const { alloc, nommu, mm } = flatProcess();
    const start = nommu.brk(mm, 0); // below start_brk: the current break
    const free0 = alloc.freePagesCount();
    expect(nommu.view(mm).layout()).toMatchObject({ startBrk: start, brk: start });
    expect(nommu.brk(mm, start + 3 * P)).toBe(start + 3 * P);
    expect(nommu.brk(mm, start + 8 * P)).toBe(start + 8 * P); // end_brk itself
    expect(nommu.brk(mm, start + 8 * P + 1)).toBe(start + 8 * P); // past end_brk: unchanged
    expect(nommu.brk(mm, start - 1)).toBe(start + 8 * P); // below start_brk: unchanged
    expect(nommu.brk(mm, start + 5)).toBe(start + 5); // shrinking is always allowed
    expect(nommu.brk(mm, start + 5)).toBe(start + 5);
    expect(alloc.freePagesCount()).toBe(free0);
    nommu.assertValid();
  });

  it("is stuck at start_brk when the loader reserved nothing (ELF-FDPIC: end_brk = start_brk)", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    nommu.mmExec(mm, {
      areas: [{ start: 0x1000, end: 0x21000, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE, pgoff: 0, file: null, name: "[stack]" }],
      startBrk: 0x1000,
      mmapBase: 0,
    });
    const b = nommu.brk(mm, 0);
    expect(nommu.brk(mm, b + P)).toBe(b);
    expect(nommu.brk(mm, b)).toBe(b);
  });
});
