/**
 * fork (dup_mmap): which VMAs and pages the child gets, the anon_vma chain that keeps an inherited
 * VMA from merging, the vm_ops open/close and i_mmap bookkeeping of every VMA copy and removal.
 */
import { describe, expect, it } from "vitest";
import {
  MADV_DONTFORK,
  MADV_WIPEONFORK,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PAGE_SIZE as P,
  PROT_READ,
  PROT_WRITE,
  SEGV_MAPERR,
  VM_LOCKED,
} from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import { TestFile, bytes, newMmu } from "./helpers.js";

const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const RW = PROT_READ | PROT_WRITE;
const BASE = 0x40000000;

function world(pageCacheRefs?: (pfn: number) => number) {
  const { be, node } = newMmu(pageCacheRefs !== undefined ? { pageCacheRefs } : {});
  const free0 = node.freePagesCount();
  const mm = be.mmNew();
  const mmap = (id: number, addr: number, len: number, prot: number, flags: number, file: MmapFile | null = null, pgoff = 0): number => {
    const r = be.mmap(id, { addr, len, prot, flags: flags | MAP_FIXED, pgoff, file });
    be.assertValid();
    return r;
  };
  /** The VMAs of an mm as "start-end" page numbers relative to BASE. */
  const layout = (id: number): string[] =>
    be
      .mm(id)
      .vmasIn(0, 2 ** 53)
      .map((v) => `${(v.vmStart - BASE) / P}-${(v.vmEnd - BASE) / P}`);
  return { be, node, free0, mm, mmap, layout };
}

describe("dup_mmap", () => {
  it("the child shares every page copy-on-write; each side's writes stay its own", () => {
    const { be, node, free0, mm, mmap } = world();
    mmap(mm, BASE, 4 * P, RW, ANON);
    const p = bytes(be, mm);
    for (let i = 0; i < 4; i++) p.poke(BASE + i * P, 10 + i);
    const child = be.mmDup(mm);
    be.assertValid();
    const c = bytes(be, child);
    expect(be.view(child).counters().anonPages).toBe(4);
    const free = node.freePagesCount();
    expect(c.poke(BASE, 99)).toBe(0);
    expect(node.freePagesCount()).toBe(free - 1);
    expect(p.peek(BASE)).toBe(10);
    expect(c.peek(BASE + P)).toBe(11);
    expect(p.poke(BASE + P, 77)).toBe(0);
    expect(c.peek(BASE + P)).toBe(11);
    be.assertValid();
    be.mmRelease(child);
    be.assertValid();
    be.mmRelease(mm);
    expect(node.freePagesCount()).toBe(free0);
  });

  it("MADV_DONTFORK areas stay behind; MADV_WIPEONFORK areas come empty; locks are not inherited", () => {
    const { be, mm, mmap, layout } = world();
    mmap(mm, BASE, 3 * P, RW, ANON);
    const p = bytes(be, mm);
    for (let i = 0; i < 3; i++) p.poke(BASE + i * P, 1);
    expect(be.madvise(mm, BASE, P, MADV_DONTFORK)).toBe(0);
    expect(be.madvise(mm, BASE + P, P, MADV_WIPEONFORK)).toBe(0);
    expect(be.mlock(mm, BASE + 2 * P, P, true)).toBe(0);
    const child = be.mmDup(mm);
    be.assertValid();
    expect(layout(child)).toEqual(["1-2", "2-3"]);
    const c = bytes(be, child);
    expect(c.peek(BASE)).toMatchObject({ code: SEGV_MAPERR });
    expect(c.peek(BASE + P)).toBe(0);
    expect(c.peek(BASE + 2 * P)).toBe(1);
    expect(be.mm(child).lookup(BASE + 2 * P)!.vmFlags & VM_LOCKED).toBe(0);
    expect(be.view(child).counters()).toMatchObject({ anonPages: 1, mapCount: 2 });
    be.mmRelease(child);
    be.mmRelease(mm);
    be.assertValid();
  });

  it("a VMA inherited through fork doesn't merge with a new neighbour in the child; the parent's does", () => {
    //   AAAA        parent and child: A written before fork
    //   AAAANNNN    a new neighbour N, also written: merges in the parent only
    const { be, mm, mmap, layout } = world();
    mmap(mm, BASE, 2 * P, RW, ANON);
    bytes(be, mm).poke(BASE, 1);
    const child = be.mmDup(mm);
    for (const id of [mm, child]) {
      mmap(id, BASE + 2 * P, 2 * P, RW, ANON);
      bytes(be, id).poke(BASE + 2 * P, 1);
      expect(be.mprotect(id, BASE + 2 * P, 2 * P, PROT_READ)).toBe(0);
      expect(be.mprotect(id, BASE + 2 * P, 2 * P, RW)).toBe(0);
      be.assertValid();
    }
    expect(layout(mm)).toEqual(["0-4"]);
    expect(layout(child)).toEqual(["0-2", "2-4"]);
    be.mmRelease(child);
    be.mmRelease(mm);
  });

  it("shared mappings share their pages; the child faults them in lazily", () => {
    const { be, mm, mmap } = world();
    mmap(mm, BASE, 2 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
    bytes(be, mm).poke(BASE, 3);
    const child = be.mmDup(mm);
    expect(be.view(child).counters().shmemPages).toBe(0);
    expect(bytes(be, child).peek(BASE)).toBe(3);
    expect(be.view(child).counters().shmemPages).toBe(1);
    be.assertValid();
    be.mmRelease(mm);
    expect(bytes(be, child).peek(BASE)).toBe(3);
    be.mmRelease(child);
    be.assertValid();
  });
});

describe("vm_ops open/close and i_mmap", () => {
  it("every VMA copy is opened and every removal closed; i_mmap holds exactly the live VMAs; the last goes with release", () => {
    const { be, node, free0, mm, mmap } = world((pfn) => f.refs(pfn));
    const f = new TestFile(node, 16 * P);
    const file = f.open();
    mmap(mm, BASE, 8 * P, RW, MAP_SHARED, file);
    expect([f.mmaps, f.opens, f.closes]).toEqual([1, 0, 0]);
    expect(be.mprotect(mm, BASE + 2 * P, 2 * P, PROT_READ)).toBe(0); // split in three: two opens
    expect(f.opens).toBe(2);
    const p = bytes(be, mm);
    for (let i = 0; i < 8; i++) p.peek(BASE + i * P);
    const child = be.mmDup(mm); // three more
    expect(f.opens).toBe(5);
    // moving the child's first page: a split (open), the moved copy (open), the old piece (close)
    expect(be.mremap(child, BASE, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 32 * P)).toBe(BASE + 32 * P);
    be.assertValid();
    expect([f.opens, f.closes]).toEqual([7, 1]);
    expect(f.mapping.entries.size).toBe(7);
    expect(bytes(be, child).peek(BASE + 32 * P)).toBe(1);
    expect(be.munmap(mm, BASE, 8 * P)).toBe(0);
    be.assertValid();
    expect(f.closes).toBe(4);
    expect(f.releases).toBe(0);
    be.mmRelease(child);
    be.assertValid();
    expect(f.mapping.entries.size).toBe(0);
    expect(f.closes - f.opens).toBe(f.mmaps);
    expect(f.releases).toBe(1);
    be.mmRelease(mm);
    f.evict();
    expect(node.freePagesCount()).toBe(free0);
  });
});
