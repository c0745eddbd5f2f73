/**
 * The struct page fields the MMU backend owns, one slot per pfn in typed arrays that grow with the
 * highest pfn seen: the mapcount, the anon/swap-backed flags, the linear page index and the anon_vma
 * an anonymous page belongs to. The reference count stays with the page allocator.
 * Linux: struct page / struct folio (_mapcount, mapping, index, PG_anon via PAGE_MAPPING_ANON,
 * PG_swapbacked) and the rmap add/remove calls of mm/rmap.c.
 */
import { bug } from "@mmsim/mm-types";

/** The page is anonymous. Linux: PageAnon() (folio->mapping & PAGE_MAPPING_ANON). */
export const PG_ANON = 0x01;
/** The page lives in swap-backed memory (anonymous or shmem). Linux: PG_swapbacked. */
export const PG_SWAPBACKED = 0x02;
/** A page-cache page written through a shared mapping and not written back since. Linux: PG_dirty. */
export const PG_DIRTY = 0x04;
/** Accessed once since it was last aged. Linux: PG_referenced. */
export const PG_REFERENCED = 0x08;
/** On the active LRU list. Linux: PG_active. */
export const PG_ACTIVE = 0x10;

/** Per-page rmap state, indexed by pfn. */
export class PageMeta {
  /** Page-table mappings of the page. Linux: page_mapcount() (_mapcount + 1). */
  mapcount = new Int32Array(1024);
  /** PG_* bits. */
  flags = new Uint8Array(1024);
  /** Linear page index: pgoff in the file, or the anonymous linear index. Linux: page->index. */
  index = new Float64Array(1024);
  /** Id of the anon_vma of an anonymous page (0 for none). Linux: folio->mapping without the tag bit. */
  anonVma = new Int32Array(1024);
  /** Mappings of the page in VM_LOCKED VMAs; above 0 the page is mlocked (unevictable). Linux: folio->mlock_count, PG_mlocked. */
  mlockCount = new Int32Array(1024);

  /** Grows the arrays so `pfn` has a slot. */
  ensure(pfn: number): void {
    if (pfn < this.mapcount.length) return;
    if (!Number.isInteger(pfn) || pfn < 0) bug(`pfn ${pfn} is not a page frame number`);
    let n = this.mapcount.length;
    while (n <= pfn) n *= 2;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const a = make(n);
      a.set(old);
      return a;
    };
    this.mapcount = grow(this.mapcount, (k) => new Int32Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
    this.index = grow(this.index, (k) => new Float64Array(k));
    this.anonVma = grow(this.anonVma, (k) => new Int32Array(k));
    this.mlockCount = grow(this.mlockCount, (k) => new Int32Array(k));
  }

  /** A fresh anonymous page mapped once (in a VM_LOCKED VMA when `locked`). Linux: folio_add_new_anon_rmap() → __folio_set_anon(). */
  addNewAnonRmap(pfn: number, anonVmaId: number, index: number, locked: boolean): void {
    this.ensure(pfn);
    this.mapcount[pfn] = 1;
    this.mlockCount[pfn] = locked ? 1 : 0;
    this.flags[pfn] = PG_ANON | PG_SWAPBACKED;
    this.index[pfn] = index;
    this.anonVma[pfn] = anonVmaId;
  }

  /**
   * One more mapping of a file page. A page the backend has just allocated (`fresh`), or one it last
   * knew as anonymous, starts with clean flags; a page-cache page keeps its dirty and LRU bits
   * between mappings, as the page cache keeps the page. Linux: folio_add_file_rmap_ptes().
   */
  addFileRmap(pfn: number, index: number, swapBacked: boolean, fresh: boolean, locked: boolean): void {
    this.ensure(pfn);
    if (fresh || this.flags[pfn]! & PG_ANON) this.flags[pfn] = 0;
    if (fresh || this.mapcount[pfn] === 0) this.mlockCount[pfn] = 0;
    if (locked) this.mlockCount[pfn]!++;
    this.flags[pfn] = (this.flags[pfn]! & ~PG_SWAPBACKED) | (swapBacked ? PG_SWAPBACKED : 0);
    this.index[pfn] = index;
    this.anonVma[pfn] = 0;
    this.mapcount[pfn]!++;
  }

  /**
   * The page was used: unreferenced → referenced; referenced and inactive → active and unreferenced
   * (unless it is mlocked, hence unevictable, where nothing changes). Linux: folio_mark_accessed()
   * without MGLRU.
   */
  markPageAccessed(pfn: number): void {
    const f = this.flags[pfn]!;
    if (!(f & PG_REFERENCED)) this.flags[pfn] = f | PG_REFERENCED;
    else if (!this.isMlocked(pfn) && !(f & PG_ACTIVE)) this.flags[pfn] = (f | PG_ACTIVE) & ~PG_REFERENCED;
  }

  /** Forgets what the backend knew of a page it freed. */
  forget(pfn: number): void {
    this.ensure(pfn);
    this.flags[pfn] = 0;
    this.mlockCount[pfn] = 0;
  }

  /** One more mapping of an already mapped page (fork). Linux: folio_dup_file_rmap_pte() / folio_try_dup_anon_rmap_pte(). */
  dupRmap(pfn: number): void {
    this.mapcount[pfn]!++;
  }

  /** One mapping fewer (from a VM_LOCKED VMA when `locked`). Linux: folio_remove_rmap_ptes() + munlock_vma_folio(). */
  removeRmap(pfn: number, locked: boolean): void {
    if (--this.mapcount[pfn]! < 0) bug(`pfn ${pfn}: mapcount below zero`);
    if (locked && this.mlockCount[pfn]! > 0) this.mlockCount[pfn]!--;
  }

  /** A mapping of the page joined (+1) or left (-1) a VM_LOCKED VMA. Linux: mlock_folio() / munlock_folio(). */
  mlock(pfn: number, delta: number): void {
    this.mlockCount[pfn] = Math.max(0, this.mlockCount[pfn]! + delta);
  }

  /** True when the page is mlocked. Linux: folio_test_mlocked(). */
  isMlocked(pfn: number): boolean {
    return this.mlockCount[pfn]! > 0;
  }

  /** True when the page is anonymous. */
  isAnon(pfn: number): boolean {
    return (this.flags[pfn]! & PG_ANON) !== 0;
  }
}
