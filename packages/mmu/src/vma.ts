/**
 * The MMU VMA and its address space. Linux: struct vm_area_struct and struct mm_struct
 * (include/linux/mm_types.h) with the tree operations of mm/vma.h (vma_iter_store, vma_iter_clear).
 */
import { PAGE_SIZE, RLIMIT_AS, RLIMIT_DATA, VM_EXEC, VM_GROWSDOWN, VM_SHARED, VM_WRITE, bug } from "@mmsim/mm-types";
import type { FileIdentity, IMmapEntry, MmapFile, VmaCursor, VmaTree, VmaView } from "@mmsim/mm-types";
import { AnonVmaCache } from "@mmsim/anon-vma-rmap";
import type { AnonVma, AnonVmaChain, RmapVma } from "@mmsim/anon-vma-rmap";
import { PageTable } from "./page-table.js";

/**
 * What an address space asks of the backend that owns its pages: dropping ptes, and the file
 * references VMAs hold. Linux: zap_page_range_single(), get_file()/fput().
 */
export interface MmPager {
  /** Drops the ptes (and page references) of [start, end) of `vma`. */
  zapRange(mm: MmStruct, vma: Vma, start: number, end: number): void;
  /** A new VMA refers to `file`. Linux: get_file() in vm_area_dup()/mmap_region(). */
  fileGet(file: MmapFile): void;
  /** A VMA that referred to `file` is gone (removed or merged away). Linux: fput() in remove_vma()/vma_merge(). */
  filePut(file: MmapFile): void;
}

/**
 * A virtual memory area; for a file mapping also its entry in the file's i_mmap, and for the
 * reverse map the VMA its anon_vma_chains point to. Linux: struct vm_area_struct.
 */
export class Vma implements VmaView, IMmapEntry, RmapVma {
  vmStart: number;
  vmEnd: number;
  /** File offset of vmStart in pages; for private anonymous memory, vmStart >> PAGE_SHIFT at creation. */
  vmPgoff: number;
  vmFlags: number;
  /** The mapped file (a shmem file for shared anonymous memory), or null. Linux: vm_file. */
  vmFile: MmapFile | null;
  /** Name of a special mapping ("[vdso]", "[vvar]", "[vsyscall]"), or null. Linux: vm_ops->name(). */
  readonly specialName: string | null;
  /** prctl(PR_SET_VMA_ANON_NAME) name, or null. Linux: anon_name (struct anon_vma_name). */
  anonName: string | null = null;
  /** Where new anonymous pages of the VMA go (owned by @mmsim/anon-vma-rmap). Linux: anon_vma. */
  anonVma: AnonVma | null = null;
  /** One link per anon_vma the VMA may hold pages of (owned by @mmsim/anon-vma-rmap). Linux: anon_vma_chain. */
  readonly anonVmaChain: AnonVmaChain[] = [];
  /**
   * The file an anonymous VMA was mapped from (/dev/zero MAP_PRIVATE), which /proc names and merges
   * compare, with vmFile null as for any anonymous memory; null otherwise. Linux: the vm_file that
   * vma_set_anonymous() leaves in place.
   */
  anonFile: MmapFile | null = null;
  /** The VMA has vm_ops->close (SysV shm does): never merged away. */
  hasCloseOp = false;
  /** The VMA has vm_ops (file and shmem mappings): not vma_is_anonymous(). */
  hasVmOps: boolean;
  /** The address space the VMA was last linked into. Linux: vm_mm. */
  mm: MmStruct | null = null;

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
    this.specialName = name;
    this.hasVmOps = vmFile !== null || name !== null;
    this.hasCloseOp = vmFile?.ops.close !== undefined;
  }

  /**
   * VmaView: the special mapping's name, else the anonymous name as /proc prints it: `[anon:NAME]`,
   * or `[anon_shmem:NAME]` for shared anonymous memory. Linux: get_vma_name() (6.2+ for anon_shmem).
   */
  get name(): string | null {
    if (this.specialName !== null || this.anonName === null) return this.specialName;
    return this.vmFile !== null ? `[anon_shmem:${this.anonName}]` : `[anon:${this.anonName}]`;
  }

  /** VmaView: the identity /proc prints for the mapped file. */
  get file(): FileIdentity | null {
    return (this.vmFile ?? this.anonFile)?.identity ?? null;
  }

  /** The struct file the VMA holds (vm_file), anonymous or not: what merges compare. */
  get structFile(): MmapFile | null {
    return this.vmFile ?? this.anonFile;
  }

  /** Entries on anon_vma_chain: 0 without an anon_vma, 1 normally, more when inherited through fork. */
  get anonVmaChainLength(): number {
    return this.anonVmaChain.length;
  }

  /** IMmapEntry: the id of the owning address space. */
  get mmId(): number {
    return this.mm?.id ?? 0;
  }

  /**
   * IMmapEntry: drops the ptes of the file pages [pgoffFirst, pgoffLast] this VMA maps, private
   * copies of them included. Linux: unmap_mapping_range_vma() → zap_page_range_single().
   */
  zapPages(pgoffFirst: number, pgoffLast: number): void {
    const mm = this.mm;
    if (mm === null || mm.pager === null) return;
    const first = Math.max(pgoffFirst, this.vmPgoff);
    const last = Math.min(pgoffLast, this.vmPgoff + this.pages() - 1);
    if (first > last) return;
    mm.pager.zapRange(mm, this, this.vmStart + (first - this.vmPgoff) * PAGE_SIZE, this.vmStart + (last + 1 - this.vmPgoff) * PAGE_SIZE);
  }

  /** Pages the VMA spans. Linux: vma_pages(). */
  pages(): number {
    return (this.vmEnd - this.vmStart) / PAGE_SIZE;
  }

  /** True for private or brk anonymous memory (no vm_ops). Linux: vma_is_anonymous(). */
  isAnonymous(): boolean {
    return !this.hasVmOps;
  }

  /**
   * Copies everything but the range and the anon_vma chain into a new VMA with another id; the
   * caller links the copy's chain (MmStruct.cloneAnonVma, or anon_vma_fork). Linux: vm_area_dup().
   */
  dup(id: number): Vma {
    const v = new Vma(id, this.vmStart, this.vmEnd, this.vmPgoff, this.vmFlags, this.vmFile, this.specialName);
    v.anonName = this.anonName;
    v.anonFile = this.anonFile;
    v.anonVma = this.anonVma;
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
  /** RLIMIT_STACK in bytes when no task's limits are bound (see `rlimit`). */
  readonly stackRlimit: number;
  /** RLIMIT_MEMLOCK in bytes when no task's limits are bound (see `rlimit`). */
  readonly memlockRlimit: number;
  /**
   * The calling task's soft limit of resource `r` (RLIMIT_*), in bytes, RLIM_INFINITY (2^64 - 1) for
   * none; and its hard limit when `max`. Linux: rlimit() / rlimit_max() reading current->signal->rlim.
   */
  readonly rlimit: (r: number, max?: boolean) => number;
  /** The caller has CAP_IPC_LOCK (root): mlock ignores RLIMIT_MEMLOCK. */
  readonly capIpcLock: boolean;
}

/** An address space. Linux: struct mm_struct. */
export class MmStruct {
  readonly tree: VmaTree<Vma>;
  /** A cursor for walks that don't nest. */
  readonly cursor: VmaCursor<Vma>;
  startBrk = 0;
  brk = 0;
  startStack = 0;
  /** The page tables. Linux: mm->pgd. */
  readonly pt = new PageTable();
  /** Resident pages by kind. Linux: mm->rss_stat MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES. */
  anonPages = 0;
  filePages = 0;
  shmemPages = 0;
  /** Pages the VMAs span, kept as they are linked, unlinked, resized and reflagged. Linux: mm->total_vm. */
  totalVm = 0;
  /** Of those, pages of writable private non-stack VMAs. Linux: mm->data_vm. */
  dataVm = 0;
  /** Pages of executable, not writable, non-stack VMAs. Linux: mm->exec_vm. */
  execVm = 0;
  /** Pages of VM_GROWSDOWN (VM_STACK) VMAs. Linux: mm->stack_vm. */
  stackVm = 0;
  /** The backend that owns the pages, once it adopted the mm. */
  pager: MmPager | null = null;
  /** The machine's anon_vmas and anon_vma_chains (shared by every mm of a backend). */
  readonly anon: AnonVmaCache;
  private nextVmaId = 1;

  constructor(
    readonly id: number,
    tree: VmaTree<Vma>,
    readonly config: MmConfig,
    anon: AnonVmaCache = new AnonVmaCache(),
  ) {
    this.tree = tree;
    this.cursor = tree.cursor();
    this.anon = anon;
  }

  /**
   * Links `dst`, a copy of `src` (split, mremap's copy, a merge taking over src's anon_vma), to
   * every anon_vma src is linked to. Returns 0 or -ENOMEM. Linux: anon_vma_clone() / dup_anon_vma().
   */
  cloneAnonVma(dst: Vma, src: Vma): number {
    if (src.anonVmaChain.length === 0) return 0;
    return this.anon.anonVmaClone(dst, src);
  }

  /** Counts `npages` more (or fewer) pages of VMAs with `flags`. Linux: vm_stat_account(). */
  vmStatAccount(flags: number, npages: number): void {
    this.totalVm += npages;
    if ((flags & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) === VM_EXEC) this.execVm += npages;
    else if (flags & VM_GROWSDOWN) this.stackVm += npages;
    else if ((flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) === VM_WRITE) this.dataVm += npages;
  }

  /**
   * May the mm grow by `npages` pages of VMAs with `flags`? Not past RLIMIT_AS in all, nor past
   * RLIMIT_DATA in writable private memory, except that a data limit of 0 under a higher hard limit
   * lets it (Valgrind's workaround; `ignore_rlimit_data` is off). Linux: may_expand_vm().
   */
  mayExpandVm(flags: number, npages: number): boolean {
    const rlimit = this.config.rlimit;
    if (this.totalVm + npages > Math.floor(rlimit(RLIMIT_AS) / PAGE_SIZE)) return false;
    if ((flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) === VM_WRITE && this.dataVm + npages > Math.floor(rlimit(RLIMIT_DATA) / PAGE_SIZE)) {
      return rlimit(RLIMIT_DATA) === 0 && this.dataVm + npages <= Math.floor(rlimit(RLIMIT_DATA, true) / PAGE_SIZE);
    }
    return true;
  }

  /** A fresh VMA id for this mm. */
  newVmaId(): number {
    return this.nextVmaId++;
  }

  /** Linux: mm->map_count. */
  get mapCount(): number {
    return this.tree.mapCount;
  }

  /**
   * Stores a new VMA in the tree, takes its file reference and links it into the file's i_mmap.
   * Linux: vma_link() / vma_iter_store() + vma_link_file().
   */
  link(vma: Vma): void {
    this.tree.insert(vma.vmStart, vma.vmEnd, vma.vmPgoff, vma.vmFlags, vma.id, vma);
    this.vmStatAccount(vma.vmFlags, vma.pages());
    vma.mm = this;
    const file = vma.vmFile;
    if (file !== null) {
      this.pager?.fileGet(file);
      file.mapping?.vmaLink(vma);
    } else if (vma.anonFile !== null) this.pager?.fileGet(vma.anonFile);
  }

  /**
   * Removes a VMA from the tree and its file's i_mmap, runs `close` (vm_ops->close of a removal; a
   * merge has none), then drops its file reference. Its pages must be gone already.
   * Linux: vma_iter_clear() + unlink_file_vma() + remove_vma() (close, then fput()).
   */
  unlink(vma: Vma, close?: () => void): void {
    this.tree.erase(vma.vmStart, vma.id);
    this.vmStatAccount(vma.vmFlags, -vma.pages());
    if (vma.anonVmaChain.length !== 0) this.anon.unlinkAnonVmas(vma);
    this.detachFile(vma, close);
  }

  /** Takes a VMA out of its file's i_mmap, closes it and drops the file reference. */
  private detachFile(vma: Vma, close: (() => void) | undefined): void {
    const file = vma.vmFile;
    if (file !== null) file.mapping?.vmaUnlink(vma);
    close?.();
    const held = file ?? vma.anonFile;
    if (held !== null) this.pager?.filePut(held);
  }

  /**
   * Removes every VMA at once (pages already gone), each closed and its file reference dropped.
   * Linux: exit_mmap() → remove_vma() per VMA, __mt_destroy().
   */
  clear(close: (vma: Vma) => void): void {
    for (const v of this.vmasIn(0, 2 ** 53)) {
      if (v.anonVmaChain.length !== 0) this.anon.unlinkAnonVmas(v);
      this.detachFile(v, () => close(v));
    }
    this.tree.clear();
    this.totalVm = this.dataVm = this.execVm = this.stackVm = 0;
  }

  /**
   * Moves a VMA's bounds and pgoff, in the tree and in the struct, with the VMA out of its file's
   * i_mmap meanwhile. Linux: vma_set_range() + vma_iter_store() between vma_prepare()/vma_complete().
   */
  setRange(vma: Vma, start: number, end: number, pgoff: number): void {
    const mapping = vma.vmFile?.mapping;
    const anon = vma.anonVmaChain.length !== 0;
    mapping?.vmaUnlink(vma);
    if (anon) this.anon.anonVmaIntervalTreePreUpdateVma(vma);
    this.tree.adjust(vma.id, start, end, pgoff);
    this.vmStatAccount(vma.vmFlags, (end - start - (vma.vmEnd - vma.vmStart)) / PAGE_SIZE);
    vma.vmStart = start;
    vma.vmEnd = end;
    vma.vmPgoff = pgoff;
    if (anon) this.anon.anonVmaIntervalTreePostUpdateVma(vma);
    mapping?.vmaLink(vma);
  }

  /** Drops `vma`'s anon_vma links (MREMAP_DONTUNMAP's emptied source). Linux: unlink_anon_vmas(). */
  dropAnonVma(vma: Vma): void {
    if (vma.anonVmaChain.length !== 0) this.anon.unlinkAnonVmas(vma);
    else if (vma.anonVma !== null) bug(`VMA ${vma.id} has an anon_vma but no chain`);
  }

  /** Replaces a VMA's flags (the i_mmap entry is relinked around the change). Linux: vm_flags_reset(). */
  setFlags(vma: Vma, flags: number): void {
    const mapping = vma.vmFile?.mapping;
    mapping?.vmaUnlink(vma);
    this.tree.vmFlagsReset(vma.vmStart, vma.id, flags);
    this.vmStatAccount(vma.vmFlags, -vma.pages());
    this.vmStatAccount(flags, vma.pages());
    vma.vmFlags = flags;
    mapping?.vmaLink(vma);
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
