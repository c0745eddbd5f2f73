/**
 * Every built-in InodeDriver through the conformance kit (@mmsim/kernel/testing), on each backend
 * the driver exists on, declared as Linux's counterpart behaves. Device drivers are assembled here
 * the way their create* helpers do, so that the kit can track their open and release hooks.
 */
import {
  EFBIG,
  EINVAL,
  ENODEV,
  EISDIR,
  EROFS,
  ETXTBSY,
  NOMMU_MAP_COPY,
  PAGE_SIZE,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFREG,
} from "@mmsim/mm-types";
import {
  DeviceMappings,
  DeviceMemory,
  FB_MAJOR,
  FB_MMAP_CAPABILITIES,
  FLASH_MMAP_CAPABILITIES,
  FlashChip,
  MTD_CHAR_MAJOR,
  RAMDISK_MAJOR,
  RAMDISK_MMAP_CAPABILITIES,
  RAMFS_DEV,
  RAMFS_MMAP_CAPABILITIES,
  ROMFS_MMAP_CAPABILITIES,
  blockdevFileDriver,
  createRomfs,
  devNullDriver,
  devZeroDriver,
  directoryDriver,
  flashDriver,
  framebufferDriver,
  ramdiskDriver,
  ramfsDriverFor,
} from "../src/index.js";
import type { InodeDriver, Kernel } from "../src/index.js";
import { inodeDriverConformance } from "../src/testing/index.js";
import type { DriverKernels, DriverNode, DriverProbe } from "../src/testing/index.js";
import { makeKernel, pattern } from "./drivers/world.js";

const P = PAGE_SIZE;
const BOTH: DriverKernels = { mmu: () => makeKernel("mmu"), nommu: () => makeKernel("nommu") };
const RUNS = { numRuns: Number(process.env["MMSIM_RUNS"] ?? 25) };

function made<T>(v: T | number, what: string): T {
  if (typeof v === "number") throw new Error(`${what}: ${v}`);
  return v;
}

/** mknod of `path` with the tracked driver; `contents` written through the VFS. */
function node(kernel: Kernel, probe: DriverProbe, path: string, mode: number, driver: InodeDriver, extra: { size?: number; devMajor?: number; devMinor?: number } = {}): void {
  made(kernel.vfs.mknod(path, { mode, driver: probe.track(driver), ...extra }), `mknod ${path}`);
}

/** Device memory of `size` bytes holding `contents`. */
function deviceMemory(kernel: Kernel, contents: Uint8Array): DeviceMemory {
  const mem = made(DeviceMemory.alloc(kernel.pages, kernel.physMem, contents.length), "DeviceMemory.alloc");
  mem.write(0, contents);
  return mem;
}

inodeDriverConformance("blockdev-file (a regular file on a disk)", {
  kernels: BOTH,
  create(kernel, probe): DriverNode {
    const contents = pattern(P + 100, 3);
    node(kernel, probe, "/data/file", S_IFREG | 0o644, blockdevFileDriver);
    kernel.vfs.write(kernel.vfs.lookup("/data/file")!, 0, contents);
    // no mmapCapabilities: Linux's default for S_IFREG, copy only
    return { path: "/data/file", data: "file", contents, mmap: { nommuCapabilities: NOMMU_MAP_COPY, sharedWritesVisible: true } };
  },
}, RUNS);

inodeDriverConformance("ramfs", {
  kernels: BOTH,
  create(kernel, probe): DriverNode {
    const contents = pattern(P + 100, 5);
    node(kernel, probe, "/dev/shm/seg", S_IFREG | 0o644, ramfsDriverFor(kernel), { devMajor: RAMFS_DEV.major, devMinor: RAMFS_DEV.minor });
    const inode = kernel.vfs.lookup("/dev/shm/seg")!;
    kernel.vfs.truncate(inode, contents.length); // shm_open's ftruncate: NOMMU gathers contiguous pages
    kernel.vfs.write(inode, 0, contents);
    return {
      path: "/dev/shm/seg",
      data: "file",
      contents,
      mmap: { nommuCapabilities: RAMFS_MMAP_CAPABILITIES, sharedWritesVisible: true, mayDeclineDirect: ENODEV },
      ...(probe.backend === "nommu" ? { shrinkWhileMapped: ETXTBSY } : {}),
    };
  },
}, RUNS);

inodeDriverConformance("romfs (XIP, in ROM)", {
  kernels: BOTH,
  create(kernel): DriverNode {
    const contents = pattern(P + 300, 7);
    made(createRomfs(kernel, { files: [{ name: "busybox", data: contents, exec: true }] }), "createRomfs");
    return { path: "/rom/busybox", data: "file", contents, writeOpenErrno: EROFS, mmap: { nommuCapabilities: ROMFS_MMAP_CAPABILITIES, sharedWritesVisible: true, mayDeclineDirect: EINVAL } };
  },
}, RUNS);

inodeDriverConformance("ramdisk", {
  kernels: BOTH,
  create(kernel, probe): DriverNode {
    const contents = pattern(2 * P, 9);
    const memory = deviceMemory(kernel, contents);
    node(kernel, probe, "/dev/ram0", S_IFBLK | 0o660, ramdiskDriver(memory, new DeviceMappings()), { size: memory.size, devMajor: RAMDISK_MAJOR });
    return { path: "/dev/ram0", data: "device", contents, mmap: { nommuCapabilities: RAMDISK_MMAP_CAPABILITIES, sharedWritesVisible: true } };
  },
}, {});

inodeDriverConformance("framebuffer", {
  kernels: BOTH,
  create(kernel, probe): DriverNode {
    const contents = pattern(2 * P, 11);
    const memory = deviceMemory(kernel, contents);
    node(kernel, probe, "/dev/fb0", S_IFCHR | 0o660, framebufferDriver(memory, new DeviceMappings()), { size: memory.size, devMajor: FB_MAJOR });
    return { path: "/dev/fb0", data: "device", contents, writePastEnd: EFBIG, mmap: { nommuCapabilities: FB_MMAP_CAPABILITIES, sharedWritesVisible: true } };
  },
}, {});

inodeDriverConformance("flash (MTD chardev, idle)", {
  kernels: BOTH,
  create(kernel, probe): DriverNode {
    const contents = pattern(2 * P, 13);
    const chip = new FlashChip(deviceMemory(kernel, contents));
    node(kernel, probe, "/dev/mtd0", S_IFCHR | 0o660, flashDriver(chip), { size: chip.memory.size, devMajor: MTD_CHAR_MAJOR });
    return { path: "/dev/mtd0", data: "device", contents, mmap: { nommuCapabilities: FLASH_MMAP_CAPABILITIES, sharedWritesVisible: true } };
  },
}, {});

inodeDriverConformance("dev-zero", {
  kernels: BOTH,
  create(kernel, probe): DriverNode {
    node(kernel, probe, "/dev/zero0", S_IFCHR | 0o666, devZeroDriver, { devMajor: 1, devMinor: 5 });
    // Linux: zero_mmap_capabilities() is NOMMU_MAP_COPY; a shared mapping is shmem, read(2) stays zeros
    return { path: "/dev/zero0", data: "zeros", anonymous: true, mmap: { nommuCapabilities: NOMMU_MAP_COPY, sharedWritesVisible: false } };
  },
  // Linux NOMMU: zero_mmap_capabilities() is NOMMU_MAP_COPY, so MAP_SHARED of /dev/zero is ENODEV
}, {});

inodeDriverConformance("dev-null", {
  kernels: BOTH,
  create(kernel, probe): DriverNode {
    node(kernel, probe, "/dev/null", S_IFCHR | 0o666, devNullDriver, { devMajor: 1, devMinor: 3 });
    return { path: "/dev/null", data: "empty" };
  },
}, {});

inodeDriverConformance("directory", {
  kernels: BOTH,
  create(kernel, probe): DriverNode {
    node(kernel, probe, "/etc", S_IFDIR | 0o755, directoryDriver);
    return { path: "/etc", data: { readErrno: EISDIR }, writeOpenErrno: EISDIR };
  },
}, {});
