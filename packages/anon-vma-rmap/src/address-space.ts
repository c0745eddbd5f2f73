/**
 * The i_mmap of an inode: every VMA mapping the file, in an interval tree keyed by the pgoff range
 * each covers, and the count of shared writable mappings. Linux: struct address_space's i_mmap and
 * i_mmap_writable (include/linux/fs.h), __vma_link_file() and __remove_shared_vm_struct()
 * (mm/mmap.c), mm/interval_tree.c.
 */
import { EBUSY, EPERM, PAGE_SIZE, VM_MAYWRITE, VM_SHARED, bug } from "@mmsim/mm-types";
import type { AddressSpacePort, IMmapEntry, VmaRef } from "@mmsim/mm-types";
import { IntervalTree, NIL } from "./interval-tree.js";

/** Pages a VMA spans. Linux: vma_pages(). */
export function vmaPages(vma: VmaRef): number {
  return (vma.vmEnd - vma.vmStart) / PAGE_SIZE;
}

/** First page offset a VMA maps. Linux: vma_start_pgoff() in mm/interval_tree.c. */
export function vmaStartPgoff(vma: VmaRef): number {
  return vma.vmPgoff;
}

/** Last page offset a VMA maps (inclusive). Linux: vma_last_pgoff() in mm/interval_tree.c. */
export function vmaLastPgoff(vma: VmaRef): number {
  return vma.vmPgoff + vmaPages(vma) - 1;
}

/** True for flags of a shared mapping that may become writable. Linux: is_shared_maywrite() (include/linux/mm.h). */
export function isSharedMaywrite(vmFlags: number): boolean {
  return (vmFlags & (VM_SHARED | VM_MAYWRITE)) === (VM_SHARED | VM_MAYWRITE);
}

let nextMappingId = 1;

/**
 * An inode's address_space as far as mappings go: the i_mmap interval tree and i_mmap_writable.
 * Usable by both backends (NOMMU's truncate and ETXTBSY checks walk it too). `id` is what a
 * page-cache page's `mapping` records (see PageRmap.filemapAddPage).
 */
export class AddressSpace implements AddressSpacePort {
  /** Identity of this address space in page->mapping. */
  readonly id: number;
  /**
   * VM_SHARED|VM_MAYWRITE mappings linked, plus mappingMapWritable() holds, minus
   * mappingDenyWritable() denials. Linux: address_space.i_mmap_writable.
   */
  iMmapWritable = 0;
  /** Page-cache pages of this file (maintained by PageRmap.filemapAddPage/filemapRemovePage). Linux: nrpages. */
  nrpages = 0;
  private readonly tree = new IntervalTree<IMmapEntry>();
  /** Entries counted in iMmapWritable at link time; unlink uncounts exactly those. */
  private readonly writableLinked = new Set<IMmapEntry>();
  /** Net effect of the explicit counter calls, for assertValid. */
  private explicitWritable = 0;

  constructor() {
    this.id = nextMappingId++;
    if (this.id >= 2 ** 30) bug("AddressSpace: ids exhausted");
  }

  /** Number of VMAs linked. */
  get mapCount(): number {
    return this.tree.size;
  }

  /** Links a VMA of this file. Linux: __vma_link_file() → vma_interval_tree_insert(). */
  vmaLink(entry: IMmapEntry): void {
    this.checkEntry(entry);
    if (this.tree.has(entry)) bug(`i_mmap: VMA ${hex(entry.vmStart)} of mm ${entry.mmId} linked twice`);
    this.countWritable(entry);
    this.tree.insert(entry, vmaStartPgoff(entry), vmaLastPgoff(entry));
  }

  /**
   * Links `entry` right after `prev` (same pgoff range: a child's VMA copied at fork).
   * Linux: vma_interval_tree_insert_after() from dup_mmap().
   */
  vmaLinkAfter(entry: IMmapEntry, prev: IMmapEntry): void {
    this.checkEntry(entry);
    const p = this.tree.nodeOf(prev);
    if (p === NIL) bug("i_mmap: vmaLinkAfter with a previous VMA that is not linked");
    if (this.tree.has(entry)) bug(`i_mmap: VMA ${hex(entry.vmStart)} of mm ${entry.mmId} linked twice`);
    this.countWritable(entry);
    this.tree.insertAfter(entry, vmaStartPgoff(entry), vmaLastPgoff(entry), p);
  }

  /** Unlinks a VMA. Linux: __remove_shared_vm_struct() → vma_interval_tree_remove(). */
  vmaUnlink(entry: IMmapEntry): void {
    if (!this.tree.remove(entry)) bug(`i_mmap: VMA ${hex(entry.vmStart)} of mm ${entry.mmId} is not linked`);
    if (this.writableLinked.delete(entry)) this.iMmapWritable--;
  }

  /** Entries whose pgoff range meets [first, last], in pgoff order. Linux: vma_interval_tree_foreach(). */
  vmasIntersecting(first: number, last: number): Iterable<IMmapEntry> {
    return this.tree.intersecting(first, last);
  }

  /** The tree itself, for allocation-free walks (iterFirst/iterNext/entryAt). Read only: link and unlink through this class. */
  get iMmap(): IntervalTree<IMmapEntry> {
    return this.tree;
  }

  /** True when `vma` (a backend VMA that is also its i_mmap entry) is linked here. */
  vmaIsLinked(vma: VmaRef): boolean {
    return this.tree.has(vma as IMmapEntry);
  }

  /** True when some mapping may write the file's pages. Linux: mapping_writably_mapped(). */
  mappingWritablyMapped(): boolean {
    return this.iMmapWritable > 0;
  }

  /** Takes a writable-mapping hold; -EPERM while writable mappings are denied. Linux: mapping_map_writable(). */
  mappingMapWritable(): number {
    if (this.iMmapWritable < 0) return -EPERM;
    this.iMmapWritable++;
    this.explicitWritable++;
    return 0;
  }

  /** Drops a hold from mappingMapWritable(). Linux: mapping_unmap_writable(). */
  mappingUnmapWritable(): void {
    this.iMmapWritable--;
    this.explicitWritable--;
  }

  /** Forbids new writable mappings; -EBUSY while one exists. Linux: mapping_deny_writable(). */
  mappingDenyWritable(): number {
    if (this.iMmapWritable > 0) return -EBUSY;
    this.iMmapWritable--;
    this.explicitWritable--;
    return 0;
  }

  /** Lifts a mappingDenyWritable(). Linux: mapping_allow_writable(). */
  mappingAllowWritable(): void {
    this.iMmapWritable++;
    this.explicitWritable++;
  }

  /**
   * Checks the tree and that every linked VMA still has the range it was linked with (the backend
   * must unlink before changing vmStart/vmEnd/vmPgoff) and i_mmap_writable recounted.
   * Linux: CONFIG_DEBUG_VM_RB's checks in validate_mm().
   */
  assertValid(): void {
    this.tree.assertValid();
    let writable = 0;
    const t = this.tree;
    for (let n = t.iterFirst(-Infinity, Infinity); n !== NIL; n = t.iterNext(n, -Infinity, Infinity)) {
      const e = t.entryAt(n);
      if (t.firstAt(n) !== vmaStartPgoff(e) || t.lastAt(n) !== vmaLastPgoff(e)) {
        bug(`i_mmap: VMA ${hex(e.vmStart)} of mm ${e.mmId} changed range while linked ([${t.firstAt(n)}, ${t.lastAt(n)}] → [${vmaStartPgoff(e)}, ${vmaLastPgoff(e)}])`);
      }
      if (this.writableLinked.has(e)) writable++;
      if (this.writableLinked.has(e) !== isSharedMaywrite(e.vmFlags)) bug(`i_mmap: VMA ${hex(e.vmStart)} changed VM_SHARED|VM_MAYWRITE while linked`);
    }
    if (writable !== this.writableLinked.size) bug("i_mmap: a writable entry is counted but not linked");
    if (this.iMmapWritable !== writable + this.explicitWritable) {
      bug(`i_mmap: i_mmap_writable ${this.iMmapWritable} != ${writable} linked + ${this.explicitWritable} held`);
    }
  }

  private countWritable(entry: IMmapEntry): void {
    if (!isSharedMaywrite(entry.vmFlags)) return;
    this.writableLinked.add(entry);
    this.iMmapWritable++;
  }

  private checkEntry(entry: IMmapEntry): void {
    const pages = vmaPages(entry);
    if (!Number.isInteger(pages) || pages <= 0 || entry.vmStart % PAGE_SIZE !== 0) {
      bug(`i_mmap: VMA [${hex(entry.vmStart)}, ${hex(entry.vmEnd)}) is not a page-aligned non-empty range`);
    }
    if (!Number.isInteger(entry.vmPgoff) || entry.vmPgoff < 0) bug(`i_mmap: bad vmPgoff ${entry.vmPgoff}`);
  }
}

/** Hex for messages. */
export function hex(x: number): string {
  return `0x${x.toString(16)}`;
}
