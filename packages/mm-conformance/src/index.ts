/**
 * @mmsim/mm-conformance: contract tests that every mmsim structure and plugin runs, with the simple
 * reference implementations they are checked against. Every export is named here; no `export *`.
 */
export { vmaTreeConformance } from "./vma-tree-suite.js";
export type { VmaTreeConformanceOptions } from "./vma-tree-suite.js";
export type { VmaTreePropertyOptions } from "./vma-tree-properties.js";
export { createSortedArrayVmaTree } from "./sorted-array-vma-tree.js";
// --- region store kit (region-store-suite.ts) ---
export { regionStoreConformance } from "./region-store-suite.js";
export type { RegionStoreFactory } from "./region-store-suite.js";
// --- page allocator kit (page-allocator-suite.ts) ---
export { pageAllocatorConformance } from "./page-allocator-suite.js";
export type { PageAllocatorConformanceOptions, PageAllocatorFactory } from "./page-allocator-suite.js";
export type { PageAllocatorPropertyOptions } from "./page-allocator-properties.js";
export { FirstFitPageAllocator, createFirstFitPageAllocator } from "./first-fit-page-allocator.js";
