import { describe, expect, it } from "vitest";
import { KernelBug, PAGE_SIZE, VM_MAPPED_COPY, VM_MAYOVERLAY, VM_MAYSHARE, VM_READ, VM_SHARED } from "@mmsim/mm-types";
import type { FileIdentity, RegionMatchKind, VmRegion } from "@mmsim/mm-types";
import {
  classifyRegionMatch,
  coversFilePages,
  isExactFileMatch,
  isLookupCandidate,
  overlapsFilePages,
  requestPages,
} from "@mmsim/vm-region";

const P = PAGE_SIZE;
const libc: FileIdentity = { path: "/lib/libc.so", devMajor: 0x1f, devMinor: 0, ino: 12 };

/** A region of `libc` mapping file pages [pgoff, pgoff + bytes / P) (bytes rounded up to pages). */
function region(pgoff: number, bytes: number, vmFlags = VM_READ | VM_MAYOVERLAY | VM_MAPPED_COPY): VmRegion {
  return {
    vmFlags,
    vmStart: 0x100000,
    vmEnd: 0x100000 + bytes,
    vmTop: 0x100000 + bytes,
    vmPgoff: pgoff,
    vmFile: libc,
    vmUsage: 1,
  };
}

describe("requestPages", () => {
  it.each([
    [0, 1, 1],
    [3, P, 1],
    [3, P + 1, 2],
    [9, 16 * P, 16],
  ])("pgoff %i, len %i covers %i pages", (pgoff, len, pages) => {
    expect(requestPages(pgoff, len)).toEqual({ pgoff, pages });
  });

  it.each([
    [0, 0],
    [-1, P],
    [0, -P],
    [1.5, P],
    [0, Number.NaN],
  ])("refuses pgoff %s, len %s", (pgoff, len) => {
    expect(() => requestPages(pgoff, len)).toThrow(KernelBug);
  });
});

describe("classifyRegionMatch: the region maps file pages [4, 8)", () => {
  // file page:  0123456789012
  // region:     ....RRRR.....
  // request:    # per page
  it.each<[string, number, number, RegionMatchKind | null]>([
    ["....####.....", 4, 4, "exact"],
    ["....###......", 4, 3, "containing"],
    [".....##......", 5, 2, "containing"],
    [".......#.....", 7, 1, "containing"],
    [".....###.....", 5, 3, "containing"],
    ["..####.......", 2, 4, "partial"],
    [".......###...", 7, 3, "partial"],
    ["..########...", 2, 8, "partial"],
    ["....#####....", 4, 5, "partial"],
    ["####.........", 0, 4, null],
    ["........#....", 8, 1, null],
    [".........####", 9, 4, null],
  ])("%s: pgoff %i, %i pages -> %s", (_drawing, pgoff, pages, kind) => {
    const r = region(4, 4 * P);
    const req = { pgoff, pages };
    expect(classifyRegionMatch(r, req)).toBe(kind);
    expect(overlapsFilePages(r, req)).toBe(kind !== null);
    expect(isExactFileMatch(r, req)).toBe(kind === "exact");
    expect(coversFilePages(r, req)).toBe(kind === "exact" || kind === "containing");
  });

  it.each<[number, RegionMatchKind]>([
    [3 * P + 1, "exact"],
    [4 * P - 1, "exact"],
    [3 * P, "partial"],
    [4 * P + 1, "containing"],
  ])("rounds a region of %i bytes up to whole pages (-> %s for 4 pages at pgoff 4)", (bytes, kind) => {
    expect(classifyRegionMatch(region(4, bytes), { pgoff: 4, pages: 4 })).toBe(kind);
  });
});

describe("isLookupCandidate", () => {
  const other: FileIdentity = { ...libc };
  it.each([
    [VM_READ | VM_MAPPED_COPY, 0, true],
    [VM_READ | VM_MAPPED_COPY, VM_MAYSHARE | VM_MAYOVERLAY, false],
    [VM_READ | VM_MAYOVERLAY | VM_MAPPED_COPY, VM_MAYSHARE | VM_MAYOVERLAY, true],
    [VM_READ | VM_MAYSHARE, VM_MAYSHARE | VM_MAYOVERLAY, true],
    [VM_READ | VM_MAYSHARE | VM_SHARED, VM_SHARED, true],
    [VM_READ | VM_MAYSHARE, VM_SHARED, false],
  ])("a region with vm_flags %i takes part under anyFlags %i: %s", (vmFlags, anyFlags, want) => {
    const r = region(0, P, vmFlags);
    expect(isLookupCandidate(r, libc, anyFlags)).toBe(want);
    expect(isLookupCandidate(r, other, anyFlags)).toBe(false);
  });
});
