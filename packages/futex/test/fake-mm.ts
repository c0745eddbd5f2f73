/**
 * A fake FutexTargetPort for tests: address spaces made of mappings over shared "objects" (a file or
 * shmem inode, or an anonymous area's own memory), with get_futex_key()'s rules for an MMU kernel:
 * private keys need only alignment and access_ok; shared keys need a readable mapping and are
 * (inode, pgoff) for file and shmem pages, (mm, address) for writable anonymous pages, and -EFAULT
 * for read-only anonymous memory (the zero page). Words are stored per object, so two mappings of
 * one object at different addresses (or in different mms) see the same word.
 */
import { EFAULT, EINVAL, FUT_OFF_INODE, FUT_OFF_MMSHARED, PAGE_SIZE, PROT_READ, PROT_WRITE, TASK_SIZE } from "@mmsim/mm-types";
import type { FutexKey, FutexTargetPort } from "@mmsim/mm-types";

/** Backing memory: an inode (file, shmem) or an anonymous area. */
export interface FakeObject {
  /** Inode sequence number for file/shmem objects; 0 for anonymous memory. */
  readonly ino: number;
  /** u32 words by byte offset in the object. */
  readonly words: Map<number, number>;
}

/** What a mapping maps: "file"/"shmem" MAP_SHARED, "privfile" MAP_PRIVATE of a file, "anon" private anonymous. */
export type FakeKind = "file" | "shmem" | "privfile" | "anon";

interface FakeMapping {
  readonly start: number;
  readonly end: number;
  readonly prot: number;
  readonly kind: FakeKind;
  readonly obj: FakeObject;
  /** File offset of start, in pages. */
  readonly pgoff: number;
  /** A private file mapping's copied-on-write words, by object offset. */
  readonly cow: Map<number, number>;
}

/** Address spaces for futex tests. */
export class FakeMms implements FutexTargetPort {
  private readonly mms = new Map<number, FakeMapping[]>();
  private nextIno = 1;
  /** Calls of each port method, to check what a failing call touched. */
  readonly calls = { futexKey: 0, readU32: 0, writeU32: 0 };

  /** A new file or shmem object. */
  newObject(): FakeObject {
    return { ino: this.nextIno++, words: new Map() };
  }

  /** Maps `len` bytes at `start` in `mmId`. Anonymous memory gets an object of its own. */
  map(mmId: number, start: number, len: number, prot: number, kind: FakeKind, obj: FakeObject | null = null, pgoff = 0): void {
    const list = this.mms.get(mmId) ?? [];
    this.mms.set(mmId, list);
    const o = obj ?? { ino: 0, words: new Map<number, number>() };
    list.push({ start, end: start + len, prot, kind, obj: o, pgoff, cow: new Map() });
  }

  private find(mmId: number, addr: number): FakeMapping | undefined {
    return this.mms.get(mmId)?.find((m) => m.start <= addr && addr < m.end);
  }

  private objOffset(m: FakeMapping, addr: number): number {
    return m.pgoff * PAGE_SIZE + (addr - m.start);
  }

  futexKey(mmId: number, uaddr: number, shared: boolean): FutexKey | number {
    this.calls.futexKey++;
    const offset = uaddr % PAGE_SIZE;
    if (uaddr % 4 !== 0) return -EINVAL;
    if (uaddr + 4 > TASK_SIZE) return -EFAULT;
    const page = uaddr - offset;
    if (!shared) return { word0: mmId, word1: page, offset };
    const m = this.find(mmId, uaddr);
    if (m === undefined || (m.prot & PROT_READ) === 0) return -EFAULT;
    const writable = (m.prot & PROT_WRITE) !== 0;
    if (m.kind === "anon" || (m.kind === "privfile" && writable)) {
      if (!writable) return -EFAULT;
      return { word0: mmId, word1: page, offset: offset | FUT_OFF_MMSHARED };
    }
    return { word0: m.obj.ino, word1: m.pgoff + (page - m.start) / PAGE_SIZE, offset: offset | FUT_OFF_INODE };
  }

  readU32(mmId: number, uaddr: number): number {
    this.calls.readU32++;
    const m = this.find(mmId, uaddr);
    if (m === undefined || (m.prot & PROT_READ) === 0) return -EFAULT;
    return this.load(m, uaddr);
  }

  private load(m: FakeMapping, addr: number): number {
    const off = this.objOffset(m, addr);
    return m.cow.get(off) ?? m.obj.words.get(off) ?? 0;
  }

  private store(m: FakeMapping, addr: number, value: number): void {
    (m.kind === "privfile" ? m.cow : m.obj.words).set(this.objOffset(m, addr), value >>> 0);
  }

  writeU32(mmId: number, uaddr: number, value: number): number {
    this.calls.writeU32++;
    const m = this.find(mmId, uaddr);
    if (m === undefined || (m.prot & PROT_WRITE) === 0) return -EFAULT;
    this.store(m, uaddr, value);
    return 0;
  }

  /** Test helper: the word at `uaddr` (0 when unmapped). */
  peek(mmId: number, uaddr: number): number {
    const m = this.find(mmId, uaddr);
    return m === undefined ? 0 : this.load(m, uaddr);
  }

  /** Test helper: stores a word as user space would (a plain store). */
  poke(mmId: number, uaddr: number, value: number): void {
    const m = this.find(mmId, uaddr);
    if (m === undefined) throw new Error(`poke: 0x${uaddr.toString(16)} is not mapped in mm ${mmId}`);
    this.store(m, uaddr, value);
  }
}
