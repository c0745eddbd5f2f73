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
export { taskMemMmu, taskMemNommu } from "./status.js";
export type { TaskMemMmu } from "./status.js";
export { PSS_SHIFT, formatSmaps, newMemSizeStats, showSmap, smapsPageAccumulate, smapsVmFlags } from "./smaps.js";
export type { MemSizeStats, SmapsOptions } from "./smaps.js";
