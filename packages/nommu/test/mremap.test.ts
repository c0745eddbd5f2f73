import { describe, expect, it } from "vitest";
import { EINVAL, ENOMEM, EPERM, MAP_ANONYMOUS, MAP_SHARED, MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { BlockFile, Framebuffer, P, makeWorld, pattern } from "./fakes.js";
import { anonReq, privReq, sharedReq, vmas } from "./helpers.js";

describe("mremap within the region (NOMMU-22)", () => {
  it("shrinks and grows back up to the region's vm_end, in place, allocating nothing", () => {
    const { alloc, nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(4 * P));
    const free0 = alloc.freePagesCount();
    expect(nommu.mremap(mm, a, 4 * P, P, 0, 0)).toBe(a);
    expect(vmas(nommu, mm)[0]).toMatchObject({ vmStart: a, vmEnd: a + P });
    expect(nommu.mremap(mm, a, P, 4 * P, MREMAP_MAYMOVE, 0)).toBe(a);
    expect(nommu.mremap(mm, a, 4 * P, 5 * P, MREMAP_MAYMOVE, 0)).toBe(-ENOMEM);
    expect(alloc.freePagesCount()).toBe(free0);
    nommu.assertValid();
  });

  it("can't reach into the slack above vm_end", () => {
    const { nommu } = makeWorld({ nrTrimPages: 0 });
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(3 * P)); // vm_top is 4 pages up
    expect(nommu.mremap(mm, a, 3 * P, 4 * P, 0, 0)).toBe(-ENOMEM);
  });

  it.each([
    ["old_len 0", 0, 0, P, 0, 0, -EINVAL],
    ["new_len 0", 0, 2 * P, 0, 0, 0, -EINVAL],
    ["unaligned address", 8, P, P, 0, 0, -EINVAL],
    ["MREMAP_FIXED elsewhere", 0, 2 * P, P, MREMAP_FIXED | MREMAP_MAYMOVE, 8 * P, -EINVAL],
    ["MREMAP_FIXED to itself", 0, 2 * P, P, MREMAP_FIXED | MREMAP_MAYMOVE, 0, 0],
    ["MREMAP_DONTUNMAP is ignored", 0, 2 * P, P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0, 0],
    ["not exactly a VMA", 0, P, P, 0, 0, -EINVAL],
    ["an unaligned old length rounds up", 0, 2 * P - 5, P, 0, 0, 0],
    ["nothing there", 64 * P, P, P, 0, 0, -EINVAL],
  ])("%s", (_name, off, oldLen, newLen, flags, newOff, want) => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(2 * P));
    expect(nommu.mremap(mm, a + off, oldLen, newLen, flags, a + newOff)).toBe(want === 0 ? a : want);
    nommu.assertValid();
  });

  it("refuses shareable mappings with EPERM, shared or not yet shared", () => {
    const w = makeWorld();
    const f = new BlockFile("/lib", pattern(4 * P));
    const fb = new Framebuffer(w, 2 * P);
    const mm = w.nommu.mmNew();
    const ro = w.nommu.mmap(mm, privReq(f.open(), 0, 2 * P));
    const sh = w.nommu.mmap(mm, sharedReq(fb.open(), 0, 2 * P));
    expect(w.nommu.mremap(mm, ro, 2 * P, P, 0, 0)).toBe(-EPERM);
    expect(w.nommu.mremap(mm, ro, 2 * P, 4 * P, 0, 0)).toBe(-EPERM); // EPERM before ENOMEM
    expect(w.nommu.mremap(mm, sh, 2 * P, P, 0, 0)).toBe(-EPERM);
    const anonShared = w.nommu.mmap(mm, anonReq(2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS));
    expect(w.nommu.mremap(mm, anonShared, 2 * P, P, 0, 0)).toBe(anonShared); // anonymous MAP_SHARED is private
  });

  it("re-links a writable file copy in i_mmap under its new length", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/data", pattern(4 * P));
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, privReq(f.open(), 0, 4 * P, PROT_READ | PROT_WRITE));
    expect(nommu.mremap(mm, a, 4 * P, P, 0, 0)).toBe(a);
    expect([...f.mapping.vmasIntersecting(2, 3)]).toEqual([]);
    expect([...f.mapping.vmasIntersecting(0, 0)]).toHaveLength(1);
    nommu.assertValid();
  });
});
