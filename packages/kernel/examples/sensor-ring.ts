/**
 * An example driver plugin, for contributors: a sensor that DMAs 4-byte samples into a ring buffer
 * in its own memory, and a chardev that lets programs map the ring.
 *
 * It shows the hooks a driver gives the mm, and what each backend makes of them:
 * - `read`: what a copy is made of (a NOMMU private mapping), and read(2);
 * - `mmapCapabilities`: the NOMMU_MAP_* it supports — direct or copied, read-only here (the MMU
 *   backend ignores it);
 * - `getUnmappedArea`: where a direct mapping lives (the ring's own address), or -ENOSYS: "I won't
 *   place it, make a copy" — this driver says so for private mappings, which become snapshots;
 * - `mmap`: 0 to accept a mapping; -ENOSYS means "make a copy instead" where a copy is allowed (a
 *   NOMMU private mapping), and fails a shared one (ENODEV on NOMMU, ENOSYS itself on MMU) — this
 *   driver says so while it calibrates, when the ring holds no samples;
 * - `open`/`close`: a VMA appeared (split, fork) or went; the last close stops the DMA;
 * - `release`: the last mapping of an open file went;
 * - `fault`: the page a MMU mapping maps (with a reference for it).
 *
 * Run it: `pnpm exec vitest run test/drivers/example.test.ts` (both backends).
 */
import { DeviceMemory } from "@mmsim/kernel";
import type { Inode, InodeDriver, Kernel } from "@mmsim/kernel";
import { EINVAL, ENOSYS, MAP_SHARED, NOMMU_MAP_COPY, NOMMU_MAP_DIRECT, NOMMU_MAP_READ, PAGE_SIZE, S_IFCHR } from "@mmsim/mm-types";
import type { MmapFileOps } from "@mmsim/mm-types";

/** Direct when shared, copied when private, read-only. */
export const SENSOR_RING_CAPABILITIES = NOMMU_MAP_DIRECT | NOMMU_MAP_COPY | NOMMU_MAP_READ;

/** The device: its ring and its state. */
export class SensorRing {
  /** Bytes of samples written so far (the ring wraps). */
  head = 0;
  /** The ring is being calibrated: it holds no samples, so no one may map it directly. */
  calibrating = false;
  /** VMAs on the ring. */
  mapped = 0;
  /** Open files whose last mapping went. */
  released = 0;

  constructor(readonly ring: DeviceMemory) {}

  /** DMA runs while someone maps the ring. */
  get streaming(): boolean {
    return this.mapped > 0;
  }

  /** The hardware writes one sample at the head; nothing happens while no one streams. */
  dma(sample: number): boolean {
    if (!this.streaming) return false;
    const bytes = new Uint8Array(new Uint32Array([sample >>> 0]).buffer);
    this.ring.write(this.head % this.ring.size, bytes);
    this.head += 4;
    return true;
  }
}

/** Where a direct mapping of the ring lies; -ENOSYS for a private one (a snapshot copy instead). */
function placeRing(dev: SensorRing, len: number, pgoff: number, flags: number): number {
  if (pgoff * PAGE_SIZE + len > dev.ring.size) return -EINVAL;
  if ((flags & MAP_SHARED) === 0) return -ENOSYS;
  return dev.ring.base + pgoff * PAGE_SIZE;
}

/** The driver: a factory returning a plain InodeDriver. */
export function sensorRingDriver(dev: SensorRing): InodeDriver {
  return {
    name: "sensor-ring",
    read: (_inode, offset, dst) => dev.ring.read(offset, dst),
    write: () => -EINVAL,
    mmapOps(): MmapFileOps {
      return {
        mmapCapabilities: () => SENSOR_RING_CAPABILITIES,
        getUnmappedArea: (_addr, len, pgoff, flags) => placeRing(dev, len, pgoff, flags),
        mmap: () => {
          if (dev.calibrating) return -ENOSYS;
          dev.mapped++;
          return 0;
        },
        open: () => void dev.mapped++,
        close: () => void dev.mapped--,
        release: () => void dev.released++,
        fault: (pgoff) => dev.ring.faultPage(pgoff),
      };
    },
  };
}

/** Probes a sensor with a ring of `pages` pages and makes its device node. Returns it or -errno. */
export function createSensorRing(kernel: Kernel, path = "/dev/sensor0", pages = 2): { dev: SensorRing; inode: Inode } | number {
  const ring = DeviceMemory.alloc(kernel.pages, kernel.physMem, pages * PAGE_SIZE);
  if (typeof ring === "number") return ring;
  const dev = new SensorRing(ring);
  const inode = kernel.vfs.mknod(path, { mode: S_IFCHR | 0o444, driver: sensorRingDriver(dev), size: ring.size, devMajor: 240, devMinor: 0 });
  if (typeof inode === "number") {
    ring.release();
    return inode;
  }
  return { dev, inode };
}
