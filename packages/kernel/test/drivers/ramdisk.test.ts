/** The ramdisk: a blockdev whose array is allocated contiguously up front, mapped directly on NOMMU without a truncate. */
import { describe, expect, it } from "vitest";
import {
  AT_FDCWD,
  EINVAL,
  ENOSPC,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_RDWR,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  S_IFBLK,
} from "@mmsim/mm-types";
import { RAMDISK_MAJOR, createRamdisk } from "../../src/index.js";
import type { Ramdisk } from "../../src/index.js";
import { exitAll, makeWorld, pattern, peek, poke, spawn, sys } from "./world.js";

const P = PAGE_SIZE;
const RW = PROT_READ | PROT_WRITE;

function diskWorld(backend: "mmu" | "nommu") {
  const w = makeWorld(backend);
  const disk = createRamdisk(w.kernel, { size: 4 * P }) as Ramdisk;
  const tid = spawn(w.kernel);
  const fd = sys(w.kernel, tid, NR.openat, AT_FDCWD, "/dev/ram0", O_RDWR, 0);
  const buf = sys(w.kernel, tid, NR.mmap, 0, P, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return { ...w, disk, tid, fd, buf };
}

describe.each(["mmu", "nommu"] as const)("ramdisk on %s", (backend) => {
  it("is a block device 1:0 whose size is its array's, which ftruncate can't change", () => {
    const { kernel, disk, tid, fd } = diskWorld(backend);
    expect([disk.inode.type, disk.inode.devMajor, disk.inode.devMinor, disk.inode.size]).toEqual([S_IFBLK, RAMDISK_MAJOR, 0, 4 * P]);
    expect(sys(kernel, tid, NR.ftruncate, fd, 0)).toBe(-EINVAL);
    expect(createRamdisk(kernel, { size: P })).toBeLessThan(0);
  });

  it("reads and writes the array; a write at the end is ENOSPC", () => {
    const { kernel, disk, tid, fd, buf } = diskWorld(backend);
    poke(kernel, tid, buf, pattern(64));
    expect(sys(kernel, tid, NR.write, fd, buf, 64)).toBe(64);
    const seen = new Uint8Array(64);
    disk.memory.read(0, seen);
    expect(seen).toEqual(pattern(64));
    expect(sys(kernel, tid, NR.pread64, fd, buf, 64, 4 * P)).toBe(0);
    const end = sys(kernel, tid, NR.openat, AT_FDCWD, "/dev/ram0", O_RDWR, 0);
    for (let i = 0; i < 4; i++) expect(sys(kernel, tid, NR.write, end, buf, P)).toBe(P);
    expect(sys(kernel, tid, NR.write, end, buf, 8)).toBe(-ENOSPC);
    expect(disk.inode.size).toBe(4 * P);
  });

  it("a shared mapping shows the array and writes into it; the mapping count returns to 0", () => {
    const { kernel, disk, tid, fd } = diskWorld(backend);
    disk.memory.write(P, pattern(32, 7));
    const a = sys(kernel, tid, NR.mmap, 0, 4 * P, RW, MAP_SHARED, fd, 0);
    if (backend === "nommu") expect(a).toBe(disk.memory.base);
    expect(peek(kernel, tid, a + P, 32)).toEqual(pattern(32, 7));
    poke(kernel, tid, a + 3 * P, pattern(8, 9));
    const seen = new Uint8Array(8);
    disk.memory.read(3 * P, seen);
    expect(seen).toEqual(pattern(8, 9));
    expect(disk.mappings.count).toBe(1);
    exitAll(kernel);
    expect(disk.mappings.count).toBe(0);
  });
});

describe("ramdisk on NOMMU", () => {
  it("maps private read-only directly, private writable as a copy, and refuses to run past the disk", () => {
    const { kernel, disk, tid, fd } = diskWorld("nommu");
    expect(sys(kernel, tid, NR.mmap, 0, 2 * P, PROT_READ, MAP_PRIVATE, fd, P)).toBe(disk.memory.base + P);
    expect(sys(kernel, tid, NR.mmap, 0, 2 * P, RW, MAP_PRIVATE, fd, 0)).not.toBe(disk.memory.base);
    expect(sys(kernel, tid, NR.mmap, 0, 2 * P, RW, MAP_SHARED, fd, 3 * P)).toBe(-EINVAL);
  });
});
