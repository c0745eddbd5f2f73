/** The example plugin of examples/sensor-ring.ts, run on both backends. */
import { describe, expect, it } from "vitest";
import { AT_FDCWD, ENODEV, ENOSYS, MAP_PRIVATE, MAP_SHARED, NR, O_RDONLY, PAGE_SIZE, PROT_READ } from "@mmsim/mm-types";
import { createSensorRing } from "../../examples/sensor-ring.js";
import type { SensorRing } from "../../examples/sensor-ring.js";
import { exitAll, makeWorld, peek, spawn, sys } from "./world.js";

const P = PAGE_SIZE;
const u32 = (v: number): Uint8Array => new Uint8Array(new Uint32Array([v]).buffer);

function sensorWorld(backend: "mmu" | "nommu") {
  const w = makeWorld(backend);
  const { dev } = createSensorRing(w.kernel) as { dev: SensorRing };
  const tid = spawn(w.kernel);
  const fd = sys(w.kernel, tid, NR.openat, AT_FDCWD, "/dev/sensor0", O_RDONLY, 0);
  return { ...w, dev, tid, fd };
}

describe.each(["mmu", "nommu"] as const)("the sensor-ring example on %s", (backend) => {
  it("streams while mapped: a shared mapping shows each sample the device writes; the last unmap stops it", () => {
    const { kernel, dev, tid, fd } = sensorWorld(backend);
    expect(dev.dma(1)).toBe(false);
    const a = sys(kernel, tid, NR.mmap, 0, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    if (backend === "nommu") expect(a).toBe(dev.ring.base);
    expect(dev.dma(0xcafe)).toBe(true);
    expect(peek(kernel, tid, a, 4)).toEqual(u32(0xcafe));
    expect(sys(kernel, tid, NR.munmap, a, 2 * P)).toBe(0);
    expect([dev.streaming, dev.released]).toEqual([false, 1]);
  });

  it("while calibrating, a shared mapping is refused: ENODEV on NOMMU, the driver's ENOSYS on MMU", () => {
    const { kernel, dev, tid, fd } = sensorWorld(backend);
    dev.calibrating = true;
    expect(sys(kernel, tid, NR.mmap, 0, P, PROT_READ, MAP_SHARED, fd, 0)).toBe(backend === "nommu" ? -ENODEV : -ENOSYS);
    exitAll(kernel);
  });
});

describe("a private mapping of the ring", () => {
  it("NOMMU: a live region is shared; without one, get_unmapped_area's -ENOSYS makes it a snapshot copy", () => {
    const { kernel, dev, tid, fd } = sensorWorld("nommu");
    const live = sys(kernel, tid, NR.mmap, 0, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    dev.dma(7);
    // the seed: "an existing mapping will be shared, partially or not, if possible without notifying the driver"
    const onLive = sys(kernel, tid, NR.mmap, 0, 2 * P, PROT_READ, MAP_PRIVATE, fd, 0);
    expect(onLive).toBe(live);
    sys(kernel, tid, NR.munmap, live, 2 * P);
    sys(kernel, tid, NR.munmap, onLive, 2 * P);
    expect(dev.streaming).toBe(false);
    const snap = sys(kernel, tid, NR.mmap, 0, 2 * P, PROT_READ, MAP_PRIVATE, fd, 0);
    expect(snap).not.toBe(dev.ring.base);
    dev.ring.write(4, u32(8)); // the device moves on; the copy doesn't
    expect(peek(kernel, tid, snap, 8)).toEqual(new Uint8Array([...u32(7), 0, 0, 0, 0]));
  });

  it("MMU: it maps the ring's pages until written, so it follows the device", () => {
    const { kernel, dev, tid, fd } = sensorWorld("mmu");
    const priv = sys(kernel, tid, NR.mmap, 0, P, PROT_READ, MAP_PRIVATE, fd, 0);
    dev.dma(7);
    expect(peek(kernel, tid, priv, 4)).toEqual(u32(7));
    dev.dma(8);
    expect(peek(kernel, tid, priv + 4, 4)).toEqual(u32(8));
  });
});
