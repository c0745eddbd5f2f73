/**
 * Duplicating an address space for fork. Linux: dup_mm() → dup_mmap() in kernel/fork.c (mm/mmap.c
 * since 6.14), with anon_vma_fork() and copy_page_range().
 */
import { ENOMEM, VM_DONTCOPY, VM_LOCKED, VM_LOCKONFAULT, VM_WIPEONFORK } from "@mmsim/mm-types";
import { copyPageRange } from "./memory.js";
import type { PageCtx } from "./memory.js";
import type { MmStruct } from "./vma.js";

/**
 * Copies every VMA of `oldMm` into the empty `mm`: VM_DONTCOPY areas stay behind; VM_WIPEONFORK
 * areas come without pages or anon_vma; the others get a child anon_vma and share their pages
 * (write-protected for copy-on-write in a private mapping); locks are not inherited; each copy of a
 * file mapping joins the file's i_mmap and gets vm_ops->open. The heap and stack positions come
 * along. Returns 0, or -ENOMEM with what was copied left for the caller to release. Linux: dup_mmap().
 */
export function dupMmap(ctx: PageCtx, oldMm: MmStruct, mm: MmStruct): number {
  mm.startBrk = oldMm.startBrk;
  mm.brk = oldMm.brk;
  mm.startStack = oldMm.startStack;
  for (const mpnt of oldMm.vmasIn(0, 2 ** 53)) {
    if (mpnt.vmFlags & VM_DONTCOPY) continue;
    const tmp = mpnt.dup(mm.newVmaId());
    if (tmp.vmFlags & VM_WIPEONFORK) tmp.anonVma = null;
    else if (mm.anon.anonVmaFork(tmp, mpnt) < 0) return -ENOMEM;
    tmp.vmFlags &= ~(VM_LOCKED | VM_LOCKONFAULT);
    mm.link(tmp);
    if (!(tmp.vmFlags & VM_WIPEONFORK)) copyPageRange(ctx, mm, oldMm, mpnt);
    tmp.vmFile?.ops.open?.(tmp);
  }
  return 0;
}
