/** Page residency. Linux: sys_mincore(), do_mincore() and mincore_pte_range() in mm/mincore.c. */
import { EINVAL, ENOMEM, PAGE_SIZE, TASK_SIZE } from "@mmsim/mm-types";
import type { MincoreResult } from "@mmsim/mm-types";
import { findPageOp, linearPageIndex } from "./memory.js";
import { PTRS_PER_PTE, vpnOf } from "./page-table.js";
import type { MmStruct, Vma } from "./vma.js";

/** The x86-64 user-address check: [addr, addr + size) lies below TASK_SIZE_MAX. Linux: __access_ok(). */
function accessOk(addr: number, size: number): boolean {
  return size <= TASK_SIZE && addr <= TASK_SIZE - size;
}

/**
 * Fills vec[from, from + (end - start) / PAGE_SIZE) for [start, end) of `vma`: 1 where a pte is
 * present; where none is, a file mapping reports whether the page is in the file's page cache (when
 * the file lets us look: VFS files and shmem do) and anonymous memory 0. Linux: mincore_pte_range() and
 * __mincore_unmapped_range() (mincore_page()).
 */
function mincoreVma(mm: MmStruct, vma: Vma, start: number, end: number, vec: Uint8Array, from: number): void {
  const file = vma.vmFile;
  const findPage = file === null ? undefined : file.isPageCached !== undefined ? (pgoff: number) => (file.isPageCached!(pgoff) ? 0 : -1) : findPageOp(file);
  const sv = vpnOf(start);
  const ev = vpnOf(end);
  for (let vpn = sv; vpn < ev; vpn++) {
    const t = mm.pt.pteTable(vpn);
    if (t !== undefined && t.bits[vpn % PTRS_PER_PTE] !== 0) vec[from + vpn - sv] = 1;
    else if (findPage !== undefined) vec[from + vpn - sv] = findPage(linearPageIndex(vma, vpn * PAGE_SIZE)) >= 0 ? 1 : 0;
    else vec[from + vpn - sv] = 0;
  }
}

/**
 * mincore(2) up to the copy to user memory: EINVAL for an unaligned start, ENOMEM for a range that
 * can't lie in user space, then one byte per page, VMA by VMA, until the range ends or a hole
 * stops the walk with ENOMEM (the bytes before it are kept: Linux has copied them out by then).
 * Every VMA may be looked at (can_do_mincore() holds for anonymous memory and for a file its caller
 * owns or could write; the backend doesn't see credentials, so it answers as for root).
 */
export function doMincore(mm: MmStruct, start: number, len: number): MincoreResult | number {
  if (!Number.isInteger(start) || start % PAGE_SIZE !== 0) return -EINVAL;
  if (!accessOk(start, len)) return -ENOMEM;
  const pages = Math.ceil(len / PAGE_SIZE);
  const vec = new Uint8Array(pages);
  let done = 0;
  while (done < pages) {
    const addr = start + done * PAGE_SIZE;
    const vma = mm.tree.findVma(addr);
    if (vma === undefined || vma.vmStart > addr) return { vec: vec.subarray(0, done), error: -ENOMEM };
    const end = Math.min(vma.vmEnd, start + pages * PAGE_SIZE);
    mincoreVma(mm, vma, addr, end, vec, done);
    done += (end - addr) / PAGE_SIZE;
  }
  return { vec, error: 0 };
}
