/**
 * @mmsim/kernel/testing: the InodeDriver conformance kit. A driver author describes a node made
 * with the driver and the backends to run on; the kit registers vitest cases that check the node
 * behaves as declared and as Linux's VFS and mm make every file behave.
 * Needs vitest and fast-check (optional peer dependencies of @mmsim/kernel).
 */
export { inodeDriverConformance } from "./driver-conformance.js";
export type {
  DriverBackend,
  DriverData,
  DriverKernels,
  DriverMmapRequest,
  DriverMmapSpec,
  DriverNode,
  DriverProbe,
  DriverSubject,
  InodeDriverConformanceOptions,
} from "./driver-subject.js";
export { ACCESS_MODES, expectedMmap, expectedOpen, expectedRead, expectedTruncate, expectedWrite } from "./driver-rules.js";
