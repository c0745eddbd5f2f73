/**
 * `mmsim replay`, `mmsim compare` and `mmsim proc`: option parsing (every bad value named), running
 * the replay, and the text and JSON reports.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatBuddyinfo } from "@mmsim/buddy-allocator";
import { PAGE_SIZE, formatErrno } from "@mmsim/mm-types";
import { parseProcMaps } from "@mmsim/procfs";
import { runReplay } from "./replay/run-replay.js";
import type { ReplayRun, ReplayRunOptions } from "./replay/run-replay.js";
import { nommuFailureReason } from "./replay/explain.js";
import type { Output } from "./main.js";

/** What a command failed on, for the user. */
class UsageError extends Error {}

const REPLAY_OPTIONS = {
  backend: { type: "string" },
  "initial-maps": { type: "string" },
  "mmap-base": { type: "string" },
  brk: { type: "string" },
  ram: { type: "string" },
  "nr-trim-pages": { type: "string" },
  check: { type: "boolean" },
  json: { type: "boolean" },
  "maps-out": { type: "string" },
} as const;

/** Parses "0x7ffff7fff000" or "7ffff7fff000". */
function parseHex(option: string, text: string): number {
  if (!/^(0x)?[0-9a-f]+$/i.test(text)) throw new UsageError(`--${option} must be a hexadecimal address, not "${text}"`);
  const n = parseInt(text.replace(/^0x/i, ""), 16);
  if (!Number.isSafeInteger(n) || n % PAGE_SIZE !== 0) throw new UsageError(`--${option} must be page-aligned and below 2^53, not "${text}"`);
  return n;
}

/** Parses "512M", "1G", "65536K", "1048576". */
export function parseSize(option: string, text: string): number {
  const m = /^(\d+)([KMG]i?B?)?$/i.exec(text);
  if (m === null) throw new UsageError(`--${option} must be a size like 64M, 1G or 262144K, not "${text}"`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? "").charAt(0).toUpperCase() as "" | "K" | "M" | "G"];
  const n = Number(m[1]) * unit;
  if (n < 4 * 1024 * 1024 || n > 64 * 1024 ** 3) throw new UsageError(`--${option} must be between 4M and 64G, not "${text}"`);
  return n;
}

function readText(what: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The --initial-maps text; a line that is not a maps line is a usage error naming the line and the field. */
function readMaps(path: string): string {
  const text = readText("the maps snapshot", path);
  const { errors } = parseProcMaps(text);
  if (errors.length > 0) {
    const more = errors.length > 3 ? ` (and ${errors.length - 3} more bad lines)` : "";
    throw new UsageError(`the maps snapshot ${path}: ${errors.slice(0, 3).map((e) => e.message).join("; ")}${more}`);
  }
  return text;
}

interface Parsed {
  readonly trace: string;
  readonly tracePath: string;
  readonly rest: string[];
  readonly run: Omit<ReplayRunOptions, "backend">;
  readonly backend: "mmu" | "nommu";
  readonly check: boolean;
  readonly json: boolean;
  readonly mapsOut: string | null;
}

function parseReplayArgs(args: string[], minPositionals: number): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args, options: REPLAY_OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const [tracePath, ...rest] = parsed.positionals;
  if (tracePath === undefined || parsed.positionals.length < minPositionals) throw new UsageError(minPositionals > 1 ? "expected a trace file and at least one /proc path" : "expected a trace file");
  const backend = v.backend ?? "mmu";
  if (backend !== "mmu" && backend !== "nommu") throw new UsageError(`--backend must be mmu or nommu, not "${backend}"`);
  let nrTrim: number | undefined;
  if (v["nr-trim-pages"] !== undefined) {
    if (!/^\d+$/.test(v["nr-trim-pages"])) throw new UsageError(`--nr-trim-pages must be a whole number, not "${v["nr-trim-pages"]}"`);
    nrTrim = Number(v["nr-trim-pages"]);
  }
  const run: Omit<ReplayRunOptions, "backend"> = {
    ...(v["initial-maps"] !== undefined ? { initialMaps: readMaps(v["initial-maps"]) } : {}),
    ...(v["mmap-base"] !== undefined ? { mmapBase: parseHex("mmap-base", v["mmap-base"]) } : {}),
    ...(v.brk !== undefined ? { brk: parseHex("brk", v.brk) } : {}),
    ...(v.ram !== undefined ? { ramBytes: parseSize("ram", v.ram) } : {}),
    ...(nrTrim !== undefined ? { nrTrimPages: nrTrim } : {}),
  };
  return { trace: readText("trace", tracePath), tracePath, rest, run, backend, check: v.check === true, json: v.json === true, mapsOut: v["maps-out"] ?? null };
}

/** A progress bar on a terminal; nothing when the output is piped. */
function progress(io: Output): ReplayRunOptions["onProgress"] {
  if (io.errIsTTY !== true) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.err(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} lines`);
    if (done === total) io.err("\r" + " ".repeat(width + 30) + "\r");
  };
}

function kb(pages: number): string {
  return `${(pages * PAGE_SIZE) / 1024} kB`;
}

/** The JSON document of a replay. */
function replayJson(run: ReplayRun): object {
  const r = run.report;
  const k = run.world.kernel;
  return {
    backend: r.backend,
    calls: r.calls,
    mismatches: r.mismatches.map(({ line, call, expected, actual }) => ({ line, call, expected, actual })),
    skipped: r.skipped,
    processes: run.pids.map((pid) => ({ pid, maps: finalMaps(run, pid) })),
    meminfo: r.finalGlobal["/proc/meminfo"] ?? k.readProc("/proc/meminfo"),
    buddyinfo: r.finalGlobal["/proc/buddyinfo"] ?? formatBuddyinfo(run.world.buddy.zoneViews()),
    errors: r.errors,
  };
}

/** A process's maps: live, or as it was just before it exited. */
function finalMaps(run: ReplayRun, pid: number): string {
  const t = run.world.kernel.task(pid);
  if (t !== null && t.alive) return run.world.backend.showMaps(t.mm.mmId);
  return run.report.finalMaps[pid] ?? "";
}

function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n") + "\n";
}

const FIRST_MISMATCHES = 20;

function replayText(p: Parsed, run: ReplayRun): string {
  const r = run.report;
  let out = "";
  const replayed = Object.values(r.calls).reduce((s, c) => s + c.replayed, 0);
  out += `mmsim replay: ${p.tracePath} on ${r.backend}: ${replayed} calls replayed, ${r.skipped} skipped`;
  out += r.lost > 0 ? `, ${r.lost} of processes the simulator could not create\n` : "\n";
  for (const e of r.errors.slice(0, 20)) out += `  ${e}\n`;
  if (r.errors.length > 20) out += `  ... and ${r.errors.length - 20} more\n`;
  if (p.check && r.mismatches.length > 0) {
    out += `\nfirst mismatches (of ${r.mismatches.length}):\n`;
    for (const m of r.mismatches.slice(0, FIRST_MISMATCHES)) out += `  line ${m.line}: ${m.call}: expected ${m.expected}, got ${m.actual}\n`;
  }
  const names = Object.keys(r.calls).sort();
  out += "\n" + table([["syscall", "replayed", ...(p.check ? ["mismatched"] : [])], ...names.map((n) => [n, String(r.calls[n]!.replayed), ...(p.check ? [String(r.calls[n]!.mismatched)] : [])])]);
  out += `\npeak memory in use: ${kb(r.peakUsedPages)}\n`;
  if (run.firstPid !== null) out += `\n/proc/${run.firstPid}/maps at the end:\n${finalMaps(run, run.firstPid)}`;
  return out;
}

/** `mmsim replay`. */
export function replayCommand(args: string[], io: Output): number {
  return guarded("replay", io, () => {
    const p = parseReplayArgs(args, 1);
    const progressFn = progress(io);
    const run = runReplay(p.trace, { backend: p.backend, ...p.run, ...(progressFn !== undefined ? { onProgress: progressFn } : {}) });
    if (p.mapsOut !== null && run.firstPid !== null) writeFileSync(p.mapsOut, finalMaps(run, run.firstPid));
    io.out(p.json ? JSON.stringify(replayJson(run), null, 2) + "\n" : replayText(p, run));
    return p.check && run.report.mismatches.length > 0 ? 1 : 0;
  });
}

/** `mmsim proc`: the named /proc files after the replay. */
export function procCommand(args: string[], io: Output): number {
  return guarded("proc", io, () => {
    const p = parseReplayArgs(args, 2);
    const run = runReplay(p.trace, { backend: p.backend, ...p.run });
    let status = 0;
    for (const path of p.rest) {
      const m = /^\/proc\/(\d+)\/(maps|smaps)$/.exec(path);
      // as the machine was while the traced program still ran: the last process's exit empties it
      let text: string | number = run.report.finalGlobal[path] ?? run.world.kernel.readProc(path);
      if (typeof text === "number" && m !== null) text = (m[2] === "maps" ? run.report.finalMaps : run.report.finalSmaps)[Number(m[1])] ?? text;
      if (typeof text === "number") {
        io.err(`mmsim proc: ${path}: no such file on ${run.report.backend}\n`);
        status = 1;
        continue;
      }
      if (p.rest.length > 1) io.out(`==> ${path} <==\n`);
      io.out(text);
    }
    return status;
  });
}

/** The comparison of both backends. */
export interface Comparison {
  readonly mmu: ReplayRun;
  readonly nommu: ReplayRun;
  readonly nommuNoTrim: ReplayRun;
  readonly failures: ReadonlyArray<{ readonly call: string; readonly errno: string; readonly rule: string; readonly count: number; readonly lines: readonly number[] }>;
}

/** Replays on MMU, on NOMMU, and on NOMMU without trimming; groups the NOMMU failures by rule. */
export function compareRuns(trace: string, run: Omit<ReplayRunOptions, "backend">): Comparison {
  const mmu = runReplay(trace, { ...run, backend: "mmu" });
  const nommu = runReplay(trace, { ...run, backend: "nommu" });
  const nommuNoTrim = runReplay(trace, { ...run, backend: "nommu", nrTrimPages: 0 });
  const groups = new Map<string, { call: string; errno: string; rule: string; count: number; lines: number[] }>();
  for (const m of nommu.report.mismatches) {
    if (m.actualRet === null || m.actualRet >= 0 || m.expected.startsWith("-1")) continue;
    const rule = nommuFailureReason({ name: m.call, args: m.args }, m.actualRet, m.cause);
    const key = `${m.call}\0${m.actual}\0${rule}`;
    const g = groups.get(key) ?? { call: m.call, errno: m.actual, rule, count: 0, lines: [] };
    g.count++;
    if (g.lines.length < 5) g.lines.push(m.line);
    groups.set(key, g);
  }
  if (nommu.report.firstProcessErrno !== null) {
    groups.set("exec", { call: "exec", errno: formatErrno(nommu.report.firstProcessErrno), rule: `the program can't be loaded: ${nommuFailureReason({ name: "mmap", args: [0, 0, 0, 0] }, nommu.report.firstProcessErrno, null)}`, count: 1, lines: [1] });
  }
  return { mmu, nommu, nommuNoTrim, failures: [...groups.values()].sort((a, b) => b.count - a.count) };
}

function bar(value: number, max: number, width = 40): string {
  const n = max === 0 ? 0 : Math.round((value / max) * width);
  return "█".repeat(n) + "·".repeat(width - n);
}

/** The comparison as text. */
export function compareText(tracePath: string, c: Comparison): string {
  let out = `mmsim compare: ${tracePath}\n\n`;
  const fails = c.failures.reduce((s, f) => s + f.count, 0);
  out += fails === 0 ? "Every replayed call that worked on the traced machine works on NOMMU too.\n" : `${fails} calls that worked on the traced machine fail on NOMMU:\n`;
  for (const f of c.failures) out += `  ${String(f.count).padStart(5)} × ${f.call}: ${f.errno}\n          ${f.rule}\n          (lines ${f.lines.join(", ")}${f.count > f.lines.length ? ", ..." : ""})\n`;
  const rows: Array<[string, ReplayRun]> = [
    ["MMU", c.mmu],
    ["NOMMU", c.nommu],
    ["NOMMU, nr_trim_pages=0", c.nommuNoTrim],
  ];
  const max = Math.max(...rows.map(([, r]) => r.report.peakUsedPages));
  out += "\npeak memory in use (NOMMU allocates what it maps at once; MMU only what is touched, and a replay touches nothing):\n";
  for (const [name, r] of rows) out += `  ${name.padEnd(24)} ${bar(r.report.peakUsedPages, max)} ${kb(r.report.peakUsedPages)}\n`;
  out += "\n" + table([
    ["", "MMU", "NOMMU", "NOMMU, no trim"],
    ["peak memory in use", kb(c.mmu.report.peakUsedPages), kb(c.nommu.report.peakUsedPages), kb(c.nommuNoTrim.report.peakUsedPages)],
    ["peak memory mapped", kb(c.mmu.report.peakMappedPages), kb(c.nommu.report.peakMappedPages), kb(c.nommuNoTrim.report.peakMappedPages)],
    ["slack of power-of-2 copies at peak", "-", kb(c.nommu.report.peakSlackPages), kb(c.nommuNoTrim.report.peakSlackPages)],
    ["MmapCopy at peak", "-", kb(c.nommu.report.peakMmapCopyPages), kb(c.nommuNoTrim.report.peakMmapCopyPages)],
    ["largest free order at peak", String(c.mmu.report.largestFreeOrderAtPeak), String(c.nommu.report.largestFreeOrderAtPeak), String(c.nommuNoTrim.report.largestFreeOrderAtPeak)],
    ["calls that failed here", String(failedCount(c.mmu)), String(failedCount(c.nommu)), String(failedCount(c.nommuNoTrim))],
  ]);
  return out;
}

function failedCount(r: ReplayRun): number {
  return r.report.mismatches.filter((m) => m.actualRet !== null && m.actualRet < 0).length;
}

/** `mmsim compare`. */
export function compareCommand(args: string[], io: Output): number {
  return guarded("compare", io, () => {
    const p = parseReplayArgs(args, 1);
    const c = compareRuns(p.trace, p.run);
    if (p.json) {
      const side = (r: ReplayRun): object => ({
        peakUsedKb: (r.report.peakUsedPages * PAGE_SIZE) / 1024,
        peakMappedKb: (r.report.peakMappedPages * PAGE_SIZE) / 1024,
        peakSlackKb: (r.report.peakSlackPages * PAGE_SIZE) / 1024,
        peakMmapCopyKb: (r.report.peakMmapCopyPages * PAGE_SIZE) / 1024,
        largestFreeOrderAtPeak: r.report.largestFreeOrderAtPeak,
        calls: r.report.calls,
      });
      io.out(JSON.stringify({ nommuFailures: c.failures, mmu: side(c.mmu), nommu: side(c.nommu), nommuNoTrim: side(c.nommuNoTrim) }, null, 2) + "\n");
    } else io.out(compareText(p.tracePath, c));
    return 0;
  });
}

function guarded(command: string, io: Output, fn: () => number): number {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`mmsim ${command}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
