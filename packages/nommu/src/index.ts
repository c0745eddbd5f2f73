/**
 * @mmsim/nommu: the NOMMU (uClinux) mm backend of mm/nommu.c: vm_region sharing across processes,
 * private copies from the page allocator with power-of-two trimming, direct mappings of devices and
 * memory-backed files, and no memory protection. Every export is named here; no `export *`.
 */
export { NommuBackend } from "./nommu-backend.js";
export type { NommuOptions } from "./nommu-backend.js";
export { NommuState } from "./nommu-state.js";
export type { NommuConfig, RamRange } from "./nommu-state.js";
export { NommuMm, Vma } from "./vma.js";
export { doMmap, addVmaToMm } from "./do-mmap.js";
export { doMunmap, deleteVma, eraseWholeVma, exitMmap, splitVmaBelow } from "./munmap.js";
export { doMremap, findVmaExact } from "./mremap.js";
export { doBrk } from "./brk.js";
export { mmExecNommu } from "./exec.js";
export { nommuShrinkInodeMappings } from "./shrink-inode.js";
export { NommuFutexPort, readUser, writeUser } from "./user-access.js";
export { validateNommu } from "./validate.js";
