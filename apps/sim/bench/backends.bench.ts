/**
 * NOMMU next to MMU (not a test): an anonymous mmap + munmap of 4 KiB, 64 KiB and 1 MiB through the
 * syscall layer on each backend, in one run. NOMMU allocates and frees (and zeroes) the pages at once;
 * MMU only builds and removes a VMA.
 */
import { MAP_ANONYMOUS, MAP_PRIVATE, NR, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { runGroup } from "@mmsim/bench-kit";
import { buildWorld } from "../src/world.js";
import type { BackendName } from "../src/world.js";

function pair(backend: BackendName, len: number): () => void {
  const world = buildWorld({ backend, ramBytes: 64 * 1024 * 1024 });
  const t = world.kernel.createProcess({ pid: 1, layout: { areas: [], startBrk: 0x555555559000, mmapBase: 0x7ffff7fff000 } });
  if (typeof t === "number") throw new Error(`no process: ${t}`);
  const k = world.kernel;
  return () => {
    const a = k.syscall(1, NR.mmap, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) as number;
    if (a < 0 || k.syscall(1, NR.munmap, a, len) !== 0) throw new Error(`${backend} mmap/munmap of ${len} failed: ${a}`);
  };
}

for (const [label, len] of [["4 KiB", 4096], ["64 KiB", 65536], ["1 MiB", 1 << 20]] as const) {
  runGroup(`anonymous mmap + munmap of ${label}`, [
    { name: "MMU", ops: 1, run: pair("mmu", len) },
    { name: "NOMMU", ops: 1, run: pair("nommu", len) },
  ], { baseline: "MMU" });
}
