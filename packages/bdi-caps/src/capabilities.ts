/**
 * The mapping capabilities of a file or device, in both namings: the 2005 backing-device flags
 * (BDI_CAP_*, struct backing_dev_info.capabilities) and today's NOMMU_MAP_* answers of
 * file_operations.mmap_capabilities (v4.0+), with the defaults Linux assumes by inode type.
 * Linux: include/linux/fs.h (NOMMU_MAP_*), include/linux/backing-dev.h of 2.6.12 (BDI_CAP_*),
 * validate_mmap_request() in mm/nommu.c.
 */
import {
  BDI_CAP_EXEC_MAP,
  BDI_CAP_MAP_COPY,
  BDI_CAP_MAP_DIRECT,
  BDI_CAP_READ_MAP,
  BDI_CAP_WRITE_MAP,
  EINVAL,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  S_IFBLK,
  S_IFCHR,
  S_IFMT,
  S_IFREG,
} from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";

/** One capability under its two names. */
export interface CapabilityPair {
  /** The NOMMU_MAP_* name (6.12). */
  readonly nommuName: string;
  /** Its value. */
  readonly nommu: number;
  /** The BDI_CAP_* name of the 2005 patch. */
  readonly bdiName: string;
  /** Its value. */
  readonly bdi: number;
  /** What the capability permits, in the seed's words. */
  readonly meaning: string;
}

/**
 * The correspondence between the two namings, one row per capability. COPY and DIRECT have different
 * numbers in the two schemes; READ, WRITE and EXEC are the VM_MAY* bits in both.
 * Linux: commit b4caecd48005 ("fs: introduce f_op->mmap_capabilities for nommu mmap support", v4.0).
 */
export const CAPABILITY_PAIRS: readonly CapabilityPair[] = [
  { nommuName: "NOMMU_MAP_COPY", nommu: NOMMU_MAP_COPY, bdiName: "BDI_CAP_MAP_COPY", bdi: BDI_CAP_MAP_COPY, meaning: "a copy can be mapped (MAP_PRIVATE)" },
  { nommuName: "NOMMU_MAP_DIRECT", nommu: NOMMU_MAP_DIRECT, bdiName: "BDI_CAP_MAP_DIRECT", bdi: BDI_CAP_MAP_DIRECT, meaning: "can be mapped directly (MAP_SHARED)" },
  { nommuName: "NOMMU_MAP_READ", nommu: NOMMU_MAP_READ, bdiName: "BDI_CAP_READ_MAP", bdi: BDI_CAP_READ_MAP, meaning: "can be mapped for reading" },
  { nommuName: "NOMMU_MAP_WRITE", nommu: NOMMU_MAP_WRITE, bdiName: "BDI_CAP_WRITE_MAP", bdi: BDI_CAP_WRITE_MAP, meaning: "can be mapped for writing" },
  { nommuName: "NOMMU_MAP_EXEC", nommu: NOMMU_MAP_EXEC, bdiName: "BDI_CAP_EXEC_MAP", bdi: BDI_CAP_EXEC_MAP, meaning: "can be mapped for execution" },
];

/** Every NOMMU_MAP_* bit. */
export const NOMMU_MAP_ALL = NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC;
/** Every mapping-related BDI_CAP_* bit (the accounting bits of backing_dev_info are not capabilities of a mapping). */
export const BDI_CAP_MAP_ALL = BDI_CAP_MAP_COPY | BDI_CAP_MAP_DIRECT | BDI_CAP_READ_MAP | BDI_CAP_WRITE_MAP | BDI_CAP_EXEC_MAP;

/** Translates 2005 BDI_CAP_* mapping bits into NOMMU_MAP_* bits; other bits are dropped. */
export function bdiCapsToNommu(bdiCaps: number): number {
  let caps = 0;
  for (const p of CAPABILITY_PAIRS) if (bdiCaps & p.bdi) caps |= p.nommu;
  return caps;
}

/** Translates NOMMU_MAP_* bits into the 2005 BDI_CAP_* bits; other bits are dropped. */
export function nommuCapsToBdi(caps: number): number {
  let bdi = 0;
  for (const p of CAPABILITY_PAIRS) if (caps & p.nommu) bdi |= p.bdi;
  return bdi;
}

/** Names the NOMMU_MAP_* bits of `caps`, "|"-joined ("0" for none), for messages and tables. */
export function nommuCapsNames(caps: number): string {
  const names = CAPABILITY_PAIRS.filter((p) => caps & p.nommu).map((p) => p.nommuName);
  return names.length === 0 ? "0" : names.join("|");
}

/** Names the BDI_CAP_* mapping bits of `bdiCaps`, "|"-joined ("0" for none). */
export function bdiCapsNames(bdiCaps: number): string {
  const names = CAPABILITY_PAIRS.filter((p) => bdiCaps & p.bdi).map((p) => p.bdiName);
  return names.length === 0 ? "0" : names.join("|");
}

/**
 * The capabilities Linux assumes for a file whose driver declares none, by inode type: a regular
 * file or a block device can only be copied; a character device maps directly for reading and
 * writing (not executing, never copied); anything else gets -EINVAL.
 * Linux: the `switch (file_inode(file)->i_mode & S_IFMT)` of validate_mmap_request() in mm/nommu.c.
 */
export function defaultMmapCapabilities(inodeType: number): number {
  switch (inodeType & S_IFMT) {
    case S_IFREG:
    case S_IFBLK:
      return NOMMU_MAP_COPY;
    case S_IFCHR:
      return NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE;
    default:
      return -EINVAL;
  }
}

/**
 * The same defaults in the 2005 naming; a backing_dev_info whose capabilities are 0 meant "use these".
 * Linux (2.6.12): validate_mmap_request() reading mapping->backing_dev_info->capabilities.
 */
export function defaultBdiCapabilities(inodeType: number): number {
  const caps = defaultMmapCapabilities(inodeType);
  return caps < 0 ? caps : nommuCapsToBdi(caps);
}

/**
 * The capabilities of an open file: what its driver declares (ops.mmapCapabilities), else the
 * defaults by inode type (-EINVAL for a type that has none).
 * Linux: file->f_op->mmap_capabilities(file) or the defaults in validate_mmap_request().
 */
export function fileMmapCapabilities(file: MmapFile): number {
  const declared = file.ops.mmapCapabilities;
  return declared !== undefined ? declared.call(file.ops) : defaultMmapCapabilities(file.inodeType);
}
