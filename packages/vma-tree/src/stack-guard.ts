/**
 * The stack guard gap around growable stacks, and the vm_unmapped_area() dispatcher.
 */
import { VM_GROWSDOWN } from "@mmsim/mm-types";
import type { VmUnmappedAreaInfo, VmaTree } from "@mmsim/mm-types";

/** The one VM_UNMAPPED_AREA_* flag: search from the top. Linux: VM_UNMAPPED_AREA_TOPDOWN in include/linux/mm.h. */
export const VM_UNMAPPED_AREA_TOPDOWN = 1;

/**
 * Returns the lowest address a VMA claims with its guard gap: vmStart - stackGuardGap for a
 * VM_GROWSDOWN VMA (0 if that would go below 0), vmStart otherwise. VM_SHADOW_STACK (bit 37) is not
 * modelled. Linux: vm_start_gap() / stack_guard_start_gap() in include/linux/mm.h.
 */
export function vmStartGap(vmStart: number, vmFlags: number, stackGuardGap: number): number {
  if ((vmFlags & VM_GROWSDOWN) === 0) return vmStart;
  return vmStart > stackGuardGap ? vmStart - stackGuardGap : 0;
}

/**
 * Returns the highest address a VMA claims with its guard gap: vmEnd, because x86-64 has no
 * VM_GROWSUP stacks. Linux: vm_end_gap() in include/linux/mm.h.
 */
export function vmEndGap(vmEnd: number): number {
  return vmEnd;
}

/**
 * Finds a free range as `info.flags` asks: top-down with VM_UNMAPPED_AREA_TOPDOWN, else bottom-up.
 * Returns the address, -ENOMEM, or -ENOSYS for a tree in overlap mode. Linux: vm_unmapped_area() in mm/mmap.c.
 */
export function vmUnmappedArea<T>(tree: VmaTree<T>, info: VmUnmappedAreaInfo): number {
  return (info.flags & VM_UNMAPPED_AREA_TOPDOWN) !== 0 ? tree.unmappedAreaTopdown(info) : tree.unmappedArea(info);
}
