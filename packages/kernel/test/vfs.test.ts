import { describe, expect, it } from "vitest";
import {
  EBADF,
  EEXIST,
  EFAULT,
  EINVAL,
  EISDIR,
  EMFILE,
  ENOENT,
  ENOTDIR,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  PAGE_SIZE,
  VM_SHARED,
} from "@mmsim/mm-types";
import type { IMmapEntry } from "@mmsim/mm-types";
import type { Kernel } from "../src/index.js";
import { fakeKernel } from "./fakes.js";

const AT_FDCWD = -100;

function withInit(): Kernel {
  const { kernel } = fakeKernel();
  kernel.createProcess({ pid: 1 });
  return kernel;
}

describe("fd table", () => {
  it("gives the lowest free fd, and dup/dup2/dup3 follow Linux's checks", () => {
    const k = withInit();
    const a = k.openat(1, AT_FDCWD, "/dev/zero", O_RDONLY, 0);
    const b = k.openat(1, AT_FDCWD, "/dev/zero", O_RDONLY, 0);
    expect([a, b]).toEqual([0, 1]);
    expect(k.close(1, 0)).toBe(0);
    expect(k.dup(1, 1)).toBe(0);
    expect(k.close(1, 0)).toBe(0);
    expect(k.close(1, 0)).toBe(-EBADF);
    expect(k.dup2(1, 1, 1)).toBe(1);
    expect(k.dup2(1, 7, 7)).toBe(-EBADF);
    expect(k.dup2(1, 1, 9)).toBe(9);
    expect(k.dup3(1, 1, 1, 0)).toBe(-EINVAL);
    expect(k.dup3(1, 1, 2, 0o1)).toBe(-EINVAL);
    expect(k.dup3(1, 1, 1024, 0)).toBe(-EBADF);
    expect(k.dup2(1, 1, -1)).toBe(-EBADF);
    k.assertValid();
  });

  it("runs out at RLIMIT_NOFILE with EMFILE", () => {
    const k = withInit();
    for (let i = 0; i < 1024; i++) expect(k.openat(1, AT_FDCWD, "/dev/zero", O_RDONLY, 0)).toBe(i);
    expect(k.openat(1, AT_FDCWD, "/dev/zero", O_RDONLY, 0)).toBe(-EMFILE);
    expect(k.dup(1, 0)).toBe(-EMFILE);
  });

  it("a forked table shares open files; closing one side keeps the other's", () => {
    const k = withInit();
    const fd = k.openat(1, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0o644) as number;
    const child = k.fork(1) as number;
    expect(k.close(1, fd)).toBe(0);
    expect(k.task(child)!.files.get(fd)!.inode.path).toBe("/f");
    k.assertValid();
  });
});

describe("open", () => {
  it.each([
    ["a missing file", "/missing", O_RDONLY, -ENOENT],
    ["O_CREAT|O_EXCL on an existing file", "/dev/zero", O_RDWR | O_CREAT | O_EXCL, -EEXIST],
    ["O_DIRECTORY on a file", "/dev/zero", O_RDONLY | O_DIRECTORY, -ENOTDIR],
    ["a directory for writing", "/", O_WRONLY, -EISDIR],
    ["O_CREAT|O_DIRECTORY", "/new", O_CREAT | O_DIRECTORY, -EINVAL],
    ["O_CREAT on a directory", "/", O_CREAT, -EISDIR],
    ["O_TRUNC on a directory", "/", O_TRUNC, -EISDIR],
    ["an empty path", "", O_RDONLY, -ENOENT],
  ])("%s", (_name, path, flags, errno) => {
    const k = withInit();
    expect(k.openat(1, AT_FDCWD, path, flags, 0)).toBe(errno);
  });

  it("resolves relative paths against a directory fd, and refuses a non-directory one", () => {
    const k = withInit();
    const root = k.openat(1, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY, 0) as number;
    const zero = k.openat(1, AT_FDCWD, "/dev/zero", O_RDONLY, 0) as number;
    expect(k.openat(1, root, "dev/zero", O_RDONLY, 0)).toBeGreaterThan(0);
    expect(k.openat(1, zero, "x", O_RDONLY, 0)).toBe(-ENOTDIR);
    expect(k.openat(1, 77, "x", O_RDONLY, 0)).toBe(-EBADF);
    expect(k.openat(1, 77, "/dev/zero", O_RDONLY, 0)).toBeGreaterThan(0);
  });

  it("asks onMissingFile before ENOENT (the replay's files)", () => {
    const { kernel } = fakeKernel({
      onMissingFile: (path) => (path.startsWith("/usr/") ? { mode: 0o100644, driver: blockdevFilePlaceholder(), size: 8192, devMajor: 0x103, ino: 77 } : null),
    });
    kernel.createProcess({ pid: 1 });
    expect(kernel.openat(1, AT_FDCWD, "/etc/x", O_RDONLY, 0)).toBe(-ENOENT);
    const fd = kernel.openat(1, AT_FDCWD, "/usr/lib/libc.so.6", O_RDONLY, 0) as number;
    const inode = kernel.task(1)!.files.get(fd)!.inode;
    expect([inode.ino, inode.devMajor, inode.size]).toEqual([77, 0x103, 8192]);
  });
});

function blockdevFilePlaceholder() {
  return { name: "t", read: (_i: unknown, _o: number, dst: Uint8Array) => dst.length, write: (_i: unknown, _o: number, s: Uint8Array) => s.length };
}

describe("ftruncate", () => {
  it("checks length, fd, type and mode in do_sys_ftruncate's order", () => {
    const k = withInit();
    const ro = k.openat(1, AT_FDCWD, "/f", O_RDONLY | O_CREAT, 0o644) as number;
    const dir = k.openat(1, AT_FDCWD, "/", O_RDONLY, 0) as number;
    expect(k.ftruncate(1, 99, -1)).toBe(-EINVAL);
    expect(k.ftruncate(1, 99, 0)).toBe(-EBADF);
    expect(k.ftruncate(1, ro, 10)).toBe(-EINVAL);
    expect(k.ftruncate(1, dir, 10)).toBe(-EINVAL);
    const rw = k.openat(1, AT_FDCWD, "/f", O_RDWR, 0) as number;
    expect(k.ftruncate(1, rw, 10)).toBe(0);
    expect(k.vfs.lookup("/f")!.size).toBe(10);
  });
});

describe("page cache", () => {
  it("read sees what a shared mapping wrote into the cached page, and write updates it", () => {
    const k = withInit();
    const fd = k.openat(1, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0o644) as number;
    const inode = k.task(1)!.files.get(fd)!.inode;
    expect(k.ftruncate(1, fd, 2 * PAGE_SIZE)).toBe(0);
    const pfn = k.vfs.fault(inode, 1);
    expect(pfn).toBeGreaterThanOrEqual(0);
    k.physMem.writeBytes(pfn * PAGE_SIZE + 5, Uint8Array.of(7, 8, 9));
    const out = new Uint8Array(3);
    expect(k.vfs.read(inode, PAGE_SIZE + 5, out)).toBe(3);
    expect([...out]).toEqual([7, 8, 9]);
    k.vfs.write(inode, PAGE_SIZE + 6, Uint8Array.of(42));
    const back = new Uint8Array(1);
    k.physMem.readBytes(pfn * PAGE_SIZE + 6, back);
    expect(back[0]).toBe(42);
    expect(k.vfs.fault(inode, 2)).toBe(-1);
    k.pages.putPage(pfn);
    k.assertValid();
  });

  it("a shrinking truncate zaps every mapping past the end, drops cached pages and zeroes the tail", () => {
    const k = withInit();
    const fd = k.openat(1, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0o644) as number;
    const inode = k.task(1)!.files.get(fd)!.inode;
    k.ftruncate(1, fd, 4 * PAGE_SIZE);
    const free0 = k.pages.freePagesCount();
    for (const idx of [0, 1, 3]) k.pages.putPage(k.vfs.fault(inode, idx));
    const zapped: Array<[number, number]> = [];
    const entry = (vmPgoff: number, pages: number): IMmapEntry => ({
      mmId: 1,
      vmStart: 0x10000,
      vmEnd: 0x10000 + pages * PAGE_SIZE,
      vmPgoff,
      vmFlags: VM_SHARED,
      zapPages: (first) => zapped.push([vmPgoff, first]),
    });
    inode.mapping.vmaLink(entry(0, 1));
    inode.mapping.vmaLink(entry(1, 3));
    k.physMem.writeBytes(k.vfs.lookup("/f")!.pageCache.get(1)! * PAGE_SIZE + 100, Uint8Array.of(1, 2, 3));
    expect(k.ftruncate(1, fd, PAGE_SIZE + 101)).toBe(0);
    expect(zapped).toEqual([[1, 2]]);
    expect([...inode.pageCache.keys()]).toEqual([0, 1]);
    expect(k.pages.freePagesCount()).toBe(free0 - 2);
    // growing again must not bring back the bytes that were cut off
    expect(k.ftruncate(1, fd, 2 * PAGE_SIZE)).toBe(0);
    const tail = new Uint8Array(3);
    expect(k.vfs.read(inode, PAGE_SIZE + 100, tail)).toBe(3);
    expect([...tail]).toEqual([1, 0, 0]);
    k.assertValid();
  });
});

describe("read and write through user memory", () => {
  it("copy file bytes to and from the task's memory; a bad buffer is EFAULT", () => {
    const k = withInit();
    const fd = k.openat(1, AT_FDCWD, "/f", O_RDWR | O_CREAT | O_TRUNC, 0o644) as number;
    k.backend.writeUser(k.task(1)!.mm.mmId, 0x1000, Uint8Array.of(1, 2, 3, 4));
    expect(k.write(1, fd, 0x1000, 4)).toBe(4);
    expect(k.write(1, fd, 0, 4)).toBe(-EFAULT);
    expect(k.read(1, fd, 0x2000, 10, 1)).toBe(3);
    const out = new Uint8Array(3);
    k.backend.readUser(k.task(1)!.mm.mmId, 0x2000, out);
    expect([...out]).toEqual([2, 3, 4]);
    const wo = k.openat(1, AT_FDCWD, "/f", O_WRONLY, 0) as number;
    expect(k.read(1, wo, 0x2000, 1)).toBe(-EBADF);
  });
});
