/**
 * The NOMMU mm backend: every process's VMAs over one global tree of regions, in physical memory
 * that any task can read and write. Linux: mm/nommu.c (6.12) with the design of the 2009
 * "NOMMU: Make VMAs per MM as for MMU-mode linux" patch, fs/proc/nommu.c and fs/proc/task_nommu.c.
 */
import type { MmapRequestContext } from "@mmsim/bdi-caps";
import {
  DEFAULT_MAX_MAP_COUNT,
  EINVAL,
  ENOSYS,
  PAGE_SIZE,
  TASK_SIZE,
  bug,
} from "@mmsim/mm-types";
import type {
  AccessFault,
  ExecLayout,
  FutexTargetPort,
  MmapFile,
  MmapRequest,
  MmBackend,
  MmCounters,
  MmLayout,
  MmViewPort,
  PageAllocatorPort,
  PhysMemPort,
  RegionsViewPort,
  VmaTreeFactory,
  VmaView,
  VmRegionStore,
} from "@mmsim/mm-types";
import { formatMaps, showMapVmaNommu } from "@mmsim/procfs";
import { createNommuRegionTree, nommuRegionListShow } from "@mmsim/vm-region";
import { createVmaTree } from "@mmsim/vma-tree";
import { doBrk } from "./brk.js";
import { doMmap } from "./do-mmap.js";
import { mmExecNommu } from "./exec.js";
import { doMremap } from "./mremap.js";
import { doMunmap, exitMmap } from "./munmap.js";
import { NommuState } from "./nommu-state.js";
import type { NommuConfig } from "./nommu-state.js";
import { nommuShrinkInodeMappings } from "./shrink-inode.js";
import { nommuTaskMem } from "./task-mem.js";
import { NommuFutexPort, accessRemoteVm, readUser, writeUser } from "./user-access.js";
import { validateNommu } from "./validate.js";
import { NommuMm } from "./vma.js";

/** Options of a NOMMU backend. */
export interface NommuOptions {
  /** The page allocator private copies come from (a BuddyAllocator in practice). */
  readonly pages: PageAllocatorPort;
  /** The bytes of physical memory (BuddyAllocator.physMem). */
  readonly physMem: PhysMemPort;
  /** vm.nr_trim_pages: trim a copy's power-of-two excess when it reaches this many pages; 0 never. Default 1. */
  readonly nrTrimPages?: number;
  /** CONFIG_MMAP_ALLOW_UNINITIALIZED: honour MAP_UNINITIALIZED. Default false. */
  readonly mmapUninitialized?: boolean;
  /** The VMA tree plugin; it is created in overlap mode. Default @mmsim/vma-tree. */
  readonly treeFactory?: VmaTreeFactory;
  /** The region store plugin. Default @mmsim/vm-region's createNommuRegionTree. */
  readonly regionStoreFactory?: () => VmRegionStore;
  /** TASK_SIZE. Default x86-64's; RISC-V NOMMU uses 2^64 - 1. */
  readonly taskSize?: number;
  /** sysctl_max_map_count, which splits respect. Default 65530. */
  readonly maxMapCount?: number;
  /** Futex keys need the address inside a readable, non-I/O mapping (the seed's rule). Default true; false is 6.12. */
  readonly futexChecksVma?: boolean;
  /**
   * Physical address of the first byte of RAM. Default: `firstPfn * PAGE_SIZE` when the allocator
   * has a `firstPfn` (BuddyAllocator does), else 0. RAM spans `pages.nrPages` pages from there.
   */
  readonly ramStart?: number;
}

/** The optional `firstPfn` a page allocator may carry (BuddyAllocator does; the port doesn't name it). */
interface MaybeFirstPfn {
  readonly firstPfn?: number;
}

/**
 * The NOMMU backend. User addresses are physical addresses: mmap returns where the page allocator or
 * the driver put the memory, the same segment of the same file can come back at the same address in
 * two processes, and no access is ever refused inside RAM.
 */
export class NommuBackend implements MmBackend {
  readonly name = "nommu";
  readonly physMem: PhysMemPort;
  readonly futex: FutexTargetPort;
  private readonly st: NommuState;
  private readonly treeFactory: VmaTreeFactory;
  private readonly mms = new Map<number, NommuMm>();
  private readonly ptraced = new Set<number>();
  private nextMmId = 1;

  constructor(opts: NommuOptions) {
    const ramStart = opts.ramStart ?? ((opts.pages as MaybeFirstPfn).firstPfn ?? 0) * PAGE_SIZE;
    const config: NommuConfig = {
      nrTrimPages: opts.nrTrimPages ?? 1,
      mmapUninitialized: opts.mmapUninitialized ?? false,
      taskSize: opts.taskSize ?? TASK_SIZE,
      maxMapCount: opts.maxMapCount ?? DEFAULT_MAX_MAP_COUNT,
      futexChecksVma: opts.futexChecksVma ?? true,
    };
    if (!(config.nrTrimPages >= 0)) bug(`nr_trim_pages ${config.nrTrimPages} is negative`);
    const regions = (opts.regionStoreFactory ?? createNommuRegionTree)();
    this.st = new NommuState(opts.pages, opts.physMem, regions, config, { start: ramStart, end: ramStart + opts.pages.nrPages * PAGE_SIZE });
    this.physMem = opts.physMem;
    this.treeFactory = opts.treeFactory ?? createVmaTree;
    this.futex = new NommuFutexPort(this.st, (id) => this.mm(id));
  }

  /** The mm with this id; a bug when it doesn't exist. */
  private mm(mmId: number): NommuMm {
    return this.mms.get(mmId) ?? bug(`mm ${mmId} does not exist`);
  }

  private ctx(mmId: number): MmapRequestContext {
    return { taskSize: this.st.config.taskSize, ptraced: this.ptraced.has(mmId) };
  }

  /** vm.nr_trim_pages in force. */
  get nrTrimPages(): number {
    return this.st.config.nrTrimPages;
  }

  /** Writes vm.nr_trim_pages: 0 or -EINVAL for a negative value (the sysctl's extra1 = 0). Linux: proc_dointvec_minmax. */
  setNrTrimPages(n: number): number {
    if (!Number.isInteger(n) || n < 0) return -EINVAL;
    this.st.config.nrTrimPages = n;
    return 0;
  }

  /** Pages private copies hold now. Linux: mmap_pages_allocated. */
  get mmapPagesAllocated(): number {
    return this.st.mmapPagesAllocated;
  }

  /** The MmapCopy line of /proc/meminfo, in kB. Linux: meminfo_proc_show() under !CONFIG_MMU. */
  mmapCopyKb(): number {
    return (this.st.mmapPagesAllocated * PAGE_SIZE) / 1024;
  }

  /** Ids of the live address spaces, in creation order. */
  mmIds(): number[] {
    return [...this.mms.keys()];
  }

  /** Marks the tasks of an mm as ptraced (or not): their read-only private file mappings stop overlaying regions. Linux: current->ptrace. */
  setPtraced(mmId: number, traced: boolean): void {
    this.mm(mmId);
    if (traced) this.ptraced.add(mmId);
    else this.ptraced.delete(mmId);
  }

  /** Creates an empty address space. Linux: mm_alloc(). */
  mmNew(): number {
    const id = this.nextMmId++;
    this.mms.set(id, new NommuMm(id, this.treeFactory({ overlap: true })));
    return id;
  }

  /** fork() can't exist without an MMU: -EINVAL. vfork and CLONE_VM share the mm, which is the kernel's business. Linux: kernel/fork.c. */
  mmDup(mmId: number): number {
    this.mm(mmId);
    return -EINVAL;
  }

  /** Unmaps everything and drops the mm. Linux: exit_mmap() + mmput(). */
  mmRelease(mmId: number): void {
    exitMmap(this.st, this.mm(mmId));
    this.mms.delete(mmId);
    this.ptraced.delete(mmId);
  }

  /** Maps each area where memory is found and moves brk and stack with it (see exec.ts). Returns 0 or -errno. */
  mmExec(mmId: number, layout: ExecLayout): number {
    return mmExecNommu(this.st, this.mm(mmId), layout, this.ctx(mmId));
  }

  /** Linux: do_mmap() in mm/nommu.c. */
  mmap(mmId: number, req: MmapRequest): number {
    return doMmap(this.st, this.mm(mmId), req, this.ctx(mmId));
  }

  /** Linux: do_munmap() in mm/nommu.c. */
  munmap(mmId: number, addr: number, len: number): number {
    return doMunmap(this.st, this.mm(mmId), addr, len);
  }

  /** Linux 6.12 NOMMU builds no mm/mprotect.c: sys_ni_syscall, -ENOSYS. */
  mprotect(mmId: number, _addr: number, _len: number, _prot: number): number {
    this.mm(mmId);
    return -ENOSYS;
  }

  /** Linux: do_mremap() in mm/nommu.c. */
  mremap(mmId: number, oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
    return doMremap(this.st, this.mm(mmId), oldAddr, oldLen, newLen, flags, newAddr);
  }

  /** Linux: sys_brk() in mm/nommu.c. */
  brk(mmId: number, brk: number): number {
    return doBrk(this.mm(mmId), brk);
  }

  /** -ENOSYS: madvise is COND_SYSCALL, and nommu_virt_defconfig leaves CONFIG_ADVISE_SYSCALLS off. */
  madvise(mmId: number, _addr: number, _len: number, _advice: number): number {
    this.mm(mmId);
    return -ENOSYS;
  }

  /** Linux 6.12 NOMMU builds no mm/msync.c: -ENOSYS. */
  msync(mmId: number, _addr: number, _len: number, _flags: number): number {
    this.mm(mmId);
    return -ENOSYS;
  }

  /** Linux 6.12 NOMMU builds no mm/mlock.c: mlock and munlock are -ENOSYS. */
  mlock(mmId: number, _addr: number, _len: number, _lock: boolean): number {
    this.mm(mmId);
    return -ENOSYS;
  }

  /** Linux 6.12 NOMMU builds no mm/mincore.c: -ENOSYS. */
  mincore(mmId: number, _start: number, _len: number): number {
    this.mm(mmId);
    return -ENOSYS;
  }

  /** -EINVAL: CONFIG_ANON_VMA_NAME needs an MMU, and without it prctl_set_vma() refuses every option. */
  setAnonName(mmId: number, _start: number, _len: number, _readName: () => string | null | number): number {
    this.mm(mmId);
    return -EINVAL;
  }

  /** Reads physical memory: no protection, any address in RAM (Linux: copy_from_user() as memcpy). */
  readUser(mmId: number, addr: number, dst: Uint8Array): AccessFault | 0 {
    this.mm(mmId);
    return readUser(this.st, addr, dst);
  }

  /** Within the VMA holding `addr`, if it may be read (VM_MAYREAD) or written (VM_MAYWRITE). Linux: __access_remote_vm() in mm/nommu.c. */
  accessRemoteVm(mmId: number, addr: number, buf: Uint8Array, write: boolean): number {
    return accessRemoteVm(this.st, this.mm(mmId), addr, buf, write);
  }

  /** Writes physical memory: no protection, any address in RAM (Linux: copy_to_user() as memcpy). */
  writeUser(mmId: number, addr: number, src: Uint8Array): AccessFault | 0 {
    this.mm(mmId);
    return writeUser(this.st, addr, src);
  }

  /**
   * The procfs view of an mm. NOMMU keeps no RSS counters (nothing faults pages in), so the
   * anonymous, file and shmem counts are 0 as in Linux; every page of a VMA is resident.
   */
  view(mmId: number): MmViewPort {
    const mm = this.mm(mmId);
    return {
      vmas: (): Iterable<VmaView> => mm.vmas(),
      layout: (): MmLayout => ({ startBrk: mm.startBrk, brk: mm.brk, startStack: mm.startStack }),
      counters: (): MmCounters => ({ anonPages: 0, filePages: 0, shmemPages: 0, totalVm: mm.totalVm, mapCount: mm.mapCount }),
      residentPages: (vma: VmaView): number => Math.ceil((vma.vmEnd - vma.vmStart) / PAGE_SIZE),
    };
  }

  /** The global region tree, for /proc/maps. */
  regions(): RegionsViewPort {
    return this.st.regions;
  }

  /** /proc/<pid>/maps of an mm, as Linux prints it ('S'/'s'/'p', [stack]). Linux: nommu_vma_show() in fs/proc/task_nommu.c. */
  showMaps(mmId: number): string {
    const v = this.view(mmId);
    return formatMaps(v.vmas(), v.layout(), showMapVmaNommu);
  }

  /** NOMMU has no /proc/<pid>/smaps: null. Linux: fs/proc/task_nommu.c registers none. */
  showSmaps(mmId: number): string | null {
    this.mm(mmId);
    return null;
  }

  /** The Mem/Slack/Shared lines of /proc/<pid>/status and the statm line. Linux: task_mem(), task_statm() (task_nommu.c). */
  taskMem(mmId: number): { readonly status: string; readonly statm: string; readonly thpEnabled: boolean } {
    return nommuTaskMem(this.mm(mmId));
  }

  /** /proc/maps: every region in the system, one line each, slack not shown. Linux: nommu_region_show() in fs/proc/nommu.c. */
  showGlobalMaps(): string {
    return nommuRegionListShow(this.st.regions);
  }

  /** The /proc/meminfo figure this backend owns: MmapCopy, in pages. Linux: mmap_pages_allocated. */
  meminfoPages(): Readonly<Record<string, number>> {
    return { MmapCopy: this.st.mmapPagesAllocated };
  }

  /**
   * What ramfs asks before shrinking a file from `size` to `newsize`: -ETXTBSY under a shared
   * mapping, else the file's shared regions are cut to the new size and 0 is returned.
   * Linux: nommu_shrink_inode_mappings(). A file without i_mmap has no mappings to find: 0.
   */
  nommuShrinkInodeMappings(file: MmapFile, size: number, newsize: number): number {
    return file.mapping === undefined ? 0 : nommuShrinkInodeMappings(this.st, file.mapping, size, newsize);
  }

  /** Checks every invariant (see validate.ts); throws a KernelBug on the first broken one. */
  assertValid(): void {
    validateNommu(this.st, this.mms.values());
  }
}
