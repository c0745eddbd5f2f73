import { describe, expect, it } from "vitest";
import {
  BDI_CAP_EXEC_MAP,
  BDI_CAP_MAP_COPY,
  BDI_CAP_MAP_DIRECT,
  BDI_CAP_NO_ACCT_DIRTY,
  BDI_CAP_NO_WRITEBACK,
  BDI_CAP_READ_MAP,
  BDI_CAP_VMFLAGS,
  BDI_CAP_WRITE_MAP,
  EINVAL,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  NOMMU_VMFLAGS,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFREG,
  S_IFSOCK,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
} from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import {
  BDI_CAP_MAP_ALL,
  CAPABILITY_PAIRS,
  NOMMU_MAP_ALL,
  bdiCapsNames,
  bdiCapsToNommu,
  defaultBdiCapabilities,
  defaultMmapCapabilities,
  fileMmapCapabilities,
  nommuCapsNames,
  nommuCapsToBdi,
} from "../src/index.js";

describe("the two namings", () => {
  it("pairs every capability with the value each header gives it", () => {
    expect(CAPABILITY_PAIRS.map((p) => [p.nommuName, p.nommu, p.bdiName, p.bdi])).toEqual([
      ["NOMMU_MAP_COPY", 0x1, "BDI_CAP_MAP_COPY", 0x4],
      ["NOMMU_MAP_DIRECT", 0x8, "BDI_CAP_MAP_DIRECT", 0x8],
      ["NOMMU_MAP_READ", 0x10, "BDI_CAP_READ_MAP", 0x10],
      ["NOMMU_MAP_WRITE", 0x20, "BDI_CAP_WRITE_MAP", 0x20],
      ["NOMMU_MAP_EXEC", 0x40, "BDI_CAP_EXEC_MAP", 0x40],
    ]);
  });

  it("keeps READ/WRITE/EXEC equal to the VM_MAY* bits in both schemes (the #error of backing-dev.h)", () => {
    expect([NOMMU_MAP_READ, NOMMU_MAP_WRITE, NOMMU_MAP_EXEC]).toEqual([VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC]);
    expect([BDI_CAP_READ_MAP, BDI_CAP_WRITE_MAP, BDI_CAP_EXEC_MAP]).toEqual([VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC]);
    expect(NOMMU_VMFLAGS).toBe(BDI_CAP_VMFLAGS);
  });

  // every subset of the five mapping bits, both ways
  const subsets = Array.from({ length: 32 }, (_, m) => m);
  it.each(subsets)("round-trips subset %i", (m) => {
    const nommu = CAPABILITY_PAIRS.filter((_, i) => m & (1 << i)).reduce((a, p) => a | p.nommu, 0);
    const bdi = CAPABILITY_PAIRS.filter((_, i) => m & (1 << i)).reduce((a, p) => a | p.bdi, 0);
    expect(nommuCapsToBdi(nommu)).toBe(bdi);
    expect(bdiCapsToNommu(bdi)).toBe(nommu);
    expect(bdiCapsToNommu(nommuCapsToBdi(nommu))).toBe(nommu);
  });

  it("drops the accounting bits that are not mapping capabilities", () => {
    // BDI_CAP_NO_ACCT_DIRTY (0x1) has NOMMU_MAP_COPY's number: it must not turn into a copy capability
    expect(bdiCapsToNommu(BDI_CAP_NO_ACCT_DIRTY | BDI_CAP_NO_WRITEBACK)).toBe(0);
    // the ramdisk of the 2005 era: NO_ACCT_DIRTY | NO_WRITEBACK | MAP_COPY
    expect(bdiCapsToNommu(BDI_CAP_NO_ACCT_DIRTY | BDI_CAP_NO_WRITEBACK | BDI_CAP_MAP_COPY)).toBe(NOMMU_MAP_COPY);
    expect(nommuCapsToBdi(0x2 | 0x4)).toBe(0);
    expect(NOMMU_MAP_ALL).toBe(0x79);
    expect(BDI_CAP_MAP_ALL).toBe(0x7c);
  });

  it("names the bits in table order", () => {
    expect(nommuCapsNames(NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_COPY)).toBe("NOMMU_MAP_COPY|NOMMU_MAP_DIRECT|NOMMU_MAP_READ");
    expect(nommuCapsNames(0)).toBe("0");
    expect(bdiCapsNames(BDI_CAP_MAP_DIRECT | BDI_CAP_EXEC_MAP)).toBe("BDI_CAP_MAP_DIRECT|BDI_CAP_EXEC_MAP");
    expect(bdiCapsNames(BDI_CAP_NO_WRITEBACK)).toBe("0");
  });
});

describe("defaults by inode type", () => {
  it.each([
    ["S_IFREG", S_IFREG, NOMMU_MAP_COPY, BDI_CAP_MAP_COPY],
    ["S_IFBLK", S_IFBLK, NOMMU_MAP_COPY, BDI_CAP_MAP_COPY],
    ["S_IFCHR", S_IFCHR, NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE, BDI_CAP_MAP_DIRECT | BDI_CAP_READ_MAP | BDI_CAP_WRITE_MAP],
    ["S_IFDIR", S_IFDIR, -EINVAL, -EINVAL],
    ["S_IFIFO", S_IFIFO, -EINVAL, -EINVAL],
    ["S_IFSOCK", S_IFSOCK, -EINVAL, -EINVAL],
    ["S_IFLNK", S_IFLNK, -EINVAL, -EINVAL],
    ["no type", 0, -EINVAL, -EINVAL],
  ])("%s", (_name, type, nommu, bdi) => {
    expect(defaultMmapCapabilities(type)).toBe(nommu);
    expect(defaultMmapCapabilities(type | 0o644)).toBe(nommu); // permission bits don't matter
    expect(defaultBdiCapabilities(type)).toBe(bdi);
  });

  const file = (inodeType: number, caps?: number): MmapFile => ({
    identity: { path: "/f", devMajor: 0, devMinor: 0, ino: 1 },
    inodeType,
    readable: true,
    writable: false,
    appendOnly: false,
    noexec: false,
    size: () => 0,
    read: () => 0,
    ops: caps === undefined ? { mmap: () => 0 } : { mmap: () => 0, mmapCapabilities: () => caps },
  });

  it("asks the driver first and falls back to the inode type", () => {
    expect(fileMmapCapabilities(file(S_IFCHR))).toBe(NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE);
    expect(fileMmapCapabilities(file(S_IFCHR, NOMMU_MAP_COPY))).toBe(NOMMU_MAP_COPY); // /dev/zero
    expect(fileMmapCapabilities(file(S_IFDIR))).toBe(-EINVAL);
    expect(fileMmapCapabilities(file(S_IFDIR, NOMMU_MAP_COPY))).toBe(NOMMU_MAP_COPY); // declared wins over the type
  });
});
