/**
 * Property tests: random operation sequences run on the tree under test and on the sorted-array
 * model, every answer compared, the model checked against the brute-force oracle, and `assertValid()`
 * after every step. fast-check shrinks a failure to a minimal sequence.
 */
import { expect, it } from "vitest";
import fc from "fast-check";
import { KernelBug, PAGE_SIZE, VM_GROWSDOWN } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo, VmaTree, VmaTreeFactory, VmaTreeOptions } from "@mmsim/mm-types";
import { createSortedArrayVmaTree } from "./sorted-array-vma-tree.js";
import {
  compareKeys, gridFit, oracleFindVma, oracleFindVmaPrev, oracleIntersection, oracleIsFree, oracleRange,
  oracleUnmappedArea, oracleUnmappedAreaTopdown, snapshot,
} from "./vma-tree-oracle.js";
import type { OracleEntry } from "./vma-tree-oracle.js";

/** Options of the property tests. */
export interface VmaTreePropertyOptions {
  /** fast-check runs per property. Default 150. */
  readonly numRuns?: number;
}

const P = PAGE_SIZE;
/** Pages of address space the sequences play in. */
const SPACE = 160;

type Cmd =
  | { readonly op: "insert"; readonly page: number; readonly pages: number; readonly growsdown: boolean; readonly reuseKey: boolean }
  | { readonly op: "erase"; readonly pick: number }
  | { readonly op: "adjust"; readonly pick: number; readonly page: number; readonly pages: number; readonly pgoff: number }
  | { readonly op: "flags"; readonly pick: number; readonly growsdown: boolean }
  | { readonly op: "find"; readonly addr: number; readonly span: number }
  | { readonly op: "range"; readonly page: number; readonly pages: number }
  | { readonly op: "gap"; readonly topdown: boolean; readonly info: VmUnmappedAreaInfo }
  | { readonly op: "clear" };

const pageArb = fc.integer({ min: 0, max: SPACE });
const gapInfoArb: fc.Arbitrary<VmUnmappedAreaInfo> = fc
  .record({
    pages: fc.integer({ min: 1, max: 24 }),
    ragged: fc.constantFrom(0, 0, 0, 0x10),
    low: fc.integer({ min: 0, max: SPACE }),
    span: fc.integer({ min: 0, max: SPACE + 8 }),
    mask: fc.constantFrom(0, 0, 1, 3, 7, 15),
    off: fc.integer({ min: 0, max: 31 }),
  })
  .map((r) => ({
    flags: 0,
    length: r.pages * P + r.ragged,
    lowLimit: r.low * P,
    highLimit: (r.low + r.span) * P,
    alignMask: r.mask * P,
    alignOffset: r.off * P,
  }));

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("insert" as const), page: pageArb, pages: fc.integer({ min: 1, max: 8 }), growsdown: fc.boolean(), reuseKey: fc.constantFrom(false, false, false, true) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("erase" as const), pick: fc.nat(64) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("adjust" as const), pick: fc.nat(64), page: pageArb, pages: fc.integer({ min: 0, max: 8 }), pgoff: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("flags" as const), pick: fc.nat(64), growsdown: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("find" as const), addr: fc.integer({ min: 0, max: (SPACE + 10) * P }), span: fc.integer({ min: 1, max: 10 * P }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("range" as const), page: pageArb, pages: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("gap" as const), topdown: fc.boolean(), info: gapInfoArb }) },
  { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
);

/** Runs `f` and says whether it threw a KernelBug; anything else is rethrown. */
function threwBug(f: () => void): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (e instanceof KernelBug) return true;
    throw e;
  }
}

/** The tree under test, the model, and the next fresh id. */
interface Pair {
  readonly tree: VmaTree<number>;
  readonly model: VmaTree<number>;
  readonly opts: Required<VmaTreeOptions>;
  nextId: number;
}

function mutate(p: Pair, expectBug: boolean, f: (t: VmaTree<number>) => void): void {
  const modelBug = threwBug(() => f(p.model));
  expect(modelBug, "model vs oracle: rejection").toBe(expectBug);
  expect(threwBug(() => f(p.tree)), "tree vs model: rejection").toBe(modelBug);
}

function pickId(entries: readonly OracleEntry[], pick: number): number {
  return pick < entries.length ? entries[pick]!.id : 1000 + pick;
}

/** The key of entry `pick`, or a key that is in no entry when pick is past the end. */
function pickKey(entries: readonly OracleEntry[], pick: number): [number, number] {
  const e = entries[pick % Math.max(1, entries.length)];
  if (pick < entries.length) return [e!.vmStart, e!.id];
  return e === undefined || pick % 2 === 0 ? [pick * P, 1000 + pick] : [e.vmStart + P, e.id];
}

function hasKey(entries: readonly OracleEntry[], start: number, id: number): boolean {
  return entries.some((e) => e.vmStart === start && e.id === id);
}

function insertRejected(p: Pair, entries: readonly OracleEntry[], start: number, end: number, id: number): boolean {
  return hasKey(entries, start, id) || (!p.opts.overlap && !oracleIsFree(entries, start, end));
}

function adjustRejected(p: Pair, entries: readonly OracleEntry[], id: number, start: number, end: number): boolean {
  const i = entries.findIndex((e) => e.id === id);
  if (i < 0 || start >= end) return true;
  const moved = { ...entries[i]!, vmStart: start };
  const prev = entries[i - 1];
  const next = entries[i + 1];
  if ((prev !== undefined && compareKeys(prev, moved) >= 0) || (next !== undefined && compareKeys(moved, next) >= 0)) return true;
  return !p.opts.overlap && !oracleIsFree(entries, start, end, id);
}

function applyMutation(p: Pair, c: Cmd, entries: readonly OracleEntry[]): void {
  if (c.op === "insert") {
    const reuse = c.reuseKey ? entries[c.page % Math.max(1, entries.length)] : undefined;
    const id = reuse?.id ?? p.nextId++;
    const s = reuse?.vmStart ?? c.page * P;
    const e = s + c.pages * P;
    mutate(p, insertRejected(p, entries, s, e, id), (t) => t.insert(s, e, c.page, c.growsdown ? VM_GROWSDOWN : 0, id, id));
  } else if (c.op === "erase") {
    const [start, id] = pickKey(entries, c.pick);
    const had = hasKey(entries, start, id);
    expect(p.model.erase(start, id), "model vs oracle: erase").toBe(had);
    expect(p.tree.erase(start, id), "tree vs model: erase").toBe(had);
  } else if (c.op === "adjust") {
    const id = pickId(entries, c.pick);
    const [s, e] = [c.page * P, (c.page + c.pages) * P];
    mutate(p, adjustRejected(p, entries, id, s, e), (t) => t.adjust(id, s, e, c.pgoff));
  } else if (c.op === "flags") {
    const [start, id] = pickKey(entries, c.pick);
    mutate(p, !hasKey(entries, start, id), (t) => t.vmFlagsReset(start, id, c.growsdown ? VM_GROWSDOWN : 0));
  } else if (c.op === "clear") {
    p.tree.clear();
    p.model.clear();
  }
}

function idOf(e: OracleEntry | undefined): number | undefined {
  return e?.id;
}

function checkFind(p: Pair, entries: readonly OracleEntry[], addr: number, span: number): void {
  const got = [p.tree.findVma(addr), p.tree.findVmaPrev(addr), p.tree.findVmaIntersection(addr, addr + span)];
  const model = [p.model.findVma(addr), p.model.findVmaPrev(addr), p.model.findVmaIntersection(addr, addr + span)];
  const oracle = [idOf(oracleFindVma(entries, addr)), idOf(oracleFindVmaPrev(entries, addr)), idOf(oracleIntersection(entries, addr, addr + span))];
  expect(model, "model vs oracle: find").toEqual(oracle);
  expect(got, "tree vs model: find").toEqual(model);
}

function cursorIds(t: VmaTree<number>, start: number, end: number): number[] {
  const out: number[] = [];
  const cur = t.cursor();
  cur.reset(start, end);
  for (let v = cur.next(); v !== undefined; v = cur.next()) out.push(v);
  return out;
}

function checkRange(p: Pair, entries: readonly OracleEntry[], start: number, end: number): void {
  const model = cursorIds(p.model, start, end);
  expect(model, "model vs oracle: range").toEqual(oracleRange(entries, start, end).map((e) => e.id));
  expect(cursorIds(p.tree, start, end), "tree vs model: range").toEqual(model);
}

function isAligned(addr: number, info: VmUnmappedAreaInfo): boolean {
  return (BigInt(addr) & BigInt(info.alignMask)) === (BigInt(info.alignOffset) & BigInt(info.alignMask));
}

function checkGapSoundness(p: Pair, entries: readonly OracleEntry[], info: VmUnmappedAreaInfo, addr: number): void {
  const low = Math.max(info.lowLimit, p.opts.mmapMinAddr);
  expect(addr >= low && addr + info.length <= info.highLimit, "gap result inside the window").toBe(true);
  expect(oracleIsFree(entries, addr, addr + info.length), "gap result is free").toBe(true);
  expect(isAligned(addr, info), "gap result is aligned").toBe(true);
}

function checkGap(p: Pair, entries: readonly OracleEntry[], topdown: boolean, info: VmUnmappedAreaInfo): void {
  const search = (t: VmaTree<number>) => (topdown ? t.unmappedAreaTopdown(info) : t.unmappedArea(info));
  const model = search(p.model);
  if (p.opts.overlap) {
    expect(search(p.tree), "tree vs model: gap in overlap mode").toBe(model);
    return;
  }
  const oracle = topdown ? oracleUnmappedAreaTopdown(entries, info, p.opts) : oracleUnmappedArea(entries, info, p.opts);
  expect(model, "model vs oracle: gap").toBe(oracle);
  expect(search(p.tree), "tree vs model: gap").toBe(model);
  if (model >= 0) checkGapSoundness(p, entries, info, model);
  const plain = info.alignMask === 0 && info.length % P === 0 && !entries.some((e) => (e.vmFlags & VM_GROWSDOWN) !== 0);
  if (plain) {
    const low = Math.max(info.lowLimit, p.opts.mmapMinAddr);
    expect(model, "model vs page-by-page scan").toBe(gridFit(entries, info.length, low, info.highLimit, P, topdown));
  }
}

function step(p: Pair, c: Cmd): void {
  const entries = snapshot(p.model);
  if (c.op === "find") checkFind(p, entries, c.addr, c.span);
  else if (c.op === "range") checkRange(p, entries, c.page * P, (c.page + c.pages) * P);
  else if (c.op === "gap") checkGap(p, entries, c.topdown, c.info);
  else applyMutation(p, c, entries);
  p.tree.assertValid();
  p.model.assertValid();
  expect(p.tree.mapCount).toBe(p.model.mapCount);
  expect(snapshot(p.tree), "tree vs model: contents").toEqual(snapshot(p.model));
}

function runSequence(factory: VmaTreeFactory, overlap: boolean, cmds: readonly Cmd[]): void {
  const opts = { overlap, stackGuardGap: 3 * P, mmapMinAddr: 2 * P };
  const p: Pair = { tree: factory<number>(opts), model: createSortedArrayVmaTree<number>(opts), opts, nextId: 0 };
  for (const c of cmds) step(p, c);
}

/** A non-overlapping layout drawn as (hole pages, size pages, grows down) runs from page 0 upwards. */
const layoutArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.boolean()), { maxLength: 40 });

function runLayout(factory: VmaTreeFactory, layout: readonly (readonly [number, number, boolean])[], reverse: boolean, infos: readonly [boolean, VmUnmappedAreaInfo][]): void {
  const opts = { overlap: false, stackGuardGap: 3 * P, mmapMinAddr: 2 * P };
  const p: Pair = { tree: factory<number>(opts), model: createSortedArrayVmaTree<number>(opts), opts, nextId: 0 };
  let page = 0;
  const vmas = layout.map(([hole, size, gd], id) => {
    page += hole + size;
    return { s: (page - size) * P, e: page * P, gd, id };
  });
  for (const v of reverse ? [...vmas].reverse() : vmas) {
    for (const t of [p.tree, p.model]) t.insert(v.s, v.e, v.s / P, v.gd ? VM_GROWSDOWN : 0, v.id, v.id);
  }
  p.tree.assertValid();
  const entries = snapshot(p.model);
  for (const [topdown, info] of infos) checkGap(p, entries, topdown, info);
}

/**
 * Registers the fast-check properties: operation sequences in both modes, and gap search on random
 * layouts against the model, the brute-force oracle and a page-by-page scan.
 */
export function vmaTreeProperties(factory: VmaTreeFactory, opts: VmaTreePropertyOptions = {}): void {
  const numRuns = opts.numRuns ?? 150;
  it("random operation sequences match the model (no overlap)", () => {
    fc.assert(fc.property(fc.array(cmdArb, { maxLength: 80 }), (cmds) => runSequence(factory, false, cmds)), { numRuns });
  });
  it("random operation sequences match the model (overlap mode)", () => {
    fc.assert(fc.property(fc.array(cmdArb, { maxLength: 80 }), (cmds) => runSequence(factory, true, cmds)), { numRuns });
  });
  it("gap search on random layouts matches the model, the oracle and a page-by-page scan", () => {
    const infos = fc.array(fc.tuple(fc.boolean(), gapInfoArb), { minLength: 1, maxLength: 12 });
    fc.assert(fc.property(layoutArb, fc.boolean(), infos, (l, r, i) => runLayout(factory, l, r, i)), { numRuns });
  });
}
