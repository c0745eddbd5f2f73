/**
 * The memory lines of /proc/<pid>/status. Linux: task_mem() in fs/proc/task_mmu.c (MMU) and in
 * fs/proc/task_nommu.c (NOMMU).
 */
import { PAGE_SHIFT } from "@mmsim/mm-types";
import type { TaskStatm } from "./pid-status.js";

/** The counters task_mem() reads on MMU, in pages. */
export interface TaskMemMmu {
  readonly hiwaterVm: number;
  readonly totalVm: number;
  readonly lockedVm: number;
  readonly pinnedVm: number;
  readonly hiwaterRss: number;
  readonly anon: number;
  readonly file: number;
  readonly shmem: number;
  readonly dataVm: number;
  readonly stackVm: number;
  /** Text pages (VmExe) and library pages (VmLib). */
  readonly text: number;
  readonly lib: number;
  /** Page-table bytes (VmPTE is printed from bytes >> 10). */
  readonly ptesBytes: number;
  readonly swap: number;
  /** Hugetlb pages mapped (HugetlbPages line); 0 when absent. */
  readonly hugetlb?: number;
}

const kB = (pages: number): number => pages * 2 ** (PAGE_SHIFT - 10);
const line = (label: string, kb: number): string => `${label}:\t${String(kb).padStart(8)} kB\n`;

/** The Vm*, Rss* and HugetlbPages lines of an MMU task, "Label:\t%8lu kB". Linux: task_mem() (task_mmu.c), hugetlb_report_usage(). */
export function taskMemMmu(m: TaskMemMmu): string {
  const rss = m.anon + m.file + m.shmem;
  return (
    line("VmPeak", kB(Math.max(m.hiwaterVm, m.totalVm))) +
    line("VmSize", kB(m.totalVm)) +
    line("VmLck", kB(m.lockedVm)) +
    line("VmPin", kB(m.pinnedVm)) +
    line("VmHWM", kB(Math.max(m.hiwaterRss, rss))) +
    line("VmRSS", kB(rss)) +
    line("RssAnon", kB(m.anon)) +
    line("RssFile", kB(m.file)) +
    line("RssShmem", kB(m.shmem)) +
    line("VmData", kB(m.dataVm)) +
    line("VmStk", kB(m.stackVm)) +
    line("VmExe", kB(m.text)) +
    line("VmLib", kB(m.lib)) +
    line("VmPTE", Math.floor(m.ptesBytes / 1024)) +
    line("VmSwap", kB(m.swap)) +
    line("HugetlbPages", kB(m.hugetlb ?? 0))
  );
}

/** The NOMMU lines, in bytes: "Mem:\t%8lu bytes", "Slack:", "Shared:". Linux: task_mem() (task_nommu.c). */
export function taskMemNommu(bytes: { readonly mem: number; readonly slack: number; readonly shared: number }): string {
  const l = (label: string, v: number): string => `${label}:\t${String(v).padStart(8)} bytes\n`;
  return l("Mem", bytes.mem) + l("Slack", bytes.slack) + l("Shared", bytes.shared);
}

/**
 * Splits the executable pages (mm->exec_vm) between the program's text, at most the code range
 * start_code..end_code covers, and libraries. Linux: the "split executable areas" step of task_mem()
 * (task_mmu.c).
 */
export function splitExecVm(codePages: number, execVm: number): { readonly text: number; readonly lib: number } {
  const text = Math.min(codePages, execVm);
  return { text, lib: execVm - text };
}

/**
 * statm of an MMU task: size total_vm, resident the rss counters, shared the file and shmem ones,
 * text the code range (not capped by exec_vm, unlike VmExe), data data_vm + stack_vm.
 * Linux: task_statm() in fs/proc/task_mmu.c.
 */
export function taskStatmMmu(m: TaskMemMmu, codePages: number): TaskStatm {
  const shared = m.file + m.shmem;
  return { size: m.totalVm, resident: shared + m.anon, shared, text: codePages, data: m.dataVm + m.stackVm };
}
