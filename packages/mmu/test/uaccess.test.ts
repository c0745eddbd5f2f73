/**
 * The futex port: get_futex_key() for private and shared futexes over anonymous, shmem and file
 * memory, and get_user()/put_user() through faults and copy-on-write.
 */
import { describe, expect, it } from "vitest";
import {
  EFAULT,
  EINVAL,
  FUT_OFF_INODE,
  FUT_OFF_MMSHARED,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  PAGE_SIZE as P,
  PROT_READ,
  PROT_WRITE,
  TASK_SIZE,
} from "@mmsim/mm-types";
import type { FutexKey, MmapFile } from "@mmsim/mm-types";
import { TestFile, newMmu } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;
const BASE = 0x40000000;

function world() {
  const { be, node } = newMmu();
  const mm = be.mmNew();
  const mmap = (id: number, addr: number, len: number, prot: number, flags: number, file: MmapFile | null = null, pgoff = 0): number =>
    be.mmap(id, { addr, len, prot, flags: flags | MAP_FIXED, pgoff, file });
  const key = (id: number, addr: number, shared: boolean): FutexKey | number => {
    const k = be.futex.futexKey(id, addr, shared);
    be.assertValid();
    return k;
  };
  return { be, node, mm, mmap, key };
}

describe("futexKey", () => {
  it("private keys need no mapping: (mm, page, offset); unaligned → EINVAL, past user space → EFAULT", () => {
    const { mm, key } = world();
    expect(key(mm, BASE + 0x124, false)).toEqual({ word0: mm, word1: BASE, offset: 0x124 });
    expect(key(mm, BASE + 2, false)).toBe(-EINVAL);
    expect(key(mm, TASK_SIZE, false)).toBe(-EFAULT);
    expect(key(mm, BASE, true)).toBe(-EFAULT);
  });

  it("shared keys of private anonymous memory are (mm, address) | MMSHARED, and differ across fork", () => {
    const { be, mm, mmap, key } = world();
    mmap(mm, BASE, P, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    const k = key(mm, BASE + 8, true);
    expect(k).toEqual({ word0: mm, word1: BASE, offset: 8 | FUT_OFF_MMSHARED });
    // pinning for writing faulted a page in
    expect(be.view(mm).counters().anonPages).toBe(1);
    const child = be.mmDup(mm);
    expect(key(child, BASE + 8, true)).toEqual({ word0: child, word1: BASE, offset: 8 | FUT_OFF_MMSHARED });
    be.mmRelease(child);
  });

  it("read-only anonymous memory has no shared key (EFAULT), a read-only private file mapping keys by inode", () => {
    const { node, mm, mmap, key } = world();
    mmap(mm, BASE, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(key(mm, BASE, true)).toBe(-EFAULT);
    const f = new TestFile(node, 4 * P);
    mmap(mm, BASE + 4 * P, 2 * P, PROT_READ, MAP_PRIVATE, f.open(), 2);
    const k = key(mm, BASE + 5 * P + 4, true) as FutexKey;
    expect(k.word1).toBe(3);
    expect(k.offset).toBe(4 | FUT_OFF_INODE);
  });

  it("shared memory keys by (inode, page index): the same in parent and child and at another address", () => {
    const { be, node, mm, mmap, key } = world();
    mmap(mm, BASE, 2 * P, RW, MAP_SHARED | MAP_ANONYMOUS);
    const k = key(mm, BASE + P, true) as FutexKey;
    expect(k.offset).toBe(FUT_OFF_INODE);
    expect(k.word1).toBe(1);
    const child = be.mmDup(mm);
    expect(key(child, BASE + P, true)).toEqual(k);
    const f = new TestFile(node, 4 * P);
    const file = f.open();
    mmap(mm, BASE + 8 * P, 4 * P, RW, MAP_SHARED, file);
    mmap(mm, BASE + 16 * P, 2 * P, RW, MAP_SHARED, file, 2);
    const a = key(mm, BASE + 10 * P, true) as FutexKey;
    expect(key(mm, BASE + 16 * P, true)).toEqual(a);
    expect(a.word0).not.toBe(k.word0);
    be.mmRelease(child);
  });
});

describe("readU32 / writeU32", () => {
  it("load and store little-endian words through faults and copy-on-write, across a page boundary too", () => {
    const { be, mm, mmap } = world();
    mmap(mm, BASE, 2 * P, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(be.futex.readU32(mm, BASE)).toBe(0);
    expect(be.futex.writeU32(mm, BASE + P - 2, 0xdeadbeef)).toBe(0);
    expect(be.futex.readU32(mm, BASE + P - 2)).toBe(0xdeadbeef);
    const child = be.mmDup(mm);
    expect(be.futex.writeU32(child, BASE + P - 2, 7)).toBe(0);
    expect(be.futex.readU32(mm, BASE + P - 2)).toBe(0xdeadbeef);
    expect(be.futex.readU32(child, BASE + P - 2)).toBe(7);
    expect(be.futex.readU32(mm, BASE + 2 * P)).toBe(-EFAULT);
    expect(be.futex.writeU32(mm, BASE + 2 * P - 2, 1)).toBe(-EFAULT);
    be.assertValid();
    be.mmRelease(child);
  });
});
