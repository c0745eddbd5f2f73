import { describe, expect, it } from "vitest";
import {
  EINVAL,
  ENODEV,
  ENOMEM,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_UNINITIALIZED,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  S_IFBLK,
  VM_MAPPED_COPY,
  VM_MAYOVERLAY,
  VM_MAYSHARE,
  VM_SHARED,
} from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import { BlockFile, FlashChip, Framebuffer, P, RAM_BASE, RamfsInode, RomfsFile, devZero, makeWorld, pattern } from "./fakes.js";
import { anonReq, peek, poke, privReq, regionAt, regions, sharedReq, vmas } from "./helpers.js";

describe("anonymous mappings", () => {
  it("are private copies from the page allocator, page aligned, in RAM, counted in MmapCopy", () => {
    const { alloc, nommu } = makeWorld();
    const mm = nommu.mmNew();
    const free0 = alloc.freePagesCount();
    const a = nommu.mmap(mm, anonReq(3 * P));
    nommu.assertValid();
    expect(a % P).toBe(0);
    expect(a).toBeGreaterThanOrEqual(RAM_BASE);
    expect(nommu.mmapPagesAllocated).toBe(3);
    expect(alloc.freePagesCount()).toBe(free0 - 3);
    const [v] = vmas(nommu, mm);
    expect(v).toMatchObject({ vmStart: a, vmEnd: a + 3 * P });
    expect(v!.vmFlags & VM_MAPPED_COPY).toBe(VM_MAPPED_COPY);
    expect(regionAt(nommu, a)).toMatchObject({ vmStart: a, vmEnd: a + 3 * P, vmTop: a + 3 * P, vmUsage: 1 });
  });

  it("ignores the address hint and refuses MAP_FIXED (NOMMU-13, NOMMU-14)", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    const hint = RAM_BASE + 0x800000;
    const a = nommu.mmap(mm, { ...anonReq(P), addr: hint });
    expect(a).toBeGreaterThan(0);
    expect(a).not.toBe(hint);
    expect(nommu.mmap(mm, { ...anonReq(P), addr: a + 8 * P, flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED })).toBe(-EINVAL);
    nommu.assertValid();
  });

  it("treats MAP_SHARED like MAP_PRIVATE: there is no fork to share with (NOMMU-19)", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS));
    const [v] = vmas(nommu, mm);
    expect(v!.vmFlags & (VM_SHARED | VM_MAYSHARE | VM_MAYOVERLAY)).toBe(0);
    const b = nommu.mmap(nommu.mmNew(), anonReq(2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS));
    expect(b).not.toBe(a); // never shared between processes either
    nommu.assertValid();
  });

  it("clears the memory unless MAP_UNINITIALIZED is passed and the kernel allows it (NOMMU-21)", () => {
    for (const [allow, flag, cleared] of [
      [false, 0, true],
      [false, MAP_UNINITIALIZED, true],
      [true, 0, true],
      [true, MAP_UNINITIALIZED, false],
    ] as const) {
      const { nommu } = makeWorld({ mmapUninitialized: allow });
      const mm = nommu.mmNew();
      const a = nommu.mmap(mm, anonReq(2 * P));
      poke(nommu, mm, a, 2 * P, 0xab);
      expect(nommu.munmap(mm, a, 2 * P)).toBe(0);
      const b = nommu.mmap(mm, anonReq(2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flag));
      expect(b).toBe(a); // the buddy allocator hands the same pages back
      expect(peek(nommu, mm, b, 2 * P).every((x) => x === (cleared ? 0 : 0xab)), `allow ${allow} flag ${flag}`).toBe(true);
    }
  });

  it("fails with ENOMEM when the allocator can't give a contiguous run, leaking nothing", () => {
    const { alloc, nommu } = makeWorld({ pages: 64 });
    const mm = nommu.mmNew();
    const free0 = alloc.freePagesCount();
    expect(nommu.mmap(mm, anonReq(128 * P))).toBe(-ENOMEM);
    expect(alloc.freePagesCount()).toBe(free0);
    expect(nommu.mmapPagesAllocated).toBe(0);
    expect(vmas(nommu, mm)).toEqual([]);
    nommu.assertValid();
  });
});

describe("power-of-two allocation and vm.nr_trim_pages", () => {
  // pages requested → pages kept, per nr_trim_pages: excess = 2^order - pages; trimmed when excess >= nr (nr > 0)
  it.each([
    [1, 0, 1],
    [3, 0, 4],
    [3, 1, 3],
    [3, 2, 4],
    [4, 1, 4],
    [5, 0, 8],
    [5, 1, 5],
    [5, 3, 5],
    [5, 4, 8],
    [6, 2, 6],
    [7, 2, 8],
    [9, 1, 9],
    [9, 7, 9],
    [9, 8, 16],
  ])("%i pages with nr_trim_pages %i keep %i", (n, trim, kept) => {
    const { alloc, nommu } = makeWorld({ nrTrimPages: trim });
    const mm = nommu.mmNew();
    const free0 = alloc.freePagesCount();
    const a = nommu.mmap(mm, anonReq(n * P));
    expect(nommu.mmapPagesAllocated).toBe(kept);
    expect(nommu.mmapCopyKb()).toBe(kept * 4);
    expect(free0 - alloc.freePagesCount()).toBe(kept);
    expect(regionAt(nommu, a)).toMatchObject({ vmEnd: a + n * P, vmTop: a + kept * P });
    nommu.assertValid();
    nommu.mmRelease(mm);
    expect(alloc.freePagesCount()).toBe(free0);
  });

  it("is a sysctl that refuses negative values", () => {
    const { nommu } = makeWorld();
    expect(nommu.nrTrimPages).toBe(1);
    expect(nommu.setNrTrimPages(-1)).toBe(-EINVAL);
    expect(nommu.setNrTrimPages(0)).toBe(0);
    const mm = nommu.mmNew();
    nommu.mmap(mm, anonReq(3 * P));
    expect(nommu.mmapPagesAllocated).toBe(4);
  });
});

describe("private copies of files", () => {
  it("read the file at pgoff and clear what lies beyond EOF (NOMMU-20)", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/mnt/data", pattern(2 * P + 100));
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, privReq(f.open(), 1, 3 * P));
    nommu.assertValid();
    const got = peek(nommu, mm, a, 3 * P);
    expect(got.subarray(0, P + 100)).toEqual(f.bytes.subarray(P, 2 * P + 100));
    expect(got.subarray(P + 100).every((x) => x === 0)).toBe(true);
    expect(vmas(nommu, mm)[0]!.vmFlags & (VM_MAPPED_COPY | VM_MAYOVERLAY)).toBe(VM_MAPPED_COPY | VM_MAYOVERLAY);
  });

  it("don't reflect later writes to the file: they are copies (NOMMU-20)", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/mnt/data", pattern(P));
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, privReq(f.open(), 0, P, PROT_READ | PROT_WRITE));
    const before = peek(nommu, mm, a, 16);
    f.bytes = new Uint8Array(P).fill(0xee);
    expect(peek(nommu, mm, a, 16)).toEqual(before);
  });

  it("return the read's error and free the pages", () => {
    const { alloc, nommu } = makeWorld();
    const f = new BlockFile("/mnt/bad", pattern(P));
    const file: MmapFile = { ...f.open(), read: () => -5 };
    const mm = nommu.mmNew();
    const free0 = alloc.freePagesCount();
    expect(nommu.mmap(mm, privReq(file, 0, 3 * P))).toBe(-5);
    expect(alloc.freePagesCount()).toBe(free0);
    expect(nommu.mmapPagesAllocated).toBe(0);
    nommu.assertValid();
  });
});

describe("the seed's sharing rules", () => {
  it("a read-only private mapping of the same segment by two processes: same address, one region with usage 2", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/lib/libc.so", pattern(8 * P));
    const [m1, m2] = [nommu.mmNew(), nommu.mmNew()];
    const a = nommu.mmap(m1, privReq(f.open(), 0, 4 * P, PROT_READ | PROT_EXEC));
    const b = nommu.mmap(m2, privReq(f.open(), 0, 4 * P, PROT_READ | PROT_EXEC));
    expect(b).toBe(a);
    expect(regions(nommu)).toHaveLength(1);
    expect(regionAt(nommu, a)!.vmUsage).toBe(2);
    expect(nommu.mmapPagesAllocated).toBe(4); // one copy
    nommu.assertValid();
    nommu.mmRelease(m1);
    expect(regionAt(nommu, a)!.vmUsage).toBe(1);
    expect(peek(nommu, m2, a, P)).toEqual(f.bytes.subarray(0, P));
    nommu.mmRelease(m2);
    expect(regions(nommu)).toEqual([]);
    expect(nommu.mmapPagesAllocated).toBe(0);
  });

  it("a containing match shares at the offset inside the region", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/lib/libc.so", pattern(8 * P));
    const a = nommu.mmap(nommu.mmNew(), privReq(f.open(), 2, 4 * P));
    const b = nommu.mmap(nommu.mmNew(), privReq(f.open(), 3, 2 * P, PROT_READ | PROT_EXEC));
    expect(b).toBe(a + P);
    expect(regionAt(nommu, a)!.vmUsage).toBe(2);
    nommu.assertValid();
  });

  it("a partial overlap with a shareable region of a file that can't map directly is a sharing violation", () => {
    const { alloc, nommu } = makeWorld();
    const f = new BlockFile("/lib/libc.so", pattern(8 * P));
    nommu.mmap(nommu.mmNew(), privReq(f.open(), 2, 4 * P));
    const free0 = alloc.freePagesCount();
    const mm = nommu.mmNew();
    expect(nommu.mmap(mm, privReq(f.open(), 4, 4 * P))).toBe(-EINVAL); // "Attempt to share mismatched mappings"
    expect(nommu.mmap(mm, privReq(f.open(), 0, 3 * P))).toBe(-EINVAL);
    expect(alloc.freePagesCount()).toBe(free0);
    expect(nommu.mmap(mm, privReq(f.open(), 0, 2 * P))).toBeGreaterThan(0); // next to it: no overlap
    nommu.assertValid();
  });

  it("a writable private mapping is never shared, and never shares", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/lib/libc.so", pattern(8 * P));
    const ro = nommu.mmap(nommu.mmNew(), privReq(f.open(), 0, 4 * P));
    const rw1 = nommu.mmap(nommu.mmNew(), privReq(f.open(), 0, 4 * P, PROT_READ | PROT_WRITE));
    const rw2 = nommu.mmap(nommu.mmNew(), privReq(f.open(), 0, 4 * P, PROT_READ | PROT_WRITE));
    expect(new Set([ro, rw1, rw2]).size).toBe(3);
    // the writable copies aren't shareable: a read-only request still finds only the first region
    expect(nommu.mmap(nommu.mmNew(), privReq(f.open(), 1, P))).toBe(ro + P);
    // nor do they make a partial overlap a violation: they take no part in the search
    expect(nommu.mmap(nommu.mmNew(), privReq(f.open(), 2, 4 * P, PROT_READ | PROT_WRITE))).toBeGreaterThan(0);
    nommu.assertValid();
  });

  it("a ptraced task neither overlays nor is overlaid", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/bin/app", pattern(4 * P));
    const a = nommu.mmap(nommu.mmNew(), privReq(f.open(), 0, 4 * P));
    const traced = nommu.mmNew();
    nommu.setPtraced(traced, true);
    const b = nommu.mmap(traced, privReq(f.open(), 0, 4 * P));
    expect(b).not.toBe(a);
    expect(nommu.mmap(nommu.mmNew(), privReq(f.open(), 0, 4 * P))).toBe(a);
    nommu.assertValid();
  });

  it("different files never share, even at the same offsets", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/a", pattern(P));
    const g = new BlockFile("/b", pattern(P));
    expect(nommu.mmap(nommu.mmNew(), privReq(f.open(), 0, P))).not.toBe(nommu.mmap(nommu.mmNew(), privReq(g.open(), 0, P)));
  });

  it("one process may hold the same region twice (the seed's tree keys VMAs by start and address)", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/lib/libc.so", pattern(4 * P));
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, privReq(f.open(), 0, 4 * P));
    const b = nommu.mmap(mm, privReq(f.open(), 0, 4 * P));
    const c = nommu.mmap(mm, privReq(f.open(), 1, P));
    expect([b, c]).toEqual([a, a + P]);
    expect(vmas(nommu, mm)).toHaveLength(3);
    expect(regionAt(nommu, a)!.vmUsage).toBe(3);
    nommu.assertValid();
    expect(nommu.munmap(mm, a, 4 * P)).toBe(0); // one of the two
    expect(vmas(nommu, mm)).toHaveLength(2);
    expect(regionAt(nommu, a)!.vmUsage).toBe(2);
    nommu.assertValid();
    expect(nommu.munmap(mm, a, 4 * P)).toBe(0);
    expect(nommu.munmap(mm, a + P, P)).toBe(0);
    expect(regions(nommu)).toEqual([]);
    nommu.assertValid();
  });

  it("adds nothing to total_vm when a mapping shares (do_mmap's share path)", () => {
    const { nommu } = makeWorld();
    const f = new BlockFile("/lib/libc.so", pattern(4 * P));
    const [m1, m2] = [nommu.mmNew(), nommu.mmNew()];
    nommu.mmap(m1, privReq(f.open(), 0, 4 * P));
    nommu.mmap(m2, privReq(f.open(), 0, 4 * P));
    expect(nommu.view(m1).counters().totalVm).toBe(4);
    expect(nommu.view(m2).counters().totalVm).toBe(0);
  });
});

describe("direct mappings", () => {
  it("a framebuffer maps its own memory, shared, at the address the driver gives (no copy)", () => {
    const w = makeWorld();
    const { nommu } = w;
    const fb = new Framebuffer(w, 8 * P);
    const [m1, m2] = [nommu.mmNew(), nommu.mmNew()];
    const a = nommu.mmap(m1, sharedReq(fb.open(), 0, 8 * P));
    expect(a).toBe(fb.base);
    expect(nommu.mmapPagesAllocated).toBe(0);
    const v = vmas(nommu, m1)[0]!;
    expect(v.vmFlags & (VM_SHARED | VM_MAYSHARE | VM_MAPPED_COPY)).toBe(VM_SHARED | VM_MAYSHARE);
    expect(nommu.showMaps(m1)).toMatch(/^[0-9a-f]+-[0-9a-f]+ rw-S 00000000 1d:00 \d+ +\/dev\/fb0\n$/);
    expect(nommu.mmap(m2, sharedReq(fb.open(), 2, 2 * P))).toBe(fb.base + 2 * P); // containing: shared, the driver told again
    expect(fb.log.calls).toEqual([`mmap ${a.toString(16)}`, `mmap ${(a + 2 * P).toString(16)}`]);
    poke(nommu, m1, a + 2 * P, 4, 0x5a);
    expect(peek(nommu, m2, a + 2 * P, 4)).toEqual(new Uint8Array(4).fill(0x5a));
    nommu.assertValid();
    nommu.mmRelease(m1);
    nommu.mmRelease(m2);
    expect(fb.log.calls.slice(2)).toEqual([`close ${a.toString(16)}`, `close ${(a + 2 * P).toString(16)}`, "release"]);
    nommu.assertValid();
  });

  it("passes the driver's refusal through, and a private framebuffer mapping is impossible (no COPY)", () => {
    const w = makeWorld();
    const fb = new Framebuffer(w, 2 * P);
    const mm = w.nommu.mmNew();
    expect(w.nommu.mmap(mm, sharedReq(fb.open(), 1, 2 * P))).toBe(-EINVAL);
    expect(w.nommu.mmap(mm, privReq(fb.open(), 0, P))).toBe(-ENODEV);
    expect(w.nommu.mmap(mm, sharedReq(fb.open(), 0, P, PROT_READ | PROT_EXEC))).toBe(-EINVAL); // NOMMU-17
  });

  it("a second direct region that would overlap the first is declined like the driver's -ENOSYS", () => {
    // pgoff 0 len 1 then pgoff 0 len 2: a partial overlap that a direct file may skip; the driver
    // returns the same base again, which Linux 6.12 can't insert (BUG in add_nommu_region())
    const w = makeWorld();
    const fb = new Framebuffer(w, 4 * P);
    const mm = w.nommu.mmNew();
    expect(w.nommu.mmap(mm, sharedReq(fb.open(), 0, P))).toBe(fb.base);
    expect(w.nommu.mmap(w.nommu.mmNew(), sharedReq(fb.open(), 0, 2 * P))).toBe(-ENODEV);
    expect(w.nommu.mmap(w.nommu.mmNew(), sharedReq(fb.open(), 1, 2 * P))).toBe(fb.base + P); // beside it: fine
    w.nommu.assertValid();
  });

  it("a ramfs file truncated from empty is mapped shared straight from its page cache", () => {
    const w = makeWorld();
    const { nommu } = w;
    const f = new RamfsInode("/dev/shm/seg", w);
    const mm = nommu.mmNew();
    expect(nommu.mmap(mm, sharedReq(f.open({ writable: true }), 0, P))).toBe(-ENODEV); // empty: nothing to map
    expect(f.truncate(4 * P)).toBe(0);
    const a = nommu.mmap(mm, sharedReq(f.open({ writable: true }), 0, 4 * P));
    expect(a).toBe(f.pages[0]! * P);
    expect(nommu.mmapPagesAllocated).toBe(0);
    expect(nommu.mmap(mm, sharedReq(f.open({ writable: true }), 3, 2 * P))).toBe(-ENODEV); // past EOF
    const q = nommu.mmap(mm, privReq(f.open(), 3, 2 * P)); // private past EOF: a copy
    expect(nommu.mmapPagesAllocated).toBe(2);
    expect(regionAt(nommu, q)!.vmFlags & VM_MAPPED_COPY).toBe(VM_MAPPED_COPY);
    nommu.assertValid();
  });

  it("a ramfs file whose pages are scattered can't be mapped shared, only copied", () => {
    const w = makeWorld();
    const f = new RamfsInode("/tmp/scattered", w);
    f.truncate(2 * P);
    const extra = w.alloc.allocPages(0); // allocated while page 1 is held: it can't be adjacent to page 0
    w.alloc.putPage(f.pages[1]!);
    f.pages = [f.pages[0]!, extra]; // as if page 1 had been written separately
    const mm = w.nommu.mmNew();
    expect(w.nommu.mmap(mm, sharedReq(f.open({ writable: true }), 0, 2 * P))).toBe(-ENODEV);
    expect(w.nommu.mmap(mm, privReq(f.open(), 0, 2 * P))).toBeGreaterThan(0);
    w.nommu.assertValid();
  });

  it("a romfs file executes in place: read-only private lands on the ROM, not page aligned; writable copies", () => {
    const w = makeWorld();
    const rom = new RomfsFile(w, pattern(3 * P));
    const mm = w.nommu.mmNew();
    const text = w.nommu.mmap(mm, privReq(rom.open(), 0, 3 * P, PROT_READ | PROT_EXEC));
    expect(text).toBe(rom.dataAddr);
    expect(text % P).toBe(0x40);
    expect(peek(w.nommu, mm, text, 64)).toEqual(rom.bytes.subarray(0, 64));
    expect(w.nommu.mmapPagesAllocated).toBe(0);
    const data = w.nommu.mmap(mm, privReq(rom.open(), 1, P, PROT_READ | PROT_WRITE));
    expect(data % P).toBe(0);
    expect(w.nommu.mmapPagesAllocated).toBe(1);
    expect(w.nommu.mmap(w.nommu.mmNew(), privReq(rom.open(), 1, P, PROT_READ | PROT_EXEC))).toBe(text + P); // shares the XIP region
    w.nommu.assertValid();
  });

  it("a flash chip being programmed won't be mapped directly: the kernel copies (the seed's warning)", () => {
    const w = makeWorld();
    const flash = new FlashChip(w, pattern(2 * P));
    const mm = w.nommu.mmNew();
    flash.programming = true;
    const copy = w.nommu.mmap(mm, privReq(flash.open(), 0, 2 * P, PROT_READ | PROT_EXEC));
    expect(copy).not.toBe(flash.base);
    expect(w.nommu.mmapPagesAllocated).toBe(2);
    flash.programming = false;
    // the copy is shareable, so a later exact request shares it rather than asking the driver
    expect(w.nommu.mmap(w.nommu.mmNew(), privReq(flash.open(), 0, 2 * P, PROT_READ))).toBe(copy);
    w.nommu.mmRelease(mm);
    expect(w.nommu.mmap(w.nommu.mmNew(), privReq(flash.open(), 1, P, PROT_READ))).toBe(copy + P);
    expect(w.nommu.mmap(w.nommu.mmNew(), sharedReq(flash.open(), 0, P, PROT_READ))).toBe(copy); // even MAP_SHARED lands on the copy
    w.nommu.assertValid();
  });

  it("a memory-backed block device (a ramdisk allocated up front) maps shared like a memory-backed file", () => {
    const w = makeWorld();
    const base = w.alloc.allocPagesExact(4 * P) * P;
    const id = { path: "/dev/ram0", devMajor: 1, devMinor: 0, ino: 7 };
    const ramdisk: MmapFile = {
      identity: id,
      inodeType: S_IFBLK,
      readable: true,
      writable: true,
      appendOnly: false,
      noexec: false,
      size: () => 4 * P,
      read: () => 0,
      ops: {
        mmapCapabilities: () => NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE,
        getUnmappedArea: (_a, _l, pgoff) => base + pgoff * P,
        mmap: () => 0,
      },
    };
    expect(w.nommu.mmap(w.nommu.mmNew(), sharedReq(ramdisk, 1, 2 * P))).toBe(base + P);
    w.nommu.assertValid();
  });

  it("/dev/zero can only be copied, and 6.12's kernel_read() refuses it (the seed's reads zeros)", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    expect(nommu.mmap(mm, privReq(devZero(), 0, 2 * P, PROT_READ | PROT_WRITE))).toBe(-EINVAL);
    expect(nommu.mmap(mm, sharedReq(devZero(), 0, 2 * P))).toBe(-ENODEV);
    const a = nommu.mmap(mm, privReq(devZero(true), 0, 2 * P, PROT_READ | PROT_WRITE));
    expect(peek(nommu, mm, a, 2 * P).every((x) => x === 0)).toBe(true);
    expect(nommu.mmapPagesAllocated).toBe(2);
    nommu.assertValid();
  });
});
