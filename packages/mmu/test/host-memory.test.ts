/**
 * Differential test of pages against the host kernel: test/host/memops.c mixes seeded random
 * mmap/munmap/mprotect/mremap/brk/madvise/mlock/msync calls with byte reads and writes of the
 * memory (catching SIGSEGV/SIGBUS) and forks whose children do the same, under `setarch -R`. The
 * MMU backend replays it from the program's initial maps over a page allocator, with a 16-page file
 * whose page cache both fds share, and must give the same result for every call, the same bytes and
 * the same signal (number, code, address) for every access, and the same /proc/<pid>/smaps blocks
 * (byte for byte) for every mapping the program made, in every child and at the end, with no page
 * leaked when the address spaces are released. Skipped, saying why, without Linux, gcc or setarch.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EBADF, EINVAL, ENOMEM, MADV_FREE, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import type { ExecArea, MmapFile, MmapFileOps } from "@mmsim/mm-types";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { parseProcMaps } from "@mmsim/procfs";
import { IMmapSet, MmuBackend } from "../src/index.js";
import type { PageCacheOps, SwapBackedHint } from "../src/index.js";

const SEEDS = Number(process.env.MMSIM_MEM_SEEDS ?? 20);
const OPS = Number(process.env.MMSIM_MEM_OPS ?? 300);

function hostProblem(): string | null {
  if (process.platform !== "linux") return "the host is not Linux";
  for (const tool of ["gcc", "setarch"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `the host has no ${tool}`;
  }
  return null;
}
const problem = hostProblem();
if (problem !== null) console.warn(`host memory differential test skipped: ${problem}`);

/** A file the program's initial areas map: never touched by it, so no contents. */
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

/**
 * The program's data file: one inode whose page cache and i_mmap both open files share. On a disk
 * file system a fault reads around the page as Linux's mmap read-around does (32 pages centred on
 * it), so a 16-page file is cached whole by its first fault; on tmpfs (`shmem`) a fault allocates
 * just its page, swap-backed. Linux: filemap_fault() → do_sync_mmap_readahead(); shmem_fault().
 */
class DataInode {
  readonly cache = new Map<number, number>();
  readonly mapping = new IMmapSet();
  constructor(
    private readonly node: BuddyAllocator,
    readonly sizePages: number,
    readonly shmem: boolean,
  ) {}

  fault(pgoff: number): number {
    if (pgoff >= this.sizePages) return -1;
    const around = this.shmem ? 0 : 16;
    for (let p = Math.max(0, pgoff - around); p < Math.min(this.sizePages, pgoff + Math.max(1, around)); p++) {
      if (this.cache.has(p)) continue;
      const pfn = this.node.allocPages(0);
      if (pfn === NO_PAGE) return -ENOMEM;
      this.node.physMem.zero(pfn * PAGE_SIZE, PAGE_SIZE);
      this.cache.set(p, pfn);
    }
    const pfn = this.cache.get(pgoff)!;
    this.node.getPage(pfn);
    return pfn;
  }

  file(path: string, devMajor: number, devMinor: number, ino: number, writable: boolean): MmapFile {
    const ops: MmapFileOps & PageCacheOps = { mmap: () => 0, fault: (pgoff) => this.fault(pgoff), findPage: (pgoff) => this.cache.get(pgoff) ?? -1 };
    const f: MmapFile & SwapBackedHint = {
      ...snapshotFile(path, devMajor, devMinor, ino),
      writable,
      size: () => this.sizePages * PAGE_SIZE,
      ops,
      mapping: this.mapping,
      swapBacked: this.shmem,
    };
    return f;
  }

  evict(): void {
    for (const pfn of this.cache.values()) this.node.putPage(pfn);
    this.cache.clear();
  }
}

interface Line {
  readonly no: number;
  readonly text: string;
}

/** Splits the program's output into its sections; `lines` are the call and access lines in order. */
function parseRun(out: string) {
  const lines = out.split("\n");
  const fileLines: string[] = [];
  let i = 0;
  for (; lines[i]!.startsWith("file "); i++) fileLines.push(lines[i]!);
  const brk0 = parseInt(lines[i]!.split(" ")[1]!, 16);
  const body: Line[] = [];
  const blocks: Array<{ tag: string; text: string; at: number }> = [];
  for (i++; i < lines.length; i++) {
    const m = /^(maps|smaps)-begin$/.exec(lines[i]!);
    if (m !== null) {
      const end = lines.indexOf(`${m[1]}-end`, i);
      blocks.push({ tag: m[1]!, text: lines.slice(i + 1, end).join("\n") + "\n", at: body.length });
      body.push({ no: i + 1, text: `${m[1]}-block ${blocks.length - 1}` });
      i = end;
      continue;
    }
    if (lines[i] !== "") body.push({ no: i + 1, text: lines[i]! });
  }
  return { fileLines, brk0, body, blocks };
}

/** The areas of a maps text as an exec layout (one file object per path, as one inode). */
function areasFromMaps(text: string): ExecArea[] {
  const { entries, errors } = parseProcMaps(text);
  expect(errors).toEqual([]);
  const files = new Map<string, MmapFile>();
  return entries.map((e) => {
    const isFile = e.name !== null && !e.name.startsWith("[");
    let file: MmapFile | null = null;
    if (isFile) {
      file = files.get(e.name!) ?? snapshotFile(e.name!, e.devMajor, e.devMinor, e.ino);
      files.set(e.name!, file);
    }
    return { start: e.start, end: e.end, prot: e.prot, flags: e.share === "p" ? MAP_PRIVATE : MAP_SHARED, pgoff: e.offset / PAGE_SIZE, file, name: isFile ? null : e.name };
  });
}

/** smaps blocks of the mappings the program made (not intersecting its initial areas), shmem inode numbers masked. */
function ownSmaps(text: string, initial: ReadonlyArray<readonly [number, number]>): string[] {
  const blocks = text.split(/(?=^[0-9a-f]+-[0-9a-f]+ )/m).filter((b) => b !== "");
  return blocks
    .filter((b) => {
      const [s, e] = b.slice(0, b.indexOf(" ")).split("-").map((x) => parseInt(x, 16));
      return !initial.some(([is, ie]) => s! < ie && e! > is);
    })
    .map((b) => b.replace(/ 00:01 \d+ +\/dev\/zero \(deleted\)/, " 00:01 ? /dev/zero (deleted)"));
}

/** The first line of a block and the lines where host and mmsim differ. */
function smapsDiff(host: string | undefined, ours: string | undefined): string {
  if (host === undefined || ours === undefined) return `host ${host?.split("\n")[0] ?? "(none)"}, mmsim ${ours?.split("\n")[0] ?? "(none)"}`;
  const h = host.split("\n");
  const o = ours.split("\n");
  const diff = h.flatMap((l, j) => (l !== o[j] ? [`${l.replace(/ +/g, " ")} ≠ ${o[j]?.replace(/ +/g, " ")}`] : []));
  return `${h[0]}: ${diff.join("; ")}`;
}

/**
 * What of a VMA's smaps block the host decides by policies mmsim does not model, blanked before the
 * comparison:
 * - a file on a disk file system: how many pages a fault maps depends on the folio sizes readahead
 *   chose (finish_fault() maps whole large folios), so only the maps line is compared;
 * - any file or shmem page: Referenced: follows LRU aging (folio_mark_accessed() calls of the page
 *   cache paths);
 * - after MADV_FREE: Referenced: and LazyFree: of anonymous pages change when per-CPU LRU batches
 *   drain, which depends on the CPU that faulted each page (folio_mark_lazyfree() skips a page still
 *   in an lru_add batch); mmsim applies MADV_FREE at once.
 */
function blankPolicyLines(block: string, freedBefore: boolean, diskFile: string | null): string {
  const first = block.slice(0, block.indexOf("\n"));
  if (diskFile !== null && first.endsWith(` ${diskFile}`)) return first;
  const isFile = !/ 00:00 0 /.test(first);
  return block
    .split("\n")
    .map((l) => ((isFile || freedBefore) && /^Referenced:/.test(l)) || (freedBefore && /^LazyFree:/.test(l)) ? l.replace(/ +\d+ kB/, " ? kB") : l)
    .join("\n");
}

const hexArgs = (s: string): number[] => s.split(" ").map((a) => (a === "-1" ? -1 : parseInt(a, 16)));

/** Replays one run; returns the mismatches found (empty when the backend agrees with the host). */
function replay(out: string, tmpfs: boolean): string[] {
  const run = parseRun(out);
  const node = new BuddyAllocator({ pages: 16384, minFreeKbytes: 0 });
  let inode: DataInode | null = null;
  const files = new Map<number, MmapFile>();
  const be = new MmuBackend({ pages: node, physMem: node.physMem, pageCacheRefs: (pfn) => (inode !== null && [...inode.cache.values()].includes(pfn) ? 1 : 0) });
  const free0 = node.freePagesCount();
  let diskFile: string | null = null;
  for (const l of run.fileLines) {
    const [, fd, mode, major, minor, ino, path] = l.split(" ");
    if (!tmpfs) diskFile = path!;
    inode ??= new DataInode(node, 16, tmpfs);
    files.set(Number(fd), inode.file(path!, parseInt(major!, 16), parseInt(minor!, 16), Number(ino), mode === "rw"));
  }
  const initialText = run.blocks[0]!.text;
  const initial = parseProcMaps(initialText).entries.map((e) => [e.start, e.end] as const);
  const parent = be.mmNew();
  expect(be.mmExec(parent, { areas: areasFromMaps(initialText), startBrk: run.brk0, mmapBase: be.config.mmapBase })).toBe(0);
  const bad: string[] = [];
  let mm = parent;
  let lastMaps = "";
  const buf = new Uint8Array(1);
  let freed = false;
  for (const { no, text } of run.body.slice(1)) {
    const where = `line ${no}: ${text}`;
    if (text === "fork-begin") {
      mm = be.mmDup(parent);
      be.assertValid();
      continue;
    }
    if (text === "fork-end") {
      be.mmRelease(mm);
      be.assertValid();
      mm = parent;
      continue;
    }
    const blk = /^(maps|smaps)-block (\d+)$/.exec(text);
    if (blk !== null) {
      const b = run.blocks[Number(blk[2])]!;
      if (b.tag === "maps") lastMaps = b.text;
      else {
        const ours = ownSmaps(be.showSmaps(mm), initial);
        const theirs = ownSmaps(b.text, initial);
        if (ours.length !== theirs.length) bad.push(`${where}: ${theirs.length} own VMAs on the host, ${ours.length} in mmsim`);
        ours.forEach((o, k) => {
          const h = blankPolicyLines(theirs[k] ?? "", freed, diskFile);
          const m2 = blankPolicyLines(o, freed, diskFile);
          if (h !== m2) bad.push(`${where} (${mm === parent ? "parent" : "child"}): smaps differ: ${smapsDiff(h, m2)}`);
        });
      }
      continue;
    }
    const acc = /^(wr|rd) (\S+) (.*) = (.*)$/.exec(text);
    if (acc !== null) {
      const [addr, pages, val] = hexArgs(acc[2]! + " " + acc[3]!);
      let done = 0;
      let sum = 0;
      let sig = "";
      for (; done < pages!; done++) {
        buf[0] = val ?? 0;
        const a = addr! + done * PAGE_SIZE;
        const r = acc[1] === "wr" ? be.writeUser(mm, a, buf) : be.readUser(mm, a, buf);
        if (r !== 0) {
          sig = ` sig ${r.signal} ${r.code} ${r.addr.toString(16)}`;
          break;
        }
        sum += buf[0]!;
      }
      const got = acc[1] === "wr" ? `${done.toString(16)}${sig}` : `${done.toString(16)} ${sum.toString(16)}${sig}`;
      if (got !== acc[4]) bad.push(`${where} — mmsim: ${got}`);
      be.assertValid();
      continue;
    }
    const m = /^(\w+) (.*) = (-?[0-9a-f]+)$/.exec(text);
    if (m === null) throw new Error(`unparsed ${where}`);
    const args = m[1] === "mmap" ? m[2]!.split(" ").map((a, k) => (k === 4 ? parseInt(a, 10) : parseInt(a, 16))) : hexArgs(m[2]!);
    const want = m[3]!.startsWith("-") ? -parseInt(m[3]!.slice(1), 10) : parseInt(m[3]!, 16);
    let got: number;
    if (m[1] === "madvise" && args[2] === MADV_FREE) freed = true;
    switch (m[1]) {
      case "mmap": {
        const [addr, len, prot, flags, fd, off] = args as [number, number, number, number, number, number];
        let file: MmapFile | null = null;
        if (!(flags & MAP_ANONYMOUS)) file = files.get(fd) ?? null;
        got = off % PAGE_SIZE !== 0 ? -EINVAL : !(flags & MAP_ANONYMOUS) && file === null ? -EBADF : be.mmap(mm, { addr, len, prot, flags, pgoff: off / PAGE_SIZE, file });
        break;
      }
      case "munmap":
        got = be.munmap(mm, args[0]!, args[1]!);
        break;
      case "mprotect":
        got = be.mprotect(mm, args[0]!, args[1]!, args[2]!);
        break;
      case "mremap":
        got = be.mremap(mm, args[0]!, args[1]!, args[2]!, args[3]!, args[4]!);
        break;
      case "brk":
        got = be.brk(mm, args[0]!);
        break;
      case "madvise":
        got = be.madvise(mm, args[0]!, args[1]!, args[2]!);
        break;
      case "mlock":
      case "munlock":
        got = be.mlock(mm, args[0]!, args[1]!, m[1] === "mlock");
        break;
      case "msync":
        got = be.msync(mm, args[0]!, args[1]!, args[2]!);
        break;
      default:
        throw new Error(`unknown call ${where}`);
    }
    be.assertValid();
    if (got !== want) bad.push(`${where} — mmsim returned ${got < 0 ? got : got.toString(16)}`);
  }
  const mask = (t: string): string => t.replace(/ 00:01 \d+ +\/dev\/zero \(deleted\)/g, " 00:01 ? /dev/zero (deleted)");
  if (mask(be.showMaps(parent)) !== mask(lastMaps)) bad.push(`final maps differ:\n--- host\n${lastMaps}--- mmsim\n${be.showMaps(parent)}`);
  be.mmRelease(parent);
  be.assertValid();
  inode?.evict();
  if (node.freePagesCount() !== free0) bad.push(`${free0 - node.freePagesCount()} pages leaked`);
  return bad;
}

describe.skipIf(problem !== null)("MMU pages against the host kernel (setarch -R, raw syscalls, real accesses)", () => {
  let bin = "";
  let dir = "";
  let shmDir: string | null = null;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmsim-memops-"));
    if (existsSync("/dev/shm")) shmDir = mkdtempSync("/dev/shm/mmsim-memops-");
    bin = join(dir, "memops");
    const cc = spawnSync("gcc", ["-O2", "-Wall", "-o", bin, join(import.meta.dirname, "host", "memops.c")], { encoding: "utf8" });
    expect(cc.stderr).toBe("");
    expect(cc.status).toBe(0);
  });

  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  afterAll(() => {
    if (shmDir !== null) rmSync(shmDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  // seeds 1, 5, 9, ... map a file on the disk file system of /tmp, seeds 3, 7, 11, ... one on tmpfs
  it.each(seeds)("seed %i: same results, bytes, signals and smaps; nothing leaked", (seed) => {
    const tmpfs = seed % 4 === 3 && shmDir !== null;
    const files = seed % 2 === 1 ? ` "${tmpfs ? shmDir : dir}"` : "";
    const host = spawnSync("sh", ["-c", `ulimit -s 8192; exec setarch -R "${bin}" ${seed} ${OPS}${files}`], { encoding: "utf8", maxBuffer: 1 << 26 });
    expect(host.status, host.stderr).toBe(0);
    expect(replay(host.stdout, tmpfs).slice(0, Number(process.env.MMSIM_MEM_SHOW ?? 5))).toEqual([]);
  });
});
