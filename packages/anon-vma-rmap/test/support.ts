/**
 * A small stand-in for the MMU backend, for tests: address spaces of VMAs with page tables as
 * maps, doing fault, copy-on-write, fork, split, merge, mremap and munmap the way mm/memory.c,
 * kernel/fork.c and mm/mmap.c call into the rmap. Its page tables are also the brute-force model
 * the rmap is checked against: for each page, the set of (mm, addr) that map it.
 */
import { expect } from "vitest";
import { PAGE_SIZE, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE } from "@mmsim/mm-types";
import type { IMmapEntry } from "@mmsim/mm-types";
import { AddressSpace, AnonVmaCache, PageRmap, findMergeableAnonVma, isMergeableAnonVma } from "../src/index.js";
import type { AnonVma, AnonVmaChain, RmapPtePort, RmapVma, RmapWalkVma, SlabFailHook } from "../src/index.js";

export const PRIVATE_RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
export const SHARED_RW = PRIVATE_RW | VM_SHARED | VM_MAYSHARE;

/** A VMA: what the MMU backend's Vma will be to this package (RmapVma and i_mmap entry at once). */
export class TestVma implements RmapVma, IMmapEntry {
  anonVma: AnonVma | null = null;
  readonly anonVmaChain: AnonVmaChain[] = [];
  readonly zapped: [number, number][] = [];

  constructor(
    readonly mmId: number,
    public vmStart: number,
    public vmEnd: number,
    public vmPgoff: number,
    public vmFlags: number,
    readonly vmFile: AddressSpace | null = null,
  ) {}

  /** IMmapEntry: a record of truncation requests. */
  zapPages(first: number, last: number): void {
    this.zapped.push([first, last]);
  }

  toString(): string {
    return `mm${this.mmId}[${this.vmStart.toString(16)}-${this.vmEnd.toString(16)} pgoff ${this.vmPgoff}]`;
  }
}

export interface Mm {
  readonly id: number;
  /** VMAs in address order. */
  vmas: TestVma[];
  /** addr → pfn. */
  readonly ptes: Map<number, number>;
}

/** Page frame n at address `page(n)`. */
export const page = (n: number): number => n * PAGE_SIZE;

/** The world: mms, one shared file, a trivial page allocator and the rmap under test. */
export class World {
  readonly anonVmas: AnonVmaCache;
  readonly rmap: PageRmap;
  readonly file = new AddressSpace();
  readonly mms = new Map<number, Mm>();
  /** Page-cache pfn of each file index. */
  readonly pageCache = new Map<number, number>();
  private readonly refs: Int32Array;
  private readonly freePfns: number[] = [];
  private nextMmId = 1;

  constructor(nrPages = 4096, shouldFailSlab?: SlabFailHook) {
    this.anonVmas = new AnonVmaCache(shouldFailSlab === undefined ? {} : { shouldFailSlab });
    this.rmap = new PageRmap({ nrPages, anonVmas: this.anonVmas });
    this.refs = new Int32Array(nrPages);
    for (let p = nrPages - 1; p >= 0; p--) this.freePfns.push(p);
  }

  newMm(): Mm {
    const mm: Mm = { id: this.nextMmId++, vmas: [], ptes: new Map() };
    this.mms.set(mm.id, mm);
    return mm;
  }

  /** Private anonymous mmap: pgoff = addr >> PAGE_SHIFT (do_mmap). */
  mmapAnon(mm: Mm, start: number, pages: number, flags = PRIVATE_RW): TestVma {
    return this.insertVma(mm, new TestVma(mm.id, start, start + pages * PAGE_SIZE, start / PAGE_SIZE, flags));
  }

  /** File mmap at file page `pgoff`, linked into the file's i_mmap. */
  mmapFile(mm: Mm, start: number, pages: number, pgoff: number, flags = PRIVATE_RW): TestVma {
    const vma = new TestVma(mm.id, start, start + pages * PAGE_SIZE, pgoff, flags, this.file);
    this.file.vmaLink(vma);
    return this.insertVma(mm, vma);
  }

  vmaAt(mm: Mm, addr: number): TestVma | undefined {
    return mm.vmas.find((v) => v.vmStart <= addr && addr < v.vmEnd);
  }

  /** A user access: demand fault, copy-on-write on a write to a shared anonymous or private file page. */
  fault(mm: Mm, addr: number, write: boolean): number {
    const vma = this.vmaAt(mm, addr);
    if (vma === undefined) throw new Error(`no VMA at ${addr.toString(16)}`);
    const pfn = mm.ptes.get(addr);
    const shared = (vma.vmFlags & VM_SHARED) !== 0;
    if (pfn === undefined) {
      if (vma.vmFile !== null && (shared || !write)) return this.mapFilePage(mm, vma, addr);
      return this.newAnonPage(mm, vma, addr, null);
    }
    if (!write || shared) return pfn;
    if (!this.rmap.pageAnon(pfn)) return this.newAnonPage(mm, vma, addr, pfn);
    if (this.rmap.pageAnonExclusive(pfn)) return pfn;
    if (this.refs[pfn] === 1) {
      this.rmap.pageMoveAnonRmap(pfn, vma);
      return pfn;
    }
    return this.newAnonPage(mm, vma, addr, pfn);
  }

  /** fork: dup_mmap with anon_vma_fork and copied ptes. */
  fork(parent: Mm): Mm {
    const child = this.newMm();
    for (const pvma of parent.vmas) {
      const vma = new TestVma(child.id, pvma.vmStart, pvma.vmEnd, pvma.vmPgoff, pvma.vmFlags, pvma.vmFile);
      vma.anonVma = pvma.anonVma;
      expect(this.anonVmas.anonVmaFork(vma, pvma)).toBe(0);
      if (vma.vmFile !== null) vma.vmFile.vmaLinkAfter(vma, pvma);
      child.vmas.push(vma);
      for (let a = pvma.vmStart; a < pvma.vmEnd; a += PAGE_SIZE) {
        const pfn = parent.ptes.get(a);
        if (pfn === undefined) continue;
        this.rmap.pageDupRmap(pfn);
        this.refs[pfn]!++;
        child.ptes.set(a, pfn);
      }
    }
    return child;
  }

  /** split_vma: the new VMA covers [addr, end), then the old one shrinks. */
  split(mm: Mm, vma: TestVma, addr: number): TestVma {
    expect(addr > vma.vmStart && addr < vma.vmEnd).toBe(true);
    const pgoff = vma.vmPgoff + (addr - vma.vmStart) / PAGE_SIZE;
    const tail = new TestVma(mm.id, addr, vma.vmEnd, pgoff, vma.vmFlags, vma.vmFile);
    tail.anonVma = vma.anonVma;
    expect(this.anonVmas.anonVmaClone(tail, vma)).toBe(0);
    tail.vmFile?.vmaLink(tail);
    this.adjust(vma, vma.vmStart, addr, vma.vmPgoff);
    mm.vmas.splice(mm.vmas.indexOf(vma) + 1, 0, tail);
    return tail;
  }

  /** True when `a` and the next VMA `b` may merge (vma_merge's tests, anon_vma side from this package). */
  canMerge(a: TestVma, b: TestVma): boolean {
    if (a.vmEnd !== b.vmStart || a.vmFlags !== b.vmFlags || a.vmFile !== b.vmFile) return false;
    if (b.vmPgoff !== a.vmPgoff + (a.vmEnd - a.vmStart) / PAGE_SIZE) return false;
    if (a.anonVma !== null && b.anonVma !== null) return a.anonVma === b.anonVma;
    if (a.anonVma !== null) return isMergeableAnonVma(null, a.anonVma, a);
    if (b.anonVma !== null) return isMergeableAnonVma(null, b.anonVma, b);
    return true;
  }

  /** vma_expand over `next`: `vma` takes next's anon_vma if it had none, grows, and next goes. */
  merge(mm: Mm, vma: TestVma, next: TestVma): void {
    expect(this.canMerge(vma, next)).toBe(true);
    if (next.anonVma !== null && vma.anonVma === null) {
      vma.anonVma = next.anonVma;
      expect(this.anonVmas.anonVmaClone(vma, next)).toBe(0);
    }
    next.vmFile?.vmaUnlink(next);
    this.adjust(vma, vma.vmStart, next.vmEnd, vma.vmPgoff);
    if (next.anonVma !== null) this.anonVmas.anonVmaMerge(vma, next);
    mm.vmas.splice(mm.vmas.indexOf(next), 1);
  }

  /** mremap move: copy_vma (pgoff kept once faulted), move_page_tables, then unmap the old VMA. */
  move(mm: Mm, vma: TestVma, newStart: number): TestVma {
    const len = vma.vmEnd - vma.vmStart;
    const fresh = vma.vmFile === null && vma.anonVma === null;
    const pgoff = fresh ? newStart / PAGE_SIZE : vma.vmPgoff;
    const dst = new TestVma(mm.id, newStart, newStart + len, pgoff, vma.vmFlags, vma.vmFile);
    dst.anonVma = vma.anonVma;
    expect(this.anonVmas.anonVmaClone(dst, vma)).toBe(0);
    dst.vmFile?.vmaLink(dst);
    this.insertVma(mm, dst);
    for (let off = 0; off < len; off += PAGE_SIZE) {
      const pfn = mm.ptes.get(vma.vmStart + off);
      if (pfn === undefined) continue;
      mm.ptes.delete(vma.vmStart + off);
      mm.ptes.set(newStart + off, pfn);
    }
    this.unmapVma(mm, vma);
    return dst;
  }

  /** MADV_DONTNEED: zap the ptes of [start, end), keep the VMAs. */
  zap(mm: Mm, start: number, end: number): void {
    for (let a = start; a < end; a += PAGE_SIZE) {
      const pfn = mm.ptes.get(a);
      if (pfn === undefined) continue;
      this.rmap.pageRemoveRmap(pfn, this.vmaAt(mm, a)!);
      mm.ptes.delete(a);
      this.putPage(pfn);
    }
  }

  /** munmap of a whole VMA: zap, unlink from i_mmap and anon_vmas, remove. */
  unmapVma(mm: Mm, vma: TestVma): void {
    this.zap(mm, vma.vmStart, vma.vmEnd);
    vma.vmFile?.vmaUnlink(vma);
    this.anonVmas.unlinkAnonVmas(vma);
    mm.vmas.splice(mm.vmas.indexOf(vma), 1);
  }

  exit(mm: Mm): void {
    while (mm.vmas.length > 0) this.unmapVma(mm, mm.vmas[mm.vmas.length - 1]!);
    this.mms.delete(mm.id);
  }

  /** The page-table port over the model's ptes. */
  ptePort(young: Set<string> = new Set()): RmapPtePort {
    return {
      pageVmaMapped: (mmId, address, pfn) => this.mms.get(mmId)?.ptes.get(address) === pfn,
      ptepClearFlushYoung: (mmId, address) => young.delete(`${mmId}:${address}`),
      unmapPte: (vma: RmapWalkVma, address, pfn) => {
        const mm = this.mms.get(vma.mmId)!;
        this.rmap.pageRemoveRmap(pfn, vma);
        mm.ptes.delete(address);
        this.putPage(pfn);
      },
    };
  }

  /** Every VMA of every mm. */
  allVmas(): TestVma[] {
    return [...this.mms.values()].flatMap((mm) => mm.vmas);
  }

  /** (mm:addr) keys that map each pfn, from the page tables. */
  truth(): Map<number, Set<string>> {
    const t = new Map<number, Set<string>>();
    for (const mm of this.mms.values()) {
      for (const [addr, pfn] of mm.ptes) {
        if (!t.has(pfn)) t.set(pfn, new Set());
        t.get(pfn)!.add(`${mm.id}:${addr}`);
      }
    }
    return t;
  }

  /** The (mm:addr) keys an rmap walk offers for pfn, each checked to be a live VMA covering addr. */
  walk(pfn: number): Set<string> {
    const seen = new Set<string>();
    this.rmap.rmapWalk(pfn, (vma, address) => {
      const key = `${vma.mmId}:${address}`;
      expect(seen.has(key), `walk offered ${key} twice`).toBe(false);
      seen.add(key);
      const mm = this.mms.get(vma.mmId);
      expect(mm?.vmas.includes(vma as TestVma), `walk offered a dead VMA ${String(vma)}`).toBe(true);
      expect(address >= vma.vmStart && address < vma.vmEnd).toBe(true);
      return true;
    });
    return seen;
  }

  /** Every invariant, then the rmap against the page tables: complete walks, exact mapcounts. */
  check(): void {
    this.anonVmas.assertValid(this.allVmas());
    this.rmap.assertValid();
    this.file.assertValid();
    const truth = this.truth();
    for (const [pfn, keys] of truth) {
      expect(this.rmap.pageMapcount(pfn), `mapcount of pfn ${pfn}`).toBe(keys.size);
      expect(this.refs[pfn], `refs of pfn ${pfn}`).toBe(keys.size + (this.isCached(pfn) ? 1 : 0));
      const found = this.walk(pfn);
      for (const k of keys) expect(found.has(k), `pfn ${pfn} mapped at ${k} but the rmap walk misses it`).toBe(true);
    }
    const stray: number[] = [];
    for (let pfn = 0; pfn < this.rmap.nrPages; pfn++) if (!truth.has(pfn) && this.rmap.pageMapcount(pfn) !== 0) stray.push(pfn);
    expect(stray, "pages the rmap counts as mapped that no page table maps").toEqual([]);
  }

  private isCached(pfn: number): boolean {
    return !this.rmap.pageAnon(pfn) && this.rmap.pageMapping(pfn) !== null;
  }

  private insertVma(mm: Mm, vma: TestVma): TestVma {
    for (const v of mm.vmas) expect(v.vmEnd <= vma.vmStart || vma.vmEnd <= v.vmStart, `overlap with ${String(v)}`).toBe(true);
    mm.vmas.push(vma);
    mm.vmas.sort((a, b) => a.vmStart - b.vmStart);
    return vma;
  }

  /** vma_adjust: out of i_mmap and the anon_vma trees, change, back in. */
  private adjust(vma: TestVma, start: number, end: number, pgoff: number): void {
    vma.vmFile?.vmaUnlink(vma);
    this.anonVmas.anonVmaIntervalTreePreUpdateVma(vma);
    vma.vmStart = start;
    vma.vmEnd = end;
    vma.vmPgoff = pgoff;
    this.anonVmas.anonVmaIntervalTreePostUpdateVma(vma);
    vma.vmFile?.vmaLink(vma);
  }

  private neighbours(vma: TestVma): [TestVma | null, TestVma | null] {
    const mm = this.mms.get(vma.mmId)!;
    const i = mm.vmas.indexOf(vma);
    return [mm.vmas[i - 1] ?? null, mm.vmas[i + 1] ?? null];
  }

  private allocPage(): number {
    const pfn = this.freePfns.pop();
    if (pfn === undefined) throw new Error("out of pages");
    this.refs[pfn] = 1;
    return pfn;
  }

  private putPage(pfn: number): void {
    if (--this.refs[pfn]! === 0) this.freePfns.push(pfn);
  }

  /** do_anonymous_page / wp_page_copy: a new exclusive page; `old` (COW source) loses this mapping. */
  private newAnonPage(mm: Mm, vma: TestVma, addr: number, old: number | null): number {
    const [prev, next] = this.neighbours(vma);
    expect(this.anonVmas.anonVmaPrepare(vma, (v) => findMergeableAnonVma(v, prev, next))).toBe(0);
    const pfn = this.allocPage();
    this.rmap.pageAddNewAnonRmap(pfn, vma, addr);
    if (old !== null) {
      this.rmap.pageRemoveRmap(old, vma);
      this.putPage(old);
    }
    mm.ptes.set(addr, pfn);
    return pfn;
  }

  /** filemap_fault + do_set_pte: the page-cache page of the file offset, mapped. */
  private mapFilePage(mm: Mm, vma: TestVma, addr: number): number {
    const index = vma.vmPgoff + (addr - vma.vmStart) / PAGE_SIZE;
    let pfn = this.pageCache.get(index);
    if (pfn === undefined) {
      pfn = this.allocPage();
      this.rmap.filemapAddPage(pfn, this.file, index);
      this.pageCache.set(index, pfn);
    }
    this.refs[pfn]!++;
    this.rmap.pageAddFileRmap(pfn, vma);
    mm.ptes.set(addr, pfn);
    return pfn;
  }
}

