/**
 * Futex benchmarks (not tests): FUTEX_WAKE with no waiters through the MMU backend's key port,
 * private and shared, and a wait + wake pair, side by side with the host kernel's FUTEX_WAKE when
 * gcc is there (issue 6 quotes ~0.16 µs for it on this machine class).
 * Run: pnpm exec tsx --conditions=@mmsim/source bench/futex.bench.ts
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatNs, runGroup } from "@mmsim/bench-kit";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE, MAP_ANONYMOUS, MAP_SHARED, PAGE_SIZE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { MmuBackend } from "@mmsim/mmu";
import { FutexTable } from "../src/index.js";

function setup() {
  const node = new BuddyAllocator({ pages: 1 << 14 });
  const mmu = new MmuBackend({ pages: node, physMem: node.physMem });
  const mmId = mmu.mmNew();
  const addr = mmu.mmap(mmId, { addr: 0, len: PAGE_SIZE, prot: PROT_READ | PROT_WRITE, flags: MAP_SHARED | MAP_ANONYMOUS, pgoff: 0, file: null });
  if (addr < 0) throw new Error("mmap");
  let woken = 0;
  const table = new FutexTable(mmu.futex, { wakeTask: () => void woken++ });
  return { table, mmId, addr, woken: () => woken };
}

function wakeCase(name: string, op: number) {
  const { table, mmId, addr } = setup();
  const caller = { tid: 1, mmId };
  const N = 1000;
  return {
    name,
    ops: N,
    run(): void {
      for (let i = 0; i < N; i++) if (table.doFutex(caller, addr, op, 1, null, 0, 0, 0, 0) !== 0) throw new Error("wake");
    },
  };
}

function pairCase(name: string, pf: number) {
  const { table, mmId, addr } = setup();
  const waker = { tid: 1, mmId };
  const waiter = { tid: 2, mmId };
  const N = 1000;
  return {
    name,
    ops: N,
    run(): void {
      for (let i = 0; i < N; i++) {
        table.doFutex(waiter, addr, FUTEX_WAIT | pf, 0, null, 0, 0, 0, 0);
        if (table.doFutex(waker, addr, FUTEX_WAKE | pf, 1, null, 0, 0, 0, 0) !== 1) throw new Error("pair");
      }
    },
  };
}

const wakes = runGroup("FUTEX_WAKE, no waiters (MMU backend key port)", [
  wakeCase("mmsim, private", FUTEX_WAKE | FUTEX_PRIVATE_FLAG),
  wakeCase("mmsim, shared (MAP_SHARED anonymous: shmem inode key)", FUTEX_WAKE),
]);
runGroup("FUTEX_WAIT (queue) + FUTEX_WAKE of that waiter", [pairCase("mmsim, private", FUTEX_PRIVATE_FLAG), pairCase("mmsim, shared", 0)]);

function hostNs(priv: boolean): number | string {
  if (process.platform !== "linux") return "the host is not Linux";
  const bin = join(mkdtempSync(join(tmpdir(), "mmsim-futex-bench-")), "futex-wake");
  const cc = spawnSync("gcc", ["-O2", "-o", bin, join(import.meta.dirname, "host", "futex-wake.c")], { encoding: "utf8" });
  if (cc.status !== 0) return `gcc failed or is missing: ${cc.stderr ?? ""}`;
  const run = spawnSync(bin, [priv ? "1" : "0", "200000", "7"], { encoding: "utf8" });
  if (run.status !== 0) return `futex-wake failed: ${run.stderr}`;
  return Number(run.stdout.trim());
}

for (const [i, priv] of [true, false].entries()) {
  const host = hostNs(priv);
  const label = priv ? "private" : "shared";
  if (typeof host === "string") {
    console.log(`\nhost kernel FUTEX_WAKE (${label}): not measured (${host})`);
  } else {
    const sim = wakes[i]!;
    console.log(`\nhost kernel FUTEX_WAKE (${label}), no waiters: ${formatNs(host)} per call; mmsim: ${(sim.nsPerOp / host).toFixed(3)}× the host's time`);
  }
}
