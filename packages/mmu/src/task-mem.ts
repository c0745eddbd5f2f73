/**
 * The memory counters of /proc/<pid>/status and /proc/<pid>/statm of an MMU address space, from
 * what the mm keeps (total_vm, data_vm, exec_vm, stack_vm, the rss counters) and what can be
 * counted (locked pages, page tables, the program's code range). Linux: task_mem() and task_statm()
 * in fs/proc/task_mmu.c, mm_pgtables_bytes().
 */
import { VM_EXEC } from "@mmsim/mm-types";
import { formatStatm, splitExecVm, taskMemMmu, taskStatmMmu } from "@mmsim/procfs";
import type { TaskMemMmu } from "@mmsim/procfs";
import { countMlockedPages } from "./mlock.js";
import { PTRS_PER_PTE } from "./page-table.js";
import type { PageTable } from "./page-table.js";
import type { MmStruct } from "./vma.js";

/** Entries per PMD and PUD table on x86-64: a PMD table spans 1 GiB, a PUD table 512 GiB. Linux: PTRS_PER_PMD, PTRS_PER_PUD. */
const PTRS_PER_PMD = 512;
const PTRS_PER_PUD = 512;

/**
 * Bytes of page tables below the PGD: every PTE table, plus one PMD table per GiB and one PUD table
 * per 512 GiB that holds one (4-level paging; the PGD itself is not counted). The simulator frees a
 * PTE table when its last pte goes, where Linux keeps an empty one until free_pgtables() covers it.
 * Linux: mm_pgtables_bytes() (mm_inc_nr_ptes/pmds/puds).
 */
export function pgtablesBytes(pt: PageTable): number {
  const pmds = new Set<number>();
  const puds = new Set<number>();
  for (const key of pt.tables.keys()) {
    const pmd = Math.floor(key / PTRS_PER_PMD);
    pmds.add(pmd);
    puds.add(Math.floor(pmd / PTRS_PER_PUD));
  }
  return (pt.tables.size + pmds.size + puds.size) * PTRS_PER_PTE * 8;
}

/**
 * Pages of the program's code, PAGE_ALIGN(end_code) - (start_code & PAGE_MASK). The mm keeps no
 * start_code/end_code, so the range is the first-created file-backed executable VMA of an mm that
 * was exec'd (one with a heap or stack position): exec maps the program's text before anything
 * else. An mm never exec'd has none (0), as Linux's start_code = end_code = 0.
 */
export function codePages(mm: MmStruct): number {
  if (mm.startBrk === 0 && mm.startStack === 0) return 0;
  let first: { id: number; pages: number } | null = null;
  for (const v of mm.vmasIn(0, 2 ** 53)) {
    if (!(v.vmFlags & VM_EXEC) || v.vmFile === null || v.specialName !== null) continue;
    if (first === null || v.id < first.id) first = { id: v.id, pages: v.pages() };
  }
  return first?.pages ?? 0;
}

/**
 * The counters task_mem() reads. No hiwater marks are kept, so VmPeak and VmHWM come out as VmSize
 * and VmRSS (Linux prints the larger of the mark and the current value); nothing is pinned, swapped
 * or backed by hugetlb.
 */
export function taskMemCounters(mm: MmStruct, code: number): TaskMemMmu {
  const { text, lib } = splitExecVm(code, mm.execVm);
  return {
    hiwaterVm: mm.totalVm,
    totalVm: mm.totalVm,
    lockedVm: countMlockedPages(mm, 0, 0),
    pinnedVm: 0,
    hiwaterRss: mm.anonPages + mm.filePages + mm.shmemPages,
    anon: mm.anonPages,
    file: mm.filePages,
    shmem: mm.shmemPages,
    dataVm: mm.dataVm,
    stackVm: mm.stackVm,
    text,
    lib,
    ptesBytes: pgtablesBytes(mm.pt),
    swap: 0,
  };
}

/** What an MMU backend answers to MmBackend.taskMem(): the status lines, the statm line, THP on. */
export function mmTaskMem(mm: MmStruct): { readonly status: string; readonly statm: string; readonly thpEnabled: boolean } {
  const code = codePages(mm);
  const m = taskMemCounters(mm, code);
  return { status: taskMemMmu(m), statm: formatStatm(taskStatmMmu(m, code)), thpEnabled: true };
}
