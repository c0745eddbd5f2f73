/**
 * Random sequences of mmap, munmap, mprotect, mremap, brk and madvise in a small window, with the
 * VMA tree's and the backend's invariants checked after every step, and a page-level model of
 * which pages are mapped with which protection compared after every step.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, MREMAP_FIXED, MREMAP_MAYMOVE, PAGE_SIZE as P, PROT_EXEC, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { parseProcMaps } from "@mmsim/procfs";
import { newBackend } from "./helpers.js";

const BASE = 0x40000000;
const PAGES = 32;

type Op =
  | { kind: "mmap"; page: number; len: number; prot: number; shared: boolean }
  | { kind: "munmap"; page: number; len: number }
  | { kind: "mprotect"; page: number; len: number; prot: number }
  | { kind: "mremap"; page: number; len: number; to: number };

const protArb = fc.constantFrom(0, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC, PROT_WRITE);
const page = fc.integer({ min: 0, max: PAGES - 1 });
const len = fc.integer({ min: 1, max: 6 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("mmap" as const), page, len, prot: protArb, shared: fc.boolean() }),
  fc.record({ kind: fc.constant("munmap" as const), page, len }),
  fc.record({ kind: fc.constant("mprotect" as const), page, len, prot: protArb }),
  fc.record({ kind: fc.constant("mremap" as const), page, len, to: page }),
);

/** Per page of the window: "" when unmapped, else the perms string /proc prints. */
function pagesFromMaps(text: string): string[] {
  const out = new Array<string>(PAGES).fill("");
  for (const e of parseProcMaps(text).entries) {
    for (let a = e.start; a < e.end; a += P) {
      const i = (a - BASE) / P;
      if (i >= 0 && i < PAGES) out[i] = `${e.prot & PROT_READ ? "r" : "-"}${e.prot & PROT_WRITE ? "w" : "-"}${e.prot & PROT_EXEC ? "x" : "-"}${e.share}`;
    }
  }
  return out;
}

describe("MMU backend over random operation sequences", () => {
  it("keeps its invariants and matches a page-level model", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const be = newBackend();
        const mm = be.mmNew();
        const model = new Array<string>(PAGES).fill("");
        const perms = (prot: number, shared: boolean): string =>
          `${prot & PROT_READ ? "r" : "-"}${prot & PROT_WRITE ? "w" : "-"}${prot & PROT_EXEC ? "x" : "-"}${shared ? "s" : "p"}`;
        for (const op of ops) {
          const n = Math.min(op.len, PAGES - op.page);
          const addr = BASE + op.page * P;
          if (op.kind === "mmap") {
            const flags = (op.shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_FIXED;
            expect(be.mmap(mm, { addr, len: n * P, prot: op.prot, flags, pgoff: 0, file: null })).toBe(addr);
            for (let i = op.page; i < op.page + n; i++) model[i] = perms(op.prot, op.shared);
          } else if (op.kind === "munmap") {
            expect(be.munmap(mm, addr, n * P)).toBe(0);
            for (let i = op.page; i < op.page + n; i++) model[i] = "";
          } else if (op.kind === "mprotect") {
            const r = be.mprotect(mm, addr, n * P, op.prot);
            const range = model.slice(op.page, op.page + n);
            if (range.every((p) => p !== "")) {
              expect(r).toBe(0);
              for (let i = op.page; i < op.page + n; i++) model[i] = perms(op.prot, model[i]!.endsWith("s"));
            } else {
              expect(r).toBeLessThan(0);
              // a partial effect is allowed up to the first hole: re-read the truth for the range
              const now = pagesFromMaps(be.maps(mm));
              for (let i = op.page; i < op.page + n; i++) model[i] = now[i]!;
            }
          } else {
            const to = Math.min(op.to, PAGES - n);
            const r = be.mremap(mm, addr, n * P, n * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + to * P);
            const overlaps = addr < BASE + (to + n) * P && BASE + to * P < addr + n * P;
            if (overlaps) expect(r).toBeLessThan(0);
            if (r >= 0) {
              expect(r).toBe(BASE + to * P);
              const moved = model.slice(op.page, op.page + n);
              for (let i = op.page; i < op.page + n; i++) model[i] = "";
              // each VMA moves on its own: the destination of a gap between VMAs is left as it was
              for (let i = 0; i < n; i++) if (moved[i] !== "") model[to + i] = moved[i]!;
            } else {
              const now = pagesFromMaps(be.maps(mm));
              for (let i = 0; i < PAGES; i++) model[i] = now[i]!;
            }
          }
          be.assertValid();
          expect(pagesFromMaps(be.maps(mm))).toEqual(model);
        }
      }),
      { numRuns: 200 },
    );
  });
});
