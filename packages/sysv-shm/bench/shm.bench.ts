/**
 * SysV shm benchmarks (not tests): shmat(NULL) + shmdt of a 64 KiB segment on the MMU backend, in
 * an address space shaped like a small process (24 areas) and in a crowded one (1000 areas), side by
 * side with the host kernel doing the same pair in a fresh IPC namespace when gcc and unshare are
 * there. Target (issue 6): the pair in ≤ 0.25× the host's time.
 * Run: pnpm exec tsx --conditions=@mmsim/source bench/shm.bench.ts
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatNs, runGroup } from "@mmsim/bench-kit";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { IPC_PRIVATE, MAP_PRIVATE, PAGE_SIZE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import type { ExecArea } from "@mmsim/mm-types";
import { MmuBackend } from "@mmsim/mmu";
import { ShmNamespace } from "../src/index.js";
import type { ShmCaller } from "../src/index.js";

const BYTES = 64 * 1024;

/** `n` private areas of 4 pages each with a page gap between, below 0x7ffff7fff000. */
function areas(n: number): ExecArea[] {
  const out: ExecArea[] = [];
  for (let i = 0; i < n; i++) {
    const end = 0x7ffff7fff000 - 0x100000 - i * 5 * PAGE_SIZE;
    out.push({ start: end - 4 * PAGE_SIZE, end, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE, pgoff: 0, file: null, name: null });
  }
  return out;
}

function pairCase(name: string, nAreas: number) {
  const node = new BuddyAllocator({ pages: 1 << 16 });
  const mmu = new MmuBackend({ pages: node, physMem: node.physMem });
  const ns = new ShmNamespace({ mm: mmu, pages: node, physMem: node.physMem, nowSec: () => 1_700_000_000, currentPid: () => 1 });
  const mmId = mmu.mmNew();
  if (mmu.mmExec(mmId, { areas: areas(nAreas), startBrk: 0x555555559000, mmapBase: mmu.config.mmapBase }) !== 0) throw new Error("exec layout");
  const c: ShmCaller = { pid: 1, mmId, uid: 0, gid: 0, capIpcOwner: true, capIpcLock: true, capSysAdmin: true };
  const id = ns.shmget(c, IPC_PRIVATE, BYTES, 0o600);
  const N = 1000;
  return {
    name,
    ops: N,
    run(): void {
      for (let i = 0; i < N; i++) {
        const a = ns.shmat(c, id, 0, 0);
        if (a < 0 || ns.shmdt(c, a) !== 0) throw new Error("shmat/shmdt failed");
      }
    },
  };
}

const cases = [pairCase("mmsim, MMU backend, 24 areas", 24), pairCase("mmsim, MMU backend, 1000 areas", 1000)];
// the first case would otherwise pay for compiling the whole mmap/munmap path
for (const c of cases) for (let i = 0; i < 50; i++) c.run();
const results = runGroup("shmat(NULL) + shmdt, 64 KiB segment", cases, { budgetMs: 1500 });

function hostNs(): number | string {
  if (process.platform !== "linux") return "the host is not Linux";
  const dir = mkdtempSync(join(tmpdir(), "mmsim-shm-bench-"));
  const bin = join(dir, "shmat-pair");
  const cc = spawnSync("gcc", ["-O2", "-o", bin, join(import.meta.dirname, "host", "shmat-pair.c")], { encoding: "utf8" });
  if (cc.status !== 0) return `gcc failed or is missing: ${cc.stderr ?? ""}`;
  const run = spawnSync("unshare", ["--ipc", bin, String(BYTES), "20000", "7"], { encoding: "utf8" });
  if (run.status !== 0) return `unshare --ipc failed: ${run.stderr}`;
  return Number(run.stdout.trim());
}

const host = hostNs();
if (typeof host === "string") {
  console.log(`\nhost kernel: not measured (${host})`);
} else {
  console.log(`\nhost kernel shmat(NULL) + shmdt, 64 KiB: ${formatNs(host)} per pair`);
  for (const r of results) console.log(`  ${r.name}: ${(r.nsPerOp / host).toFixed(3)}× the host's time (target ≤ 0.25×)`);
}
