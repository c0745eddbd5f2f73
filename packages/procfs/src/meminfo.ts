/**
 * /proc/meminfo in Linux's format and line order. Linux: meminfo_proc_show() and show_val_kb() in
 * fs/proc/meminfo.c, hugetlb_report_meminfo() in mm/hugetlb.c (6.12 order).
 */
import { PAGE_SHIFT } from "@mmsim/mm-types";

/** Kernel configuration that decides which lines exist. */
export interface MeminfoConfig {
  /** !CONFIG_MMU: the MmapCopy line. */
  readonly mmapCopy: boolean;
  /** CONFIG_ZSWAP: Zswap and Zswapped. */
  readonly zswap?: boolean;
  /** CONFIG_TRANSPARENT_HUGEPAGE: the five huge-page lines. */
  readonly thp?: boolean;
  /** CONFIG_HUGETLB_PAGE: the HugePages_* block. */
  readonly hugetlb?: boolean;
}

/** The lines of 6.12's meminfo in order; `cond` names the config that shows it. */
const LINES: ReadonlyArray<readonly [label: string, cond?: keyof MeminfoConfig]> = [
  ["MemTotal"],
  ["MemFree"],
  ["MemAvailable"],
  ["Buffers"],
  ["Cached"],
  ["SwapCached"],
  ["Active"],
  ["Inactive"],
  ["Active(anon)"],
  ["Inactive(anon)"],
  ["Active(file)"],
  ["Inactive(file)"],
  ["Unevictable"],
  ["Mlocked"],
  ["MmapCopy", "mmapCopy"],
  ["SwapTotal"],
  ["SwapFree"],
  ["Zswap", "zswap"],
  ["Zswapped", "zswap"],
  ["Dirty"],
  ["Writeback"],
  ["AnonPages"],
  ["Mapped"],
  ["Shmem"],
  ["KReclaimable"],
  ["Slab"],
  ["SReclaimable"],
  ["SUnreclaim"],
  ["KernelStack"],
  ["PageTables"],
  ["SecPageTables"],
  ["NFS_Unstable"],
  ["Bounce"],
  ["WritebackTmp"],
  ["CommitLimit"],
  ["Committed_AS"],
  ["VmallocTotal"],
  ["VmallocUsed"],
  ["VmallocChunk"],
  ["Percpu"],
  ["AnonHugePages", "thp"],
  ["ShmemHugePages", "thp"],
  ["ShmemPmdMapped", "thp"],
  ["FileHugePages", "thp"],
  ["FilePmdMapped", "thp"],
];

/** Lines printed as counts ("%5lu") rather than kB. Linux: hugetlb_report_meminfo(). */
const HUGETLB_COUNTS = ["HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"];

/**
 * One meminfo line: the label with its colon padded to 16 columns, the value right-aligned in 8
 * (wider numbers widen the field), " kB". HugePages_* counts are "HugePages_Total:   %5lu" (the value ends at column 24) without a unit.
 * Linux: show_val_kb(), seq_printf("HugePages_Total:   %5lu\n").
 */
export function meminfoLine(label: string, value: number): string {
  if (HUGETLB_COUNTS.includes(label)) return `${`${label}:`.padEnd(19)}${String(value).padStart(5)}\n`;
  if (label === "HardwareCorrupted") return `HardwareCorrupted: ${String(value).padStart(5)} kB\n`;
  return `${`${label}:`.padEnd(16)}${String(value).padStart(8)} kB\n`;
}

/**
 * The whole /proc/meminfo from values in pages (labels as Linux names them; missing values print 0).
 * Lines mmsim can't compute are printed as 0, in their place.
 */
export function formatMeminfo(pages: Readonly<Record<string, number>>, config: MeminfoConfig): string {
  const kb = (label: string): number => (pages[label] ?? 0) * 2 ** (PAGE_SHIFT - 10);
  let out = "";
  for (const [label, cond] of LINES) if (cond === undefined || config[cond]) out += meminfoLine(label, kb(label));
  if (config.hugetlb) {
    for (const label of HUGETLB_COUNTS) out += meminfoLine(label, pages[label] ?? 0);
    out += meminfoLine("Hugepagesize", 2048);
    out += meminfoLine("Hugetlb", kb("Hugetlb"));
  }
  return out;
}
