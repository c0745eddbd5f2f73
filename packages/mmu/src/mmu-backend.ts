/**
 * The MMU backend's address spaces: mm creation from an exec layout, the mapping syscalls, and the
 * read-only views procfs prints. Page tables, faults, copy-on-write and fork arrive with the rest
 * of issue 4; until then pages are not materialized and the page hooks have nothing to free.
 */
import {
  DEFAULT_MAX_MAP_COUNT,
  DEFAULT_MMAP_BASE,
  DEFAULT_MMAP_MIN_ADDR,
  EINVAL,
  MAP_GROWSDOWN,
  MAP_SHARED,
  PAGE_SIZE,
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
import type { ExecArea, ExecLayout, MmCounters, MmapFile, MmapRequest, MmLayout, MmViewPort, VmaTreeFactory, VmaView } from "@mmsim/mm-types";
import { createVmaTree } from "@mmsim/vma-tree";
import { formatMaps, showMapVmaMmu } from "@mmsim/procfs";
import { doBrk } from "./brk.js";
import { doMadvise } from "./madvise.js";
import { calcVmProtBits, doMmap, isAccountableMapping } from "./mmap.js";
import type { MmapHooks } from "./mmap.js";
import { doMprotect } from "./mprotect.js";
import { doMremap } from "./mremap.js";
import type { MremapHooks } from "./mremap.js";
import { doMunmap } from "./munmap.js";
import { MmStruct, Vma } from "./vma.js";
import type { AnonVma, MmConfig } from "./vma.js";

/** Options of an MMU backend. */
export interface MmuOptions extends Partial<MmConfig> {
  /** The VMA tree plugin (default @mmsim/vma-tree). */
  readonly treeFactory?: VmaTreeFactory;
}

/** Special mappings that never merge or grow, with the flags Linux gives them. Linux: _install_special_mapping(). */
const SPECIAL_FLAGS: Readonly<Record<string, number>> = {
  "[vdso]": VM_DONTEXPAND | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC,
  "[vvar]": VM_DONTEXPAND | VM_IO | VM_PFNMAP | VM_DONTDUMP | VM_MAYREAD,
  "[vvar_vclock]": VM_DONTEXPAND | VM_IO | VM_PFNMAP | VM_DONTDUMP | VM_MAYREAD,
};

/** A shared anonymous mapping's backing file, as /proc prints it. Linux: shmem_zero_setup() → "dev/zero". */
function shmemFile(ino: number): MmapFile {
  return {
    identity: { path: "/dev/zero (deleted)", devMajor: 0, devMinor: 1, ino },
    inodeType: 0o100000,
    readable: true,
    writable: true,
    appendOnly: false,
    noexec: false,
    size: () => 0,
    read: () => 0,
    ops: { mmap: () => 0 },
  };
}

/** The MMU backend. Linux: mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c. */
export class MmuBackend {
  readonly name = "mmu";
  readonly config: MmConfig;
  private readonly treeFactory: VmaTreeFactory;
  private readonly mms = new Map<number, MmStruct>();
  /** The gate area ([vsyscall]) procfs prints after the VMAs; not in any mm. Linux: get_gate_vma(). */
  private readonly gates = new Map<number, Vma>();
  private nextMmId = 1;
  private nextShmemIno = 1;
  private nextAnonVmaId = 1;
  private readonly hooks: MmapHooks & MremapHooks;

  constructor(opts: MmuOptions = {}) {
    this.treeFactory = opts.treeFactory ?? createVmaTree;
    this.config = {
      mmapBase: opts.mmapBase ?? DEFAULT_MMAP_BASE,
      mmapLegacyBase: opts.mmapLegacyBase ?? pageAlign(Math.floor(TASK_SIZE / 3)),
      taskSize: opts.taskSize ?? TASK_SIZE,
      mmapMinAddr: opts.mmapMinAddr ?? DEFAULT_MMAP_MIN_ADDR,
      maxMapCount: opts.maxMapCount ?? DEFAULT_MAX_MAP_COUNT,
      stackGuardGap: opts.stackGuardGap ?? STACK_GUARD_GAP,
      capSysRawio: opts.capSysRawio ?? true,
    };
    this.hooks = {
      zapRange: () => undefined,
      removeVma: () => undefined,
      movePages: () => undefined,
      shmemZeroSetup: () => shmemFile(this.nextShmemIno++),
    };
  }

  /** The mm with this id; a bug when it doesn't exist. */
  mm(mmId: number): MmStruct {
    return this.mms.get(mmId) ?? bug(`mm ${mmId} does not exist`);
  }

  /** Creates an empty address space. Linux: mm_alloc(). */
  mmNew(): number {
    const id = this.nextMmId++;
    const c = this.config;
    this.mms.set(id, new MmStruct(id, this.treeFactory({ stackGuardGap: c.stackGuardGap, mmapMinAddr: c.mmapMinAddr }), c));
    return id;
  }

  /** Tears an address space down. Linux: exit_mmap(). */
  mmRelease(mmId: number): void {
    const mm = this.mm(mmId);
    mm.tree.clear();
    this.mms.delete(mmId);
    this.gates.delete(mmId);
  }

  /**
   * Installs a process image: each area at its place with the flags Linux would have given it
   * (writable private memory is accounted and assumed written, so it has an anon_vma; the stack
   * grows down; [vdso] and [vvar] are special). Returns 0, or -EINVAL (changing nothing) for an
   * area that is empty, not page aligned, or overlaps another.
   */
  mmExec(mmId: number, layout: ExecLayout): number {
    const mm = this.mm(mmId);
    const sorted = [...layout.areas].sort((a, b) => a.start - b.start);
    for (const a of sorted) if (a.start % PAGE_SIZE !== 0 || a.end % PAGE_SIZE !== 0 || a.end <= a.start) return -EINVAL;
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
      if (vma.vmFlags & VM_WRITE && !(vma.vmFlags & VM_SHARED)) {
        vma.anonVma = this.newAnonVma();
        vma.anonVmaChainLength = 1;
      }
      mm.link(vma);
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

  private newAnonVma(): AnonVma {
    return { id: this.nextAnonVmaId++ };
  }

  /** mmap after fd resolution. Linux: do_mmap(). */
  mmap(mmId: number, req: MmapRequest): number {
    return doMmap(this.mm(mmId), req, this.hooks);
  }

  /** Linux: do_vmi_munmap(). */
  munmap(mmId: number, addr: number, len: number): number {
    return doMunmap(this.mm(mmId), addr, len, this.hooks);
  }

  /** Linux: do_mprotect_pkey(). */
  mprotect(mmId: number, addr: number, len: number, prot: number): number {
    return doMprotect(this.mm(mmId), addr, len, prot);
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

  /** Read-only view of an address space for procfs. */
  view(mmId: number): MmViewPort {
    const mm = this.mm(mmId);
    const gate = this.gates.get(mmId);
    return {
      vmas: (): Iterable<VmaView> => {
        const all: VmaView[] = mm.vmasIn(0, 2 ** 53);
        if (gate !== undefined) all.push(gate);
        return all;
      },
      layout: (): MmLayout => ({ startBrk: mm.startBrk, brk: mm.brk, startStack: mm.startStack }),
      counters: (): MmCounters => ({ anonPages: 0, filePages: 0, shmemPages: 0, totalVm: this.totalVm(mm), mapCount: mm.mapCount }),
      residentPages: () => 0,
    };
  }

  private totalVm(mm: MmStruct): number {
    let pages = 0;
    for (const v of mm.vmasIn(0, 2 ** 53)) pages += v.pages();
    return pages;
  }

  /** /proc/<pid>/maps of an address space. Linux: show_map_vma() over the mm, then the gate area. */
  maps(mmId: number): string {
    const view = this.view(mmId);
    return formatMaps(view.vmas(), view.layout(), showMapVmaMmu);
  }

  /** Checks every address space: the tree's invariants and that each VMA struct agrees with its tree entry. Linux: validate_mm(). */
  assertValid(): void {
    for (const mm of this.mms.values()) {
      mm.tree.assertValid();
      const c = mm.tree.cursor();
      c.reset(0, 2 ** 53);
      for (let v = c.next(); v !== undefined; v = c.next()) {
        if (c.vmStart !== v.vmStart || c.vmEnd !== v.vmEnd || c.vmPgoff !== v.vmPgoff || c.vmFlags !== v.vmFlags)
          bug(`mm ${mm.id}: VMA ${v.id} [${v.vmStart.toString(16)}, ${v.vmEnd.toString(16)}) disagrees with its tree entry`);
        if (v.vmStart % PAGE_SIZE !== 0 || v.vmEnd % PAGE_SIZE !== 0) bug(`mm ${mm.id}: VMA ${v.id} is not page aligned`);
      }
    }
  }
}
