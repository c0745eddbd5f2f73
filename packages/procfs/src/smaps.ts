/**
 * /proc/<pid>/smaps, byte for byte as a 6.x x86-64 kernel prints it: each VMA's maps line, then
 * its page statistics and its VmFlags mnemonics. Linux: show_smap(), __show_smap(),
 * smaps_page_accumulate() and show_smap_vma_flags() in fs/proc/task_mmu.c (the line set of 6.7+,
 * with KSM: and the "lf" mnemonic for VM_LOCKONFAULT, as the 6.18 host prints them).
 */
import { PAGE_SIZE } from "@mmsim/mm-types";
import type { MmLayout, VmaView } from "@mmsim/mm-types";
import { showMapVmaMmu } from "./maps.js";

/** Fixed-point shift of the proportional sums. Linux: PSS_SHIFT. */
export const PSS_SHIFT = 12;

/**
 * The page statistics of one VMA. Sizes are in bytes; `pss`, `pssDirty`, `swapPss` and `pssLocked`
 * are in bytes << PSS_SHIFT, as Linux sums them. Linux: struct mem_size_stats.
 */
export interface MemSizeStats {
  resident: number;
  pss: number;
  pssDirty: number;
  sharedClean: number;
  sharedDirty: number;
  privateClean: number;
  privateDirty: number;
  referenced: number;
  anonymous: number;
  ksm: number;
  lazyfree: number;
  anonymousThp: number;
  shmemThp: number;
  fileThp: number;
  sharedHugetlb: number;
  privateHugetlb: number;
  swap: number;
  swapPss: number;
  pssLocked: number;
}

/** A zeroed mem_size_stats. */
export function newMemSizeStats(): MemSizeStats {
  return {
    resident: 0,
    pss: 0,
    pssDirty: 0,
    sharedClean: 0,
    sharedDirty: 0,
    privateClean: 0,
    privateDirty: 0,
    referenced: 0,
    anonymous: 0,
    ksm: 0,
    lazyfree: 0,
    anonymousThp: 0,
    shmemThp: 0,
    fileThp: 0,
    sharedHugetlb: 0,
    privateHugetlb: 0,
    swap: 0,
    swapPss: 0,
    pssLocked: 0,
  };
}

/**
 * Adds one mapped base page to `mss`: `pss` is its share (PAGE_SIZE << PSS_SHIFT divided by its
 * mapcount), `dirty` the pte's or the page's dirty bit, `isPrivate` a mapcount below 2.
 * Linux: smaps_page_accumulate() (the part that does not depend on the page's kind).
 */
export function smapsPageAccumulate(mss: MemSizeStats, pss: number, dirty: boolean, locked: boolean, isPrivate: boolean): void {
  mss.pss += pss;
  if (locked) mss.pssLocked += pss;
  if (dirty) {
    mss.pssDirty += pss;
    if (isPrivate) mss.privateDirty += PAGE_SIZE;
    else mss.sharedDirty += PAGE_SIZE;
  } else if (isPrivate) {
    mss.privateClean += PAGE_SIZE;
  } else {
    mss.sharedClean += PAGE_SIZE;
  }
}

/** VmFlags mnemonics by bit, "" for bits not printed. Linux: the mnemonics[] table of show_smap_vma_flags(). */
const MNEMONICS: readonly string[] = [
  "rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "um", "pf", "", "uw", "lo", "io", "sr",
  "rr", "dc", "de", "lf", "ac", "nr", "ht", "sf", "ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg",
];

/** The VmFlags line: "VmFlags: " and "xx " per set flag, in bit order. Linux: show_smap_vma_flags(). */
export function smapsVmFlags(vmFlags: number): string {
  let s = "VmFlags: ";
  for (let bit = 0; bit < 32; bit++) {
    const m = MNEMONICS[bit]!;
    if (m !== "" && vmFlags & (2 ** bit)) s += `${m} `;
  }
  return `${s}\n`;
}

const kb = (label: string, bytes: number, width = 8): string => `${label}${String(Math.floor(bytes / 1024)).padStart(width)} kB\n`;

/** Options of the smaps printer: what the machine's kernel prints beyond the statistics. */
export interface SmapsOptions {
  /** Print "ProtectionKey:" (x86 with PKU: arch_pkeys_enabled()). Default true. */
  readonly protectionKey?: boolean;
  /** THPeligible of a VMA (default 0: no transparent huge pages are modelled). */
  readonly thpEligible?: (vma: VmaView) => number;
}

/** One VMA's smaps block. Linux: show_smap(). */
export function showSmap(vma: VmaView, layout: MmLayout, mss: MemSizeStats, opts: SmapsOptions = {}): string {
  const shift = 2 ** PSS_SHIFT;
  return (
    showMapVmaMmu(vma, layout) +
    kb("Size:           ", vma.vmEnd - vma.vmStart) +
    kb("KernelPageSize: ", PAGE_SIZE) +
    kb("MMUPageSize:    ", PAGE_SIZE) +
    kb("Rss:            ", mss.resident) +
    kb("Pss:            ", Math.floor(mss.pss / shift)) +
    kb("Pss_Dirty:      ", Math.floor(mss.pssDirty / shift)) +
    kb("Shared_Clean:   ", mss.sharedClean) +
    kb("Shared_Dirty:   ", mss.sharedDirty) +
    kb("Private_Clean:  ", mss.privateClean) +
    kb("Private_Dirty:  ", mss.privateDirty) +
    kb("Referenced:     ", mss.referenced) +
    kb("Anonymous:      ", mss.anonymous) +
    kb("KSM:            ", mss.ksm) +
    kb("LazyFree:       ", mss.lazyfree) +
    kb("AnonHugePages:  ", mss.anonymousThp) +
    kb("ShmemPmdMapped: ", mss.shmemThp) +
    kb("FilePmdMapped:  ", mss.fileThp) +
    kb("Shared_Hugetlb: ", mss.sharedHugetlb) +
    kb("Private_Hugetlb: ", mss.privateHugetlb, 7) +
    kb("Swap:           ", mss.swap) +
    kb("SwapPss:        ", Math.floor(mss.swapPss / shift)) +
    kb("Locked:         ", Math.floor(mss.pssLocked / shift)) +
    `THPeligible:    ${String(opts.thpEligible?.(vma) ?? 0).padStart(8)}\n` +
    (opts.protectionKey ?? true ? `ProtectionKey:  ${String(0).padStart(8)}\n` : "") +
    smapsVmFlags(vma.vmFlags)
  );
}

/** A whole /proc/<pid>/smaps: showSmap() for every VMA in address order. */
export function formatSmaps(vmas: Iterable<VmaView>, layout: MmLayout, stats: (vma: VmaView) => MemSizeStats, opts: SmapsOptions = {}): string {
  let out = "";
  for (const vma of vmas) out += showSmap(vma, layout, stats(vma), opts);
  return out;
}
