/**
 * Differential test against the host kernel: test/host/shmops.c makes seeded random shmget, shmat,
 * shmdt and shmctl calls (and munmap/mprotect of attachments) in a parent and the children it
 * forks, inside a fresh IPC namespace (`unshare --ipc`) with ASLR off (`setarch -R`), and logs
 * every result and, after every call, every segment as SHM_STAT_ANY reports it (segsz, nattch,
 * cpid, lpid, mode, key, owner and creator, whether atime/dtime are set). The log is replayed on a
 * ShmNamespace over the real MmuBackend and BuddyAllocator: the parent's mm starts from the
 * program's initial /proc/self/maps (mmap_base 0x7ffff7fff000, as setarch -R gives it), so
 * addresses are compared exactly; a fork is the backend's mmDup() run with the parent as current,
 * an exit or kill is mmRelease() run with the child as current; pids and credentials come from the
 * log. Every line must match, and so must /proc/sysvipc/shm at the end (times masked: the simulated
 * clock is not the host's) and the parent's final /proc/self/maps, byte for byte.
 * Skipped, saying why, where the host is not Linux or lacks gcc, unshare (or the right to use it)
 * or setarch.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { IPC_INFO, IPC_SET, MAP_PRIVATE, MAP_SHARED, PAGE_SIZE, SHM_INFO, SHM_STAT_ANY } from "@mmsim/mm-types";
import type { ExecArea, MmapFile } from "@mmsim/mm-types";
import { MmuBackend } from "@mmsim/mmu";
import { ShmNamespace, shmFileDataOf } from "../src/index.js";
import type { ShmCaller, ShmctlOut, ShmidDs } from "../src/index.js";

const SEEDS = Number(process.env.MMSIM_SHM_DIFF_SEEDS ?? 24);
const OPS = Number(process.env.MMSIM_SHM_DIFF_OPS ?? 150);
const MPROTECT = process.env.MMSIM_SHM_DIFF_MPROTECT === "0" ? "no-mprotect" : "";

function hostProblem(): string | null {
  if (process.platform !== "linux") return "the host is not Linux";
  for (const tool of ["gcc", "setarch", "unshare"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `the host has no ${tool}`;
  }
  if (spawnSync("unshare", ["--ipc", "true"]).status !== 0) return "unshare --ipc is not permitted here";
  return null;
}
const problem = hostProblem();
if (problem !== null) console.warn(`sysv-shm host differential test skipped: ${problem}`);

/** A file of the initial maps: enough for the VMA rules (identity, never written through). */
function snapshotFile(path: string, devMajor: number, devMinor: number, ino: number): MmapFile {
  return {
    identity: { path, devMajor, devMinor, ino },
    inodeType: 0o100000,
    readable: true,
    writable: false,
    appendOnly: false,
    noexec: false,
    size: () => 0,
    read: () => 0,
    ops: { mmap: () => 0 },
  };
}

const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+) ([r-])([w-])([x-])([ps]) ([0-9a-f]+) ([0-9a-f]+):([0-9a-f]+) (\d+)\s*(.*)$/;

/** The areas of a maps text as an exec layout (one file object per path). */
function areasFromMaps(text: string): ExecArea[] {
  const files = new Map<string, MmapFile>();
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const m = MAPS_LINE.exec(l) ?? expect.unreachable(`maps line: ${l}`);
      const name = m[11] === "" ? null : m[11]!;
      const isFile = name !== null && !name.startsWith("[");
      let file: MmapFile | null = null;
      if (isFile) {
        file = files.get(name) ?? snapshotFile(name, parseInt(m[8]!, 16), parseInt(m[9]!, 16), Number(m[10]));
        files.set(name, file);
      }
      return {
        start: parseInt(m[1]!, 16),
        end: parseInt(m[2]!, 16),
        prot: (m[3] === "r" ? 1 : 0) | (m[4] === "w" ? 2 : 0) | (m[5] === "x" ? 4 : 0),
        flags: m[6] === "p" ? MAP_PRIVATE : MAP_SHARED,
        pgoff: parseInt(m[7]!, 16) / PAGE_SIZE,
        file,
        name: isFile ? null : name,
      };
    });
}

interface HostRun {
  limits: [number, number, number] | null;
  brk0: number;
  initialMaps: string;
  /** Op, process and scan lines, in order. */
  log: string[];
  sysvipc: string;
  finalMaps: string;
}

function parseRun(out: string): HostRun {
  const lines = out.split("\n");
  let limits: HostRun["limits"] = null;
  let brk0 = 0;
  const blocks: string[] = [];
  const log: string[] = [];
  let sysvipc = "";
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === "maps-begin" || l === "sysvipc-begin") {
      const end = lines.indexOf(l.replace("begin", "end"), i);
      const text = lines.slice(i + 1, end).join("\n");
      if (l === "maps-begin") blocks.push(text + "\n");
      else sysvipc = text + "\n";
      i = end;
    } else if (l.startsWith("limits ")) {
      const [, a, b, c] = l.split(" ");
      limits = [Number(a), Number(b), Number(c)];
    } else if (l.startsWith("brk ")) {
      brk0 = parseInt(l.slice(4), 16);
    } else if (l !== "") {
      log.push(l);
    }
  }
  return { limits, brk0, initialMaps: blocks[0]!, log, sysvipc, finalMaps: blocks[1]! };
}

const hex = (x: number): string => (x < 0 ? x + 2 ** 32 : x).toString(16);
const res = (r: number): string => (r < 0 ? String(r) : r.toString(16));
/** A hex field of the host as this machine's numbers hold it (shmmax and shmall exceed 2^53). */
const asNumberHex = (h: string): string => Number(BigInt(`0x${h}`)).toString(16);

/** Replays a host log; returns the lines the simulator prints in its place, and the simulator. */
function replay(run: HostRun): { lines: string[]; ns: ShmNamespace; be: MmuBackend; parentMm: number } {
  const node = new BuddyAllocator({ pages: 1 << 16 });
  const mmapMinAddr = Number(readFileSync("/proc/sys/vm/mmap_min_addr", "utf8"));
  const be = new MmuBackend({ pages: node, physMem: node.physMem, mmapMinAddr });
  let current = 0;
  const ns = new ShmNamespace({ mm: be, pages: node, physMem: node.physMem, nowSec: () => 1_700_000_000, currentPid: () => current });
  if (run.limits !== null) expect(ns.setLimits({ shmmax: run.limits[0], shmall: run.limits[1], shmmni: run.limits[2] })).toBe(0);
  const parentMm = be.mmNew();
  expect(be.mmExec(parentMm, { areas: areasFromMaps(run.initialMaps), startBrk: run.brk0, mmapBase: be.config.mmapBase })).toBe(0);
  const procs = new Map<number, ShmCaller>();
  const out: string[] = [];
  const scan = (c: ShmCaller): void => {
    const o: ShmctlOut = {};
    const max = ns.shmctl(c, 0, SHM_INFO, null, o);
    for (let i = 0; i <= max; i++) {
      const id = ns.shmctl(c, i, SHM_STAT_ANY, null, o);
      if (id < 0) continue;
      const d = o.ds!;
      const p = d.shmPerm;
      out.push(
        `seg ${id} ${d.shmSegsz} ${d.shmNattch} ${d.shmCpid} ${d.shmLpid} ${p.mode.toString(8)} ${hex(p.key)} ${p.uid} ${p.gid} ${p.cuid} ${p.cgid} ${d.shmAtime !== 0 ? 1 : 0} ${d.shmDtime !== 0 ? 1 : 0}`,
      );
    }
  };
  for (const l of run.log) {
    if (l.startsWith("seg ")) continue;
    const [pidText, call, ...rest] = l.split(" ");
    const pid = Number(pidText);
    if (procs.size === 0) procs.set(pid, { pid, mmId: parentMm, uid: 0, gid: 0, capIpcOwner: true, capIpcLock: true, capSysAdmin: true });
    const c = procs.get(pid) ?? expect.unreachable(`unknown pid ${pid} in: ${l}`);
    current = pid;
    const args = rest.slice(0, rest.indexOf("=")).map((a) => parseInt(a, 16) | 0);
    const addr = (k: number): number => parseInt(rest[k]!, 16);
    switch (call) {
      case "shmget": {
        const r = ns.shmget(c, args[0]!, addr(1), args[2]!);
        out.push(`${pid} shmget ${rest[0]} ${rest[1]} ${rest[2]} = ${res(r)}`);
        break;
      }
      case "shmat": {
        const r = ns.shmat(c, args[0]!, addr(1), args[2]!);
        out.push(`${pid} shmat ${rest[0]} ${rest[1]} ${rest[2]} = ${res(r)}`);
        break;
      }
      case "shmdt":
        out.push(`${pid} shmdt ${rest[0]} = ${res(ns.shmdt(c, addr(0)))}`);
        break;
      case "munmap":
        out.push(`${pid} munmap ${rest[0]} ${rest[1]} = ${res(be.munmap(c.mmId, addr(0), addr(1)))}`);
        break;
      case "mprotect":
        out.push(`${pid} mprotect ${rest[0]} ${rest[1]} ${rest[2]} = ${res(be.mprotect(c.mmId, addr(0), addr(1), args[2]!))}`);
        break;
      case "shmctl":
        out.push(replayShmctl(ns, c, rest));
        break;
      case "fork": {
        const child = Number(rest[1]);
        const mmId = be.mmDup(c.mmId);
        expect(mmId).toBeGreaterThan(0);
        procs.set(child, { ...c, pid: child, mmId });
        out.push(`${pid} fork = ${child}`);
        break;
      }
      case "cred": {
        const [uid, gid, memlock] = [addr(0), addr(1), addr(2)];
        procs.set(pid, { pid, mmId: c.mmId, uid, gid, groups: [], capIpcOwner: false, capIpcLock: false, capSysAdmin: false, rlimitMemlock: memlock });
        out.push(`${pid} cred ${rest[0]} ${rest[1]} ${rest[2]} = 0`);
        continue;
      }
      case "exit":
      case "stay":
        out.push(l);
        continue;
      case "wait":
      case "kill": {
        const child = Number(rest[0]);
        current = child;
        be.mmRelease(procs.get(child)!.mmId);
        ns.exitShm(child);
        procs.delete(child);
        out.push(`${pid} ${call} ${child} = 0`);
        break;
      }
      default:
        expect.unreachable(`unknown call: ${l}`);
    }
    ns.assertValid();
    be.assertValid();
    expectNattchIsVmaCount(ns, be, procs, l);
    scan(c);
  }
  return { lines: out, ns, be, parentMm };
}

/** Every segment's nattch is the number of VMAs mapping it in the live address spaces. */
function expectNattchIsVmaCount(ns: ShmNamespace, be: MmuBackend, procs: Map<number, ShmCaller>, after: string): void {
  const vmas = new Map<number, number>();
  for (const p of procs.values()) {
    for (const v of be.view(p.mmId).vmas()) {
      const sfd = shmFileDataOf(v.file);
      if (sfd !== undefined) vmas.set(sfd.id, (vmas.get(sfd.id) ?? 0) + 1);
    }
  }
  for (const shp of ns.ids) expect(`shm ${shp.id}: ${vmas.get(shp.id) ?? 0} VMAs after: ${after}`).toBe(`shm ${shp.id}: ${shp.shmNattch} VMAs after: ${after}`);
}

/** shmctl with the extra fields the program printed for IPC_INFO, SHM_INFO and IPC_SET. */
function replayShmctl(ns: ShmNamespace, c: ShmCaller, rest: string[]): string {
  const [id, cmd] = [parseInt(rest[0]!, 16) | 0, parseInt(rest[1]!, 16) | 0];
  const o: ShmctlOut = {};
  let buf: ShmidDs | null = null;
  if (cmd === IPC_SET && rest[2] === "set") {
    const [uid, gid, mode] = [3, 4, 5].map((k) => parseInt(rest[k]!, 16));
    buf = { shmPerm: { key: 0, uid: uid!, gid: gid!, cuid: 0, cgid: 0, mode: mode!, seq: 0 }, shmSegsz: 0, shmAtime: 0, shmDtime: 0, shmCtime: 0, shmCpid: 0, shmLpid: 0, shmNattch: 0 };
  }
  const r = ns.shmctl(c, id, cmd, buf, o);
  const head = `${c.pid} shmctl ${rest[0]} ${rest[1]}`;
  if (cmd === IPC_INFO && r >= 0) {
    const i = o.shminfo!;
    return `${head} info ${[i.shmmax, i.shmmin, i.shmmni, i.shmseg, i.shmall].map((x) => x.toString(16)).join(" ")} = ${res(r)}`;
  }
  if (cmd === SHM_INFO && r >= 0) {
    const i = o.shmInfo!;
    return `${head} shminfo ${[i.usedIds, i.shmTot, i.shmRss].map((x) => x.toString(16)).join(" ")} = ${res(r)}`;
  }
  if (cmd === IPC_SET) return `${head} set ${rest[3]} ${rest[4]} ${rest[5]} = ${res(r)}`;
  return `${head} = ${res(r)}`;
}

/** The host's log lines in the simulator's terms: info fields beyond 2^53 as a double holds them. */
function normalizeHostLine(l: string): string {
  const m = /^(\d+ shmctl \S+ \S+ info) (\S+) (\S+) (\S+) (\S+) (\S+)( = .*)$/.exec(l);
  if (m === null) return l;
  return `${m[1]} ${[m[2], m[3], m[4], m[5], m[6]].map((h) => asNumberHex(h!)).join(" ")}${m[7]}`;
}

/** /proc/sysvipc/shm with atime, dtime and ctime each shown as set (T) or not (0), widths kept. */
function maskTimes(text: string): string {
  return text
    .split("\n")
    .map((l, i) => {
      if (i === 0 || l === "") return l;
      let field = -1;
      return l.replace(/\s+\S+/g, (tok) => {
        field++;
        if (field < 11 || field > 13) return tok;
        const digits = tok.trim();
        return tok.slice(0, tok.length - digits.length) + (digits === "0" ? "0" : "T").padStart(digits.length, " ");
      });
    })
    .join("\n");
}

describe.skipIf(problem !== null)("sysv-shm against the host kernel (unshare --ipc, setarch -R, fork)", () => {
  let bin = "";
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "mmsim-shmops-"));
    bin = join(dir, "shmops");
    const cc = spawnSync("gcc", ["-O2", "-Wall", "-o", bin, join(import.meta.dirname, "host", "shmops.c")], { encoding: "utf8" });
    expect(cc.stderr).toBe("");
    expect(cc.status).toBe(0);
  });

  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  it.each(seeds)("seed %i: same results, segments, /proc/sysvipc/shm and maps", (seed) => {
    const host = spawnSync("sh", ["-c", `ulimit -s 8192; exec unshare --ipc setarch -R "${bin}" ${seed} ${OPS} ${MPROTECT}`], { encoding: "utf8" });
    expect(host.status, host.stderr).toBe(0);
    const run = parseRun(host.stdout);
    const { lines, ns, be, parentMm } = replay(run);
    const want = run.log.map(normalizeHostLine);
    const dump = process.env.MMSIM_SHM_DIFF_DUMP;
    if (dump !== undefined) {
      writeFileSync(join(dump, `host-${seed}.log`), want.join("\n") + "\n");
      writeFileSync(join(dump, `mmsim-${seed}.log`), lines.join("\n") + "\n");
    }
    const firstDiff = want.findIndex((l, i) => lines[i] !== l);
    if (firstDiff >= 0) {
      // the lines before the first difference, then each side's own continuation
      const ctx = want.slice(Math.max(0, firstDiff - 8), firstDiff).join("\n");
      expect(`${ctx}\n>>>\n${lines.slice(firstDiff, firstDiff + 4).join("\n")}`).toBe(`${ctx}\n>>>\n${want.slice(firstDiff, firstDiff + 4).join("\n")}`);
    }
    expect(lines.length).toBe(want.length);
    expect(want.some((l) => / shmat .* = [0-9a-f]{6,}$/.test(l))).toBe(true);
    expect(maskTimes(ns.procSysvipcShm())).toBe(maskTimes(run.sysvipc));
    expect(be.maps(parentMm)).toBe(run.finalMaps);
  });


  it("ids over 300 creations and removals: cyclic in a window of 64, the sequence moves on at each wrap", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmsim-idcycle-"));
    const idcycle = join(dir, "idcycle");
    const cc = spawnSync("gcc", ["-O2", "-Wall", "-o", idcycle, join(import.meta.dirname, "host", "idcycle.c")], { encoding: "utf8" });
    expect(cc.status, cc.stderr).toBe(0);
    const host = spawnSync("unshare", ["--ipc", idcycle], { encoding: "utf8" });
    expect(host.status, host.stderr).toBe(0);
    const node = new BuddyAllocator({ pages: 1024 });
    const ns = new ShmNamespace({ mm: new MmuBackend({ pages: node, physMem: node.physMem }), pages: node, physMem: node.physMem, nowSec: () => 1, currentPid: () => 1 });
    const c: ShmCaller = { pid: 1, mmId: 0, uid: 0, gid: 0, capIpcOwner: true, capIpcLock: true, capSysAdmin: true };
    const lines = host.stdout.trimEnd().split("\n");
    const mine = lines.map((l) => {
      const rm = /^rmid (-?\d+) = /.exec(l);
      const r = rm === null ? ns.shmget(c, 0, 100, 0o600) : ns.shmctl(c, Number(rm[1]), 0, null);
      ns.assertValid();
      return rm === null ? `shmget = ${r}` : `rmid ${rm[1]} = ${r}`;
    });
    expect(mine).toEqual(lines);
    expect(lines.some((l) => /^shmget = 6\d{4}$/.test(l))).toBe(true);
  });
});
