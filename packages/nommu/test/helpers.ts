/** Short forms for the NOMMU tests. */
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PAGE_SIZE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import type { MmapFile, MmapRequest, RegionView, VmaView } from "@mmsim/mm-types";
import type { NommuBackend } from "../src/index.js";

/** An anonymous private request of `len` bytes. */
export function anonReq(len: number, prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS): MmapRequest {
  return { addr: 0, len, prot, flags, pgoff: 0, file: null };
}

/** A private file request. */
export function privReq(file: MmapFile, pgoff: number, len: number, prot = PROT_READ): MmapRequest {
  return { addr: 0, len, prot, flags: MAP_PRIVATE, pgoff, file };
}

/** A shared file request. */
export function sharedReq(file: MmapFile, pgoff: number, len: number, prot = PROT_READ | PROT_WRITE): MmapRequest {
  return { addr: 0, len, prot, flags: MAP_SHARED, pgoff, file };
}

/** The VMAs of an mm as plain records. */
export function vmas(nommu: NommuBackend, mm: number): VmaView[] {
  return [...nommu.view(mm).vmas()];
}

/** The global regions as plain records. */
export function regions(nommu: NommuBackend): RegionView[] {
  return [...nommu.regions().regions()].map((r) => ({ ...r, file: r.file }));
}

/** The region whose [vmStart, vmTop) holds `addr`. */
export function regionAt(nommu: NommuBackend, addr: number): RegionView | undefined {
  return [...nommu.regions().regions()].find((r) => addr >= r.vmStart && addr < r.vmTop);
}

/** Reads `len` bytes of user memory (throws on a fault). */
export function peek(nommu: NommuBackend, mm: number, addr: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  const f = nommu.readUser(mm, addr, b);
  if (f !== 0) throw new Error(`fault at ${f.addr.toString(16)}`);
  return b;
}

/** Fills user memory with `byte` (throws on a fault). */
export function poke(nommu: NommuBackend, mm: number, addr: number, len: number, byte: number): void {
  const f = nommu.writeUser(mm, addr, new Uint8Array(len).fill(byte));
  if (f !== 0) throw new Error(`fault at ${f.addr.toString(16)}`);
}

/** Page count of `bytes`. */
export function pages(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE);
}
