/** The README's example, with assertions where it prints. */
import { expect, it } from "vitest";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, S_IFREG } from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import { NommuBackend } from "../src/index.js";

it("runs the README example", () => {
  // 64 MiB of RAM at 0x80000000 (RISC-V virt): user addresses are physical addresses
  const ram = new BuddyAllocator({ pages: 16384, firstPfn: 0x80000 });
  const nommu = new NommuBackend({ pages: ram, physMem: ram.physMem }); // vm.nr_trim_pages = 1

  // a regular file on a disk: no mmap_capabilities, so NOMMU_MAP_COPY only
  const bytes = new TextEncoder().encode("hello from libc\n".repeat(1000)); // 16000 bytes
  const libc: MmapFile = {
    identity: { path: "/lib/libc.so.0", devMajor: 0xfe, devMinor: 0, ino: 12 },
    inodeType: S_IFREG,
    readable: true,
    writable: false,
    appendOnly: false,
    noexec: false,
    size: () => bytes.length,
    read: (off, dst) => {
      const n = Math.max(0, Math.min(dst.length, bytes.length - off));
      dst.set(bytes.subarray(off, off + n));
      return n;
    },
    ops: { mmap: () => 0 },
  };

  const p1 = nommu.mmNew();
  const p2 = nommu.mmNew();
  const text1 = nommu.mmap(p1, { addr: 0, len: 16384, prot: PROT_READ, flags: MAP_PRIVATE, pgoff: 0, file: libc });
  const text2 = nommu.mmap(p2, { addr: 0, len: 8192, prot: PROT_READ, flags: MAP_PRIVATE, pgoff: 1, file: libc });
  expect(text2).toBe(text1 + 4096); // the second process shares the first one's copy
  const heap = nommu.mmap(p1, { addr: 0, len: 3 * 4096, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS, pgoff: 0, file: null });
  expect(nommu.munmap(p1, heap + 4096, 4096)).toBe(0); // a hole: VMA and region split
  expect(nommu.mmapCopyKb()).toBe(16 + 8); // MmapCopy: one 4-page copy of libc, two heap pages

  const h = (x: number) => x.toString(16);
  expect(nommu.showGlobalMaps()).toBe(
    `${h(text1)}-${h(text1 + 16384)} r--p 00000000 fe:00 12`.padEnd(72) + " /lib/libc.so.0\n" +
      `${h(heap)}-${h(heap + 4096)} rw-p 00000000 00:00 0 \n` +
      `${h(heap + 8192)}-${h(heap + 12288)} rw-p 00001000 00:00 0 \n`,
  );
  // no memory protection: p2 reads p1's heap by its address
  const b = new Uint8Array(4);
  expect(nommu.writeUser(p1, heap, new Uint8Array([1, 2, 3, 4]))).toBe(0);
  expect(nommu.readUser(p2, heap, b)).toBe(0);
  expect([...b]).toEqual([1, 2, 3, 4]);
  expect(nommu.mprotect(p1, heap, 4096, PROT_READ)).toBe(-38); // ENOSYS
  nommu.assertValid();
  nommu.mmRelease(p1);
  nommu.mmRelease(p2);
  expect(ram.freePagesCount()).toBe(16384);
});
