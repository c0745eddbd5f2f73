/**
 * `mmsim demo`: the simulator at work on built-in examples, for someone who has never heard of
 * vm_region. Three stories, each computed live: the seed's futex wait/wake over SysV shm; which kinds
 * of mapping work with and without an MMU; a real program's trace replayed on both. Then the buddy
 * allocator and the MMU's VMA rules up close.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buddyDemo } from "./buddy-demo.js";
import { futexDemo } from "./futex-demo.js";
import { mmuDemo } from "./mmu-demo.js";
import { compareRuns, compareText } from "../replay-cli.js";
import { runReplay } from "../replay/run-replay.js";
import { nommuMmapTable } from "@mmsim/kernel";
import { buildWorld } from "../world.js";
import type { BackendName } from "../world.js";

/** Where the bundled fixtures are, from src/ or dist/. */
function fixture(name: string, file: string): string {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/${name}/${file}`, import.meta.url)), "utf8");
}

const DEMO_TRACE = "python3";

function section(title: string, text: string): string {
  return `\n== ${title} ==\n${text}`;
}

/** The nommu-mmap table, run now on fresh machines: each kind of mapping, what each backend did. */
function mappingTable(backends: readonly BackendName[]): string {
  const rows = nommuMmapTable((b) => buildWorld({ backend: b, ramBytes: 16 * 1024 * 1024 }).kernel);
  let out = "Each case maps one object in a process and in a vfork'd child (P2), writes through one and reads\n";
  out += "through the other and through the file, then forks. \"direct\" means NOMMU mapped the object's own\n";
  out += "memory; \"copy\" means a private copy was made.\n\n";
  for (const r of rows) {
    out += `${r.type}\n`;
    for (const b of backends) out += `    ${b.toUpperCase().padEnd(6)}${r[b]}\n`;
  }
  return out;
}

/** The demo for one backend or both. */
export function demoText(backends: readonly BackendName[]): string {
  let out = "mmsim: Linux memory management as a simulator, with an MMU backend and a NOMMU (uClinux) backend\n";
  out += "behind one syscall layer. Everything below is computed now, not printed from a script.\n";
  for (const b of backends) {
    out += section(
      `1. The seed's futex demo on ${b.toUpperCase()} (2006: "Make futexes work under NOMMU conditions")`,
      "Process 1 attaches SysV segment 23 and waits on its first word; process 2 attaches it, increments the\nword and wakes process 1.\n\n" + futexDemo(b),
    );
  }
  out += section("2. Which mappings work where (Documentation/nommu-mmap.txt)", mappingTable(backends));
  const trace = fixture(DEMO_TRACE, "trace.txt");
  const maps = fixture(DEMO_TRACE, "maps.txt");
  const intro = `A real program, traced on this machine with strace -f (python3 -c 'import json; ...'), replayed on\nthe simulator from its /proc/<pid>/maps at the first instruction.\n\n`;
  if (backends.length === 2) out += section("3. A real program on both backends", intro + compareText(`fixtures/${DEMO_TRACE}/trace.txt`, compareRuns(trace, { initialMaps: maps })));
  else {
    const run = runReplay(trace, { backend: backends[0]!, initialMaps: maps });
    const calls = Object.entries(run.report.calls);
    const replayed = calls.reduce((s, [, c]) => s + c.replayed, 0);
    const bad = calls.reduce((s, [, c]) => s + c.mismatched, 0);
    out += section(`3. A real program on ${backends[0]!.toUpperCase()}`, intro + `${replayed} calls replayed; ${bad} gave a different result than the real kernel did.\n`);
  }
  out += section("4. The buddy allocator (mm/page_alloc.c)", buddyDemo().replace(/^== .* ==\n/, ""));
  if (backends.includes("mmu")) out += section("5. VMA splits and merges on the MMU (mm/vma.c)", mmuDemo().replace(/^== .* ==\n/, ""));
  return out;
}
