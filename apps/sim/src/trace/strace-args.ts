/**
 * The values strace prints as syscall arguments, read into a small tagged union: numbers (decimal,
 * hex, octal, 64-bit), symbolic flag sets (`PROT_READ|PROT_WRITE`, `IPC_CREAT|0666`,
 * `FUTEX_OP_ADD<<28|0x1<<12`), strings with escapes and `...` truncation, arrays, decoded structs
 * (nested, `name=value` fields, `...` for omitted fields), `NULL`, `/* comments *\/` (skipped), and
 * `before => after` for values the kernel changed. Whatever else strace prints (`~[RTMIN RT_1]`,
 * `makedev(0x8, 0x1)`, `WIFEXITED(s) && WEXITSTATUS(s) == 0`) is kept as raw text, so that reading an
 * argument never fails on a shape it does not know; only broken structure (an unterminated string,
 * a missing bracket) is an error. Mirrors strace's printing side: src/print_fields.h, src/xlat.c.
 */
import { or64 } from "./strace-names.js";

/** What every argument can carry besides its value. */
interface ArgCommon {
  /** The `name=` strace printed before the value: a struct field, or a named argument (clone's `flags=`). */
  readonly name?: string;
  /** The value after `=>`: what the kernel left there (clone3's `=> {parent_tid=[123]}`). */
  readonly after?: Arg;
}

/** An integer literal. `bigint` only when it does not fit a double exactly (above 2^53). */
export interface NumberArg extends ArgCommon {
  readonly kind: "number";
  readonly value: number | bigint;
}

/** Symbolic names OR'ed together, with the numeric terms OR'ed into `extra`. A bare name is a one-name set. */
export interface FlagsArg extends ArgCommon {
  readonly kind: "flags";
  /** The names as printed; a shifted term keeps its shift (`FUTEX_OP_ADD<<28`, `21<<MAP_HUGE_SHIFT`). */
  readonly names: readonly string[];
  /** The OR of the plain numeric terms (`0666` in `IPC_CREAT|0666`), 0 when there are none. */
  readonly extra: number;
}

/** A quoted string, unescaped: one char per byte (`\0`, `\377`, `\x58` become char codes 0, 255, 0x58). */
export interface StringArg extends ArgCommon {
  readonly kind: "string";
  readonly value: string;
  /** strace printed `...` after the closing quote: the string goes on in memory. */
  readonly truncated: boolean;
}

/** `{...}`: fields in order, each with its `name` when strace printed one. */
export interface StructArg extends ArgCommon {
  readonly kind: "struct";
  readonly fields: readonly Arg[];
  /** strace printed a `...` element: more fields exist. */
  readonly truncated: boolean;
}

/** `[...]`: items in order. */
export interface ArrayArg extends ArgCommon {
  readonly kind: "array";
  readonly items: readonly Arg[];
  /** strace printed a `...` element: more items exist. */
  readonly truncated: boolean;
}

/** `NULL`: a null pointer. */
export interface NullArg extends ArgCommon {
  readonly kind: "null";
}

/** Text this reader does not interpret, as printed (trimmed). */
export interface RawArg extends ArgCommon {
  readonly kind: "raw";
  readonly text: string;
}

/** One argument as strace printed it. */
export type Arg = NumberArg | FlagsArg | StringArg | StructArg | ArrayArg | NullArg | RawArg;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const NONE = -1;
const C_TAB = 9;
const C_SPACE = 32;
const C_DQUOTE = 34;
const C_LPAREN = 40;
const C_RPAREN = 41;
const C_STAR = 42;
const C_COMMA = 44;
const C_MINUS = 45;
const C_DOT = 46;
const C_SLASH = 47;
const C_0 = 48;
const C_7 = 55;
const C_9 = 57;
const C_LT = 60;
const C_EQ = 61;
const C_GT = 62;
const C_LBRACKET = 91;
const C_BACKSLASH = 92;
const C_RBRACKET = 93;
const C_LBRACE = 123;
const C_PIPE = 124;
const C_RBRACE = 125;

/** True for `[A-Za-z_]`. */
export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** True for `[A-Za-z0-9_]`. */
export function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= C_0 && c <= C_9) || c === 95;
}

/** True for `[0-9a-fA-F]`. */
export function isHexDigit(c: number): boolean {
  return hexDigit(c) !== NONE;
}

function hexDigit(c: number): number {
  if (c >= C_0 && c <= C_9) return c - C_0;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return NONE;
}

/** The closer a bracket opens, or NONE. */
function closerOf(c: number): number {
  if (c === C_LPAREN) return C_RPAREN;
  if (c === C_LBRACKET) return C_RBRACKET;
  if (c === C_LBRACE) return C_RBRACE;
  return NONE;
}

/**
 * Reads strace argument text. One scanner is reused line after line (it keeps nothing of a line
 * but its position); `error` holds the first structural error of the last call, with what was expected.
 */
export class ArgScanner {
  private s = "";
  /** Current position. */
  i = 0;
  private end = 0;
  /** The first structural error met since `reset`, or null. */
  error: string | null = null;

  /** Starts reading `s` from `start` to `end` (exclusive). */
  reset(s: string, start: number, end: number): void {
    this.s = s;
    this.i = start;
    this.end = end;
    this.error = null;
  }

  private fail(message: string): void {
    if (this.error === null) this.error = message;
  }

  private at(): number {
    return this.i < this.end ? this.s.charCodeAt(this.i) : NONE;
  }

  /** What stands at the current position, for error messages. */
  describeHere(): string {
    if (this.i >= this.end) return "end of line";
    return `'${this.s.slice(this.i, Math.min(this.end, this.i + 12))}'`;
  }

  /** Skips blanks and `/* ... *\/` comments. */
  skipBlanks(): void {
    const s = this.s;
    for (;;) {
      const c = this.at();
      if (c === C_SPACE || c === C_TAB) {
        this.i++;
      } else if (c === C_SLASH && this.i + 1 < this.end && s.charCodeAt(this.i + 1) === C_STAR) {
        const close = s.indexOf("*/", this.i + 2);
        if (close < 0 || close + 2 > this.end) {
          this.fail("expected '*/' to close a comment");
          this.i = this.end;
          return;
        }
        this.i = close + 2;
      } else {
        return;
      }
    }
  }

  /**
   * Reads a comma-separated list up to `closer` (a char code; NONE: up to the end), leaving the
   * position at the closer. A `...` element sets `truncated` instead of being an item.
   */
  list(closer: number, items: Arg[]): boolean {
    let truncated = false;
    this.skipBlanks();
    if (this.at() === closer || this.i >= this.end) return false;
    for (;;) {
      this.skipBlanks();
      if (this.isEllipsis()) {
        this.i += 3;
        truncated = true;
      } else {
        items.push(this.element(closer));
      }
      if (this.error !== null) return truncated;
      this.skipBlanks();
      const c = this.at();
      if (c === C_COMMA) {
        this.i++;
        continue;
      }
      if (c === closer || (closer === NONE && this.i >= this.end)) return truncated;
      this.fail(closer === NONE ? `expected ',' or end of line, found ${this.describeHere()}` : `expected ',' or '${String.fromCharCode(closer)}', found ${this.describeHere()}`);
      return truncated;
    }
  }

  private isEllipsis(): boolean {
    const s = this.s;
    return this.i + 2 < this.end && s.charCodeAt(this.i) === C_DOT && s.charCodeAt(this.i + 1) === C_DOT && s.charCodeAt(this.i + 2) === C_DOT;
  }

  /** One list element: `name=value`, a value, or raw text up to the next `,` or `closer`. */
  private element(closer: number): Arg {
    const start = this.i;
    const name = this.fieldName();
    const valueStart = this.i;
    const value = this.value(closer) as Mutable<Arg>;
    if (this.error !== null) return value;
    this.skipBlanks();
    const c = this.at();
    if (!(c === C_COMMA || c === closer || this.i >= this.end)) {
      // A value followed by more: strace printed an expression this reader keeps as text.
      this.i = name === undefined ? start : valueStart;
      const raw = this.raw(closer) as Mutable<Arg>;
      if (name !== undefined) raw.name = name;
      return raw;
    }
    if (name !== undefined) value.name = name;
    return value;
  }

  /** Reads `ident=` (not `==`, not `=>`) and returns the name, or leaves the position alone. */
  private fieldName(): string | undefined {
    const s = this.s;
    let j = this.i;
    if (!isIdentStart(this.at())) return undefined;
    while (j < this.end && isIdentChar(s.charCodeAt(j))) j++;
    if (j >= this.end || s.charCodeAt(j) !== C_EQ) return undefined;
    const next = j + 1 < this.end ? s.charCodeAt(j + 1) : NONE;
    if (next === C_EQ || next === C_GT) return undefined;
    const name = s.slice(this.i, j);
    this.i = j + 1;
    return name;
  }

  /** A value, then an optional `=> value`. */
  value(closer: number): Arg {
    this.skipBlanks();
    const v = this.atom(closer) as Mutable<Arg>;
    if (this.error !== null) return v;
    this.skipBlanks();
    if (this.at() === C_EQ && this.i + 1 < this.end && this.s.charCodeAt(this.i + 1) === C_GT) {
      this.i += 2;
      v.after = this.value(closer);
    }
    return v;
  }

  private atom(closer: number): Arg {
    const c = this.at();
    if (c === C_DQUOTE) return this.string();
    if (c === C_LBRACKET) {
      this.i++;
      const items: Arg[] = [];
      const truncated = this.list(C_RBRACKET, items);
      if (!this.expect(C_RBRACKET)) return { kind: "raw", text: "" };
      return { kind: "array", items, truncated };
    }
    if (c === C_LBRACE) {
      this.i++;
      const fields: Arg[] = [];
      const truncated = this.list(C_RBRACE, fields);
      if (!this.expect(C_RBRACE)) return { kind: "raw", text: "" };
      return { kind: "struct", fields, truncated };
    }
    if ((c >= C_0 && c <= C_9) || c === C_MINUS || isIdentStart(c)) return this.expression(closer);
    return this.raw(closer);
  }

  private expect(c: number): boolean {
    if (this.error !== null) return false;
    if (this.at() === c) {
      this.i++;
      return true;
    }
    this.fail(`expected '${String.fromCharCode(c)}', found ${this.describeHere()}`);
    return false;
  }

  /**
   * `term (| term)*` where a term is a number, a name, `a<<b` or `a*b`: a number when every term is
   * numeric (one term keeps its sign and size), a flag set otherwise, raw text when it is neither.
   */
  private expression(closer: number): Arg {
    const start = this.i;
    let names: string[] | null = null;
    let extra = 0;
    let terms = 0;
    let single: number | bigint = 0;
    for (;;) {
      const termStart = this.i;
      const a = this.primary();
      if (a === undefined) return this.rawFrom(start, closer);
      let value: number | bigint | string = a;
      const op = this.at();
      if ((op === C_LT && this.i + 1 < this.end && this.s.charCodeAt(this.i + 1) === C_LT) || op === C_STAR) {
        this.i += op === C_STAR ? 1 : 2;
        const b = this.primary();
        if (b === undefined) return this.rawFrom(start, closer);
        if (typeof a === "number" && typeof b === "number" && a >= 0 && b >= 0) {
          const r = op === C_STAR ? a * b : a * 2 ** b;
          if (!Number.isSafeInteger(r)) return this.rawFrom(start, closer);
          value = r;
        } else if (op === C_STAR) {
          return this.rawFrom(start, closer);
        } else {
          value = this.s.slice(termStart, this.i);
        }
      }
      terms++;
      if (typeof value === "string") {
        if (value === "NULL" && terms === 1 && this.at() !== C_PIPE) return { kind: "null" };
        (names ??= []).push(value);
      } else if (terms === 1 && this.at() !== C_PIPE) {
        single = value;
      } else if (typeof value === "bigint" || value < 0) {
        return this.rawFrom(start, closer);
      } else {
        extra = extra === 0 ? value : or64(extra, value);
      }
      if (this.at() !== C_PIPE) break;
      this.i++;
    }
    if (names !== null) return { kind: "flags", names, extra };
    return { kind: "number", value: terms === 1 ? single : extra };
  }

  /** A number or a name; undefined (position unspecified) when neither stands here. */
  private primary(): number | bigint | string | undefined {
    const c = this.at();
    if (isIdentStart(c)) {
      const s = this.s;
      const start = this.i;
      let j = start + 1;
      while (j < this.end && isIdentChar(s.charCodeAt(j))) j++;
      this.i = j;
      return s.slice(start, j);
    }
    return this.number();
  }

  /** Decimal, `0x` hex, `0`-led octal, optionally negative. */
  private number(): number | bigint | undefined {
    const s = this.s;
    let j = this.i;
    if (s.charCodeAt(j) === C_MINUS) j++;
    const c = j < this.end ? s.charCodeAt(j) : NONE;
    if (c < C_0 || c > C_9) return undefined;
    if (c === C_0 && j + 1 < this.end && (s.charCodeAt(j + 1) | 0x20) === 120) {
      j += 2;
      while (j < this.end && hexDigit(s.charCodeAt(j)) !== NONE) j++;
    } else {
      while (j < this.end && (s.charCodeAt(j) >= C_0 && s.charCodeAt(j) <= C_9)) j++;
    }
    const value = integerIn(s, this.i, j);
    if (value !== undefined) this.i = j;
    return value;
  }

  /** A quoted string and its `...` truncation mark. */
  private string(): Arg {
    const s = this.s;
    const start = this.i + 1;
    let j = start;
    let escaped = false;
    for (;;) {
      if (j >= this.end) {
        this.fail("expected '\"' to close a string");
        this.i = this.end;
        return { kind: "raw", text: "" };
      }
      const c = s.charCodeAt(j);
      if (c === C_DQUOTE) break;
      if (c === C_BACKSLASH) {
        escaped = true;
        j++;
      }
      j++;
    }
    const value = escaped ? unescape(s, start, j) : s.slice(start, j);
    this.i = j + 1;
    const truncated = this.isEllipsis();
    if (truncated) this.i += 3;
    return { kind: "string", value, truncated };
  }

  private rawFrom(start: number, closer: number): Arg {
    this.i = start;
    return this.raw(closer);
  }

  /** Text up to the next `,` or `closer` outside brackets and strings. */
  private raw(closer: number): Arg {
    const start = this.i;
    this.skipBalanced(closer);
    return { kind: "raw", text: this.s.slice(start, this.i).trimEnd() };
  }

  /** Moves to the next `,` or `closer` at depth 0 (or the end), checking brackets and strings on the way. */
  skipBalanced(closer: number): void {
    const s = this.s;
    const stack: number[] = [];
    let j = this.i;
    for (; j < this.end; j++) {
      const c = s.charCodeAt(j);
      if (c === C_DQUOTE) {
        j++;
        while (j < this.end && s.charCodeAt(j) !== C_DQUOTE) j += s.charCodeAt(j) === C_BACKSLASH ? 2 : 1;
        if (j >= this.end) {
          this.fail("expected '\"' to close a string");
          break;
        }
        continue;
      }
      const open = closerOf(c);
      if (open !== NONE) {
        stack.push(open);
        continue;
      }
      if (c === C_RPAREN || c === C_RBRACKET || c === C_RBRACE) {
        if (stack.length === 0) {
          if (c === closer) break;
          this.fail(closer === NONE ? `unexpected '${String.fromCharCode(c)}'` : `expected ',' or '${String.fromCharCode(closer)}', found '${String.fromCharCode(c)}'`);
          break;
        }
        const want = stack.pop()!;
        if (want !== c) {
          this.fail(`expected '${String.fromCharCode(want)}', found '${String.fromCharCode(c)}'`);
          break;
        }
        continue;
      }
      if (c === C_COMMA && stack.length === 0) break;
    }
    if (this.error === null && stack.length > 0) this.fail(`expected '${String.fromCharCode(stack.at(-1)!)}' before end of line`);
    this.i = j;
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  v: "\v",
  f: "\f",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  '"': '"',
  "\\": "\\",
  "'": "'",
  "?": "?",
};

/** Undoes strace's string escapes (src/util.c string_quote): `\n`, `\"`, `\\`, octal `\0`–`\377`, `\xNN`. */
function unescape(s: string, start: number, end: number): string {
  let out = "";
  let run = start;
  for (let j = start; j < end; j++) {
    if (s.charCodeAt(j) !== C_BACKSLASH) continue;
    out += s.slice(run, j);
    const e = s[j + 1] ?? "";
    let k = j + 2;
    if (e >= "0" && e <= "7") {
      let code = e.charCodeAt(0) - C_0;
      for (let n = 1; n < 3 && k < end && s.charCodeAt(k) >= C_0 && s.charCodeAt(k) <= C_7; n++, k++) code = code * 8 + s.charCodeAt(k) - C_0;
      out += String.fromCharCode(code & 0xff);
    } else if (e === "x" && hexDigit(s.charCodeAt(k)) !== NONE) {
      let code = hexDigit(s.charCodeAt(k++));
      if (k < end && hexDigit(s.charCodeAt(k)) !== NONE) code = code * 16 + hexDigit(s.charCodeAt(k++));
      out += String.fromCharCode(code);
    } else {
      out += SIMPLE_ESCAPES[e] ?? e;
    }
    j = k - 1;
    run = k;
  }
  return out + s.slice(run, end);
}

/** Most distinct symbolic tokens one reader keeps (a trace has a few hundred). */
const TOKEN_CACHE_LIMIT = 4096;
/** Numbers below this are shared objects. */
const SMALL_NUMBERS = 4097;
const EMPTY_ARGS: readonly Arg[] = [];
const NULL_ARG: NullArg = { kind: "null" };

/**
 * The fast path for argument lists of plain numbers, names and `|` sets separated by ", " (most mm
 * calls: `0x7ffff7fa4000, 16384, PROT_READ`): one pass, numbers read in place, each distinct symbolic
 * token read once and then shared, as are small numbers (the values are read-only). Returns null at
 * anything else (a string, a struct, `name=`, a comment), for {@link ArgScanner.list} to read.
 */
export class SimpleArgReader {
  private readonly tokens = new TextInterner<Arg | null>(TOKEN_CACHE_LIMIT);
  private readonly small: (NumberArg | undefined)[] = [];

  /** Reads `s[start..end)`, or returns null when it is not a simple list. */
  read(s: string, start: number, end: number): readonly Arg[] | null {
    if (start === end) return EMPTY_ARGS;
    const out: Arg[] = [];
    let j = start;
    for (;;) {
      let tokEnd = j;
      while (tokEnd < end && s.charCodeAt(tokEnd) !== C_COMMA) tokEnd++;
      if (tokEnd === j) return null;
      const a = this.number(s, j, tokEnd) ?? this.symbolic(s, j, tokEnd);
      if (a === null) return null;
      out.push(a);
      if (tokEnd === end) return out;
      if (s.charCodeAt(tokEnd + 1) !== C_SPACE) return null;
      j = tokEnd + 2;
    }
  }

  private number(s: string, start: number, end: number): NumberArg | null {
    const c = s.charCodeAt(start);
    if (!((c >= C_0 && c <= C_9) || c === C_MINUS)) return null;
    const value = integerIn(s, start, end);
    if (value === undefined) return null;
    if (typeof value === "number" && value >= 0 && value < SMALL_NUMBERS) {
      return (this.small[value] ??= { kind: "number", value });
    }
    return { kind: "number", value };
  }

  private symbolic(s: string, start: number, end: number): Arg | null {
    const known = this.tokens.find(s, start, end);
    if (known !== undefined) return known;
    const key = s.slice(start, end);
    const a = simpleToken(key);
    this.tokens.add(key, a);
    return a;
  }
}

/**
 * Finds a text seen before, and what was made of it, without cutting a new string out of the line:
 * a number made of the text's length and three of its chars picks a slot of a table sized once, and
 * comparing the chars confirms the match. Keeps at most `limit` texts.
 */
export class TextInterner<T> {
  private readonly slots: ({ readonly text: string; readonly value: T }[] | undefined)[];
  private readonly mask: number;
  private size = 0;

  constructor(private readonly limit: number) {
    let n = 64;
    while (n < limit) n *= 2;
    this.slots = new Array<undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  private static hash(s: string, start: number, end: number): number {
    const len = end - start;
    const h = Math.imul(len, 0x9e3779b1) ^ Math.imul(s.charCodeAt(start), 0x85ebca6b) ^ Math.imul(s.charCodeAt(end - 1), 0xc2b2ae35) ^ Math.imul(s.charCodeAt(start + (len >> 1)), 0x27d4eb2f);
    return h ^ (h >>> 15);
  }

  /** The value kept for `s[start..end)`, or undefined. */
  find(s: string, start: number, end: number): T | undefined {
    const bucket = this.slots[TextInterner.hash(s, start, end) & this.mask];
    if (bucket === undefined) return undefined;
    const len = end - start;
    for (let k = 0; k < bucket.length; k++) {
      const e = bucket[k]!;
      if (e.text.length === len && sameChars(e.text, s, start, len)) return e.value;
    }
    return undefined;
  }

  /** Keeps `value` for `text` (while there is room). */
  add(text: string, value: T): void {
    if (this.size >= this.limit || text.length === 0) return;
    const slot = TextInterner.hash(text, 0, text.length) & this.mask;
    const bucket = this.slots[slot];
    if (bucket === undefined) this.slots[slot] = [{ text, value }];
    else bucket.push({ text, value });
    this.size++;
  }
}

/** True when `s[start..start+len)` has the chars of `text` (of length `len`). */
function sameChars(text: string, s: string, start: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (text.charCodeAt(k) !== s.charCodeAt(start + k)) return false;
  return true;
}

/** `NULL`, a name, or names and numbers joined by `|`; null for anything else. */
function simpleToken(tok: string): Arg | null {
  if (tok === "NULL") return NULL_ARG;
  let names: string[] | null = null;
  let extra = 0;
  for (const term of tok.split("|")) {
    if (isIdentStart(term.charCodeAt(0))) {
      for (let k = 1; k < term.length; k++) if (!isIdentChar(term.charCodeAt(k))) return null;
      (names ??= []).push(term);
      continue;
    }
    const v = integerIn(term, 0, term.length);
    if (typeof v !== "number" || v < 0) return null;
    extra = extra === 0 ? v : or64(extra, v);
  }
  return names === null ? { kind: "number", value: extra } : { kind: "flags", names, extra };
}

/** `s[start..end)` as an integer (decimal, `0x` hex, `0`-led octal, optionally negative), or undefined. */
export function integerIn(s: string, start: number, end: number): number | bigint | undefined {
  const negative = s.charCodeAt(start) === C_MINUS;
  const first = negative ? start + 1 : start;
  if (first >= end) return undefined;
  let radix = 10;
  let digitsStart = first;
  let value = 0;
  if (s.charCodeAt(first) === C_0 && end > first + 1) {
    if ((s.charCodeAt(first + 1) | 0x20) === 120) {
      radix = 16;
      digitsStart = first + 2;
      if (digitsStart >= end) return undefined;
      for (let j = digitsStart; j < end; j++) {
        const d = hexDigit(s.charCodeAt(j));
        if (d === NONE) return undefined;
        value = value * 16 + d;
      }
    } else {
      radix = 8;
      for (let j = digitsStart; j < end; j++) {
        const d = s.charCodeAt(j) - C_0;
        if (!(d >= 0 && d < 8)) return undefined;
        value = value * 8 + d;
      }
    }
  } else {
    for (let j = digitsStart; j < end; j++) {
      const d = s.charCodeAt(j) - C_0;
      if (!(d >= 0 && d < 10)) return undefined;
      value = value * 10 + d;
    }
  }
  if (Number.isSafeInteger(value)) return negative ? -value : value;
  const digits = s.slice(digitsStart, end);
  const big = BigInt(radix === 16 ? `0x${digits}` : radix === 8 ? `0o${digits}` : digits);
  return negative ? -big : big;
}
