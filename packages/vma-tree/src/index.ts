/**
 * @mmsim/vma-tree: the per-mm ordered set of VMAs with O(log n) free-gap search, on a typed-array
 * B+tree. Linux: the maple tree mm->mm_mt (lib/maple_tree.c) as mm/mmap.c and mm/vma.c use it.
 * Every export is named here; no `export *`.
 */
export { createVmaTree, VmaBTree } from "./vma-tree.js";
export { VmaBTreeCursor } from "./vma-cursor.js";
export { VM_UNMAPPED_AREA_TOPDOWN, vmStartGap, vmEndGap, vmUnmappedArea } from "./stack-guard.js";
export { maskBits } from "./align.js";
export { SLOTS, MIN_FILL } from "./vma-nodes.js";
