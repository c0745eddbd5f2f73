/**
 * The table of Documentation/nommu-mmap.txt (the seed), NOMMU column, as one matrix: each row maps
 * a kind of object in a given way from two processes and reports what the kernel made of it — a
 * private copy, a direct mapping of the object's own memory, or the error — and whether the second
 * process got the first one's address. The MMU column is the MMU backend's to run.
 */
import { describe, expect, it } from "vitest";
import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  S_IFBLK,
  S_IFCHR,
  VM_MAPPED_COPY,
  errnoName,
} from "@mmsim/mm-types";
import type { MmapFile, MmapRequest } from "@mmsim/mm-types";
import { BlockFile, Framebuffer, P, RamfsInode, RomfsFile, identity, makeWorld, pattern } from "./fakes.js";
import type { World } from "./fakes.js";
import { regionAt } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;

/** A memory-backed block device: a ramdisk that allocated all its memory contiguously up front. */
function ramdisk(w: World): MmapFile {
  const base = w.alloc.allocPagesExact(8 * P) * P;
  const id = identity("/dev/ram0", 1, 0);
  return {
    identity: id,
    inodeType: S_IFBLK,
    readable: true,
    writable: true,
    appendOnly: false,
    noexec: false,
    size: () => 8 * P,
    read: () => 0,
    ops: {
      mmapCapabilities: () => NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE,
      getUnmappedArea: (_a, len, pgoff) => (pgoff * P + len > 8 * P ? -22 : base + pgoff * P),
      mmap: () => 0,
    },
  };
}

/** A chardev whose driver offers no memory: no get_unmapped_area, so no direct mapping. */
function plainChardev(): MmapFile {
  return { identity: identity("/dev/ttyS0", 4, 64), inodeType: S_IFCHR, readable: true, writable: true, appendOnly: false, noexec: false, size: () => 0, read: () => 0, ops: { mmap: () => 0 } };
}

type Maker = (w: World) => MmapFile | null;

const ROWS: readonly (readonly [string, Maker, number, number, string])[] = [
  ["anonymous, MAP_PRIVATE", () => null, RW, MAP_PRIVATE, "copy, copy, apart"],
  ["anonymous, MAP_SHARED (as MAP_PRIVATE: no fork)", () => null, RW, MAP_SHARED, "copy, copy, apart"],
  ["file, MAP_PRIVATE, read-only: the segment is re-used", () => new BlockFile("/lib/libc.so", pattern(4 * P)).open(), PROT_READ, MAP_PRIVATE, "copy, copy, same address"],
  ["file, MAP_PRIVATE, read+exec on an XIP fs: directly on the device", (w) => new RomfsFile(w, pattern(4 * P)).open(), PROT_READ | PROT_EXEC, MAP_PRIVATE, "direct, direct, same address"],
  ["file, MAP_PRIVATE, writable: always a fresh copy", () => new BlockFile("/lib/libc.so", pattern(4 * P)).open({ writable: true }), RW, MAP_PRIVATE, "copy, copy, apart"],
  ["regular file, MAP_SHARED: not supported", () => new BlockFile("/data", pattern(4 * P)).open({ writable: true }), RW, MAP_SHARED, "ENODEV, ENODEV, apart"],
  ["block device, MAP_SHARED: not supported", () => ({ ...new BlockFile("/dev/sda", pattern(4 * P)).open({ writable: true }), inodeType: S_IFBLK }), RW, MAP_SHARED, "ENODEV, ENODEV, apart"],
  ["memory-backed file, MAP_SHARED, after open/truncate", (w) => ramfsFile(w, 4 * P), RW, MAP_SHARED, "direct, direct, same address"],
  ["memory-backed file, MAP_SHARED, not truncated: denied", (w) => ramfsFile(w, 0), RW, MAP_SHARED, "ENODEV, ENODEV, apart"],
  ["memory-backed blockdev, MAP_SHARED", (w) => ramdisk(w), RW, MAP_SHARED, "direct, direct, same address"],
  ["memory-backed chardev (framebuffer), MAP_SHARED", (w) => new Framebuffer(w, 4 * P).open(), RW, MAP_SHARED, "direct, direct, same address"],
  ["chardev whose driver gives no memory, MAP_SHARED: denied", () => plainChardev(), RW, MAP_SHARED, "ENODEV, ENODEV, apart"],
];

function ramfsFile(w: World, size: number): MmapFile {
  const f = new RamfsInode("/dev/shm/posix", w);
  if (size > 0) f.truncate(size);
  return f.open({ writable: true });
}

describe("Documentation/nommu-mmap.txt, the NOMMU column", () => {
  it.each(ROWS)("%s", (_row, make, prot, flags, want) => {
    const w = makeWorld();
    const file = make(w);
    const req: MmapRequest = { addr: 0, len: 4 * P, prot, flags: file === null ? flags | MAP_ANONYMOUS : flags, pgoff: 0, file };
    const [m1, m2] = [w.nommu.mmNew(), w.nommu.mmNew()];
    const outcome = (a: number): string => (a < 0 ? (errnoName(-a) ?? String(a)) : regionAt(w.nommu, a)!.vmFlags & VM_MAPPED_COPY ? "copy" : "direct");
    const a = w.nommu.mmap(m1, req);
    const b = w.nommu.mmap(m2, req);
    w.nommu.assertValid();
    expect(`${outcome(a)}, ${outcome(b)}, ${a > 0 && a === b ? "same address" : "apart"}`).toBe(want);
  });
});
