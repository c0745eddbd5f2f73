/**
 * The InodeDriver conformance kit: the same vitest cases for every driver, ours and contributors'.
 * A plugin author calls `inodeDriverConformance("my device", subject)` from a test file.
 */
import { describe, it } from "vitest";
import { driverUnitCases } from "./driver-cases.js";
import type { KitIt } from "./driver-cases.js";
import { driverProperties } from "./driver-properties.js";
import { DriverWorld } from "./driver-world.js";
import type { DriverBackend, DriverSubject, InodeDriverConformanceOptions } from "./driver-subject.js";

/** An `it` that runs the cases named in `knownFailures` as `it.fails`. */
function kitIt(backend: DriverBackend, knownFailures: readonly (string | RegExp)[]): KitIt {
  return (title, fn) => {
    const full = `${backend}: ${title}`;
    if (knownFailures.some((k) => (typeof k === "string" ? full.includes(k) : k.test(full)))) it.fails(title, fn);
    else it(title, fn);
  };
}

/**
 * Registers the conformance cases of an InodeDriver on each backend the subject gives a kernel
 * factory for: open in every access mode and lowest-free fds; read, pread and write at 0, mid, at
 * and past EOF and with zero lengths; ftruncate as declared; mmap with every access mode ×
 * MAP_PRIVATE/MAP_SHARED × prot, each either mapping the bytes read(2) returns (a shared store
 * reaching read(2) when declared) or failing with the errno Linux gives (on NOMMU from the declared
 * capabilities); munmap; bad input returning -errno without changing anything; exit leaking no page
 * and releasing each open file once; then, for regular-file semantics, random sequences against a
 * byte model. A case title is prefixed by the backend ("nommu: ...") for `knownFailures`.
 * Linux: LTP's open/read/pread/write/ftruncate/mmap tests and the f_op contracts (read_iter,
 * write_iter, mmap, mmap_capabilities, release) — see the package README.
 */
export function inodeDriverConformance(name: string, subject: DriverSubject, opts: InodeDriverConformanceOptions = {}): void {
  const backends = (["mmu", "nommu"] as const).filter((b) => subject.kernels[b] !== undefined);
  describe(`${name}: InodeDriver conformance`, () => {
    for (const backend of backends) {
      const factory = subject.kernels[backend]!;
      const make = (): DriverWorld => DriverWorld.make(subject, backend, factory);
      describe(backend, () => {
        const probe = make();
        probe.finish();
        const kit = kitIt(backend, opts.knownFailures ?? []);
        driverUnitCases(kit, make, backend, probe);
        driverProperties(kit, make, backend, probe.node, opts.numRuns ?? 40, opts.maxSteps ?? 30);
      });
    }
  });
}
