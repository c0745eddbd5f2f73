/**
 * @mmsim/bdi-caps: the mapping capabilities of files and devices (BDI_CAP_* of 2005, NOMMU_MAP_*
 * of today) and the NOMMU request checks built on them: validate_mmap_request() and
 * determine_vm_flags() of mm/nommu.c. Every export is named here; no `export *`.
 */
export {
  BDI_CAP_MAP_ALL,
  CAPABILITY_PAIRS,
  NOMMU_MAP_ALL,
  bdiCapsNames,
  bdiCapsToNommu,
  defaultBdiCapabilities,
  defaultMmapCapabilities,
  fileMmapCapabilities,
  nommuCapsNames,
  nommuCapsToBdi,
} from "./capabilities.js";
export type { CapabilityPair } from "./capabilities.js";
export {
  calcVmFlagBits,
  calcVmProtBits,
  checkMmapArgs,
  determineVmFlags,
  determineVmFlags2005,
  fileCanRead,
  isValidMapType,
  protExceedsCaps,
  validateMmapRequest,
} from "./validate-mmap-request.js";
export type { MmapFileReadMethod, MmapRequestContext } from "./validate-mmap-request.js";
