/**
 * Brute-force answers to VMA-tree questions, computed from a plain list of entries: the oracle the
 * conformance properties check the model against, so that the reference tree is tested by something
 * other than itself. Quadratic on purpose; layouts in property tests are small.
 */
import { ENOMEM, VM_GROWSDOWN } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo, VmaTree } from "@mmsim/mm-types";

/** One entry as the oracle sees it. */
export interface OracleEntry {
  readonly vmStart: number;
  readonly vmEnd: number;
  readonly vmPgoff: number;
  readonly vmFlags: number;
  readonly id: number;
}

/** The tree's sysctls the gap search reads. */
export interface OracleLimits {
  readonly stackGuardGap: number;
  readonly mmapMinAddr: number;
}

/** Every entry of `tree`, in its iteration order, read through a cursor. */
export function snapshot<T>(tree: VmaTree<T>): OracleEntry[] {
  const out: OracleEntry[] = [];
  const cur = tree.cursor();
  cur.reset(0, 2 ** 53);
  while (cur.next() !== undefined) {
    out.push({ vmStart: cur.vmStart, vmEnd: cur.vmEnd, vmPgoff: cur.vmPgoff, vmFlags: cur.vmFlags, id: cur.id });
  }
  return out;
}

/** Compares entries by (vmStart, id). */
export function compareKeys(a: OracleEntry, b: OracleEntry): number {
  return a.vmStart - b.vmStart || a.id - b.id;
}

function sorted(entries: readonly OracleEntry[]): OracleEntry[] {
  return [...entries].sort(compareKeys);
}

/** find_vma(): the smallest key among entries ending above addr. */
export function oracleFindVma(entries: readonly OracleEntry[], addr: number): OracleEntry | undefined {
  return sorted(entries.filter((e) => e.vmEnd > addr))[0];
}

/** find_vma_prev()'s pprev: the entry before oracleFindVma(addr) in key order, or the last one. */
export function oracleFindVmaPrev(entries: readonly OracleEntry[], addr: number): OracleEntry | undefined {
  const all = sorted(entries);
  const vma = oracleFindVma(entries, addr);
  const below = vma === undefined ? all : all.filter((e) => compareKeys(e, vma) < 0);
  return below[below.length - 1];
}

/** find_vma_intersection(): the smallest key among entries meeting [start, end). */
export function oracleIntersection(entries: readonly OracleEntry[], start: number, end: number): OracleEntry | undefined {
  return sorted(entries.filter((e) => e.vmStart < end && e.vmEnd > start))[0];
}

/** The entries meeting [start, end), in key order. */
export function oracleRange(entries: readonly OracleEntry[], start: number, end: number): OracleEntry[] {
  return sorted(entries.filter((e) => e.vmStart < end && e.vmEnd > start));
}

/** True when [start, end) meets no entry other than `exceptId`. */
export function oracleIsFree(entries: readonly OracleEntry[], start: number, end: number, exceptId = -1): boolean {
  return !entries.some((e) => e.id !== exceptId && e.vmStart < end && e.vmEnd > start);
}

function and64(x: number, mask: number): number {
  return Number(BigInt.asUintN(64, BigInt(x)) & BigInt(mask));
}

function startGap(e: OracleEntry, limits: OracleLimits): number {
  const s = e.vmStart - limits.stackGuardGap;
  return s < 0 ? 0 : s;
}

/** A maximal free range ending at `end` (an entry's start, or Infinity), with the entry starting there. */
interface OracleHole {
  readonly start: number;
  readonly end: number;
  readonly next: OracleEntry | undefined;
}

function holes(entries: readonly OracleEntry[]): OracleHole[] {
  const ends = [...entries.map((e) => e.vmStart), Infinity];
  return ends
    .map((end) => ({
      start: Math.max(0, ...entries.filter((e) => e.vmEnd <= end).map((e) => e.vmEnd)),
      end,
      next: entries.find((e) => e.vmStart === end),
    }))
    .filter((h) => h.end > h.start && oracleIsFree(entries, h.start, Math.min(h.end, 2 ** 53)));
}

function roomy(h: OracleHole, low: number, high: number, size: number): boolean {
  return Math.min(h.end, high) - Math.max(h.start, low) >= size;
}

function guarded(next: OracleEntry | undefined, limit: number, limits: OracleLimits): next is OracleEntry {
  return next !== undefined && (next.vmFlags & VM_GROWSDOWN) !== 0 && startGap(next, limits) < limit;
}

/** vm_unmapped_area() bottom-up (unmapped_area()) over a non-overlapping layout. */
export function oracleUnmappedArea(entries: readonly OracleEntry[], info: VmUnmappedAreaInfo, limits: OracleLimits): number {
  const size = info.length + info.alignMask;
  let low = Math.max(info.lowLimit, limits.mmapMinAddr);
  for (;;) {
    const fit = holes(entries).filter((h) => size > 0 && roomy(h, low, info.highLimit, size));
    if (fit.length === 0) return -ENOMEM;
    const h = fit.reduce((a, b) => (b.start < a.start ? b : a));
    const base = Math.max(h.start, low);
    const addr = base + and64(info.alignOffset - base, info.alignMask);
    if (!guarded(h.next, addr + size - 1, limits)) return addr;
    low = h.next.vmEnd;
  }
}

/** vm_unmapped_area() top-down (unmapped_area_topdown()) over a non-overlapping layout. */
export function oracleUnmappedAreaTopdown(entries: readonly OracleEntry[], info: VmUnmappedAreaInfo, limits: OracleLimits): number {
  const size = info.length + info.alignMask;
  const low = Math.max(info.lowLimit, limits.mmapMinAddr);
  let high = info.highLimit;
  for (;;) {
    const fit = holes(entries).filter((h) => size > 0 && roomy(h, low, high, size));
    if (fit.length === 0) return -ENOMEM;
    const h = fit.reduce((a, b) => (b.end > a.end ? b : a));
    const gapEnd = Math.min(h.end, high);
    const top = gapEnd - info.length;
    const addr = top - and64(top - info.alignOffset, info.alignMask);
    if (!guarded(h.next, gapEnd, limits)) return addr;
    high = startGap(h.next, limits);
  }
}

/**
 * The lowest (or highest) page-aligned start of a free `length`-byte range inside [low, high), found
 * by trying every page: what vm_unmapped_area() must return when there is no alignment and no stack.
 */
export function gridFit(entries: readonly OracleEntry[], length: number, low: number, high: number, page: number, topdown: boolean): number {
  const first = Math.ceil(low / page) * page;
  const last = Math.floor((high - length) / page) * page;
  for (let i = 0; first + i * page <= last; i++) {
    const a = topdown ? last - i * page : first + i * page;
    if (oracleIsFree(entries, a, a + length)) return a;
  }
  return -ENOMEM;
}
