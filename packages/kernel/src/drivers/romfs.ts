/**
 * A romfs-like execute-in-place filesystem: a romfs image laid out in (simulated) ROM or NOR flash
 * that sits in the physical address space, allocated once when the filesystem is made. A file's
 * bytes are contiguous in the image, so on NOMMU a read-only or executable mapping can be made
 * directly on the ROM — the program runs in place, no copy — while a writable private mapping is
 * always a copy. On MMU the bytes are read into the page cache like any file's.
 *
 * Alignment: romfs itself puts a file's data right after its 16-byte header and its name padded to
 * 16 bytes, so data is only 16-byte aligned, and a direct mapping's address is wherever the data
 * lies: "a request for a private mapping of a file may return a buffer that is not page-aligned"
 * (the seed; romfs_get_unmapped_area() returns the address mtd_point() gives). XIP images page-align
 * file data instead (genromfs -a 4096), and that is the default here (`dataAlign`, PAGE_SIZE):
 * `dataAlign: 16` gives romfs's own layout, whose NOMMU direct mappings are not page aligned — which
 * the kernel's i_mmap (@mmsim/anon-vma-rmap's AddressSpace) does not accept today.
 * Linux: fs/romfs/super.c, fs/romfs/mmap-nommu.c, include/uapi/linux/romfs_fs.h.
 */
import {
  EEXIST,
  EINVAL,
  EROFS,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  O_ACCMODE,
  O_RDONLY,
  O_TRUNC,
  PAGE_SIZE,
  S_IFREG,
  VM_MAYWRITE,
  VM_SHARED,
  bug,
  pageAlign,
} from "@mmsim/mm-types";
import type { MmapFileOps } from "@mmsim/mm-types";
import type { Kernel } from "../kernel.js";
import type { Inode, InodeDriver } from "../vfs/inode.js";
import { DeviceMemory } from "./device-memory.js";

/** What an XIP romfs on a ROM lets a NOMMU mapping do. Linux: mtd_mmap_capabilities() of an MTD_ROM. */
export const ROMFS_MMAP_CAPABILITIES = NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_EXEC;

/** The block device a romfs is mounted from, as maps prints it. Linux: MTD_BLOCK_MAJOR (mtdblock). */
export const MTD_BLOCK_MAJOR = 31;

/** romfs's granule: headers and data start on 16-byte boundaries. Linux: ROMFH_SIZE / ROMFH_PAD. */
export const ROMFH_SIZE = 16;
/** File type bits in a header's `next` word. Linux: ROMFH_REG, ROMFH_EXEC. */
const ROMFH_REG = 2;
const ROMFH_EXEC = 8;
/** genromfs pads an image to a multiple of this. Linux: ROMBSIZE. */
const ROMBSIZE = 1024;

/** One file to put in the image. */
export interface RomfsFileSpec {
  /** Its name under the mount point (no slashes). */
  readonly name: string;
  readonly data: Uint8Array;
  /** Executable (mode 0555 and ROMFH_EXEC), else 0444. */
  readonly exec?: boolean;
}

/** How to make a romfs. */
export interface RomfsOptions {
  readonly files: readonly RomfsFileSpec[];
  /** Where the files appear (default "/rom"). */
  readonly mountPoint?: string;
  /** Alignment of file data in the image, a power of two ≥ 16 (default PAGE_SIZE, XIP's; 16 is romfs's own). */
  readonly dataAlign?: number;
  readonly volumeName?: string;
  /** Minor of the mtdblock device (default 0). */
  readonly devMinor?: number;
}

/** A file of the image. */
export interface RomfsEntry {
  readonly inode: Inode;
  /** Offset of its header in the image (romfs's inode number). */
  readonly headerOffset: number;
  /** Offset of its first data byte in the image. */
  readonly dataOffset: number;
  /** Physical address of its first data byte: where a NOMMU direct mapping of offset 0 lands. */
  readonly dataAddr: number;
}

/** A romfs in ROM. */
export interface RomfsImage {
  /** The ROM: the image plus a page of erased space after it. */
  readonly rom: DeviceMemory;
  /** Bytes of the image (padded to 1 KiB, as genromfs pads). */
  readonly imageSize: number;
  /** The files, by path. */
  readonly entries: ReadonlyMap<string, RomfsEntry>;
}

/** What a romfs inode keeps. Linux: struct romfs_inode_info (i_dataoffset). */
interface RomfsInodeInfo {
  readonly dataOffset: number;
}

function romfsInfo(inode: Inode): RomfsInodeInfo {
  return inode.private_ as RomfsInodeInfo;
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/**
 * Where a direct mapping of `len` bytes at page `pgoff` of the file lies in the ROM: within EOF, at
 * the data's own address (not page aligned unless the image aligns data). -EINVAL otherwise.
 * Linux: romfs_get_unmapped_area() → mtd_get_unmapped_area().
 */
export function romfsGetUnmappedArea(rom: DeviceMemory, inode: Inode, addr: number, len: number, pgoff: number): number {
  const lpages = Math.ceil(len / PAGE_SIZE);
  const maxpages = inode.sizePages;
  if (pgoff >= maxpages || maxpages - pgoff < lpages) return -EINVAL;
  if (addr !== 0) return -EINVAL;
  if (len > rom.size || pgoff >= Math.floor(rom.size / PAGE_SIZE)) return -EINVAL;
  const offset = pgoff * PAGE_SIZE + romfsInfo(inode).dataOffset;
  if (offset >= rom.size) return -EINVAL;
  return rom.base + offset;
}

/**
 * The driver of the files of one romfs image: read-only (EROFS for a writing open or a truncate),
 * reads straight from ROM, mappings direct on NOMMU and through the page cache on MMU. `mmap` is
 * generic_file_readonly_mmap()'s (EINVAL for a shared writable VMA); romfs_mmap()'s -ENOSYS for a
 * non-shareable private one is the NOMMU backend's own check.
 * Linux: romfs_ro_fops and romfs_mmap() (mmap-nommu.c), generic_file_readonly_mmap() (MMU).
 */
export function romfsDriver(rom: DeviceMemory): InodeDriver {
  return {
    name: "romfs",
    read(inode, offset, dst) {
      const n = Math.max(0, Math.min(dst.length, inode.size - offset));
      return n === 0 ? 0 : rom.read(romfsInfo(inode).dataOffset + offset, dst.subarray(0, n));
    },
    write: () => -EROFS,
    setSize: () => -EROFS,
    // sb_permission(): any access mode but O_RDONLY (3 included) asks for write on a read-only fs
    open: (_inode, file) => ((file.flags & O_ACCMODE) !== O_RDONLY || file.flags & O_TRUNC ? -EROFS : 0),
    mmapOps(file, pageCacheFault): MmapFileOps {
      return {
        mmapCapabilities: () => ROMFS_MMAP_CAPABILITIES,
        getUnmappedArea: (addr, len, pgoff) => romfsGetUnmappedArea(rom, file.inode, addr, len, pgoff),
        mmap: (vma) => (vma.vmFlags & VM_SHARED && vma.vmFlags & VM_MAYWRITE ? -EINVAL : 0),
        fault: pageCacheFault,
      };
    },
  };
}

/** Writes `value` big-endian at `off`. */
function putBe32(img: Uint8Array, off: number, value: number): void {
  new DataView(img.buffer, img.byteOffset).setUint32(off, value >>> 0, false);
}

/** Sets the checksum word at `at` so that the big-endian words of [from, to) sum to zero. Linux: romfs_checksum(). */
function sealChecksum(img: Uint8Array, from: number, to: number, at: number): void {
  const view = new DataView(img.buffer, img.byteOffset);
  putBe32(img, at, 0);
  let sum = 0;
  for (let off = from; off < to; off += 4) sum = (sum + view.getUint32(off, false)) >>> 0;
  putBe32(img, at, -sum);
}

/** A name, NUL-terminated and padded to 16 bytes. */
function paddedName(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  const out = new Uint8Array(alignUp(bytes.length + 1, ROMFH_SIZE));
  out.set(bytes);
  return out;
}

interface LaidOut {
  readonly spec: RomfsFileSpec;
  readonly header: number;
  readonly data: number;
}

/** Places the superblock and each file's header, name and data; returns the layout and the image size. */
function layOut(opts: RomfsOptions, align: number): { files: LaidOut[]; size: number; volName: Uint8Array } {
  const volName = paddedName(opts.volumeName ?? "mmsim");
  let pos = ROMFH_SIZE + volName.length;
  const files: LaidOut[] = [];
  for (const spec of opts.files) {
    const nameLen = paddedName(spec.name).length;
    const data = alignUp(pos + ROMFH_SIZE + nameLen, align);
    files.push({ spec, header: data - ROMFH_SIZE - nameLen, data });
    pos = alignUp(data + spec.data.length, ROMFH_SIZE);
  }
  return { files, size: alignUp(Math.max(pos, ROMBSIZE), ROMBSIZE), volName };
}

/** The bytes of a romfs image: "-rom1fs-" superblock, then the file headers chained by `next`. */
function buildImage(layout: ReturnType<typeof layOut>): Uint8Array {
  const img = new Uint8Array(layout.size);
  img.set(new TextEncoder().encode("-rom1fs-"));
  putBe32(img, 8, layout.size);
  img.set(layout.volName, ROMFH_SIZE);
  layout.files.forEach((f, i) => {
    const next = i + 1 < layout.files.length ? layout.files[i + 1]!.header : 0;
    putBe32(img, f.header, next | ROMFH_REG | (f.spec.exec === true ? ROMFH_EXEC : 0));
    putBe32(img, f.header + 8, f.spec.data.length);
    const name = paddedName(f.spec.name);
    img.set(name, f.header + ROMFH_SIZE);
    sealChecksum(img, f.header, f.header + ROMFH_SIZE + name.length, f.header + 12);
    img.set(f.spec.data, f.data);
  });
  sealChecksum(img, 0, Math.min(512, layout.size), 12);
  return img;
}

/** Checks names and alignment: -EINVAL for an empty or slashed name, a duplicate, or a bad alignment. */
function checkRomfsOptions(opts: RomfsOptions, align: number): number {
  if (align < ROMFH_SIZE || (align & (align - 1)) !== 0) return -EINVAL;
  const names = new Set<string>();
  for (const f of opts.files) {
    if (f.name === "" || f.name.includes("/") || names.has(f.name)) return -EINVAL;
    names.add(f.name);
  }
  return 0;
}

/**
 * Builds a romfs image of `opts.files`, puts it in ROM (contiguous device memory from the page
 * allocator, a page larger than the image) and makes its files appear under the mount point, each
 * on the mtdblock device with its header offset as inode number. Returns the image or -errno
 * (-EINVAL for bad options, -ENOMEM, -EEXIST when a path is taken).
 * Linux: genromfs, then mount -t romfs /dev/mtdblockN (romfs_fill_super(), romfs_iget()).
 */
export function createRomfs(kernel: Kernel, opts: RomfsOptions): RomfsImage | number {
  const align = opts.dataAlign ?? PAGE_SIZE;
  const bad = checkRomfsOptions(opts, align);
  if (bad < 0) return bad;
  const mount = opts.mountPoint ?? "/rom";
  if (opts.files.some((f) => kernel.vfs.lookup(`${mount}/${f.name}`) !== null)) return -EEXIST;
  const layout = layOut(opts, align);
  const rom = DeviceMemory.alloc(kernel.pages, kernel.physMem, pageAlign(layout.size) + PAGE_SIZE);
  if (typeof rom === "number") return rom;
  rom.write(0, buildImage(layout));
  const driver = romfsDriver(rom);
  const entries = new Map<string, RomfsEntry>();
  for (const f of layout.files) {
    const path = `${mount}/${f.spec.name}`;
    const mode = S_IFREG | (f.spec.exec === true ? 0o555 : 0o444);
    const spec = { mode, driver, size: f.spec.data.length, devMajor: MTD_BLOCK_MAJOR, devMinor: opts.devMinor ?? 0, ino: f.header };
    const inode = kernel.vfs.mknod(path, spec);
    if (typeof inode === "number") bug(`romfs: ${path} was free a moment ago`);
    const info: RomfsInodeInfo = { dataOffset: f.data };
    inode.private_ = info;
    entries.set(inode.path, { inode, headerOffset: f.header, dataOffset: f.data, dataAddr: rom.base + f.data });
  }
  return { rom, imageSize: layout.size, entries };
}
