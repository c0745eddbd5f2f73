import { describe, expect, it } from "vitest";
import { EINVAL, ENOMEM, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { BlockFile, P, makeWorld, pattern } from "./fakes.js";
import { anonReq, peek, poke, privReq, regionAt, regions, vmas } from "./helpers.js";

describe("munmap of anonymous mappings (NOMMU-12)", () => {
  it("punches a hole: VMA and region split, the hole's pages go back one by one", () => {
    // AAAA  →  A..A : two VMAs, two regions, two pages freed
    const { alloc, nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(4 * P));
    poke(nommu, mm, a, P, 1);
    poke(nommu, mm, a + 3 * P, P, 4);
    const free0 = alloc.freePagesCount();
    expect(nommu.munmap(mm, a + P, 2 * P)).toBe(0);
    nommu.assertValid();
    expect(alloc.freePagesCount()).toBe(free0 + 2);
    expect(nommu.mmapPagesAllocated).toBe(2);
    expect(vmas(nommu, mm).map((v) => [v.vmStart - a, v.vmEnd - a, v.vmPgoff])).toEqual([
      [0, P, 0],
      [3 * P, 4 * P, 1], // split_vma() moved the upper VMA's pgoff by the pages below the cut; the head trim keeps it
    ]);
    expect(regions(nommu).map((r) => [r.vmStart - a, r.vmEnd - a, r.vmTop - a, r.vmPgoff])).toEqual([
      [0, P, P, 0],
      [3 * P, 4 * P, 4 * P, 1],
    ]);
    expect(peek(nommu, mm, a, 1)[0]).toBe(1);
    expect(peek(nommu, mm, a + 3 * P, 1)[0]).toBe(4);
  });

  it("cuts a head or a tail; the tail cut frees the slack too", () => {
    const { alloc, nommu } = makeWorld({ nrTrimPages: 0 });
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(3 * P)); // 4 pages, one of slack
    expect(nommu.mmapPagesAllocated).toBe(4);
    const free0 = alloc.freePagesCount();
    expect(nommu.munmap(mm, a + 2 * P, P)).toBe(0);
    expect(alloc.freePagesCount()).toBe(free0 + 2);
    expect(regionAt(nommu, a)).toMatchObject({ vmEnd: a + 2 * P, vmTop: a + 2 * P });
    expect(nommu.munmap(mm, a, P)).toBe(0);
    expect(vmas(nommu, mm).map((v) => [v.vmStart - a, v.vmEnd - a])).toEqual([[P, 2 * P]]);
    expect(nommu.mmapPagesAllocated).toBe(1);
    nommu.assertValid();
  });

  it.each([
    ["len 0", 0, 0, -EINVAL],
    ["nothing there (MMU returns 0: MUNMAP-09 vs NOMMU-10)", 16 * P, P, -EINVAL],
    ["crossing the end", 2 * P, 4 * P, -EINVAL],
    ["starting below the VMA", -P, 2 * P, -EINVAL],
    ["an unaligned start inside", 100, P, -EINVAL],
    ["the whole VMA with an unaligned length", 0, 4 * P - 1, 0],
    ["the exact VMA", 0, 4 * P, 0],
    ["a tail whose length rounds up", 3 * P, 1, 0],
  ])("%s", (_name, off, len, want) => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(4 * P));
    expect(nommu.munmap(mm, a + off, len)).toBe(want);
    nommu.assertValid();
  });

  it("refuses a split past vm.max_map_count with ENOMEM", () => {
    const { nommu } = makeWorld({ maxMapCount: 2 });
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(4 * P));
    nommu.mmap(mm, anonReq(P));
    expect(nommu.munmap(mm, a + P, P)).toBe(-ENOMEM);
    expect(nommu.munmap(mm, a + 3 * P, P)).toBe(0); // a tail needs no new VMA
    nommu.assertValid();
  });

  it("returns EINVAL for huge addresses and lengths instead of wrapping", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(P));
    expect(nommu.munmap(mm, 2 ** 64 - P, P)).toBe(-EINVAL);
    expect(nommu.munmap(mm, a, 2 ** 63)).toBe(-EINVAL);
    nommu.assertValid();
  });
});

describe("munmap of file mappings (NOMMU-11)", () => {
  it("takes file VMAs only whole, and the start may not lie inside one", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/data", pattern(8 * P));
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, privReq(f.open(), 0, 4 * P, PROT_READ | PROT_WRITE));
    expect(nommu.munmap(mm, a + P, 3 * P)).toBe(-EINVAL);
    expect(nommu.munmap(mm, a, P)).toBe(-EINVAL);
    expect(nommu.munmap(mm, a, 3 * P)).toBe(-EINVAL);
    nommu.assertValid();
    expect(nommu.munmap(mm, a - P, 5 * P)).toBe(0); // from below, ending at its end: the kernel's loop accepts it
    expect(vmas(nommu, mm)).toEqual([]);
    nommu.assertValid();
  });

  it("walks on to the VMA whose end matches, whatever its kind", () => {
    // FFAA: [F, A_end) starts at the file VMA and ends where the anonymous one does: the anonymous one goes
    const { nommu } = makeWorld();
    const f = new BlockFile("/data", pattern(8 * P));
    const mm = nommu.mmNew();
    const file = nommu.mmap(mm, privReq(f.open(), 0, 2 * P, PROT_READ | PROT_WRITE));
    const anon = nommu.mmap(mm, anonReq(2 * P));
    expect(anon).toBe(file + 2 * P); // the allocator's order, which the case needs
    expect(nommu.munmap(mm, file, 4 * P)).toBe(0);
    expect(vmas(nommu, mm).map((v) => v.vmStart)).toEqual([file]);
    nommu.assertValid();
  });

  it("holds an anonymous first VMA to the anonymous rule", () => {
    // AAFF: the range must lie inside the first VMA found
    const { nommu } = makeWorld();
    const f = new BlockFile("/data", pattern(8 * P));
    const mm = nommu.mmNew();
    const anon = nommu.mmap(mm, anonReq(2 * P));
    const file = nommu.mmap(mm, privReq(f.open(), 0, 2 * P, PROT_READ | PROT_WRITE));
    expect(file).toBe(anon + 2 * P);
    expect(nommu.munmap(mm, anon, 4 * P)).toBe(-EINVAL);
    expect(vmas(nommu, mm)).toHaveLength(2);
  });

  it("keeps the file's i_mmap exact and runs close on the VMAs its mmap hook set up", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/data", pattern(8 * P));
    const [m1, m2] = [nommu.mmNew(), nommu.mmNew()];
    const a = nommu.mmap(m1, privReq(f.open(), 0, 2 * P));
    nommu.mmap(m2, privReq(f.open(), 0, 2 * P));
    expect(f.mapping.entries).toHaveLength(2);
    expect(nommu.munmap(m1, a, 2 * P)).toBe(0);
    expect(f.mapping.entries.map((e) => e.mmId)).toEqual([m2]);
    nommu.mmRelease(m2);
    expect(f.mapping.entries).toEqual([]);
    expect(f.log.calls).toEqual(["release"]); // copies never ran the mmap hook, so no close; the file's last mapping went
  });
});
