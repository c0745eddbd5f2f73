/**
 * Per-page reverse-map state and the rmap walks: for every page frame, what `mapping` it belongs
 * to (an anon_vma or a file's address_space), its `index` there and its `_mapcount`, in typed
 * arrays sized once for the machine; from those, every (VMA, address) that may map a page.
 * Linux: the mapping/index/_mapcount fields of struct page, page_add_new_anon_rmap(),
 * page_add_anon_rmap(), page_add_file_rmap(), page_remove_rmap(), rmap_walk(),
 * folio_referenced(), try_to_unmap() in mm/rmap.c (6.1).
 */
import { EFAULT, PAGE_SIZE, VM_LOCKED, VM_SEQ_READ, bug } from "@mmsim/mm-types";
import { hex } from "./address-space.js";
import type { AddressSpace } from "./address-space.js";
import { AnonVmaCache } from "./anon-vma.js";
import type { AnonVma, RmapVma, RmapWalkVma } from "./anon-vma.js";
import { NIL } from "./interval-tree.js";
import type { RmapOps } from "./nommu.js";

/** Tag bit of page->mapping for an anonymous page. Linux: PAGE_MAPPING_ANON (include/linux/page-flags.h). */
export const PAGE_MAPPING_ANON = 0x1;
/** pageAddAnonRmap: the page is exclusive to this VMA. Linux: RMAP_EXCLUSIVE. */
export const RMAP_EXCLUSIVE = 0x1;
/** tryToUnmap: unmap from VM_LOCKED VMAs too. Linux: TTU_IGNORE_MLOCK. */
export const TTU_IGNORE_MLOCK = 0x8;

/** Page flag: an anonymous page that only one mm maps (for COW reuse). Linux: PG_anon_exclusive. */
const PG_ANON_EXCLUSIVE = 0x1;

/**
 * Called for each (VMA, address) that may map the page; return false to stop the walk.
 * Linux: rmap_walk_control.rmap_one.
 */
export type RmapOne = (vma: RmapWalkVma, address: number) => boolean;

/** What the page-table owner (the MMU backend) answers and does for the walks. */
export interface RmapPtePort {
  /** True when mm `mmId` maps `pfn` at `address`. Linux: page_vma_mapped_walk(). */
  pageVmaMapped(mmId: number, address: number, pfn: number): boolean;
  /** Tests and clears the accessed bit of that pte. Linux: ptep_clear_flush_young_notify(). */
  ptepClearFlushYoung(mmId: number, address: number): boolean;
  /**
   * Clears the pte mapping `pfn` at `address` in `vma`, calls PageRmap.pageRemoveRmap(pfn, vma) and
   * drops the page reference. Linux: the unmapping part of try_to_unmap_one().
   */
  unmapPte(vma: RmapWalkVma, address: number, pfn: number): void;
}

/** Out-parameter of pageReferenced. */
export interface ReferencedFlags {
  /** vm_flags of the VMAs that referenced the page, VM_LOCKED if a locked VMA maps it. */
  vmFlags: number;
}

/** Options of a PageRmap. */
export interface PageRmapOptions {
  /** Page frames of the machine (pfns 0 .. nrPages-1). */
  readonly nrPages: number;
  /** The anon_vma caches to decode anonymous mappings with; a new one by default. */
  readonly anonVmas?: AnonVmaCache;
}

/**
 * The address of page offset `pgoff` in `vma`, or -EFAULT when the VMA doesn't cover it.
 * Linux: vma_address() / vma_pgoff_address() in mm/internal.h, for one page.
 */
export function vmaAddress(pgoff: number, vma: RmapWalkVma): number {
  if (pgoff < vma.vmPgoff) return -EFAULT;
  const address = vma.vmStart + (pgoff - vma.vmPgoff) * PAGE_SIZE;
  return address < vma.vmEnd ? address : -EFAULT;
}

/** The page offset `address` has in `vma` (for anonymous memory, its linear page index). Linux: linear_page_index(). */
export function linearPageIndex(vma: RmapWalkVma, address: number): number {
  return Math.floor((address - vma.vmStart) / PAGE_SIZE) + vma.vmPgoff;
}

/**
 * The rmap state of every page frame of a machine, and the walks over it. Mapping ids are
 * `id << 1` for a file's AddressSpace and `id << 1 | PAGE_MAPPING_ANON` for an anon_vma.
 */
export class PageRmap implements RmapOps {
  /** Page frames covered. */
  readonly nrPages: number;
  /** The anon_vmas pages point to. */
  readonly anonVmas: AnonVmaCache;
  /** Linux: page->mapping (an id, see the class comment; 0 for NULL). */
  private readonly mapping: Int32Array;
  /** Linux: page->index. */
  private readonly index: Float64Array;
  /** Linux: page->_mapcount (-1 when unmapped). */
  private readonly mapcount: Int32Array;
  /** PG_anon_exclusive. */
  private readonly flags: Uint8Array;
  private readonly files = new Map<number, AddressSpace>();

  constructor(opts: PageRmapOptions) {
    if (!Number.isInteger(opts.nrPages) || opts.nrPages < 0) bug(`PageRmap: bad page count ${opts.nrPages}`);
    this.nrPages = opts.nrPages;
    this.anonVmas = opts.anonVmas ?? new AnonVmaCache();
    this.mapping = new Int32Array(opts.nrPages);
    this.index = new Float64Array(opts.nrPages);
    this.mapcount = new Int32Array(opts.nrPages).fill(-1);
    this.flags = new Uint8Array(opts.nrPages);
  }

  /** AnonVmaCache.anonVmaPrepare of this machine's cache. Linux: anon_vma_prepare(). */
  anonVmaPrepare(vma: RmapVma, findMergeable?: (vma: RmapVma) => AnonVma | null): number {
    return this.anonVmas.anonVmaPrepare(vma, findMergeable);
  }

  /** AnonVmaCache.anonVmaFork of this machine's cache. Linux: anon_vma_fork(). */
  anonVmaFork(vma: RmapVma, pvma: RmapVma): number {
    return this.anonVmas.anonVmaFork(vma, pvma);
  }

  /** AnonVmaCache.unlinkAnonVmas of this machine's cache. Linux: unlink_anon_vmas(). */
  unlinkAnonVmas(vma: RmapVma): void {
    this.anonVmas.unlinkAnonVmas(vma);
  }

  /**
   * Records the first mapping of a freshly allocated anonymous page, exclusive to `vma`, whose
   * anon_vma must be prepared. Linux: page_add_new_anon_rmap() → __page_set_anon_rmap(exclusive).
   */
  pageAddNewAnonRmap(pfn: number, vma: RmapVma, address: number): void {
    this.checkPfn(pfn);
    if (address < vma.vmStart || address >= vma.vmEnd) bug(`page_add_new_anon_rmap: ${hex(address)} is outside VMA [${hex(vma.vmStart)}, ${hex(vma.vmEnd)})`);
    if (this.mapcount[pfn] !== -1 || this.mapping[pfn] !== 0) bug(`page_add_new_anon_rmap: pfn ${hex(pfn)} is not a new page`);
    this.setAnonRmap(pfn, vma, address, true);
    this.mapcount[pfn] = 0;
  }

  /**
   * Adds a mapping of an anonymous page that may already be mapped (swap-in, migration, KSM):
   * the first mapping sets mapping and index (the VMA's anon_vma if RMAP_EXCLUSIVE, else its
   * family's root, which every related VMA is linked to); later ones are checked against them.
   * Linux: page_add_anon_rmap() → __page_set_anon_rmap() / __page_check_anon_rmap().
   */
  pageAddAnonRmap(pfn: number, vma: RmapVma, address: number, flags = 0): void {
    this.checkPfn(pfn);
    const exclusive = (flags & RMAP_EXCLUSIVE) !== 0;
    if (this.mapcount[pfn] === -1) {
      if (this.mapping[pfn] !== 0) bug(`page_add_anon_rmap: pfn ${hex(pfn)} is a page-cache page`);
      this.setAnonRmap(pfn, vma, address, exclusive);
      this.mapcount[pfn] = 0;
      return;
    }
    if (exclusive || (this.flags[pfn]! & PG_ANON_EXCLUSIVE) !== 0) bug(`page_add_anon_rmap: pfn ${hex(pfn)} is already mapped, cannot be exclusive`);
    const anonVma = this.pageAnonVma(pfn);
    if (anonVma === null || vma.anonVma === null || anonVma.root !== vma.anonVma.root) bug(`page_add_anon_rmap: pfn ${hex(pfn)} belongs to another anon_vma family`);
    if (this.index[pfn] !== linearPageIndex(vma, address)) bug(`page_add_anon_rmap: pfn ${hex(pfn)} has index ${this.index[pfn]}, not ${linearPageIndex(vma, address)}`);
    this.mapcount[pfn]!++;
  }

  /**
   * Adds one more mapping of a mapped page without touching mapping/index: fork copying a pte
   * (the page becomes shared, so it is no longer exclusive). Linux: page_try_dup_anon_rmap()
   * (pins are not modelled, so it never fails) and page_dup_file_rmap().
   */
  pageDupRmap(pfn: number): void {
    this.checkPfn(pfn);
    if (this.mapcount[pfn]! < 0) bug(`page_dup_rmap: pfn ${hex(pfn)} is not mapped`);
    this.mapcount[pfn]!++;
    this.flags[pfn]! &= ~PG_ANON_EXCLUSIVE;
  }

  /**
   * Re-points an anonymous page that only `vma` maps at the VMA's own anon_vma (copy-on-write
   * reusing the page instead of copying it). Linux: page_move_anon_rmap().
   */
  pageMoveAnonRmap(pfn: number, vma: RmapVma): void {
    this.checkPfn(pfn);
    if (vma.anonVma === null) bug(`page_move_anon_rmap: VMA ${hex(vma.vmStart)} has no anon_vma`);
    if ((this.mapping[pfn]! & PAGE_MAPPING_ANON) === 0) bug(`page_move_anon_rmap: pfn ${hex(pfn)} is not anonymous`);
    this.mapping[pfn] = (vma.anonVma.id << 1) | PAGE_MAPPING_ANON;
    this.flags[pfn]! |= PG_ANON_EXCLUSIVE;
  }

  /** Adds a mapping of a page-cache page (see filemapAddPage). Linux: page_add_file_rmap(). */
  pageAddFileRmap(pfn: number, _vma: RmapWalkVma): void {
    this.checkPfn(pfn);
    const m = this.mapping[pfn]!;
    if (m === 0 || (m & PAGE_MAPPING_ANON) !== 0) bug(`page_add_file_rmap: pfn ${hex(pfn)} is not in a page cache`);
    this.mapcount[pfn]!++;
  }

  /**
   * Drops one mapping. An anonymous page that nothing maps any more loses its mapping and index
   * here (Linux leaves them until the page is freed; nothing here reads them in between); a file
   * page stays in its page cache. Linux: page_remove_rmap().
   */
  pageRemoveRmap(pfn: number, _vma: RmapWalkVma): void {
    this.checkPfn(pfn);
    if (this.mapcount[pfn]! < 0) bug(`page_remove_rmap: pfn ${hex(pfn)} is not mapped`);
    if (--this.mapcount[pfn]! >= 0) return;
    if ((this.mapping[pfn]! & PAGE_MAPPING_ANON) !== 0) {
      this.mapping[pfn] = 0;
      this.index[pfn] = 0;
      this.flags[pfn] = 0;
    }
  }

  /** Puts a page into a file's page cache at `index`. Linux: __filemap_add_folio() setting mapping and index. */
  filemapAddPage(pfn: number, mapping: AddressSpace, index: number): void {
    this.checkPfn(pfn);
    if (this.mapping[pfn] !== 0 || this.mapcount[pfn] !== -1) bug(`filemap_add_folio: pfn ${hex(pfn)} is in use`);
    if (!Number.isInteger(index) || index < 0) bug(`filemap_add_folio: bad index ${index}`);
    this.files.set(mapping.id, mapping);
    mapping.nrpages++;
    this.mapping[pfn] = mapping.id << 1;
    this.index[pfn] = index;
  }

  /** Takes an unmapped page out of its page cache. Linux: filemap_remove_folio() → page_cache_delete(). */
  filemapRemovePage(pfn: number): void {
    const mapping = this.pageMapping(pfn);
    if (mapping === null) bug(`filemap_remove_folio: pfn ${hex(pfn)} is not in a page cache`);
    if (this.mapcount[pfn] !== -1) bug(`filemap_remove_folio: pfn ${hex(pfn)} is still mapped`);
    if (--mapping.nrpages === 0) this.files.delete(mapping.id);
    this.mapping[pfn] = 0;
    this.index[pfn] = 0;
  }

  /** Mappings of the page (0 when unmapped). Linux: page_mapcount(). */
  pageMapcount(pfn: number): number {
    this.checkPfn(pfn);
    return this.mapcount[pfn]! + 1;
  }

  /** True when some page table maps the page. Linux: page_mapped(). */
  pageMapped(pfn: number): boolean {
    return this.pageMapcount(pfn) > 0;
  }

  /** True for an anonymous page. Linux: PageAnon(). */
  pageAnon(pfn: number): boolean {
    this.checkPfn(pfn);
    return (this.mapping[pfn]! & PAGE_MAPPING_ANON) !== 0;
  }

  /** True when one mm alone maps the anonymous page. Linux: PageAnonExclusive(). */
  pageAnonExclusive(pfn: number): boolean {
    this.checkPfn(pfn);
    return (this.flags[pfn]! & PG_ANON_EXCLUSIVE) !== 0;
  }

  /** The page's offset in its mapping. Linux: page->index / page_to_pgoff(). */
  pageIndex(pfn: number): number {
    this.checkPfn(pfn);
    return this.index[pfn]!;
  }

  /** The anon_vma of an anonymous page, or null. Linux: folio_anon_vma(). */
  pageAnonVma(pfn: number): AnonVma | null {
    this.checkPfn(pfn);
    const m = this.mapping[pfn]!;
    if ((m & PAGE_MAPPING_ANON) === 0) return null;
    return this.anonVmas.lookup(m >>> 1) ?? bug(`pfn ${hex(pfn)} points to freed anon_vma ${m >>> 1}`);
  }

  /** The address space of a page-cache page, or null. Linux: folio_mapping() for file pages. */
  pageMapping(pfn: number): AddressSpace | null {
    this.checkPfn(pfn);
    const m = this.mapping[pfn]!;
    if (m === 0 || (m & PAGE_MAPPING_ANON) !== 0) return null;
    return this.files.get(m >>> 1) ?? bug(`pfn ${hex(pfn)} points to an unknown address space ${m >>> 1}`);
  }

  /**
   * Where the page would be in `vma`, or -EFAULT if `vma` can't map it (another anon_vma family
   * or file). Linux: page_address_in_vma().
   */
  pageAddressInVma(pfn: number, vma: RmapVma): number {
    const anonVma = this.pageAnonVma(pfn);
    if (anonVma !== null) {
      if (vma.anonVma === null || vma.anonVma.root !== anonVma.root) return -EFAULT;
    } else {
      const mapping = this.pageMapping(pfn);
      if (mapping === null || !mapping.vmaIsLinked(vma)) return -EFAULT;
    }
    return vmaAddress(this.index[pfn]!, vma);
  }

  /**
   * Calls `rmapOne` for every (VMA, address) that may map the page: for an anonymous page, each
   * VMA linked to its anon_vma whose pgoff range covers the index; for a file page, each VMA of
   * its i_mmap that covers it. Returns the number of calls. The visitor may unmap ptes but must
   * not link or unlink VMAs. Linux: rmap_walk() → rmap_walk_anon() / rmap_walk_file().
   */
  rmapWalk(pfn: number, rmapOne: RmapOne, done?: () => boolean): number {
    const anonVma = this.pageAnonVma(pfn);
    if (anonVma !== null) return this.walkAnon(anonVma, pfn, rmapOne, done);
    const mapping = this.pageMapping(pfn);
    return mapping === null ? 0 : this.walkFile(mapping, pfn, rmapOne, done);
  }

  /**
   * Counts the mappings whose accessed bit was set (clearing them), stopping once every mapping
   * was seen or at a VM_LOCKED VMA (reported in `out.vmFlags`). Linux: folio_referenced()
   * with folio_referenced_one() (the 2004 page_referenced()).
   */
  pageReferenced(pfn: number, ptes: RmapPtePort, out?: ReferencedFlags): number {
    let left = this.pageMapcount(pfn);
    let referenced = 0;
    let vmFlags = 0;
    if (left > 0) {
      this.rmapWalk(pfn, (vma, address) => {
        if (!ptes.pageVmaMapped(vma.mmId, address, pfn)) return true;
        if ((vma.vmFlags & VM_LOCKED) !== 0) {
          vmFlags |= VM_LOCKED;
          return false;
        }
        if (ptes.ptepClearFlushYoung(vma.mmId, address) && (vma.vmFlags & VM_SEQ_READ) === 0) {
          referenced++;
          vmFlags |= vma.vmFlags & ~VM_LOCKED;
        }
        return --left > 0;
      });
    }
    if (out !== undefined) out.vmFlags = vmFlags;
    return referenced;
  }

  /**
   * Unmaps the page from every page table that maps it, through `ptes.unmapPte`; a VM_LOCKED VMA
   * stops the walk unless TTU_IGNORE_MLOCK. Returns true when the page is no longer mapped
   * (Linux's callers test folio_mapped() afterwards). Linux: try_to_unmap() / try_to_unmap_one().
   */
  tryToUnmap(pfn: number, ptes: RmapPtePort, flags = 0): boolean {
    if (!this.pageMapped(pfn)) return true;
    this.rmapWalk(
      pfn,
      (vma, address) => {
        if (!ptes.pageVmaMapped(vma.mmId, address, pfn)) return true;
        if ((flags & TTU_IGNORE_MLOCK) === 0 && (vma.vmFlags & VM_LOCKED) !== 0) return false;
        const before = this.mapcount[pfn]!;
        ptes.unmapPte(vma, address, pfn);
        if (this.mapcount[pfn] !== before - 1) bug(`try_to_unmap: unmapPte(${hex(address)}) did not call pageRemoveRmap once for pfn ${hex(pfn)}`);
        return true;
      },
      () => !this.pageMapped(pfn),
    );
    return !this.pageMapped(pfn);
  }

  /**
   * Checks every page: mapcount at least -1; a mapped page has a mapping; an anonymous page's
   * anon_vma is live and some VMA linked to it covers the page's index; a file page's address
   * space is known and counts it. Linux: the VM_BUG_ONs of the rmap functions, made exhaustive.
   */
  assertValid(): void {
    const nrpages = new Map<AddressSpace, number>();
    for (let pfn = 0; pfn < this.nrPages; pfn++) {
      const mc = this.mapcount[pfn]!;
      const m = this.mapping[pfn]!;
      if (mc < -1) bug(`pfn ${hex(pfn)}: _mapcount ${mc}`);
      if (m === 0) {
        if (mc !== -1) bug(`pfn ${hex(pfn)}: mapped ${mc + 1} times without a mapping`);
        continue;
      }
      if ((m & PAGE_MAPPING_ANON) !== 0) {
        if (mc === -1) bug(`pfn ${hex(pfn)}: unmapped anonymous page kept its anon_vma`);
        if (this.rmapWalk(pfn, () => true) === 0) bug(`pfn ${hex(pfn)}: no VMA of anon_vma ${m >>> 1} covers index ${this.index[pfn]}`);
      } else {
        const mapping = this.pageMapping(pfn)!;
        nrpages.set(mapping, (nrpages.get(mapping) ?? 0) + 1);
      }
    }
    for (const mapping of this.files.values()) {
      if (mapping.nrpages !== (nrpages.get(mapping) ?? 0)) bug(`address space ${mapping.id}: nrpages ${mapping.nrpages}, recount ${nrpages.get(mapping) ?? 0}`);
    }
  }

  private walkAnon(anonVma: AnonVma, pfn: number, rmapOne: RmapOne, done: (() => boolean) | undefined): number {
    const tree = anonVma.rbRoot;
    const pgoff = this.index[pfn]!;
    const generation = tree.generation;
    let calls = 0;
    for (let n = tree.iterFirst(pgoff, pgoff); n !== NIL; n = tree.iterNext(n, pgoff, pgoff)) {
      calls++;
      const goOn = visitOne(tree.entryAt(n).vma, pgoff, rmapOne);
      if (tree.generation !== generation) bug("rmap_walk: the visitor linked or unlinked a VMA");
      if (!goOn || done?.() === true) break;
    }
    return calls;
  }

  private walkFile(mapping: AddressSpace, pfn: number, rmapOne: RmapOne, done: (() => boolean) | undefined): number {
    const tree = mapping.iMmap;
    const pgoff = this.index[pfn]!;
    const generation = tree.generation;
    let calls = 0;
    for (let n = tree.iterFirst(pgoff, pgoff); n !== NIL; n = tree.iterNext(n, pgoff, pgoff)) {
      calls++;
      const goOn = visitOne(tree.entryAt(n), pgoff, rmapOne);
      if (tree.generation !== generation) bug("rmap_walk: the visitor linked or unlinked a VMA");
      if (!goOn || done?.() === true) break;
    }
    return calls;
  }

  private setAnonRmap(pfn: number, vma: RmapVma, address: number, exclusive: boolean): void {
    const own = vma.anonVma;
    if (own === null) bug(`__page_set_anon_rmap: VMA ${hex(vma.vmStart)} has no anon_vma (anonVmaPrepare first)`);
    const anonVma = exclusive ? own : own.root;
    this.mapping[pfn] = (anonVma.id << 1) | PAGE_MAPPING_ANON;
    this.index[pfn] = linearPageIndex(vma, address);
    if (exclusive) this.flags[pfn]! |= PG_ANON_EXCLUSIVE;
  }

  private checkPfn(pfn: number): void {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.nrPages) bug(`pfn ${pfn} is outside the machine (0..${this.nrPages - 1})`);
  }
}

/** Calls rmapOne for `vma` at the address of `pgoff`; false stops the walk. */
function visitOne(vma: RmapWalkVma, pgoff: number, rmapOne: RmapOne): boolean {
  const address = vmaAddress(pgoff, vma);
  if (address < 0) bug(`rmap_walk: VMA ${hex(vma.vmStart)} of mm ${vma.mmId} is in the tree for index ${pgoff} but does not cover it`);
  return rmapOne(vma, address);
}
