/**
 * Demand paging, copy-on-write and the faults user accesses raise (mm/memory.c, the x86 fault
 * handler), each world built over its own page allocator, assertValid() after every step and no
 * page left allocated once every mm is gone.
 */
import { describe, expect, it } from "vitest";
import {
  MADV_DONTNEED,
  MADV_FREE,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_GROWSDOWN,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PAGE_SIZE as P,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SIGBUS,
  SIGKILL,
  SIGSEGV,
} from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import { BUS_ADRERR } from "../src/index.js";
import { TestFile, bytes, newMmu } from "./helpers.js";

const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const RW = PROT_READ | PROT_WRITE;
const BASE = 0x40000000;

function world(pages = 4096) {
  const { be, node } = newMmu({}, pages);
  const free0 = node.freePagesCount();
  const mm = be.mmNew();
  const mmap = (addr: number, len: number, prot: number, flags: number, file: MmapFile | null = null, pgoff = 0): number => {
    const r = be.mmap(mm, { addr, len, prot, flags: flags | (addr !== 0 ? MAP_FIXED : 0), pgoff, file });
    be.assertValid();
    return r;
  };
  const counters = () => be.view(mm).counters();
  /** Releases everything and checks no page is left. */
  const done = (...files: TestFile[]): void => {
    be.mmRelease(mm);
    be.assertValid();
    for (const f of files) f.evict();
    expect(node.freePagesCount()).toBe(free0);
  };
  return { be, node, mm, mmap, counters, done, ...bytes(be, mm) };
}

describe("anonymous memory", () => {
  it("a read maps the shared zero page (no RSS, reads 0); a write allocates a zeroed page", () => {
    const w = world();
    w.mmap(BASE, 4 * P, RW, ANON);
    const free = w.node.freePagesCount();
    expect(w.peek(BASE + 5)).toBe(0);
    expect(w.counters().anonPages).toBe(0);
    expect(w.node.freePagesCount()).toBe(free);
    expect(w.poke(BASE + P + 7, 0xaa)).toBe(0);
    expect(w.peek(BASE + P + 7)).toBe(0xaa);
    expect(w.peek(BASE + P + 8)).toBe(0);
    expect(w.counters().anonPages).toBe(1);
    expect(w.node.freePagesCount()).toBe(free - 1);
    // writing where the zero page is mapped copies it
    expect(w.poke(BASE + 3, 1)).toBe(0);
    expect(w.counters().anonPages).toBe(2);
    expect(w.be.view(w.mm).residentPages(w.be.mm(w.mm).lookup(BASE)!)).toBe(2);
    w.be.assertValid();
    w.done();
  });

  it("SIGSEGV: SEGV_MAPERR outside every VMA, SEGV_ACCERR against the protection; PROT_WRITE alone is readable on x86", () => {
    const w = world();
    w.mmap(BASE, P, PROT_READ, ANON);
    w.mmap(BASE + P, P, PROT_NONE, ANON);
    w.mmap(BASE + 2 * P, P, PROT_WRITE, ANON);
    expect(w.poke(BASE - 1, 1)).toEqual({ signal: SIGSEGV, code: SEGV_MAPERR, addr: BASE - 1 });
    expect(w.poke(BASE + 10, 1)).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr: BASE + 10 });
    expect(w.peek(BASE + P)).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr: BASE + P });
    expect(w.poke(BASE + 2 * P, 9)).toBe(0);
    expect(w.peek(BASE + 2 * P)).toBe(9);
    expect(w.peek(2 ** 47)).toEqual({ signal: SIGSEGV, code: SEGV_MAPERR, addr: 2 ** 47 });
    w.done();
  });

  it("a copy that faults part way returns the fault at the first byte it could not reach, the bytes before it copied", () => {
    const w = world();
    w.mmap(BASE, 2 * P, RW, ANON);
    w.mmap(BASE + 2 * P, P, PROT_READ, ANON);
    const src = new Uint8Array(P + 200).fill(7);
    expect(w.be.writeUser(w.mm, BASE + 2 * P - P + 100, src)).toEqual({ signal: SIGSEGV, code: SEGV_ACCERR, addr: BASE + 2 * P });
    expect(w.peek(BASE + 2 * P - 1)).toBe(7);
    expect(w.peek(BASE + P + 99)).toBe(0);
    w.done();
  });

  it("mprotect write-protects the ptes, and back to writable the pages are reused, not copied", () => {
    const w = world();
    w.mmap(BASE, 2 * P, RW, ANON);
    w.poke(BASE, 1);
    expect(w.be.mprotect(w.mm, BASE, P, PROT_READ)).toBe(0);
    w.be.assertValid();
    expect(w.poke(BASE, 2)).toMatchObject({ code: SEGV_ACCERR });
    expect(w.be.mprotect(w.mm, BASE, P, RW)).toBe(0);
    const pfnAt = (a: number): number => w.be.mm(w.mm).pt.pteTable(a / P)!.pfn[(a / P) % 512]!;
    const before = pfnAt(BASE);
    expect(w.poke(BASE, 3)).toBe(0);
    expect(pfnAt(BASE)).toBe(before);
    expect(w.peek(BASE)).toBe(3);
    // shared with a child, the same write copies
    const child = w.be.mmDup(w.mm);
    expect(w.poke(BASE, 4)).toBe(0);
    expect(pfnAt(BASE)).not.toBe(before);
    expect(bytes(w.be, child).peek(BASE)).toBe(3);
    w.be.mmRelease(child);
    w.done();
  });

  it("MADV_DONTNEED drops the pages (zero again); MADV_FREE keeps them mapped, clean and lazily freeable", () => {
    const w = world();
    w.mmap(BASE, 4 * P, RW, ANON);
    for (let i = 0; i < 4; i++) w.poke(BASE + i * P, i + 1);
    expect(w.be.madvise(w.mm, BASE, 2 * P, MADV_DONTNEED)).toBe(0);
    w.be.assertValid();
    expect(w.counters().anonPages).toBe(2);
    expect(w.peek(BASE)).toBe(0);
    expect(w.be.madvise(w.mm, BASE + 2 * P, 2 * P, MADV_FREE)).toBe(0);
    w.be.assertValid();
    expect(w.peek(BASE + 3 * P)).toBe(4);
    const stats = w.be.view(w.mm).memSizeStats(w.be.mm(w.mm).lookup(BASE)!);
    expect(stats.lazyfree).toBe(2 * P);
    expect(stats.privateClean).toBe(2 * P);
    w.done();
  });

  it("mremap moves pages with their contents; MREMAP_DONTUNMAP leaves the old range mapped and empty", () => {
    const w = world();
    w.mmap(BASE, 2 * P, RW, ANON);
    w.poke(BASE, 5);
    w.poke(BASE + P, 6);
    expect(w.be.mremap(w.mm, BASE, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 16 * P)).toBe(BASE + 16 * P);
    w.be.assertValid();
    expect(w.peek(BASE + 16 * P)).toBe(5);
    expect(w.peek(BASE)).toMatchObject({ code: SEGV_MAPERR });
    expect(w.be.mremap(w.mm, BASE + 16 * P, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0)).toBeGreaterThan(0);
    w.be.assertValid();
    expect(w.peek(BASE + 17 * P)).toBe(0);
    expect(w.counters().anonPages).toBe(2);
    w.done();
  });

  it("out of memory the faulting access is killed, and nothing leaks", () => {
    const w = world(64);
    w.mmap(BASE, 128 * P, RW, ANON);
    let fault = null;
    for (let i = 0; i < 128 && fault === null; i++) {
      const r = w.poke(BASE + i * P, 1);
      if (r !== 0) fault = r;
    }
    expect(fault).toMatchObject({ signal: SIGKILL });
    w.be.assertValid();
    w.done();
  });
});

describe("stack growth", () => {
  const STACK = 0x7ff000000000;
  it("a fault below a VM_GROWSDOWN VMA grows it down to the page", () => {
    const w = world();
    w.mmap(STACK, 4 * P, RW, ANON | MAP_GROWSDOWN);
    expect(w.poke(STACK - 3 * P + 17, 1)).toBe(0);
    w.be.assertValid();
    const v = w.be.mm(w.mm).lookup(STACK)!;
    expect(v.vmStart).toBe(STACK - 3 * P);
    expect(v.vmPgoff).toBe(STACK / P - 3);
    w.done();
  });

  it("refuses to come within stack_guard_gap of an accessible VMA below, and past RLIMIT_STACK", () => {
    const w = world();
    w.mmap(STACK, 4 * P, RW, ANON | MAP_GROWSDOWN);
    w.mmap(STACK - 300 * P, P, PROT_READ, ANON);
    expect(w.poke(STACK - 100 * P, 1)).toEqual({ signal: SIGSEGV, code: SEGV_MAPERR, addr: STACK - 100 * P });
    // a PROT_NONE neighbour is no obstacle
    expect(w.be.mprotect(w.mm, STACK - 300 * P, P, PROT_NONE)).toBe(0);
    expect(w.poke(STACK - 100 * P, 1)).toBe(0);
    expect(w.be.munmap(w.mm, STACK - 300 * P, P)).toBe(0);
    // 8 MiB is 2048 pages, the 4 it started with included
    expect(w.poke(STACK - 2045 * P, 1)).toMatchObject({ code: SEGV_MAPERR });
    expect(w.poke(STACK - 2044 * P, 1)).toBe(0);
    w.be.assertValid();
    w.done();
  });
});

describe("file mappings", () => {
  it("a read maps the page-cache page and the pages cached around it; a private write copies; a shared write reaches the cache", () => {
    const w = world();
    const f = new TestFile(w.node, 8 * P);
    const rw = f.open();
    w.mmap(BASE, 8 * P, RW, MAP_PRIVATE, rw);
    w.mmap(BASE + 16 * P, 8 * P, RW, MAP_SHARED, rw);
    expect(w.peek(BASE + P)).toBe(2);
    expect(w.counters().filePages).toBe(1);
    expect(w.poke(BASE + P, 0x55)).toBe(0);
    expect(w.counters()).toMatchObject({ anonPages: 1, filePages: 0 });
    expect(w.peek(BASE + 16 * P + P)).toBe(2);
    // the shared mapping's fault mapped page 1 and faulted around it: page 1 is the only cached one
    expect(w.counters().filePages).toBe(1);
    expect(w.poke(BASE + 16 * P + 2 * P, 0x66)).toBe(0);
    expect(w.peek(BASE + 2 * P)).toBe(0x66);
    w.be.assertValid();
    w.done(f);
  });

  it("SIGBUS beyond the end of the file; a private mapping without a fault hook reads the file, a shared one can't", () => {
    const w = world();
    const f = new TestFile(w.node, 2 * P + 10);
    w.mmap(BASE, 4 * P, PROT_READ, MAP_PRIVATE, f.open({ withFault: false }));
    expect(w.peek(BASE + 2 * P)).toBe(3);
    expect(w.peek(BASE + 3 * P)).toEqual({ signal: SIGBUS, code: BUS_ADRERR, addr: BASE + 3 * P });
    w.mmap(BASE + 8 * P, P, PROT_READ, MAP_SHARED, f.open({ withFault: false }));
    expect(w.peek(BASE + 8 * P)).toMatchObject({ signal: SIGBUS });
    w.be.assertValid();
    w.done(f);
  });

  it("truncate through i_mmap unmaps the pages past the new end, private copies too; then SIGBUS", () => {
    const { be, node } = newMmu({ pageCacheRefs: (pfn) => f.refs(pfn) });
    const free0 = node.freePagesCount();
    const f = new TestFile(node, 4 * P);
    const mm = be.mmNew();
    const { peek, poke } = bytes(be, mm);
    be.mmap(mm, { addr: BASE, len: 4 * P, prot: RW, flags: MAP_PRIVATE | MAP_FIXED, pgoff: 0, file: f.open() });
    for (let i = 0; i < 4; i++) peek(BASE + i * P);
    poke(BASE + 3 * P, 9);
    be.assertValid();
    f.truncate(2 * P);
    be.assertValid();
    expect(be.view(mm).counters()).toMatchObject({ anonPages: 0, filePages: 2 });
    expect(peek(BASE + 3 * P)).toMatchObject({ signal: SIGBUS });
    expect(peek(BASE + P)).toBe(2);
    be.mmRelease(mm);
    f.evict();
    expect(node.freePagesCount()).toBe(free0);
  });

  it("msync(MS_SYNC) writes back: the pages and their ptes become clean", () => {
    const w = world();
    const f = new TestFile(w.node, 4 * P);
    w.mmap(BASE, 4 * P, RW, MAP_SHARED, f.open());
    w.poke(BASE, 1);
    const vma = () => w.be.mm(w.mm).lookup(BASE)!;
    expect(w.be.view(w.mm).memSizeStats(vma()).privateDirty).toBe(P);
    expect(w.be.msync(w.mm, BASE, 4 * P, 4)).toBe(0);
    expect(w.be.view(w.mm).memSizeStats(vma()).privateDirty).toBe(0);
    // the pte was write-protected: the next write is seen again
    w.poke(BASE, 2);
    expect(w.be.view(w.mm).memSizeStats(vma()).privateDirty).toBe(P);
    w.be.assertValid();
    w.done(f);
  });
});

describe("shared anonymous memory", () => {
  it("is one shmem object: a fork sees the parent's writes and the parent the child's", () => {
    const w = world();
    w.mmap(BASE, 2 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
    w.poke(BASE, 1);
    const child = w.be.mmDup(w.mm);
    const c = bytes(w.be, child);
    expect(c.peek(BASE)).toBe(1);
    c.poke(BASE + P, 2);
    expect(w.peek(BASE + P)).toBe(2);
    expect(w.be.view(child).counters().shmemPages).toBe(2);
    w.be.assertValid();
    w.be.mmRelease(child);
    w.done();
  });

  it("grown by mremap past its size, the new part raises SIGBUS", () => {
    const w = world();
    w.mmap(BASE, P, RW, MAP_SHARED | MAP_ANONYMOUS);
    expect(w.be.mremap(w.mm, BASE, P, 2 * P, 0, 0)).toBe(BASE);
    expect(w.poke(BASE + P, 1)).toMatchObject({ signal: SIGBUS });
    expect(w.poke(BASE, 1)).toBe(0);
    w.done();
  });
});
