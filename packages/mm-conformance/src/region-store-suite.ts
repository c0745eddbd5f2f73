/**
 * The region store kit: contract tests for any `VmRegionStore`, the NOMMU global region tree
 * (Linux: nommu_region_tree, add_nommu_region(), delete_nommu_region(), __put_nommu_region() and the
 * sharing loop of do_mmap() in mm/nommu.c). Unit cases pin the contract written on the interface in
 * `@mmsim/mm-types`; a fast-check property runs random add/delete/get/put/adjust/lookup sequences
 * against a linear model and calls `assertValid()` after every step.
 *
 * Each test builds its own store from `factory` and its own files; nothing is shared between tests.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  KernelBug,
  PAGE_SIZE,
  VM_EXEC,
  VM_MAPPED_COPY,
  VM_MAYOVERLAY,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from "@mmsim/mm-types";
import type { FileIdentity, RegionMatchKind, VmRegion, VmRegionInit, VmRegionStore } from "@mmsim/mm-types";

/** Builds a fresh, empty store for one test. Linux: an empty nommu_region_tree (RB_ROOT). */
export type RegionStoreFactory = () => VmRegionStore;

const P = PAGE_SIZE;
/** A private copy's flags: anonymous or file memory the region owns. */
const COPY_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAPPED_COPY;
/** A read-only private file copy that may be shared (6.12: VM_MAYOVERLAY). */
const OVERLAY_FLAGS = VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYOVERLAY | VM_MAPPED_COPY;
/** A MAP_SHARED direct mapping of a device or memory-backed file. */
const DIRECT_SHARED_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYSHARE | VM_SHARED;
const SHAREABLE = VM_MAYSHARE | VM_MAYOVERLAY;

function makeFile(path: string, ino: number): FileIdentity {
  return { path, devMajor: 0x1f, devMinor: 0, ino };
}

/** A page-aligned private copy of `pages` pages at page `startPage`, with `slack` extra pages up to vmTop. */
function copyAt(startPage: number, pages: number, extra: Partial<VmRegionInit> = {}, slack = 0): VmRegionInit {
  const vmStart = startPage * P;
  return {
    vmFlags: COPY_FLAGS,
    vmStart,
    vmEnd: vmStart + pages * P,
    vmTop: vmStart + (pages + slack) * P,
    vmPgoff: 0,
    vmFile: null,
    ...extra,
  };
}

/** A direct mapping of `file` pages [pgoff, pgoff + pages) at byte address `start` (any alignment). */
function directAt(start: number, pages: number, file: FileIdentity, pgoff: number, vmFlags = DIRECT_SHARED_FLAGS): VmRegionInit {
  return { vmFlags, vmStart: start, vmEnd: start + pages * P, vmTop: start + pages * P, vmPgoff: pgoff, vmFile: file };
}

/** The observable state of a store: its regions' fields in iteration order. */
function snapshot(store: VmRegionStore): object[] {
  return [...store].map(fields);
}

function fields(r: VmRegion): VmRegion {
  return {
    vmFlags: r.vmFlags,
    vmStart: r.vmStart,
    vmEnd: r.vmEnd,
    vmTop: r.vmTop,
    vmPgoff: r.vmPgoff,
    vmFile: r.vmFile,
    vmUsage: r.vmUsage,
  };
}

/** Asserts that `op` throws a KernelBug and leaves the store exactly as it was, still valid. */
function expectBugAndNoChange(store: VmRegionStore, op: () => unknown): void {
  const before = snapshot(store);
  const count = store.nrRegions;
  expect(op).toThrow(KernelBug);
  expect(store.nrRegions).toBe(count);
  expect(snapshot(store)).toEqual(before);
  store.assertValid();
}

/**
 * Registers the region store contract tests for `factory` under `name` (call it at the top level of a
 * Vitest file). Linux: the rules of add_nommu_region(), __put_nommu_region(), validate_nommu_regions()
 * and do_mmap()'s sharing loop in mm/nommu.c.
 */
export function regionStoreConformance(name: string, factory: RegionStoreFactory): void {
  describe(`${name}: region store conformance`, () => {
    describeInsertion(factory);
    describeAddressLookup(factory);
    describeMisuse(factory);
    describeUsage(factory);
    describeAdjust(factory);
    describeFileLookups(factory);
    describeFileLookupRules(factory);
    describeRandomSequences(factory);
  });
}

function describeInsertion(factory: RegionStoreFactory): void {
  describe("insertion and iteration", () => {
    it("an empty store has no regions and is valid", () => {
      const store = factory();
      store.assertValid();
      expect(store.nrRegions).toBe(0);
      expect(store.firstRegion()).toBeNull();
      expect(store.findRegion(0)).toBeNull();
      expect([...store]).toEqual([]);
      expect([...store.regions()]).toEqual([]);
    });

    it("addNommuRegion returns the stored record, usage 1 unless the init says otherwise", () => {
      const store = factory();
      const file = makeFile("/lib/libc.so", 12);
      const a = store.addNommuRegion(copyAt(4, 2, {}, 2));
      const b = store.addNommuRegion(directAt(0x20010, 1, file, 3));
      const c = store.addNommuRegion({ ...copyAt(16, 1), vmUsage: 3 });
      store.assertValid();
      expect(fields(a)).toEqual({
        vmFlags: COPY_FLAGS,
        vmStart: 4 * P,
        vmEnd: 6 * P,
        vmTop: 8 * P,
        vmPgoff: 0,
        vmFile: null,
        vmUsage: 1,
      });
      expect(b.vmFile).toBe(file);
      expect(b.vmStart).toBe(0x20010);
      expect(c.vmUsage).toBe(3);
      expect(store.nrRegions).toBe(3);
      expect([a, b, c].every((r) => store.hasRegion(r))).toBe(true);
    });

    it("iteration, firstRegion/nextRegion and regions() follow vmStart order whatever the insertion order", () => {
      // pages: 0   2   4   6   8  10  12  14  16  18
      //            BB      AA              CC  D
      const store = factory();
      const a = store.addNommuRegion(copyAt(6, 2));
      const c = store.addNommuRegion(copyAt(14, 2));
      const b = store.addNommuRegion(copyAt(2, 2));
      const d = store.addNommuRegion(copyAt(18, 1));
      store.assertValid();
      expect([...store]).toEqual([b, a, c, d]);
      const walk: VmRegion[] = [];
      for (let r = store.firstRegion(); r !== null; r = store.nextRegion(r)) walk.push(r);
      expect(walk).toEqual([b, a, c, d]);
      expect([...store.regions()].map((v) => v.vmStart)).toEqual([2 * P, 6 * P, 14 * P, 18 * P]);
    });

    it("regions() shows each region's numbers and its file under `file`", () => {
      const store = factory();
      const file = makeFile("/dev/fb0", 40);
      store.addNommuRegion({ ...directAt(0x100000, 4, file, 2), vmUsage: 2 });
      const [view] = [...store.regions()];
      expect(view).toMatchObject({
        vmStart: 0x100000,
        vmEnd: 0x104000,
        vmTop: 0x104000,
        vmPgoff: 2,
        vmUsage: 2,
        vmFlags: DIRECT_SHARED_FLAGS,
      });
      expect(view!.file).toBe(file);
    });
  });
}

function describeAddressLookup(factory: RegionStoreFactory): void {
  describe("lookup by address and walks", () => {
    // AA..    BB      (A: pages 2-3, slack page 4; B: pages 8-9)
    it.each<[number, "A" | "B" | null]>([
      [2 * P, "A"],
      [4 * P - 1, "A"],
      [4 * P, "A"],
      [5 * P - 1, "A"],
      [5 * P, null],
      [2 * P - 1, null],
      [8 * P, "B"],
      [10 * P - 1, "B"],
      [10 * P, null],
      [0, null],
    ])("findRegion(%i) finds the region holding the address, slack included", (addr, want) => {
      const store = factory();
      const regions = { A: store.addNommuRegion(copyAt(2, 2, {}, 1)), B: store.addNommuRegion(copyAt(8, 2)) };
      expect(store.findRegion(addr)).toBe(want === null ? null : regions[want]);
    });

    it("nextRegion continues a walk from a region that was just removed", () => {
      const store = factory();
      const a = store.addNommuRegion(copyAt(1, 1));
      const b = store.addNommuRegion(copyAt(3, 1));
      const c = store.addNommuRegion(copyAt(5, 1));
      store.deleteNommuRegion(b);
      expect(store.nextRegion(b)).toBe(c);
      expect(store.nextRegion(a)).toBe(c);
      expect(store.nextRegion(c)).toBeNull();
    });
  });
}

function describeMisuse(factory: RegionStoreFactory): void {
  describe("misuse throws a KernelBug and changes nothing", () => {
    // Existing: A = pages 4-5 with slack up to page 8; B = pages 10-11.
    const cases: [string, VmRegionInit][] = [
      ["the same vm_start as a stored region", copyAt(10, 1)],
      ["a start inside the predecessor's slack", copyAt(7, 2)],
      ["a start inside the predecessor", copyAt(5, 1)],
      ["a vm_top reaching into the successor", copyAt(8, 2, {}, 1)],
      ["a region covering a stored one", copyAt(3, 10)],
      ["vm_end == vm_start", { ...copyAt(20, 1), vmEnd: 20 * P }],
      ["vm_end < vm_start", { ...copyAt(20, 1), vmEnd: 19 * P }],
      ["vm_top < vm_end", { ...copyAt(20, 2), vmTop: 21 * P }],
      ["an unaligned VM_MAPPED_COPY start", { ...copyAt(20, 1), vmStart: 20 * P + 16 }],
      ["an unaligned VM_MAPPED_COPY end", { ...copyAt(20, 1), vmEnd: 21 * P - 16 }],
      ["an unaligned VM_MAPPED_COPY top", { ...copyAt(20, 1), vmTop: 22 * P - 16 }],
      ["vm_usage 0", { ...copyAt(20, 1), vmUsage: 0 }],
      ["a negative vm_start", { ...copyAt(20, 1), vmStart: -P }],
      ["a fractional vm_pgoff", { ...copyAt(20, 1), vmPgoff: 0.5 }],
    ];
    it.each(cases)("adding a region with %s", (_what, init) => {
      const store = factory();
      store.addNommuRegion(copyAt(4, 2, {}, 2));
      store.addNommuRegion(copyAt(10, 2));
      expectBugAndNoChange(store, () => store.addNommuRegion(init));
    });

    it("a direct mapping may start and end off page boundaries, right against its neighbours", () => {
      const store = factory();
      const file = makeFile("/romfs/bin/sh", 7);
      store.addNommuRegion(copyAt(4, 1));
      const d = store.addNommuRegion(directAt(5 * P, 1, file, 0, VM_READ | VM_MAYSHARE));
      const e = store.addNommuRegion({
        ...directAt(6 * P + 0x30, 1, file, 1, VM_READ | VM_MAYSHARE),
        vmEnd: 7 * P + 0x10,
        vmTop: 7 * P + 0x10,
      });
      store.assertValid();
      expect(store.findRegion(7 * P + 0x0f)).toBe(e);
      expect(store.findRegion(6 * P + 0x2f)).toBeNull();
      expect(store.findRegion(5 * P)).toBe(d);
    });

    it("regions of another store are refused", () => {
      const mine = factory();
      const theirs = factory();
      const foreign = theirs.addNommuRegion(copyAt(4, 1));
      mine.addNommuRegion(copyAt(4, 1));
      expect(mine.hasRegion(foreign)).toBe(false);
      expectBugAndNoChange(mine, () => mine.getNommuRegion(foreign));
      expectBugAndNoChange(mine, () => mine.putNommuRegion(foreign));
      expectBugAndNoChange(mine, () => mine.deleteNommuRegion(foreign));
      expectBugAndNoChange(mine, () => mine.adjustNommuRegion(foreign, { vmEnd: 5 * P }));
      expect(fields(foreign).vmUsage).toBe(1);
    });
  });
}

function describeUsage(factory: RegionStoreFactory): void {
  describe("usage counts", () => {
    it("get and put count users; the last put removes the region and returns 0", () => {
      const store = factory();
      const r = store.addNommuRegion(copyAt(4, 2, {}, 2));
      expect(store.getNommuRegion(r)).toBe(2);
      expect(store.getNommuRegion(r)).toBe(3);
      expect(r.vmUsage).toBe(3);
      expect(store.putNommuRegion(r)).toBe(2);
      expect(store.putNommuRegion(r)).toBe(1);
      store.assertValid();
      expect(store.hasRegion(r)).toBe(true);
      expect(store.putNommuRegion(r)).toBe(0);
      store.assertValid();
      expect(store.hasRegion(r)).toBe(false);
      expect(store.nrRegions).toBe(0);
      expect(store.findRegion(4 * P)).toBeNull();
      // the caller frees [vmStart, vmTop) of a VM_MAPPED_COPY region: the record still says where
      expect([r.vmStart, r.vmTop, r.vmUsage]).toEqual([4 * P, 8 * P, 0]);
    });

    it("a removed region can no longer be got, put, adjusted or deleted", () => {
      const store = factory();
      const r = store.addNommuRegion(copyAt(4, 1));
      store.addNommuRegion(copyAt(8, 1));
      store.putNommuRegion(r);
      expectBugAndNoChange(store, () => store.getNommuRegion(r));
      expectBugAndNoChange(store, () => store.putNommuRegion(r));
      expectBugAndNoChange(store, () => store.adjustNommuRegion(r, { vmEnd: 5 * P }));
      expectBugAndNoChange(store, () => store.deleteNommuRegion(r));
    });

    it("deleteNommuRegion removes a region whatever its usage and frees its range for a new one", () => {
      const store = factory();
      const r = store.addNommuRegion({ ...copyAt(4, 2), vmUsage: 5 });
      store.deleteNommuRegion(r);
      store.assertValid();
      expect(store.hasRegion(r)).toBe(false);
      const again = store.addNommuRegion(copyAt(4, 2));
      store.assertValid();
      expect(store.findRegion(5 * P)).toBe(again);
    });
  });
}

function describeAdjust(factory: RegionStoreFactory): void {
  describe("adjusting a region in place", () => {
    it("trims the tail (vm_end = vm_top = from), as munmap of a tail does", () => {
      const store = factory();
      const r = store.addNommuRegion(copyAt(4, 4, {}, 4));
      store.adjustNommuRegion(r, { vmEnd: 6 * P, vmTop: 6 * P });
      store.assertValid();
      expect([r.vmStart, r.vmEnd, r.vmTop]).toEqual([4 * P, 6 * P, 6 * P]);
      expect(store.findRegion(6 * P)).toBeNull();
    });

    it("trims the head and moves vm_pgoff, re-keying the region", () => {
      const store = factory();
      const r = store.addNommuRegion(copyAt(4, 4, { vmPgoff: 10 }));
      store.adjustNommuRegion(r, { vmStart: 6 * P, vmPgoff: 12 });
      store.assertValid();
      expect([r.vmStart, r.vmEnd, r.vmPgoff]).toEqual([6 * P, 8 * P, 12]);
      expect(store.findRegion(5 * P)).toBeNull();
      expect(store.firstRegion()).toBe(r);
    });

    it("grows into a free gap up to the next region's start", () => {
      const store = factory();
      const r = store.addNommuRegion(copyAt(4, 1));
      const next = store.addNommuRegion(copyAt(8, 1));
      store.adjustNommuRegion(r, { vmEnd: 7 * P, vmTop: 8 * P });
      store.assertValid();
      expect(store.findRegion(7 * P)).toBe(r);
      expect(store.nextRegion(r)).toBe(next);
    });

    it.each([
      ["vm_top into the successor", { vmTop: 9 * P }],
      ["vm_start into the predecessor's slack", { vmStart: 2 * P }],
      ["vm_start onto the predecessor's start", { vmStart: 0 }],
      ["vm_end past vm_top", { vmEnd: 7 * P }],
      ["vm_end onto vm_start", { vmEnd: 4 * P }],
      ["an unaligned VM_MAPPED_COPY vm_end", { vmEnd: 5 * P - 8 }],
      ["a negative vm_pgoff", { vmPgoff: -1 }],
    ])("refuses to move %s, leaving the region as it was", (_what, change) => {
      // A = pages 0-1, slack to page 3; R = pages 4-5; B = page 8
      const store = factory();
      store.addNommuRegion(copyAt(0, 2, {}, 1));
      const r = store.addNommuRegion(copyAt(4, 2));
      store.addNommuRegion(copyAt(8, 1));
      expectBugAndNoChange(store, () => store.adjustNommuRegion(r, change));
      expect(store.hasRegion(r)).toBe(true);
    });

    it("moves a region past another one, which re-keys it in the tree", () => {
      const store = factory();
      const r = store.addNommuRegion(copyAt(2, 1));
      const s = store.addNommuRegion(copyAt(4, 1));
      store.adjustNommuRegion(r, { vmStart: 8 * P, vmEnd: 9 * P, vmTop: 9 * P });
      store.assertValid();
      expect([...store]).toEqual([s, r]);
      expect(store.findRegion(2 * P)).toBeNull();
      expect(store.findRegion(8 * P)).toBe(r);
    });
  });
}

function describeFileLookups(factory: RegionStoreFactory): void {
  describe("lookups by (file, pgoff, len): the three classes", () => {
    // The region maps file pages [4, 8).
    it.each<[number, number, RegionMatchKind | null]>([
      [4, 4 * P, "exact"],
      [4, 3 * P + 1, "exact"],
      [4, 3 * P, "containing"],
      [5, 2 * P, "containing"],
      [5, 3 * P, "containing"],
      [7, 1, "containing"],
      [3, 2 * P, "partial"],
      [7, 2 * P, "partial"],
      [2, 8 * P, "partial"],
      [4, 5 * P, "partial"],
      [0, 4 * P, null],
      [8, P, null],
      [9, 4 * P, null],
    ])("a request for pgoff %i, len %i is a %s match", (pgoff, len, kind) => {
      const store = factory();
      const file = makeFile("/lib/libc.so", 12);
      const r = store.addNommuRegion(directAt(0x40000, 4, file, 4, VM_READ | VM_MAYOVERLAY | VM_MAPPED_COPY));
      const lookup = store.lookupFileRange(file, pgoff, len);
      expect(lookup.first).toEqual(kind === null ? null : { region: r, kind });
      expect(lookup.exact).toBe(kind === "exact" ? r : null);
      expect(lookup.containing).toBe(kind === "containing" ? r : null);
      expect(lookup.partial).toBe(kind === "partial" ? r : null);
      expect(lookup.firstSuperset).toBe(kind === "exact" || kind === "containing" ? r : null);
      expect(store.fileRangeMatches(file, pgoff, len)).toEqual(kind === null ? [] : [{ region: r, kind }]);
    });
  });
}

function describeFileLookupRules(factory: RegionStoreFactory): void {
  describe("lookups by (file, pgoff, len): candidates, order and requests", () => {
    it("counts a region's pages as ceil((vm_end - vm_start) / PAGE_SIZE)", () => {
      const store = factory();
      const file = makeFile("/ramfs/data", 3);
      const r = store.addNommuRegion({ ...directAt(0x10000, 1, file, 0), vmEnd: 0x10000 + P + 1, vmTop: 0x10000 + P + 1 });
      expect(store.lookupFileRange(file, 0, 2 * P).exact).toBe(r);
      expect(store.lookupFileRange(file, 1, P).containing).toBe(r);
    });

    it("regions of other files and anonymous regions never match", () => {
      const store = factory();
      const file = makeFile("/lib/libc.so", 12);
      const twin = makeFile("/lib/libc.so", 12);
      store.addNommuRegion(directAt(0x10000, 4, twin, 0));
      store.addNommuRegion(copyAt(32, 4));
      const lookup = store.lookupFileRange(file, 0, 4 * P);
      expect(lookup).toEqual({ exact: null, containing: null, partial: null, first: null, firstSuperset: null });
      expect(store.fileRangeMatches(file, 0, 4 * P)).toEqual([]);
    });

    it("anyFlags admits only regions with one of its bits", () => {
      const store = factory();
      const file = makeFile("/lib/libc.so", 12);
      const priv = store.addNommuRegion({ ...copyAt(4, 2), vmFile: file });
      const over = store.addNommuRegion({ ...copyAt(8, 2), vmFile: file, vmFlags: OVERLAY_FLAGS });
      expect(store.lookupFileRange(file, 0, 2 * P).first).toEqual({ region: priv, kind: "exact" });
      expect(store.lookupFileRange(file, 0, 2 * P, SHAREABLE).first).toEqual({ region: over, kind: "exact" });
      expect(store.lookupFileRange(file, 0, 2 * P, VM_SHARED).first).toBeNull();
    });

    it("reports the first of each class in address order; firstSuperset skips partial overlaps", () => {
      // addresses: P1 (partial) < C1 (containing) < X1 (exact) < C2 < P2; request = file pages [4, 6)
      const store = factory();
      const file = makeFile("/lib/libc.so", 12);
      const f = VM_READ | VM_MAYSHARE;
      const p2 = store.addNommuRegion(directAt(0x90000, 2, file, 5, f));
      const x1 = store.addNommuRegion(directAt(0x50000, 2, file, 4, f));
      const c2 = store.addNommuRegion(directAt(0x70000, 6, file, 2, f));
      const p1 = store.addNommuRegion(directAt(0x10000, 4, file, 1, f));
      const c1 = store.addNommuRegion(directAt(0x30000, 4, file, 3, f));
      store.assertValid();
      const lookup = store.lookupFileRange(file, 4, 2 * P);
      expect(lookup).toEqual({
        exact: x1,
        containing: c1,
        partial: p1,
        first: { region: p1, kind: "partial" },
        firstSuperset: c1,
      });
      expect(store.fileRangeMatches(file, 4, 2 * P).map((m) => [m.region, m.kind])).toEqual([
        [p1, "partial"],
        [c1, "containing"],
        [x1, "exact"],
        [c2, "containing"],
        [p2, "partial"],
      ]);
    });

    it("follows a region's file offset and address through adjustments", () => {
      const store = factory();
      const file = makeFile("/lib/libc.so", 12);
      const r = store.addNommuRegion({ ...copyAt(4, 4), vmFile: file, vmPgoff: 0 });
      store.adjustNommuRegion(r, { vmStart: 6 * P, vmPgoff: 2 });
      expect(store.lookupFileRange(file, 2, 2 * P).exact).toBe(r);
      expect(store.lookupFileRange(file, 0, 2 * P).first).toBeNull();
    });

    it.each([
      ["len 0", 0, 0],
      ["a negative pgoff", -1, P],
      ["a fractional len", 0, 0.5],
    ])("refuses a request with %s", (_what, pgoff, len) => {
      const store = factory();
      const file = makeFile("/lib/libc.so", 12);
      expect(() => store.lookupFileRange(file, pgoff, len)).toThrow(KernelBug);
      expect(() => store.fileRangeMatches(file, pgoff, len)).toThrow(KernelBug);
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Random sequences against a model: a plain array scanned linearly, the rules restated from the contract.

interface ModelRegion {
  readonly rec: VmRegion;
  vmFlags: number;
  vmStart: number;
  vmEnd: number;
  vmTop: number;
  vmPgoff: number;
  vmFile: FileIdentity | null;
  vmUsage: number;
}

type Shape = Pick<ModelRegion, "vmFlags" | "vmStart" | "vmEnd" | "vmTop" | "vmPgoff" | "vmUsage">;

function isWord(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

function modelShapeOk(s: Shape): boolean {
  const aligned = (s.vmFlags & VM_MAPPED_COPY) === 0 || [s.vmStart, s.vmEnd, s.vmTop].every((x) => x % P === 0);
  return (
    [s.vmStart, s.vmEnd, s.vmTop, s.vmPgoff].every(isWord) &&
    s.vmUsage >= 1 &&
    s.vmStart < s.vmEnd &&
    s.vmEnd <= s.vmTop &&
    aligned
  );
}

function modelFits(model: readonly ModelRegion[], s: Shape, self: ModelRegion | null): boolean {
  return model.every((m) => m === self || m.vmTop <= s.vmStart || s.vmTop <= m.vmStart);
}

function modelKind(m: ModelRegion, pgoff: number, pages: number): RegionMatchKind | null {
  const rpages = Math.ceil((m.vmEnd - m.vmStart) / P);
  if (m.vmPgoff >= pgoff + pages || pgoff >= m.vmPgoff + rpages) return null;
  if (m.vmPgoff === pgoff && rpages === pages) return "exact";
  if (pgoff >= m.vmPgoff && pgoff + pages <= m.vmPgoff + rpages) return "containing";
  return "partial";
}

function modelMatches(model: readonly ModelRegion[], file: FileIdentity, pgoff: number, len: number, anyFlags: number) {
  const pages = Math.ceil(len / P);
  const out: { region: VmRegion; kind: RegionMatchKind }[] = [];
  for (const m of sorted(model)) {
    if (m.vmFile !== file || (anyFlags !== 0 && (m.vmFlags & anyFlags) === 0)) continue;
    const kind = modelKind(m, pgoff, pages);
    if (kind !== null) out.push({ region: m.rec, kind });
  }
  return out;
}

function sorted(model: readonly ModelRegion[]): ModelRegion[] {
  return [...model].sort((a, b) => a.vmStart - b.vmStart);
}

type Op =
  | {
      t: "add";
      page: number;
      sub: number;
      pages: number;
      slack: number;
      pgoff: number;
      file: number;
      kind: number;
      fault: number;
    }
  | { t: "delete" | "get" | "put"; idx: number }
  | { t: "adjust"; idx: number; dStart: number; dEnd: number; dTop: number; dPgoff: number; sub: number }
  | { t: "lookup"; aim: number; near: number; file: number; pgoff: number; pages: number; short: number; flags: number }
  | { t: "find"; addr: number }
  | { t: "stale"; idx: number; how: number };

const KIND_FLAGS = [COPY_FLAGS, OVERLAY_FLAGS, DIRECT_SHARED_FLAGS, VM_READ | VM_MAYSHARE];
const LOOKUP_FLAGS = [0, 0, SHAREABLE, VM_SHARED];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      t: fc.constant("add" as const),
      page: fc.integer({ min: 0, max: 47 }),
      sub: fc.integer({ min: 0, max: 3 }),
      pages: fc.integer({ min: 1, max: 4 }),
      slack: fc.integer({ min: 0, max: 2 }),
      pgoff: fc.integer({ min: 0, max: 6 }),
      file: fc.integer({ min: -1, max: 2 }),
      kind: fc.integer({ min: 0, max: KIND_FLAGS.length - 1 }),
      fault: fc.integer({ min: 0, max: 15 }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ t: fc.constantFrom("delete" as const, "get" as const, "put" as const), idx: fc.nat() }), weight: 3 },
  {
    arbitrary: fc.record({
      t: fc.constant("adjust" as const),
      idx: fc.nat(),
      dStart: fc.integer({ min: -2, max: 2 }),
      dEnd: fc.integer({ min: -2, max: 2 }),
      dTop: fc.integer({ min: -1, max: 2 }),
      dPgoff: fc.integer({ min: -1, max: 1 }),
      sub: fc.integer({ min: 0, max: 1 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("lookup" as const),
      aim: fc.nat(),
      near: fc.integer({ min: -2, max: 2 }),
      file: fc.integer({ min: 0, max: 2 }),
      pgoff: fc.integer({ min: 0, max: 8 }),
      pages: fc.integer({ min: 1, max: 4 }),
      short: fc.integer({ min: 0, max: 1 }),
      flags: fc.integer({ min: 0, max: LOOKUP_FLAGS.length - 1 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant("find" as const), addr: fc.integer({ min: 0, max: 56 * P }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("stale" as const), idx: fc.nat(), how: fc.integer({ min: 0, max: 3 }) }), weight: 1 },
);

/** One run: the store, the model, the records removed so far, the files of this world. */
interface World {
  readonly store: VmRegionStore;
  readonly model: ModelRegion[];
  readonly removed: VmRegion[];
  readonly files: readonly FileIdentity[];
}

function addInit(w: World, op: Extract<Op, { t: "add" }>): VmRegionInit {
  const vmFlags = KIND_FLAGS[op.kind]!;
  const copy = (vmFlags & VM_MAPPED_COPY) !== 0;
  let vmStart = op.page * P + (copy ? 0 : op.sub * 16);
  let vmEnd = vmStart + op.pages * P;
  let vmTop = vmEnd + (copy ? op.slack * P : 0);
  if (op.fault === 0) vmStart += 8;
  if (op.fault === 1) vmTop = vmEnd - P;
  if (op.fault === 2) vmEnd = vmStart;
  const vmFile = op.file < 0 ? null : w.files[op.file]!;
  return { vmFlags, vmStart, vmEnd, vmTop, vmPgoff: op.pgoff, vmFile, vmUsage: op.fault === 3 ? 0 : 1 };
}

function stepAdd(w: World, op: Extract<Op, { t: "add" }>): void {
  const init = addInit(w, op);
  const shape = { ...init, vmUsage: init.vmUsage ?? 1 };
  if (modelShapeOk(shape) && modelFits(w.model, shape, null)) {
    const rec = w.store.addNommuRegion(init);
    expect(fields(rec)).toEqual({ ...shape, vmFile: init.vmFile });
    w.model.push({ rec, ...shape, vmFile: init.vmFile });
  } else {
    expect(() => w.store.addNommuRegion(init)).toThrow(KernelBug);
  }
}

function pick(w: World, idx: number): ModelRegion | null {
  return w.model.length === 0 ? null : sorted(w.model)[idx % w.model.length]!;
}

function forget(w: World, m: ModelRegion): void {
  w.model.splice(w.model.indexOf(m), 1);
  w.removed.push(m.rec);
}

function stepRef(w: World, op: Extract<Op, { t: "delete" | "get" | "put" }>): void {
  const m = pick(w, op.idx);
  if (m === null) return;
  if (op.t === "delete") {
    w.store.deleteNommuRegion(m.rec);
    forget(w, m);
  } else if (op.t === "get") {
    expect(w.store.getNommuRegion(m.rec)).toBe(++m.vmUsage);
  } else {
    expect(w.store.putNommuRegion(m.rec)).toBe(--m.vmUsage);
    if (m.vmUsage === 0) forget(w, m);
  }
}

function stepAdjust(w: World, op: Extract<Op, { t: "adjust" }>): void {
  const m = pick(w, op.idx);
  if (m === null) return;
  const change = {
    vmStart: m.vmStart + op.dStart * P + op.sub * 8,
    vmEnd: m.vmEnd + op.dEnd * P,
    vmTop: Math.max(m.vmTop, m.vmEnd + op.dEnd * P) + op.dTop * P,
    vmPgoff: m.vmPgoff + op.dPgoff,
  };
  const next = { ...m, ...change };
  if (modelShapeOk(next) && modelFits(w.model, next, m)) {
    w.store.adjustNommuRegion(m.rec, change);
    Object.assign(m, change);
  } else {
    expect(() => w.store.adjustNommuRegion(m.rec, change)).toThrow(KernelBug);
  }
}

/**
 * Half the lookups aim at the file pages of a stored file-backed region, so that matches are common;
 * a quarter of those ask for the region's own page count (exact matches).
 */
function lookupTarget(w: World, op: Extract<Op, { t: "lookup" }>): { file: FileIdentity; pgoff: number; len: number } {
  const len = op.pages * P - op.short * 100;
  const target = op.aim % 2 === 0 ? pick(w, op.aim >> 1) : null;
  if (target === null || target.vmFile === null) return { file: w.files[op.file]!, pgoff: op.pgoff, len };
  const own = op.pages === 1 ? Math.ceil((target.vmEnd - target.vmStart) / P) * P : len;
  return { file: target.vmFile, pgoff: Math.max(0, target.vmPgoff + op.near), len: own };
}

function stepLookup(w: World, op: Extract<Op, { t: "lookup" }>): void {
  const { file, pgoff, len } = lookupTarget(w, op);
  const anyFlags = LOOKUP_FLAGS[op.flags]!;
  const want = modelMatches(w.model, file, pgoff, len, anyFlags);
  expect(w.store.fileRangeMatches(file, pgoff, len, anyFlags)).toEqual(want);
  const firstOf = (k: RegionMatchKind) => want.find((x) => x.kind === k)?.region ?? null;
  expect(w.store.lookupFileRange(file, pgoff, len, anyFlags)).toEqual({
    exact: firstOf("exact"),
    containing: firstOf("containing"),
    partial: firstOf("partial"),
    first: want[0] ?? null,
    firstSuperset: want.find((x) => x.kind !== "partial")?.region ?? null,
  });
}

function stepStale(w: World, op: Extract<Op, { t: "stale" }>): void {
  if (w.removed.length === 0) return;
  const rec = w.removed[op.idx % w.removed.length]!;
  const s = w.store;
  const calls = [
    () => s.getNommuRegion(rec),
    () => s.putNommuRegion(rec),
    () => s.deleteNommuRegion(rec),
    () => s.adjustNommuRegion(rec, {}),
  ];
  expect(calls[op.how]!).toThrow(KernelBug);
}

function step(w: World, op: Op): void {
  if (op.t === "add") stepAdd(w, op);
  else if (op.t === "adjust") stepAdjust(w, op);
  else if (op.t === "lookup") stepLookup(w, op);
  else if (op.t === "stale") stepStale(w, op);
  else if (op.t === "find") {
    const m = w.model.find((x) => x.vmStart <= op.addr && op.addr < x.vmTop);
    expect(w.store.findRegion(op.addr)).toBe(m === undefined ? null : m.rec);
  } else stepRef(w, op);
}

/** Compares everything observable with the model. */
function checkAgainstModel(w: World): void {
  w.store.assertValid();
  const order = sorted(w.model);
  expect(w.store.nrRegions).toBe(order.length);
  const got = [...w.store];
  expect(got.length).toBe(order.length);
  order.forEach((m, i) => {
    expect(got[i]).toBe(m.rec);
    expect(fields(m.rec)).toEqual({
      vmFlags: m.vmFlags,
      vmStart: m.vmStart,
      vmEnd: m.vmEnd,
      vmTop: m.vmTop,
      vmPgoff: m.vmPgoff,
      vmFile: m.vmFile,
      vmUsage: m.vmUsage,
    });
  });
  const walk: VmRegion[] = [];
  for (let r = w.store.firstRegion(); r !== null; r = w.store.nextRegion(r)) walk.push(r);
  expect(walk).toEqual(got);
  for (const rec of w.removed) expect(w.store.hasRegion(rec)).toBe(false);
}

function describeRandomSequences(factory: RegionStoreFactory): void {
  describe("random operation sequences against a model", () => {
    it("agree with the model after every step, and assertValid() holds throughout", () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 60, size: "max" }), (ops) => {
          const files = [makeFile("/lib/libc.so", 12), makeFile("/bin/busybox", 5), makeFile("/dev/fb0", 40)];
          const w: World = { store: factory(), model: [], removed: [], files };
          for (const op of ops) {
            step(w, op);
            checkAgainstModel(w);
          }
        }),
        { numRuns: 120 },
      );
    });
  });
}
