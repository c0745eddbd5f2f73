/**
 * Random sequences of mmap, fault, fork, exit, split, merge, mremap, zap, munmap and reclaim,
 * replayed on the test backend. After every step: assertValid of the anon_vmas, the i_mmap and
 * the per-page state, and the rmap against the brute-force model (each page's set of (mm, addr)
 * from the page tables): every mapping is found by the walk, mapcounts are exact, and
 * page_referenced with every accessed bit set counts every mapping.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PAGE_SIZE } from "@mmsim/mm-types";
import { PRIVATE_RW, SHARED_RW, World, page } from "./support.js";
import type { Mm, TestVma } from "./support.js";

type Op =
  | { kind: "mmap"; mm: number; at: number; pages: number; file: 0 | 1 | 2; pgoff: number }
  | { kind: "fault"; mm: number; vma: number; off: number; write: boolean }
  | { kind: "fork"; mm: number }
  | { kind: "exit"; mm: number }
  | { kind: "split"; mm: number; vma: number; off: number }
  | { kind: "merge"; mm: number; vma: number }
  | { kind: "move"; mm: number; vma: number; at: number }
  | { kind: "zap"; mm: number; vma: number }
  | { kind: "munmap"; mm: number; vma: number }
  | { kind: "reclaim"; pick: number }
  | { kind: "referenced"; pick: number };

const n = fc.nat(1000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("mmap" as const), mm: n, at: fc.integer({ min: 16, max: 96 }), pages: fc.integer({ min: 1, max: 6 }), file: fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const), pgoff: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("fault" as const), mm: n, vma: n, off: n, write: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("fork" as const), mm: n }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("exit" as const), mm: n }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("split" as const), mm: n, vma: n, off: n }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("merge" as const), mm: n, vma: n }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("move" as const), mm: n, vma: n, at: fc.integer({ min: 16, max: 120 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("zap" as const), mm: n, vma: n }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("munmap" as const), mm: n, vma: n }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reclaim" as const), pick: n }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("referenced" as const), pick: n }) },
);

function pickMm(w: World, i: number): Mm | undefined {
  const mms = [...w.mms.values()];
  return mms.length === 0 ? undefined : mms[i % mms.length];
}

function pickVma(w: World, op: { mm: number; vma: number }): [Mm, TestVma] | undefined {
  const mm = pickMm(w, op.mm);
  if (mm === undefined || mm.vmas.length === 0) return undefined;
  return [mm, mm.vmas[op.vma % mm.vmas.length]!];
}

function isFree(mm: Mm, start: number, end: number): boolean {
  return mm.vmas.every((v) => v.vmEnd <= start || end <= v.vmStart);
}

function mappedPfns(w: World): number[] {
  return [...w.truth().keys()].sort((a, b) => a - b);
}

function apply(w: World, op: Op): void {
  switch (op.kind) {
    case "mmap": {
      const mm = pickMm(w, op.mm) ?? w.newMm();
      const start = page(op.at);
      if (!isFree(mm, start, start + op.pages * PAGE_SIZE)) return;
      if (op.file === 0) w.mmapAnon(mm, start, op.pages);
      else w.mmapFile(mm, start, op.pages, op.pgoff, op.file === 1 ? PRIVATE_RW : SHARED_RW);
      return;
    }
    case "fault": {
      const hit = pickVma(w, op);
      if (hit === undefined) return;
      const [mm, vma] = hit;
      w.fault(mm, vma.vmStart + (op.off % ((vma.vmEnd - vma.vmStart) / PAGE_SIZE)) * PAGE_SIZE, op.write);
      return;
    }
    case "fork": {
      const mm = pickMm(w, op.mm);
      if (mm !== undefined && w.mms.size < 6) w.fork(mm);
      return;
    }
    case "exit": {
      const mm = pickMm(w, op.mm);
      if (mm !== undefined) w.exit(mm);
      return;
    }
    case "split": {
      const hit = pickVma(w, op);
      if (hit === undefined) return;
      const pages = (hit[1].vmEnd - hit[1].vmStart) / PAGE_SIZE;
      if (pages > 1) w.split(hit[0], hit[1], hit[1].vmStart + (1 + (op.off % (pages - 1))) * PAGE_SIZE);
      return;
    }
    case "merge": {
      const hit = pickVma(w, op);
      if (hit === undefined) return;
      const [mm, vma] = hit;
      const next = mm.vmas[mm.vmas.indexOf(vma) + 1];
      if (next !== undefined && w.canMerge(vma, next)) w.merge(mm, vma, next);
      return;
    }
    case "move": {
      const hit = pickVma(w, op);
      if (hit === undefined) return;
      const [mm, vma] = hit;
      const start = page(op.at);
      if (isFree(mm, start, start + vma.vmEnd - vma.vmStart)) w.move(mm, vma, start);
      return;
    }
    case "zap": {
      const hit = pickVma(w, op);
      if (hit !== undefined) w.zap(hit[0], hit[1].vmStart, hit[1].vmEnd);
      return;
    }
    case "munmap": {
      const hit = pickVma(w, op);
      if (hit !== undefined) w.unmapVma(hit[0], hit[1]);
      return;
    }
    case "reclaim": {
      const pfns = mappedPfns(w);
      if (pfns.length === 0) return;
      const pfn = pfns[op.pick % pfns.length]!;
      expect(w.rmap.tryToUnmap(pfn, w.ptePort())).toBe(true);
      expect(w.truth().has(pfn), `pfn ${pfn} still in a page table after try_to_unmap`).toBe(false);
      return;
    }
    case "referenced": {
      const pfns = mappedPfns(w);
      if (pfns.length === 0) return;
      const pfn = pfns[op.pick % pfns.length]!;
      const young = new Set(w.truth().get(pfn));
      const mappings = young.size;
      expect(w.rmap.pageReferenced(pfn, w.ptePort(young))).toBe(mappings);
      expect(young.size, "accessed bits left set").toBe(0);
      return;
    }
  }
}

describe("rmap against a brute-force model", () => {
  it("finds every mapping of every page after any sequence of operations", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 100 }), (ops) => {
        const w = new World(512);
        w.newMm();
        for (const op of ops) {
          apply(w, op);
          w.check();
        }
        for (const mm of [...w.mms.values()]) w.exit(mm);
        w.check();
        expect(w.anonVmas.nrAnonVmas + w.anonVmas.nrAnonVmaChains).toBe(0);
        expect(w.file.mapCount).toBe(0);
      }),
      { numRuns: 400 },
    );
  });
});
