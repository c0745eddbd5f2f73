/**
 * Random sequences of mmap, munmap, mprotect, mremap, madvise(DONTNEED), byte writes and reads,
 * fork and exit over a few processes, against a model of what every page holds: each private page
 * its own byte, each shared page a slot of a shared object. assertValid() (VMA tree, page tables,
 * mapcounts, reference counts, rss counters) after every step, every read checked against the
 * model, and no page left allocated when every process has exited.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  MADV_DONTNEED,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PAGE_SIZE as P,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  SEGV_ACCERR,
  SEGV_MAPERR,
} from "@mmsim/mm-types";
import { bytes, newMmu } from "./helpers.js";

const BASE = 0x40000000;
const PAGES = 10;

/** What one page of a process holds: a private byte, or slot `page` of shared object `obj`. */
type Cell = { prot: number; shared: false; byte: number } | { prot: number; shared: true; obj: number[]; page: number };
type Space = Array<Cell | null>;

type Op =
  | { kind: "mmap"; p: number; page: number; len: number; prot: number; shared: boolean }
  | { kind: "munmap" | "dontneed"; p: number; page: number; len: number }
  | { kind: "mprotect"; p: number; page: number; len: number; prot: number }
  | { kind: "mremap"; p: number; page: number; len: number; to: number }
  | { kind: "write"; p: number; page: number; byte: number }
  | { kind: "read"; p: number; page: number }
  | { kind: "fork" | "exit"; p: number };

const p = fc.nat(3);
const page = fc.nat(PAGES - 1);
const len = fc.integer({ min: 1, max: 5 });
const prot = fc.constantFrom(PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("mmap" as const), p, page, len, prot, shared: fc.boolean() }),
  fc.record({ kind: fc.constantFrom("munmap" as const, "dontneed" as const), p, page, len }),
  fc.record({ kind: fc.constant("mprotect" as const), p, page, len, prot }),
  fc.record({ kind: fc.constant("mremap" as const), p, page, len, to: page }),
  { arbitrary: fc.record({ kind: fc.constant("write" as const), p, page, byte: fc.integer({ min: 1, max: 255 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("read" as const), p, page }), weight: 3 },
  fc.record({ kind: fc.constantFrom("fork" as const, "exit" as const), p }),
);

/** The byte a cell reads. */
const valueOf = (c: Cell): number => (c.shared ? c.obj[c.page]! : c.byte);

describe("pages over random operation sequences", () => {
  it("match a model of every page's contents, keep every invariant, and leak nothing", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const { be, node } = newMmu();
        const free0 = node.freePagesCount();
        const procs: Array<{ mm: number; space: Space }> = [{ mm: be.mmNew(), space: new Array<Cell | null>(PAGES).fill(null) }];
        for (const op of ops) {
          const { mm, space } = procs[op.p % procs.length]!;
          const addr = (pg: number): number => BASE + pg * P;
          if (op.kind === "mmap") {
            const n = Math.min(op.len, PAGES - op.page);
            const flags = (op.shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_FIXED;
            expect(be.mmap(mm, { addr: addr(op.page), len: n * P, prot: op.prot, flags, pgoff: 0, file: null })).toBe(addr(op.page));
            const obj = new Array<number>(n).fill(0);
            for (let i = 0; i < n; i++) space[op.page + i] = op.shared ? { prot: op.prot, shared: true, obj, page: i } : { prot: op.prot, shared: false, byte: 0 };
          } else if (op.kind === "munmap") {
            const n = Math.min(op.len, PAGES - op.page);
            expect(be.munmap(mm, addr(op.page), n * P)).toBe(0);
            for (let i = 0; i < n; i++) space[op.page + i] = null;
          } else if (op.kind === "dontneed") {
            const n = Math.min(op.len, PAGES - op.page);
            const r = be.madvise(mm, addr(op.page), n * P, MADV_DONTNEED);
            const holes = space.slice(op.page, op.page + n).some((c) => c === null);
            expect(r < 0).toBe(holes);
            for (let i = 0; i < n; i++) {
              const c = space[op.page + i];
              if (c !== null && c !== undefined && !c.shared) c.byte = 0;
            }
          } else if (op.kind === "mprotect") {
            const n = Math.min(op.len, PAGES - op.page);
            const r = be.mprotect(mm, addr(op.page), n * P, op.prot);
            // up to the first hole the range changes, as in Linux
            for (let i = op.page; i < op.page + n && space[i] !== null; i++) space[i]!.prot = op.prot;
            expect(r < 0).toBe(space.slice(op.page, op.page + n).some((c) => c === null));
          } else if (op.kind === "mremap") {
            const n = Math.min(op.len, PAGES - op.page);
            const to = Math.min(op.to, PAGES - n);
            const r = be.mremap(mm, addr(op.page), n * P, n * P, MREMAP_MAYMOVE | MREMAP_FIXED, addr(to));
            const overlaps = op.page < to + n && to < op.page + n;
            if (overlaps || space[op.page] === null) expect(r).toBeLessThan(0);
            else {
              expect(r).toBe(addr(to));
              const moved = space.slice(op.page, op.page + n);
              for (let i = 0; i < n; i++) space[op.page + i] = null;
              // each VMA moves on its own: the destination of a gap is left as it was
              for (let i = 0; i < n; i++) if (moved[i] !== null) space[to + i] = moved[i]!;
            }
          } else if (op.kind === "write") {
            const c = space[op.page];
            const r = bytes(be, mm).poke(addr(op.page) + 5, op.byte);
            if (c === null || c === undefined) expect(r).toMatchObject({ code: SEGV_MAPERR });
            else if (!(c.prot & PROT_WRITE)) expect(r).toMatchObject({ code: SEGV_ACCERR });
            else {
              expect(r).toBe(0);
              if (c.shared) c.obj[c.page] = op.byte;
              else c.byte = op.byte;
            }
          } else if (op.kind === "read") {
            const c = space[op.page];
            const r = bytes(be, mm).peek(addr(op.page) + 5);
            if (c === null || c === undefined) expect(r).toMatchObject({ code: SEGV_MAPERR });
            else if (c.prot === PROT_NONE) expect(r).toMatchObject({ code: SEGV_ACCERR });
            else expect(r).toBe(valueOf(c));
          } else if (op.kind === "fork") {
            const child = be.mmDup(mm);
            procs.push({ mm: child, space: space.map((c) => (c === null || c.shared ? c && { ...c } : { ...c })) });
          } else if (procs.length > 1) {
            be.mmRelease(mm);
            procs.splice(op.p % procs.length, 1);
          }
          be.assertValid();
        }
        for (const q of procs) be.mmRelease(q.mm);
        be.assertValid();
        expect(node.freePagesCount()).toBe(free0);
      }),
      { numRuns: 300 },
    );
  });
});
