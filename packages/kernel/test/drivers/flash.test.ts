/**
 * The flash chip and the seed's warning: no mapping may show the status a busy chip puts on its
 * array. Programming can't start under a mapping; while it lasts, private mappings are copies of the
 * data and shared ones fail.
 */
import { describe, expect, it } from "vitest";
import {
  AT_FDCWD,
  EBUSY,
  EINVAL,
  ENODEV,
  ENOSPC,
  ENOSYS,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_RDONLY,
  O_RDWR,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import { FLASH_STATUS_BYTE, MTD_CHAR_MAJOR, createFlash } from "../../src/index.js";
import type { Flash } from "../../src/index.js";
import { exitAll, makeWorld, pattern, peek, poke, spawn, sys } from "./world.js";

const P = PAGE_SIZE;
const RX = PROT_READ | PROT_EXEC;
const DATA = pattern(4 * P, 21);

function flashWorld(backend: "mmu" | "nommu") {
  const w = makeWorld(backend);
  const flash = createFlash(w.kernel, { data: DATA }) as Flash;
  const tid = spawn(w.kernel);
  const fd = sys(w.kernel, tid, NR.openat, AT_FDCWD, "/dev/mtd0", O_RDONLY, 0);
  return { ...w, flash, tid, fd };
}

function arrayBytes(flash: Flash, offset: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  flash.chip.memory.read(offset, b);
  return b;
}

describe("the chip", () => {
  it("shows status on its array while programming, data through read(2), and the new data after", () => {
    const { kernel, flash, tid, fd } = flashWorld("nommu");
    expect(flash.inode.devMajor).toBe(MTD_CHAR_MAJOR);
    expect(flash.chip.program(0, pattern(4))).toBe(-EINVAL);
    expect(flash.chip.startProgramming()).toBe(0);
    expect(flash.chip.startProgramming()).toBe(-EBUSY);
    expect(arrayBytes(flash, 100, 4)).toEqual(new Uint8Array(4).fill(FLASH_STATUS_BYTE));
    const buf = sys(kernel, tid, NR.mmap, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect(sys(kernel, tid, NR.pread64, fd, buf, 4, 100)).toBe(4);
    expect(peek(kernel, tid, buf, 4)).toEqual(DATA.subarray(100, 104));
    expect(flash.chip.program(P, pattern(8, 99))).toBe(8);
    expect(flash.chip.program(4 * P - 4, pattern(8))).toBe(-EINVAL);
    expect(flash.chip.finishProgramming()).toBe(0);
    expect(flash.chip.finishProgramming()).toBe(-EINVAL);
    expect(arrayBytes(flash, P, 8)).toEqual(pattern(8, 99));
    expect(arrayBytes(flash, 100, 4)).toEqual(DATA.subarray(100, 104));
  });

  it("get_unmapped_area checks the range first (EINVAL), then the mode (ENOSYS)", () => {
    const { flash } = flashWorld("nommu");
    expect(flash.chip.getUnmappedArea(0, 2 * P, 2)).toBe(flash.chip.memory.base + 2 * P);
    expect(flash.chip.getUnmappedArea(0, 2 * P, 3)).toBe(-EINVAL);
    expect(flash.chip.getUnmappedArea(0, 5 * P, 0)).toBe(-EINVAL);
    expect(flash.chip.getUnmappedArea(P, P, 0)).toBe(-EINVAL);
    flash.chip.startProgramming();
    expect(flash.chip.getUnmappedArea(0, 2 * P, 3)).toBe(-EINVAL);
    expect(flash.chip.getUnmappedArea(0, P, 0)).toBe(-ENOSYS);
  });
});

describe.each(["mmu", "nommu"] as const)("flash on %s", (backend) => {
  it("can't start programming while a mapping shows its array (EBUSY), nor take write(2)", () => {
    const { kernel, flash, tid, fd } = flashWorld(backend);
    const a = sys(kernel, tid, NR.mmap, 0, 2 * P, RX, MAP_PRIVATE, fd, 0);
    if (backend === "nommu") expect(a).toBe(flash.chip.memory.base);
    expect(flash.chip.startProgramming()).toBe(-EBUSY);
    const wfd = sys(kernel, tid, NR.openat, AT_FDCWD, "/dev/mtd0", O_RDWR, 0);
    const buf = sys(kernel, tid, NR.mmap, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect(sys(kernel, tid, NR.write, wfd, buf, 16)).toBe(-EBUSY);
    sys(kernel, tid, NR.munmap, a, 2 * P);
    expect(flash.chip.mappings.count).toBe(0);
    poke(kernel, tid, buf, pattern(16, 5));
    expect(sys(kernel, tid, NR.write, wfd, buf, 16)).toBe(16);
    expect(arrayBytes(flash, 0, 16)).toEqual(pattern(16, 5));
    for (let i = 1; i < 4; i++) sys(kernel, tid, NR.write, wfd, buf, P);
    expect(sys(kernel, tid, NR.write, wfd, buf, P)).toBe(P - 16);
    expect(sys(kernel, tid, NR.write, wfd, buf, 1)).toBe(-ENOSPC);
    exitAll(kernel);
  });
});

describe("flash being programmed", () => {
  it("NOMMU: a shared mapping is ENODEV, a private executable one a copy of the data", () => {
    const { kernel, flash, tid, fd } = flashWorld("nommu");
    expect(flash.chip.startProgramming()).toBe(0);
    expect(sys(kernel, tid, NR.mmap, 0, P, PROT_READ, MAP_SHARED, fd, 0)).toBe(-ENODEV);
    const a = sys(kernel, tid, NR.mmap, 0, 2 * P, RX, MAP_PRIVATE, fd, 0);
    expect(a).not.toBe(flash.chip.memory.base);
    expect(peek(kernel, tid, a + 8, 8)).toEqual(DATA.subarray(8, 16));
    // the copy's region is shareable, and do_mmap() lets a later shared request use it (still data)
    expect(sys(kernel, tid, NR.mmap, 0, P, PROT_READ, MAP_SHARED, fd, 0)).toBe(a);
    expect(flash.chip.mappings.count).toBe(0);
  });

  it("MMU: nothing turns the driver's ENOSYS into a copy, so mmap(2) fails with it", () => {
    const { kernel, flash, tid, fd } = flashWorld("mmu");
    flash.chip.startProgramming();
    expect(sys(kernel, tid, NR.mmap, 0, 2 * P, RX, MAP_PRIVATE, fd, 0)).toBe(-ENOSYS);
    expect(sys(kernel, tid, NR.mmap, 0, P, PROT_READ, MAP_SHARED, fd, 0)).toBe(-ENOSYS);
  });
});
