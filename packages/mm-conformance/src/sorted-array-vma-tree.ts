/**
 * The reference VMA tree: one array of entry objects kept sorted by (vmStart, id), with every query
 * answered by a scan. Deliberately simple and slow; it is the model that property tests compare fast
 * trees against, and it passes the same conformance suite. Alignment arithmetic uses BigInt so that
 * it reads like the kernel's unsigned long arithmetic.
 */
import { DEFAULT_MMAP_MIN_ADDR, ENOMEM, ENOSYS, STACK_GUARD_GAP, VM_GROWSDOWN, bug } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo, VmaCursor, VmaTree, VmaTreeOptions } from "@mmsim/mm-types";

interface RefEntry<T> {
  vmStart: number;
  vmEnd: number;
  vmPgoff: number;
  vmFlags: number;
  readonly id: number;
  readonly value: T;
}

/** A free range between two entries (or before the first, or after the last), with the entry after it. */
interface RefGap<T> {
  readonly start: number;
  readonly end: number;
  readonly next: RefEntry<T> | undefined;
}

const MAX_ADDR = 2 ** 53;

function keyLess(aStart: number, aId: number, bStart: number, bId: number): boolean {
  return aStart < bStart || (aStart === bStart && aId < bId);
}

/** `(x & mask)` in 64-bit unsigned arithmetic, for integers x (possibly negative) and mask. */
function and64(x: number, mask: number): number {
  return Number(BigInt.asUintN(64, BigInt(x)) & BigInt(mask));
}

class SortedArrayVmaTree<T> implements VmaTree<T> {
  readonly overlap: boolean;
  readonly stackGuardGap: number;
  readonly mmapMinAddr: number;
  /** Entries in key order. */
  entries: RefEntry<T>[] = [];
  /** Bumped by insert, erase and clear: cursors compare it. */
  generation = 0;
  private count = 0;

  constructor(opts: VmaTreeOptions) {
    this.overlap = opts.overlap ?? false;
    this.stackGuardGap = opts.stackGuardGap ?? STACK_GUARD_GAP;
    this.mmapMinAddr = opts.mmapMinAddr ?? DEFAULT_MMAP_MIN_ADDR;
  }

  get mapCount(): number {
    return this.count;
  }

  private indexOfFindVma(addr: number): number {
    return this.entries.findIndex((e) => e.vmEnd > addr);
  }

  findVma(addr: number): T | undefined {
    const i = this.indexOfFindVma(addr);
    return i < 0 ? undefined : this.entries[i]!.value;
  }

  findVmaPrev(addr: number): T | undefined {
    const i = this.indexOfFindVma(addr);
    const prev = i < 0 ? this.entries.length - 1 : i - 1;
    return prev < 0 ? undefined : this.entries[prev]!.value;
  }

  findVmaIntersection(start: number, end: number): T | undefined {
    const i = this.indexOfFindVma(start);
    if (i < 0 || this.entries[i]!.vmStart >= end) return undefined;
    return this.entries[i]!.value;
  }

  private checkRange(vmStart: number, vmEnd: number): void {
    if (!Number.isInteger(vmStart) || !Number.isInteger(vmEnd) || vmStart < 0 || vmStart >= vmEnd || vmEnd > MAX_ADDR) {
      bug(`vma range [${vmStart}, ${vmEnd}) is empty, negative or not an integer range`);
    }
  }

  private intersectsOther(vmStart: number, vmEnd: number, id: number): boolean {
    return this.entries.some((e) => e.id !== id && e.vmStart < vmEnd && vmStart < e.vmEnd);
  }

  insert(vmStart: number, vmEnd: number, vmPgoff: number, vmFlags: number, id: number, value: T): void {
    this.checkRange(vmStart, vmEnd);
    if (!Number.isInteger(id) || id < 0) bug(`vma id ${id} is not a non-negative integer`);
    if (value === undefined) bug("a vma tree value must not be undefined");
    if (this.indexOfKey(vmStart, id) >= 0) bug(`key (${vmStart}, ${id}) is already in the tree`);
    if (!this.overlap && this.intersectsOther(vmStart, vmEnd, id)) {
      bug(`inserting [${vmStart}, ${vmEnd}) overlaps an existing vma`);
    }
    const entry: RefEntry<T> = { vmStart, vmEnd, vmPgoff, vmFlags, id, value };
    let pos = this.entries.findIndex((e) => keyLess(vmStart, id, e.vmStart, e.id));
    if (pos < 0) pos = this.entries.length;
    this.entries.splice(pos, 0, entry);
    this.count++;
    this.generation++;
  }

  private indexOfKey(vmStart: number, id: number): number {
    return this.entries.findIndex((e) => e.vmStart === vmStart && e.id === id);
  }

  erase(vmStart: number, id: number): boolean {
    const i = this.indexOfKey(vmStart, id);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    this.count--;
    this.generation++;
    return true;
  }

  adjust(id: number, vmStart: number, vmEnd: number, vmPgoff: number): void {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) bug(`no vma with id ${id}`);
    const entry = this.entries[i]!;
    this.checkRange(vmStart, vmEnd);
    const prev = this.entries[i - 1];
    const next = this.entries[i + 1];
    if (prev !== undefined && !keyLess(prev.vmStart, prev.id, vmStart, id)) bug(`adjust of vma ${id} moves it before its predecessor`);
    if (next !== undefined && !keyLess(vmStart, id, next.vmStart, next.id)) bug(`adjust of vma ${id} moves it after its successor`);
    if (!this.overlap && this.intersectsOther(vmStart, vmEnd, id)) bug(`adjust of vma ${id} to [${vmStart}, ${vmEnd}) overlaps a neighbour`);
    entry.vmStart = vmStart;
    entry.vmEnd = vmEnd;
    entry.vmPgoff = vmPgoff;
  }

  vmFlagsReset(vmStart: number, id: number, vmFlags: number): void {
    const i = this.indexOfKey(vmStart, id);
    if (i < 0) bug(`no vma with key (${vmStart}, ${id})`);
    this.entries[i]!.vmFlags = vmFlags;
  }

  clear(): void {
    this.entries = [];
    this.count = 0;
    this.generation++;
  }

  cursor(): VmaCursor<T> {
    return new SortedArrayCursor(this);
  }

  /** The free ranges in address order, each with the entry that follows it. */
  private gaps(): RefGap<T>[] {
    const out: RefGap<T>[] = [];
    let prevEnd = 0;
    for (const e of this.entries) {
      if (e.vmStart > prevEnd) out.push({ start: prevEnd, end: e.vmStart, next: e });
      prevEnd = e.vmEnd;
    }
    out.push({ start: prevEnd, end: Infinity, next: undefined });
    return out;
  }

  private vmStartGap(e: RefEntry<T>): number {
    return Math.max(0, e.vmStart - this.stackGuardGap);
  }

  private fits(g: RefGap<T>, low: number, high: number, size: number): boolean {
    return Math.min(g.end, high) - Math.max(g.start, low) >= size;
  }

  private isStackBelowGuard(next: RefEntry<T> | undefined, limit: number): next is RefEntry<T> {
    return next !== undefined && (next.vmFlags & VM_GROWSDOWN) !== 0 && this.vmStartGap(next) < limit;
  }

  unmappedArea(info: VmUnmappedAreaInfo): number {
    if (this.overlap) return -ENOSYS;
    const size = info.length + info.alignMask;
    let low = Math.max(info.lowLimit, this.mmapMinAddr);
    for (;;) {
      const g = size === 0 ? undefined : this.gaps().find((x) => this.fits(x, low, info.highLimit, size));
      if (g === undefined) return -ENOMEM;
      let addr = Math.max(g.start, low);
      addr += and64(info.alignOffset - addr, info.alignMask);
      if (!this.isStackBelowGuard(g.next, addr + size - 1)) return addr;
      low = g.next.vmEnd;
    }
  }

  unmappedAreaTopdown(info: VmUnmappedAreaInfo): number {
    if (this.overlap) return -ENOSYS;
    const size = info.length + info.alignMask;
    const low = Math.max(info.lowLimit, this.mmapMinAddr);
    let high = info.highLimit;
    for (;;) {
      const g = size === 0 ? undefined : this.gaps().findLast((x) => this.fits(x, low, high, size));
      if (g === undefined) return -ENOMEM;
      const gapEnd = Math.min(g.end, high);
      let addr = gapEnd - info.length;
      addr -= and64(addr - info.alignOffset, info.alignMask);
      if (!this.isStackBelowGuard(g.next, gapEnd)) return addr;
      high = this.vmStartGap(g.next);
    }
  }

  assertValid(): void {
    const seen = new Set<number>();
    let prev: RefEntry<T> | undefined;
    for (const e of this.entries) {
      if (!(e.vmStart < e.vmEnd)) bug(`vma ${e.id}: vm_start ${e.vmStart} >= vm_end ${e.vmEnd}`);
      if (prev !== undefined && !keyLess(prev.vmStart, prev.id, e.vmStart, e.id)) bug(`order: vma ${prev.id} is not before vma ${e.id}`);
      if (!this.overlap && prev !== undefined && prev.vmEnd > e.vmStart) bug(`overlap: vma ${prev.id} overlaps vma ${e.id}`);
      if (seen.has(e.id)) bug(`duplicate id ${e.id}`);
      seen.add(e.id);
      prev = e;
    }
    if (this.count !== this.entries.length) bug(`count: map_count ${this.count}, entries ${this.entries.length}`);
  }
}

class SortedArrayCursor<T> implements VmaCursor<T> {
  vmStart = 0;
  vmEnd = 0;
  vmPgoff = 0;
  vmFlags = 0;
  id = -1;
  private index = 0;
  private start = 0;
  private end = 0;
  private generation: number;

  constructor(private readonly tree: SortedArrayVmaTree<T>) {
    this.generation = tree.generation;
    this.index = Infinity;
  }

  reset(start: number, end: number): void {
    this.start = start;
    this.end = end;
    this.index = 0;
    this.generation = this.tree.generation;
  }

  next(): T | undefined {
    if (this.generation !== this.tree.generation) bug("vma cursor used after the tree changed: reset() it first");
    const entries = this.tree.entries;
    while (this.index < entries.length) {
      const e = entries[this.index++]!;
      if (e.vmStart >= this.end) break;
      if (e.vmEnd <= this.start) continue;
      this.vmStart = e.vmStart;
      this.vmEnd = e.vmEnd;
      this.vmPgoff = e.vmPgoff;
      this.vmFlags = e.vmFlags;
      this.id = e.id;
      return e.value;
    }
    this.index = Infinity;
    return undefined;
  }
}

/**
 * Creates the reference VMA tree: a sorted array answering every query by a scan.
 * Linux: the pre-2.6 mm->mmap list of mm/mmap.c, walked by find_vma(); the model for property tests.
 */
export function createSortedArrayVmaTree<T>(opts: VmaTreeOptions = {}): VmaTree<T> {
  return new SortedArrayVmaTree<T>(opts);
}
