/**
 * Random operation sequences over several processes, files and devices, with every invariant
 * checked after every step (assertValid: usage counts, no overlapping regions, MmapCopy equal to the
 * pages copies hold, each copy page referenced) and two properties of our own: distinct writable
 * copies never alias (a tag written into each stays there), and once every process is gone and the
 * devices are freed, every page is back in the allocator.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, MAP_UNINITIALIZED, PROT_EXEC, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import { BlockFile, Framebuffer, P, RamfsInode, RomfsFile, makeWorld, pattern } from "./fakes.js";
import { vmas } from "./helpers.js";

type Op =
  | { k: "new" }
  | { k: "release"; mm: number }
  | { k: "anon"; mm: number; pages: number; prot: number; shared: boolean; uninit: boolean }
  | { k: "file"; mm: number; file: number; pgoff: number; pages: number; prot: number; shared: boolean }
  | { k: "munmap"; mm: number; vma: number; from: number; pages: number }
  | { k: "munmapAt"; mm: number; page: number; pages: number }
  | { k: "mremap"; mm: number; vma: number; pages: number }
  | { k: "trim"; n: number }
  | { k: "truncate"; pages: number };

const mmIdx = fc.nat(3);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Op>({ k: "new" }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("release" as const), mm: mmIdx }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("anon" as const), mm: mmIdx, pages: fc.integer({ min: 1, max: 9 }), prot: fc.constantFrom(PROT_READ, PROT_READ | PROT_WRITE, 0), shared: fc.boolean(), uninit: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant("file" as const),
      mm: mmIdx,
      file: fc.nat(4),
      pgoff: fc.nat(5),
      pages: fc.integer({ min: 1, max: 4 }),
      prot: fc.constantFrom(PROT_READ, PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE),
      shared: fc.boolean(),
    }),
  },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("munmap" as const), mm: mmIdx, vma: fc.nat(20), from: fc.nat(8), pages: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("munmapAt" as const), mm: mmIdx, page: fc.nat(300), pages: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("mremap" as const), mm: mmIdx, vma: fc.nat(20), pages: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("trim" as const), n: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("truncate" as const), pages: fc.nat(8) }) },
);

function run(ops: readonly Op[]): void {
  const w = makeWorld({ pages: 1024, mmapUninitialized: true });
  const { alloc, nommu } = w;
  const free0 = alloc.freePagesCount();
  const fb = new Framebuffer(w, 4 * P);
  const rom = new RomfsFile(w, pattern(5 * P));
  const ramfs = new RamfsInode("/dev/shm/p", w);
  ramfs.truncate(6 * P);
  const disk = [new BlockFile("/lib/a.so", pattern(5 * P + 123)), new BlockFile("/lib/b.so", pattern(2 * P, 9))];
  const files = (i: number, writable: boolean): MmapFile => {
    if (i < 2) return disk[i]!.open({ writable });
    if (i === 2) return fb.open();
    if (i === 3) return rom.open();
    return ramfs.open({ writable });
  };
  const mms = [nommu.mmNew()];
  /** A byte each writable private copy got when made, by address: nothing else may change it. */
  const tags = new Map<number, { mm: number; byte: number }>();
  let nextTag = 1;
  const pick = (i: number): number | undefined => (mms.length === 0 ? undefined : mms[i % mms.length]);
  const dropTags = (mm: number, from: number, to: number) => {
    for (const [a, t] of tags) if (t.mm === mm && a >= from && a < to) tags.delete(a);
  };
  for (const o of ops) {
    const mm = "mm" in o ? pick(o.mm) : undefined;
    switch (o.k) {
      case "new":
        mms.push(nommu.mmNew());
        break;
      case "release":
        if (mm === undefined) break;
        nommu.mmRelease(mm);
        mms.splice(mms.indexOf(mm), 1);
        for (const [a, t] of tags) if (t.mm === mm) tags.delete(a);
        break;
      case "anon": {
        if (mm === undefined) break;
        const flags = (o.shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | (o.uninit ? MAP_UNINITIALIZED : 0);
        const a = nommu.mmap(mm, { addr: 0, len: o.pages * P, prot: o.prot, flags, pgoff: 0, file: null });
        if (a < 0) break;
        const byte = (nextTag++ % 255) + 1;
        expect(nommu.writeUser(mm, a, new Uint8Array([byte]))).toBe(0);
        tags.set(a, { mm, byte });
        break;
      }
      case "file": {
        if (mm === undefined) break;
        const file = files(o.file, (o.prot & PROT_WRITE) !== 0);
        const a = nommu.mmap(mm, { addr: 0, len: o.pages * P, prot: o.prot, flags: o.shared ? MAP_SHARED : MAP_PRIVATE, pgoff: o.pgoff, file });
        if (a >= 0 && !o.shared && o.prot & PROT_WRITE) {
          const byte = (nextTag++ % 255) + 1;
          expect(nommu.writeUser(mm, a, new Uint8Array([byte]))).toBe(0);
          tags.set(a, { mm, byte });
        }
        break;
      }
      case "munmap": {
        if (mm === undefined) break;
        const list = vmas(nommu, mm);
        const v = list[o.vma % Math.max(1, list.length)];
        if (v === undefined) break;
        const start = v.vmStart + (o.from % (v.vmEnd - v.vmStart > P ? 3 : 1)) * P;
        if (nommu.munmap(mm, start, o.pages * P) === 0) dropTags(mm, start, start + o.pages * P);
        break;
      }
      case "munmapAt": {
        if (mm === undefined) break;
        const start = w.alloc.pfnToPhys(w.alloc.firstPfn + o.page);
        const before = vmas(nommu, mm);
        if (nommu.munmap(mm, start, o.pages * P) === 0) {
          const after = new Set(vmas(nommu, mm).map((v) => `${v.vmStart}-${v.vmEnd}`));
          for (const v of before) if (!after.has(`${v.vmStart}-${v.vmEnd}`)) dropTags(mm, v.vmStart, v.vmEnd);
        }
        break;
      }
      case "mremap": {
        if (mm === undefined) break;
        const list = vmas(nommu, mm);
        const v = list[o.vma % Math.max(1, list.length)];
        if (v !== undefined) nommu.mremap(mm, v.vmStart, v.vmEnd - v.vmStart, o.pages * P, 0, 0);
        break;
      }
      case "trim":
        expect(nommu.setNrTrimPages(o.n)).toBe(0);
        break;
      case "truncate":
        ramfs.truncate(o.pages * P);
        break;
    }
    nommu.assertValid();
    for (const [a, t] of tags) {
      const b = new Uint8Array(1);
      expect(nommu.readUser(t.mm, a, b)).toBe(0);
      expect(b[0], `the copy at ${a.toString(16)} of mm ${t.mm} was overwritten`).toBe(t.byte);
    }
  }
  for (const mm of mms) nommu.mmRelease(mm);
  nommu.assertValid();
  expect(nommu.mmapPagesAllocated).toBe(0);
  expect(nommu.showGlobalMaps()).toBe("");
  ramfs.evict();
  for (const base of [fb.base]) for (let p = 0; p < 4; p++) alloc.putPage(base / P + p);
  for (let p = 0; p < 6; p++) alloc.putPage((rom.dataAddr - 0x40) / P + p);
  expect(alloc.freePagesCount(), "pages leaked").toBe(free0);
}

describe("random sequences", () => {
  it("keep every invariant, never alias two copies, and leak nothing", () => {
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => run(ops)), { numRuns: 250 });
  });
});
