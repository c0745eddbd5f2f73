/**
 * The global /proc/maps of a NOMMU kernel: one line per region of the region tree, in address order.
 * Linux: nommu_region_show() and nommu_region_list_show() in fs/proc/nommu.c.
 */
import { PAGE_SHIFT, VM_EXEC, VM_MAYSHARE, VM_READ, VM_SHARED, VM_WRITE } from "@mmsim/mm-types";
import type { RegionView, RegionsViewPort } from "@mmsim/mm-types";

/** Options of the /proc/maps formatter. Linux: the sizeof(void *) nommu_region_show() pads with. */
export interface ProcMapsOptions {
  /**
   * sizeof(void *) of the simulated kernel: 8 (64-bit, the default) or 4 (32-bit, as most NOMMU parts).
   * It sets the width of unsigned long and the column where the path starts (73 or 49).
   */
  readonly pointerBytes?: 4 | 8;
}

/** The `%0<min>x` rendering of `value` reduced to `bits` bits, as C prints an unsigned integer. */
function hexU(value: bigint, bits: number, min: number): string {
  return BigInt.asUintN(bits, value).toString(16).padStart(min, "0");
}

/** The share column: 'S' shared, 's' may share, 'p' private. Linux: the fourth %c of nommu_region_show(). */
function shareChar(vmFlags: number): string {
  if ((vmFlags & VM_MAYSHARE) === 0) return "p";
  return (vmFlags & VM_SHARED) !== 0 ? "S" : "s";
}

/**
 * Formats one region as its /proc/maps line, newline included:
 * `%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ` (start, end, r/w/x, S/s/p, vmPgoff << PAGE_SHIFT,
 * major, minor, inode; `00:00 0` without a file), then for a file the line is padded with spaces to
 * column 25 + 6 * sizeof(void *) - 1 and one more space and the path follow. Anonymous lines end in
 * "0 \n" with the trailing space. The region's vmEnd is printed, never vmTop.
 * Linux: nommu_region_show() in fs/proc/nommu.c (seq_setwidth() + seq_pad()).
 */
export function nommuRegionShow(region: RegionView, opts: ProcMapsOptions = {}): string {
  const ptr = opts.pointerBytes ?? 8;
  const long = ptr * 8;
  const f = region.vmFlags;
  const file = region.file;
  const offset = BigInt.asUintN(long, BigInt(region.vmPgoff)) << BigInt(PAGE_SHIFT);
  let line =
    `${hexU(BigInt(region.vmStart), long, 8)}-${hexU(BigInt(region.vmEnd), long, 8)} ` +
    `${f & VM_READ ? "r" : "-"}${f & VM_WRITE ? "w" : "-"}${f & VM_EXEC ? "x" : "-"}${shareChar(f)} ` +
    `${hexU(offset, 64, 8)} ` +
    `${hexU(BigInt(file?.devMajor ?? 0), 32, 2)}:${hexU(BigInt(file?.devMinor ?? 0), 32, 2)} ` +
    `${BigInt.asUintN(long, BigInt(file?.ino ?? 0)).toString()} `;
  if (file !== null) line = `${line.padEnd(25 + ptr * 6 - 1, " ")} ${file.path}`;
  return `${line}\n`;
}

/**
 * Formats the whole global /proc/maps: every region of `view` in its (address) order.
 * Linux: the seq_file of /proc/maps, nommu_region_list_start()/next()/show() in fs/proc/nommu.c.
 */
export function nommuRegionListShow(view: RegionsViewPort, opts: ProcMapsOptions = {}): string {
  let out = "";
  for (const region of view.regions()) out += nommuRegionShow(region, opts);
  return out;
}
