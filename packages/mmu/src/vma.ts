/**
 * The MMU VMA and its address space. Linux: struct vm_area_struct and struct mm_struct
 * (include/linux/mm_types.h) with the tree operations of mm/vma.h (vma_iter_store, vma_iter_clear).
 */
import { PAGE_SIZE } from "@mmsim/mm-types";
import type { FileIdentity, MmapFile, VmaCursor, VmaTree, VmaView } from "@mmsim/mm-types";

/**
 * An anon_vma: the root every anonymous page of a VMA family points to. Here only its identity
 * matters (merge compatibility); the reverse map joins it with the anon-vma-rmap package.
 * Linux: struct anon_vma (include/linux/rmap.h).
 */
export interface AnonVma {
  readonly id: number;
}

/** A virtual memory area. Linux: struct vm_area_struct. */
export class Vma implements VmaView {
  vmStart: number;
  vmEnd: number;
  /** File offset of vmStart in pages; for private anonymous memory, vmStart >> PAGE_SHIFT at creation. */
  vmPgoff: number;
  vmFlags: number;
  /** The mapped file (a shmem file for shared anonymous memory), or null. Linux: vm_file. */
  vmFile: MmapFile | null;
  /** Name of a special mapping ("[vdso]", "[vvar]", "[vsyscall]"), or null. Linux: vm_ops->name(). */
  name: string | null;
  /** prctl(PR_SET_VMA_ANON_NAME) name, or null. Linux: anon_name. */
  anonName: string | null = null;
  anonVma: AnonVma | null = null;
  /** Entries on anon_vma_chain: 0 without an anon_vma, 1 normally, more when inherited through fork. */
  anonVmaChainLength = 0;
  /** The VMA has vm_ops->close (SysV shm does): never merged away. */
  hasCloseOp = false;
  /** The VMA has vm_ops (file and shmem mappings): not vma_is_anonymous(). */
  hasVmOps: boolean;

  constructor(
    readonly id: number,
    vmStart: number,
    vmEnd: number,
    vmPgoff: number,
    vmFlags: number,
    vmFile: MmapFile | null,
    name: string | null = null,
  ) {
    this.vmStart = vmStart;
    this.vmEnd = vmEnd;
    this.vmPgoff = vmPgoff;
    this.vmFlags = vmFlags;
    this.vmFile = vmFile;
    this.name = name;
    this.hasVmOps = vmFile !== null || name !== null;
  }

  /** VmaView: the identity /proc prints for the mapped file. */
  get file(): FileIdentity | null {
    return this.vmFile?.identity ?? null;
  }

  /** Pages the VMA spans. Linux: vma_pages(). */
  pages(): number {
    return (this.vmEnd - this.vmStart) / PAGE_SIZE;
  }

  /** True for private or brk anonymous memory (no vm_ops). Linux: vma_is_anonymous(). */
  isAnonymous(): boolean {
    return !this.hasVmOps;
  }

  /** Copies everything but the range into a new VMA with another id (split_vma's vm_area_dup()). */
  dup(id: number): Vma {
    const v = new Vma(id, this.vmStart, this.vmEnd, this.vmPgoff, this.vmFlags, this.vmFile, this.name);
    v.anonName = this.anonName;
    v.anonVma = this.anonVma;
    v.anonVmaChainLength = this.anonVmaChainLength;
    v.hasCloseOp = this.hasCloseOp;
    v.hasVmOps = this.hasVmOps;
    return v;
  }
}

/** Address-space settings of an mm. Linux: fields of mm_struct and the vm sysctls. */
export interface MmConfig {
  /** Where top-down search starts. Linux: mm->mmap_base. */
  readonly mmapBase: number;
  /** Bottom-up search base. Linux: TASK_UNMAPPED_BASE / mm->mmap_legacy_base. */
  readonly mmapLegacyBase: number;
  /** Top of user space. Linux: TASK_SIZE. */
  readonly taskSize: number;
  /** vm.mmap_min_addr. */
  readonly mmapMinAddr: number;
  /** vm.max_map_count. */
  readonly maxMapCount: number;
  /** stack_guard_gap in bytes. */
  readonly stackGuardGap: number;
  /** The caller has CAP_SYS_RAWIO (root): MAP_FIXED below mmap_min_addr is allowed. Linux: cap_mmap_addr(). */
  readonly capSysRawio: boolean;
}

/** An address space. Linux: struct mm_struct. */
export class MmStruct {
  readonly tree: VmaTree<Vma>;
  /** A cursor for walks that don't nest. */
  readonly cursor: VmaCursor<Vma>;
  startBrk = 0;
  brk = 0;
  startStack = 0;
  private nextVmaId = 1;

  constructor(
    readonly id: number,
    tree: VmaTree<Vma>,
    readonly config: MmConfig,
  ) {
    this.tree = tree;
    this.cursor = tree.cursor();
  }

  /** A fresh VMA id for this mm. */
  newVmaId(): number {
    return this.nextVmaId++;
  }

  /** Linux: mm->map_count. */
  get mapCount(): number {
    return this.tree.mapCount;
  }

  /** Stores a new VMA in the tree. Linux: vma_link() / vma_iter_store(). */
  link(vma: Vma): void {
    this.tree.insert(vma.vmStart, vma.vmEnd, vma.vmPgoff, vma.vmFlags, vma.id, vma);
  }

  /** Removes a VMA from the tree. Linux: vma_iter_clear() + remove_vma(). */
  unlink(vma: Vma): void {
    this.tree.erase(vma.vmStart, vma.id);
  }

  /** Moves a VMA's bounds and pgoff, in the tree and in the struct. Linux: vma_set_range() + vma_iter_store(). */
  setRange(vma: Vma, start: number, end: number, pgoff: number): void {
    this.tree.adjust(vma.id, start, end, pgoff);
    vma.vmStart = start;
    vma.vmEnd = end;
    vma.vmPgoff = pgoff;
  }

  /** Replaces a VMA's flags. Linux: vm_flags_reset(). */
  setFlags(vma: Vma, flags: number): void {
    this.tree.vmFlagsReset(vma.vmStart, vma.id, flags);
    vma.vmFlags = flags;
  }

  /** The VMA containing addr, or undefined. Linux: vma_lookup(). */
  lookup(addr: number): Vma | undefined {
    const v = this.tree.findVma(addr);
    return v !== undefined && v.vmStart <= addr ? v : undefined;
  }

  /** All VMAs in address order (a fresh array: safe to change the tree while walking it). */
  vmasIn(start: number, end: number): Vma[] {
    const out: Vma[] = [];
    this.cursor.reset(start, end);
    for (let v = this.cursor.next(); v !== undefined; v = this.cursor.next()) out.push(v);
    return out;
  }
}
