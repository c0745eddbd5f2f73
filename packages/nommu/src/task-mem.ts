/**
 * The memory lines of /proc/<pid>/status and the statm line of a NOMMU address space: kernel objects
 * and region memory added up, shared (VM_MAYSHARE) apart from private. Linux: task_mem() and
 * task_statm() in fs/proc/task_nommu.c, kobjsize() in mm/nommu.c.
 */
import { PAGE_SHIFT, PAGE_SIZE, VM_EXEC, VM_MAYSHARE, pageAlign, pageAlignDown } from "@mmsim/mm-types";
import { formatStatm, taskMemNommu } from "@mmsim/procfs";
import type { TaskStatm } from "@mmsim/procfs";
import type { NommuMm, Vma } from "./vma.js";

/**
 * kobjsize() of the kernel objects task_mem() and task_statm() count, in bytes: the slab object
 * sizes (what ksize() returns) of a 64-bit 6.x SLUB kernel without slab debugging, from the test
 * host's /proc/slabinfo (vm_area_struct 192, mm_struct 1600, files_cache 704, sighand_cache 2112,
 * task_struct 5952; fs_struct's 56 bytes in a 64-byte slot) and, for struct vm_region, which only a
 * NOMMU kernel has, its 64-bit layout (77 bytes in an 80-byte slot). Fixed values: a NOMMU build's
 * structs are somewhat smaller, and the numbers vary with the configuration.
 */
export const KOBJSIZE = {
  mm: 1600,
  vma: 192,
  region: 80,
  fs: 64,
  files: 704,
  sighand: 2112,
  task: 5952,
} as const;

/** Bytes a VMA's backing costs: its region's object and initialised span, or the VMA's own span without a region. */
function backingBytes(vma: Vma): number {
  const r = vma.region;
  return r === null ? vma.vmEnd - vma.vmStart : KOBJSIZE.region + (r.vmEnd - r.vmStart);
}

/**
 * Mem, Slack and Shared of task_mem(): every VMA's object; its backing in Shared when the mapping may
 * be shared, else in Mem; Slack is region end minus VMA end of the last private VMA (assigned, not
 * summed, as Linux does); then the mm, fs_struct, files_struct, sighand_struct and task_struct.
 * mm_count is taken as 1 (no lazy-TLB borrowers) and the fs, files and sighand of the reading task
 * (Linux looks at current's, not the target's) as unshared, so all of those count in Mem.
 */
export function nommuTaskMemBytes(mm: NommuMm): { readonly mem: number; readonly slack: number; readonly shared: number } {
  let mem = 0;
  let shared = 0;
  let slack = 0;
  for (const vma of mm.vmas()) {
    mem += KOBJSIZE.vma;
    const size = backingBytes(vma);
    if (vma.vmFlags & VM_MAYSHARE) {
      shared += size;
      continue;
    }
    mem += size;
    if (vma.region !== null) slack = vma.region.vmEnd - vma.vmEnd;
  }
  mem += KOBJSIZE.mm + KOBJSIZE.fs + KOBJSIZE.files + KOBJSIZE.sighand + KOBJSIZE.task;
  return { mem, slack, shared };
}

/**
 * start_code, end_code and start_data, which the mm doesn't keep: of an mm that was exec'd (it has a
 * heap or stack position), the code is the first-created file-backed executable VMA and the data
 * starts at the non-executable VMA holding start_brk (at start_brk itself when none does); an mm
 * never exec'd has them all 0. Linux: what load_flat_file() / load_elf_fdpic_binary() set.
 */
function codeAndData(mm: NommuMm): { readonly startCode: number; readonly endCode: number; readonly startData: number } {
  if (mm.startBrk === 0 && mm.startStack === 0) return { startCode: 0, endCode: 0, startData: 0 };
  let code: Vma | null = null;
  let data: Vma | null = null;
  for (const v of mm.vmas()) {
    if (v.vmFlags & VM_EXEC) {
      if (v.vmFile !== null && (code === null || v.id < code.id)) code = v;
    } else if (data === null && v.vmStart <= mm.startBrk && mm.startBrk <= v.vmEnd) data = v;
  }
  return { startCode: code?.vmStart ?? 0, endCode: code?.vmEnd ?? 0, startData: data?.vmStart ?? mm.startBrk };
}

/** (a - b) >> PAGE_SHIFT as unsigned long arithmetic: a negative difference wraps as in C. */
function ulongPages(a: number, b: number): number {
  const d = a - b;
  return d >= 0 ? d / PAGE_SIZE : 2 ** (64 - PAGE_SHIFT) + d / PAGE_SIZE;
}

/**
 * statm of a NOMMU task: size is the kernel objects and region spans in whole pages, plus text and
 * data; resident is size; shared is 0. data is PAGE_ALIGN(start_stack) - start_data, which wraps
 * (a number near 2^52) when the stack was placed below the data, as Linux's does.
 * Linux: task_statm() in fs/proc/task_nommu.c.
 */
export function nommuTaskStatm(mm: NommuMm): TaskStatm {
  let bytes = KOBJSIZE.mm;
  for (const vma of mm.vmas()) {
    bytes += KOBJSIZE.vma;
    if (vma.region !== null) bytes += KOBJSIZE.region + (vma.region.vmEnd - vma.region.vmStart);
  }
  const { startCode, endCode, startData } = codeAndData(mm);
  const text = ulongPages(pageAlign(endCode), pageAlignDown(startCode));
  const data = ulongPages(pageAlign(mm.startStack), pageAlignDown(startData));
  const size = Math.floor(bytes / PAGE_SIZE) + text + data;
  return { size, resident: size, shared: 0, text, data };
}

/** What a NOMMU backend answers to MmBackend.taskMem(): Mem/Slack/Shared, the statm line, no THP (it needs an MMU). */
export function nommuTaskMem(mm: NommuMm): { readonly status: string; readonly statm: string; readonly thpEnabled: boolean } {
  return { status: taskMemNommu(nommuTaskMemBytes(mm)), statm: formatStatm(nommuTaskStatm(mm)), thpEnabled: false };
}
