/**
 * Installing a process image on NOMMU. The binfmt loaders (binfmt_flat, binfmt_elf_fdpic) can't
 * place anything: they map each segment, the stack and the heap reservation with an address of 0
 * and use what do_mmap() returns. So an ExecLayout's addresses are link-time positions here: each
 * area is mapped where the page allocator (or the driver) puts it, and start_brk, brk, end_brk and
 * start_stack move with the area that holds them. Linux: elf_fdpic_map_file_by_direct_mmap(),
 * load_elf_fdpic_binary() (stack + zero-size brk area), load_flat_file() (end_brk).
 */
import { EINVAL, MAP_ANONYMOUS, MAP_FIXED, PAGE_SIZE, bug } from "@mmsim/mm-types";
import type { MmapRequestContext } from "@mmsim/bdi-caps";
import type { ExecArea, ExecLayout } from "@mmsim/mm-types";
import { doMmap } from "./do-mmap.js";
import { exitMmap } from "./munmap.js";
import type { NommuState } from "./nommu-state.js";
import type { NommuMm } from "./vma.js";

/** An area and where it landed. */
interface Placed {
  readonly area: ExecArea;
  readonly addr: number;
}

/** Moves a layout address with the area that holds it (end inclusive); an address in no area stays. */
function relocate(placed: readonly Placed[], x: number): number {
  for (const p of placed) if (x >= p.area.start && x <= p.area.end) return p.addr + (x - p.area.start);
  return x;
}

/**
 * Maps every area of `layout` into the empty `mm` (hints and MAP_FIXED dropped) and sets the heap
 * and stack positions. Returns 0, -EINVAL for an empty area or a pgoff that is not a page index
 * (nothing mapped), or the first mapping's -errno after undoing the others.
 */
export function mmExecNommu(st: NommuState, mm: NommuMm, layout: ExecLayout, ctx: MmapRequestContext): number {
  if (mm.mapCount !== 0) bug(`mmExec: mm ${mm.id} is not empty`);
  for (const a of layout.areas) if (!(a.end > a.start) || !Number.isSafeInteger(a.pgoff) || a.pgoff < 0) return -EINVAL;
  const placed: Placed[] = [];
  for (const area of [...layout.areas].sort((a, b) => a.start - b.start)) {
    const flags = (area.flags & ~MAP_FIXED) | (area.file === null ? MAP_ANONYMOUS : 0);
    const addr = doMmap(st, mm, { addr: 0, len: area.end - area.start, prot: area.prot, flags, pgoff: area.pgoff, file: area.file }, ctx);
    if (addr < 0) {
      exitMmap(st, mm);
      return addr;
    }
    placed.push({ area, addr });
  }
  mm.startBrk = relocate(placed, layout.startBrk);
  mm.brk = relocate(placed, layout.brk ?? layout.startBrk);
  mm.endBrk = relocate(placed, layout.endBrk ?? layout.startBrk);
  const stack = placed.find((p) => p.area.name === "[stack]");
  mm.startStack = stack !== undefined ? stack.addr + Math.max(0, pageFloor(stack.area.end - stack.area.start) - PAGE_SIZE) : 0;
  return 0;
}

function pageFloor(x: number): number {
  return x - (x % PAGE_SIZE);
}
