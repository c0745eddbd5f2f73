/**
 * shmdt(2): detach the attachment made at an address. Linux: ksys_shmdt() in ipc/shm.c.
 */
import { EINVAL, PAGE_SIZE, pageAlign } from "@mmsim/mm-types";
import type { IMmapEntry, VmaRef } from "@mmsim/mm-types";
import type { ShmVma } from "./shm-file-data.js";
import type { ShmNamespace } from "./shm-namespace.js";
import type { ShmCaller } from "./shm-types.js";

/**
 * `vma` is a piece of an attachment made at `addr`: its distance from `addr` in pages is its file
 * offset (the whole attachment, or a fragment mprotect/munmap left). Linux: the
 * (vma->vm_start - addr) / PAGE_SIZE == vma->vm_pgoff test of ksys_shmdt().
 */
export function isShmFragmentAt(vma: VmaRef, addr: number): boolean {
  return vma.vmStart >= addr && (vma.vmStart - addr) / PAGE_SIZE === vma.vmPgoff;
}

/**
 * shmdt(2). The first shm VMA at or after `addr` that is a piece of an attachment made at `addr`
 * gives the segment and its size; it is unmapped, then every later piece of the same segment that
 * lies above it and ends within that size of `addr`. Returns 0, or -EINVAL (unaligned, or nothing
 * found). On NOMMU shm VMAs are never split and all have offset 0, so this finds exactly one VMA,
 * one starting at `addr`, and nothing lies above it within reach: one attachment is released even
 * where several share the address (the seed's point 6).
 * Only shm VMAs are walked (the segments' i_mmap, by address space): Linux skips every other VMA,
 * and on MMU, where VMAs never overlap, a VMA past the size ends every later one past it too.
 * Linux's second pass matches the attach file (vm_file), this one the segment's inode: they differ
 * only for a piece mremap moved from another attachment of the same segment made at the same address.
 * Linux: ksys_shmdt(), both its CONFIG_MMU and !CONFIG_MMU branches.
 */
export function ksysShmdt(ns: ShmNamespace, c: ShmCaller, shmaddr: number): number {
  const addr = shmaddr < 0 ? shmaddr + 2 ** 64 : shmaddr;
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  const vmas = ns.shmVmas.vmasOf(c.mmId);
  // the lowest piece of an attachment made at addr; no array or sort: this runs on every shmdt
  let first: ShmVma | null = null;
  for (let i = 0; i < vmas.length; i++) {
    const s = vmas[i]!;
    const v = s.entry;
    if (v.vmEnd > addr && isShmFragmentAt(v, addr) && (first === null || v.vmStart < first.entry.vmStart)) first = s;
  }
  if (first === null) return -EINVAL;
  const firstStart = first.entry.vmStart;
  const firstEnd = first.entry.vmEnd;
  const firstSfd = first.sfd;
  const size = pageAlign(firstSfd.file.iSize);
  // later pieces of the same segment within its size of addr, found before any unmapping changes the index
  let later: IMmapEntry[] | null = null;
  for (let i = 0; i < vmas.length; i++) {
    const s = vmas[i]!;
    const v = s.entry;
    if (s.sfd === firstSfd && v.vmStart >= firstEnd && v.vmEnd - addr <= size && isShmFragmentAt(v, addr)) (later ??= []).push(v);
  }
  const mm = ns.host.mm;
  mm.munmap(c.mmId, firstStart, firstEnd - firstStart);
  if (later !== null) for (const v of later) mm.munmap(c.mmId, v.vmStart, v.vmEnd - v.vmStart);
  return 0;
}
