/**
 * Properties of the trace reader: it never throws, whatever it is given; printed arguments read back
 * as the values that were printed; its fast path for plain lists agrees with the full scanner.
 */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCall } from "../../src/trace/decode.js";
import type { Arg } from "../../src/trace/strace-args.js";
import { ArgScanner, SimpleArgReader } from "../../src/trace/strace-args.js";
import type { TraceEntry } from "../../src/trace/strace-parse.js";
import { parseStrace } from "../../src/trace/strace-parse.js";

const dir = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const fixtureLines = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readFileSync(`${dir}${d.name}/trace.txt`, "utf8").split("\n").slice(0, 400))
  .filter((l) => l.length > 0);

/** Every entry is well formed: a line within the text, errors naming it; decoding never throws either. */
function checkEntries(text: string, entries: TraceEntry[]): void {
  const lines = text.split("\n").length;
  for (const e of entries) {
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.line).toBeLessThanOrEqual(lines);
    if (e.kind === "error") expect(e.error.startsWith(`line ${e.line}: `)).toBe(true);
    if (e.kind === "syscall" && e.argsParsed) decodeCall(e);
  }
}

const straceChars = fc.constantFrom(..."0123456789abcdefxABCDEF_|<>(){}[]\",.=-+*/ \\?~\n".split(""));
const straceTokens = fc.constantFrom(
  "1234  ", "mmap(", "futex(", "read(", ") = ", "= -1 ENOMEM (Cannot allocate memory)", " <unfinished ...>", "<... mmap resumed>",
  "+++ exited with 0 +++", "--- SIGCHLD {si_signo=SIGCHLD} ---", "NULL", "0x7ffff7fc0000", "PROT_READ|PROT_WRITE", ", ", "{", "}",
  "[", "]", '"a\\n"', "...", "/* 3 vars */", "=>", "name=", "\n", "?", "-1", "0666", "<<", "*",
);

describe("parseStrace never throws", () => {
  it("on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => checkEntries(text, parseStrace(text))),
      { numRuns: 400 },
    );
  });

  it("on strace-like fragments strung together", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(straceTokens, straceChars), { maxLength: 60 }), fc.boolean(), (parts, all) => {
        const text = parts.join("");
        checkEntries(text, parseStrace(text, { parseArgs: all ? "all" : "replayed" }));
      }),
      { numRuns: 600 },
    );
  });

  it("on real lines with characters cut, inserted and lines cut short", () => {
    const mutation = fc.record({
      at: fc.nat(),
      cut: fc.nat({ max: 8 }),
      insert: fc.array(straceChars, { maxLength: 4 }),
      truncate: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(fixtureLines.length - 1), mutation), { minLength: 1, maxLength: 8 }), fc.boolean(), (picks, all) => {
        const text = picks
          .map(([k, m]) => {
            const line = fixtureLines[k]!;
            const at = m.at % (line.length + 1);
            const mutated = line.slice(0, at) + m.insert.join("") + line.slice(at + m.cut);
            return m.truncate ? mutated.slice(0, at) : mutated;
          })
          .join("\n");
        checkEntries(text, parseStrace(text, { parseArgs: all ? "all" : "replayed", order: all ? "end" : "start" }));
      }),
      { numRuns: 600 },
    );
  });
});

/** Prints an argument the way strace does. */
function print(a: Arg): string {
  const name = a.name === undefined ? "" : `${a.name}=`;
  switch (a.kind) {
    case "number":
      return name + (typeof a.value === "bigint" || a.value > 0xffff ? `0x${a.value.toString(16)}` : `${a.value}`);
    case "flags":
      return name + [...a.names, ...(a.extra === 0 ? [] : [`0x${a.extra.toString(16)}`])].join("|");
    case "string":
      return `${name}"${[...a.value].map((ch, k, all) => escape(ch, all[k + 1])).join("")}"${a.truncated ? "..." : ""}`;
    case "struct":
      return `${name}{${[...a.fields.map(print), ...(a.truncated ? ["..."] : [])].join(", ")}}`;
    case "array":
      return `${name}[${[...a.items.map(print), ...(a.truncated ? ["..."] : [])].join(", ")}]`;
    case "null":
      return `${name}NULL`;
    case "raw":
      return name + a.text;
  }
}

/** strace's escapes (src/util.c string_quote): the shortest octal form unless an octal digit follows. */
function escape(ch: string, next: string | undefined): string {
  const c = ch.charCodeAt(0);
  if (ch === '"' || ch === "\\") return `\\${ch}`;
  if (ch === "\n") return "\\n";
  if (ch === "\t") return "\\t";
  if (c >= 32 && c <= 126) return ch;
  const octal = c.toString(8);
  return `\\${next !== undefined && next >= "0" && next <= "7" ? octal.padStart(3, "0") : octal}`;
}

const ident = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/).filter((s) => s !== "NULL");
const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const numberArg: fc.Arbitrary<Arg> = fc
  .oneof(fc.integer({ min: -1, max: 0xffff }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }))
  .map((value) => ({ kind: "number", value }));
const flagsArg: fc.Arbitrary<Arg> = fc
  .record({ names: fc.array(ident, { minLength: 1, maxLength: 4 }), extra: fc.nat({ max: 0x7fffffff }) })
  .map(({ names, extra }) => ({ kind: "flags", names, extra }));
const stringArg: fc.Arbitrary<Arg> = fc
  .record({ value: fc.string({ unit: "binary-ascii", maxLength: 20 }), truncated: fc.boolean() })
  .map(({ value, truncated }) => ({ kind: "string", value, truncated }));
const leaf: fc.Arbitrary<Arg> = fc.oneof(numberArg, flagsArg, stringArg, fc.constant<Arg>({ kind: "null" }));
const { tree } = fc.letrec<{ tree: Arg; struct: Arg; array: Arg }>((tie) => ({
  tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("struct"), tie("array")),
  struct: fc
    .record({ fields: fc.array(fc.tuple(fieldName, tie("tree")), { maxLength: 4 }), truncated: fc.boolean() })
    .map(({ fields, truncated }) => ({ kind: "struct", fields: fields.map(([name, v]) => ({ ...v, name })), truncated })),
  array: fc.record({ items: fc.array(tie("tree"), { maxLength: 4 }), truncated: fc.boolean() }).map(({ items, truncated }) => ({ kind: "array", items, truncated })),
}));

describe("arguments read back as printed", () => {
  it("for random values, structs and arrays, in any syscall", () => {
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 5 }), (args) => {
        const line = `7 some_call(${args.map(print).join(", ")}) = 0`;
        const [e] = parseStrace(line, { parseArgs: "all" });
        expect(e).toMatchObject({ kind: "syscall", name: "some_call" });
        if (e?.kind === "syscall") expect(e.args).toEqual(args);
      }),
      { numRuns: 500 },
    );
  });

  it("the fast path for plain lists and the full scanner agree", () => {
    const plain = fc.array(fc.oneof(numberArg, flagsArg, fc.constant<Arg>({ kind: "null" })), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(plain, (args) => {
        const text = args.map(print).join(", ");
        const fast = new SimpleArgReader().read(text, 0, text.length);
        const scanner = new ArgScanner();
        scanner.reset(text, 0, text.length);
        const full: Arg[] = [];
        scanner.list(-1, full);
        expect(scanner.error).toBeNull();
        expect(fast).toEqual(full);
        expect(full).toEqual(args);
      }),
      { numRuns: 500 },
    );
  });
});
