/**
 * Simulated physical memory: real bytes, materialized per page on first write and zero until then,
 * so a 16 GiB machine costs the host only the pages it touched. Pages keep their bytes when freed,
 * as RAM does; zeroing on allocation is the caller's decision (GFP_ZERO, clear_page()).
 */
import { PAGE_SIZE, bug } from "@mmsim/mm-types";
import type { PhysMemPort } from "@mmsim/mm-types";

/** Host bytes per simulated page spent on the page → storage slot table. */
export const PHYS_BYTES_PER_PAGE = 4;
/** Pages per host chunk of storage (1 MiB chunks). */
const CHUNK_PAGES = 256;

/** Physical memory of a node: byte and u32 access by physical address. */
export class PhysMem implements PhysMemPort {
  readonly firstPfn: number;
  readonly nrPages: number;
  /** Per page: 0 = never written (reads as zero), else 1 + index of its storage slot. */
  private readonly slot: Int32Array;
  private readonly chunks: Uint8Array[] = [];
  private used = 0;
  private readonly scratch = new Uint8Array(4);

  constructor(firstPfn: number, nrPages: number) {
    this.firstPfn = firstPfn;
    this.nrPages = nrPages;
    this.slot = new Int32Array(nrPages);
  }

  /** Pages that have host storage. */
  materializedPages(): number {
    return this.used;
  }

  private index(paddr: number, len: number): number {
    const first = Math.floor(paddr / PAGE_SIZE) - this.firstPfn;
    const lastByte = paddr + len - 1;
    if (!Number.isInteger(paddr) || paddr < 0 || first < 0 || Math.floor(lastByte / PAGE_SIZE) - this.firstPfn >= this.nrPages)
      bug(`physical access [0x${paddr.toString(16)}, +${len}) is outside memory`);
    return first;
  }

  /** The storage slot of page index `i` (relative to firstPfn), created zero-filled when `create`; 0 if none. */
  private slotOf(i: number, create: boolean): number {
    let s = this.slot[i]!;
    if (s === 0 && create) {
      s = ++this.used;
      this.slot[i] = s;
      if ((s - 1) / CHUNK_PAGES === this.chunks.length) this.chunks.push(new Uint8Array(CHUNK_PAGES * PAGE_SIZE));
    }
    return s;
  }

  private chunkOf(s: number): Uint8Array {
    return this.chunks[((s - 1) / CHUNK_PAGES) | 0]!;
  }

  private offsetOf(s: number): number {
    return ((s - 1) % CHUNK_PAGES) * PAGE_SIZE;
  }

  /** A view of one page's bytes, materializing it. For drivers that map memory directly. */
  pageBytes(pfn: number): Uint8Array {
    const s = this.slotOf(this.index(pfn * PAGE_SIZE, PAGE_SIZE), true);
    const off = this.offsetOf(s);
    return this.chunkOf(s).subarray(off, off + PAGE_SIZE);
  }

  readBytes(paddr: number, dst: Uint8Array): void {
    if (dst.length === 0) return;
    let i = this.index(paddr, dst.length);
    let off = paddr % PAGE_SIZE;
    let done = 0;
    while (done < dst.length) {
      const n = Math.min(PAGE_SIZE - off, dst.length - done);
      const s = this.slotOf(i, false);
      if (s === 0) dst.fill(0, done, done + n);
      else {
        const base = this.offsetOf(s) + off;
        dst.set(this.chunkOf(s).subarray(base, base + n), done);
      }
      done += n;
      off = 0;
      i++;
    }
  }

  writeBytes(paddr: number, src: Uint8Array): void {
    if (src.length === 0) return;
    let i = this.index(paddr, src.length);
    let off = paddr % PAGE_SIZE;
    let done = 0;
    while (done < src.length) {
      const n = Math.min(PAGE_SIZE - off, src.length - done);
      const s = this.slotOf(i, true);
      this.chunkOf(s).set(src.subarray(done, done + n), this.offsetOf(s) + off);
      done += n;
      off = 0;
      i++;
    }
  }

  readU32(paddr: number): number {
    this.readBytes(paddr, this.scratch);
    const b = this.scratch;
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  writeU32(paddr: number, value: number): void {
    const b = this.scratch;
    b[0] = value & 0xff;
    b[1] = (value >>> 8) & 0xff;
    b[2] = (value >>> 16) & 0xff;
    b[3] = (value >>> 24) & 0xff;
    this.writeBytes(paddr, b);
  }

  zero(paddr: number, len: number): void {
    if (len === 0) return;
    let i = this.index(paddr, len);
    let off = paddr % PAGE_SIZE;
    let done = 0;
    while (done < len) {
      const n = Math.min(PAGE_SIZE - off, len - done);
      const s = this.slotOf(i, false);
      if (s !== 0) {
        const base = this.offsetOf(s) + off;
        this.chunkOf(s).fill(0, base, base + n);
      }
      done += n;
      off = 0;
      i++;
    }
  }
}
