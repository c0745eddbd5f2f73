/**
 * Random sequences over the memory-backed objects — a ramfs file, a ramdisk and a framebuffer —
 * mapped, unmapped, written and truncated by two processes that share the fds, on both backends,
 * with assertValid() after every step, against a small model:
 * - NOMMU: a shared mapping is direct (the object's own memory) or refused; a truncate of the ramfs
 *   file is ETXTBSY exactly when a direct mapping covers a page from floor(newsize / PAGE_SIZE) on;
 *   MMU never refuses one;
 * - a write through a shared mapping is what read(2) of the object then returns;
 * - when every process has exited and the file is emptied, every page is back but the devices' and
 *   the page cache's.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  AT_FDCWD,
  EINVAL,
  ETXTBSY,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_RDWR,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import { createFramebuffer, createRamdisk, createRamfsFile } from "../../src/index.js";
import type { Framebuffer, Inode, Kernel, Ramdisk } from "../../src/index.js";
import { exitAll, makeWorld, peek, poke, sibling, spawn, sys } from "./world.js";

const P = PAGE_SIZE;
const RW = PROT_READ | PROT_WRITE;
const PATHS = ["/dev/shm/seg", "/dev/ram0", "/dev/fb0"] as const;

type Op =
  | { k: "mmap"; who: number; obj: number; pgoff: number; pages: number; write: boolean; shared: boolean }
  | { k: "munmap"; who: number; idx: number }
  | { k: "truncate"; pages: number; extra: number }
  | { k: "write"; who: number; obj: number; off: number; len: number }
  | { k: "poke"; who: number; idx: number; off: number; byte: number };

const objArb = fc.constantFrom(0, 0, 0, 1, 2);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant("mmap" as const), who: fc.nat(1), obj: objArb, pgoff: fc.nat(3), pages: fc.integer({ min: 1, max: 3 }), write: fc.boolean(), shared: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("munmap" as const), who: fc.nat(1), idx: fc.nat(7) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("truncate" as const), pages: fc.nat(5), extra: fc.constantFrom(0, 100) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("write" as const), who: fc.nat(1), obj: objArb, off: fc.nat(5 * P), len: fc.integer({ min: 1, max: 2 * P }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("poke" as const), who: fc.nat(1), idx: fc.nat(7), off: fc.nat(3 * P - 4), byte: fc.integer({ min: 1, max: 255 }) }) },
);

/** A read-only private copy's region, which later shareable requests of the same range may join. */
interface CopyRegion {
  readonly addr: number;
  readonly pgoff: number;
  readonly pages: number;
}

interface Mapping {
  readonly obj: number;
  readonly addr: number;
  readonly pgoff: number;
  readonly pages: number;
  readonly write: boolean;
  readonly shared: boolean;
  readonly direct: boolean;
  /** The shareable copy region it lies in (made or joined), or null. */
  readonly copy: CopyRegion | null;
}

/** The world of one run: the objects, two processes sharing fds, a scratch buffer each. */
function setUp(backend: "mmu" | "nommu") {
  const { kernel, buddy } = makeWorld(backend);
  const ramfs = createRamfsFile(kernel, PATHS[0]) as Inode;
  const disk = createRamdisk(kernel, { size: 4 * P }) as Ramdisk;
  const fb = createFramebuffer(kernel, { smemLen: 4 * P }) as Framebuffer;
  const p1 = spawn(kernel);
  const fds = PATHS.map((path) => sys(kernel, p1, NR.openat, AT_FDCWD, path, O_RDWR, 0));
  const p2 = sibling(kernel, p1);
  const tids = [p1, p2];
  const scratch = tids.map((t) => sys(kernel, t, NR.mmap, 0, 2 * P, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  return { kernel, buddy, ramfs, disk, fb, tids, fds, scratch, maps: [[], []] as Mapping[][] };
}

type Run = ReturnType<typeof setUp>;

/** The physical address of byte 0 of page `pgoff` of object `obj`, or null. */
function ownAddress(run: Run, obj: number, pgoff: number): number | null {
  if (obj === 1) return run.disk.memory.base + pgoff * P;
  if (obj === 2) return run.fb.memory.base + pgoff * P;
  const pfn = run.ramfs.pageCache.get(pgoff);
  return pfn === undefined ? null : pfn * P;
}

/** The live shareable copy region of the object that [pgoff, pgoff + pages) at `addr` joined, or null (do_mmap()'s region search). */
function joinedCopy(run: Run, obj: number, pgoff: number, pages: number, addr: number): CopyRegion | null {
  for (const m of run.maps.flat()) {
    const r = m.copy;
    if (m.obj !== obj || r === null || pgoff < r.pgoff || pgoff + pages > r.pgoff + r.pages) continue;
    if (addr === r.addr + (pgoff - r.pgoff) * P) return r;
  }
  return null;
}

function doMmap(run: Run, backend: string, op: Extract<Op, { k: "mmap" }>): void {
  const { kernel, tids, fds } = run;
  const prot = op.write ? RW : PROT_READ;
  const addr = sys(kernel, tids[op.who]!, NR.mmap, 0, op.pages * P, prot, op.shared ? MAP_SHARED : MAP_PRIVATE, fds[op.obj]!, op.pgoff * P);
  const pastDevice = op.obj !== 0 && op.pgoff + op.pages > 4;
  if (addr < 0) {
    // MMU refuses only a framebuffer mapping past video memory; NOMMU also shared ones it can't place
    // directly and private ones of what can't be copied (the framebuffer)
    const allowed = backend === "mmu" ? op.obj === 2 && pastDevice : op.shared || op.obj === 2 || pastDevice;
    expect(allowed, `${PATHS[op.obj]} refused with ${addr}`).toBe(true);
    return;
  }
  const direct = backend === "nommu" && addr === ownAddress(run, op.obj, op.pgoff);
  const joined = backend === "nommu" && !direct && (op.shared || !op.write) ? joinedCopy(run, op.obj, op.pgoff, op.pages, addr) : null;
  // NOMMU: a shared mapping is the object's own memory, or joins a read-only copy's region (Linux lets it)
  if (backend === "nommu" && op.shared) expect(direct || joined !== null).toBe(true);
  const copy = joined ?? (backend === "nommu" && !direct && !op.write && !op.shared ? { addr, pgoff: op.pgoff, pages: op.pages } : null);
  run.maps[op.who]!.push({ obj: op.obj, addr, pgoff: op.pgoff, pages: op.pages, write: op.write, shared: op.shared, direct, copy });
}

/**
 * NOMMU ramfs: a shrink is refused when a mapping of the file's pages — direct, or shared (even one
 * that joined a copy, as Linux's VM_SHARED test counts it) — meets pages floor(newsize / P) to
 * ceil(size / P), both included.
 */
function expectedTruncate(run: Run, backend: string, newsize: number): number {
  if (backend === "mmu" || newsize >= run.ramfs.size) return 0;
  const low = Math.floor(newsize / P);
  const high = Math.ceil(run.ramfs.size / P);
  const pinned = run.maps.flat().some((m) => m.obj === 0 && (m.direct || m.shared) && m.pgoff <= high && m.pgoff + m.pages - 1 >= low);
  return pinned ? -ETXTBSY : 0;
}

/**
 * A shrink that @mmsim/nommu's nommuShrinkInodeMappings() gets wrong today: a shared mapping that
 * joined a read-only private copy makes it trim the copy's region under the other VMAs on it (see
 * the it.fails in ramfs.test.ts). Skipped until that is fixed.
 */
function trimsJoinedCopy(run: Run, backend: string, newsize: number): boolean {
  if (backend === "mmu" || newsize >= run.ramfs.size) return false;
  return run.maps.flat().some((m) => m.obj === 0 && m.shared && m.copy !== null && (m.copy.pgoff + m.copy.pages) * P > newsize);
}

function doTruncate(run: Run, backend: string, op: Extract<Op, { k: "truncate" }>): void {
  const size = op.pages * P + (op.pages > 0 ? op.extra : 0);
  const want = expectedTruncate(run, backend, size);
  if (want === 0 && trimsJoinedCopy(run, backend, size)) return;
  const got = sys(run.kernel, run.tids[0]!, NR.ftruncate, run.fds[0]!, size);
  if (backend === "nommu" && run.ramfs.size === 0 && got < 0) return; // an empty file's gathering may fail (ENOMEM/EFBIG)
  expect(got).toBe(want);
}

function doWrite(run: Run, op: Extract<Op, { k: "write" }>): void {
  const { kernel, tids, fds, scratch } = run;
  const t = tids[op.who]!;
  sys(kernel, t, NR.pread64, fds[op.obj]!, scratch[op.who]!, 0, 0);
  const len = Math.min(op.len, 2 * P);
  const r = kernel.write(t, fds[op.obj]!, scratch[op.who]!, len, op.off);
  kernel.assertValid();
  expect(typeof r === "number" && (r > 0 || op.obj !== 0)).toBe(true);
}

/** Pokes a byte into a writable mapping; through a shared one on the object's memory, read(2) must then see it. */
function doPoke(run: Run, op: Extract<Op, { k: "poke" }>): void {
  const list = run.maps[op.who]!;
  if (list.length === 0) return;
  const m = list[op.idx % list.length]!;
  if (!m.write) return;
  const off = op.off % (m.pages * P);
  const t = run.tids[op.who]!;
  if (poke(run.kernel, t, m.addr + off, new Uint8Array([op.byte])) !== 0) return; // past EOF after a truncate (MMU: SIGBUS)
  if (!m.shared || m.copy !== null) return; // a shared mapping that joined a private copy writes the copy (as Linux's does)
  const fileOff = m.pgoff * P + off;
  if (m.obj === 0 && fileOff >= run.ramfs.size) return;
  expect(sys(run.kernel, t, NR.pread64, run.fds[m.obj]!, run.scratch[op.who]!, 1, fileOff)).toBe(1);
  expect(peek(run.kernel, t, run.scratch[op.who]!, 1)).toEqual(new Uint8Array([op.byte]));
}

function step(run: Run, backend: string, op: Op): void {
  if (op.k === "mmap") doMmap(run, backend, op);
  else if (op.k === "truncate") doTruncate(run, backend, op);
  else if (op.k === "write") doWrite(run, op);
  else if (op.k === "poke") doPoke(run, op);
  else doMunmap(run, backend, op);
}

/**
 * munmap of a whole mapping. NOMMU file VMAs go whole only, and the walk that finds them refuses a
 * start inside a VMA met before (one of a larger region shared by the same mm): -EINVAL. Of two VMAs
 * with the same range the older goes. Linux: do_munmap() in mm/nommu.c (the seeds' rbtree order).
 */
function doMunmap(run: Run, backend: string, op: Extract<Op, { k: "munmap" }>): void {
  const list = run.maps[op.who]!;
  if (list.length === 0) return;
  const m = list[op.idx % list.length]!;
  const inside = list.some((o) => o.addr < m.addr && m.addr < o.addr + o.pages * P);
  const r = sys(run.kernel, run.tids[op.who]!, NR.munmap, m.addr, m.pages * P);
  if (backend === "nommu" && inside) {
    expect(r).toBe(-EINVAL);
    return;
  }
  expect(r).toBe(0);
  list.splice(list.findIndex((o) => o.addr === m.addr && o.pages === m.pages), 1);
}

function cachedPages(kernel: Kernel): number {
  let n = 0;
  for (const [, inode] of kernel.vfs.entries()) n += inode.pageCache.size;
  return n;
}

describe.each(["mmu", "nommu"] as const)("memory-backed objects on %s, random sequences", (backend) => {
  it("keep every invariant, refuse exactly the truncates the model says, and leak no page", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 40 }), (ops) => {
        const run = setUp(backend);
        const devicePages = run.disk.memory.nrPages + run.fb.memory.nrPages;
        const total = run.buddy.nrPages;
        for (const op of ops) step(run, backend, op);
        exitAll(run.kernel);
        run.kernel.vfs.truncate(run.ramfs, 0);
        run.kernel.assertValid();
        expect(run.ramfs.pageCache.size).toBe(0);
        const zeroPage = backend === "mmu" ? 1 : 0;
        expect(run.buddy.freePagesCount()).toBe(total - devicePages - cachedPages(run.kernel) - zeroPage);
      }),
      { numRuns: Number(process.env["MMSIM_RUNS"] ?? 60) },
    );
  });
});
