/**
 * A test host: a tiny mm backend (mmap, munmap, view, plus the split, fork and exit a test needs,
 * each calling the file's vm_ops as Linux does) over a real BuddyAllocator, a settable clock and a
 * settable current task. Enough to count attachments; nothing is ever faulted.
 */
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import {
  EACCES,
  EINVAL,
  ENODEV,
  ENOMEM,
  ENOSYS,
  MAP_FIXED,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  VM_EXEC,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  bug,
  pageAlign,
} from "@mmsim/mm-types";
import type { FileIdentity, IMmapEntry, MmapFile, MmapRequest, MmBackend, MmViewPort, VmaView } from "@mmsim/mm-types";
import type { ShmCaller, ShmHost } from "../src/index.js";

/** A VMA of the fake mm, linked into its file's i_mmap while it is in the mm. */
export interface FakeVma extends VmaView, IMmapEntry {
  readonly mmId: number;
  vmStart: number;
  vmEnd: number;
  vmPgoff: number;
  vmFlags: number;
  readonly mapped: MmapFile | null;
  readonly file: FileIdentity | null;
}

/** A new VMA of `mmId` mapping `file`. */
function fakeVma(mmId: number, vmStart: number, vmEnd: number, vmPgoff: number, vmFlags: number, file: MmapFile | null): FakeVma {
  return { mmId, vmStart, vmEnd, vmPgoff, vmFlags, mapped: file, file: file?.identity ?? null, name: null, zapPages: () => undefined };
}

/** Where the fake mm places mappings top-down from. */
export const FAKE_MMAP_BASE = 0x7f0000000000;

/**
 * The fake backend: VMAs in a sorted array per mm, never merged. With `nommu`, it does what
 * mm/nommu.c does for a shared file mapping: no MAP_FIXED (EINVAL), the file must offer
 * NOMMU_MAP_DIRECT (else ENODEV; S_IFREG's default is copy only), the file's get_unmapped_area
 * places it (so VMAs of one mm may coincide), and munmap must name one VMA exactly.
 */
export class FakeMm implements Pick<MmBackend, "mmap" | "munmap" | "view"> {
  readonly mms = new Map<number, FakeVma[]>();
  private nextId = 1;

  constructor(readonly nommu = false) {}

  mmNew(): number {
    this.mms.set(this.nextId, []);
    return this.nextId++;
  }

  vmas(mmId: number): FakeVma[] {
    return this.mms.get(mmId) ?? bug(`fake mm ${mmId} does not exist`);
  }

  mmap(mmId: number, req: MmapRequest): number {
    const len = pageAlign(req.len);
    if (len === 0 || req.file === null) return -EINVAL;
    let addr = req.addr;
    if (this.nommu) {
      if (req.flags & MAP_FIXED) return -EINVAL;
      const caps = req.file.ops.mmapCapabilities?.() ?? NOMMU_MAP_COPY;
      if (!(caps & NOMMU_MAP_DIRECT) || req.file.ops.getUnmappedArea === undefined) return -ENODEV;
      addr = req.file.ops.getUnmappedArea(0, len, req.pgoff, req.flags);
      if (addr < 0) return addr === -ENOSYS ? -ENODEV : addr;
    } else if (req.flags & MAP_FIXED) {
      if (addr % PAGE_SIZE !== 0) return -EINVAL;
      if (addr + len > 2 ** 47) return -ENOMEM;
      this.munmap(mmId, addr, len);
    } else {
      addr = this.topdown(mmId, len);
    }
    if (req.prot & PROT_WRITE && !req.file.writable) return -EACCES;
    let vmFlags = VM_SHARED | VM_MAYSHARE | VM_MAYREAD | VM_MAYEXEC | (req.file.writable ? VM_MAYWRITE : 0);
    vmFlags |= (req.prot & PROT_READ ? VM_READ : 0) | (req.prot & PROT_WRITE ? VM_WRITE : 0) | (req.prot & PROT_EXEC ? VM_EXEC : 0);
    const vma = fakeVma(mmId, addr, addr + len, req.pgoff, vmFlags, req.file);
    const r = req.file.ops.mmap?.(vma) ?? 0;
    if (r < 0) return r;
    this.insert(mmId, vma);
    return addr;
  }

  private topdown(mmId: number, len: number): number {
    let top = FAKE_MMAP_BASE;
    const list = this.vmas(mmId);
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]!;
      if (v.vmStart >= top) continue;
      if (v.vmEnd + len <= top) break;
      top = v.vmStart;
    }
    return top - len;
  }

  private insert(mmId: number, vma: FakeVma): void {
    const list = this.vmas(mmId);
    let i = 0;
    while (i < list.length && list[i]!.vmStart < vma.vmStart) i++;
    list.splice(i, 0, vma);
    vma.mapped?.mapping?.vmaLink(vma);
  }

  /** Takes `vma` out of its file's i_mmap, then closes it. Linux: remove_vma(). */
  private remove(vma: FakeVma): void {
    vma.mapped?.mapping?.vmaUnlink(vma);
    vma.mapped?.ops.close?.(vma);
  }

  /** Splits the VMA containing `addr` there; the new upper part gets vm_ops->open. Linux: __split_vma(). */
  split(mmId: number, addr: number): void {
    const list = this.vmas(mmId);
    const v = list.find((x) => x.vmStart < addr && addr < x.vmEnd);
    if (v === undefined) return;
    const upper = fakeVma(mmId, addr, v.vmEnd, v.vmPgoff + (addr - v.vmStart) / PAGE_SIZE, v.vmFlags, v.mapped);
    v.mapped?.mapping?.vmaUnlink(v);
    v.vmEnd = addr;
    v.mapped?.mapping?.vmaLink(v);
    this.insert(mmId, upper);
    upper.mapped?.ops.open?.(upper);
  }

  munmap(mmId: number, addr: number, len: number): number {
    if (addr % PAGE_SIZE !== 0 || len === 0) return -EINVAL;
    if (this.nommu) return this.munmapExact(mmId, addr, addr + pageAlign(len));
    const end = addr + pageAlign(len);
    this.split(mmId, addr);
    this.split(mmId, end);
    const list = this.vmas(mmId);
    const gone = list.filter((v) => v.vmStart >= addr && v.vmEnd <= end);
    this.mms.set(
      mmId,
      list.filter((v) => !gone.includes(v)),
    );
    for (const v of gone) this.remove(v);
    return 0;
  }

  private munmapExact(mmId: number, start: number, end: number): number {
    const list = this.vmas(mmId);
    const i = list.findIndex((v) => v.vmStart === start && v.vmEnd === end);
    if (i < 0) return -EINVAL;
    const [v] = list.splice(i, 1);
    this.remove(v!);
    return 0;
  }

  /** Splits [addr, addr+len) out of its VMAs, as mprotect does before changing flags. */
  mprotect(mmId: number, addr: number, len: number): void {
    this.split(mmId, addr);
    this.split(mmId, addr + len);
  }

  /** A copy of the mm, each VMA opened again (run with the parent as current). Linux: dup_mmap(). */
  fork(mmId: number): number {
    const child = this.mmNew();
    for (const v of this.vmas(mmId)) {
      const copy = fakeVma(child, v.vmStart, v.vmEnd, v.vmPgoff, v.vmFlags, v.mapped);
      this.insert(child, copy);
      copy.mapped?.ops.open?.(copy);
    }
    return child;
  }

  /** Unmaps everything (run with the exiting task as current). Linux: exit_mmap(). */
  exit(mmId: number): void {
    const list = this.vmas(mmId);
    this.mms.delete(mmId);
    for (const v of list) this.remove(v);
  }

  view(mmId: number): MmViewPort {
    const list = this.vmas(mmId);
    return {
      vmas: () => [...list],
      layout: () => ({ startBrk: 0, brk: 0, startStack: 0 }),
      counters: () => ({ anonPages: 0, filePages: 0, shmemPages: 0, totalVm: 0, mapCount: list.length }),
      residentPages: () => 0,
    };
  }
}

/** A host with a settable clock and current task. */
export interface TestHost extends ShmHost {
  readonly mm: FakeMm;
  readonly node: BuddyAllocator;
  now: number;
  pid: number;
}

/** First pfn of a NOMMU host's RAM: 0x80000000, where RISC-V virt machines put it. */
export const NOMMU_FIRST_PFN = 0x80000;

/** A fresh test host over `pages` page frames (a NOMMU one with RAM at 0x80000000). */
export function makeHost(pages = 4096, nommu = false): TestHost {
  const node = new BuddyAllocator({ pages, firstPfn: nommu ? NOMMU_FIRST_PFN : 0 });
  const host: TestHost = {
    mm: new FakeMm(nommu),
    node,
    pages: node,
    physMem: node.physMem,
    now: 1_700_000_000,
    pid: 100,
    nowSec: () => host.now,
    currentPid: () => host.pid,
  };
  return host;
}

/** A root caller (every capability). */
export function root(pid: number, mmId: number): ShmCaller {
  return { pid, mmId, uid: 0, gid: 0, capIpcOwner: true, capIpcLock: true, capSysAdmin: true };
}

/** An unprivileged caller. */
export function user(pid: number, mmId: number, uid: number, gid: number, extra: Partial<ShmCaller> = {}): ShmCaller {
  return { pid, mmId, uid, gid, capIpcOwner: false, capIpcLock: false, capSysAdmin: false, ...extra };
}
