/**
 * Why a call that worked on the traced (MMU) machine fails on NOMMU: the rule of mm/nommu.c (or
 * kernel/fork.c) that refuses it, in a sentence, from the call and its errno.
 */
import { EFBIG, EINVAL, ENODEV, ENOMEM, ENOSYS, EPERM, MAP_FIXED, MAP_SHARED, MREMAP_FIXED, MREMAP_MAYMOVE, PROT_WRITE, errnoName } from "@mmsim/mm-types";

/** The call as the replay decoded it: its name and Linux-ordered arguments. */
export interface ExplainedCall {
  readonly name: string;
  readonly args: readonly number[];
}

/** The rule behind a NOMMU failure, or null when no rule is known for it. */
export function explainNommuFailure(call: ExplainedCall, result: number): string | null {
  const a = call.args;
  const e = -result;
  switch (call.name) {
    case "mmap":
      if (e === EINVAL && (a[3]! & MAP_FIXED) !== 0) return "MAP_FIXED: without an MMU a mapping can't be placed at a chosen address (validate_mmap_request)";
      if (e === EINVAL && (a[3]! & MAP_SHARED) !== 0 && (a[2]! & PROT_WRITE) !== 0)
        return "a writable shared mapping needs a file whose memory can be mapped directly; this file can only be copied (NOMMU_MAP_DIRECT missing)";
      if (e === ENOMEM) return "no free block of 2^order contiguous pages for the private copy (the buddy allocator's largest is order 10, 4 MiB)";
      if (e === ENODEV && (a[3]! & MAP_SHARED) !== 0)
        return "MAP_SHARED needs memory the file can map directly (NOMMU_MAP_DIRECT); a file on a block device can only be copied, and a shared mapping must not be a private copy";
      if (e === ENODEV) return "the file offers no mapping capabilities";
      break;
    case "mprotect":
    case "msync":
    case "mlock":
    case "munlock":
    case "madvise":
      if (e === ENOSYS) return `${call.name} is not implemented without an MMU (mm/nommu.c)`;
      break;
    case "munmap":
      if (e === EINVAL) return "munmap must name a whole file-backed mapping (or a piece of an anonymous one) exactly: no page tables to cut (do_munmap)";
      break;
    case "mremap":
      if (e === EINVAL && (a[3]! & (MREMAP_FIXED | MREMAP_MAYMOVE)) !== 0) return "mremap can't move a mapping without an MMU";
      if (e === EINVAL || e === ENOMEM) return "mremap can only resize within the region already allocated (vm_region's vm_top)";
      if (e === EPERM) return "a shareable mapping can't be resized";
      break;
    case "clone":
    case "fork":
      if (e === EINVAL) return "fork needs an MMU to copy the address space; vfork or clone(CLONE_VM) share it instead";
      break;
    case "shmat":
      if (e === ENODEV) return "Linux 6.12 NOMMU: the shm file offers no mapping capabilities";
      if (e === EINVAL) return "an attach address can't be chosen without an MMU";
      break;
    case "shmget":
      if (e === EFBIG || e === ENOMEM) return "the segment must be one contiguous allocation (ramfs on NOMMU)";
      break;
  }
  return null;
}

/** The rule, else the replay's cause, else the bare errno. */
export function nommuFailureReason(call: ExplainedCall, result: number, cause: string | null): string {
  return explainNommuFailure(call, result) ?? cause ?? `${errnoName(result) ?? `errno ${-result}`} on NOMMU, for a reason mmsim can't name`;
}
