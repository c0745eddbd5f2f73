/**
 * A framebuffer chardev: video memory (contiguous, allocated when the device is probed) that
 * userspace maps shared to draw. On NOMMU the driver says where the memory is through
 * get_unmapped_area and the mapping goes directly onto it; it can't be copied, so a private mapping
 * is refused (ENODEV). On MMU both kinds map the video memory through the fault hook.
 * Linux: drivers/video/fbdev/core/fb_chrdev.c (fb_read, fb_write, fb_mmap, get_fb_unmapped_area).
 */
import { EFBIG, EINVAL, ENOSPC, NOMMU_MAP_DIRECT, NOMMU_MAP_READ, NOMMU_MAP_WRITE, PAGE_SIZE, S_IFCHR, pageAlign } from "@mmsim/mm-types";
import type { MmapFileOps, VmaRef } from "@mmsim/mm-types";
import type { Kernel } from "../kernel.js";
import type { Inode, InodeDriver } from "../vfs/inode.js";
import { DeviceMappings, DeviceMemory } from "./device-memory.js";

/** What a framebuffer lets a NOMMU mapping do: direct only. The S_IFCHR default, stated. */
export const FB_MMAP_CAPABILITIES = NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE;

/** Linux: FB_MAJOR (/dev/fb0 is 29:0). */
export const FB_MAJOR = 29;

/** A framebuffer and its device node. */
export interface Framebuffer {
  /** The video memory (smem_start, smem_len). */
  readonly memory: DeviceMemory;
  readonly inode: Inode;
  readonly mappings: DeviceMappings;
}

/**
 * Where a direct mapping of `len` bytes at page `pgoff` lies: in video memory, or -EINVAL when it
 * runs past it. Linux: get_fb_unmapped_area() — which compares the page offset with a byte size and
 * adds it unshifted; here the offset is in pages throughout.
 */
export function fbGetUnmappedArea(memory: DeviceMemory, len: number, pgoff: number): number {
  const fbSize = pageAlign(memory.size);
  if (pgoff * PAGE_SIZE > fbSize || len > fbSize - pgoff * PAGE_SIZE) return -EINVAL;
  return memory.base + pgoff * PAGE_SIZE;
}

/** A VMA must lie within video memory. Linux: fb_mmap() → vm_iomap_memory()'s length check. */
function fbMmapFits(memory: DeviceMemory, vma: VmaRef): number {
  return vma.vmPgoff * PAGE_SIZE + (vma.vmEnd - vma.vmStart) > pageAlign(memory.size) ? -EINVAL : 0;
}

/** write(2) on a framebuffer: EFBIG starting past the end, ENOSPC at it, else a count cut at the end. Linux: fb_write(). */
function fbWrite(memory: DeviceMemory, offset: number, src: Uint8Array): number {
  if (offset > memory.size) return -EFBIG;
  const n = memory.write(offset, src);
  return n === 0 && src.length > 0 ? -ENOSPC : n;
}

/** The driver of a framebuffer. */
export function framebufferDriver(memory: DeviceMemory, mappings: DeviceMappings): InodeDriver {
  return {
    name: "fb",
    read: (_inode, offset, dst) => memory.read(offset, dst),
    write: (_inode, offset, src) => fbWrite(memory, offset, src),
    mmapOps(): MmapFileOps {
      return {
        mmapCapabilities: () => FB_MMAP_CAPABILITIES,
        getUnmappedArea: (_addr, len, pgoff) => fbGetUnmappedArea(memory, len, pgoff),
        ...mappings.hooks((vma) => fbMmapFits(memory, vma)),
        fault: (pgoff) => memory.faultPage(pgoff),
      };
    },
  };
}

/**
 * Creates a framebuffer with `smemLen` bytes of video memory at `path` (default /dev/fb0, 29:minor).
 * Its inode's size is the memory's (Linux leaves a chardev's i_size at 0). Returns it or -errno.
 * Linux: register_framebuffer().
 */
export function createFramebuffer(kernel: Kernel, opts: { smemLen: number; path?: string; minor?: number }): Framebuffer | number {
  const memory = DeviceMemory.alloc(kernel.pages, kernel.physMem, opts.smemLen);
  if (typeof memory === "number") return memory;
  const mappings = new DeviceMappings();
  const spec = { mode: S_IFCHR | 0o660, driver: framebufferDriver(memory, mappings), size: memory.size, devMajor: FB_MAJOR, devMinor: opts.minor ?? 0 };
  const inode = kernel.vfs.mknod(opts.path ?? "/dev/fb0", spec);
  if (typeof inode === "number") {
    memory.release();
    return inode;
  }
  return { memory, inode, mappings };
}
