/**
 * Against the host: traces a few programs with the strace installed here, now, and reads the output.
 * The committed fixtures pin one strace version; this catches a host whose strace prints differently.
 * Skips, saying why, where there is no Linux, strace or ptrace.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeCall } from "../../src/trace/decode.js";
import type { SyscallRecord } from "../../src/trace/strace-parse.js";
import { REPLAYED_SYSCALLS, parseStrace } from "../../src/trace/strace-parse.js";

function hostProblem(): string | null {
  if (process.platform !== "linux") return `the host is ${process.platform}, not Linux`;
  const probe = spawnSync("strace", ["-o", "/dev/null", "true"], { encoding: "utf8" });
  if (probe.error !== undefined) return `strace cannot run: ${probe.error.message}`;
  if (probe.status !== 0) return `strace cannot trace here: ${probe.stderr.trim()}`;
  return null;
}

const problem = hostProblem();
if (problem !== null) console.warn(`strace-host tests skipped: ${problem}`);
const work = mkdtempSync(join(tmpdir(), "mmsim-strace-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function trace(flags: string[], argv: string[]): string {
  const out = join(work, `t${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync("strace", [...flags, "-o", out, ...argv], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`strace ${argv.join(" ")} failed: ${r.stderr}`);
  return readFileSync(out, "utf8");
}

describe.skipIf(problem !== null)("the host's strace", () => {
  it.each([
    ["-f", ["sh", "-c", "ls / >/dev/null; cat /proc/self/maps >/dev/null"]],
    ["plain", ["sh", "-c", "true"]],
    ["-f -tt -T", ["sh", "-c", "ls >/dev/null"]],
    ["-f -ttt", ["sh", "-c", "ls >/dev/null"]],
  ])("%s: every line reads, every replayed call decodes", (flags, argv) => {
    const text = trace(flags === "plain" ? [] : flags.split(" "), argv);
    const entries = parseStrace(text);
    expect(entries.filter((e) => e.kind === "error")).toEqual([]);
    const calls = entries.filter((e): e is SyscallRecord => e.kind === "syscall");
    expect(calls.map((c) => c.name)).toContain("mmap");
    const replayed = calls.filter((c) => REPLAYED_SYSCALLS.has(c.name));
    expect(replayed.map(decodeCall).filter((d) => "error" in d)).toEqual([]);
    if (flags.includes("-f")) expect(new Set(calls.map((c) => c.pid)).size).toBeGreaterThan(1);
    else expect(calls.every((c) => c.pid === 0)).toBe(true);
  });
});
