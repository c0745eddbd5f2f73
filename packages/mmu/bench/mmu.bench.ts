/**
 * MMU backend benchmarks (not tests): the same call sequences on mmsim and on the host kernel,
 * side by side, reported as ratios: three passes, host and simulator in turn, each side's best kept. The host side is bench/host/mmbench.c, built here
 * with gcc (skipped, saying so, without it). Sequences: an anonymous mmap+munmap pair, an mprotect
 * split+merge, an in-place mremap grow+shrink, and fork+exit of a process with 1000 VMAs (one
 * written page each). Target (issue 4): each simulated sequence ≤ 0.25× the host kernel's time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatNs, printTable, runGroup } from "@mmsim/bench-kit";
import type { BenchResult } from "@mmsim/bench-kit";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { MAP_ANONYMOUS, MAP_PRIVATE, PAGE_SIZE as P, PROT_EXEC, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { MmuBackend } from "../src/index.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

/** The host kernel's ns per sequence, or null when it can't be measured. */
function hostTimes(): Map<string, number> | null {
  if (process.platform !== "linux" || spawnSync("sh", ["-c", "command -v gcc"]).status !== 0) {
    console.log("host side skipped: needs Linux and gcc");
    return null;
  }
  const bin = join(mkdtempSync(join(tmpdir(), "mmsim-mmbench-")), "mmbench");
  const cc = spawnSync("gcc", ["-O2", "-o", bin, join(import.meta.dirname, "host", "mmbench.c")], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(cc.stderr);
  const out = spawnSync(bin, [], { encoding: "utf8" }).stdout;
  return new Map(out.trim().split("\n").map((l) => [l.split(" ")[0]!, Number(l.split(" ")[1])] as const));
}

/** A process like the host's: a backend over 1 GiB and an mm with some VMAs already. */
function world() {
  const node = new BuddyAllocator({ pages: 1 << 18, minFreeKbytes: 0 });
  const be = new MmuBackend({ pages: node, physMem: node.physMem });
  const mm = be.mmNew();
  const anon = (len: number, prot = RW): number => be.mmap(mm, { addr: 0, len, prot, flags: ANON, pgoff: 0, file: null });
  for (let i = 0; i < 24; i++) anon(P * (1 + (i % 3)), i % 2 ? PROT_READ : RW);
  return { be, mm, anon };
}

function pairCase() {
  const { be, mm, anon } = world();
  return {
    name: "mmsim",
    ops: 1000,
    run(): void {
      for (let i = 0; i < 1000; i++) be.munmap(mm, anon(2 * P), 2 * P);
    },
  };
}

function mprotectCase() {
  const { be, mm, anon } = world();
  const a = anon(3 * P);
  return {
    name: "mmsim",
    ops: 1000,
    run(): void {
      for (let i = 0; i < 1000; i++) {
        be.mprotect(mm, a + P, P, PROT_READ);
        be.mprotect(mm, a + P, P, RW);
      }
    },
  };
}

function mremapCase() {
  const { be, mm, anon } = world();
  const a = anon(12 * P);
  be.munmap(mm, a + 4 * P, 8 * P);
  return {
    name: "mmsim",
    ops: 1000,
    run(): void {
      for (let i = 0; i < 1000; i++) {
        if (be.mremap(mm, a, 4 * P, 8 * P, 0, 0) !== a) throw new Error("mremap moved");
        be.mremap(mm, a, 8 * P, 4 * P, 0, 0);
      }
    },
  };
}

function forkCase() {
  const { be, mm, anon } = world();
  const one = new Uint8Array([1]);
  for (let i = 0; i < 1000; i++) be.writeUser(mm, anon(P, i % 2 ? RW : RW | PROT_EXEC), one);
  return {
    name: "mmsim",
    ops: 10,
    run(): void {
      for (let i = 0; i < 10; i++) be.mmRelease(be.mmDup(mm));
    },
  };
}

const rows: Array<[string, string, () => ReturnType<typeof pairCase>]> = [
  ["anonymous mmap + munmap pair", "pair", pairCase],
  ["mprotect split + merge", "mprotect", mprotectCase],
  ["mremap grow + shrink in place", "mremap", mremapCase],
  ["fork + exit, 1000 VMAs", "fork", forkCase],
];
// Three passes, host and simulator in turn, each side's best kept: on a shared machine the load moves
// from minute to minute, and one pass alone can be unlucky on either side.
const PASSES = 3;
const bestHost = new Map<string, number>();
const bestSim = new Map<string, BenchResult>();
for (let pass = 1; pass <= PASSES; pass++) {
  const host = hostTimes();
  for (const [key, ns] of host ?? []) bestHost.set(key, Math.min(ns, bestHost.get(key) ?? Infinity));
  for (const [title, key, make] of rows) {
    const [sim] = runGroup(`${title}, pass ${pass}`, [make()]);
    const h = host?.get(key);
    if (h !== undefined) console.log(`  host kernel: ${formatNs(h)}`);
    if (sim !== undefined && sim.nsPerOp < (bestSim.get(key)?.nsPerOp ?? Infinity)) bestSim.set(key, sim);
  }
}
const summary: string[] = [];
for (const [title, key] of rows) {
  const sim = bestSim.get(key)!;
  const h = bestHost.get(key);
  if (h === undefined) continue;
  const results: BenchResult[] = [
    { name: "host kernel", nsPerOp: h, opsPerSec: 1e9 / h, speedupVsBaseline: 1 },
    { ...sim, speedupVsBaseline: h / sim.nsPerOp },
  ];
  printTable(`${title}: mmsim vs the host kernel (best of ${PASSES} passes each)`, results, "host kernel");
  summary.push(`  ${title.padEnd(32)} ${(sim.nsPerOp / h).toFixed(3)}× the host's time (target ≤ 0.25×)`);
}
console.log(`\nsummary (best of ${PASSES} passes each)\n${summary.join("\n")}`);
