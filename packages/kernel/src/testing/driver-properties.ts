/**
 * Random sequences of open, close, pread, pwrite, ftruncate, mmap, munmap and stores through a
 * mapping on one node with regular-file semantics, compared step by step with a byte model of the
 * file; the kernel's assertValid() runs after every syscall and every live shared mapping is
 * compared with the model after every step. fast-check shrinks a failure to a minimal sequence.
 * Linux: the VFS contract that read(2), write(2), truncate and MAP_SHARED mappings of one file all
 * see the same bytes (the page cache: mm/filemap.c, mm/truncate.c).
 */
import { expect } from "vitest";
import fc from "fast-check";
import { EBADF, EINVAL, MAP_PRIVATE, NOMMU_MAP_DIRECT, NOMMU_MAP_WRITE, MAP_SHARED, NR, O_RDONLY, O_RDWR, O_WRONLY, PAGE_SIZE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { expectedMmap, expectedRead, expectedTruncate, expectedWrite, mayDecline, modeReads, modeWrites, opensIn } from "./driver-rules.js";
import { expectCleanEnd, initialContent, kitPattern, mappingMismatch } from "./driver-cases.js";
import type { KitIt, WorldMaker } from "./driver-cases.js";
import type { DriverWorld } from "./driver-world.js";
import type { DriverBackend, DriverNode } from "./driver-subject.js";

const P = PAGE_SIZE;

type Op =
  | { readonly k: "open"; readonly mode: number }
  | { readonly k: "close"; readonly pick: number }
  | { readonly k: "pread"; readonly pick: number; readonly off: number; readonly len: number }
  | { readonly k: "pwrite"; readonly pick: number; readonly off: number; readonly len: number; readonly seed: number }
  | { readonly k: "truncate"; readonly pick: number; readonly size: number }
  | { readonly k: "mmap"; readonly pick: number; readonly shared: boolean; readonly write: boolean; readonly pgoff: number; readonly pages: number }
  | { readonly k: "munmap"; readonly pick: number }
  | { readonly k: "poke"; readonly pick: number; readonly off: number; readonly byte: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant("open" as const), mode: fc.constantFrom(O_RDONLY, O_WRONLY, O_RDWR) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("close" as const), pick: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("pread" as const), pick: fc.nat(7), off: fc.nat(3 * P + 50), len: fc.nat(P + 100) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("pwrite" as const), pick: fc.nat(7), off: fc.nat(3 * P), len: fc.nat(P + 100), seed: fc.nat(255) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("truncate" as const), pick: fc.nat(7), size: fc.oneof(fc.nat(3 * P + 100), fc.constantFrom(0, P, 2 * P)) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("mmap" as const), pick: fc.nat(7), shared: fc.boolean(), write: fc.boolean(), pgoff: fc.nat(2), pages: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("munmap" as const), pick: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("poke" as const), pick: fc.nat(7), off: fc.nat(3 * P), byte: fc.integer({ min: 1, max: 255 }) }) },
);

interface Mapping {
  readonly addr: number;
  readonly len: number;
  readonly pgoff: number;
  readonly prot: number;
  readonly shared: boolean;
  /** The mapping shows the file's bytes as they change (false: it may have joined a NOMMU copy). */
  readonly tracksFile: boolean;
}

/** The model: the file's bytes, the open fds with their access modes, the live mappings. */
interface Model {
  content: Uint8Array;
  readonly fds: Map<number, number>;
  readonly maps: Mapping[];
}

function pick<T>(list: readonly T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}

function lowestFree(fds: Map<number, number>): number {
  let fd = 0;
  while (fds.has(fd)) fd++;
  return fd;
}

function doOpen(w: DriverWorld, m: Model, mode: number): void {
  const fd = w.open(mode);
  if (!opensIn(w.node, mode)) return void expect(fd).toBeLessThan(0);
  expect(fd, "open returns the lowest free fd").toBe(lowestFree(m.fds));
  m.fds.set(fd, mode);
}

function doClose(w: DriverWorld, m: Model, i: number): void {
  const fd = pick([...m.fds.keys()], i);
  if (fd === undefined) return;
  expect(w.sys(NR.close, fd)).toBe(0);
  m.fds.delete(fd);
}

function doPread(w: DriverWorld, m: Model, op: Extract<Op, { k: "pread" }>): void {
  const fd = pick([...m.fds.keys()], op.pick);
  if (fd === undefined) return;
  const got = w.read(fd, op.len, op.off);
  if (!modeReads(m.fds.get(fd)!)) return void expect(got).toBe(-EBADF);
  expect(got, `pread(${op.len} at ${op.off})`).toEqual(expectedRead(w.node, m.content, op.off, op.len));
}

function doPwrite(w: DriverWorld, m: Model, op: Extract<Op, { k: "pwrite" }>): void {
  const fd = pick([...m.fds.keys()], op.pick);
  if (fd === undefined) return;
  const src = kitPattern(op.len, op.seed);
  const r = w.write(fd, src, op.off);
  if (!modeWrites(m.fds.get(fd)!)) return void expect(r).toBe(-EBADF);
  const want = expectedWrite(w.node, m.content, op.off, src);
  expect(r, `pwrite(${op.len} at ${op.off})`).toBe(want.ret);
  m.content = want.content;
}

/**
 * Whether a shrink to `size` meets a mapping at or past the new end's page: a shared one (Linux:
 * nommu_shrink_inode_mappings() refuses), or a read-only private one, which on NOMMU may overlay the
 * page cache directly (the NOMMU backend refuses those too, where Linux 6.12 misses them and frees
 * pages a region holds — see @mmsim/nommu's shrink-inode.ts). `kind` picks which.
 */
function shrinkMeetsMapping(m: Model, size: number, kind: "shared" | "overlay"): boolean {
  if (size >= m.content.length) return false;
  const low = Math.floor(size / P);
  const high = Math.ceil(m.content.length / P);
  const counts = (x: Mapping): boolean => (kind === "shared" ? x.shared : !x.shared && !(x.prot & PROT_WRITE));
  return m.maps.some((x) => counts(x) && x.pgoff <= high && x.pgoff + x.len / P - 1 >= low);
}

function doTruncate(w: DriverWorld, m: Model, op: Extract<Op, { k: "truncate" }>): void {
  const fd = pick([...m.fds.keys()], op.pick);
  if (fd === undefined) return;
  const before = w.snapshot();
  const r = w.sys(NR.ftruncate, fd, op.size);
  const how = expectedTruncate(w.node);
  const busy = w.node.shrinkWhileMapped;
  let want = !modeWrites(m.fds.get(fd)!) ? -EINVAL : how === "resize" ? 0 : how;
  if (want === 0 && busy !== undefined && shrinkMeetsMapping(m, op.size, "shared")) want = -busy;
  const overlay = want === 0 && busy !== undefined && r === -busy && shrinkMeetsMapping(m, op.size, "overlay");
  if (!overlay) expect(r, `ftruncate(${op.size})`).toBe(want);
  if (r < 0) return void expect(w.snapshot(), "a refused ftruncate changes nothing").toBe(before);
  const next = new Uint8Array(op.size);
  next.set(m.content.subarray(0, Math.min(op.size, m.content.length)));
  m.content = next;
}

function doMmap(w: DriverWorld, m: Model, backend: DriverBackend, op: Extract<Op, { k: "mmap" }>): void {
  const fd = pick([...m.fds.keys()], op.pick);
  if (fd === undefined) return;
  const accMode = m.fds.get(fd)!;
  const prot = op.write ? PROT_READ | PROT_WRITE : PROT_READ;
  const flags = op.shared ? MAP_SHARED : MAP_PRIVATE;
  const len = op.pages * P;
  let want = expectedMmap(w.node, { backend, accMode, prot, flags, pgoff: op.pgoff, len }, w.inode);
  const addr = w.sys(NR.mmap, 0, len, prot, flags, fd, op.pgoff * P);
  if (want === 0 && addr < 0 && mayDecline(w.node, backend, flags, prot) === addr) return;
  if (want === 0 && backend === "nommu" && sharingViolation(w.node, m, op, prot)) want = -EINVAL;
  if (want < 0) return void expect(addr, "mmap").toBe(want);
  expect(addr, "mmap").toBeGreaterThanOrEqual(0);
  const tracksFile = !(backend === "nommu" && mayJoinCopy(m, op.pgoff, op.pages));
  if (tracksFile) expect(mappingMismatch(w, addr, len, op.pgoff * P, m.content)).toBeNull();
  m.maps.push({ addr, len, pgoff: op.pgoff, prot, shared: op.shared, tracksFile });
}

/**
 * Whether a NOMMU request over [pgoff, pgoff + pages) may share the region of a live read-only
 * private mapping that is a copy: such a region is shareable, so a later request inside it — shared
 * ones too — joins it and shows the copy, not the file. Linux: the region-sharing loop of do_mmap()
 * in mm/nommu.c (VM_MAYSHARE on read-only private file mappings in 6.1, VM_MAYOVERLAY in 6.12).
 */
function mayJoinCopy(m: Model, pgoff: number, pages: number): boolean {
  return m.maps.some((x) => !x.shared && !(x.prot & PROT_WRITE) && x.pgoff <= pgoff && pgoff + pages <= x.pgoff + x.len / P);
}

/**
 * Whether a NOMMU request is a "mismatched share": it could share (shared, or private read-only), it
 * overlaps the range of a live shareable mapping of the file without lying inside it, and it can't
 * go direct on the device, so Linux refuses it (EINVAL, "Attempt to share mismatched mappings").
 * Linux: the sharing_violation exit of do_mmap() in mm/nommu.c.
 */
function sharingViolation(node: DriverNode, m: Model, op: Extract<Op, { k: "mmap" }>, prot: number): boolean {
  if (!op.shared && op.write) return false;
  const caps = node.mmap?.nommuCapabilities ?? 0;
  if (caps & NOMMU_MAP_DIRECT && !(prot & PROT_WRITE && !(caps & NOMMU_MAP_WRITE))) return false;
  const end = op.pgoff + op.pages;
  return m.maps.some((x) => {
    if (!x.shared && x.prot & PROT_WRITE) return false;
    const xEnd = x.pgoff + x.len / P;
    const overlaps = x.pgoff < end && op.pgoff < xEnd;
    return overlaps && !(op.pgoff >= x.pgoff && end <= xEnd);
  });
}

/**
 * munmap of a whole mapping. On NOMMU a start inside another VMA of the same mm (one of a larger
 * region it shares) is refused with EINVAL. Linux: do_munmap() in mm/nommu.c.
 */
function doMunmap(w: DriverWorld, m: Model, backend: DriverBackend, i: number): void {
  const x = pick(m.maps, i);
  if (x === undefined) return;
  const inside = m.maps.some((o) => o.addr < x.addr && x.addr < o.addr + o.len);
  const r = w.sys(NR.munmap, x.addr, x.len);
  if (backend === "nommu" && inside) return void expect(r).toBe(-EINVAL);
  expect(r, "munmap").toBe(0);
  m.maps.splice(m.maps.indexOf(x), 1);
}

function doPoke(w: DriverWorld, m: Model, op: Extract<Op, { k: "poke" }>): void {
  const x = pick(m.maps.filter((o) => o.prot & PROT_WRITE), op.pick);
  if (x === undefined) return;
  const inFile = Math.min(x.len, m.content.length - x.pgoff * P);
  if (inFile <= 0) return;
  const off = op.off % inFile;
  expect(w.poke(x.addr + off, new Uint8Array([op.byte])), "a store through a writable mapping").toBe(true);
  if (x.shared && w.node.mmap?.sharedWritesVisible === true) m.content[x.pgoff * P + off] = op.byte;
}

function step(w: DriverWorld, m: Model, backend: DriverBackend, op: Op): void {
  if (op.k === "open") doOpen(w, m, op.mode);
  else if (op.k === "close") doClose(w, m, op.pick);
  else if (op.k === "pread") doPread(w, m, op);
  else if (op.k === "pwrite") doPwrite(w, m, op);
  else if (op.k === "truncate") doTruncate(w, m, op);
  else if (op.k === "mmap") doMmap(w, m, backend, op);
  else if (op.k === "munmap") doMunmap(w, m, backend, op.pick);
  else doPoke(w, m, op);
}

/** Every live readable shared mapping shows the model's bytes (zero past EOF in the last page). */
function checkSharedMappings(w: DriverWorld, m: Model): void {
  if (w.node.mmap?.sharedWritesVisible !== true) return;
  for (const x of m.maps) {
    if (!x.shared || !x.tracksFile || !(x.prot & PROT_READ)) continue;
    expect(mappingMismatch(w, x.addr, x.len, x.pgoff * P, m.content), `shared mapping at pgoff ${x.pgoff}`).toBeNull();
  }
}

/** Registers the random-sequence property (for nodes with "file" data). */
export function driverProperties(it: KitIt, make: WorldMaker, backend: DriverBackend, node: DriverNode, numRuns: number, maxSteps: number): void {
  if (node.data !== "file") return;
  it("random open/close/pread/pwrite/ftruncate/mmap/munmap/store sequences agree with a byte model of the file", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: maxSteps }), (ops) => {
        const w = make();
        const m: Model = { content: initialContent(w.node), fds: new Map(), maps: [] };
        for (const op of ops) {
          step(w, m, backend, op);
          checkSharedMappings(w, m);
        }
        expectCleanEnd(w);
      }),
      { numRuns },
    );
  });
}
