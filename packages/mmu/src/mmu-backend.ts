/**
 * The MMU backend: address spaces with their VMAs and page tables over the shared page allocator,
 * the mapping syscalls, demand paging and copy-on-write, fork and exit, user-memory access, the
 * futex port and the read-only views procfs prints. Linux: mm/mmap.c, mm/vma.c, mm/memory.c,
 * mm/mprotect.c, mm/mremap.c, mm/madvise.c, mm/mlock.c, mm/msync.c, kernel/fork.c.
 */
import {
  DEFAULT_MAX_MAP_COUNT,
  DEFAULT_MMAP_BASE,
  DEFAULT_MMAP_MIN_ADDR,
  EFAULT,
  EINVAL,
  ENOMEM,
  MAP_GROWSDOWN,
  MAP_LOCKED,
  MAP_NONBLOCK,
  MAP_POPULATE,
  MAP_SHARED,
  NO_PAGE,
  PAGE_SIZE,
  RLIMIT_MEMLOCK,
  RLIMIT_STACK,
  RLIM_INFINITY,
  STACK_GUARD_GAP,
  TASK_SIZE,
  VM_ACCOUNT,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_GROWSDOWN,
  VM_IO,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_PFNMAP,
  VM_SHARED,
  VM_WRITE,
  bug,
  pageAlign,
} from "@mmsim/mm-types";
import type {
  AccessFault,
  ExecArea,
  ExecLayout,
  FutexKey,
  FutexTargetPort,
  MmBackend,
  MmCounters,
  MmapFile,
  MincoreResult,
  MmapRequest,
  MmLayout,
  MmViewPort,
  PageAllocatorPort,
  PhysMemPort,
  RegionsViewPort,
  VmaTreeFactory,
  VmaView,
} from "@mmsim/mm-types";
import { createVmaTree } from "@mmsim/vma-tree";
import { formatMaps, formatSmaps, showMapVmaMmu } from "@mmsim/procfs";
import type { MemSizeStats, SmapsOptions } from "@mmsim/procfs";
import { AnonVmaCache } from "@mmsim/anon-vma-rmap";
import { doBrk } from "./brk.js";
import { dupMmap } from "./fork.js";
import { mmPopulate, populateVmaPageRange } from "./gup.js";
import { doMadvise, doSetAnonName } from "./madvise.js";
import { doMincore } from "./mincore.js";
import { accessRemoteVm } from "./access-remote.js";
import type { MadviseHooks } from "./madvise.js";
import { changeProtection, madviseFreeRange, mlockPteRange, movePageTables, writebackFileRange, zapPteRange } from "./memory.js";
import type { PageCtx } from "./memory.js";
import { countMlockedPages, doMlock } from "./mlock.js";
import { calcVmProtBits, doMmap, isAccountableMapping } from "./mmap.js";
import type { MmapHooks } from "./mmap.js";
import { doMprotect } from "./mprotect.js";
import type { MprotectHooks } from "./mprotect.js";
import { doMremap } from "./mremap.js";
import type { MremapHooks } from "./mremap.js";
import { doMsync } from "./msync.js";
import { doMunmap } from "./munmap.js";
import { PG_ANON, PageMeta } from "./rmap.js";
import { ShmemFile } from "./shmem.js";
import { memSizeStats, residentPages } from "./task-mmu.js";
import { mmTaskMem } from "./task-mem.js";
import { InodeSequence, copyUser, getFutexKey } from "./uaccess.js";
import { validateMmPages } from "./validate.js";
import { MmStruct, Vma } from "./vma.js";
import type { MmConfig, MmPager } from "./vma.js";

/** Settings of an MMU backend; every one has Linux's default. */
export interface MmuOptions extends Partial<MmConfig> {
  /** The VMA tree plugin (default @mmsim/vma-tree). */
  readonly treeFactory?: VmaTreeFactory;
  /**
   * References a page holds besides its mappings (page-cache and driver references), for
   * assertValid() to check file pages exactly; absent, file pages are only checked to hold at least
   * one reference per mapping. The backend's own shmem objects are always counted exactly.
   */
  readonly pageCacheRefs?: (pfn: number) => number;
}

/** What an MMU backend is built on: the page allocator and the physical memory behind it. */
export interface MmuBackendInit extends MmuOptions {
  readonly pages: PageAllocatorPort;
  readonly physMem: PhysMemPort;
}

/** The procfs view of an MMU address space: MmViewPort plus the per-VMA page statistics smaps prints. */
export interface MmuViewPort extends MmViewPort {
  /** smaps statistics of one VMA. Linux: smap_gather_stats(). */
  memSizeStats(vma: VmaView): MemSizeStats;
}

/** Special mappings that never merge or grow, with the flags Linux gives them. Linux: _install_special_mapping(). */
const SPECIAL_FLAGS: Readonly<Record<string, number>> = {
  "[vdso]": VM_DONTEXPAND | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC,
  "[vvar]": VM_DONTEXPAND | VM_IO | VM_PFNMAP | VM_DONTDUMP | VM_MAYREAD,
  "[vvar_vclock]": VM_DONTEXPAND | VM_IO | VM_PFNMAP | VM_DONTDUMP | VM_MAYREAD,
};

const NO_REGIONS: RegionsViewPort = { regions: () => [] };

/** The MMU backend. */
export class MmuBackend implements MmBackend, PageCtx {
  readonly name = "mmu";
  readonly config: MmConfig;
  readonly pages: PageAllocatorPort;
  readonly physMem: PhysMemPort;
  /** struct page state the backend owns (mapcount, anon, index). */
  readonly meta = new PageMeta();
  /** The machine's anon_vmas and anon_vma_chains. */
  readonly anonVmas = new AnonVmaCache();
  readonly zeroPfn: number;
  readonly futex: FutexTargetPort;
  private readonly treeFactory: VmaTreeFactory;
  private readonly pageCacheRefs: ((pfn: number) => number) | undefined;
  private readonly mms = new Map<number, MmStruct>();
  /** The gate area ([vsyscall]) procfs prints after the VMAs; not in any mm. Linux: get_gate_vma(). */
  private readonly gates = new Map<number, Vma>();
  /** VMA references per mapped file; the last one gone releases the file. Linux: f_count held by VMAs. */
  private readonly fileRefs = new Map<MmapFile, number>();
  private readonly shmemFiles = new Set<ShmemFile>();
  private rlimitSource: ((resource: number, max: boolean) => number) | null = null;
  private readonly inodes = new InodeSequence();
  private nextMmId = 1;
  private nextShmemIno = 1;
  private readonly hooks: MmapHooks & MremapHooks & MadviseHooks & MprotectHooks;
  private readonly pager: MmPager;
  private readonly u32 = new Uint8Array(4);

  constructor(init: MmuBackendInit) {
    this.pages = init.pages;
    this.physMem = init.physMem;
    this.treeFactory = init.treeFactory ?? createVmaTree;
    this.pageCacheRefs = init.pageCacheRefs;
    this.config = {
      mmapBase: init.mmapBase ?? DEFAULT_MMAP_BASE,
      mmapLegacyBase: init.mmapLegacyBase ?? pageAlign(Math.floor(TASK_SIZE / 3)),
      taskSize: init.taskSize ?? TASK_SIZE,
      mmapMinAddr: init.mmapMinAddr ?? DEFAULT_MMAP_MIN_ADDR,
      maxMapCount: init.maxMapCount ?? DEFAULT_MAX_MAP_COUNT,
      stackGuardGap: init.stackGuardGap ?? STACK_GUARD_GAP,
      capSysRawio: init.capSysRawio ?? true,
      stackRlimit: init.stackRlimit ?? 8 << 20,
      memlockRlimit: init.memlockRlimit ?? 8 << 20,
      capIpcLock: init.capIpcLock ?? true,
      rlimit: init.rlimit ?? ((r, max) => this.rlimitOf(r, max === true)),
    };
    const zero = this.pages.allocPages(0);
    if (zero === NO_PAGE) bug("no memory for the zero page");
    this.physMem.zero(zero * PAGE_SIZE, PAGE_SIZE);
    this.zeroPfn = zero;
    this.pager = {
      zapRange: (mm, vma, start, end) => zapPteRange(this, mm, vma, start, end),
      fileGet: (file) => this.fileRefs.set(file, (this.fileRefs.get(file) ?? 0) + 1),
      filePut: (file) => this.filePut(file),
    };
    this.hooks = {
      zapRange: this.pager.zapRange,
      removeVma: (_mm, vma) => vma.vmFile?.ops.close?.(vma),
      movePages: (mm, _from, oldAddr, _to, newAddr, len) => movePageTables(mm, oldAddr, newAddr, len),
      populate: (mm, start, len) => void mmPopulate(this, mm, start, len, true),
      shmemZeroSetup: (len) => this.shmemZeroSetup(len),
      lazyFree: (mm, _vma, start, end) => madviseFreeRange(this, mm, start, end),
      changeProtection: (mm, vma, start, end) => changeProtection(mm, vma, start, end),
      populateVmaRange: (mm, vma, start, end) => void populateVmaPageRange(this, mm, vma, start, end),
    };
    this.futex = {
      futexKey: (mmId, uaddr, shared): FutexKey | number => getFutexKey(this, this.mm(mmId), uaddr, shared, this.inodes),
      readU32: (mmId, uaddr) => this.readU32(mmId, uaddr),
      writeU32: (mmId, uaddr, value) => this.writeU32(mmId, uaddr, value),
    };
  }

  /** The mm with this id; a bug when it doesn't exist. */
  mm(mmId: number): MmStruct {
    return this.mms.get(mmId) ?? bug(`mm ${mmId} does not exist`);
  }

  private shmemZeroSetup(len: number): ShmemFile {
    const f = new ShmemFile(this.nextShmemIno++, len, this.pages, this.physMem);
    this.shmemFiles.add(f);
    return f;
  }

  /** A VMA dropped its file; the last one releases it (a shmem object frees its pages). Linux: fput() → __fput(). */
  private filePut(file: MmapFile): void {
    const n = (this.fileRefs.get(file) ?? bug(`file ${file.identity.path} has no VMA references`)) - 1;
    if (n > 0) {
      this.fileRefs.set(file, n);
      return;
    }
    this.fileRefs.delete(file);
    if (file instanceof ShmemFile) {
      for (const pfn of file.cache.values()) this.meta.forget(pfn);
      file.evict();
      this.shmemFiles.delete(file);
    }
    file.ops.release?.();
  }

  /** Creates an empty address space. Linux: mm_alloc(). */
  mmNew(): number {
    const id = this.nextMmId++;
    const c = this.config;
    const mm = new MmStruct(id, this.treeFactory({ stackGuardGap: c.stackGuardGap, mmapMinAddr: c.mmapMinAddr }), c, this.anonVmas);
    mm.pager = this.pager;
    this.mms.set(id, mm);
    return id;
  }

  /** Duplicates an address space for fork. Linux: dup_mm() → dup_mmap(). */
  mmDup(mmId: number): number {
    const old = this.mm(mmId);
    const id = this.mmNew();
    if (dupMmap(this, old, this.mm(id)) < 0) {
      this.mmRelease(id);
      return -ENOMEM;
    }
    const gate = this.gates.get(mmId);
    if (gate !== undefined) this.gates.set(id, gate);
    return id;
  }

  /**
   * Tears an address space down: every page unmapped, then every VMA closed and dropped.
   * Linux: exit_mmap() (unmap_vmas(), free_pgtables(), remove_vma() per VMA).
   */
  mmRelease(mmId: number): void {
    const mm = this.mm(mmId);
    const vmas = mm.vmasIn(0, 2 ** 53);
    for (const v of vmas) zapPteRange(this, mm, v, v.vmStart, v.vmEnd);
    mm.clear((v) => v.vmFile?.ops.close?.(v));
    if (mm.pt.tables.size !== 0 || mm.anonPages !== 0 || mm.filePages !== 0 || mm.shmemPages !== 0) bug(`mm ${mmId}: pages left after exit`);
    this.mms.delete(mmId);
    this.gates.delete(mmId);
  }

  /**
   * Installs a process image: each area at its place with the flags Linux would have given it
   * (writable private memory is accounted and assumed written, so it has an anon_vma; the stack
   * grows down; [vdso] and [vvar] are special). Returns 0, or -EINVAL (changing nothing) for an
   * area that is empty, not page aligned, overlaps another, lies above TASK_SIZE (but the [vsyscall]
   * gate) or has a pgoff that is not a page index.
   */
  mmExec(mmId: number, layout: ExecLayout): number {
    const mm = this.mm(mmId);
    const sorted = [...layout.areas].sort((a, b) => a.start - b.start);
    for (const a of sorted) {
      if (a.start % PAGE_SIZE !== 0 || a.end % PAGE_SIZE !== 0 || a.end <= a.start || !Number.isSafeInteger(a.pgoff) || a.pgoff < 0) return -EINVAL;
      // only the gate area lies above user space (and it is no VMA)
      if (a.end > this.config.taskSize && a.name !== "[vsyscall]") return -EINVAL;
    }
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start < sorted[i - 1]!.end) return -EINVAL;
    for (const area of sorted) {
      if (area.name === "[vsyscall]") {
        this.gates.set(mmId, new Vma(0, area.start, area.end, 0, calcVmProtBits(area.prot), null, area.name));
        continue;
      }
      // private anonymous memory is indexed by its own address (the anon_vma linear index), whatever maps printed
      const pgoff = area.file === null && !(area.flags & MAP_SHARED) ? area.start / PAGE_SIZE : area.pgoff;
      const name = area.name === "[heap]" || area.name === "[stack]" ? null : area.name;
      const vma = new Vma(mm.newVmaId(), area.start, area.end, pgoff, this.execAreaFlags(area), area.file, name);
      mm.link(vma);
      if (vma.vmFlags & VM_WRITE && !(vma.vmFlags & VM_SHARED) && mm.anon.anonVmaPrepare(vma) < 0) bug("no memory for an exec area's anon_vma");
    }
    mm.startBrk = layout.startBrk;
    mm.brk = layout.brk ?? layout.startBrk;
    const stack = sorted.find((a) => a.name === "[stack]");
    mm.startStack = stack !== undefined ? stack.end - PAGE_SIZE : 0;
    return 0;
  }

  private execAreaFlags(area: ExecArea): number {
    let f = calcVmProtBits(area.prot);
    const special = area.name !== null ? SPECIAL_FLAGS[area.name] : undefined;
    if (special !== undefined) return f | special;
    f |= VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (area.flags & MAP_SHARED) {
      f |= VM_MAYSHARE | VM_SHARED;
      if (area.file !== null && !area.file.writable) f &= ~(VM_MAYWRITE | VM_SHARED);
    }
    if (area.flags & MAP_GROWSDOWN || area.name === "[stack]") f |= VM_GROWSDOWN;
    if (isAccountableMapping(f)) f |= VM_ACCOUNT;
    return f;
  }

  /**
   * mmap after fd resolution; MAP_POPULATE (without MAP_NONBLOCK) and MAP_LOCKED fault the range in
   * afterwards, ignoring errors. Linux: do_mmap() + mm_populate() in vm_mmap_pgoff().
   */
  mmap(mmId: number, req: MmapRequest): number {
    const mm = this.mm(mmId);
    const addr = doMmap(mm, req, this.hooks);
    if (addr >= 0 && ((req.flags & (MAP_POPULATE | MAP_NONBLOCK)) === MAP_POPULATE || req.flags & MAP_LOCKED)) {
      mmPopulate(this, mm, addr, pageAlign(req.len), true);
    }
    return addr;
  }

  /** Linux: do_vmi_munmap(). */
  munmap(mmId: number, addr: number, len: number): number {
    return doMunmap(this.mm(mmId), addr, len, this.hooks);
  }

  /** Linux: do_mprotect_pkey(). */
  mprotect(mmId: number, addr: number, len: number, prot: number): number {
    return doMprotect(this.mm(mmId), addr, len, prot, this.hooks);
  }

  /** Linux: sys_mremap(). */
  mremap(mmId: number, oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
    return doMremap(this.mm(mmId), oldAddr, oldLen, newLen, flags, newAddr, this.hooks);
  }

  /** Linux: sys_brk(). */
  brk(mmId: number, brk: number): number {
    return doBrk(this.mm(mmId), brk, this.hooks);
  }

  /** Linux: do_madvise(). */
  madvise(mmId: number, addr: number, len: number, advice: number): number {
    return doMadvise(this.mm(mmId), addr, len, advice, this.hooks);
  }

  /**
   * Where the limits of the task making each call come from; until a syscall layer binds them, the
   * options' stack and memlock limits and no others. Linux: current->signal->rlim.
   */
  bindRlimits(source: (resource: number, max: boolean) => number): void {
    this.rlimitSource = source;
  }

  private rlimitOf(r: number, max: boolean): number {
    if (this.rlimitSource !== null) return this.rlimitSource(r, max);
    if (r === RLIMIT_STACK && !max) return this.config.stackRlimit;
    if (r === RLIMIT_MEMLOCK) return this.config.memlockRlimit;
    return RLIM_INFINITY;
  }

  /** Linux: access_remote_vm(). */
  accessRemoteVm(mmId: number, addr: number, buf: Uint8Array, write: boolean): number {
    return accessRemoteVm(this, this.mm(mmId), addr, buf, write);
  }

  /** Linux: sys_mincore() / do_mincore(). */
  mincore(mmId: number, start: number, len: number): MincoreResult | number {
    return doMincore(this.mm(mmId), start, len);
  }

  /** Linux: madvise_set_anon_name(); shared anonymous memory is this backend's shmem files. */
  setAnonName(mmId: number, start: number, len: number, readName: () => string | null | number): number {
    const mm = this.mm(mmId);
    const name = readName();
    if (typeof name === "number") return name;
    return doSetAnonName(mm, start, len, name, (vma) => vma.vmFile instanceof ShmemFile);
  }

  /** Linux: sys_msync(). */
  msync(mmId: number, addr: number, len: number, flags: number): number {
    return doMsync(this.mm(mmId), addr, len, flags, (vma, first, last) =>
      writebackFileRange(this, vma.vmFile!, first, last, () => this.vmasOfFile(vma.vmFile!)),
    );
  }

  /** Every VMA of every mm. */
  private *allVmas(): Iterable<Vma> {
    for (const mm of this.mms.values()) yield* mm.vmasIn(0, 2 ** 53);
  }

  /** Every VMA of every mm that maps `file`. */
  private *vmasOfFile(file: MmapFile): Iterable<Vma> {
    for (const mm of this.mms.values()) for (const v of mm.vmasIn(0, 2 ** 53)) if (v.vmFile === file) yield v;
  }

  /** Linux: sys_mlock() / sys_munlock(). */
  mlock(mmId: number, addr: number, len: number, lock: boolean): number {
    return doMlock(
      this.mm(mmId),
      addr,
      len,
      lock,
      (mm, start, l) => mmPopulate(this, mm, start, l, false),
      (mm, start, end, delta) => mlockPteRange(this, mm, start, end, delta),
    );
  }

  /** Linux: copy_from_user(). */
  readUser(mmId: number, addr: number, dst: Uint8Array): AccessFault | 0 {
    return copyUser(this, this.mm(mmId), addr, dst, false);
  }

  /** Linux: copy_to_user(). */
  writeUser(mmId: number, addr: number, src: Uint8Array): AccessFault | 0 {
    return copyUser(this, this.mm(mmId), addr, src, true);
  }

  private readU32(mmId: number, uaddr: number): number {
    const b = this.u32;
    if (copyUser(this, this.mm(mmId), uaddr, b, false) !== 0) return -EFAULT;
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  private writeU32(mmId: number, uaddr: number, value: number): number {
    const b = this.u32;
    b[0] = value & 0xff;
    b[1] = (value >>> 8) & 0xff;
    b[2] = (value >>> 16) & 0xff;
    b[3] = (value >>> 24) & 0xff;
    return copyUser(this, this.mm(mmId), uaddr, b, true) === 0 ? 0 : -EFAULT;
  }

  /** Read-only view of an address space for procfs. */
  view(mmId: number): MmuViewPort {
    const mm = this.mm(mmId);
    const gate = this.gates.get(mmId);
    return {
      vmas: (): Iterable<VmaView> => {
        const all: VmaView[] = mm.vmasIn(0, 2 ** 53);
        if (gate !== undefined) all.push(gate);
        return all;
      },
      layout: (): MmLayout => ({ startBrk: mm.startBrk, brk: mm.brk, startStack: mm.startStack }),
      counters: (): MmCounters => ({
        anonPages: mm.anonPages,
        filePages: mm.filePages,
        shmemPages: mm.shmemPages,
        totalVm: mm.totalVm,
        mapCount: mm.mapCount,
      }),
      residentPages: (vma) => residentPages(mm, vma.vmStart, vma.vmEnd),
      memSizeStats: (vma) => memSizeStats(this, mm, vma),
    };
  }

  /** The global region view: empty on MMU. */
  regions(): RegionsViewPort {
    return NO_REGIONS;
  }

  /** Locked pages of an address space. Linux: mm->locked_vm. */
  lockedVm(mmId: number): number {
    return countMlockedPages(this.mm(mmId), 0, 0);
  }

  /** /proc/<pid>/maps of an address space. Linux: show_map_vma() over the mm, then the gate area. */
  showMaps(mmId: number): string {
    const view = this.view(mmId);
    return formatMaps(view.vmas(), view.layout(), showMapVmaMmu);
  }

  /** The same as showMaps(). */
  maps(mmId: number): string {
    return this.showMaps(mmId);
  }

  /** /proc/<pid>/smaps of an address space. Linux: show_smap() over the mm, then the gate area. */
  showSmaps(mmId: number, opts?: SmapsOptions): string {
    const view = this.view(mmId);
    return formatSmaps(view.vmas(), view.layout(), view.memSizeStats, opts);
  }

  /** The memory lines of /proc/<pid>/status and the statm line. Linux: task_mem(), task_statm() (task_mmu.c). */
  taskMem(mmId: number): { readonly status: string; readonly statm: string; readonly thpEnabled: boolean } {
    return mmTaskMem(this.mm(mmId));
  }

  /** There is no global /proc/maps on MMU. */
  showGlobalMaps(): null {
    return null;
  }

  /**
   * The meminfo figures the backend accounts, in pages: AnonPages (anonymous pages mapped),
   * Mapped (file and shmem pages mapped), Shmem (the backend's shmem objects' pages) and
   * Committed_AS (VM_ACCOUNT VMAs plus shmem objects' sizes). Linux: NR_ANON_MAPPED,
   * NR_FILE_MAPPED, NR_SHMEM, vm_committed_as.
   */
  meminfoPages(): Readonly<Record<string, number>> {
    let anon = 0;
    let mapped = 0;
    const m = this.meta;
    for (let pfn = 0; pfn < m.mapcount.length; pfn++) {
      if (m.mapcount[pfn] === 0) continue;
      if (m.flags[pfn]! & PG_ANON) anon++;
      else mapped++;
    }
    let shmem = 0;
    let committed = 0;
    for (const f of this.shmemFiles) {
      shmem += f.cache.size;
      committed += Math.ceil(f.size() / PAGE_SIZE);
    }
    for (const mm of this.mms.values()) for (const v of mm.vmasIn(0, 2 ** 53)) if (v.vmFlags & VM_ACCOUNT) committed += v.pages();
    return { AnonPages: anon, Mapped: mapped, Shmem: shmem, Committed_AS: committed };
  }

  /**
   * Checks every address space (the tree, each VMA against its tree entry, every pte against its
   * VMA, the rss counters) and every page (mapcount and reference count against the mappings found,
   * the anon_vma and index of anonymous pages). Linux: validate_mm() plus what CONFIG_DEBUG_VM checks.
   */
  assertValid(): void {
    for (const mm of this.mms.values()) {
      mm.tree.assertValid();
      const c = mm.tree.cursor();
      c.reset(0, 2 ** 53);
      for (let v = c.next(); v !== undefined; v = c.next()) {
        if (c.vmStart !== v.vmStart || c.vmEnd !== v.vmEnd || c.vmPgoff !== v.vmPgoff || c.vmFlags !== v.vmFlags)
          bug(`mm ${mm.id}: VMA ${v.id} [${v.vmStart.toString(16)}, ${v.vmEnd.toString(16)}) disagrees with its tree entry`);
        if (v.vmStart % PAGE_SIZE !== 0 || v.vmEnd % PAGE_SIZE !== 0) bug(`mm ${mm.id}: VMA ${v.id} is not page aligned`);
        if (v.mm !== mm) bug(`mm ${mm.id}: VMA ${v.id} names another mm`);
      }
    }
    validateMmPages(this, [...this.mms.values()], this.fileRefs, this.shmemFiles, this.pageCacheRefs);
    this.anonVmas.assertValid(this.allVmas());
  }
}
