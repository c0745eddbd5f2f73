/**
 * The XIP romfs: its image in ROM, read-only files, and NOMMU mappings that run in place — directly
 * on the file's bytes in ROM for read-only and executable private (and shared read-only) mappings, a
 * copy for writable private ones — while MMU reads the ROM into the page cache.
 */
import { describe, expect, it } from "vitest";
import {
  AT_FDCWD,
  EEXIST,
  EINVAL,
  EROFS,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import { MTD_BLOCK_MAJOR, ROMFH_SIZE, createRomfs } from "../../src/index.js";
import type { RomfsImage } from "../../src/index.js";
import { firstDiff, makeWorld, pattern, peek, spawn, sys } from "./world.js";

const P = PAGE_SIZE;
const RX = PROT_READ | PROT_EXEC;

const FILES = [
  { name: "init", data: pattern(100, 2), exec: true },
  { name: "busybox", data: pattern(3 * P - 7, 3), exec: true },
  { name: "motd", data: pattern(40, 4) },
];

function romWorld(backend: "mmu" | "nommu", dataAlign?: number) {
  const w = makeWorld(backend);
  const fs = createRomfs(w.kernel, { files: FILES, ...(dataAlign !== undefined ? { dataAlign } : {}) }) as RomfsImage;
  const tid = spawn(w.kernel);
  return { ...w, fs, tid };
}

function be32(bytes: Uint8Array, off: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(off, false);
}

describe("the romfs image", () => {
  it("is a romfs: magic, size, checksums that sum to zero, headers chained, data where the entries say", () => {
    const { kernel, fs } = romWorld("nommu");
    const img = new Uint8Array(fs.imageSize);
    kernel.physMem.readBytes(fs.rom.base, img);
    expect(new TextDecoder().decode(img.subarray(0, 8))).toBe("-rom1fs-");
    expect(be32(img, 8)).toBe(fs.imageSize);
    let sum = 0;
    for (let off = 0; off < 512; off += 4) sum = (sum + be32(img, off)) >>> 0;
    expect(sum).toBe(0);
    const entries = [...fs.entries.values()];
    entries.forEach((e, i) => {
      const next = be32(img, e.headerOffset);
      expect(next & ~0xf).toBe(i + 1 < entries.length ? entries[i + 1]!.headerOffset : 0);
      expect(be32(img, e.headerOffset + 8)).toBe(FILES[i]!.data.length);
      expect(firstDiff(img.subarray(e.dataOffset, e.dataOffset + FILES[i]!.data.length), FILES[i]!.data)).toBe(-1);
      expect(e.inode.ino).toBe(e.headerOffset);
      expect([e.inode.devMajor, e.inode.mode & 0o777]).toEqual([MTD_BLOCK_MAJOR, FILES[i]!.exec === true ? 0o555 : 0o444]);
    });
  });

  it("page-aligns file data by default (XIP); dataAlign 16 gives romfs's own packing", () => {
    const aligned = romWorld("mmu");
    for (const e of aligned.fs.entries.values()) expect(e.dataOffset % P).toBe(0);
    const packed = romWorld("mmu", ROMFH_SIZE);
    const offs = [...packed.fs.entries.values()].map((e) => e.dataOffset);
    for (const off of offs) expect(off % ROMFH_SIZE).toBe(0);
    expect(offs.some((off) => off % P !== 0)).toBe(true);
    expect(packed.fs.imageSize).toBeLessThan(aligned.fs.imageSize);
  });

  it("refuses bad names and alignments (EINVAL) and taken paths (EEXIST)", () => {
    const { kernel } = makeWorld("mmu");
    expect(createRomfs(kernel, { files: [{ name: "a/b", data: pattern(1) }] })).toBe(-EINVAL);
    expect(createRomfs(kernel, { files: [{ name: "a", data: pattern(1) }, { name: "a", data: pattern(1) }] })).toBe(-EINVAL);
    expect(createRomfs(kernel, { files: [{ name: "a", data: pattern(1) }], dataAlign: 24 })).toBe(-EINVAL);
    expect(typeof createRomfs(kernel, { files: [{ name: "a", data: pattern(1) }] })).toBe("object");
    expect(createRomfs(kernel, { files: [{ name: "a", data: pattern(1) }] })).toBe(-EEXIST);
  });
});

describe.each(["mmu", "nommu"] as const)("romfs files on %s", (backend) => {
  it("are read-only: a writing open, O_TRUNC and truncate(2) are EROFS; read(2) gives the bytes", () => {
    const { kernel, tid } = romWorld(backend);
    expect(sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/busybox", O_RDWR, 0)).toBe(-EROFS);
    expect(sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/busybox", O_RDONLY | O_TRUNC, 0)).toBe(-EROFS);
    expect(sys(kernel, tid, NR.truncate, "/rom/busybox", 0)).toBe(-EROFS);
    const fd = sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/busybox", O_RDONLY, 0);
    const buf = sys(kernel, tid, NR.mmap, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect(sys(kernel, tid, NR.pread64, fd, buf, 64, 2 * P)).toBe(64);
    expect(peek(kernel, tid, buf, 64)).toEqual(FILES[1]!.data.subarray(2 * P, 2 * P + 64));
  });

  it("map privately with the file's bytes and zeros past EOF", () => {
    const { kernel, tid } = romWorld(backend);
    const fd = sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/busybox", O_RDONLY, 0);
    const a = sys(kernel, tid, NR.mmap, 0, 3 * P, RX, MAP_PRIVATE, fd, 0);
    const want = new Uint8Array(3 * P);
    want.set(FILES[1]!.data);
    expect(firstDiff(peek(kernel, tid, a, 3 * P), want)).toBe(-1);
  });
});

describe("romfs on NOMMU: execute in place", () => {
  it("read-only and executable private mappings, and shared read-only ones, are the file's bytes in ROM", () => {
    const { kernel, fs, tid } = romWorld("nommu");
    const e = fs.entries.get("/rom/busybox")!;
    const fd = sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/busybox", O_RDONLY, 0);
    const copies = kernel.backend.meminfoPages()["MmapCopy"];
    expect(sys(kernel, tid, NR.mmap, 0, 3 * P, RX, MAP_PRIVATE, fd, 0)).toBe(e.dataAddr);
    expect(sys(kernel, tid, NR.mmap, 0, P, PROT_READ, MAP_SHARED, fd, P)).toBe(e.dataAddr + P);
    expect(kernel.backend.meminfoPages()["MmapCopy"]).toBe(copies);
  });

  it("a writable private mapping is a copy; a shared writable one can't be had", () => {
    const { kernel, fs, tid } = romWorld("nommu");
    const fd = sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/busybox", O_RDONLY, 0);
    const a = sys(kernel, tid, NR.mmap, 0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    expect(a).not.toBe(fs.entries.get("/rom/busybox")!.dataAddr);
    expect(peek(kernel, tid, a, 16)).toEqual(FILES[1]!.data.subarray(0, 16));
    expect(sys(kernel, tid, NR.mmap, 0, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)).toBeLessThan(0);
  });

  it("a mapping past the end of the file is refused by the filesystem (EINVAL)", () => {
    const { kernel, tid } = romWorld("nommu");
    const fd = sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/busybox", O_RDONLY, 0);
    expect(sys(kernel, tid, NR.mmap, 0, 4 * P, RX, MAP_PRIVATE, fd, 0)).toBe(-EINVAL);
  });

  // The seed: "a request for a private mapping of a file may return a buffer that is not
  // page-aligned". The NOMMU backend places it so, but @mmsim/anon-vma-rmap's i_mmap refuses a VMA
  // that doesn't start on a page (a KernelBug). Flip to it() once the i_mmap takes byte-granular VMAs.
  it.fails("with romfs's own 16-byte packing, a direct mapping lands at the unaligned data", () => {
    const { kernel, fs, tid } = romWorld("nommu", ROMFH_SIZE);
    const e = fs.entries.get("/rom/init")!;
    expect(e.dataAddr % P).not.toBe(0);
    const fd = sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/init", O_RDONLY, 0);
    expect(sys(kernel, tid, NR.mmap, 0, 100, RX, MAP_PRIVATE, fd, 0)).toBe(e.dataAddr);
  });
});

describe("romfs on MMU", () => {
  it("reads the ROM into the page cache, whatever the packing", () => {
    const { kernel, fs, tid } = romWorld("mmu", ROMFH_SIZE);
    const e = fs.entries.get("/rom/init")!;
    const fd = sys(kernel, tid, NR.openat, AT_FDCWD, "/rom/init", O_RDONLY, 0);
    const a = sys(kernel, tid, NR.mmap, 0, 100, RX, MAP_PRIVATE, fd, 0);
    expect(peek(kernel, tid, a, 100)).toEqual(FILES[0]!.data);
    expect(e.inode.pageCache.size).toBe(1);
  });
});
