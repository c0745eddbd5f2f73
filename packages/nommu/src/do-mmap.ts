/**
 * Making a NOMMU mapping: validate the request, derive the flags, share an existing region when the
 * rules allow it, else ask the driver where its memory is (direct) or make a private copy from the
 * page allocator. Linux: do_mmap(), do_mmap_shared_file(), do_mmap_private() in mm/nommu.c (6.12).
 */
import { determineVmFlags, validateMmapRequest } from "@mmsim/bdi-caps";
import type { MmapRequestContext } from "@mmsim/bdi-caps";
import {
  EINVAL,
  ENODEV,
  ENOMEM,
  ENOSYS,
  MMAP_AS_ANONYMOUS,
  MAP_UNINITIALIZED,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NO_PAGE,
  PAGE_SIZE,
  VM_MAPPED_COPY,
  VM_MAYOVERLAY,
  VM_MAYSHARE,
  VM_SHARED,
  isNommuSharedMapping,
  pageAlign,
} from "@mmsim/mm-types";
import type { MmapFile, MmapRequest, VmRegion, VmRegionInit } from "@mmsim/mm-types";
import type { NommuState } from "./nommu-state.js";
import { Vma } from "./vma.js";
import type { NommuMm } from "./vma.js";

/** The region flags that make a region shareable. Linux: is_nommu_shared_mapping(). */
const SHAREABLE = VM_MAYSHARE | VM_MAYOVERLAY;

/** Adds a finished VMA to its mm and its file's i_mmap. Linux: the `share:` tail of do_mmap() (setup_vma_to_mm(), vma_iter_store()). */
export function addVmaToMm(st: NommuState, mm: NommuMm, vma: Vma): void {
  mm.link(vma);
  st.fileVmaLinked(vma);
}

/**
 * Calls the file's mmap hook on a VMA; on success the VMA has the file's open/close hooks. A file
 * asking to be anonymous memory gets a copy instead: without an MMU there is no such thing.
 * Linux: mmap_file() → f_op->mmap (mmap_zero() is -ENOSYS without CONFIG_MMU).
 */
function mmapFile(file: MmapFile, vma: Vma): number {
  const ret = file.ops.mmap?.(vma) ?? -ENODEV;
  if (ret === MMAP_AS_ANONYMOUS) return -ENOSYS;
  if (ret === 0) vma.hasVmOps = true;
  return ret;
}

/** True when [start, end) would meet a stored region: a direct mapping there can't get a region of its own. */
function collidesWithRegion(st: NommuState, start: number, end: number): boolean {
  for (const r of st.regions) {
    if (r.vmStart >= end) return false;
    if (r.vmTop > start || r.vmStart === start) return true;
  }
  return false;
}

/**
 * Looks for a region of the same file this mapping can share, in address order: without
 * NOMMU_MAP_DIRECT the first overlapping region decides (an exact or containing match is shared, a
 * partial overlap is a sharing violation, -EINVAL); with it partial overlaps are skipped.
 * Returns the VMA's address, -errno, or null when there is nothing to share.
 * Linux: the nommu_region_tree walk of do_mmap().
 */
function shareRegion(st: NommuState, mm: NommuMm, vma: Vma, len: number, caps: number): number | null {
  const file = vma.vmFile!;
  const found = st.regions.lookupFileRange(file.identity, vma.vmPgoff, len, SHAREABLE);
  let region: VmRegion | null;
  if (caps & NOMMU_MAP_DIRECT) {
    region = found.firstSuperset;
  } else {
    if (found.first?.kind === "partial") return -EINVAL; // "Attempt to share mismatched mappings"
    region = found.first?.region ?? null;
  }
  if (region === null) return null;
  st.regions.getNommuRegion(region);
  vma.region = region;
  vma.vmStart = region.vmStart + (vma.vmPgoff - region.vmPgoff) * PAGE_SIZE;
  vma.vmEnd = vma.vmStart + len;
  if (region.vmFlags & VM_MAPPED_COPY) {
    vma.vmFlags |= VM_MAPPED_COPY;
  } else {
    const ret = doMmapSharedFile(vma);
    if (ret < 0) {
      vma.region = null;
      st.regions.putNommuRegion(region);
      return ret;
    }
  }
  addVmaToMm(st, mm, vma);
  return vma.vmStart;
}

/**
 * Sets up a mapping on memory the driver or filesystem provides and pins. -ENOSYS from the driver
 * becomes -ENODEV: a shared mapping can't fall back to a copy. Linux: do_mmap_shared_file().
 */
function doMmapSharedFile(vma: Vma): number {
  const ret = mmapFile(vma.vmFile!, vma);
  return ret === -ENOSYS ? -ENODEV : ret;
}

/** The region record of a direct mapping: the driver's memory, no slack. */
function directRegion(vma: Vma): VmRegionInit {
  return { vmFlags: vma.vmFlags, vmStart: vma.vmStart, vmEnd: vma.vmEnd, vmTop: vma.vmEnd, vmPgoff: vma.vmPgoff, vmFile: vma.vmFile?.identity ?? null };
}

/**
 * Reads the file's bytes at the VMA's offset into a fresh copy and clears what lies beyond EOF.
 * Returns 0 or the read's -errno. Linux: kernel_read() + memset() in do_mmap_private().
 */
function readIntoCopy(st: NommuState, file: MmapFile, vma: Vma, len: number): number {
  const buf = new Uint8Array(len);
  const n = file.read(vma.vmPgoff * PAGE_SIZE, buf);
  if (n < 0) return n;
  const got = Math.min(n, len);
  st.physMem.writeBytes(vma.vmStart, buf.subarray(0, got));
  if (got < len) st.physMem.zero(vma.vmStart + got, len - got);
  return 0;
}

/**
 * Sets up a private mapping: directly on the device when the driver agrees to a shareable one,
 * otherwise a copy in pages from the page allocator (power of two, trimmed per vm.nr_trim_pages),
 * VM_MAPPED_COPY, counted in MmapCopy, filled from the file. Returns the region to add, or -errno.
 * Linux: do_mmap_private().
 */
function doMmapPrivate(st: NommuState, vma: Vma, len: number, caps: number): VmRegionInit | number {
  const file = vma.vmFile;
  if (caps & NOMMU_MAP_DIRECT && file !== null) {
    let ret = mmapFile(file, vma);
    if (ret === 0 && !isNommuSharedMapping(vma.vmFlags)) ret = -ENOSYS; // WARN_ON_ONCE: it must be an overlay
    if (ret === 0) return directRegion(vma);
    if (ret !== -ENOSYS) return ret;
  }
  const total = st.copyPages(len);
  const base = st.allocCopy(total);
  if (base === NO_PAGE) return -ENOMEM;
  vma.vmFlags |= VM_MAPPED_COPY;
  vma.vmStart = base;
  vma.vmEnd = base + len;
  if (file !== null) {
    const ret = readIntoCopy(st, file, vma, len);
    if (ret < 0) {
      st.freePageSeries(base, base + total * PAGE_SIZE);
      return ret;
    }
  }
  return { vmFlags: vma.vmFlags, vmStart: base, vmEnd: base + len, vmTop: base + total * PAGE_SIZE, vmPgoff: vma.vmPgoff, vmFile: file?.identity ?? null };
}

/**
 * Asks the driver where a direct mapping lives. Returns the capabilities to go on with (DIRECT
 * dropped when the driver declines with -ENOSYS and a copy is allowed), or -errno. A place that
 * would overlap an existing region is declined the same way (Linux 6.12 BUG()s there).
 * Linux: the f_op->get_unmapped_area step of do_mmap().
 */
function placeDirect(st: NommuState, vma: Vma, len: number, flags: number, caps: number): number {
  const file = vma.vmFile!;
  let addr = file.ops.getUnmappedArea!(0, len, vma.vmPgoff, flags);
  if (addr >= 0 && collidesWithRegion(st, addr, addr + len)) addr = -ENOSYS;
  if (addr >= 0) {
    vma.vmStart = addr;
    vma.vmEnd = addr + len;
    return caps;
  }
  if (addr !== -ENOSYS) return addr;
  if (!(caps & NOMMU_MAP_COPY)) return -ENODEV;
  return caps & ~NOMMU_MAP_DIRECT;
}

/**
 * Makes a mapping in `mm` and returns its address, or -errno. The address hint is ignored and
 * MAP_FIXED refused; a shareable request (a shared mapping, or a read-only private file mapping)
 * reuses a compatible region of the same file, from any process; anonymous memory is cleared unless
 * MAP_UNINITIALIZED is passed and allowed. Linux: do_mmap() in mm/nommu.c.
 */
export function doMmap(st: NommuState, mm: NommuMm, req: MmapRequest, ctx: MmapRequestContext): number {
  const { file, prot, flags, pgoff } = req;
  let caps = validateMmapRequest(file, req.addr, req.len, prot, flags, pgoff, ctx);
  if (caps < 0) return caps;
  const len = pageAlign(req.len);
  const vma = new Vma(st.newVmaId(), mm.id, 0, 0, pgoff, determineVmFlags(file, prot, flags, caps, ctx), file);
  if (isNommuSharedMapping(vma.vmFlags)) {
    const shared = shareRegion(st, mm, vma, len, caps);
    if (shared !== null) return shared;
    if (caps & NOMMU_MAP_DIRECT) caps = placeDirect(st, vma, len, flags, caps);
    if (caps < 0) return caps;
  }
  const init = file !== null && vma.vmFlags & VM_SHARED ? doMmapSharedFile(vma) : doMmapPrivate(st, vma, len, caps);
  if (typeof init === "number" && init < 0) return init;
  const region = st.regions.addNommuRegion(typeof init === "number" ? directRegion(vma) : init);
  vma.region = region;
  if (file === null && !(st.config.mmapUninitialized && flags & MAP_UNINITIALIZED)) st.physMem.zero(region.vmStart, region.vmEnd - region.vmStart);
  mm.totalVm += len / PAGE_SIZE;
  addVmaToMm(st, mm, vma);
  return vma.vmStart;
}
