/**
 * A whole replay: parse the trace, assemble the machine, start the first process (from a maps
 * snapshot or empty), give exec'd programs the layout the snapshot implies, replay, and gather the
 * final /proc views. What `mmsim replay`, `compare` and `proc` share.
 */
import { ELF_TEXT_BASE, blockdevFileDriver, directoryDriver, layoutFromMaps, normalizePath } from "@mmsim/kernel";
import type { ExecLoader, InodeSpec, Kernel, Task } from "@mmsim/kernel";
import { parseProcMaps } from "@mmsim/procfs";
import { DEFAULT_MMAP_BASE, MAP_PRIVATE, O_DIRECTORY, O_RDONLY, PAGE_SIZE, PROT_READ, PROT_WRITE, S_IFDIR, S_IFREG, pageAlign } from "@mmsim/mm-types";
import type { ExecArea, ExecLayout } from "@mmsim/mm-types";
import { parseStrace } from "../trace/strace-parse.js";
import type { TraceEntry } from "../trace/strace-parse.js";
import { buildWorld } from "../world.js";
import type { BackendName, World } from "../world.js";
import { Replay } from "./replay.js";
import type { ReplayReport } from "./replay.js";

/** The options of `mmsim replay`. */
export interface ReplayRunOptions {
  readonly backend: BackendName;
  /** The first process's /proc/<pid>/maps at its first instruction. */
  readonly initialMaps?: string;
  readonly mmapBase?: number;
  /** start_brk; default the end of [heap] in the snapshot, else the trace's first brk result. */
  readonly brk?: number;
  readonly ramBytes?: number;
  readonly nrTrimPages?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** A finished replay with its machine, for reports and /proc reads. */
export interface ReplayRun {
  readonly world: World;
  readonly report: ReplayReport;
  /** Pids of the trace's processes, in order of appearance. */
  readonly pids: readonly number[];
  /** The first process's pid, or null for an empty trace. */
  readonly firstPid: number | null;
}

/** Where x86-64 loads a PIE program with ASLR off (ELF_ET_DYN_BASE). */
const PIE_BASE = 0x555555554000;
/** The largest program image the exec loader assumes between its base and its heap. */
const MAX_IMAGE = 1 << 30;

/** Size given to a file a trace names that the simulator lacks, before mappings grow it. */
const AUTO_FILE_SIZE = 0;

function firstBrkAfter(entries: readonly TraceEntry[], pid: number, line: number): number | null {
  for (const e of entries) {
    if (e.kind !== "syscall" || e.pid !== pid || e.line <= line || e.name !== "brk") continue;
    return e.result.kind === "value" && typeof e.result.value === "number" ? e.result.value : null;
  }
  return null;
}

/** The areas of a snapshot that every program on that machine gets: ld.so, vdso, vvar, stack. */
function systemAreas(layout: ExecLayout): ExecArea[] {
  const program = layout.areas.find((a) => a.file !== null)?.file?.identity.path;
  return layout.areas.filter((a) => a.name !== "[heap]" && (a.file === null || a.file.identity.path !== program) && (a.file !== null || a.name !== null));
}

/**
 * The exec loader of a replay: the program's first page at the PIE base (or the non-PIE base when its
 * heap is low), the snapshot's system areas, and start_brk from the program's first brk in the trace,
 * so that its later mmaps and brks land where the trace saw them.
 */
function replayExecLoader(snapshot: ExecLayout | null, entries: readonly TraceEntry[], current: () => { readonly pid: number; readonly line: number } | null): ExecLoader {
  return (kernel, path) => {
    const rec = current();
    const file = kernel.vfs.open(path, O_RDONLY, 0);
    if (typeof file === "number") return file;
    if (file.inode.type !== S_IFREG) {
      kernel.vfs.release(file);
      return -13;
    }
    const brk = rec !== null ? firstBrkAfter(entries, rec.pid, rec.line) : null;
    const base = brk !== null && brk >= PIE_BASE ? PIE_BASE : ELF_TEXT_BASE;
    // with ASLR off the heap starts right after the image: the image is [base, start_brk)
    const end = brk !== null && brk > base && brk - base <= MAX_IMAGE ? pageAlign(brk) : base + PAGE_SIZE;
    if (file.inode.size < end - base) file.inode.size = end - base;
    const text: ExecArea = { start: base, end, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE, pgoff: 0, file: file.asMmapFile(), name: null };
    kernel.vfs.release(file);
    const system = snapshot !== null ? systemAreas(snapshot) : [];
    return { areas: [text, ...system], startBrk: brk ?? pageAlign(base + PAGE_SIZE), mmapBase: snapshot?.mmapBase ?? DEFAULT_MMAP_BASE };
  };
}

/** Replays a trace text on a fresh machine. */
export function runReplay(traceText: string, opts: ReplayRunOptions): ReplayRun {
  const entries = parseStrace(traceText, { pid: 1 });
  let replay: Replay | null = null;
  let snapshot: ExecLayout | null = null;
  const dirs = directoriesNamed(entries);
  const onMissingFile = (path: string, flags: number): InodeSpec | null => {
    if (replay !== null && !replay.mayCreateFiles) return null;
    const dir = flags & O_DIRECTORY || dirs.has(path);
    replay?.autoPaths.add(path);
    return dir
      ? { mode: S_IFDIR | 0o755, driver: directoryDriver, devMajor: 0xfe, devMinor: 0 }
      : { mode: S_IFREG | 0o644, driver: blockdevFileDriver, size: AUTO_FILE_SIZE, devMajor: 0xfe, devMinor: 0 };
  };
  const world = buildWorld({
    backend: opts.backend,
    ...(opts.ramBytes !== undefined ? { ramBytes: opts.ramBytes } : {}),
    ...(opts.nrTrimPages !== undefined ? { nrTrimPages: opts.nrTrimPages } : {}),
    ...(opts.mmapBase !== undefined ? { mmapBase: opts.mmapBase } : {}),
    onMissingFile,
    execLoader: (kernel, path) => replayExecLoader(snapshot, entries, () => replay?.current ?? null)(kernel, path),
  });
  const kernel = world.kernel;
  replay = new Replay(
    { kernel, backend: world.name, addressesComparable: world.name === "mmu", shmSegsz: (id) => segsz(world, id) },
    (pid) => createFirst(kernel, pid, entries, opts, (l) => (snapshot = l)),
  );
  const report = replay.run(entries, opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {});
  // a Set keeps the order in which pids first appear
  const seen = new Set<number>();
  for (const e of entries) if (e.kind !== "error") seen.add(e.pid);
  const pids = [...seen];
  return { world, report, pids, firstPid: pids[0] ?? null };
}

/**
 * The paths a trace shows to be directories: every proper prefix of an absolute path it names, and
 * what it stats as S_IFDIR. A file made up for a missing path must not be a regular file when the
 * program later opens something under it.
 */
function directoriesNamed(entries: readonly TraceEntry[]): Set<string> {
  const dirs = new Set<string>(["/"]);
  const quoted = /"(\/[^"]*)"/g;
  for (const e of entries) {
    if (e.kind !== "syscall") continue;
    const text = e.raw;
    // most lines name no path: one native search rules them out
    if (!text.includes('"/')) continue;
    const statsDir = STAT_CALLS.has(e.name) && text.includes("st_mode=S_IFDIR");
    for (const m of text.matchAll(quoted)) {
      const path = normalizePath(m[1]!);
      for (let i = path.indexOf("/", 1); i > 0; i = path.indexOf("/", i + 1)) dirs.add(path.slice(0, i));
      if (statsDir) dirs.add(path);
    }
  }
  return dirs;
}

/** The calls whose struct stat says what a path is. */
const STAT_CALLS: ReadonlySet<string> = new Set(["newfstatat", "stat", "lstat", "statx"]);

/** The size of a simulated shm segment. */
function segsz(world: World, id: number): number | null {
  for (const shp of world.shm.ids) if (shp.id === id) return shp.shmSegsz;
  return null;
}

/** The first traced process: from the snapshot (or empty), with start_brk and mmap_base as the options say. */
function createFirst(kernel: Kernel, pid: number, entries: readonly TraceEntry[], opts: ReplayRunOptions, keep: (l: ExecLayout) => void): Task | number {
  const mmapBase = opts.mmapBase ?? DEFAULT_MMAP_BASE;
  const firstBrk = (): number | null => firstBrkAfter(entries, pid, 0);
  if (opts.initialMaps === undefined) {
    return withStdio(kernel, kernel.createProcess({ pid, layout: { areas: [], startBrk: opts.brk ?? firstBrk() ?? 0, mmapBase } }));
  }
  const snapshot = parseProcMaps(opts.initialMaps);
  if (snapshot.errors.length > 0) return -22;
  const heap = snapshot.entries.find((e) => e.name === "[heap]");
  const startBrk = opts.brk ?? heap?.start ?? firstBrk() ?? 0;
  const { layout } = layoutFromMaps(kernel, opts.initialMaps, { startBrk, mmapBase });
  keep(layout);
  return withStdio(kernel, kernel.createProcess({ pid, layout }));
}

/** A traced program inherits fds 0, 1 and 2 from its shell: stand-ins for the terminal. */
function withStdio(kernel: Kernel, t: Task | number): Task | number {
  if (typeof t === "number") return t;
  if (kernel.vfs.lookup("/dev/tty") === null) kernel.vfs.mknod("/dev/tty", { mode: 0o020620, driver: blockdevFileDriver, devMajor: 0, devMinor: 5, ino: 5 });
  for (let fd = 0; fd < 3; fd++) {
    const f = kernel.vfs.open("/dev/tty", fd === 0 ? 0 : 1, 0);
    if (typeof f !== "number") t.files.installAt(fd, f);
  }
  return t;
}
