/**
 * Differential test against the host kernel. test/host/rmap-probe.c, built with gcc, reads the
 * host's page_mapcount (/proc/self/pagemap + /proc/kpagecount) of a page shared along a fork
 * chain and copied on write, and whether a fresh mapping next to a faulted, forked or unfaulted
 * VMA merges with it (/proc/self/maps): the anon_vma merge restriction (a VMA inherited through
 * fork has more than one anon_vma_chain). The same sequences on the test backend over this
 * package must give the same mapcounts and the same merge decisions.
 * Skipped, saying why, where the host isn't Linux, lacks gcc, or won't show PFNs (not root).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PAGE_SIZE } from "@mmsim/mm-types";
import { TestVma, World } from "./support.js";
import type { Mm } from "./support.js";

const BASE = 0x200000000;
let probe = "";

function hostProblem(): string | null {
  if (process.platform !== "linux") return "the host is not Linux";
  if (spawnSync("sh", ["-c", "command -v gcc"]).status !== 0) return "the host has no gcc";
  return null;
}
let problem = hostProblem();

function run(...args: string[]): string {
  const r = spawnSync(probe, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`rmap-probe ${args.join(" ")} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  if (problem !== null) return;
  const dir = mkdtempSync(join(tmpdir(), "rmap-probe-"));
  probe = join(dir, "rmap-probe");
  const cc = spawnSync("gcc", ["-O1", "-o", probe, join(import.meta.dirname, "host", "rmap-probe.c")], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`);
  const r = spawnSync(probe, ["mapcount"], { encoding: "utf8" });
  if (r.stdout.includes("nopfn") || r.status !== 0) problem = "the host shows no PFNs in /proc/self/pagemap (needs root)";
  if (problem !== null) console.warn(`rmap host differential (mapcount) skipped: ${problem}`);
});

/** The mapcount sequence of rmap-probe's fork chain, on the model. */
function modelMapcounts(): string {
  const w = new World();
  const p = w.newMm();
  w.mmapAnon(p, BASE, 1);
  const shared = w.fault(p, BASE, true);
  const out = [`p_alone ${w.rmap.pageMapcount(shared)}`];
  const c = w.fork(p);
  const g = w.fork(c);
  out.push(`g_shared ${w.rmap.pageMapcount(w.fault(g, BASE, false))}`);
  out.push(`g_cow ${w.rmap.pageMapcount(w.fault(g, BASE, true))}`);
  out.push(`p_after_g_cow ${w.rmap.pageMapcount(shared)}`);
  w.exit(g);
  w.exit(c);
  out.push(`p_after_exit ${w.rmap.pageMapcount(shared)}`);
  w.check();
  return out.join("\n") + "\n";
}

/** rmap-probe's merge scenario on the model: does a new VMA B right after A merge with it? */
function modelMerge(scenario: string): string {
  const w = new World();
  let mm: Mm = w.newMm();
  w.mmapAnon(mm, BASE, 2);
  if (scenario !== "child-unfaulted") w.fault(mm, BASE, true);
  if (scenario === "parent-after-child-exit") w.exit(w.fork(mm));
  const depth = scenario === "grandchild" ? 2 : scenario.startsWith("child") ? 1 : 0;
  for (let i = 0; i < depth; i++) mm = w.fork(mm);
  if (scenario === "child-cow") w.fault(mm, BASE, true);
  const a = w.vmaAt(mm, BASE)!;
  const b = new TestVma(mm.id, BASE + 2 * PAGE_SIZE, BASE + 4 * PAGE_SIZE, BASE / PAGE_SIZE + 2, a.vmFlags);
  w.check();
  return w.canMerge(a, b) ? "merged\n" : "split\n";
}

describe.skipIf(hostProblem() !== null)("host kernel differential", () => {
  it("page_mapcount along a fork chain and after copy-on-write", ({ skip }) => {
    if (problem !== null) skip();
    expect(modelMapcounts()).toBe(run("mapcount"));
  });

  it.each(["parent", "child", "child-unfaulted", "child-cow", "grandchild", "parent-after-child-exit"])(
    "merge of a new mapping next to A: %s",
    (scenario) => {
      expect(modelMerge(scenario)).toBe(run("merge", scenario));
    },
  );

  it("the model's answers are not all the same (the test can fail)", () => {
    expect(new Set(["parent", "child"].map(modelMerge)).size).toBe(2);
  });
});
