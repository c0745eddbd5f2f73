/**
 * /proc/<pid>/smaps of the MMU backend against the host kernel: test/host/smaps.c maps a few areas
 * at fixed addresses, touches known pages (zero-page reads, writes, a split by mprotect, mlock,
 * MADV_DONTNEED, MAP_POPULATE, PROT_NONE), forks a child that writes and reads some of them, and
 * prints the smaps blocks of those areas in the child and then in the parent. The same calls on
 * mmsim must print the same blocks byte for byte (the shmem inode number aside). Skipped, saying
 * why, without Linux or gcc.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  MADV_DONTNEED,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  PAGE_SIZE as P,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import { bytes, newMmu } from "./helpers.js";

const W = 0x300000000;
const RW = PROT_READ | PROT_WRITE;

const problem = process.platform !== "linux" ? "the host is not Linux" : spawnSync("sh", ["-c", "command -v gcc"]).status !== 0 ? "the host has no gcc" : null;
if (problem !== null) console.warn(`smaps host test skipped: ${problem}`);

/** The smaps.c calls on mmsim; returns the window's smaps of the child and of the parent. */
function simulate(): { child: string; parent: string; leaked: number } {
  const { be, node } = newMmu();
  const free0 = node.freePagesCount();
  const mm = be.mmNew();
  const map = (off: number, pages: number, prot: number, flags: number): void => {
    expect(be.mmap(mm, { addr: W + off * P, len: pages * P, prot, flags: flags | MAP_FIXED, pgoff: 0, file: null })).toBe(W + off * P);
  };
  const { poke, peek } = bytes(be, mm);
  map(0, 8, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  [0, 2, 3].forEach((i) => poke(W + i * P, 1));
  peek(W + P);
  map(16, 4, RW, MAP_SHARED | MAP_ANONYMOUS);
  poke(W + 16 * P, 1);
  peek(W + 17 * P);
  map(32, 4, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  for (let i = 0; i < 4; i++) poke(W + (32 + i) * P, 1);
  expect(be.mprotect(mm, W + 33 * P, P, PROT_READ)).toBe(0);
  map(48, 4, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  poke(W + 48 * P, 1);
  poke(W + 49 * P, 1);
  expect(be.mlock(mm, W + 48 * P, 2 * P, true)).toBe(0);
  map(64, 4, RW, MAP_PRIVATE | MAP_ANONYMOUS);
  for (let i = 0; i < 4; i++) poke(W + (64 + i) * P, 1);
  expect(be.madvise(mm, W + 65 * P, 2 * P, MADV_DONTNEED)).toBe(0);
  map(80, 3, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
  map(96, 2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
  be.assertValid();
  const child = be.mmDup(mm);
  const c = bytes(be, child);
  c.poke(W, 2);
  c.peek(W + 2 * P);
  c.poke(W + 17 * P, 2);
  be.assertValid();
  const childText = be.showSmaps(child);
  be.mmRelease(child);
  const parentText = be.showSmaps(mm);
  be.mmRelease(mm);
  be.assertValid();
  return { child: childText, parent: parentText, leaked: free0 - node.freePagesCount() };
}

const maskShmemIno = (t: string): string => t.replace(/ 00:01 \d+ +\/dev\/zero \(deleted\)/g, " 00:01 ? /dev/zero (deleted)");

describe("smaps of anonymous memory against the host kernel", () => {
  it("an empty mm prints nothing, a mapping with nothing touched has no Rss", () => {
    const { be } = newMmu();
    const mm = be.mmNew();
    expect(be.showSmaps(mm)).toBe("");
    be.mmap(mm, { addr: W, len: P, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, pgoff: 0, file: null });
    expect(be.showSmaps(mm)).toContain("\nRss:                   0 kB\n");
  });

  it.skipIf(problem !== null)("prints the same blocks as Linux in the child and the parent", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmsim-smaps-"));
    const bin = join(dir, "smaps");
    const cc = spawnSync("gcc", ["-O2", "-Wall", "-o", bin, join(import.meta.dirname, "host", "smaps.c")], { encoding: "utf8" });
    expect(cc.stderr).toBe("");
    const host = spawnSync(bin, [], { encoding: "utf8" });
    expect(host.status, host.stderr).toBe(0);
    const section = (tag: string): string => host.stdout.slice(host.stdout.indexOf(`${tag}-begin\n`) + tag.length + 7, host.stdout.indexOf(`${tag}-end\n`));
    const sim = simulate();
    expect(maskShmemIno(sim.child)).toBe(maskShmemIno(section("child")));
    expect(maskShmemIno(sim.parent)).toBe(maskShmemIno(section("parent")));
    expect(sim.leaked).toBe(0);
  });
});
