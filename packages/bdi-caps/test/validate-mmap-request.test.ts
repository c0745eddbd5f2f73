import { describe, expect, it } from "vitest";
import {
  BDI_CAP_EXEC_MAP,
  BDI_CAP_MAP_COPY,
  BDI_CAP_MAP_DIRECT,
  BDI_CAP_READ_MAP,
  BDI_CAP_WRITE_MAP,
  EACCES,
  EINVAL,
  ENODEV,
  ENOMEM,
  EOVERFLOW,
  EPERM,
  MAP_ANONYMOUS,
  MAP_DROPPABLE,
  MAP_FIXED,
  MAP_GROWSDOWN,
  MAP_LOCKED,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_STACK,
  MAP_SYNC,
  MAP_UNINITIALIZED,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFREG,
  TASK_SIZE,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_MAYEXEC,
  VM_MAYOVERLAY,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_READ,
  VM_SHARED,
  VM_SYNC,
  VM_WRITE,
} from "@mmsim/mm-types";
import type { MmapFile, MmapFileOps } from "@mmsim/mm-types";
import { determineVmFlags, determineVmFlags2005, nommuCapsToBdi, validateMmapRequest } from "../src/index.js";
import type { MmapFileReadMethod } from "../src/index.js";

interface FileSpec {
  readonly inodeType: number;
  readonly caps?: number;
  readonly gua?: boolean;
  readonly mmap?: boolean;
  readonly readable?: boolean;
  readonly writable?: boolean;
  readonly appendOnly?: boolean;
  readonly noexec?: boolean;
  readonly canRead?: boolean;
}

function fakeFile(s: FileSpec): MmapFile & MmapFileReadMethod {
  const ops: MmapFileOps = {
    ...(s.mmap === false ? {} : { mmap: () => 0 }),
    ...(s.gua ? { getUnmappedArea: () => 0x80000000 } : {}),
    ...(s.caps !== undefined ? { mmapCapabilities: () => s.caps! } : {}),
  };
  return {
    identity: { path: "/f", devMajor: 0, devMinor: 0, ino: 1 },
    inodeType: s.inodeType,
    readable: s.readable ?? true,
    writable: s.writable ?? false,
    appendOnly: s.appendOnly ?? false,
    noexec: s.noexec ?? false,
    ...(s.canRead !== undefined ? { canRead: s.canRead } : {}),
    size: () => 2 * PAGE_SIZE,
    read: () => 0,
    ops,
  };
}

const RAMFS = NOMMU_MAP_DIRECT | NOMMU_MAP_COPY | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC;
const ROMFS = NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_EXEC;
const DEVMEM = NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC;

/** The file kinds the nommu-mmap table talks about. */
const KINDS: Record<string, FileSpec | null> = {
  anonymous: null,
  "regular file on a disk": { inodeType: S_IFREG },
  "block device": { inodeType: S_IFBLK },
  "chardev without get_unmapped_area": { inodeType: S_IFCHR },
  "framebuffer chardev": { inodeType: S_IFCHR, gua: true },
  "/dev/zero": { inodeType: S_IFCHR, caps: NOMMU_MAP_COPY },
  "/dev/mem": { inodeType: S_IFCHR, caps: DEVMEM, gua: true },
  "ramfs file": { inodeType: S_IFREG, caps: RAMFS, gua: true },
  "romfs file on an MTD ROM": { inodeType: S_IFREG, caps: ROMFS, gua: true },
  "romfs file without MTD": { inodeType: S_IFREG, caps: NOMMU_MAP_COPY, gua: true },
  directory: { inodeType: S_IFDIR },
  "file without mmap": { inodeType: S_IFREG, mmap: false },
  "chardev without a read method": { inodeType: S_IFCHR, caps: NOMMU_MAP_COPY | NOMMU_MAP_DIRECT | NOMMU_MAP_READ, gua: true, canRead: false },
};

/** validate_mmap_request() transcribed line by line from mm/nommu.c (6.12), as an independent oracle. */
function oracleValidate(file: (MmapFile & MmapFileReadMethod) | null, len: number, prot: number, flags: number, pgoff: number): number {
  if (flags & MAP_FIXED) return -EINVAL;
  if ((flags & 0xf) !== MAP_PRIVATE && (flags & 0xf) !== MAP_SHARED) return -EINVAL;
  if (!len) return -EINVAL;
  const rlen = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (!rlen || rlen > TASK_SIZE) return -ENOMEM;
  if (pgoff + rlen / PAGE_SIZE >= 2 ** 64) return -EOVERFLOW;
  let capabilities: number;
  if (file) {
    if (!file.ops.mmap) return -ENODEV;
    if (file.ops.mmapCapabilities) capabilities = file.ops.mmapCapabilities();
    else if (file.inodeType === S_IFREG || file.inodeType === S_IFBLK) capabilities = NOMMU_MAP_COPY;
    else if (file.inodeType === S_IFCHR) capabilities = NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE;
    else return -EINVAL;
    if (!file.ops.getUnmappedArea) capabilities &= ~NOMMU_MAP_DIRECT;
    if (!(file.canRead ?? file.readable)) capabilities &= ~NOMMU_MAP_COPY;
    if (!file.readable) return -EACCES;
    if (flags & MAP_SHARED) {
      if (prot & PROT_WRITE && !file.writable) return -EACCES;
      if (file.appendOnly && file.writable) return -EACCES;
      if (!(capabilities & NOMMU_MAP_DIRECT)) return -ENODEV;
      capabilities &= ~NOMMU_MAP_COPY;
    } else {
      if (!(capabilities & NOMMU_MAP_COPY)) return -ENODEV;
      if (prot & PROT_WRITE) capabilities &= ~NOMMU_MAP_DIRECT;
    }
    if (capabilities & NOMMU_MAP_DIRECT) {
      if (
        (prot & PROT_READ && !(capabilities & NOMMU_MAP_READ)) ||
        (prot & PROT_WRITE && !(capabilities & NOMMU_MAP_WRITE)) ||
        (prot & PROT_EXEC && !(capabilities & NOMMU_MAP_EXEC))
      ) {
        capabilities &= ~NOMMU_MAP_DIRECT;
        if (flags & MAP_SHARED) return -EINVAL;
      }
    }
    if (file.noexec) {
      if (prot & PROT_EXEC) return -EPERM;
    } else if (prot & PROT_READ && !(prot & PROT_EXEC)) {
      // READ_IMPLIES_EXEC changes only the local prot
    } else if (prot & PROT_READ && prot & PROT_EXEC && !(capabilities & NOMMU_MAP_EXEC)) {
      capabilities &= ~NOMMU_MAP_DIRECT;
    }
  } else {
    capabilities = NOMMU_MAP_COPY;
  }
  return capabilities;
}

/** determine_vm_flags() transcribed from mm/nommu.c (6.12). */
function oracleFlags(file: MmapFile | null, prot: number, flags: number, caps: number, ptraced: boolean): number {
  let vm = (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
  vm |= (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_LOCKED ? VM_LOCKED : 0) | (flags & MAP_SYNC ? VM_SYNC : 0);
  if (!file) {
    vm |= VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  } else if (flags & MAP_PRIVATE) {
    if (caps & NOMMU_MAP_DIRECT) vm |= caps & (NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC);
    else vm |= VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (!(prot & PROT_WRITE) && !ptraced) vm |= VM_MAYOVERLAY;
  } else {
    vm |= VM_SHARED | VM_MAYSHARE | (caps & (NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC));
  }
  return vm;
}

const MODES = Array.from({ length: 16 }, (_, m) => ({
  readable: (m & 1) === 0,
  writable: (m & 2) !== 0,
  appendOnly: (m & 4) !== 0,
  noexec: (m & 8) !== 0,
}));
const TYPES: Record<string, number> = {
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_DROPPABLE,
  "no type": 0,
  "MAP_PRIVATE|MAP_FIXED": MAP_PRIVATE | MAP_FIXED,
  "MAP_SHARED|MAP_GROWSDOWN|MAP_LOCKED": MAP_SHARED | MAP_GROWSDOWN | MAP_LOCKED,
  "MAP_PRIVATE|MAP_SYNC|MAP_STACK|MAP_POPULATE|MAP_UNINITIALIZED": MAP_PRIVATE | MAP_SYNC | MAP_STACK | MAP_POPULATE | MAP_UNINITIALIZED,
};

describe("validateMmapRequest and determineVmFlags: every file kind × prot × type × open mode", () => {
  const outcomes = new Map<string, number>();
  const cases = Object.entries(KINDS).flatMap(([kind, spec]) => Object.entries(TYPES).map(([tname, flags]) => [kind, tname, spec, flags] as const));
  it.each(cases)("%s, %s", (kind, _tname, spec, flags) => {
    let checked = 0;
    for (const mode of spec === null ? [MODES[0]!] : MODES) {
      const file = spec === null ? null : fakeFile({ ...spec, ...mode });
      for (let prot = 0; prot < 8; prot++) {
        for (const ptraced of [false, true]) {
          const f = file === null ? flags | MAP_ANONYMOUS : flags;
          const got = validateMmapRequest(file, 0, 3 * PAGE_SIZE, prot, f, 1, { ptraced });
          const want = oracleValidate(file, 3 * PAGE_SIZE, prot, f, 1);
          const where = `${kind} ${JSON.stringify(mode)} prot ${prot} flags 0x${f.toString(16)}`;
          expect(got, where).toBe(want);
          if (got < 0) continue;
          expect(got & (NOMMU_MAP_COPY | NOMMU_MAP_DIRECT), `${where}: COPY or DIRECT survives`).not.toBe(0);
          expect(determineVmFlags(file, prot, f, got, { ptraced }), where).toBe(oracleFlags(file, prot, f, got, ptraced));
          checked++;
        }
      }
    }
    outcomes.set(`${kind}`, (outcomes.get(kind) ?? 0) + checked);
  });

  it("exercised acceptance for every kind that has a valid mapping, and none for the others", () => {
    for (const kind of Object.keys(KINDS)) {
      const never = kind === "directory" || kind === "file without mmap" || kind === "chardev without get_unmapped_area";
      expect(outcomes.get(kind)! > 0, kind).toBe(!never);
    }
  });
});

describe("the digest's rules, one row each (kernel-semantics §1.4, conformance NOMMU-15..18)", () => {
  const reg = fakeFile({ inodeType: S_IFREG });
  const regRw = fakeFile({ inodeType: S_IFREG, writable: true });
  const fb = fakeFile({ inodeType: S_IFCHR, gua: true, writable: true });
  const ramfs = fakeFile({ inodeType: S_IFREG, caps: RAMFS, gua: true, writable: true });
  const romfs = fakeFile({ inodeType: S_IFREG, caps: ROMFS, gua: true });
  const P = PAGE_SIZE;
  it.each([
    ["MAP_FIXED first, even with len 0", null, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0, -EINVAL],
    ["a hint without MAP_FIXED is fine", null, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, NOMMU_MAP_COPY],
    ["MAP_SHARED_VALIDATE is not a type NOMMU knows", null, P, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, 0, -EINVAL],
    ["type before len", null, 0, PROT_READ, MAP_ANONYMOUS, 0, -EINVAL],
    ["len 0", null, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, -EINVAL],
    ["len above TASK_SIZE", null, TASK_SIZE + 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, -ENOMEM],
    ["len TASK_SIZE", null, TASK_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, NOMMU_MAP_COPY],
    ["PAGE_ALIGN(len) wraps to 0", null, 2 ** 64 - 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, -ENOMEM],
    ["pgoff + pages wraps", reg, P, PROT_READ, MAP_PRIVATE, 2 ** 64 - 1, -EOVERFLOW],
    ["anonymous pgoff wraps too", null, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 2 ** 64 - 1, -EOVERFLOW],
    ["regular file MAP_SHARED (NOMMU-16)", regRw, P, PROT_READ | PROT_WRITE, MAP_SHARED, 0, -ENODEV],
    ["regular file MAP_SHARED read-only (NOMMU-16)", reg, P, PROT_READ, MAP_SHARED, 0, -ENODEV],
    ["regular file private copy", reg, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, NOMMU_MAP_COPY],
    ["shared write on a read-only open (NOMMU-18)", fakeFile({ inodeType: S_IFCHR, gua: true }), P, PROT_WRITE, MAP_SHARED, 0, -EACCES],
    ["append-only opened for writing (NOMMU-18)", fakeFile({ inodeType: S_IFCHR, gua: true, writable: true, appendOnly: true }), P, PROT_READ, MAP_SHARED, 0, -EACCES],
    ["framebuffer shared", fb, P, PROT_READ | PROT_WRITE, MAP_SHARED, 0, NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE],
    ["framebuffer shared exec: prot beyond caps (NOMMU-17)", fb, P, PROT_READ | PROT_EXEC, MAP_SHARED, 0, -EINVAL],
    ["framebuffer private: no COPY", fb, P, PROT_READ, MAP_PRIVATE, 0, -ENODEV],
    ["ramfs private writable: DIRECT dropped", ramfs, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, NOMMU_MAP_COPY | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC],
    ["ramfs shared: COPY dropped", ramfs, P, PROT_READ | PROT_WRITE, MAP_SHARED, 0, NOMMU_MAP_DIRECT | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC],
    ["romfs read+exec private: stays direct (XIP)", romfs, P, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0, ROMFS],
    ["romfs writable shared: not opened for write", romfs, P, PROT_READ | PROT_WRITE, MAP_SHARED, 0, -EACCES],
    ["noexec mount and PROT_EXEC", fakeFile({ inodeType: S_IFREG, noexec: true }), P, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0, -EPERM],
    ["no read permission", fakeFile({ inodeType: S_IFREG, readable: false }), P, PROT_READ, MAP_PRIVATE, 0, -EACCES],
    ["directory", fakeFile({ inodeType: S_IFDIR }), P, PROT_READ, MAP_PRIVATE, 0, -EINVAL],
    ["no mmap hook", fakeFile({ inodeType: S_IFREG, mmap: false }), P, PROT_READ, MAP_PRIVATE, 0, -ENODEV],
    ["no mmap hook wins over the directory", fakeFile({ inodeType: S_IFDIR, mmap: false }), P, PROT_READ, MAP_PRIVATE, 0, -ENODEV],
    ["a chardev with no read method can't be copied", fakeFile({ inodeType: S_IFCHR, caps: NOMMU_MAP_COPY, gua: true, canRead: false }), P, PROT_READ, MAP_PRIVATE, 0, -ENODEV],
  ] as const)("%s", (_name, file, len, prot, flags, pgoff, want) => {
    expect(validateMmapRequest(file, 0x1234000, len, prot, flags, pgoff)).toBe(want);
  });

  it("lets the LSM veto last, and only then", () => {
    const deny = { securityMmapAddr: (a: number) => (a !== 0 && a < 0x10000 ? -EPERM : 0) };
    expect(validateMmapRequest(null, 0x1000, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, deny)).toBe(-EPERM);
    expect(validateMmapRequest(null, 0, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, deny)).toBe(NOMMU_MAP_COPY);
    expect(validateMmapRequest(reg, 0x1000, P, PROT_READ, MAP_SHARED, 0, deny)).toBe(-ENODEV);
  });

  it("takes the machine's TASK_SIZE (RISC-V NOMMU: ~0UL)", () => {
    const riscv = { taskSize: 2 ** 64 - 1 };
    expect(validateMmapRequest(null, 0, TASK_SIZE + 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, riscv)).toBe(NOMMU_MAP_COPY);
    expect(validateMmapRequest(null, 0, 2 ** 64 - 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, riscv)).toBe(-ENOMEM);
  });
});

describe("determineVmFlags, named cases", () => {
  const reg = fakeFile({ inodeType: S_IFREG });
  const ramfs = fakeFile({ inodeType: S_IFREG, caps: RAMFS, gua: true, writable: true });
  const MAY = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  it.each([
    ["anonymous private", null, PROT_READ | PROT_WRITE, MAP_PRIVATE, NOMMU_MAP_COPY, false, VM_READ | VM_WRITE | MAY],
    ["anonymous shared is private (no fork)", null, PROT_READ | PROT_WRITE, MAP_SHARED, NOMMU_MAP_COPY, false, VM_READ | VM_WRITE | MAY],
    ["read-only private copy may overlay", reg, PROT_READ, MAP_PRIVATE, NOMMU_MAP_COPY, false, VM_READ | MAY | VM_MAYOVERLAY],
    ["…but not when ptraced", reg, PROT_READ, MAP_PRIVATE, NOMMU_MAP_COPY, true, VM_READ | MAY],
    ["writable private copy never overlays", reg, PROT_READ | PROT_WRITE, MAP_PRIVATE, NOMMU_MAP_COPY, false, VM_READ | VM_WRITE | MAY],
    ["private direct takes the device's MAY bits", ramfs, PROT_READ, MAP_PRIVATE, RAMFS & ~NOMMU_MAP_WRITE, false, VM_READ | VM_MAYREAD | VM_MAYEXEC | VM_MAYOVERLAY],
    ["shared direct", ramfs, PROT_READ | PROT_WRITE, MAP_SHARED, RAMFS & ~NOMMU_MAP_COPY, false, VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE | MAY],
    ["stack flags", null, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN | MAP_STACK, NOMMU_MAP_COPY, false, VM_READ | VM_GROWSDOWN | MAY],
  ] as const)("%s", (_n, file, prot, flags, caps, ptraced, want) => {
    expect(determineVmFlags(file, prot, flags, caps, { ptraced })).toBe(want);
  });

  it("keeps the 2005 seed's rule beside today's: VM_MAYSHARE where 6.12 says VM_MAYOVERLAY", () => {
    const MAYS = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    expect(determineVmFlags2005(reg, PROT_READ, MAP_PRIVATE, BDI_CAP_MAP_COPY)).toBe(VM_READ | MAYS | VM_MAYSHARE);
    expect(determineVmFlags2005(reg, PROT_READ, MAP_PRIVATE, BDI_CAP_MAP_COPY, { ptraced: true })).toBe(VM_READ | MAYS);
    expect(determineVmFlags2005(reg, PROT_READ | PROT_WRITE, MAP_PRIVATE, BDI_CAP_MAP_COPY)).toBe(VM_READ | VM_WRITE | MAYS);
    const romfsBdi = nommuCapsToBdi(ROMFS);
    expect(romfsBdi).toBe(BDI_CAP_MAP_COPY | BDI_CAP_MAP_DIRECT | BDI_CAP_READ_MAP | BDI_CAP_EXEC_MAP);
    // a private direct mapping shares only when every VM_MAY* bit is granted: romfs lacks WRITE_MAP
    expect(determineVmFlags2005(reg, PROT_READ | PROT_EXEC, MAP_PRIVATE, romfsBdi)).toBe(VM_READ | VM_EXEC | MAYS);
    const all = romfsBdi | BDI_CAP_WRITE_MAP;
    expect(determineVmFlags2005(reg, PROT_READ | PROT_EXEC, MAP_PRIVATE, all)).toBe(VM_READ | VM_EXEC | MAYS | VM_MAYSHARE);
    expect(determineVmFlags2005(reg, PROT_READ, MAP_SHARED, BDI_CAP_MAP_DIRECT | BDI_CAP_READ_MAP)).toBe(VM_READ | MAYS | VM_MAYSHARE | VM_SHARED);
    expect(determineVmFlags2005(null, PROT_READ, MAP_PRIVATE, BDI_CAP_MAP_COPY | BDI_CAP_EXEC_MAP)).toBe(VM_READ | MAYS);
  });
});
