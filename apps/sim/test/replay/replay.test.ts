import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runReplay } from "../../src/replay/run-replay.js";
import { compareRuns } from "../../src/replay-cli.js";
import { nommuFailureReason } from "../../src/replay/explain.js";
import { main } from "../../src/main.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const fixtures = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const read = (name: string, file: string): string => readFileSync(join(FIXTURES, name, file), "utf8");

function cli(args: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = main(args, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe("replay of real programs on the MMU backend", () => {
  it.each(fixtures)("%s: every replayed call gives the recorded result", (name) => {
    const run = runReplay(read(name, "trace.txt"), { backend: "mmu", initialMaps: read(name, "maps.txt") });
    expect(run.report.errors).toEqual([]);
    expect(run.report.mismatches.map((m) => `line ${m.line}: ${m.call}: expected ${m.expected}, got ${m.actual}`)).toEqual([]);
    const replayed = Object.values(run.report.calls).reduce((s, c) => s + c.replayed, 0);
    expect(replayed).toBeGreaterThan(20);
    run.world.kernel.assertValid();
  });
});

describe("replay of real programs on the NOMMU backend", () => {
  it.each(fixtures)("%s: every call that fails has a named reason", (name) => {
    const c = compareRuns(read(name, "trace.txt"), { initialMaps: read(name, "maps.txt") });
    for (const f of c.failures) expect(f.rule, `${f.call} ${f.errno} at lines ${f.lines.join(",")}`).not.toMatch(/can't name/);
    c.nommu.world.kernel.assertValid();
    expect(c.mmu.report.mismatches).toEqual([]);
  });

  it("NOMMU addresses are not compared, only success against failure", () => {
    const run = runReplay(read("sqlite3", "trace.txt"), { backend: "nommu", initialMaps: read("sqlite3", "maps.txt") });
    const anonOk = run.report.mismatches.filter((m) => m.call === "mmap" && !m.actual.startsWith("-1"));
    expect(anonOk).toEqual([]);
  });
});

describe("address translation", () => {
  // the recorded address 0x10000000 is MAP_FIXED's target; on NOMMU the mapping lands elsewhere and
  // the later munmap of the recorded address must still name it
  const trace = [
    "100 mmap(NULL, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffb000",
    "100 munmap(0x7ffff7ffc000, 4096)       = 0",
    "100 munmap(0x7ffff7ffb000, 4096)       = 0",
    "100 exit_group(0)                      = ?",
    "+++ exited with 0 +++",
  ].join("\n");

  it.each(["mmu", "nommu"] as const)("%s: later addresses inside a placed mapping follow it", (backend) => {
    const run = runReplay(trace, { backend });
    expect(run.report.mismatches).toEqual([]);
    expect(run.report.calls["munmap"]).toEqual({ replayed: 2, mismatched: 0 });
  });
});

describe("skipped calls", () => {
  // ioctl, read and rt_sigprocmask are not replayed: their arguments stay unread, broken or not, and
  // their split halves pair up around replayed calls of the same and another thread
  const trace = [
    "100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffb000",
    "100 ioctl(1, TCGETS, {B38400 opost isig icanon echo ...]) = 0",
    '100 read(3, "never closed, 4096) = 3',
    "100 clone(child_stack=0x7ffff7ff0000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM) = 101",
    "101 rt_sigprocmask(SIG_BLOCK, ~[RT_1], {oops <unfinished ...>",
    "100 munmap(0x7ffff7ffb000, 4096 <unfinished ...>",
    "101 <... rt_sigprocmask resumed>NULL, 8) = 0",
    "100 <... munmap resumed>)           = 0",
    "101 read(3,  <unfinished ...>",
    "100 munmap(0x7ffff7ffc000, 4096)    = 0",
    '101 <... read resumed>"x", 1)       = 1',
    "101 exit(0)                         = ?",
    "101 +++ exited with 0 +++",
    "100 exit_group(0)                   = ?",
    "100 +++ exited with 0 +++",
  ].join("\n");

  it.each(["mmu", "nommu"] as const)("%s: a malformed skipped line counts as skipped, and split skipped calls pair", (backend) => {
    const run = runReplay(trace, { backend });
    expect(run.report.errors).toEqual([]);
    expect(run.report.skippedByName).toEqual({ ioctl: 1, read: 2, rt_sigprocmask: 1 });
    expect(run.report.skipped).toBe(4);
    expect(run.report.calls["munmap"]).toEqual({ replayed: 2, mismatched: 0 });
    expect(run.pids).toEqual([100, 101]);
    run.world.kernel.assertValid();
  });
});

describe("mmsim replay", () => {
  const name = "shm-futex";
  const tracePath = join(FIXTURES, name, "trace.txt");
  const mapsPath = join(FIXTURES, name, "maps.txt");

  it("--check passes on a fixture and prints the table", () => {
    const r = cli(["replay", tracePath, "--initial-maps", mapsPath, "--check"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^shmctl +\d+ +0$/m);
  });

  it("--check exits 1 and names the line of a mismatch", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmsim-"));
    const bad = join(dir, "t.txt");
    writeFileSync(bad, "7 munmap(0x1000, 4096) = -1 EINVAL (Invalid argument)\n7 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffe000\n");
    const r = cli(["replay", bad, "--check"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("line 1: munmap: expected -1 EINVAL (Invalid argument), got 0");
  });

  it("--json has the documented fields, and --maps-out writes the first process's final maps", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmsim-"));
    const out = join(dir, "maps");
    const r = cli(["replay", tracePath, "--initial-maps", mapsPath, "--json", "--maps-out", out]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(["backend", "calls", "mismatches", "skipped", "processes", "meminfo", "buddyinfo"]));
    const procs = doc["processes"] as Array<{ pid: number; maps: string }>;
    expect(readFileSync(out, "utf8")).toBe(procs[0]!.maps);
    expect(procs[0]!.maps).toMatch(/\/SYSV00000017 \(deleted\)|\[stack\]/);
  });

  it.each([
    [["--ram", "3X"], /--ram must be a size/],
    [["--backend", "vax"], /--backend must be mmu or nommu/],
    [["--mmap-base", "zz"], /--mmap-base must be a hexadecimal address/],
    [["--nr-trim-pages", "x"], /--nr-trim-pages must be a whole number/],
    [["--bogus"], /Unknown option/],
  ])("refuses %j with a message naming it", (extra, message) => {
    const r = cli(["replay", tracePath, ...extra]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("names a trace it can't read", () => {
    const r = cli(["replay", "/nonexistent/trace.txt"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("mmsim replay: cannot read trace /nonexistent/trace.txt: ENOENT\n");
  });

  it("a malformed line is reported with its number and the replay goes on", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmsim-"));
    const t = join(dir, "t.txt");
    writeFileSync(t, "7 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffe000\n7 mmap(NULL, 4096\n7 munmap(0x7ffff7ffe000, 4096) = 0\n");
    const r = cli(["replay", t, "--check"]);
    expect(r.out).toMatch(/line 2: /);
    expect(r.out).toMatch(/^munmap +1 +0$/m);
  });
});

describe("mmsim proc and compare", () => {
  it("proc prints the files after the replay, including an exited process's last maps", () => {
    const name = "sqlite3";
    const pid = /^(\d+) /.exec(read(name, "trace.txt"))![1]!;
    const r = cli(["proc", join(FIXTURES, name, "trace.txt"), `/proc/${pid}/maps`, "/proc/meminfo", "--initial-maps", join(FIXTURES, name, "maps.txt")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`==> /proc/${pid}/maps <==`);
    expect(r.out).toContain("/usr/bin/sqlite3");
    expect(r.out).toMatch(/^MemTotal: +\d+ kB$/m);
  });

  it("proc on NOMMU shows the machine as it was before the last process exited: regions and MmapCopy", () => {
    const name = "sqlite3";
    const r = cli(["proc", join(FIXTURES, name, "trace.txt"), "/proc/maps", "/proc/meminfo", "--backend", "nommu", "--initial-maps", join(FIXTURES, name, "maps.txt")]);
    expect(r.code).toBe(0);
    const maps = r.out.slice(r.out.indexOf("==> /proc/maps <==") + 19, r.out.indexOf("==> /proc/meminfo <=="));
    expect(maps).toMatch(/\/usr\/bin\/sqlite3\n/);
    const copyKb = Number(/^MmapCopy: +(\d+) kB$/m.exec(r.out)![1]);
    expect(copyKb).toBeGreaterThan(0);
  });

  it("compare explains NOMMU's refusals", () => {
    const name = "spawn";
    const r = cli(["compare", join(FIXTURES, name, "trace.txt"), "--initial-maps", join(FIXTURES, name, "maps.txt")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("fork needs an MMU");
    expect(r.out).toContain("MAP_FIXED");
    expect(r.out).toMatch(/slack of power-of-2 copies at peak/);
  });

  it("the rules name the kernel's reasons", () => {
    expect(nommuFailureReason({ name: "mprotect", args: [0, 0, 1] }, -38, null)).toMatch(/not implemented without an MMU/);
    expect(nommuFailureReason({ name: "futex", args: [0] }, -14, "its memory was never mapped here")).toMatch(/never mapped/);
  });
});

describe("a trace that contradicts a sleep", () => {
  // the vfork parent (100) shows calls while its child (101) has neither exec'd nor exited: the kernel
  // keeps the parent asleep, so those calls are reported and skipped, and the replay goes on
  const trace = [
    "100 vfork( <unfinished ...>",
    "100 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffe000",
    "100 close(3) = -1 EBADF (Bad file descriptor)",
    "101 exit_group(0) = ?",
    "101 +++ exited with 0 +++",
    "100 <... vfork resumed>) = 101",
    "100 mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffe000",
    "100 exit_group(0) = ?",
  ].join("\n");

  it.each(["mmu", "nommu"] as const)("%s: calls of a vfork parent before its child lets it go are errors, not crashes", (backend) => {
    const run = runReplay(trace, { backend });
    expect(run.report.errors).toEqual([
      "line 2: pid 100 makes mmap while it is blocked in vfork; the call is skipped",
      "line 3: pid 100 makes close while it is blocked in vfork; the call is skipped",
    ]);
    expect(run.report.calls["mmap"]).toEqual({ replayed: 1, mismatched: 0 });
  });

  it.each(["mmu", "nommu"] as const)("%s: a vfork parent the trace shows exiting before its child lets it go is reported and left blocked", (backend) => {
    const lines = ["100 vfork( <unfinished ...>", "100 +++ exited with 0 +++", "101 exit_group(0) = ?", "101 +++ exited with 0 +++"].join("\n");
    const run = runReplay(lines, { backend });
    expect(run.report.errors).toEqual(["line 2: pid 100 exits while it is blocked in vfork; it is left blocked"]);
  });
});
