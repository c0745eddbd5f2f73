/**
 * The committed real-program fixtures (apps/sim/fixtures, made by scripts/capture-fixtures.sh):
 * every trace parses without an error, every replayed call decodes, the records per syscall name are
 * what a naive count of the text finds, and each snapshot agrees with its trace's first mmap.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEFAULT_MMAP_BASE, PAGE_SIZE } from "@mmsim/mm-types";
import { describe, expect, it } from "vitest";
import { decodeCall } from "../../src/trace/decode.js";
import type { SyscallRecord } from "../../src/trace/strace-parse.js";
import { REPLAYED_SYSCALLS, parseStrace } from "../../src/trace/strace-parse.js";

const dir = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const names = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const read = (name: string, file: string): string => readFileSync(`${dir}${name}/${file}`, "utf8");

/**
 * Records per syscall name, counted without the parser: a line `PID name(` starts one call; a line
 * `PID <... name resumed>` that no earlier `<unfinished ...>` of that pid and name is waiting for is
 * one more (strace met the thread inside the call).
 */
function naiveCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const waiting = new Map<string, string>();
  for (const line of text.split("\n")) {
    const start = /^(\d+) +([a-z_0-9]+)\(/.exec(line);
    const resumed = /^(\d+) +<\.\.\. ([a-z_0-9]+) resumed>/.exec(line);
    if (start !== null) {
      counts.set(start[2]!, (counts.get(start[2]!) ?? 0) + 1);
      if (line.endsWith(" <unfinished ...>")) waiting.set(start[1]!, start[2]!);
    } else if (resumed !== null) {
      if (waiting.get(resumed[1]!) === resumed[2]) waiting.delete(resumed[1]!);
      else counts.set(resumed[2]!, (counts.get(resumed[2]!) ?? 0) + 1);
    }
  }
  return counts;
}

/** Start and end of every line of a /proc/<pid>/maps text, checking each line's shape. */
function mapsRanges(maps: string): [number, number][] {
  return maps
    .trimEnd()
    .split("\n")
    .map((line) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+) [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2,}:[0-9a-f]{2,} \d+ *(.*)$/.exec(line);
      if (m === null) throw new Error(`not a maps line: ${line}`);
      return [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
    });
}

/** Where Linux's top-down search puts a `len`-byte mapping below `base` among `ranges` (no hint, no guard). */
function topDownPlacement(ranges: [number, number][], len: number, base: number): number {
  let high = base;
  for (const [start, end] of [...ranges].filter(([s]) => s < base).sort((a, b) => b[0] - a[0])) {
    if (high - Math.min(end, high) >= len) break;
    high = Math.min(high, start);
  }
  return high - len;
}

describe("fixtures", () => {
  it("are all there, each with a trace and a maps snapshot", () => {
    expect(names).toEqual(expect.arrayContaining(["node", "perl", "python3", "sh", "shm-futex", "spawn", "sqlite3"]));
    for (const name of names) {
      expect(statSync(`${dir}${name}/trace.txt`).size).toBeLessThan(1.5 * 1024 * 1024);
      expect(statSync(`${dir}${name}/maps.txt`).size).toBeGreaterThan(0);
    }
  });

  describe.each(names)("%s", (name) => {
    const text = read(name, "trace.txt");
    const entries = parseStrace(text);
    const calls = entries.filter((e): e is SyscallRecord => e.kind === "syscall");

    it("parses with no error", () => {
      expect(entries.filter((e) => e.kind === "error")).toEqual([]);
      expect(calls.length).toBeGreaterThan(0);
    });

    it("has as many records of each syscall as the text has calls", () => {
      const got = new Map<string, number>();
      for (const c of calls) got.set(c.name, (got.get(c.name) ?? 0) + 1);
      expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...naiveCounts(text)].sort()));
    });

    it("decodes every replayed call", () => {
      const replayed = calls.filter((c) => REPLAYED_SYSCALLS.has(c.name));
      expect(replayed.length).toBeGreaterThan(0);
      const failures = replayed.map(decodeCall).filter((d) => "error" in d);
      expect(failures).toEqual([]);
    });

    it("has a snapshot whose layout the trace's first mmap(NULL) agrees with", () => {
      const ranges = mapsRanges(read(name, "maps.txt"));
      // ASLR off: the stack ends at the top of the user address space, mmap_base 128 MiB below it.
      expect(ranges.some(([, end]) => end === 0x7ffffffff000)).toBe(true);
      const first = calls.find((c) => c.name === "mmap" && c.args[0]?.kind === "null");
      if (first === undefined) throw new Error("no mmap(NULL, …) in the trace");
      const len = decodeCall(first);
      if ("error" in len) throw new Error(len.error);
      const size = Math.ceil(len.args[1]! / PAGE_SIZE) * PAGE_SIZE;
      expect(len.ret).toBe(topDownPlacement(ranges, size, DEFAULT_MMAP_BASE));
    });
  });

  it("cover every replayed syscall that glibc still issues (all but fork and open)", () => {
    const seen = new Set<string>();
    for (const name of names) for (const e of parseStrace(read(name, "trace.txt"))) if (e.kind === "syscall") seen.add(e.name);
    const missing = [...REPLAYED_SYSCALLS].filter((n) => !seen.has(n)).sort();
    expect(missing).toEqual(["fork", "open"]);
  });

  it("show processes exiting, being killed and taking signals", () => {
    const kinds = parseStrace(read("spawn", "trace.txt")).map((e) => (e.kind === "exit" ? `${e.how} ${e.signal ?? e.exitCode}` : e.kind));
    expect(kinds).toEqual(expect.arrayContaining(["exited 0", "killed SIGKILL", "killed SIGSEGV", "signal"]));
  });
});
