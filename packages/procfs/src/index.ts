/** @mmsim/procfs: the /proc views of the simulated machine, byte for byte as Linux prints them. */
export {
  MAPS_NAME_COLUMN,
  formatMaps,
  hexPad,
  padName,
  showMapVmaMmu,
  showMapVmaNommu,
  showVmaHeaderPrefix,
  vmaNameMmu,
} from "./maps.js";
export { parseProcMaps } from "./parse-maps.js";
export type { MapsEntry, MapsParseError, ParsedMaps } from "./parse-maps.js";
export { formatMeminfo, meminfoLine } from "./meminfo.js";
export type { MeminfoConfig } from "./meminfo.js";
export { splitExecVm, taskMemMmu, taskMemNommu, taskStatmMmu } from "./status.js";
export {
  CAP_FULL_SET,
  STATM_NO_MM,
  STATUS_FIXED,
  TASK_STATE_NAMES,
  bitmapString,
  escapeComm,
  formatPidStatus,
  formatStatm,
} from "./pid-status.js";
export type { PidStatusMm, PidStatusTask, TaskStateLetter, TaskStatm } from "./pid-status.js";
export type { TaskMemMmu } from "./status.js";
export { PSS_SHIFT, formatSmaps, newMemSizeStats, showSmap, smapsPageAccumulate, smapsVmFlags } from "./smaps.js";
export type { MemSizeStats, SmapsOptions } from "./smaps.js";
