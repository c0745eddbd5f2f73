/**
 * The per-process half of NOMMU memory: the VMA (one process's use of a region) and the mm that
 * holds a process's VMAs in an overlap-mode VMA tree. Linux: struct vm_area_struct and struct
 * mm_struct as mm/nommu.c uses them (vm_region, mm_mt, map_count, total_vm, start_brk, brk,
 * context.end_brk, start_stack).
 */
import { PAGE_SIZE, bug } from "@mmsim/mm-types";
import type { FileIdentity, IMmapEntry, MmapFile, VmaTree, VmaView, VmRegion } from "@mmsim/mm-types";

/**
 * One mapping of one process. Its range lies inside its region's pages; several VMAs, of one or
 * several processes, may point at the same region. Linux: struct vm_area_struct with vm_region.
 * The object is also the VMA's entry in its file's i_mmap (IMmapEntry) and its procfs view (VmaView).
 */
export class Vma implements IMmapEntry, VmaView {
  vmStart: number;
  vmEnd: number;
  vmFlags: number;
  vmPgoff: number;
  /** The region behind the VMA; set once the mapping is made. Linux: vm_region. */
  region: VmRegion | null = null;
  /**
   * The file's mmap hook set this VMA up (Linux: it set vm_ops), so its open/close hooks apply.
   * Private copies are made without the hook and have none.
   */
  hasVmOps = false;
  /** Linked into the file's i_mmap. */
  linked = false;

  constructor(
    /** Unique among all VMAs of the backend: the seed's "address of the vm_area_struct", the tree's id. */
    readonly id: number,
    readonly mmId: number,
    vmStart: number,
    vmEnd: number,
    vmPgoff: number,
    vmFlags: number,
    /** Linux: vm_file. */
    readonly vmFile: MmapFile | null,
  ) {
    this.vmStart = vmStart;
    this.vmEnd = vmEnd;
    this.vmPgoff = vmPgoff;
    this.vmFlags = vmFlags;
  }

  /** VmaView: the file's identity, or null for anonymous memory. */
  get file(): FileIdentity | null {
    return this.vmFile?.identity ?? null;
  }

  /** VmaView: NOMMU names no area but [stack], which procfs derives from start_stack. */
  get name(): string | null {
    return null;
  }

  /** The region this VMA must have. */
  get vmRegion(): VmRegion {
    return this.region ?? bugNoRegion(this);
  }

  /** Pages the VMA spans (a direct mapping may start inside a page). */
  get nrPages(): number {
    return Math.ceil((this.vmEnd - this.vmStart) / PAGE_SIZE);
  }

  /** IMmapEntry: NOMMU has no page tables, so there is nothing to zap. Linux: no zap_page_range_single() without an MMU. */
  zapPages(_pgoffFirst: number, _pgoffLast: number): void {}
}

function bugNoRegion(vma: Vma): never {
  return bug(`VMA ${vma.id} of mm ${vma.mmId} has no region`);
}

/** The parts of the mm_struct NOMMU uses. Linux: struct mm_struct. */
export class NommuMm {
  /** Linux: mm->start_brk, mm->brk, mm->context.end_brk, mm->start_stack. */
  startBrk = 0;
  brk = 0;
  endBrk = 0;
  startStack = 0;
  /** Pages of the mappings that made a new region (a shared one adds nothing). Linux: mm->total_vm. */
  totalVm = 0;

  constructor(
    readonly id: number,
    /** Linux: mm->mm_mt, in overlap mode (the seed's rbtree keyed by start and VMA address). */
    readonly tree: VmaTree<Vma>,
  ) {}

  /** Linux: mm->map_count. */
  get mapCount(): number {
    return this.tree.mapCount;
  }

  /** VMAs in (vmStart, id) order. */
  *vmas(): IterableIterator<Vma> {
    const cur = this.tree.cursor();
    cur.reset(0, 2 ** 53);
    for (let v = cur.next(); v !== undefined; v = cur.next()) yield v;
  }

  /** Adds a VMA to the tree. Linux: vma_iter_store() + map_count++ in do_mmap(). */
  link(vma: Vma): void {
    this.tree.insert(vma.vmStart, vma.vmEnd, vma.vmPgoff, vma.vmFlags, vma.id, vma);
  }

  /** Removes a VMA from the tree. Linux: delete_vma_from_mm() / vma_iter_clear(). */
  unlink(vma: Vma): void {
    if (!this.tree.erase(vma.vmStart, vma.id)) bug(`VMA ${vma.id} at 0x${vma.vmStart.toString(16)} is not in mm ${this.id}`);
  }
}
