/**
 * Growing a stack VMA down to a faulting address. Linux: expand_stack_locked() → expand_downwards()
 * and acct_stack_growth() in mm/mmap.c (the 6.5+ fault path; 6.1's expand_stack() decides the same).
 */
import { EFAULT, ENOMEM, EPERM, PAGE_SIZE, RLIMIT_STACK, VM_GROWSDOWN, pageAlignDown } from "@mmsim/mm-types";
import { anonVmaPrepare } from "./anon-vma.js";
import { isVmaAccessible } from "./memory.js";
import type { MmStruct, Vma } from "./vma.js";

/**
 * Extends the VM_GROWSDOWN `vma` down to the page of `address`: refused below mmap_min_addr
 * (-EPERM), closer than stack_guard_gap to an accessible VMA below that is not itself a stack,
 * past RLIMIT_AS, RLIMIT_STACK or below pgoff 0 (-ENOMEM). Returns 0 or -errno.
 */
export function expandDownwards(mm: MmStruct, vma: Vma, address: number): number {
  if (!(vma.vmFlags & VM_GROWSDOWN)) return -EFAULT;
  address = pageAlignDown(address);
  if (address < mm.config.mmapMinAddr) return -EPERM;
  const prev = mm.tree.findVmaPrev(vma.vmStart);
  if (prev !== undefined && !(prev.vmFlags & VM_GROWSDOWN) && isVmaAccessible(prev.vmFlags) && address - prev.vmEnd < mm.config.stackGuardGap)
    return -ENOMEM;
  if (anonVmaPrepare(mm, vma) < 0) return -ENOMEM;
  if (address >= vma.vmStart) return 0;
  const grow = (vma.vmStart - address) / PAGE_SIZE;
  if (grow > vma.vmPgoff) return -ENOMEM;
  if (!mm.mayExpandVm(vma.vmFlags, grow)) return -ENOMEM;
  if (vma.vmEnd - address > mm.config.rlimit(RLIMIT_STACK)) return -ENOMEM;
  mm.setRange(vma, address, vma.vmEnd, vma.vmPgoff - grow);
  return 0;
}
