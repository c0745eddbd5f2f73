/**
 * Fakes through the ports the kernel takes: an mm backend that records what the kernel asks of it,
 * and an i_mmap that is a plain list. Real backends are exercised in integration.test.ts.
 */
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { EINVAL, ENOSYS, PAGE_SIZE, bug } from "@mmsim/mm-types";
import type { AccessFault, AddressSpacePort, ExecLayout, IMmapEntry, MmBackend, MmapRequest, MmViewPort } from "@mmsim/mm-types";
import { Kernel } from "../src/index.js";
import type { KernelOptions } from "../src/index.js";

/** An i_mmap as a list (the interval tree is anon-vma-rmap's business). */
export class ListAddressSpace implements AddressSpacePort {
  readonly entries: IMmapEntry[] = [];
  vmaLink(e: IMmapEntry): void {
    this.entries.push(e);
  }
  vmaUnlink(e: IMmapEntry): void {
    const i = this.entries.indexOf(e);
    if (i < 0) bug("unlink of an entry not linked");
    this.entries.splice(i, 1);
  }
  *vmasIntersecting(first: number, last: number): Iterable<IMmapEntry> {
    for (const e of this.entries) {
      const pages = (e.vmEnd - e.vmStart) / PAGE_SIZE;
      if (e.vmPgoff <= last && e.vmPgoff + pages - 1 >= first) yield e;
    }
  }
}

/** A backend that remembers mms and mmap requests and keeps user memory as bytes per mm. */
export class FakeBackend implements MmBackend {
  readonly name = "fake";
  readonly live = new Set<number>();
  readonly released: number[] = [];
  readonly layouts = new Map<number, ExecLayout>();
  readonly requests: Array<{ mmId: number; req: MmapRequest }> = [];
  private readonly memory = new Map<number, Map<number, number>>();
  private nextId = 1;
  private nextAddr = 0x7ffff7fff000;
  /** mmDup's answer: "copy" (MMU fork) or an errno (NOMMU's -EINVAL). */
  dupResult: "copy" | number = "copy";

  mmNew(): number {
    const id = this.nextId++;
    this.live.add(id);
    this.memory.set(id, new Map());
    return id;
  }
  mmDup(mmId: number): number {
    if (this.dupResult !== "copy") return this.dupResult;
    const id = this.mmNew();
    this.memory.set(id, new Map(this.memory.get(mmId)));
    return id;
  }
  mmRelease(mmId: number): void {
    if (!this.live.delete(mmId)) bug(`mm ${mmId} released twice`);
    this.released.push(mmId);
  }
  mmExec(mmId: number, layout: ExecLayout): number {
    if (layout.areas.some((a) => a.end <= a.start)) return -EINVAL;
    this.layouts.set(mmId, layout);
    return 0;
  }
  mmap(mmId: number, req: MmapRequest): number {
    this.requests.push({ mmId, req });
    this.nextAddr -= Math.ceil(req.len / PAGE_SIZE) * PAGE_SIZE;
    return this.nextAddr;
  }
  munmap = (): number => 0;
  mprotect = (): number => 0;
  mremap = (): number => 0;
  brk = (_mm: number, brk: number): number => brk;
  madvise = (): number => 0;
  msync = (): number => 0;
  mlock = (): number => 0;
  mincore = (): number => -ENOSYS;
  setAnonName = (): number => -EINVAL;
  accessRemoteVm = (): number => 0;
  readUser(mmId: number, addr: number, dst: Uint8Array): AccessFault | 0 {
    if (addr === 0) return { signal: 11, code: 1, addr };
    const mem = this.memory.get(mmId)!;
    for (let i = 0; i < dst.length; i++) dst[i] = mem.get(addr + i) ?? 0;
    return 0;
  }
  writeUser(mmId: number, addr: number, src: Uint8Array): AccessFault | 0 {
    if (addr === 0) return { signal: 11, code: 1, addr };
    const mem = this.memory.get(mmId)!;
    for (let i = 0; i < src.length; i++) mem.set(addr + i, src[i]!);
    return 0;
  }
  view(): MmViewPort {
    return {
      vmas: () => [],
      layout: () => ({ startBrk: 0, brk: 0, startStack: 0 }),
      counters: () => ({ anonPages: 0, filePages: 0, shmemPages: 0, totalVm: 0, mapCount: 0 }),
      residentPages: () => 0,
    };
  }
  showMaps = (mmId: number): string => `maps of mm ${mmId}\n`;
  showSmaps = (): string | null => null;
  showGlobalMaps = (): string | null => null;
  meminfoPages = (): Readonly<Record<string, number>> => ({ AnonPages: 3 });
  regions = () => ({ regions: () => [] });
  futex = { futexKey: () => -EINVAL, readU32: () => 0, writeU32: () => 0 };
  physMem = new BuddyAllocator({ pages: 16 }).physMem;
  assertValid(): void {}
}

/** A kernel over the fake backend and a 16 MiB allocator. */
export function fakeKernel(opts: Partial<KernelOptions> = {}): { kernel: Kernel; backend: FakeBackend; buddy: BuddyAllocator } {
  const buddy = new BuddyAllocator({ pages: 4096 });
  const backend = new FakeBackend();
  const kernel = new Kernel({ backend, pages: buddy, physMem: buddy.physMem, addressSpace: () => new ListAddressSpace(), ...opts });
  return { kernel, backend, buddy };
}
