/**
 * Reads the text `strace -o FILE` and `strace -f -o FILE` write into typed records, one per syscall,
 * process exit and signal, in trace order. What it understands: an optional pid prefix (`1234  ` or
 * `[pid  1234] `) and timestamp (`-t`, `-tt`, `-ttt`, `-r`), `<unfinished ...>` / `<... NAME resumed>`
 * pairs merged into one call, results (decimal, hex, `?`, `-1 ENOMEM (Cannot allocate memory)`, an
 * annotation such as `(Timeout)`, a `-T` duration), `+++ exited with N +++`, `+++ killed by SIG… +++`,
 * `--- SIG… {…} ---`. Arguments of the replayed syscalls are read in full (./strace-args.ts); the
 * others are kept as one raw text, checked only for the `name(…) = result` frame around it. A malformed line becomes an error entry naming its
 * line and what was expected, and parsing goes on; nothing throws on any input.
 */
import { errnoByName } from "@mmsim/mm-types";
import type { Arg } from "./strace-args.js";
import { ArgScanner, SimpleArgReader, TextInterner, integerIn, isHexDigit, isIdentChar, isIdentStart } from "./strace-args.js";

/** The syscalls `mmsim replay` carries out; the others are counted and skipped. */
export const REPLAYED_SYSCALLS: ReadonlySet<string> = new Set([
  "mmap", "munmap", "mprotect", "mremap", "brk", "madvise",
  "shmget", "shmat", "shmdt", "shmctl", "futex",
  "clone", "clone3", "fork", "vfork", "execve", "exit", "exit_group",
  "openat", "open", "close", "dup", "dup2", "dup3", "ftruncate",
]);

/** What a syscall returned, as strace printed it. */
export type SyscallResult =
  /** A return value: `= 3`, `= 0x7ffff7fc0000`. `bigint` above 2^53. */
  | { readonly kind: "value"; readonly value: number | bigint }
  /** `= -1 ENOMEM (Cannot allocate memory)`, or `= ? ERESTARTSYS (…)` for an interrupted call. */
  | { readonly kind: "errno"; readonly errno: number; readonly name: string }
  /** `= ?` (exit, exit_group, a call cut short by the process's death) or a call that never resumed. */
  | { readonly kind: "none" };

/** One syscall. */
export interface SyscallRecord {
  readonly kind: "syscall";
  /** 1-based line where the call starts (its `<unfinished ...>` line when strace split it). */
  readonly line: number;
  /** Line of its `<... NAME resumed>` half; null when on one line or never resumed. Equal to `line` when the trace holds only the resumed half (a thread strace met mid-call). */
  readonly resumedLine: number | null;
  readonly pid: number;
  readonly name: string;
  /** Arguments in printed order; for a syscall read loosely, one raw text: all between the parentheses. */
  readonly args: readonly Arg[];
  /** True when `args` were read in full (the replayed syscalls by default). */
  readonly argsParsed: boolean;
  readonly result: SyscallResult;
  /** What strace printed after the result in parentheses: `Timeout`, `Cannot allocate memory`, `flags O_RDONLY`. */
  readonly annotation: string | null;
  /** The trace text: the line, or its two lines joined by a newline when strace split the call. */
  readonly raw: string;
}

/** `+++ exited with N +++`, `+++ killed by SIGKILL (core dumped) +++`, `+++ superseded by execve in pid N +++`. */
export interface ExitRecord {
  readonly kind: "exit";
  readonly line: number;
  readonly pid: number;
  readonly how: "exited" | "killed" | "superseded";
  /** The exit status when `exited`. */
  readonly exitCode: number | null;
  /** The signal's name when `killed`. */
  readonly signal: string | null;
  readonly coreDumped: boolean;
  /** The pid whose execve replaced this thread when `superseded`. */
  readonly newPid: number | null;
  readonly raw: string;
}

/** `--- SIGCHLD {si_signo=SIGCHLD, …} ---`: a signal delivered to the process. */
export interface SignalRecord {
  readonly kind: "signal";
  readonly line: number;
  readonly pid: number;
  readonly signal: string;
  /** The siginfo struct strace printed, or null (`--- stopped by SIGSTOP ---`). */
  readonly info: Arg | null;
  readonly raw: string;
}

/** A line this parser could not read. */
export interface TraceParseError {
  readonly kind: "error";
  readonly line: number;
  /** `line 12: expected ')' …`: the line number and what was expected. */
  readonly error: string;
  readonly raw: string;
}

/** One entry of a parsed trace. */
export type TraceEntry = SyscallRecord | ExitRecord | SignalRecord | TraceParseError;

/** Options of {@link parseStrace}. */
export interface StraceParseOptions {
  /** Pid of lines without a pid prefix (a trace made without -f). Default 0: not recorded. */
  readonly pid?: number;
  /**
   * Where a split call goes: at its start line ("start", the default: a fork or clone comes before
   * its child's lines, a futex wait before the wake that ends it) or at its resumed line ("end":
   * the order in which calls returned).
   */
  readonly order?: "start" | "end";
  /** Whose arguments are read in full: the replayed syscalls (default) or every syscall. */
  readonly parseArgs?: "replayed" | "all";
}

const UNFINISHED = " <unfinished ...>";
const RESUMED_OPEN = "<... ";
const RESUMED_CLOSE = " resumed>";

interface Pending {
  readonly line: number;
  readonly pid: number;
  readonly name: string;
  /** Whether the call's arguments are read in full. */
  readonly full: boolean;
  /** The text holding the call's first half: its name starts at `start`, and `end` is where ` <unfinished ...>` and the blanks before it begin. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly raw: string;
  /** Index reserved in the output (order "start"), or -1. */
  readonly slot: number;
}

/** A syscall's name as met in a trace, kept once, with whether its arguments are read in full. */
interface KnownName {
  readonly name: string;
  readonly full: boolean;
}

/**
 * A streaming reader: feed lines with {@link StraceParser.push}, then {@link StraceParser.finish}
 * flushes the calls that never resumed and returns every entry.
 */
export class StraceParser {
  private readonly entries: (TraceEntry | null)[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly scanner = new ArgScanner();
  private readonly simple = new SimpleArgReader();
  private readonly results = new ResultCache();
  /** Syscall names met so far, each with whether it is read in full. */
  private readonly names = new TextInterner<KnownName>(4096);
  private readonly defaultPid: number;
  private readonly byStart: boolean;
  private readonly allArgs: boolean;

  constructor(options: StraceParseOptions = {}) {
    this.defaultPid = options.pid ?? 0;
    this.byStart = (options.order ?? "start") === "start";
    this.allArgs = options.parseArgs === "all";
  }

  /** Reads one line (without its newline); `lineNo` is 1-based. Blank lines are skipped. */
  push(text: string, lineNo: number): void {
    this.pushRange(text, 0, text.length, lineNo);
  }

  /**
   * Reads the line `t[start..end)`. Reading in place in the whole file, rather than in a string cut
   * out for the line, keeps character access on V8's fast path.
   */
  pushRange(t: string, start: number, end: number, lineNo: number): void {
    if (end <= start) return;
    const raw = start === 0 && end === t.length ? t : t.slice(start, end);
    let i = start;
    let pid = this.defaultPid;
    const c0 = t.charCodeAt(start);
    if (c0 >= 48 && c0 <= 57) {
      let j = start;
      let n = 0;
      for (let c = c0; c >= 48 && c <= 57; c = t.charCodeAt(++j)) n = n * 10 + c - 48;
      if (t.charCodeAt(j) === 32) {
        pid = n;
        i = spacesEnd(t, j);
      }
    } else if (matchesAt(t, start, "[pid ")) {
      const from = spacesEnd(t, start + 5);
      const j = digitsEnd(t, from);
      if (j === from || t.charCodeAt(j) !== 93) return this.emitError(lineNo, raw, "expected a pid and ']' after '[pid'");
      pid = Number(t.slice(from, j));
      i = spacesEnd(t, j + 1);
    } else if (c0 === 32) {
      i = spacesEnd(t, start);
    }
    if (t.charCodeAt(i) <= 57) i = skipTimestamp(t, i);
    if (i >= end) return;
    const c = t.charCodeAt(i);
    if (c === 43 && matchesAt(t, i, "+++ ")) return this.exitLine(t, i, end, lineNo, pid, raw);
    if (c === 45 && matchesAt(t, i, "--- ")) return this.signalLine(t, i, end, lineNo, pid, raw);
    if (c === 60 && matchesAt(t, i, RESUMED_OPEN)) return this.resumedLine(t, i, end, lineNo, pid, raw);
    if (t.charCodeAt(end - 1) === 62 && matchesAt(t, end - UNFINISHED.length, UNFINISHED)) return this.startLine(t, i, end, lineNo, pid, raw);
    this.emit(this.call(t, i, end, lineNo, null, pid, raw, false));
  }

  /** Ends the trace: calls still unfinished get result `none`. Returns every entry in order. */
  finish(): TraceEntry[] {
    for (const p of [...this.pending.values()]) this.flush(p);
    return this.entries as TraceEntry[];
  }

  private emit(e: TraceEntry): void {
    this.entries.push(e);
  }

  private emitError(line: number, raw: string, what: string): void {
    this.emit({ kind: "error", line, error: `line ${line}: ${what}`, raw });
  }

  private startLine(t: string, i: number, end: number, lineNo: number, pid: number, raw: string): void {
    const old = this.pending.get(pid);
    if (old !== undefined) this.flush(old);
    let headEnd = end - UNFINISHED.length;
    while (headEnd > i && isTrimmedBlank(t.charCodeAt(headEnd - 1))) headEnd--;
    const nameEnd = identEnd(t, i);
    if (nameEnd === i || nameEnd >= headEnd || t.charCodeAt(nameEnd) !== 40) return this.emitError(lineNo, raw, `expected a syscall name and '(', found ${quoteStart(t, i, headEnd)}`);
    const known = this.knownName(t, i, nameEnd);
    const slot = this.byStart ? this.entries.push(null) - 1 : -1;
    this.pending.set(pid, { line: lineNo, pid, name: known.name, full: known.full, text: t, start: i, end: headEnd, raw, slot });
  }

  private resumedLine(t: string, i: number, end: number, lineNo: number, pid: number, raw: string): void {
    const nameStart = i + RESUMED_OPEN.length;
    const nameEnd = identEnd(t, nameStart);
    if (nameEnd === nameStart || nameEnd + RESUMED_CLOSE.length > end || !matchesAt(t, nameEnd, RESUMED_CLOSE)) {
      return this.emitError(lineNo, raw, `expected '<... NAME resumed>', found ${quoteStart(t, i, end)}`);
    }
    const p = this.pending.get(pid);
    const restStart = nameEnd + RESUMED_CLOSE.length;
    if (p === undefined || p.name.length !== nameEnd - nameStart || !matchesAt(t, nameStart, p.name)) {
      // strace met this thread inside the call (a new thread's first syscall): only the end is known.
      if (p !== undefined) this.flush(p);
      const joined = `${t.slice(nameStart, nameEnd)}(${t.slice(restStart, end)}`;
      return this.emit(this.call(joined, 0, joined.length, lineNo, lineNo, pid, raw, false));
    }
    this.pending.delete(pid);
    const rec = this.resumedCall(p, t, restStart, end, lineNo, `${p.raw}\n${raw}`);
    if (p.slot >= 0) this.entries[p.slot] = rec;
    else this.emit(rec);
  }

  /**
   * The two halves of a split call as one. When the resumed half adds no arguments (`) = 0`, the usual
   * case) both are read where they stand; otherwise they are joined into one text first.
   */
  private resumedCall(p: Pending, t: string, restStart: number, end: number, resumedLine: number, raw: string): SyscallRecord | TraceParseError {
    if (t.charCodeAt(restStart) === 41) {
      const eq = resultEq(t, restStart, end);
      if (eq > restStart && isBlank(t, restStart + 1, eq)) {
        const args = this.args(p.text, p.start + p.name.length + 1, p.end, p.full);
        if (args === null) return this.errorEntry(p.line, raw, this.scanner.error!);
        return this.record(t, eq, end, p.line, resumedLine, p.pid, p.name, p.full, args, raw);
      }
    }
    const joined = p.text.slice(p.start, p.end) + t.slice(restStart, end);
    return this.call(joined, 0, joined.length, p.line, resumedLine, p.pid, raw, false);
  }

  /** A call that never resumed: its arguments as far as printed, no result. */
  private flush(p: Pending): void {
    this.pending.delete(p.pid);
    const rec = this.call(p.text, p.start, p.end, p.line, null, p.pid, p.raw, true);
    if (p.slot >= 0) this.entries[p.slot] = rec;
    else this.emit(rec);
  }

  /** The name `t[i..nameEnd)` (an identifier; empty for a line that starts at its `(`), kept once. */
  private knownName(t: string, i: number, nameEnd: number): KnownName {
    const known = this.names.find(t, i, nameEnd);
    if (known !== undefined) return known;
    const name = t.slice(i, nameEnd);
    const k = { name, full: this.allArgs || REPLAYED_SYSCALLS.has(name) };
    this.names.add(name, k);
    return k;
  }

  /** Reads `name(args) = result` from `t[i..end)`; `open`: the text stops inside the arguments. */
  private call(t: string, i: number, end: number, line: number, resumedLine: number | null, pid: number, raw: string, open: boolean): SyscallRecord | TraceParseError {
    let nameEnd = i;
    while (nameEnd < end && t.charCodeAt(nameEnd) !== 40) nameEnd++;
    if (nameEnd >= end) nameEnd = -1;
    if (nameEnd < 0 || identEnd(t, i) !== nameEnd) return this.errorEntry(line, raw, `expected a syscall name and '(', found ${quoteStart(t, i, end)}`);
    const { name, full } = this.knownName(t, i, nameEnd);
    if (open) {
      const args = this.args(t, nameEnd + 1, end, full);
      if (args === null) return this.errorEntry(line, raw, this.scanner.error!);
      return { kind: "syscall", line, resumedLine, pid, name, args, argsParsed: full, result: NO_RESULT, annotation: null, raw };
    }
    const eq = resultEq(t, i, end);
    if (eq <= nameEnd) return this.errorEntry(line, raw, `expected ') = ' and a result after the arguments of ${name}`);
    let close = eq;
    while (close > nameEnd && t.charCodeAt(close) !== 41) close--;
    if (close <= nameEnd || !isBlank(t, close + 1, eq)) {
      let k = eq;
      while (t.charCodeAt(k - 1) === 32) k--;
      return this.errorEntry(line, raw, `expected ')' before ' = ' after the arguments of ${name}, found ${quoteStart(t, k - 1, end)}`);
    }
    const args = this.args(t, nameEnd + 1, close, full);
    if (args === null) return this.errorEntry(line, raw, this.scanner.error!);
    return this.record(t, eq, end, line, resumedLine, pid, name, full, args, raw);
  }

  /**
   * The arguments in `t[start..end)`: read in full, or kept as one raw text. Null on a structural
   * error, which `scanner.error` then names.
   */
  private args(t: string, start: number, end: number, full: boolean): readonly Arg[] | null {
    if (!full) return end > start ? [{ kind: "raw", text: t.slice(start, end) }] : NO_ARGS;
    const simple = this.simple.read(t, start, end);
    if (simple !== null) return simple;
    const list: Arg[] = [];
    const sc = this.scanner;
    sc.reset(t, start, end);
    sc.list(-1, list);
    return sc.error === null ? list : null;
  }

  /** The record of a call whose result follows the ` = ` at `t[eq]`. */
  private record(t: string, eq: number, end: number, line: number, resumedLine: number | null, pid: number, name: string, full: boolean, args: readonly Arg[], raw: string): SyscallRecord | TraceParseError {
    const results = this.results;
    if (!readResult(t, eq + 3, end, results)) return this.errorEntry(line, raw, `${results.error} (${name})`);
    return { kind: "syscall", line, resumedLine, pid, name, args, argsParsed: full, result: results.result, annotation: results.annotation, raw };
  }

  private errorEntry(line: number, raw: string, what: string): TraceParseError {
    return { kind: "error", line, error: `line ${line}: ${what}`, raw };
  }

  private exitLine(t: string, i: number, end: number, lineNo: number, pid: number, raw: string): void {
    if (end - 4 < i + 4 || !t.startsWith(" +++", end - 4)) return this.emitError(lineNo, raw, "expected ' +++' at the end of the line");
    const body = t.slice(i + 4, end - 4);
    const p = this.pending.get(pid);
    if (p !== undefined) this.flush(p);
    const base = { kind: "exit", line: lineNo, pid, exitCode: null, signal: null, coreDumped: false, newPid: null, raw } as const;
    let m = /^exited with (-?\d+)$/.exec(body);
    if (m !== null) return this.emit({ ...base, how: "exited", exitCode: Number(m[1]) });
    m = /^killed by (SIG[A-Z0-9_]+|\d+)( \(core dumped\))?$/.exec(body);
    if (m !== null) return this.emit({ ...base, how: "killed", signal: m[1]!, coreDumped: m[2] !== undefined });
    m = /^superseded by execve in pid (\d+)$/.exec(body);
    if (m !== null) return this.emit({ ...base, how: "superseded", newPid: Number(m[1]) });
    this.emitError(lineNo, raw, `expected 'exited with N', 'killed by SIG…' or 'superseded by execve in pid N' after '+++', found ${quoteStart(body, 0)}`);
  }

  private signalLine(t: string, i: number, lineEnd: number, lineNo: number, pid: number, raw: string): void {
    const end = lineEnd - 4;
    if (end < i + 4 || !t.startsWith(" ---", end)) return this.emitError(lineNo, raw, "expected ' ---' at the end of the line");
    let j = i + 4;
    if (t.startsWith("stopped by ", j)) j += "stopped by ".length;
    const nameEnd = identEnd(t, j);
    if (nameEnd === j || nameEnd > end) return this.emitError(lineNo, raw, `expected a signal name after '---', found ${quoteStart(t.slice(j, end), 0)}`);
    const signal = t.slice(j, nameEnd);
    let info: Arg | null = null;
    if (spacesEnd(t, nameEnd) < end) {
      const sc = this.scanner;
      sc.reset(t, nameEnd, end);
      info = sc.value(-1);
      sc.skipBlanks();
      if (sc.error !== null) return this.emitError(lineNo, raw, sc.error);
      if (sc.i < end) return this.emitError(lineNo, raw, `expected ' ---' after the signal's info, found ${sc.describeHere()}`);
    }
    this.emit({ kind: "signal", line: lineNo, pid, signal, info, raw });
  }
}

const NO_RESULT: SyscallResult = { kind: "none" };
const NO_ARGS: readonly Arg[] = [];

/** Where {@link readResult} leaves what it read, with the result objects it shares. */
class ResultCache {
  result: SyscallResult = NO_RESULT;
  annotation: string | null = null;
  error = "";
  private readonly small: (SyscallResult | undefined)[] = [];
  private readonly errnos: (SyscallResult | undefined)[] = [];

  value(v: number | bigint): SyscallResult {
    if (typeof v === "number" && v >= 0 && v < 4097) return (this.small[v] ??= { kind: "value", value: v });
    return { kind: "value", value: v };
  }

  errno(errno: number, name: string): SyscallResult {
    const known = this.errnos[errno];
    if (known !== undefined && known.kind === "errno" && known.name === name) return known;
    const r: SyscallResult = { kind: "errno", errno, name };
    this.errnos[errno] = r;
    return r;
  }
}

/** Reads the result after ` = ` (from `t[j]`) and what follows it into `out`; false on an error. */
function readResult(t: string, j: number, end: number, out: ResultCache): boolean {
  out.annotation = null;
  const c = t.charCodeAt(j);
  if (c === 63) {
    out.result = NO_RESULT;
    j++;
    const k = spacesEnd(t, j);
    if (t.charCodeAt(k) === 69) {
      const nameEnd = identEnd(t, k);
      const name = t.slice(k, nameEnd);
      const errno = errnoByName(name);
      if (errno !== undefined) {
        out.result = out.errno(errno, name);
        j = nameEnd;
      }
    }
    return readTail(t, j, end, out);
  }
  let k = j;
  if (c === 45) k++;
  if (t.charCodeAt(k) === 48 && (t.charCodeAt(k + 1) | 0x20) === 120) {
    k += 2;
    while (k < end && isHexDigit(t.charCodeAt(k))) k++;
  } else {
    k = digitsEnd(t, k);
  }
  const v = k > j ? integerIn(t, j, k) : undefined;
  if (v === undefined) {
    out.error = `expected a return value after '= ', found ${quoteStart(t, j, end)}`;
    return false;
  }
  if (v === -1 && t.charCodeAt(k) === 32 && t.charCodeAt(k + 1) === 69) {
    const nameEnd = identEnd(t, k + 1);
    const name = t.slice(k + 1, nameEnd);
    const errno = errnoByName(name);
    if (errno === undefined) {
      out.error = `expected an errno name after '-1', found '${name}'`;
      return false;
    }
    out.result = out.errno(errno, name);
    k = nameEnd;
  } else {
    out.result = out.value(v);
  }
  return k === end || readTail(t, k, end, out);
}

/** The annotation in parentheses and a `-T` duration, after a result. */
function readTail(t: string, j: number, end: number, out: ResultCache): boolean {
  j = spacesEnd(t, j);
  if (j < end && t.charCodeAt(j) === 40) {
    let close = end - 1;
    while (close >= j && t.charCodeAt(close) !== 41) close--;
    if (close < j) {
      out.error = "expected ')' to close the annotation after the result";
      return false;
    }
    out.annotation = t.slice(j + 1, close);
    j = spacesEnd(t, close + 1);
  }
  if (j < end && t.charCodeAt(j) === 60) {
    // `<0.000012>` from -T, or `<unavailable>`
    if (t.charCodeAt(end - 1) !== 62) {
      out.error = "expected '>' to close the '<…>' after the result";
      return false;
    }
    if (out.annotation === null && !isDuration(t, j + 1, end - 1)) out.annotation = t.slice(j + 1, end - 1);
    j = end;
  }
  if (j < end) {
    out.error = `expected the end of the line after the result, found ${quoteStart(t, j, end)}`;
    return false;
  }
  return true;
}

function isDuration(t: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    const c = t.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || c === 46)) return false;
  }
  return end > start;
}

function digitsEnd(t: string, i: number): number {
  let j = i;
  for (let c = t.charCodeAt(j); c >= 48 && c <= 57; c = t.charCodeAt(++j));
  return j;
}

/**
 * Where the ` = ` before the result of the call in `t[from..end)` starts, or a number below `from`: the
 * last one, as strace pads between ')' and '=' and no result text has one.
 */
function resultEq(t: string, from: number, end: number): number {
  let k = Math.min(end - 2, t.length - 1);
  while (k >= from && t.charCodeAt(k) !== 61) k--;
  const eq = k - 1;
  if (k >= from && t.charCodeAt(eq) === 32 && t.charCodeAt(eq + 2) === 32) return eq;
  for (k = Math.min(end - 3, t.length - 3); k >= from; k--) if (t.charCodeAt(k) === 32 && t.charCodeAt(k + 1) === 61 && t.charCodeAt(k + 2) === 32) return k;
  return -1;
}

/** True when `t` holds `pattern` at `pos` (as `t.startsWith(pattern, pos)`, without the native call). */
function matchesAt(t: string, pos: number, pattern: string): boolean {
  const at = pos < 0 ? 0 : pos;
  const n = pattern.length;
  if (at + n > t.length) return false;
  for (let k = 0; k < n; k++) if (t.charCodeAt(at + k) !== pattern.charCodeAt(k)) return false;
  return true;
}

/** True for what `String.prototype.trimEnd` removes: white space and line terminators. */
function isTrimmedBlank(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** True when `t[start..end)` is all spaces. */
function isBlank(t: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (t.charCodeAt(k) !== 32) return false;
  return true;
}

function spacesEnd(t: string, i: number): number {
  let j = i;
  while (t.charCodeAt(j) === 32) j++;
  return j;
}

function identEnd(t: string, i: number): number {
  if (!isIdentStart(t.charCodeAt(i))) return i;
  let j = i + 1;
  while (isIdentChar(t.charCodeAt(j))) j++;
  return j;
}

/** Skips a `-t`/`-tt`/`-ttt`/`-r` timestamp (digits with ':' or '.') and the blanks after it. */
function skipTimestamp(t: string, i: number): number {
  let j = i;
  let punct = false;
  for (;;) {
    const c = t.charCodeAt(j);
    if (c >= 48 && c <= 57) j++;
    else if (c === 58 || c === 46) {
      punct = true;
      j++;
    } else break;
  }
  return punct && j > i && t.charCodeAt(j) === 32 ? spacesEnd(t, j) : i;
}

function quoteStart(t: string, i: number, end = t.length): string {
  return i >= end ? "end of line" : `'${t.slice(i, Math.min(end, i + 16))}'`;
}

/**
 * Parses a whole strace output file. Records share the objects of equal flag sets, small numbers and
 * small results (the types are read-only; keep them so).
 */
export function parseStrace(text: string, options: StraceParseOptions = {}): TraceEntry[] {
  const parser = new StraceParser(options);
  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = n;
    lineNo++;
    const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    parser.pushRange(text, pos, end, lineNo);
    pos = nl + 1;
  }
  return parser.finish();
}
