/** /dev/null: EOF on read, writes swallowed, no mmap (ENODEV) on either backend. */
import { describe, expect, it } from "vitest";
import { AT_FDCWD, EEXIST, ENODEV, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, NR, O_RDWR, PAGE_SIZE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { DEV_NULL, createDevNull } from "../../src/index.js";
import type { Inode } from "../../src/index.js";
import { makeWorld, spawn, sys } from "./world.js";

describe.each(["mmu", "nommu"] as const)("/dev/null on %s", (backend) => {
  it("reads nothing, swallows writes and can't be mapped", () => {
    const { kernel } = makeWorld(backend);
    const inode = createDevNull(kernel) as Inode;
    expect([inode.devMajor, inode.devMinor, inode.mode & 0o777]).toEqual([DEV_NULL.major, DEV_NULL.minor, 0o666]);
    expect(createDevNull(kernel)).toBe(-EEXIST);
    const tid = spawn(kernel);
    const fd = sys(kernel, tid, NR.openat, AT_FDCWD, "/dev/null", O_RDWR, 0);
    const buf = sys(kernel, tid, NR.mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect(sys(kernel, tid, NR.read, fd, buf, 100)).toBe(0);
    expect(sys(kernel, tid, NR.write, fd, buf, 100)).toBe(100);
    expect(sys(kernel, tid, NR.mmap, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0)).toBe(-ENODEV);
    expect(sys(kernel, tid, NR.mmap, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0)).toBe(-ENODEV);
  });
});
