/**
 * A side-by-side benchmark harness. Each case runs `ops` operations per call of `run`; the harness
 * calls it repeatedly for a time budget, takes the median per-operation time over rounds and prints
 * the group as a table with each case's ratio to the group's baseline, so that results are ratios
 * from one run rather than absolute times compared across runs.
 */
import { performance } from "node:perf_hooks";

/** One alternative in a group. */
export interface BenchCase {
  /** Row label. */
  readonly name: string;
  /** Operations performed by one call of `run` (used to report time per operation). */
  readonly ops: number;
  /** Does `ops` operations. Must leave the state ready for another call. */
  run(): void;
}

/** Options of a group. */
export interface BenchGroupOptions {
  /** Milliseconds spent per case, split over rounds. Default 600. */
  readonly budgetMs?: number;
  /** Rounds per case; the median round is reported. Default 7. */
  readonly rounds?: number;
  /** Name of the case the ratios are taken against. Default: the first case. */
  readonly baseline?: string;
}

/** Result of one case. */
export interface BenchResult {
  readonly name: string;
  readonly nsPerOp: number;
  readonly opsPerSec: number;
  /** nsPerOp(baseline) / nsPerOp(this): above 1 means faster than the baseline. */
  readonly speedupVsBaseline: number;
}

function measureRound(c: BenchCase, minMs: number): number {
  let calls = 0;
  const t0 = performance.now();
  let t1: number;
  do {
    c.run();
    calls++;
    t1 = performance.now();
  } while (t1 - t0 < minMs);
  return ((t1 - t0) * 1e6) / (calls * c.ops);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Formats nanoseconds for a table cell. */
export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

/** Runs every case of a group, prints a table and returns the results. */
export function runGroup(title: string, cases: readonly BenchCase[], opts: BenchGroupOptions = {}): BenchResult[] {
  const rounds = opts.rounds ?? 7;
  const budget = opts.budgetMs ?? 600;
  const perRound = Math.max(5, budget / rounds);
  const raw = cases.map((c) => {
    measureRound(c, perRound); // warm-up: let the JIT settle before measuring
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) samples.push(measureRound(c, perRound));
    return { name: c.name, nsPerOp: median(samples) };
  });
  const base = raw.find((r) => r.name === (opts.baseline ?? cases[0]?.name)) ?? raw[0]!;
  const results = raw.map((r) => ({
    ...r,
    opsPerSec: 1e9 / r.nsPerOp,
    speedupVsBaseline: base.nsPerOp / r.nsPerOp,
  }));
  printTable(title, results, base.name);
  return results;
}

/** Prints results as an aligned text table. */
export function printTable(title: string, results: readonly BenchResult[], baseline: string): void {
  const w = Math.max(...results.map((r) => r.name.length), 4);
  console.log(`\n${title}`);
  console.log(`  ${"case".padEnd(w)}  ${"per op".padStart(10)}  ${"ops/s".padStart(12)}  vs ${baseline}`);
  for (const r of results) {
    const ratio = r.speedupVsBaseline >= 1 ? `${r.speedupVsBaseline.toFixed(2)}x faster` : `${(1 / r.speedupVsBaseline).toFixed(2)}x slower`;
    console.log(
      `  ${r.name.padEnd(w)}  ${formatNs(r.nsPerOp).padStart(10)}  ${Math.round(r.opsPerSec).toLocaleString("en-US").padStart(12)}  ${r.name === baseline ? "(baseline)" : ratio}`,
    );
  }
}

/** Measures one call of `fn` in milliseconds, with the heap growth it caused (after a GC when exposed). */
export function measureOnce<T>(fn: () => T): { ms: number; heapDeltaBytes: number; rssDeltaBytes: number; value: T } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const h0 = process.memoryUsage();
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  gc?.();
  const h1 = process.memoryUsage();
  return {
    ms,
    heapDeltaBytes: h1.heapUsed + h1.arrayBuffers - (h0.heapUsed + h0.arrayBuffers),
    rssDeltaBytes: h1.rss - h0.rss,
    value,
  };
}
