/**
 * Bad input never crashes the CLI: fast-check damages real fixture traces and snapshots line by line
 * (drops, duplicates, truncations, a token replaced by a hostile value, a line moved to another pid)
 * and `mmsim replay --check --json` and `mmsim compare` must end with an exit code, never a throw.
 * Each crash this found once (a vfork parent's calls while it sleeps, a snapshot offset that is no
 * page multiple, an area above TASK_SIZE) is also a named test elsewhere.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/main.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const NAMES = ["sh", "spawn", "shm-futex"] as const;
const HOSTILE = ["0", "-1", "0x1", "0xffffffffffffffff", "18446744073709551615", "4096", "0x7ffff7fff000", "NULL", "9999999999999999999999",
  "-4096", "PROT_READ|PROT_WRITE", "MAP_FIXED|MAP_ANONYMOUS|MAP_PRIVATE", "MAP_SHARED", "FUTEX_WAIT_PRIVATE", "IPC_RMID", '""', "{", "}", "[", "...", "1e3", "0x", "-0"];

/** One damage to a list of lines, chosen by fast-check. */
const damage = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("dup" as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant("token" as const), at: fc.nat(), which: fc.nat(), value: fc.constantFrom(...HOSTILE) }),
  fc.record({ kind: fc.constant("pid" as const), at: fc.nat(), delta: fc.integer({ min: -1, max: 1 }) }),
);
type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function apply(lines: string[], ds: readonly Damage[]): string[] {
  const out = lines.slice();
  for (const d of ds) {
    if (out.length === 0) break;
    const i = d.at % out.length;
    const l = out[i]!;
    if (d.kind === "drop") out.splice(i, 1);
    else if (d.kind === "dup") out.splice(d.to % out.length, 0, l);
    else if (d.kind === "cut") out[i] = l.slice(0, Math.floor(l.length * d.keep));
    else if (d.kind === "token") {
      const toks = l.split(/([(),= |])/);
      toks[d.which % toks.length] = d.value;
      out[i] = toks.join("");
    } else out[i] = l.replace(/^\d+/, (p) => String(Number(p) + d.delta));
  }
  return out;
}

describe("bad traces and snapshots never crash mmsim", () => {
  const dir = mkdtempSync(join(tmpdir(), "mmsim-robust-"));
  const io = { out: (): void => {}, err: (): void => {} };

  it("replay --check --json and compare end with an exit code on damaged inputs", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.array(damage, { minLength: 1, maxLength: 6 }),
        fc.option(fc.array(damage, { minLength: 1, maxLength: 3 }), { nil: null }),
        fc.constantFrom("mmu", "nommu", "compare"),
        (name, traceDamage, mapsDamage, mode) => {
          const trace = join(dir, "trace.txt");
          const maps = join(dir, "maps.txt");
          writeFileSync(trace, apply(readFileSync(join(FIXTURES, name, "trace.txt"), "utf8").split("\n"), traceDamage).join("\n"));
          const snapshot = readFileSync(join(FIXTURES, name, "maps.txt"), "utf8").split("\n");
          writeFileSync(maps, (mapsDamage === null ? snapshot : apply(snapshot, mapsDamage)).join("\n"));
          const args = mode === "compare" ? ["compare", trace, "--json"] : ["replay", trace, "--backend", mode, "--check", "--json"];
          const code = main([...args, "--initial-maps", maps], io);
          expect([0, 1, 2]).toContain(code);
        },
      ),
      { numRuns: Number(process.env["MMSIM_RUNS"] ?? 60) },
    );
  });
});
