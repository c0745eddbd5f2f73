/**
 * The seed's futex demonstration ("[PATCH] NOMMU: Make futexes work under NOMMU conditions", 2006):
 * one process attaches SysV segment 23 and FUTEX_WAITs on its first word; another attaches it,
 * increments the word and FUTEX_WAKEs. Both are simulated programs on one kernel, run by the
 * deterministic scheduler; the output has the seed's form, in two columns.
 */
import { FUTEX_WAIT, FUTEX_WAKE, IPC_CREAT, NR, formatErrno } from "@mmsim/mm-types";
import { Scheduler } from "@mmsim/kernel";
import type { Program, SyscallRequest } from "@mmsim/kernel";
import { buildWorld } from "../world.js";
import type { BackendName } from "../world.js";

const sys = (nr: number, ...args: Array<number | null>): SyscallRequest => ({ nr, args });
const hex = (n: number): string => `0x${n.toString(16)}`;

/** What the two programs printed, by shell, in the order it happened. */
export interface FutexDemoResult {
  readonly lines: ReadonlyArray<{ readonly shell: 1 | 2; readonly text: string }>;
  readonly waitAddr: number;
  readonly wakeAddr: number;
  readonly waited: number;
  readonly woke: number;
}

/** Runs dowait and dowake on a fresh machine with the given backend. */
export function runFutexDemo(backend: BackendName): FutexDemoResult {
  const world = buildWorld({ backend, ramBytes: 16 * 1024 * 1024 });
  const sched = new Scheduler(world.kernel);
  const lines: Array<{ shell: 1 | 2; text: string }> = [];
  const r = { waitAddr: 0, wakeAddr: 0, waited: NaN, woke: NaN };
  const check = (shell: 1 | 2, what: string, v: number): boolean => {
    if (v >= 0) return true;
    lines.push({ shell, text: `${what}: ${formatErrno(v)}` });
    return false;
  };
  const dowait: Program = function* (ctx) {
    lines.push({ shell: 1, text: "# /dowait" });
    const shmid = yield sys(NR.shmget, 23, 4, IPC_CREAT | 0o666);
    if (!check(1, "shmget", shmid)) return 1;
    const f = yield sys(NR.shmat, shmid, 0, 0);
    if (!check(1, "shmat", f)) return 1;
    const n = ctx.loadU32(f) ?? 0;
    r.waitAddr = f;
    lines.push({ shell: 1, text: `WAIT: ${hex(f)}{${n.toString(16)}}` });
    const tmp = yield sys(NR.futex, f, FUTEX_WAIT, n, null, 0, 0);
    if (!check(1, "futex", tmp)) return 1;
    r.waited = tmp;
    lines.push({ shell: 1, text: `WAITED: ${tmp}` });
    return check(1, "shmdt", yield sys(NR.shmdt, f)) ? 0 : 1;
  };
  const dowake: Program = function* (ctx) {
    lines.push({ shell: 2, text: "# /dowake" });
    const shmid = yield sys(NR.shmget, 23, 4, IPC_CREAT | 0o666);
    if (!check(2, "shmget", shmid)) return 1;
    const f = yield sys(NR.shmat, shmid, 0, 0);
    if (!check(2, "shmat", f)) return 1;
    ctx.storeU32(f, (ctx.loadU32(f) ?? 0) + 1);
    r.wakeAddr = f;
    lines.push({ shell: 2, text: `WAKE: ${hex(f)}{${(ctx.loadU32(f) ?? 0).toString(16)}}` });
    const tmp = yield sys(NR.futex, f, FUTEX_WAKE, 1, null, 0, 0);
    if (!check(2, "futex", tmp)) return 1;
    r.woke = tmp;
    lines.push({ shell: 2, text: `WOKE: ${tmp}` });
    return check(2, "shmdt", yield sys(NR.shmdt, f)) ? 0 : 1;
  };
  sched.spawn(dowait, { pid: 100, comm: "dowait" });
  sched.spawn(dowake, { pid: 101, comm: "dowake" });
  const res = sched.run();
  if (res.stuck.length > 0) lines.push({ shell: 1, text: `(still waiting: ${res.stuck.join(", ")})` });
  world.kernel.assertValid();
  return { lines, ...r };
}

/** The demonstration as text: two columns, as the seed shows it. */
export function futexDemo(backend: BackendName): string {
  const res = runFutexDemo(backend);
  const w = 28;
  let out = `${"SHELL 1".padEnd(w)}SHELL 2\n${"=".repeat(w - 4).padEnd(w)}${"=".repeat(w - 4)}\n`;
  for (const l of res.lines) out += l.shell === 1 ? `${l.text}\n` : `${"".padEnd(w)}${l.text}\n`;
  out +=
    res.waitAddr === res.wakeAddr
      ? `Both processes attached the segment at ${hex(res.waitAddr)}`
      : `The processes attached the segment at ${hex(res.waitAddr)} and ${hex(res.wakeAddr)}`;
  out += backend === "nommu" ? ": on NOMMU an address is physical memory, so there is only one.\n" : ": each in its own address space; the futex key is the shm inode and page, so they meet.\n";
  return out;
}
