/**
 * The MMU column of the nommu-mmap table against the host kernel: test/drivers/host/mmap-table.c
 * runs the same steps as src/drivers/table.ts on Linux for every row the host can make (anonymous
 * memory, a regular file, a tmpfs file in /dev/shm, /dev/null) and prints its cells in the same
 * words; the simulated MMU kernel must print the same.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NOMMU_MMAP_TABLE_CASES, runMmapTableCase } from "../../src/index.js";
import { makeKernel } from "./world.js";

function hostProblem(): string | null {
  if (process.platform !== "linux") return "the host is not Linux";
  if (spawnSync("sh", ["-c", "command -v gcc"]).status !== 0) return "the host has no gcc";
  if (!existsSync("/dev/shm") || !existsSync("/dev/null")) return "the host has no /dev/shm or /dev/null";
  return null;
}
const problem = hostProblem();
if (problem !== null) console.warn(`nommu-mmap table host test skipped: ${problem}`);

describe.skipIf(problem !== null)("the MMU column against the host kernel", () => {
  const work = mkdtempSync(join(tmpdir(), "mmsim-mmap-table-"));
  const bin = join(work, "mmap-table");
  const cc = spawnSync("gcc", ["-O1", "-Wall", "-o", bin, join(import.meta.dirname, "host", "mmap-table.c")], { encoding: "utf8" });
  const run = cc.status === 0 ? spawnSync(bin, [work], { encoding: "utf8" }) : null;
  const host = new Map((run?.stdout ?? "").trim().split("\n").map((line) => line.split("\t") as [string, string]));

  it("compiles and runs every row", () => {
    expect(cc.status, cc.stderr).toBe(0);
    expect(run?.status, run?.stderr).toBe(0);
    expect(host.size).toBe(8);
  });

  it.each([...host.keys()])("%s", (type) => {
    const c = NOMMU_MMAP_TABLE_CASES.find((x) => x.type === type);
    expect(c, `no case named ${type}`).toBeDefined();
    expect(runMmapTableCase(makeKernel("mmu"), c!, "mmu")).toBe(host.get(type));
  });
});
