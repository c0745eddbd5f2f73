/**
 * Memory a device owns: one physically contiguous run of page frames, taken from the page allocator
 * when the device is probed (video memory, a ramdisk's array, a flash chip or ROM mapped into the
 * physical address space). The pages keep the device's reference for its whole life, so a mapping
 * can hand them out directly: on NOMMU by address (get_unmapped_area), on MMU through the fault hook.
 * Linux: the smem_start/smem_len of a framebuffer, a map_info's phys/virt (drivers/mtd/maps).
 */
import { EINVAL, ENOMEM, MAX_PAGE_ORDER, NO_PAGE, PAGE_SIZE, getOrder } from "@mmsim/mm-types";
import type { PageAllocatorPort, PhysMemPort, VmaRef } from "@mmsim/mm-types";

/** A device's contiguous memory. */
export class DeviceMemory {
  private constructor(
    private readonly pages: PageAllocatorPort,
    private readonly physMem: PhysMemPort,
    /** Physical byte address of the first byte (on NOMMU also the user address of a direct mapping). */
    readonly base: number,
    /** Bytes the device decodes. */
    readonly size: number,
  ) {}

  /**
   * Takes `size` bytes (rounded up to pages) of contiguous, zeroed memory for a device. Returns
   * -EINVAL for an empty or non-integral size and -ENOMEM when the allocator has no such run (at
   * most 2^MAX_PAGE_ORDER pages: one buddy block, trimmed as alloc_pages_exact() trims).
   */
  static alloc(pages: PageAllocatorPort, physMem: PhysMemPort, size: number): DeviceMemory | number {
    if (!Number.isSafeInteger(size) || size <= 0) return -EINVAL;
    if (getOrder(size) > MAX_PAGE_ORDER) return -ENOMEM;
    const pfn = pages.allocPagesExact(size);
    if (pfn === NO_PAGE) return -ENOMEM;
    const base = pfn * PAGE_SIZE;
    physMem.zero(base, Math.ceil(size / PAGE_SIZE) * PAGE_SIZE);
    return new DeviceMemory(pages, physMem, base, size);
  }

  /** Page frames the device holds. */
  get nrPages(): number {
    return Math.ceil(this.size / PAGE_SIZE);
  }

  /** First page frame. */
  get basePfn(): number {
    return this.base / PAGE_SIZE;
  }

  /** Copies device bytes at `offset` into `dst`; returns the count (short at the end of the device). */
  read(offset: number, dst: Uint8Array): number {
    const n = Math.max(0, Math.min(dst.length, this.size - offset));
    if (n > 0) this.physMem.readBytes(this.base + offset, dst.subarray(0, n));
    return n;
  }

  /** Copies `src` into the device at `offset`; returns the count (short at the end of the device). */
  write(offset: number, src: Uint8Array): number {
    const n = Math.max(0, Math.min(src.length, this.size - offset));
    if (n > 0) this.physMem.writeBytes(this.base + offset, src.subarray(0, n));
    return n;
  }

  /** Sets every byte of the device to `value`. */
  fill(value: number): void {
    this.physMem.writeBytes(this.base, new Uint8Array(this.size).fill(value));
  }

  /**
   * The frame holding device page `pgoff`, with a reference taken for the mapping that faults it in,
   * or -1 past the device (SIGBUS). Linux: what remap_pfn_range()/vm_iomap_memory() install, as a
   * vm_ops->fault would hand it out.
   */
  faultPage(pgoff: number): number {
    if (!Number.isInteger(pgoff) || pgoff < 0 || pgoff >= this.nrPages) return -1;
    const pfn = this.basePfn + pgoff;
    this.pages.getPage(pfn);
    return pfn;
  }

  /** The device's pages go back to the allocator (the driver is unbound). */
  release(): void {
    this.pages.freePagesExact(this.basePfn, this.size);
  }
}

/**
 * Counts the VMAs that map a device's own memory: the driver's mmap hook said yes, a VMA was copied
 * from one (split, fork), or one went. The seed: "the vm_ops->close() routine will be invoked when
 * the last mapping on a chardev is removed".
 * Linux: what a driver keeps with vm_operations_struct.open/close (fb_info->fb_count-like counters).
 */
export class DeviceMappings {
  /** VMAs on the device's memory now. */
  count = 0;
  /** Times the last mapping of an open file went (MmapFileOps.release). */
  lastCloses = 0;

  /** The hooks to put in MmapFileOps; `mmap` counts only when `accept` says 0. */
  hooks(accept: (vma: VmaRef) => number): { mmap(vma: VmaRef): number; open(vma: VmaRef): void; close(vma: VmaRef): void; release(): void } {
    return {
      mmap: (vma) => {
        const r = accept(vma);
        if (r === 0) this.count++;
        return r;
      },
      open: () => void this.count++,
      close: () => void this.count--,
      release: () => void this.lastCloses++,
    };
  }
}
