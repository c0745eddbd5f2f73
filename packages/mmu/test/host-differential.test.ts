/**
 * Differential test against the host kernel: test/host/mmops.c makes seeded random mmap, munmap,
 * mprotect, mremap, brk and madvise calls with raw syscall(2) under `setarch -R`, logging every
 * result and /proc/self/maps before and after. The MMU backend, started from the program's initial
 * maps, must return the same value or errno for every call and end with the same maps (the inode
 * numbers of shared anonymous memory aside: the host's shmem numbering is not ours to know).
 * Skipped, saying why, where the host isn't Linux or lacks gcc or setarch.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EBADF, EINVAL, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PAGE_SIZE } from "@mmsim/mm-types";
import type { ExecArea, MmapFile } from "@mmsim/mm-types";
import { parseProcMaps } from "@mmsim/procfs";
import { createSortedArrayVmaTree } from "@mmsim/mm-conformance";
import type { MmuBackend } from "../src/index.js";
import { newBackend } from "./helpers.js";

const SEEDS = Number(process.env.MMSIM_DIFF_SEEDS ?? 24);
const OPS = Number(process.env.MMSIM_DIFF_OPS ?? 300);

function hostProblem(): string | null {
  if (process.platform !== "linux") return "the host is not Linux";
  for (const tool of ["gcc", "setarch"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `the host has no ${tool}`;
  }
  return null;
}
const problem = hostProblem();
if (problem !== null) console.warn(`host differential test skipped: ${problem}`);

/** A read-only file as the snapshot names it: enough for the VMA rules (identity, no writes). */
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
    return {
      start: e.start,
      end: e.end,
      prot: e.prot,
      flags: e.share === "p" ? MAP_PRIVATE : MAP_SHARED,
      pgoff: e.offset / PAGE_SIZE,
      file,
      name: isFile ? null : e.name,
    };
  });
}

interface HostRun {
  /** The program's open files by fd: one struct file each, as the kernel keeps them. */
  files: Map<number, MmapFile>;
  brk0: number;
  initialMaps: string;
  calls: Array<{ line: number; text: string; name: string; args: number[]; result: number }>;
  finalMaps: string;
}

function parseRun(out: string): HostRun {
  const lines = out.split("\n");
  const files = new Map<number, MmapFile>();
  let i = 0;
  for (; lines[i]!.startsWith("file "); i++) {
    const [, fd, mode, major, minor, ino, path] = lines[i]!.split(" ");
    const f = snapshotFile(path!, parseInt(major!, 16), parseInt(minor!, 16), Number(ino));
    files.set(Number(fd), { ...f, writable: mode === "rw" });
  }
  const brk0 = parseInt(lines[i]!.split(" ")[1]!, 16);
  const blocks: string[] = [];
  const calls: HostRun["calls"] = [];
  for (i++; i < lines.length; i++) {
    if (lines[i] === "maps-begin") {
      const end = lines.indexOf("maps-end", i);
      blocks.push(lines.slice(i + 1, end).join("\n") + "\n");
      i = end;
      continue;
    }
    const m = /^(\w+) (.*) = (-?[0-9a-f]+)$/.exec(lines[i]!);
    if (m === null) continue;
    // every argument is hex but mmap's fd, which the program prints in decimal
    const args = m[2]!.split(" ").map((a, k) => (a === "-1" ? -1 : m[1] === "mmap" && k === 4 ? parseInt(a, 10) : parseInt(a, 16)));
    const result = m[3]!.startsWith("-") ? -parseInt(m[3]!.slice(1), 10) : parseInt(m[3]!, 16);
    calls.push({ line: i + 1, text: lines[i]!, name: m[1]!, args, result });
  }
  return { files, brk0, initialMaps: blocks[0]!, calls, finalMaps: blocks[1]! };
}

/** The syscall layer's part of mmap(2) until @mmsim/kernel exists: offset alignment, then the fd. */
function sysMmap(be: MmuBackend, mm: number, files: Map<number, MmapFile>, [addr, len, prot, flags, fd, off]: number[]): number {
  if (off! % PAGE_SIZE !== 0) return -EINVAL;
  let file: MmapFile | null = null;
  if (!(flags! & MAP_ANONYMOUS)) {
    file = files.get(fd!) ?? null;
    if (file === null) return -EBADF;
  }
  return be.mmap(mm, { addr: addr!, len: len!, prot: prot!, flags: flags!, pgoff: off! / PAGE_SIZE, file });
}

function replay(run: HostRun): { mismatches: string[]; maps: string; initialMaps: string } {
  const be = newBackend(process.env.MMSIM_DIFF_TREE === "reference" ? { treeFactory: createSortedArrayVmaTree } : {});
  const mm = be.mmNew();
  expect(be.mmExec(mm, { areas: areasFromMaps(run.initialMaps), startBrk: run.brk0, mmapBase: be.config.mmapBase })).toBe(0);
  const initialMaps = be.maps(mm);
  const mismatches: string[] = [];
  for (const c of run.calls) {
    const a = c.args;
    let got: number;
    switch (c.name) {
      case "mmap":
        got = sysMmap(be, mm, run.files, a);
        break;
      case "munmap":
        got = be.munmap(mm, a[0]!, a[1]!);
        break;
      case "mprotect":
        got = be.mprotect(mm, a[0]!, a[1]!, a[2]!);
        break;
      case "mremap":
        got = be.mremap(mm, a[0]!, a[1]!, a[2]!, a[3]!, a[4]!);
        break;
      case "brk":
        got = be.brk(mm, a[0]!);
        break;
      case "madvise":
        got = be.madvise(mm, a[0]!, a[1]!, a[2]!);
        break;
      default:
        throw new Error(`unknown call on line ${c.line}: ${c.text}`);
    }
    be.assertValid();
    if (got !== c.result) mismatches.push(`line ${c.line}: ${c.text} — mmsim returned ${got < 0 ? got : got.toString(16)}`);
  }
  return { mismatches, maps: be.maps(mm), initialMaps };
}

/** Shared anonymous memory's inode numbers are the host's own; compare everything else. */
function withoutShmemInodes(maps: string): string {
  return maps.replace(/ 00:01 \d+ +\/dev\/zero \(deleted\)/g, " 00:01 ? /dev/zero (deleted)");
}

describe.skipIf(problem !== null)("MMU backend against the host kernel (setarch -R, raw syscalls)", () => {
  let bin = "";
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mmsim-mmops-"));
    bin = join(dir, "mmops");
    const cc = spawnSync("gcc", ["-O2", "-Wall", "-o", bin, join(import.meta.dirname, "host", "mmops.c")], { encoding: "utf8" });
    expect(cc.stderr).toBe("");
    expect(cc.status).toBe(0);
  });

  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  it.each(seeds)("seed %i: same results and same final maps", (seed) => {
    // odd seeds also map a file, through a read-write and a read-only fd
    const files = seed % 2 === 1 ? ` "${dir}"` : "";
    const host = spawnSync("sh", ["-c", `ulimit -s 8192; exec setarch -R "${bin}" ${seed} ${OPS}${files}`], { encoding: "utf8" });
    expect(host.status, host.stderr).toBe(0);
    const run = parseRun(host.stdout);
    expect(run.calls.length).toBe(OPS);
    if (files !== "") expect(run.calls.some((c) => c.name === "mmap" && c.args[4]! >= 0 && c.result > 0)).toBe(true);
    const { mismatches, maps, initialMaps } = replay(run);
    expect(initialMaps).toBe(run.initialMaps);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(withoutShmemInodes(maps)).toBe(withoutShmemInodes(run.finalMaps));
  });
});
