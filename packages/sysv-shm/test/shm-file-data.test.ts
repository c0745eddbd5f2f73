/**
 * A segment's i_mmap (ShmAddressSpace) and the namespace's shm VMAs by address space (ShmVmaIndex)
 * against a model: random link/unlink/relink of VMAs of several address spaces into two segments,
 * often past the size where the i_mmap switches from scanning its list to a Map and back. After
 * every step both structures' assertValid(), their sizes, vmasIntersecting and vmasOf equal the
 * model's. Then the bugs a backend's misuse must raise.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IPC_PRIVATE, KernelBug, PAGE_SIZE } from "@mmsim/mm-types";
import type { IMmapEntry } from "@mmsim/mm-types";
import { ShmNamespace } from "../src/index.js";
import type { ShmFileData } from "../src/index.js";
import { makeHost, root } from "./fake-host.js";

const P = PAGE_SIZE;

/** An i_mmap entry whose fields a test may change (a backend does so only while it is unlinked). */
interface TestEntry extends IMmapEntry {
  mmId: number;
  vmStart: number;
  vmEnd: number;
  vmPgoff: number;
}

function entry(mmId: number, i: number): TestEntry {
  return { mmId, vmStart: 0x10000000 + i * 16 * P, vmEnd: 0x10000000 + i * 16 * P + (1 + (i % 3)) * P, vmPgoff: i % 4, vmFlags: 0, zapPages: () => undefined };
}

/** Two segments of a namespace; their attach-file data, whose i_mmap the tests drive directly. */
function world(): { ns: ShmNamespace; sfds: ShmFileData[] } {
  const host = makeHost(256);
  const ns = new ShmNamespace(host);
  const c = root(1, host.mm.mmNew());
  const sfds = [1, 2].map((pages) => {
    const shp = ns.ids.obtainObjectCheck(ns.shmget(c, IPC_PRIVATE, pages * P, 0o600));
    if (typeof shp === "number") throw new Error(`shmget: ${shp}`);
    return shp.sfd!;
  });
  return { ns, sfds };
}

const pagesOf = (e: IMmapEntry): number => (e.vmEnd - e.vmStart) / P;
const ids = (es: Iterable<IMmapEntry>): number[] => [...es].map((e) => e.vmStart * 8 + e.mmId).sort((a, b) => a - b);

type Op = { kind: "link"; e: number; seg: number } | { kind: "unlink"; e: number } | { kind: "relink"; e: number; pages: number } | { kind: "window"; first: number; len: number };

const MMS = 3;
const ENTRIES = 48;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("link" as const), e: fc.nat(ENTRIES - 1), seg: fc.nat(1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("unlink" as const), e: fc.nat(ENTRIES - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("relink" as const), e: fc.nat(ENTRIES - 1), pages: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("window" as const), first: fc.nat(5), len: fc.nat(3) }) },
);

function run(ops: Op[]): number {
  const { ns, sfds } = world();
  const entries = Array.from({ length: ENTRIES }, (_, i) => entry(1 + (i % MMS), i));
  /** Model: the segment each linked entry is in. */
  const linked = new Map<TestEntry, number>();
  let most = 0;
  for (const op of ops) {
    const e = entries[op.kind === "window" ? 0 : op.e]!;
    const seg = linked.get(e);
    switch (op.kind) {
      case "link":
        if (seg !== undefined) {
          expect(() => sfds[seg]!.mapping.vmaLink(e)).toThrow(KernelBug);
          break;
        }
        sfds[op.seg]!.mapping.vmaLink(e);
        linked.set(e, op.seg);
        break;
      case "unlink":
        if (seg === undefined) {
          expect(() => sfds[0]!.mapping.vmaUnlink(e)).toThrow(/is not linked/);
          break;
        }
        sfds[seg]!.mapping.vmaUnlink(e);
        linked.delete(e);
        break;
      case "relink":
        // what a split or mremap does: out of i_mmap, new bounds, back in
        if (seg === undefined) break;
        sfds[seg]!.mapping.vmaUnlink(e);
        e.vmEnd = e.vmStart + op.pages * P;
        sfds[seg]!.mapping.vmaLink(e);
        break;
      case "window":
        for (const [s, sfd] of sfds.entries()) {
          const want = [...linked].filter(([x, k]) => k === s && x.vmPgoff <= op.first + op.len && x.vmPgoff + pagesOf(x) - 1 >= op.first).map(([x]) => x);
          expect(ids(sfd.mapping.vmasIntersecting(op.first, op.first + op.len))).toEqual(ids(want));
        }
        break;
    }
    for (const [s, sfd] of sfds.entries()) {
      const mine = [...linked].filter(([, k]) => k === s).map(([x]) => x);
      expect(sfd.mapping.size).toBe(mine.length);
      expect(ids(sfd.mapping.vmasIntersecting(0, 2 ** 40))).toEqual(ids(mine));
      sfd.mapping.assertValid();
      most = Math.max(most, mine.length);
    }
    for (let mm = 1; mm <= MMS; mm++) {
      const got = ns.shmVmas.vmasOf(mm);
      const want = [...linked].filter(([x]) => x.mmId === mm);
      expect(ids(got.map((v) => v.entry))).toEqual(ids(want.map(([x]) => x)));
      for (const v of got) expect(v.sfd).toBe(sfds[linked.get(v.entry as TestEntry)!]);
    }
    expect(ns.shmVmas.size).toBe(linked.size);
    ns.shmVmas.assertValid();
  }
  return most;
}

describe("ShmAddressSpace and ShmVmaIndex against a model", () => {
  it("random link, unlink and relink across address spaces keep both lists, positions and sizes right", () => {
    let most = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120, size: "max" }), (ops) => {
        most = Math.max(most, run(ops));
      }),
      { numRuns: 60 },
    );
    // the runs reached the Map form of a segment's i_mmap
    expect(most).toBeGreaterThan(16);
  });

  it("links 40 VMAs into one segment and unlinks them from both ends and the middle: the list form, the Map form and back", () => {
    const { ns, sfds } = world();
    const m = sfds[0]!.mapping;
    const es = Array.from({ length: 40 }, (_, i) => entry(1 + (i % 2), i));
    for (const e of es) {
      m.vmaLink(e);
      m.assertValid();
    }
    expect(() => m.vmaLink(es[3]!)).toThrow(/linked twice/);
    const order = [0, 39, 20, 1, 38, 21, ...Array.from({ length: 40 }, (_, i) => i).filter((i) => ![0, 39, 20, 1, 38, 21].includes(i))];
    for (const [n, i] of order.entries()) {
      m.vmaUnlink(es[i]!);
      m.assertValid();
      ns.shmVmas.assertValid();
      expect(m.size).toBe(39 - n);
      expect(ns.shmVmas.size).toBe(39 - n);
      expect(() => m.vmaUnlink(es[i]!)).toThrow(/is not linked/);
    }
    expect(ns.shmVmas.vmasOf(1)).toHaveLength(0);
    expect(ns.shmVmas.vmasOf(2)).toHaveLength(0);
  });

  it("vmasIntersecting skips a VMA unlinked while the walk is under way and visits every other once", () => {
    const { sfds } = world();
    const m = sfds[0]!.mapping;
    const es = Array.from({ length: 6 }, (_, i) => entry(1, i));
    for (const e of es) m.vmaLink(e);
    const seen: IMmapEntry[] = [];
    for (const e of m.vmasIntersecting(0, 2 ** 40)) {
      seen.push(e);
      if (seen.length === 1) for (const x of es) if (x !== e && x !== es[2]) m.vmaUnlink(x);
    }
    expect(seen).toHaveLength(2);
    expect(new Set(seen)).toEqual(new Set([seen[0], es[2]]));
  });

  it("assertValid finds a VMA whose address space changed while it was linked, and an index list reordered behind its back", () => {
    const { ns, sfds } = world();
    const a = entry(1, 0);
    const b = entry(1, 1);
    sfds[0]!.mapping.vmaLink(a);
    sfds[1]!.mapping.vmaLink(b);
    ns.shmVmas.assertValid();
    a.mmId = 2;
    expect(() => ns.shmVmas.assertValid()).toThrow(/belongs to mm 2/);
    a.mmId = 1;
    const list = ns.shmVmas.vmasOf(1) as unknown as unknown[];
    [list[0], list[1]] = [list[1], list[0]];
    expect(() => ns.shmVmas.assertValid()).toThrow(/recorded at/);
    expect(() => sfds[0]!.mapping.assertValid()).toThrow(/not in the shm VMA index/);
  });
});
