/**
 * Rows of ../shared/reference/conformance-cases.md (LTP, gVisor and kernel selftests) that need no
 * page contents, as unit tests of the MMU backend. IDs name the rows.
 */
import { describe, expect, it } from "vitest";
import {
  EACCES,
  EEXIST,
  EFAULT,
  EINVAL,
  ENODEV,
  ENOMEM,
  EOPNOTSUPP,
  MADV_DODUMP,
  MADV_WIPEONFORK,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PAGE_SIZE as P,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  TASK_SIZE,
} from "@mmsim/mm-types";
import type { MmapFile } from "@mmsim/mm-types";
import type { MmuOptions } from "../src/index.js";
import { newBackend } from "./helpers.js";

const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const BASE = 0x30000000;

function world(opts: MmuOptions = {}) {
  const be = newBackend(opts);
  const mm = be.mmNew();
  const mmap = (addr: number, len: number, prot: number, flags: number, file: MmapFile | null = null, pgoff = 0): number => {
    const r = be.mmap(mm, { addr, len, prot, flags, pgoff, file });
    be.assertValid();
    return r;
  };
  /** The VMAs as "start-end perms" lines relative to BASE, in pages: the address space drawn. */
  const layout = (): string[] =>
    be
      .maps(mm)
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const [range, perms] = l.split(" ");
        const [s, e] = range!.split("-").map((x) => (parseInt(x, 16) - BASE) / P);
        return `${s}-${e} ${perms}`;
      });
  return { be, mm, mmap, layout };
}

function file(opts: Partial<MmapFile> = {}): MmapFile {
  return {
    identity: { path: "/tmp/f", devMajor: 8, devMinor: 1, ino: 12 },
    inodeType: 0o100000,
    readable: true,
    writable: true,
    appendOnly: false,
    noexec: false,
    size: () => 4 * P,
    read: () => 0,
    ops: { mmap: () => 0 },
    ...opts,
  };
}

describe("mmap argument and errno cases", () => {
  it("MMAP-01/04/05: zero length, no type, PRIVATE|SHARED on anonymous memory → EINVAL", () => {
    const { mmap } = world();
    expect(mmap(0, 0, PROT_NONE, ANON)).toBe(-EINVAL);
    expect(mmap(0, P, PROT_NONE, MAP_ANONYMOUS)).toBe(-EINVAL);
    expect(mmap(0, P, PROT_NONE, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS)).toBe(-EINVAL);
  });

  it("MMAP-02/03: the length and the type are checked before the access mode", () => {
    const { mmap } = world();
    const wronly = file({ readable: false });
    expect(mmap(0, 0, PROT_READ | PROT_WRITE, MAP_SHARED, wronly)).toBe(-EINVAL);
    expect(mmap(0, 1024, PROT_READ | PROT_WRITE, 0, wronly)).toBe(-EINVAL);
  });

  it("MMAP-06/07: MAP_SHARED_VALIDATE refuses unknown flags and otherwise maps shared", () => {
    const { mmap, layout } = world();
    expect(mmap(0, 1024, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | (1 << 10), file())).toBe(-EOPNOTSUPP);
    expect(mmap(BASE, P, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_FIXED, file())).toBe(BASE);
    expect(layout()).toEqual(["0-1 rw-s"]);
  });

  it.each([
    [PROT_WRITE, MAP_PRIVATE],
    [PROT_READ, MAP_PRIVATE],
    [PROT_READ | PROT_WRITE, MAP_PRIVATE],
    [PROT_WRITE, MAP_SHARED],
    [PROT_READ, MAP_SHARED],
    [PROT_READ | PROT_WRITE, MAP_SHARED],
  ])("MMAP-11: an O_WRONLY file → EACCES (prot %i, flags %i)", (prot, flags) => {
    expect(world().mmap(0, 1024, prot, flags, file({ readable: false }))).toBe(-EACCES);
  });

  it("MMAP-12/13: a read-only fd maps shared read-only and private writable, not shared writable", () => {
    const { mmap } = world();
    const rdonly = file({ writable: false });
    expect(mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, rdonly)).toBe(-EACCES);
    expect(mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, rdonly)).toBeGreaterThan(0);
  });

  it("MMAP-15/16: no mmap op → ENODEV, but an unreadable fd is EACCES first", () => {
    const { mmap } = world();
    expect(mmap(0, P, PROT_READ, MAP_PRIVATE, file({ ops: {} }))).toBe(-ENODEV);
    expect(mmap(0, P, PROT_READ, MAP_PRIVATE, file({ ops: {}, readable: false }))).toBe(-EACCES);
  });

  it("MMAP-17/18/19: MAP_FIXED returns the address or EINVAL when unaligned; a hint is not binding", () => {
    const { mmap } = world();
    expect(mmap(BASE, P, PROT_NONE, ANON | MAP_FIXED)).toBe(BASE);
    expect(mmap(0x300000000000, P, PROT_NONE, ANON | MAP_FIXED)).toBe(0x300000000000);
    expect(mmap(BASE + 1, P, PROT_NONE, ANON | MAP_FIXED)).toBe(-EINVAL);
    expect(mmap(0x40000001, P, PROT_NONE, ANON)).toBe(0x40000000);
    expect(mmap(BASE, P, PROT_NONE, ANON)).not.toBe(BASE); // taken: placed elsewhere
  });

  it("MMAP-20..25: MAP_FIXED_NOREPLACE refuses any overlap, wins over MAP_FIXED, allows neighbours", () => {
    const { mmap } = world();
    expect(mmap(BASE + P, 3 * P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE)).toBe(BASE + P);
    expect(mmap(BASE, 5 * P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expect(mmap(BASE + 2 * P, P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expect(mmap(BASE + 3 * P, 2 * P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expect(mmap(BASE, 2 * P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expect(mmap(BASE + P, P, PROT_NONE, ANON | MAP_FIXED | MAP_FIXED_NOREPLACE)).toBe(-EEXIST);
    expect(mmap(BASE, P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE)).toBe(BASE);
    expect(mmap(BASE + 4 * P, P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE)).toBe(BASE + 4 * P);
    expect(mmap(BASE + 1, P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE)).toBe(-EINVAL);
  });

  it("MMAP-26/27: a small length rounds up; a length that overflows when aligned → ENOMEM", () => {
    const { mmap, be, mm } = world();
    const a = mmap(0, 128, PROT_NONE, ANON);
    expect(be.mm(mm).lookup(a)!.vmEnd - a).toBe(P);
    expect(mmap(0, 2 ** 64 - P + 1, PROT_NONE, ANON)).toBe(-ENOMEM);
  });

  it("MMAP-33: past vm.max_map_count a new VMA → ENOMEM", () => {
    const { mmap } = world({ maxMapCount: 4 });
    for (let i = 0; i < 5; i++) expect(mmap(BASE + 2 * i * P, P, i % 2 ? PROT_READ : PROT_NONE, ANON | MAP_FIXED)).toBe(BASE + 2 * i * P);
    expect(mmap(BASE + 20 * P, P, PROT_NONE, ANON | MAP_FIXED)).toBe(-ENOMEM);
  });

  it("places mappings top-down from mmap_base (0x7ffff7fff000 with ASLR off)", () => {
    const { mmap } = world();
    expect(mmap(0, P, PROT_READ, ANON)).toBe(0x7ffff7ffe000);
    expect(mmap(0, 2 * P, PROT_READ | PROT_WRITE, ANON)).toBe(0x7ffff7ffc000);
  });
});

describe("munmap", () => {
  it("MUNMAP-03/04/05: zero length, a length wrapping past TASK_SIZE, an unaligned address → EINVAL", () => {
    const { be, mm, mmap } = world();
    const m = mmap(BASE, P, PROT_READ, ANON | MAP_FIXED);
    expect(be.munmap(mm, m, 0)).toBe(-EINVAL);
    expect(be.munmap(mm, m, 2 ** 64 - P + 1)).toBe(-EINVAL);
    expect(be.munmap(mm, m + 1, 2 * P)).toBe(-EINVAL);
    expect(be.munmap(mm, 2 ** 48, P)).toBe(-EINVAL);
  });

  it("MUNMAP-02/09/10: a partial unmap splits; an empty range succeeds; holes are ignored", () => {
    const { be, mm, mmap, layout } = world();
    mmap(BASE, 10 * P, PROT_READ, ANON | MAP_FIXED);
    // RRRRRRRRRR → R.R.R.R.R.
    for (let i = 1; i < 10; i += 2) expect(be.munmap(mm, BASE + i * P, P)).toBe(0);
    expect(layout()).toEqual(["0-1 r--p", "2-3 r--p", "4-5 r--p", "6-7 r--p", "8-9 r--p"]);
    expect(be.munmap(mm, BASE + 100 * P, P)).toBe(0);
    expect(be.munmap(mm, BASE, 10 * P)).toBe(0);
    expect(layout()).toEqual([]);
  });

  it("MUNMAP-07: punching a hole that needs one more VMA at vm.max_map_count → ENOMEM, nothing unmapped", () => {
    const { be, mm, mmap, layout } = world({ maxMapCount: 3 });
    for (let i = 0; i < 3; i++) mmap(BASE + 6 * i * P, 3 * P, PROT_NONE, ANON | MAP_FIXED_NOREPLACE);
    expect(be.munmap(mm, BASE + 12 * P + P, P)).toBe(-ENOMEM);
    expect(layout()).toEqual(["0-3 ---p", "6-9 ---p", "12-15 ---p"]);
  });
});

describe("mprotect", () => {
  it("MPROT-01/02/04/14: unmapped → ENOMEM, unaligned → EINVAL, overflow → ENOMEM, zero length → 0, bad prot → EINVAL", () => {
    const { be, mm, mmap } = world();
    const a = mmap(BASE, P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED);
    expect(be.mprotect(mm, 0, P + 1, PROT_READ)).toBe(-ENOMEM);
    expect(be.mprotect(mm, a + 1, P - 1, PROT_READ)).toBe(-EINVAL);
    expect(be.mprotect(mm, a, 2 ** 64 - 1, PROT_READ)).toBe(-ENOMEM);
    expect(be.mprotect(mm, a, 0, PROT_READ)).toBe(0);
    expect(be.mprotect(mm, a, P, 0x40)).toBe(-EINVAL);
  });

  it("MPROT-03: a shared mapping of a read-only fd can't become writable → EACCES", () => {
    const { be, mm, mmap } = world();
    const a = mmap(0, P, PROT_READ, MAP_SHARED, file({ writable: false }));
    expect(be.mprotect(mm, a, P, PROT_WRITE)).toBe(-EACCES);
  });

  it("MPROT-12: splitting and re-merging a shared file mapping ends as one r--s VMA", () => {
    const { be, mm, mmap, layout } = world();
    const f = file();
    const a = mmap(BASE, 5 * P, PROT_READ, MAP_SHARED | MAP_FIXED, f);
    expect(be.mprotect(mm, a + P, P, PROT_EXEC)).toBe(0);
    expect(be.mprotect(mm, a + 3 * P, P, PROT_WRITE)).toBe(0);
    expect(layout()).toEqual(["0-1 r--s", "1-2 --xs", "2-3 r--s", "3-4 -w-s", "4-5 r--s"]);
    expect(be.mprotect(mm, a + P, 4 * P, PROT_READ)).toBe(0);
    expect(layout()).toEqual(["0-5 r--s"]);
  });

  it("MPROT-15: a hole stops the walk with ENOMEM after the first VMA was changed", () => {
    const { be, mm, mmap, layout } = world();
    mmap(BASE, P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED);
    mmap(BASE + 2 * P, P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED);
    expect(be.mprotect(mm, BASE, 3 * P, PROT_READ)).toBe(-ENOMEM);
    expect(layout()).toEqual(["0-1 r--p", "2-3 rw-p"]);
  });

  it("VMA-25: mprotect splits in three and merges back to one", () => {
    const { be, mm, mmap, layout } = world();
    const m = mmap(BASE, 5 * P, PROT_NONE, ANON | MAP_FIXED);
    expect(be.mprotect(mm, m + P, 3 * P, PROT_READ)).toBe(0);
    expect(layout()).toEqual(["0-1 ---p", "1-4 r--p", "4-5 ---p"]);
    expect(be.mprotect(mm, m + 2 * P, P, PROT_READ | PROT_WRITE)).toBe(0);
    expect(layout()).toEqual(["0-1 ---p", "1-2 r--p", "2-3 rw-p", "3-4 r--p", "4-5 ---p"]);
    expect(be.mprotect(mm, m + 2 * P, P, PROT_READ)).toBe(0);
    expect(layout()).toEqual(["0-1 ---p", "1-4 r--p", "4-5 ---p"]);
  });
});

describe("merging", () => {
  it("VMA-09/17: adjacent compatible anonymous mappings merge, appending and prepending", () => {
    const { mmap, layout } = world();
    mmap(BASE + P, P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED);
    mmap(BASE + 2 * P, P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED);
    mmap(BASE, P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED);
    expect(layout()).toEqual(["0-3 rw-p"]);
  });

  it("VMA-24/26: different protections or sharing never merge", () => {
    const { mmap, layout } = world();
    mmap(BASE, P, PROT_READ | PROT_EXEC, ANON | MAP_FIXED);
    mmap(BASE + P, P, PROT_WRITE, ANON | MAP_FIXED);
    mmap(BASE + 2 * P, P, PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    mmap(BASE + 3 * P, P, PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    expect(layout()).toEqual(["0-1 r-xp", "1-2 -w-p", "2-3 -w-s", "3-4 -w-s"]);
  });

  it("file mappings merge only with contiguous offsets into the same file", () => {
    const { mmap, layout } = world();
    const f = file();
    mmap(BASE, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0);
    mmap(BASE + P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 1);
    mmap(BASE + 2 * P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 5);
    mmap(BASE + 3 * P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, file(), 6);
    expect(layout()).toEqual(["0-2 r--p", "2-3 r--p", "3-4 r--p"]);
  });
});

describe("mremap", () => {
  it("MREMAP-41: flag combinations that Linux refuses → EINVAL", () => {
    const { be, mm, mmap } = world();
    const a = mmap(BASE, P, PROT_READ, ANON | MAP_FIXED);
    expect(be.mremap(mm, a, P, P, MREMAP_DONTUNMAP, 0)).toBe(-EINVAL);
    expect(be.mremap(mm, a, P, 2 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0)).toBe(-EINVAL);
    expect(be.mremap(mm, a, P, P, MREMAP_FIXED, BASE + 8 * P)).toBe(-EINVAL);
    expect(be.mremap(mm, a, P, P, 8, 0)).toBe(-EINVAL);
    expect(be.mremap(mm, a, P, 0, 0, 0)).toBe(-EINVAL);
    expect(be.mremap(mm, BASE + 4 * P, P, P, 0, 0)).toBe(-EFAULT);
  });

  it("grows in place when the space after is free, else moves with MREMAP_MAYMOVE, else ENOMEM", () => {
    const { be, mm, mmap, layout } = world();
    const a = mmap(BASE, P, PROT_READ, ANON | MAP_FIXED);
    expect(be.mremap(mm, a, P, 2 * P, 0, 0)).toBe(a);
    mmap(BASE + 2 * P, P, PROT_WRITE, ANON | MAP_FIXED);
    expect(be.mremap(mm, a, 2 * P, 3 * P, 0, 0)).toBe(-ENOMEM);
    const moved = be.mremap(mm, a, 2 * P, 3 * P, MREMAP_MAYMOVE, 0);
    expect(moved).toBe(0x7ffff7ffc000);
    expect(layout()).toContain("2-3 -w-p");
    expect(layout()).not.toContain("0-2 r--p");
  });

  it("MREMAP-33/35: a FIXED move of several VMAs keeps the gaps between them", () => {
    const { be, mm, mmap, layout } = world();
    mmap(BASE, 10 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED);
    be.munmap(mm, BASE + 5 * P, P);
    const tgt = BASE + 100 * P;
    expect(be.mremap(mm, BASE + 2 * P, 7 * P, 7 * P, MREMAP_FIXED | MREMAP_MAYMOVE, tgt)).toBe(tgt);
    expect(layout()).toEqual(["0-2 rw-p", "9-10 rw-p", "100-103 rw-p", "104-107 rw-p"]);
  });

  it("MREMAP-34: shrinking over several VMAs unmaps them all", () => {
    const { be, mm, mmap, layout } = world();
    mmap(BASE, 10 * P, PROT_READ, ANON | MAP_FIXED);
    for (let i = 1; i < 10; i += 2) be.munmap(mm, BASE + i * P, P);
    expect(be.mremap(mm, BASE, 10 * P, P, 0, 0)).toBe(BASE);
    expect(layout()).toEqual(["0-1 r--p"]);
  });

  it("MREMAP-36: DONTUNMAP leaves the source mapped", () => {
    const { be, mm, mmap, layout } = world();
    mmap(BASE, 5 * P, PROT_READ | PROT_WRITE, ANON | MAP_FIXED);
    const dst = be.mremap(mm, BASE, 5 * P, 5 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0);
    expect(dst).toBe(0x7ffff7ffa000);
    expect(layout()[0]).toBe("0-5 rw-p");
  });
});

describe("madvise", () => {
  it("WIPEONFORK needs private memory without a file; DODUMP refuses special mappings", () => {
    const { be, mm, mmap } = world();
    const area = (start: number, name: string) => ({ start, end: start + P, prot: PROT_READ, flags: MAP_PRIVATE, pgoff: 0, file: null, name });
    expect(be.mmExec(mm, { areas: [area(BASE, "[vdso]"), area(BASE + 2 * P, "[vvar]")], startBrk: 0, mmapBase: 0 })).toBe(0);
    expect(be.madvise(mm, BASE, P, MADV_WIPEONFORK)).toBe(0); // VM_DONTEXPAND alone does not stop it
    const shared = mmap(BASE + 4 * P, P, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    expect(be.madvise(mm, shared, P, MADV_WIPEONFORK)).toBe(-EINVAL);
    expect(be.madvise(mm, BASE + 2 * P, P, MADV_DODUMP)).toBe(-EINVAL);
    expect(be.madvise(mm, shared, P, MADV_DODUMP)).toBe(0);
  });
});

describe("mmExec", () => {
  it("refuses an unaligned, empty or overlapping layout with EINVAL and changes nothing", () => {
    const area = (start: number, end: number) => ({ start, end, prot: PROT_READ, flags: MAP_PRIVATE, pgoff: 0, file: null, name: null });
    const { be, mm, layout } = world();
    expect(be.mmExec(mm, { areas: [area(BASE, BASE + P + 1)], startBrk: 0, mmapBase: 0 })).toBe(-EINVAL);
    expect(be.mmExec(mm, { areas: [area(BASE, BASE)], startBrk: 0, mmapBase: 0 })).toBe(-EINVAL);
    expect(be.mmExec(mm, { areas: [area(BASE, BASE + 2 * P), area(BASE + P, BASE + 3 * P)], startBrk: 0, mmapBase: 0 })).toBe(-EINVAL);
    // a snapshot line past user space that isn't the [vsyscall] gate, or a pgoff that is no page index
    expect(be.mmExec(mm, { areas: [area(TASK_SIZE, TASK_SIZE + P)], startBrk: 0, mmapBase: 0 })).toBe(-EINVAL);
    expect(be.mmExec(mm, { areas: [{ ...area(BASE, BASE + P), pgoff: 0.5 }], startBrk: 0, mmapBase: 0 })).toBe(-EINVAL);
    expect(be.mmExec(mm, { areas: [{ ...area(BASE, BASE + P), pgoff: -1 }], startBrk: 0, mmapBase: 0 })).toBe(-EINVAL);
    expect(layout()).toEqual([]);
    expect(be.mmExec(mm, { areas: [area(BASE + P, BASE + 2 * P), area(BASE, BASE + P)], startBrk: 0, mmapBase: 0 })).toBe(0);
    // adjacent identical private anonymous areas stay as the snapshot drew them: they were separate VMAs there
    expect(layout()).toEqual(["0-1 r--p", "1-2 r--p"]);
  });
});

describe("brk", () => {
  function heap() {
    const w = world();
    w.be.mmExec(w.mm, { areas: [], startBrk: BASE, mmapBase: 0 });
    return w;
  }

  it("BRK-01/03: returns the requested value, unaligned; on failure the current break, never -1", () => {
    const { be, mm, layout } = heap();
    expect(be.brk(mm, 0)).toBe(BASE);
    expect(be.brk(mm, BASE + 2 * P - 1)).toBe(BASE + 2 * P - 1);
    expect(layout()).toEqual(["0-2 rw-p"]);
    expect(be.brk(mm, BASE)).toBe(BASE);
    expect(be.brk(mm, 2 ** 64 - 1)).toBe(BASE);
    expect(layout()).toEqual([]);
  });

  it("BRK-02/MPROT-16: an mprotected part of the heap splits it; shrinking to the start unmaps both", () => {
    const { be, mm, layout } = heap();
    be.brk(mm, BASE + 2 * P);
    expect(be.mprotect(mm, BASE + P, P, PROT_READ)).toBe(0);
    expect(be.brk(mm, BASE + 3 * P)).toBe(BASE + 3 * P);
    expect(layout()).toEqual(["0-1 rw-p", "1-2 r--p", "2-3 rw-p"]);
    expect(be.brk(mm, BASE)).toBe(BASE);
    expect(layout()).toEqual([]);
  });

  it("BRK-06: the heap can't grow into (or right up to) an existing mapping", () => {
    const { be, mm, mmap } = heap();
    mmap(BASE + 2 * P, P, PROT_READ, ANON | MAP_FIXED);
    expect(be.brk(mm, BASE + 2 * P)).toBe(BASE);
    expect(be.brk(mm, BASE + P)).toBe(BASE + P);
  });
});
