/**
 * The fixtures' format: strace-like call lines "PID   name(args) = result" and /proc dumps between
 * "## begin KIND PID TAG" and "## end KIND PID TAG" (see test/oracle/oracle.h).
 */

/** One traced call. `result` is the value, or null with `errno` set, or null for "= ?". */
export interface CallEvent {
  readonly type: "call";
  readonly line: number;
  readonly pid: number;
  readonly name: string;
  readonly args: readonly string[];
  readonly result: bigint | null;
  readonly errno: string | null;
  readonly text: string;
}

/** A /proc file as one process read it. */
export interface DumpEvent {
  readonly type: "dump";
  readonly line: number;
  readonly kind: string;
  readonly pid: number;
  readonly tag: string;
  readonly lines: readonly string[];
}

/** "## size PATH N": a file's size, read through to EOF. */
export interface SizeEvent {
  readonly type: "size";
  readonly path: string;
  readonly size: number;
}

export type TraceEvent = CallEvent | DumpEvent | SizeEvent;

const CALL = /^(\d+)\s+(\w+)\((.*)\) = (.*)$/;

/** Splits "a, "b, c", d" at top-level commas (quoted strings keep theirs). */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) {
      out.push(cur.trim());
      cur = "";
      continue;
    }
    cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

function parseResult(r: string): { result: bigint | null; errno: string | null } {
  const err = /^-1 (E[A-Z0-9]+) /.exec(r);
  if (err !== null) return { result: null, errno: err[1]! };
  if (r === "?") return { result: null, errno: null };
  return { result: BigInt(r), errno: null };
}

/** Parses a fixture into events; lines that are neither (comments, kernel noise) are skipped. */
export function parseTrace(text: string): TraceEvent[] {
  const lines = text.split("\n");
  const events: TraceEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const begin = /^## begin (\S+) (\d+) (\S+)$/.exec(l);
    if (begin !== null) {
      const body: string[] = [];
      const end = `## end ${begin[1]} ${begin[2]} ${begin[3]}`;
      const start = i;
      for (i++; i < lines.length && lines[i] !== end; i++) body.push(lines[i]!.replace(/^## /, ""));
      if (i >= lines.length) throw new Error(`line ${start + 1}: "${l}" never ends`);
      events.push({ type: "dump", line: start + 1, kind: begin[1]!, pid: Number(begin[2]), tag: begin[3]!, lines: body.filter((b) => b !== "") });
      continue;
    }
    const size = /^## size (\S+) (\d+)$/.exec(l);
    if (size !== null) {
      events.push({ type: "size", path: size[1]!, size: Number(size[2]) });
      continue;
    }
    const m = CALL.exec(l);
    if (m === null) continue;
    events.push({ type: "call", line: i + 1, pid: Number(m[1]), name: m[2]!, args: splitArgs(m[3]!), ...parseResult(m[4]!), text: l });
  }
  return events;
}

/** An unsigned 64-bit argument ("NULL", decimal, negative decimal, 0x hex) as a bigint. */
export function argU64(s: string): bigint {
  if (s === "NULL") return 0n;
  return BigInt.asUintN(64, BigInt(s));
}

/** A bigint as the nearest double (exact below 2^53). */
export function num(x: bigint): number {
  return Number(x);
}

/** Parses "A|B|0x10" with a table of names. */
export function argFlags(s: string, names: Readonly<Record<string, number>>): number {
  let v = 0;
  for (const part of s.split("|")) {
    if (part === "0") continue;
    if (part.startsWith("0x")) v |= Number(part);
    else if (names[part] !== undefined) v |= names[part]!;
    else throw new Error(`unknown flag ${part}`);
  }
  return v;
}

/** One /proc/<pid>/maps or /proc/maps line. */
export interface MapsLine {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly offset: number;
  readonly path: string;
}

/** Parses a maps line ("start-end perms offset dev ino [path]"). */
export function parseMapsLine(l: string): MapsLine {
  const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(l);
  if (m === null) throw new Error(`not a maps line: ${l}`);
  return { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, offset: parseInt(m[4]!, 16), path: m[5]!.trim() };
}
