/**
 * Choosing where a mapping goes. Linux: __get_unmapped_area() in mm/mmap.c and the x86-64
 * arch_get_unmapped_area_topdown() / arch_get_unmapped_area() of arch/x86/kernel/sys_x86_64.c.
 */
import { EINVAL, ENOMEM, EPERM, MAP_32BIT, MAP_FIXED, PAGE_SIZE, VM_GROWSDOWN, isPageAligned, pageAlignDown } from "@mmsim/mm-types";
import type { MmStruct, Vma } from "./vma.js";

/** Start of a VMA including the guard gap below a stack. Linux: vm_start_gap(). */
export function vmStartGap(mm: MmStruct, vma: Vma): number {
  if (!(vma.vmFlags & VM_GROWSDOWN)) return vma.vmStart;
  return Math.max(0, vma.vmStart - mm.config.stackGuardGap);
}

/** The hint may be used when [addr, addr+len) fits below TASK_SIZE. Linux: mmap_address_hint_valid() (4-level paging). */
function isHintValid(mm: MmStruct, addr: number, len: number): boolean {
  return mm.config.taskSize - len >= addr;
}

/** Top-down placement with the hint first, then bottom-up as the fallback. Linux: arch_get_unmapped_area_topdown(). */
function topdown(mm: MmStruct, addr0: number, len: number, flags: number): number {
  if (len > mm.config.taskSize) return -ENOMEM;
  if (flags & MAP_FIXED) return addr0;
  if (flags & MAP_32BIT) return bottomup(mm, addr0, len, flags);
  if (addr0 !== 0) {
    const addr = pageAlignDown(addr0);
    if (isHintValid(mm, addr, len)) {
      const vma = mm.tree.findVma(addr);
      if (vma === undefined || addr + len <= vmStartGap(mm, vma)) return addr;
    }
  }
  const found = mm.tree.unmappedAreaTopdown({
    flags: 1,
    length: len,
    lowLimit: PAGE_SIZE,
    highLimit: mm.config.mmapBase,
    alignMask: 0,
    alignOffset: 0,
  });
  if (found >= 0) return found;
  return bottomup(mm, addr0, len, flags);
}

/** Bottom-up placement from the legacy base. Linux: arch_get_unmapped_area() (x86-64). */
function bottomup(mm: MmStruct, addr0: number, len: number, flags: number): number {
  if (flags & MAP_FIXED) return addr0;
  const begin = flags & MAP_32BIT ? 0x40000000 : mm.config.mmapLegacyBase;
  const end = flags & MAP_32BIT ? 0x80000000 : mm.config.taskSize;
  if (len > end) return -ENOMEM;
  if (addr0 !== 0) {
    const addr = pageAlignDown(addr0);
    const vma = mm.tree.findVma(addr);
    if (end - len >= addr && (vma === undefined || addr + len <= vmStartGap(mm, vma))) return addr;
  }
  return mm.tree.unmappedArea({ flags: 0, length: len, lowLimit: begin, highLimit: end, alignMask: 0, alignOffset: 0 });
}

/**
 * Returns where a mapping of `len` bytes goes (`len` already page aligned), or -errno: -ENOMEM when
 * nothing fits, -EINVAL for an unaligned MAP_FIXED address, -EPERM below vm.mmap_min_addr without
 * CAP_SYS_RAWIO. Linux: __get_unmapped_area(), security_mmap_addr() → cap_mmap_addr().
 */
export function getUnmappedArea(mm: MmStruct, addr: number, len: number, flags: number): number {
  if (len > mm.config.taskSize) return -ENOMEM;
  const got = topdown(mm, addr, len, flags);
  if (got < 0) return got;
  if (got > mm.config.taskSize - len) return -ENOMEM;
  if (!isPageAligned(got)) return -EINVAL;
  if (got < mm.config.mmapMinAddr && !mm.config.capSysRawio) return -EPERM;
  return got;
}
