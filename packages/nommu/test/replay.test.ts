/**
 * Differential evidence from a real NOMMU kernel: every fixture in test/fixtures/ was printed by an
 * oracle program of test/oracle/ running as init on Linux 6.12 NOMMU (RISC-V, QEMU; captured by
 * scripts/capture.sh). This replays each traced call on NommuBackend, with a minimal syscall layer
 * (fd tables, fake files, vfork children) in front, and checks:
 * - every errno and every success, call by call;
 * - which calls share a region: an address the kernel returned inside a live mapping (of any
 *   process) must come back at the same place in the simulator's copy of that mapping, and a fresh
 *   one must be fresh here too;
 * - /proc/<pid>/maps and /proc/maps at every snapshot (ranges, permissions with 'S'/'s'/'p',
 *   offsets, names), addresses translated mapping by mapping;
 * - the MmapCopy line of /proc/meminfo, which must match exactly (program images included).
 * Addresses differ between the machines (the simulator's page allocator is not Linux's), so the
 * replay translates each fixture address through the live mapping that holds it.
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  EBADF,
  EINVAL,
  ENOENT,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_GROWSDOWN,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_UNINITIALIZED,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  S_IFCHR,
  errnoName,
} from "@mmsim/mm-types";
import type { ExecArea, MmapFile } from "@mmsim/mm-types";
import { BlockFile, P, RamfsInode, devZero, makeWorld } from "./fakes.js";
import type { World } from "./fakes.js";
import { argFlags, argU64, num, parseMapsLine, parseTrace } from "./trace.js";
import type { CallEvent, DumpEvent, MapsLine, TraceEvent } from "./trace.js";

const PROT_NAMES = { PROT_NONE: 0, PROT_READ, PROT_WRITE, PROT_EXEC };
const MAP_NAMES = { MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_FIXED, MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_UNINITIALIZED };
const MREMAP_NAMES = { MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP };
/** The content capture.sh puts on the disk. */
const DISK_LINE = "mmsim nommu oracle 0123456789abcdef\n";

function diskBytes(size: number): Uint8Array {
  return new TextEncoder().encode(DISK_LINE.repeat(Math.ceil(size / DISK_LINE.length)).slice(0, size));
}

/** /dev/console on fds 0-2: a tty, which has no mmap (-ENODEV). */
const CONSOLE: MmapFile = {
  identity: { path: "/dev/console", devMajor: 5, devMinor: 1, ino: 3 },
  inodeType: S_IFCHR,
  readable: true,
  writable: true,
  appendOnly: false,
  noexec: false,
  size: () => 0,
  read: () => 0,
  ops: {},
};

/** A mapping alive on both machines: fixture range [fx, fxEnd), simulator start `sim`. */
interface Live {
  fx: number;
  fxEnd: number;
  sim: number;
}

interface Proc {
  readonly pid: number;
  readonly mm: number;
  readonly fds: Map<number, MmapFile>;
  live: Live[];
  /** The fixture→simulator delta of the area holding the heap (the ELF-FDPIC stack area). */
  brkDelta: number;
}

/** What a replay exercised, so a test can insist the fixture still covers its cases. */
interface Summary {
  calls: number;
  errors: number;
  shared: number;
  dumps: number;
}

function where(e: CallEvent): string {
  return `fixture line ${e.line}: ${e.text}`;
}

/** Replays one fixture. */
class Replay {
  readonly world: World = makeWorld({ pages: 16384, taskSize: 2 ** 64 - 1, mmapUninitialized: true });
  private readonly procs = new Map<number, Proc>();
  private readonly inodes = new Map<string, BlockFile | RamfsInode | MmapFile>();
  private readonly sizes = new Map<string, number>();
  private lastSpawner: number | null = null;
  readonly summary: Summary = { calls: 0, errors: 0, shared: 0, dumps: 0 };

  constructor(private readonly events: readonly TraceEvent[]) {}

  run(): void {
    for (const e of this.events) {
      if (e.type === "size") this.sizes.set(e.path, e.size);
      else if (e.type === "dump") this.dump(e);
      else this.call(e);
      this.world.nommu.assertValid();
    }
  }

  /** The image and stack lines of a process's maps: an anonymous rwxp area and [stack]. */
  private imageOf(pid: number): { image: MapsLine; stack: MapsLine } {
    const d = this.events.find((e): e is DumpEvent => e.type === "dump" && e.kind === "self-maps" && e.pid === pid);
    if (d === undefined) throw new Error(`pid ${pid} never shows its maps`);
    const lines = d.lines.map(parseMapsLine);
    const stack = lines.find((l) => l.path === "[stack]");
    const image = lines.find((l) => l.perms === "rwxp" && l.path === "" && l.offset === 0);
    if (stack === undefined || image === undefined) throw new Error(`pid ${pid}: no image or stack in its first maps`);
    return { image, stack };
  }

  /** A process as the loader leaves it: the image copy and the stack area with a zero-size heap at its bottom. */
  private proc(pid: number): Proc {
    const known = this.procs.get(pid);
    if (known !== undefined) return known;
    const nommu = this.world.nommu;
    const { image, stack } = this.imageOf(pid);
    const area = (l: MapsLine, prot: number, flags: number, name: string | null): ExecArea => ({ start: l.start, end: l.end, prot, flags, pgoff: 0, file: null, name });
    const mm = nommu.mmNew();
    const ret = nommu.mmExec(mm, {
      areas: [area(image, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, null), area(stack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_GROWSDOWN | MAP_UNINITIALIZED, "[stack]")],
      startBrk: stack.start,
      endBrk: stack.start,
      mmapBase: 0,
    });
    expect(ret, `exec of pid ${pid}`).toBe(0);
    const vmas = [...nommu.view(mm).vmas()];
    const simImage = vmas.find((v) => v.vmEnd - v.vmStart === image.end - image.start && v.vmFlags & PROT_EXEC)!;
    const simStack = vmas.find((v) => v !== simImage)!;
    const spawner = this.lastSpawner !== null ? this.procs.get(this.lastSpawner) : undefined;
    const p: Proc = {
      pid,
      mm,
      fds: new Map(spawner?.fds ?? [[0, CONSOLE], [1, CONSOLE], [2, CONSOLE]]), // vfork + execve: the child keeps the parent's fds
      live: [
        { fx: image.start, fxEnd: image.end, sim: simImage.vmStart },
        { fx: stack.start, fxEnd: stack.end, sim: simStack.vmStart },
      ],
      brkDelta: simStack.vmStart - stack.start,
    };
    this.procs.set(pid, p);
    return p;
  }

  private allLive(): Live[] {
    return [...this.procs.values()].flatMap((p) => p.live);
  }

  /** The first live mapping of `lives` meeting [x, x + len). */
  private static meeting(lives: readonly Live[], x: number, len: number): Live | undefined {
    return lives.find((l) => x < l.fxEnd && x + Math.max(len, 1) > l.fx);
  }

  /** True when [x, x + len) meets a simulator mapping of `p`. */
  private simMapped(p: Proc, x: number, len: number): boolean {
    for (const v of this.world.nommu.view(p.mm).vmas()) if (x < v.vmEnd && x + Math.max(len, 1) > v.vmStart) return true;
    return false;
  }

  /**
   * A fixture address range of `p` in simulator terms: through the mapping holding its start, else
   * the first it meets, else an address as unmapped here as it was there.
   */
  private translate(p: Proc, x: number, len: number): number {
    const l = Replay.meeting(p.live, x, 1) ?? Replay.meeting(p.live, x, len);
    if (l !== undefined) return x + (l.sim - l.fx);
    if (x + len > 2 ** 53 || !this.simMapped(p, x, len)) return x;
    return 0x1000 + (x % P);
  }

  private open(path: string, flags: number): MmapFile | number {
    const mode = { readable: (flags & 3) !== 1, writable: (flags & 3) !== 0 };
    let inode = this.inodes.get(path);
    if (inode === undefined) {
      if (path === "/dev/zero") inode = devZero();
      else if (path.startsWith("/mnt/")) {
        const size = this.sizes.get(path); // the oracle prints "## size" for each disk file it opens
        if (size === undefined) return -ENOENT;
        inode = new BlockFile(path, diskBytes(size));
      } else if (flags & 0x40) inode = new RamfsInode(path, this.world);
      else return -ENOENT;
      this.inodes.set(path, inode);
    }
    return inode instanceof BlockFile || inode instanceof RamfsInode ? inode.open(mode) : inode;
  }

  private call(e: CallEvent): void {
    this.summary.calls++;
    if (e.errno !== null) this.summary.errors++;
    const p = this.proc(e.pid);
    const sim = this.simulate(p, e);
    if (sim === undefined) return;
    if (e.errno !== null) {
      expect(sim < 0 ? errnoName(-sim) : `success ${sim.toString(16)}`, where(e)).toBe(e.errno);
      return;
    }
    if (e.result === null) return;
    expect(sim < 0 ? errnoName(-sim) : "success", where(e)).toBe("success");
    this.afterSuccess(p, e, sim);
  }

  /** Runs one call on the simulator; undefined for calls that only change the harness. */
  private simulate(p: Proc, e: CallEvent): number | undefined {
    const nommu = this.world.nommu;
    const a = e.args;
    switch (e.name) {
      case "mmap": {
        const flags = argFlags(a[3]!, MAP_NAMES);
        const off = BigInt.asIntN(64, argU64(a[5]!));
        const len = num(argU64(a[1]!));
        if (off % BigInt(P) !== 0n) return -EINVAL; // riscv_sys_mmap(): an unaligned offset
        let file: MmapFile | null = null;
        if (!(flags & MAP_ANONYMOUS)) {
          const f = p.fds.get(Number(a[4]));
          if (f === undefined) return -EBADF;
          file = f;
        }
        const pgoff = num(BigInt.asUintN(64, off >> 12n));
        return nommu.mmap(p.mm, { addr: num(argU64(a[0]!)), len, prot: argFlags(a[2]!, PROT_NAMES), flags, pgoff, file });
      }
      case "munmap": {
        const len = num(argU64(a[1]!));
        return nommu.munmap(p.mm, this.translate(p, num(argU64(a[0]!)), len), len);
      }
      case "mremap": {
        const oldLen = num(argU64(a[1]!));
        const flags = argFlags(a[3]!, MREMAP_NAMES);
        const addr = this.translate(p, num(argU64(a[0]!)), oldLen);
        const newAddr = a[4] !== undefined ? this.translate(p, num(argU64(a[4])), 1) : 0;
        return nommu.mremap(p.mm, addr, oldLen, num(argU64(a[2]!)), flags, newAddr);
      }
      case "brk": {
        const arg = num(argU64(a[0]!));
        return nommu.brk(p.mm, arg === 0 ? 0 : arg + p.brkDelta);
      }
      case "mprotect":
        return nommu.mprotect(p.mm, num(argU64(a[0]!)), num(argU64(a[1]!)), argFlags(a[2]!, PROT_NAMES));
      case "msync":
        return nommu.msync(p.mm, num(argU64(a[0]!)), num(argU64(a[1]!)), 4);
      case "mlock":
      case "munlock":
        return nommu.mlock(p.mm, num(argU64(a[0]!)), num(argU64(a[1]!)), e.name === "mlock");
      case "madvise":
        return nommu.madvise(p.mm, num(argU64(a[0]!)), num(argU64(a[1]!)), 4);
      case "openat":
        return this.openat(p, e);
      case "close":
        return p.fds.delete(Number(a[0])) ? 0 : -EBADF;
      case "ftruncate": {
        // do_sys_ftruncate(): a negative length, then the fd, then a regular file open for writing
        const length = BigInt.asIntN(64, argU64(a[1]!));
        if (length < 0n) return -EINVAL;
        const f = p.fds.get(Number(a[0]));
        if (f === undefined) return -EBADF;
        const inode = this.inodes.get(f.identity.path);
        if (!(inode instanceof RamfsInode) || !f.writable) return -EINVAL;
        return inode.truncate(num(length));
      }
      case "sysctl":
        return nommu.setNrTrimPages(Number(a[1]));
      case "spawn":
        this.lastSpawner = p.pid;
        return undefined;
      case "exit":
        nommu.mmRelease(p.mm);
        this.procs.delete(p.pid);
        return undefined;
      case "wait4":
        return Number(a[0]);
      default:
        throw new Error(`${where(e)}: no replay for ${e.name}`);
    }
  }

  private openat(p: Proc, e: CallEvent): number {
    const path = /^"(.*)"$/.exec(e.args[1]!)![1]!;
    const flags = argFlags(e.args[2]!, { O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 0x40, O_TRUNC: 0x200 });
    const f = this.open(path, flags);
    if (typeof f === "number") return f;
    let fd = 0;
    while (p.fds.has(fd)) fd++;
    p.fds.set(fd, f);
    return fd;
  }

  /** Checks a success's value and keeps the live mappings current. */
  private afterSuccess(p: Proc, e: CallEvent, sim: number): void {
    const fx = num(e.result!);
    switch (e.name) {
      case "mmap":
        return this.afterMmap(p, e, fx, sim);
      case "munmap":
        return this.cut(p, num(argU64(e.args[0]!)), num(argU64(e.args[1]!)));
      case "mremap": {
        expect(sim, where(e)).toBe(this.translate(p, fx, 1));
        const l = p.live.find((x) => x.fx === fx)!;
        l.fxEnd = fx + Math.ceil(num(argU64(e.args[2]!)) / P) * P;
        return;
      }
      case "brk":
        expect(sim, where(e)).toBe(fx + p.brkDelta);
        return;
      default:
        expect(sim, where(e)).toBe(fx);
    }
  }

  /**
   * A new mapping: if the kernel's address lies inside a mapping alive anywhere, it shared that
   * region and the simulator must have answered with the same place in its copy; otherwise the
   * simulator's answer must not lie in any live mapping either.
   */
  private afterMmap(p: Proc, e: CallEvent, fx: number, sim: number): void {
    const len = Math.ceil(num(argU64(e.args[1]!)) / P) * P;
    const holder = Replay.meeting(this.allLive(), fx, 1);
    if (holder !== undefined) {
      this.summary.shared++;
      expect(sim.toString(16), `${where(e)}: shares the region of the mapping at ${holder.fx.toString(16)}`).toBe((fx + holder.sim - holder.fx).toString(16));
    } else {
      const clash = this.allLive().find((l) => sim < l.sim + (l.fxEnd - l.fx) && sim + len > l.sim);
      expect(clash, `${where(e)}: a fresh region in the kernel, but ${sim.toString(16)} lies in a live mapping here`).toBeUndefined();
    }
    p.live.push({ fx, fxEnd: fx + len, sim });
  }

  /** Removes [x, x + len) from the live mappings of `p`. */
  private cut(p: Proc, x: number, len: number): void {
    const end = x + Math.ceil(len / P) * P;
    const out: Live[] = [];
    for (const l of p.live) {
      if (end <= l.fx || x >= l.fxEnd) {
        out.push(l);
        continue;
      }
      if (l.fx < x) out.push({ fx: l.fx, fxEnd: x, sim: l.sim });
      if (end < l.fxEnd) out.push({ fx: end, fxEnd: l.fxEnd, sim: l.sim + (end - l.fx) });
    }
    p.live = out;
  }

  private dump(d: DumpEvent): void {
    this.summary.dumps++;
    const p = this.proc(d.pid);
    const nommu = this.world.nommu;
    const at = `fixture line ${d.line}: ${d.kind} of pid ${d.pid} at "${d.tag}"`;
    if (d.kind === "meminfo") {
      const line = d.lines.find((l) => l.startsWith("MmapCopy:"));
      expect(line, at).toBeDefined();
      expect(nommu.mmapCopyKb(), at).toBe(Number(/(\d+) kB/.exec(line!)![1]));
      return;
    }
    const own = d.kind === "self-maps";
    const lives = own ? p.live : this.allLive();
    const want = d.lines.map(parseMapsLine).map((l) => {
      const live = Replay.meeting(lives, l.start, l.end - l.start);
      expect(live, `${at}: ${l.start.toString(16)} belongs to no mapping the replay knows`).toBeDefined();
      const delta = live!.sim - live!.fx;
      return { ...l, start: l.start + delta, end: l.end + delta };
    });
    const text = own ? nommu.showMaps(p.mm) : nommu.showGlobalMaps();
    const got = text.split("\n").filter((l) => l !== "").map(parseMapsLine);
    const show = (ls: readonly MapsLine[]): string[] => [...ls].sort((x, y) => x.start - y.start).map((l) => `${l.start.toString(16)}-${l.end.toString(16)} ${l.perms} ${l.offset.toString(16)} ${l.path}`);
    expect(show(got), at).toEqual(show(want));
  }
}

const dir = new URL("./fixtures/", import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".txt")).sort();

/**
 * What each fixture must still exercise, so a fixture that lost its cases fails. random-N.txt are
 * test/oracle/random.c built with -DSEED=N: ~300 calls each over the parent and 4 vfork children.
 */
const EXPECT: Record<string, Partial<Summary>> = {
  "anon.txt": { shared: 0, errors: 29 },
  "files.txt": { shared: 4, errors: 9 },
  "ramfs.txt": { shared: 4, errors: 6 },
  "random-1.txt": { calls: 309, shared: 9, errors: 73 },
  "random-2.txt": { calls: 312, shared: 9, errors: 85 },
  "random-3.txt": { calls: 323, shared: 0, errors: 79 },
  "random-4.txt": { calls: 319, shared: 11, errors: 59 },
  "random-5.txt": { calls: 345, shared: 13, errors: 79 },
  "random-6.txt": { calls: 330, shared: 15, errors: 72 },
};

/** "random-1.txt (random.c, SEED=1)": the fixture and the program that printed it, from its first line. */
function title(name: string, text: string): string {
  const from = /^# captured by \S+ from test\/oracle\/(\S+)(?: with -D(\w+=\w+))? on Linux/.exec(text);
  if (from === null) return name;
  return `${name} (${from[1]!}${from[2] !== undefined ? `, ${from[2]}` : ""})`;
}

const cases = fixtures.map((name) => {
  const text = readFileSync(new URL(name, dir), "utf8");
  return { name, text, title: title(name, text) };
});

describe("replay of the real NOMMU kernel's traces", () => {
  it("has fixtures to replay", () => {
    expect(fixtures).toEqual(Object.keys(EXPECT).sort());
  });

  for (const { name, text, title: t } of cases) {
    it(t, () => {
      // random.c stops where the kernel did what its model didn't predict; capture.sh refuses that run
      expect(text, "the oracle's model disagreed with the kernel").not.toMatch(/^## model: /m);
      const r = new Replay(parseTrace(text));
      r.run();
      const want = EXPECT[name]!;
      if (want.calls !== undefined) expect(r.summary.calls, "calls replayed").toBe(want.calls);
      if (want.shared !== undefined) expect(r.summary.shared, "calls that shared a region").toBe(want.shared);
      if (want.errors !== undefined) expect(r.summary.errors, "calls that failed").toBe(want.errors);
      // random.c counts the shares its model predicted (at an exact address) per process: the replay
      // must have seen the same number land inside a live mapping
      const stats = [...text.matchAll(/^## stats pid \d+: shared (\d+)/gm)].map((m) => Number(m[1]));
      if (stats.length > 0) expect(r.summary.shared, "shares the oracle predicted").toBe(stats.reduce((x, y) => x + y, 0));
      expect(r.summary.dumps).toBeGreaterThan(5);
      // every process has exited but the first: release it and nothing must be left
      for (const id of r.world.nommu.mmIds()) r.world.nommu.mmRelease(id);
      r.world.nommu.assertValid();
      expect(r.world.nommu.mmapPagesAllocated).toBe(0);
    });
  }
});
