/**
 * The kit's unit cases, each on a fresh world: open in every access mode, read and write at the
 * edges, ftruncate, the mmap matrix (access mode × MAP_PRIVATE/MAP_SHARED × prot), bad input, and
 * exit. Every case ends with every task exited, no page leaked and each open file released once.
 * Linux counterparts: LTP's open01-11, read01-04, pread01-02, write01-05, ftruncate01-04,
 * mmap01-20; the contracts of f_op->read_iter/write_iter/mmap and NOMMU's mmap_capabilities.
 */
import { expect } from "vitest";
import {
  EBADF,
  EINVAL,
  ENOMEM,
  EOVERFLOW,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  errnoName,
  pageAlign,
} from "@mmsim/mm-types";
import {
  ACCESS_MODES,
  expectedMmap,
  expectedOpen,
  expectedRead,
  expectedTruncate,
  expectedWrite,
  initialSize,
  modeReads,
  modeWrites,
  opensIn,
} from "./driver-rules.js";
import { accModeName, mapTypeName, protName, resultName } from "./driver-names.js";
import type { DriverWorld } from "./driver-world.js";
import type { DriverBackend, DriverNode } from "./driver-subject.js";

/** Registers one case; the kit decides whether it is a known failure. */
export type KitIt = (title: string, fn: () => void) => void;

/** Makes a fresh world for one case. */
export type WorldMaker = () => DriverWorld;

/** The protections the mmap matrix tries. */
export const MMAP_PROTS = [
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  PROT_READ | PROT_WRITE,
  PROT_READ | PROT_EXEC,
  PROT_READ | PROT_WRITE | PROT_EXEC,
] as const;

const MARK = new Uint8Array([0xa5, 0x5a, 0xc3, 0x3c]);

/** The bytes the node holds now, as the kit's model starts them. */
export function initialContent(node: DriverNode): Uint8Array {
  return node.contents?.slice(0, initialSize(node)) ?? new Uint8Array(0);
}

/** Bytes the unit cases map: the node's pages, at least one and at most two. */
export function mapLength(node: DriverNode): number {
  const size = initialSize(node);
  if (node.data !== "file" && node.data !== "device") return 2 * PAGE_SIZE;
  return Math.min(2 * PAGE_SIZE, Math.max(PAGE_SIZE, pageAlign(size)));
}

/** Bytes [i*7+seed] of a given length: different at every offset. */
export function kitPattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** Ends the world and checks what it left: no page, no open file, one release per open file. */
export function expectCleanEnd(w: DriverWorld): void {
  const end = w.finish();
  expect(end.leakedPages, "pages leaked after every task exited").toBe(0);
  expect(end.openCount, "open files left on the inode after exit").toBe(0);
  if (end.trackedFiles >= 0) expect(end.badReleases, "open files whose release hook ran other than once").toBe(0);
}

function expectRead(w: DriverWorld, fd: number, content: Uint8Array, offset: number, len: number): void {
  const want = expectedRead(w.node, content, offset, len);
  const got = w.read(fd, len, offset);
  if (typeof want === "number") expect(got, `pread(${len} at ${offset})`).toBe(want);
  else expect(got, `pread(${len} at ${offset})`).toEqual(want);
}

/**
 * The first difference between what a mapping of `len` bytes at file offset `offset` shows and
 * read(2) of the same range (zero past what read returns, to the page's end), or null.
 */
export function mappingMismatch(w: DriverWorld, addr: number, len: number, offset: number, content: Uint8Array): string | null {
  const bytes = w.node.anonymous === true ? new Uint8Array(len) : expectedRead(w.node, content, offset, len);
  if (typeof bytes === "number") return `read(2) fails with ${errnoName(bytes)} but the mapping exists`;
  const span = Math.min(len, Math.max(pageAlign(bytes.length), bytes.length === 0 ? 0 : PAGE_SIZE));
  const want = new Uint8Array(span);
  want.set(bytes.subarray(0, span));
  const got = w.peek(addr, span);
  if (got === null) return `reading the mapping at 0x${addr.toString(16)} (${span} bytes) faults`;
  for (let i = 0; i < span; i++) if (got[i] !== want[i]) return `byte ${i} of the mapping is ${got[i]}, read(2) gives ${want[i]}`;
  return null;
}

function openCases(it: KitIt, make: WorldMaker, node: DriverNode): void {
  it("open in every access mode: the declared errno, or the lowest free fd; a refused open changes nothing", () => {
    const w = make();
    for (const mode of ACCESS_MODES) {
      const before = w.snapshot();
      const fd = w.open(mode);
      const want = expectedOpen(node, mode);
      if (want < 0) {
        expect(fd, `open ${accModeName(mode)}`).toBe(want);
        expect(w.snapshot()).toBe(before);
        continue;
      }
      expect(fd, `open ${accModeName(mode)}`).toBe(0);
      expect(w.sys(NR.close, fd)).toBe(0);
      expect(w.sys(NR.close, fd), "a second close").toBe(-EBADF);
    }
    expectCleanEnd(w);
  });
  it("fds are the lowest free: 0 1 2, close 1, the next open is 1; the inode counts its open files", () => {
    const w = make();
    expect([w.open(O_RDONLY), w.open(O_RDONLY), w.open(O_RDONLY)]).toEqual([0, 1, 2]);
    expect(w.inode.openCount).toBe(3);
    expect(w.sys(NR.close, 1)).toBe(0);
    expect(w.inode.openCount).toBe(2);
    expect(w.open(O_RDONLY)).toBe(1);
    expect(w.sys(NR.dup, 0)).toBe(3);
    expect(w.inode.openCount, "dup shares the open file").toBe(3);
    expectCleanEnd(w);
  });
}

function readCases(it: KitIt, make: WorldMaker, node: DriverNode): void {
  const size = initialSize(node);
  it("pread at 0, mid, across, at and past EOF, and at a huge offset; zero-length reads", () => {
    const w = make();
    const content = initialContent(node);
    const fd = w.open(O_RDONLY);
    expect(fd).toBe(0);
    const mid = Math.floor(size / 2);
    for (const [off, len] of [[0, size + 10], [0, 1], [mid, 3], [mid, size], [Math.max(0, size - 1), 5], [size, 7], [size + 1, 7], [size + 3 * PAGE_SIZE, 16], [2 ** 50, 16], [0, 0], [size, 0]] as const) {
      expectRead(w, fd, content, off, len);
    }
    expect(w.sys(NR.read, fd, 0, 0), "read of 0 bytes into NULL").toBe(expectedLength(expectedRead(node, content, 0, 0)));
    expectCleanEnd(w);
  });
  it("read(2) moves the file position by what it returned; pread64 leaves it", () => {
    const w = make();
    const content = initialContent(node);
    const fd = w.open(O_RDONLY);
    const first = Math.min(5, Math.max(1, Math.floor(size / 3)));
    const a = w.read(fd, first);
    w.read(fd, 3, 0);
    const b = w.read(fd, size + 4);
    const wantA = expectedRead(node, content, 0, first);
    expect(a).toEqual(wantA);
    expect(b).toEqual(expectedRead(node, content, typeof wantA === "number" ? 0 : wantA.length, size + 4));
    expectCleanEnd(w);
  });
  it("read on an fd not open for reading is EBADF, write on one not open for writing is EBADF", () => {
    const w = make();
    const r = w.open(O_RDONLY);
    expect(w.write(r, MARK)).toBe(-EBADF);
    if (opensIn(node, O_WRONLY)) {
      const wr = w.open(O_WRONLY);
      expect(w.read(wr, 4)).toBe(-EBADF);
      expect(w.read(wr, 4, 0)).toBe(-EBADF);
    }
    expectCleanEnd(w);
  });
}

function expectedLength(r: Uint8Array | number): number {
  return typeof r === "number" ? r : r.length;
}

function writeCases(it: KitIt, make: WorldMaker, node: DriverNode): void {
  if (!opensIn(node, O_RDWR)) return;
  const size = initialSize(node);
  it("pwrite at 0, mid, at and past EOF, and zero-length; read(2) then returns the model's bytes", () => {
    const w = make();
    let content = initialContent(node);
    const fd = w.open(O_RDWR);
    const mid = Math.floor(size / 2);
    // a zero-length write past a device's end is the driver's business (fb_write: EFBIG), not the kit's
    const zeroAt = node.data === "file" ? size + 2 * PAGE_SIZE : size;
    const writes: Array<[number, number]> = [[0, 5], [mid, 9], [Math.max(0, size - 2), 6], [size + 4, 3], [0, 0], [zeroAt, 0]];
    writes.forEach(([off, len], i) => {
      const src = kitPattern(len, 40 + i);
      const want = expectedWrite(node, content, off, src);
      expect(w.write(fd, src, off), `pwrite(${len} at ${off})`).toBe(want.ret);
      content = want.content;
      expect(w.read(fd, content.length + PAGE_SIZE, 0), `after pwrite(${len} at ${off})`).toEqual(expectedRead(node, content, 0, content.length + PAGE_SIZE));
    });
    expectCleanEnd(w);
  });
  it("write(2) moves the file position; O_WRONLY writes too", () => {
    const w = make();
    let content = initialContent(node);
    const fd = w.open(O_RDWR);
    for (const [len, seed] of [[3, 1], [4, 2]] as const) {
      const src = kitPattern(len, seed);
      const at = len === 3 ? 0 : 3;
      const want = expectedWrite(node, content, at, src);
      expect(w.write(fd, src)).toBe(want.ret);
      content = want.content;
    }
    if (opensIn(node, O_WRONLY)) {
      const wr = w.open(O_WRONLY);
      const want = expectedWrite(node, content, 0, MARK);
      expect(w.write(wr, MARK)).toBe(want.ret);
      content = want.content;
    }
    expect(w.read(fd, content.length + 8, 0)).toEqual(expectedRead(node, content, 0, content.length + 8));
    expectCleanEnd(w);
  });
}

function truncateCases(it: KitIt, make: WorldMaker, node: DriverNode): void {
  const size = initialSize(node);
  const how = expectedTruncate(node);
  const writable = opensIn(node, O_RDWR);
  const title = how === "resize" ? "ftruncate grows with zeros, shrinks, and grows again without stale bytes" : `ftruncate is ${errnoName(how)} and changes nothing`;
  if (writable) {
    it(title, () => {
      const w = make();
      const fd = w.open(O_RDWR);
      let content = initialContent(node);
      for (const to of [size + PAGE_SIZE + 5, Math.floor(size / 2), size + 9, 0, size]) {
        const before = w.snapshot();
        const r = w.sys(NR.ftruncate, fd, to);
        if (how !== "resize") {
          expect(r, `ftruncate(${to})`).toBe(how);
          expect(w.snapshot()).toBe(before);
          continue;
        }
        expect(r, `ftruncate(${to})`).toBe(0);
        const next = new Uint8Array(to);
        next.set(content.subarray(0, Math.min(to, content.length)));
        content = next;
        expect(w.inode.size).toBe(to);
        expect(w.read(fd, to + 16, 0), `after ftruncate(${to})`).toEqual(content);
      }
      expectCleanEnd(w);
    });
  }
  it("ftruncate on a read-only fd or to a negative length is EINVAL and changes nothing", () => {
    const w = make();
    const fd = w.open(O_RDONLY);
    const before = w.snapshot();
    expect(w.sys(NR.ftruncate, fd, 0)).toBe(-EINVAL);
    if (writable) expect(w.sys(NR.ftruncate, w.open(O_RDWR), -1)).toBe(-EINVAL);
    expect(w.sys(NR.ftruncate, 99, 0)).toBe(-EBADF);
    if (writable) w.sys(NR.close, 1);
    expect(w.snapshot()).toBe(before);
    expectCleanEnd(w);
  });
}

/** Maps, compares, writes through the mapping, unmaps: the first wrong thing, or null. */
function probeMapping(w: DriverWorld, fd: number, addr: number, len: number, prot: number, flags: number): string | null {
  const content = initialContent(w.node);
  if (prot & PROT_READ) {
    const bad = mappingMismatch(w, addr, len, 0, content);
    if (bad !== null) return bad;
  }
  if (prot & PROT_WRITE && modeReads(fileMode(w, fd))) {
    if (!w.poke(addr + 1, MARK)) return "a write through the writable mapping faults";
    const seen = w.read(fd, MARK.length, 1);
    const sees = seen instanceof Uint8Array && seen.length === MARK.length && seen.every((b, i) => b === MARK[i]);
    const shouldSee = (flags & MAP_SHARED) !== 0 && w.node.mmap?.sharedWritesVisible === true;
    if (sees !== shouldSee) return `read(2) ${sees ? "sees" : "doesn't see"} a write through a ${mapTypeName(flags)} mapping`;
  }
  const r = w.sys(NR.munmap, addr, len);
  if (r !== 0) return `munmap: ${errnoName(r)}`;
  // without an MMU freed memory still reads: only MMU can check the range is gone
  if (w.backend === "mmu" && (w.peek(addr, 1) !== null || w.peek(addr + len - 1, 1) !== null)) return "the range still reads after munmap";
  return null;
}

function fileMode(w: DriverWorld, fd: number): number {
  const file = w.kernel.task(w.tid)?.files.get(fd);
  return file === null || file === undefined ? O_RDONLY : file.readable && file.writable ? O_RDWR : file.writable ? O_WRONLY : O_RDONLY;
}

function mmapMatrix(it: KitIt, make: WorldMaker, node: DriverNode, backend: DriverBackend, inode: { noexec: boolean; appendOnly: boolean }): void {
  const len = mapLength(node);
  for (const accMode of [O_RDONLY, O_WRONLY, O_RDWR].filter((m) => opensIn(node, m))) {
    for (const flags of [MAP_PRIVATE, MAP_SHARED]) {
      for (const prot of MMAP_PROTS) {
        const want = expectedMmap(node, { backend, accMode, prot, flags, pgoff: 0, len }, inode);
        it(`mmap ${mapTypeName(flags)} ${protName(prot)} of an ${accModeName(accMode)} fd: ${resultName(want)}`, () => {
          const w = make();
          const fd = w.open(accMode);
          const before = w.snapshot();
          const addr = w.sys(NR.mmap, 0, len, prot, flags, fd, 0);
          if (want < 0) {
            expect(addr, "mmap").toBe(want);
            expect(w.snapshot(), "a refused mmap changes nothing").toBe(before);
          } else {
            expect(addr, "mmap").toBeGreaterThanOrEqual(0);
            expect(probeMapping(w, fd, addr, len, prot, flags)).toBeNull();
          }
          expectCleanEnd(w);
        });
      }
    }
  }
}

function mmapOffsetCases(it: KitIt, make: WorldMaker, node: DriverNode, backend: DriverBackend, inode: { noexec: boolean; appendOnly: boolean }): void {
  const size = initialSize(node);
  if (node.mmap === undefined || !(node.data === "file" || node.data === "device") || size <= PAGE_SIZE) return;
  it("mmap at page offset 1 shows what pread at PAGE_SIZE returns", () => {
    const w = make();
    const fd = w.open(O_RDONLY);
    const req = { backend, accMode: O_RDONLY, prot: PROT_READ, flags: MAP_PRIVATE, pgoff: 1, len: PAGE_SIZE };
    const want = expectedMmap(node, req, inode);
    const addr = w.sys(NR.mmap, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, PAGE_SIZE);
    if (want < 0) expect(addr).toBe(want);
    else expect(mappingMismatch(w, addr, PAGE_SIZE, PAGE_SIZE, initialContent(node))).toBeNull();
    expectCleanEnd(w);
  });
  if (backend === "mmu" && node.data === "file") {
    it("MMU: pages of a mapping wholly past EOF fault (SIGBUS); the page holding EOF reads zero past it", () => {
      const w = make();
      const fd = w.open(O_RDONLY);
      const len = pageAlign(size) + 2 * PAGE_SIZE;
      const addr = w.sys(NR.mmap, 0, len, PROT_READ, MAP_SHARED, fd, 0);
      expect(addr).toBeGreaterThanOrEqual(0);
      expect(mappingMismatch(w, addr, pageAlign(size), 0, initialContent(node))).toBeNull();
      expect(w.peek(addr + pageAlign(size), 1), "a page past EOF").toBeNull();
      expectCleanEnd(w);
    });
  }
}

function badInputCases(it: KitIt, make: WorldMaker, node: DriverNode): void {
  it("bad input never throws and a refused call changes nothing: unaligned or negative mmap offsets, zero and negative lengths, bad fds", () => {
    const w = make();
    const fd = w.open(O_RDONLY);
    const len = mapLength(node);
    const before = w.snapshot();
    const calls: Array<[string, () => number, number | null]> = [
      ["mmap at an unaligned offset", () => w.sys(NR.mmap, 0, len, PROT_READ, MAP_PRIVATE, fd, 100), -EINVAL],
      ["mmap at offset PAGE_SIZE + 1", () => w.sys(NR.mmap, 0, len, PROT_READ, MAP_SHARED, fd, PAGE_SIZE + 1), -EINVAL],
      ["mmap of 0 bytes", () => w.sys(NR.mmap, 0, 0, PROT_READ, MAP_PRIVATE, fd, 0), -EINVAL],
      ["mmap of a closed fd", () => w.sys(NR.mmap, 0, len, PROT_READ, MAP_PRIVATE, 7, 0), -EBADF],
      ["read of a negative count", () => w.sys(NR.read, fd, w.scratch, -1), null],
      ["read of a NaN count", () => w.sys(NR.read, fd, w.scratch, NaN), null],
      ["write of a negative count", () => w.sys(NR.write, fd, w.scratch, -1), null],
      ["read of a closed fd", () => w.sys(NR.read, 7, w.scratch, 4), -EBADF],
      ["ftruncate of a closed fd", () => w.sys(NR.ftruncate, 7, 0), -EBADF],
      ["munmap of an unaligned address", () => w.sys(NR.munmap, w.scratch + 1, PAGE_SIZE), -EINVAL],
    ];
    for (const [what, call, want] of calls) {
      let r = 0;
      expect(() => (r = call()), what).not.toThrow();
      if (want === null) expect(r, what).toBeLessThan(0);
      else expect(r, what).toBe(want);
      expect(w.snapshot(), `${what} changed the state`).toBe(before);
    }
    expectCleanEnd(w);
  });
  it("mmap of a negative length (a huge size_t) is ENOMEM and changes nothing", () => {
    const w = make();
    const fd = w.open(O_RDONLY);
    const before = w.snapshot();
    let r = 0;
    expect(() => (r = w.sys(NR.mmap, 0, -PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0))).not.toThrow();
    expect(r).toBe(-ENOMEM);
    expect(w.snapshot()).toBe(before);
    expectCleanEnd(w);
  });
  it("mmap at a negative offset never throws: EOVERFLOW on MMU (file_mmap_ok), refused or mapped on NOMMU", () => {
    const w = make();
    const fd = w.open(O_RDONLY);
    const before = w.snapshot();
    let r = 0;
    expect(() => (r = w.sys(NR.mmap, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, -PAGE_SIZE))).not.toThrow();
    if (w.backend === "mmu") expect(r).toBe(-EOVERFLOW);
    if (r < 0) expect(w.snapshot()).toBe(before);
    else expect(w.sys(NR.munmap, r, PAGE_SIZE)).toBe(0);
    expectCleanEnd(w);
  });
  it("pread at a negative offset is EINVAL and changes nothing", () => {
    const w = make();
    const fd = w.open(O_RDONLY);
    const before = w.snapshot();
    expect(w.sys(NR.pread64, fd, w.scratch, 4, -1)).toBe(-EINVAL);
    expect(w.snapshot()).toBe(before);
    expectCleanEnd(w);
  });
}

function exitCases(it: KitIt, make: WorldMaker, node: DriverNode, backend: DriverBackend, inode: { noexec: boolean; appendOnly: boolean }): void {
  it("exit with files open and mapped, and a forked child, leaks no page and releases each open file once", () => {
    const w = make();
    const len = mapLength(node);
    for (const accMode of [O_RDONLY, O_WRONLY, O_RDWR].filter((m) => opensIn(node, m))) {
      const fd = w.open(accMode);
      for (const flags of [MAP_PRIVATE, MAP_SHARED]) {
        const prot = modeWrites(accMode) && modeReads(accMode) ? PROT_READ | PROT_WRITE : PROT_READ;
        const want = expectedMmap(node, { backend, accMode, prot, flags, pgoff: 0, len }, inode);
        const addr = w.sys(NR.mmap, 0, len, prot, flags, fd, 0);
        if (want < 0) expect(addr).toBe(want);
        else expect(addr).toBeGreaterThanOrEqual(0);
        if (addr >= 0 && prot & PROT_WRITE) w.poke(addr, MARK);
      }
    }
    const child = w.sys(NR.fork);
    if (backend === "mmu") expect(child).toBeGreaterThan(0);
    expectCleanEnd(w);
  });
}

/** Registers every unit case for one backend. */
export function driverUnitCases(it: KitIt, make: WorldMaker, backend: DriverBackend, probe: DriverWorld): void {
  const node = probe.node;
  const inode = { noexec: probe.inode.noexec, appendOnly: probe.inode.appendOnly };
  openCases(it, make, node);
  readCases(it, make, node);
  writeCases(it, make, node);
  truncateCases(it, make, node);
  mmapMatrix(it, make, node, backend, inode);
  mmapOffsetCases(it, make, node, backend, inode);
  badInputCases(it, make, node);
  exitCases(it, make, node, backend, inode);
}
