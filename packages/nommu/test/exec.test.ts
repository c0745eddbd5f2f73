import { describe, expect, it } from "vitest";
import { EINVAL, ENOMEM, MAP_GROWSDOWN, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import type { ExecLayout, MmapFile } from "@mmsim/mm-types";
import { BlockFile, P, makeWorld, pattern } from "./fakes.js";
import { vmas } from "./helpers.js";

/** A binfmt_flat-like image: shared text from the file, private data+bss+heap, a stack. */
function layout(text: MmapFile): ExecLayout {
  const T = 0x1000000;
  return {
    areas: [
      { start: T, end: T + 3 * P, prot: PROT_READ | PROT_EXEC, flags: MAP_PRIVATE, pgoff: 0, file: text, name: null },
      { start: T + 0x100000, end: T + 0x100000 + 8 * P, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE, pgoff: 0, file: null, name: null },
      { start: 0x7ff00000, end: 0x7ff00000 + 4 * P, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_GROWSDOWN, pgoff: 0, file: null, name: "[stack]" },
    ],
    startBrk: T + 0x100000 + 2 * P,
    brk: T + 0x100000 + 3 * P,
    endBrk: T + 0x100000 + 8 * P,
    mmapBase: 0,
  };
}

describe("exec on NOMMU", () => {
  it("refuses an empty area or a pgoff that is no page index with EINVAL and maps nothing", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/bin/app", pattern(3 * P));
    const mm = nommu.mmNew();
    const good = layout(f.open());
    for (const bad of [{ pgoff: 0.5 }, { pgoff: -1 }, { end: good.areas[0]!.start }]) {
      expect(nommu.mmExec(mm, { ...good, areas: [{ ...good.areas[0]!, ...bad }, ...good.areas.slice(1)] })).toBe(-EINVAL);
      expect(vmas(nommu, mm)).toHaveLength(0);
      nommu.assertValid();
    }
  });


  it("maps every area where memory is found and moves the heap and stack positions with their areas", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/bin/app", pattern(3 * P));
    const mm = nommu.mmNew();
    expect(nommu.mmExec(mm, layout(f.open()))).toBe(0);
    nommu.assertValid();
    expect(vmas(nommu, mm)).toHaveLength(3);
    const dataVma = vmas(nommu, mm).find((v) => v.file === null && v.vmEnd - v.vmStart === 8 * P)!;
    const stackVma = vmas(nommu, mm).find((v) => v.file === null && v.vmEnd - v.vmStart === 4 * P)!;
    expect(nommu.view(mm).layout()).toEqual({ startBrk: dataVma.vmStart + 2 * P, brk: dataVma.vmStart + 3 * P, startStack: stackVma.vmStart + 3 * P });
    expect(nommu.brk(mm, dataVma.vmStart + 8 * P)).toBe(dataVma.vmStart + 8 * P);
    expect(nommu.brk(mm, dataVma.vmStart + 8 * P + 1)).toBe(dataVma.vmStart + 8 * P);
    expect(nommu.showMaps(mm)).toMatch(/rw-p 00000000 00:00 0 +\[stack\]\n/);
    expect(nommu.mmapPagesAllocated).toBe(3 + 8 + 4);
  });

  it("shares the text of a program two processes run (read-only private: the same region)", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/bin/app", pattern(3 * P));
    const [m1, m2] = [nommu.mmNew(), nommu.mmNew()];
    nommu.mmExec(m1, layout(f.open()));
    nommu.mmExec(m2, layout(f.open()));
    const text = (mm: number) => vmas(nommu, mm).find((v) => v.file !== null)!.vmStart;
    expect(text(m2)).toBe(text(m1));
    expect(nommu.mmapPagesAllocated).toBe(3 + 2 * (8 + 4));
    nommu.assertValid();
  });

  it("undoes everything when an area can't be mapped", () => {
    const { alloc, nommu } = makeWorld({ pages: 64 });
    const f = new BlockFile("/bin/app", pattern(3 * P));
    const mm = nommu.mmNew();
    const free0 = alloc.freePagesCount();
    const big = { ...layout(f.open()) };
    const areas = [...big.areas, { start: 0x20000000, end: 0x20000000 + 128 * P, prot: PROT_READ, flags: MAP_PRIVATE, pgoff: 0, file: null, name: null }];
    expect(nommu.mmExec(mm, { ...big, areas })).toBe(-ENOMEM);
    expect(vmas(nommu, mm)).toEqual([]);
    expect(alloc.freePagesCount()).toBe(free0);
    nommu.assertValid();
  });
});
