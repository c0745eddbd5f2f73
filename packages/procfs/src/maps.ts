/**
 * /proc/<pid>/maps lines, byte for byte. Linux: show_vma_header_prefix() and show_map_vma() in
 * fs/proc/task_mmu.c (MMU) and nommu_vma_show() in fs/proc/task_nommu.c (NOMMU); both pad the
 * fixed part to 72 columns on 64-bit (seq_setwidth(25 + 6 * sizeof(void *) - 1)) and then write one
 * space and the name, or end the line right after the inode's trailing space.
 */
import { PAGE_SHIFT, VM_EXEC, VM_MAYSHARE, VM_READ, VM_SHARED, VM_WRITE } from "@mmsim/mm-types";
import type { MmLayout, VmaView } from "@mmsim/mm-types";

/** Column where the name's padding ends on a 64-bit kernel. */
export const MAPS_NAME_COLUMN = 25 + 8 * 6 - 1;

/** Lower-case hex, zero-padded to at least `width` digits (printf "%0*lx"). */
export function hexPad(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/**
 * The fixed part of a maps line: "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ".
 * Linux: show_vma_header_prefix().
 */
export function showVmaHeaderPrefix(
  start: number,
  end: number,
  flags: string,
  offset: number,
  devMajor: number,
  devMinor: number,
  ino: number,
): string {
  return `${hexPad(start, 8)}-${hexPad(end, 8)} ${flags} ${hexPad(offset, 8)} ${hexPad(devMajor, 2)}:${hexPad(devMinor, 2)} ${ino} `;
}

/** Appends the name after padding to MAPS_NAME_COLUMN and one space, or ends the line. Linux: seq_pad(m, ' '). */
export function padName(prefix: string, name: string | null): string {
  if (name === null) return `${prefix}\n`;
  return `${prefix.padEnd(MAPS_NAME_COLUMN, " ")} ${name}\n`;
}

function rwx(vmFlags: number): string {
  return `${vmFlags & VM_READ ? "r" : "-"}${vmFlags & VM_WRITE ? "w" : "-"}${vmFlags & VM_EXEC ? "x" : "-"}`;
}

/**
 * The name MMU Linux prints for a VMA, in the kernel's order: the file's path; a special mapping's
 * own name ("[vdso]", "[vvar]", "[vsyscall]"); "[heap]" when vm_start < brk and vm_end > start_brk;
 * "[stack]" when it holds start_stack; an "[anon:...]" name. A named shared anonymous mapping is
 * "[anon_shmem:...]" instead of its file's path (6.2+). Linux: get_vma_name(),
 * vma_is_initial_heap(), vma_is_initial_stack().
 */
export function vmaNameMmu(vma: VmaView, layout: MmLayout): string | null {
  const special = vma.name;
  if (vma.file !== null) return special !== null && special.startsWith("[anon_shmem:") ? special : vma.file.path;
  if (special !== null && special !== "[heap]" && special !== "[stack]" && !special.startsWith("[anon:")) return special;
  if (vma.vmStart < layout.brk && vma.vmEnd > layout.startBrk) return "[heap]";
  if (vma.vmStart <= layout.startStack && vma.vmEnd >= layout.startStack) return "[stack]";
  return special !== null && special.startsWith("[anon:") ? special : null;
}

/** One /proc/<pid>/maps line of an MMU VMA. Linux: show_map_vma() in fs/proc/task_mmu.c. */
export function showMapVmaMmu(vma: VmaView, layout: MmLayout): string {
  const flags = `${rwx(vma.vmFlags)}${vma.vmFlags & VM_MAYSHARE ? "s" : "p"}`;
  const f = vma.file;
  const prefix = showVmaHeaderPrefix(
    vma.vmStart,
    vma.vmEnd,
    flags,
    f === null ? 0 : vma.vmPgoff * 2 ** PAGE_SHIFT,
    f?.devMajor ?? 0,
    f?.devMinor ?? 0,
    f?.ino ?? 0,
  );
  return padName(prefix, vmaNameMmu(vma, layout));
}

/**
 * One /proc/<pid>/maps line of a NOMMU VMA: 'S' for a shared-writable mapping (VM_MAYSHARE and
 * VM_SHARED), 's' for VM_MAYSHARE alone, else 'p'; only "[stack]" among the special names.
 * Linux: nommu_vma_show() in fs/proc/task_nommu.c.
 */
export function showMapVmaNommu(vma: VmaView, layout: MmLayout): string {
  const share = vma.vmFlags & VM_MAYSHARE ? (vma.vmFlags & VM_SHARED ? "S" : "s") : "p";
  const f = vma.file;
  const prefix = showVmaHeaderPrefix(
    vma.vmStart,
    vma.vmEnd,
    `${rwx(vma.vmFlags)}${share}`,
    f === null ? 0 : vma.vmPgoff * 2 ** PAGE_SHIFT,
    f?.devMajor ?? 0,
    f?.devMinor ?? 0,
    f?.ino ?? 0,
  );
  let name: string | null = f === null ? null : f.path;
  if (name === null && vma.vmStart <= layout.startStack && vma.vmEnd >= layout.startStack) name = "[stack]";
  return padName(prefix, name);
}

/** A whole /proc/<pid>/maps file: `show` applied to every VMA in address order. */
export function formatMaps(vmas: Iterable<VmaView>, layout: MmLayout, show: (vma: VmaView, layout: MmLayout) => string): string {
  let out = "";
  for (const vma of vmas) out += show(vma, layout);
  return out;
}
