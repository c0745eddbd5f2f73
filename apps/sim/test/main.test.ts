import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/index.js";

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe("mmsim", () => {
  it("demo shows the buddy allocator before and after, with buddyinfo and fragmentation", () => {
    const r = run("demo");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain("Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0     16 \n");
    expect(r.out).toMatch(/fragmentation index/);
    expect(r.out).toMatch(/order-2 \(16 KiB\)\nallocation FAILS/);
    // the zone ends in its boot shape: the last buddyinfo line equals the first
    const lines = r.out.split("\n").filter((l) => l.startsWith("Node 0"));
    expect(lines.at(-1)).toBe(lines[0]);
  });

  it("demo shows the MMU backend splitting, merging and moving VMAs as /proc/<pid>/maps", () => {
    const r = run("demo", "--backend", "mmu");
    expect(r.code).toBe(0);
    expect(r.out).toContain("mprotect(middle page, PROT_READ)   → the VMA splits in three = 0x0\n" +
      "  7ffff7ffb000-7ffff7ffc000 rw-p 00000000 00:00 0 \n" +
      "  7ffff7ffc000-7ffff7ffd000 r--p 00000000 00:00 0 \n" +
      "  7ffff7ffd000-7ffff7ffe000 rw-p 00000000 00:00 0 \n");
    expect(r.out).toContain("= -1 ENOMEM (Cannot allocate memory)");
    expect(r.out).toContain("[heap]");
    expect(r.out).not.toContain("futex demo on NOMMU");
  });

  it("demo runs the seed's futex wait/wake over SysV shm on both backends, in the seed's form", () => {
    const r = run("demo");
    for (const b of ["MMU", "NOMMU"]) {
      const part = r.out.slice(r.out.indexOf(`futex demo on ${b}`));
      expect(part).toMatch(/^WAIT: 0x[0-9a-f]+\{0\}$/m);
      expect(part).toMatch(/^ +WAKE: 0x[0-9a-f]+\{1\}$/m);
      expect(part).toMatch(/^WAITED: 0$/m);
      expect(part).toMatch(/^ +WOKE: 1$/m);
    }
    expect(r.out).toContain("fail on NOMMU");
  });

  it("demo --backend nommu runs NOMMU alone, where both processes attach at one address", () => {
    const r = run("demo", "--backend", "nommu");
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("futex demo on MMU");
    const wait = /^WAIT: (0x[0-9a-f]+)/m.exec(r.out)![1];
    const wake = /WAKE: (0x[0-9a-f]+)/m.exec(r.out)![1];
    expect(wake).toBe(wait);
  });

  it("rejects a bad backend naming the option and the allowed values", () => {
    const r = run("demo", "--backend", "x86");
    expect(r.code).toBe(2);
    expect(r.err).toBe('mmsim demo: --backend must be one of mmu, nommu, both, not "x86"\n');
  });

  it("rejects an unknown option and an unknown command with exit code 2", () => {
    expect(run("demo", "--fast").code).toBe(2);
    const r = run("frobnicate");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate"/);
  });

  it("a bad --initial-maps line is a usage error naming the file, the line and the field, before anything replays", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmsim-main-"));
    const trace = join(dir, "trace.txt");
    writeFileSync(trace, "1 exit_group(0) = ?\n");
    const cases: Array<[string, string]> = [
      ["00400000-0041f000 r--p 00000000 fe:00 1 /x\nzzz\n", 'line 2: expected start-end addresses in "zzz"'],
      // what a kernel never prints: an offset that is not a page multiple (it crashed the exec once)
      ["00400000-0041f000 r--p 00004096 fe:00 1 /x\n", "line 1: expected an offset that is a multiple of the page size"],
    ];
    for (const [text, message] of cases) {
      const maps = join(dir, "maps.txt");
      writeFileSync(maps, text);
      for (const cmd of ["replay", "compare"]) {
        const r = run(cmd, trace, "--initial-maps", maps);
        expect(r.code).toBe(2);
        expect(r.out).toBe("");
        expect(r.err).toContain(`mmsim ${cmd}: the maps snapshot ${maps}: ${message}`);
      }
    }
  });

  it("prints usage for help", () => {
    expect(run("help").out).toMatch(/^usage: mmsim/);
  });
});
