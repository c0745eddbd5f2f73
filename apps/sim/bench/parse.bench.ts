/**
 * Trace parsing throughput (not a test): the largest fixture read and parsed, against merely reading
 * it and splitting its lines in node, in one run. The target for the whole replay is ≤ 4×
 * read+split, so parsing alone should stay well under 2×. Two more rows bound the result: decoding
 * every replayed call after parsing, the full replay on the MMU backend (`mmsim replay`), and allocating one bare object per line
 * (the floor of any parser that returns a record per line).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { runGroup } from "@mmsim/bench-kit";
import { decodeCall } from "../src/trace/decode.js";
import { parseStrace } from "../src/trace/strace-parse.js";
import { runReplay } from "../src/replay/run-replay.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const [largest] = readdirSync(fixtures, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => `${fixtures}${d.name}/trace.txt`)
  .map((path) => ({ path, bytes: statSync(path).size }))
  .sort((a, b) => b.bytes - a.bytes);
if (largest === undefined) throw new Error(`no fixture traces under ${fixtures}`);
const { path, bytes } = largest;
const lines = readFileSync(path, "utf8").split("\n").length;
const maps = readFileSync(path.replace(/trace\.txt$/, "maps.txt"), "utf8");

let sink = 0;
const cases = [
  { name: "read + split lines", ops: lines, run: () => void (sink += readFileSync(path, "utf8").split("\n").length) },
  { name: "read + parseStrace", ops: lines, run: () => void (sink += parseStrace(readFileSync(path, "utf8")).length) },
  {
    name: "read + parseStrace + decode replayed",
    ops: lines,
    run: () => {
      for (const e of parseStrace(readFileSync(path, "utf8"))) if (e.kind === "syscall" && e.argsParsed) sink += decodeCall(e).line;
    },
  },
  {
    name: "full replay on MMU (mmsim replay)",
    ops: lines,
    run: () => void (sink += runReplay(readFileSync(path, "utf8"), { backend: "mmu", initialMaps: maps }).report.skipped),
  },
  {
    name: "read + split + one object per line",
    ops: lines,
    run: () => {
      const out: { line: number; raw: string }[] = [];
      readFileSync(path, "utf8").split("\n").forEach((raw, k) => out.push({ line: k + 1, raw }));
      sink += out.length;
    },
  },
];

// Three passes, each case's best kept: on a shared machine the load moves between the cases of one pass.
const title = `${path.slice(fixtures.length)}: ${lines} lines, ${(bytes / 1024).toFixed(0)} KiB (per line)`;
const passes = [1, 2, 3].map((k) => runGroup(`${title}, pass ${k}`, cases, { budgetMs: 1500, rounds: 7 }));
const best = cases.map((_, k) => Math.min(...passes.map((p) => p[k]!.nsPerOp)));
const [base, parse, decode, replay, floor] = best as [number, number, number, number, number];
console.log("\nsummary (best of the passes)");
console.log(`  read + split:           ${(base / 1000).toFixed(2)} µs per line (baseline)`);
console.log(`  parseStrace:            ${(parse / base).toFixed(2)}× read+split  (target: well under 2×)`);
console.log(`  parseStrace + decode:   ${(decode / base).toFixed(2)}× read+split  (the replay's whole budget is 4×)`);
console.log(`  full replay (MMU):      ${(replay / base).toFixed(2)}× read+split  (target: ≤ 4×); ${(1e9 / replay).toFixed(0)} lines/s`);
console.log(`  one object per line:    ${(floor / base).toFixed(2)}× read+split  (the allocation floor of a record per line)`);
const heapFlags = [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(" ")].filter((a) => a.startsWith("--max-semi"));
console.log(`  V8 heap flags:          ${heapFlags.join(" ") || "default"}; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs (sink ${sink > 0 ? "used" : "empty"})`);
