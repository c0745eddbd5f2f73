/**
 * The MMU backend at work, told for a person: a few mmap/mprotect/mremap/munmap/brk calls on a
 * fresh address space, each followed by the /proc/<pid>/maps Linux would print, so the splits and
 * merges of mm/vma.c can be watched.
 */
import { MAP_ANONYMOUS, MAP_PRIVATE, MREMAP_MAYMOVE, PAGE_SIZE, PROT_READ, PROT_WRITE, formatErrno } from "@mmsim/mm-types";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { MmuBackend } from "@mmsim/mmu";

const P = PAGE_SIZE;

/** Runs the MMU demo and returns the text to print. */
export function mmuDemo(): string {
  const out: string[] = [];
  const buddy = new BuddyAllocator({ pages: 4096 });
  const mmu = new MmuBackend({ pages: buddy, physMem: buddy.physMem });
  const mm = mmu.mmNew();
  const heapStart = 0x555555559000;
  mmu.mmExec(mm, { areas: [], startBrk: heapStart, mmapBase: mmu.config.mmapBase });
  const show = (call: string, ret: number): void => {
    out.push(`$ ${call} = ${ret < 0 && ret > -4096 ? formatErrno(ret) : `0x${ret.toString(16)}`}`);
    const maps = mmu.maps(mm);
    out.push(maps === "" ? "  (no mappings)" : maps.replace(/\n$/, "").replace(/^/gm, "  "));
    mmu.assertValid();
  };

  out.push("== The MMU backend (mm/mmap.c, mm/vma.c): every call followed by /proc/<pid>/maps ==");
  out.push(`mmap_base is 0x${mmu.config.mmapBase.toString(16)} (x86-64, ASLR off, 8 MiB stack): mappings go top-down from there.`);
  const anon = (len: number, prot: number): number =>
    mmu.mmap(mm, { addr: 0, len, prot, flags: MAP_PRIVATE | MAP_ANONYMOUS, pgoff: 0, file: null });
  show("mmap(NULL, 1 page, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)", anon(P, PROT_READ));
  const a = anon(3 * P, PROT_READ | PROT_WRITE);
  show("mmap(NULL, 3 pages, PROT_READ|PROT_WRITE, ...)   → just below, a VMA of its own (other protection)", a);
  show("mprotect(middle page, PROT_READ)   → the VMA splits in three", mmu.mprotect(mm, a + P, P, PROT_READ));
  show("mprotect(middle page, PROT_READ|PROT_WRITE)   → the three merge back into one", mmu.mprotect(mm, a + P, P, PROT_READ | PROT_WRITE));
  show("mremap(3 pages → 5 pages, 0)   → the page above is taken and moving was not allowed", mmu.mremap(mm, a, 3 * P, 5 * P, 0, 0));
  show("mremap(3 pages → 5 pages, MREMAP_MAYMOVE)   → moved to the highest free gap", mmu.mremap(mm, a, 3 * P, 5 * P, MREMAP_MAYMOVE, 0));
  show("munmap(an address nothing maps)   → 0: not an error on MMU Linux", mmu.munmap(mm, 0x10000000, P));
  show("brk(start_brk + 2 pages + 100)   → returns the requested break; the [heap] VMA is page-rounded", mmu.brk(mm, heapStart + 2 * P + 100));
  return out.join("\n") + "\n";
}
