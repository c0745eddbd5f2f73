/**
 * The table of Documentation/nommu-mmap.txt as one matrix: every kind of mapping × MMU and NOMMU,
 * each cell run on a fresh kernel with assertValid() after every syscall and user access, and the
 * table that `nommuMmapTable()` computes checked against the seed's own sentences.
 *
 * The words of a cell (src/drivers/table.ts): the placement ("ok" on MMU; "direct" or "copy" on
 * NOMMU), "P2 same/other address" (NOMMU: a second process mapping the same fd), "sees file
 * writes" / "blind to file writes" (write(2) after mapping), "writes fault" or "P2 sees writes" /
 * "P2 doesn't see writes" and "file sees writes" / "file doesn't see writes" (a write through the
 * first mapping), and the fork ("fork shares", "fork copies", "fork ok", "fork EINVAL").
 */
import { describe, expect, it } from "vitest";
import { NOMMU_MMAP_TABLE_CASES, nommuMmapTable, runMmapTableCase } from "../../src/index.js";
import type { MmapTableBackend, NommuMmapTableRow } from "../../src/index.js";
import { makeKernel, makeWorld } from "./world.js";

/** What the seed says of each row, in the words of the table. */
const EXPECTED: ReadonlyArray<readonly [string, { mmu: string; nommu: string }]> = [
  // MMU: "backed by arbitrary pages; copy-on-write across fork". NOMMU: "arbitrary contiguous runs of pages".
  ["anonymous, MAP_PRIVATE", { mmu: "ok; P2 doesn't see writes; fork copies", nommu: "copy; P2 other address; P2 doesn't see writes; fork EINVAL" }],
  // MMU: "shared across fork()". NOMMU: "behaviour is identical to MAP_PRIVATE there".
  ["anonymous, MAP_SHARED", { mmu: "ok; P2 doesn't see writes; fork shares", nommu: "copy; P2 other address; P2 doesn't see writes; fork EINVAL" }],
  // MMU: "changes to the underlying file are reflected in the mapping; copied across fork".
  // NOMMU: re-use of the same segment by another process; a copy when the device can't map directly;
  // "writes to the file do not affect the mapping; writes to the mapping are visible in other processes".
  [
    "file, MAP_PRIVATE, PROT_READ",
    { mmu: "ok; sees file writes; writes fault; fork ok", nommu: "copy; P2 same address; blind to file writes; P2 sees writes; file doesn't see writes; fork EINVAL" },
  ],
  // NOMMU: "the file mapping will be directly on the backing device ... romfs, cramfs and mtd might all permit this".
  ["file on an XIP romfs, MAP_PRIVATE, PROT_READ|PROT_EXEC", { mmu: "ok; writes fault; fork ok", nommu: "direct; P2 same address; P2 sees writes; file sees writes; fork EINVAL" }],
  // MMU: pages "copied before the write actually happens". NOMMU: "a copy is always taken and never shared".
  [
    "file, MAP_PRIVATE, PROT_READ|PROT_WRITE",
    {
      mmu: "ok; sees file writes; P2 doesn't see writes; file doesn't see writes; fork copies",
      nommu: "copy; P2 other address; blind to file writes; P2 doesn't see writes; file doesn't see writes; fork EINVAL",
    },
  ],
  // "Regular file / blockdev, MAP_SHARED": MMU written back, shared across fork; NOMMU "not supported".
  ["regular file, MAP_SHARED, PROT_READ", { mmu: "ok; sees file writes; writes fault; fork ok", nommu: "ENODEV" }],
  ["regular file, MAP_SHARED, PROT_READ|PROT_WRITE", { mmu: "ok; sees file writes; P2 sees writes; file sees writes; fork shares", nommu: "ENODEV" }],
  ["blockdev (a disk), MAP_SHARED, PROT_READ|PROT_WRITE", { mmu: "ok; sees file writes; P2 sees writes; file sees writes; fork shares", nommu: "ENODEV" }],
  // "Memory backed regular file": MMU as regular files; NOMMU an open, truncate, mmap sequence gives
  // contiguous pages and "a shared-writable memory mapping will be possible. It will work as for the MMU case".
  [
    "memory-backed file (ramfs: open, truncate, mmap), MAP_SHARED, PROT_READ|PROT_WRITE",
    {
      mmu: "ok; sees file writes; P2 sees writes; file sees writes; fork shares",
      nommu: "direct; P2 same address; sees file writes; P2 sees writes; file sees writes; fork EINVAL",
    },
  ],
  // "Memory backed blockdev": as memory-backed files, contiguous pages without truncate.
  [
    "memory-backed blockdev (ramdisk), MAP_SHARED, PROT_READ|PROT_WRITE",
    {
      mmu: "ok; sees file writes; P2 sees writes; file sees writes; fork shares",
      nommu: "direct; P2 same address; sees file writes; P2 sees writes; file sees writes; fork EINVAL",
    },
  ],
  // "Memory backed chardev": direct access to the device's memory, "frame buffers and flash devices".
  [
    "memory-backed chardev (framebuffer), MAP_SHARED, PROT_READ|PROT_WRITE",
    {
      mmu: "ok; sees file writes; P2 sees writes; file sees writes; fork shares",
      nommu: "direct; P2 same address; sees file writes; P2 sees writes; file sees writes; fork EINVAL",
    },
  ],
  // A chardev's default capabilities: "only shareable directly (can't be copied)".
  ["memory-backed chardev (framebuffer), MAP_PRIVATE, PROT_READ", { mmu: "ok; sees file writes; writes fault; fork ok", nommu: "ENODEV" }],
  // "If the driver does not provide any such support, then the mapping request will be denied."
  ["chardev without mmap (/dev/null), MAP_SHARED, PROT_READ", { mmu: "ENODEV", nommu: "ENODEV" }],
  // "private executable mappings may still be mapped directly off the device".
  ["flash chardev, idle, MAP_PRIVATE, PROT_READ|PROT_EXEC", { mmu: "ok; writes fault; fork ok", nommu: "direct; P2 same address; P2 sees writes; file sees writes; fork EINVAL" }],
  // The seed's warning: no mapping may show the status of a busy chip. A private one is copied (from
  // the data, no "shows other bytes"); a shared one can't be.
  [
    "flash chardev, programming, MAP_PRIVATE, PROT_READ|PROT_EXEC",
    { mmu: "ENOSYS", nommu: "copy; P2 same address; P2 sees writes; file doesn't see writes; fork EINVAL" },
  ],
  ["flash chardev, programming, MAP_SHARED, PROT_READ", { mmu: "ENOSYS", nommu: "ENODEV" }],
];

const CELLS = EXPECTED.flatMap(([type, want]) => (["mmu", "nommu"] as const).map((col) => [type, col, want[col]] as const));

describe("the nommu-mmap table, cell by cell", () => {
  it("has a case for every expected row, in the seed's order", () => {
    expect(NOMMU_MMAP_TABLE_CASES.map((c) => c.type)).toEqual(EXPECTED.map(([type]) => type));
  });

  it.each(CELLS)("%s on %s: %s", (type, column: MmapTableBackend, want) => {
    const { kernel, buddy } = makeWorld(column);
    const c = NOMMU_MMAP_TABLE_CASES.find((x) => x.type === type)!;
    const freeBefore = buddy.freePagesCount();
    expect(runMmapTableCase(kernel, c, column, () => kernel.assertValid())).toBe(want);
    expect(kernel.tasks()).toEqual([]);
    // nothing leaks: what stays allocated is the page cache and the device memory of the object (2 pages;
    // the ROM: 3 pages of image, data page aligned, and a page of slack)
    let cached = 0;
    for (const [, inode] of kernel.vfs.entries()) cached += inode.pageCache.size;
    const devicePages = freeBefore - buddy.freePagesCount() - cached;
    expect(devicePages).toBe(/romfs/.test(type) ? 4 : /ramdisk|framebuffer|flash/.test(type) ? 2 : 0);
  });
});

describe("nommuMmapTable()", () => {
  let table: NommuMmapTableRow[] = [];
  const row = (type: string): NommuMmapTableRow => table.find((r) => r.type === type)!;
  const words = (cell: string): string[] => cell.split("; ");

  it("computes every row on fresh kernels, fast", () => {
    const t0 = performance.now();
    table = nommuMmapTable(makeKernel);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(table).toEqual(EXPECTED.map(([type, want]) => ({ type, ...want })));
  });

  it("anonymous MAP_SHARED on NOMMU: \"behaviour is identical to MAP_PRIVATE there\"", () => {
    expect(row("anonymous, MAP_SHARED").nommu).toBe(row("anonymous, MAP_PRIVATE").nommu);
    expect(row("anonymous, MAP_SHARED").mmu).not.toBe(row("anonymous, MAP_PRIVATE").mmu);
  });

  it("memory-backed file, blockdev and chardev on MMU: \"as for ordinary regular files\"", () => {
    const regular = row("regular file, MAP_SHARED, PROT_READ|PROT_WRITE").mmu;
    for (const type of EXPECTED.map(([t]) => t).filter((t) => t.startsWith("memory-backed") && t.includes("MAP_SHARED"))) expect(row(type).mmu).toBe(regular);
  });

  it("memory-backed file on NOMMU: direct, and \"it will work as for the MMU case\"", () => {
    const r = row("memory-backed file (ramfs: open, truncate, mmap), MAP_SHARED, PROT_READ|PROT_WRITE");
    const sharing = (cell: string): string[] => words(cell).filter((w) => w.includes("writes"));
    expect(words(r.nommu)[0]).toBe("direct");
    expect(sharing(r.nommu)).toEqual(sharing(r.mmu));
  });

  it("regular files and disk blockdevs can't be mapped shared on NOMMU", () => {
    for (const r of table.filter((x) => /^(regular file|blockdev \(a disk\)), MAP_SHARED/.test(x.type))) {
      expect(r.nommu).toBe("ENODEV");
      expect(words(r.mmu)[0]).toBe("ok");
    }
  });

  it("a read-only private file mapping is re-used by another process; a writable one never is", () => {
    expect(words(row("file, MAP_PRIVATE, PROT_READ").nommu)).toEqual(expect.arrayContaining(["copy", "P2 same address", "blind to file writes", "P2 sees writes"]));
    expect(words(row("file, MAP_PRIVATE, PROT_READ|PROT_WRITE").nommu)).toEqual(expect.arrayContaining(["copy", "P2 other address", "P2 doesn't see writes"]));
  });

  it("NOMMU has no fork; MMU forks every mapping it made", () => {
    for (const r of table) {
      const nommu = words(r.nommu);
      if (nommu.length > 1) expect(nommu.at(-1)).toBe("fork EINVAL");
      const mmu = words(r.mmu);
      if (mmu.length > 1) expect(mmu.at(-1)).toMatch(/^fork (shares|copies|ok)$/);
    }
  });

  it("no mapping ever shows bytes other than the object's (a busy flash's status included)", () => {
    for (const r of table) for (const cell of [r.mmu, r.nommu]) expect(cell).not.toMatch(/shows other bytes|reads fault/);
  });
});
