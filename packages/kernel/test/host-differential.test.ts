/**
 * Differential test against the host kernel: test/host/fdops.c makes seeded random openat, close,
 * dup, dup2, dup3 and ftruncate calls in an empty directory and logs each result; the same calls on
 * the simulated kernel must give the same fds and errnos, and the files must end with the same sizes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { S_IFDIR } from "@mmsim/mm-types";
import { directoryDriver } from "../src/index.js";
import { fakeKernel } from "./fakes.js";

const SEEDS = Number(process.env.MMSIM_DIFF_SEEDS ?? 24);
const OPS = Number(process.env.MMSIM_DIFF_OPS ?? 200);

function hostProblem(): string | null {
  if (process.platform !== "linux") return "the host is not Linux";
  if (spawnSync("sh", ["-c", "command -v gcc"]).status !== 0) return "the host has no gcc";
  return null;
}
const problem = hostProblem();
if (problem !== null) console.warn(`kernel host differential test skipped: ${problem}`);

describe.skipIf(problem !== null)("fd and file syscalls against the host kernel", () => {
  const work = mkdtempSync(join(tmpdir(), "mmsim-fdops-"));
  const bin = join(work, "fdops");
  const cc = spawnSync("gcc", ["-O1", "-o", bin, join(import.meta.dirname, "host", "fdops.c")], { encoding: "utf8" });

  it.each(Array.from({ length: SEEDS }, (_, i) => i + 1))("seed %i", (seed) => {
    expect(cc.status, cc.stderr).toBe(0);
    const dir = join(work, `run-${seed}`);
    rmSync(dir, { recursive: true, force: true });
    spawnSync("mkdir", [dir]);
    const run = spawnSync(bin, [String(seed), String(OPS)], { cwd: dir, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);

    const { kernel } = fakeKernel();
    kernel.createProcess({ pid: 1 });
    kernel.vfs.mknod("/d", { mode: S_IFDIR | 0o755, driver: directoryDriver });
    // the program logs through fd 100: hold it here too
    const log = kernel.vfs.open("/dev/zero", 1, 0);
    if (typeof log === "number") throw new Error("cannot open /dev/zero");
    kernel.installFd(1, 100, log);
    const lines = run.stdout.trim().split("\n");
    const sizes: string[] = [];
    for (const [n, line] of lines.entries()) {
      if (line.startsWith("size ")) {
        sizes.push(line);
        continue;
      }
      const m = /^(\w+) (.*) = (-?\d+)$/.exec(line);
      expect(m, `line ${n + 1}: ${line}`).not.toBeNull();
      const [, name, argText, want] = m!;
      const a = argText!.split(" ");
      const i = (k: number): number => Number(a[k]);
      let got: number | symbol;
      switch (name) {
        case "openat":
          got = kernel.openat(1, -100, a[0] === '""' ? "" : a[0]!, i(1), 0o644);
          break;
        case "close":
          got = kernel.close(1, i(0));
          break;
        case "dup":
          got = kernel.dup(1, i(0));
          break;
        case "dup2":
          got = kernel.dup2(1, i(0), i(1));
          break;
        case "dup3":
          got = kernel.dup3(1, i(0), i(1), i(2));
          break;
        default:
          got = kernel.ftruncate(1, i(0), i(1));
      }
      expect(got, `line ${n + 1}: ${line}`).toBe(Number(want));
      kernel.assertValid();
    }
    const simSizes = ["f0", "f1", "d/f2"]
      .map((p) => kernel.vfs.lookup("/" + p))
      .filter((inode) => inode !== null)
      .map((inode) => `size ${inode.path.slice(1)} ${inode.size}`);
    expect(simSizes).toEqual(sizes);
  });
});
