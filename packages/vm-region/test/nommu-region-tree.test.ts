import { describe, expect, it } from "vitest";
import { KernelBug, PAGE_SIZE, VM_MAPPED_COPY, VM_MAYSHARE, VM_READ, VM_WRITE } from "@mmsim/mm-types";
import type { FileIdentity, VmRegion, VmRegionInit } from "@mmsim/mm-types";
import { regionStoreConformance } from "@mmsim/mm-conformance";
import { NommuRegionTree, createNommuRegionTree } from "@mmsim/vm-region";

const P = PAGE_SIZE;

regionStoreConformance("NommuRegionTree", createNommuRegionTree);

function copyAt(page: number, pages: number, slack = 0): VmRegionInit {
  return {
    vmFlags: VM_READ | VM_WRITE | VM_MAPPED_COPY,
    vmStart: page * P,
    vmEnd: (page + pages) * P,
    vmTop: (page + pages + slack) * P,
    vmPgoff: 0,
    vmFile: null,
  };
}

/** The writable record behind a read-only VmRegion, to corrupt it on purpose. */
function raw(r: VmRegion): { -readonly [K in keyof VmRegion]: VmRegion[K] } {
  return r as { -readonly [K in keyof VmRegion]: VmRegion[K] };
}

describe("assertValid names the region and the rule", () => {
  // A = pages 2-3 (slack to 5), B = pages 6-7, C = pages 10-11
  function world() {
    const store = new NommuRegionTree();
    const a = store.addNommuRegion(copyAt(2, 2, 2));
    const b = store.addNommuRegion(copyAt(6, 2));
    const c = store.addNommuRegion(copyAt(10, 2));
    store.assertValid();
    return { store, a, b, c };
  }

  it.each<[string, (w: ReturnType<typeof world>) => void, RegExp]>([
    ["vm_top below vm_end", (w) => (raw(w.b).vmTop = 7 * P), /region 0x6000-0x8000 \(top 0x7000.*vm_top < vm_end/],
    ["vm_end at vm_start", (w) => (raw(w.b).vmEnd = 6 * P), /region 0x6000-0x6000.*vm_end <= vm_start/],
    [
      "slack reaching the next region",
      (w) => (raw(w.a).vmTop = 7 * P),
      /region 0x6000-0x8000.*starts below the vm_top of region 0x2000-0x4000/,
    ],
    [
      "a start moved past the next region",
      (w) => (raw(w.b).vmStart = 12 * P),
      /nommu_region_tree: region 0x[0-9a-f]+-0x[0-9a-f]+ .*out of vm_start order/,
    ],
    ["a usage of 0", (w) => (raw(w.c).vmUsage = 0), /region 0xa000-0xc000.*vm_usage < 1/],
    ["a misaligned copy", (w) => (raw(w.c).vmEnd = 12 * P - 1), /region 0xa000-0xbfff.*not page aligned/],
  ])("detects %s", (_what, corrupt, message) => {
    const w = world();
    corrupt(w);
    expect(() => w.store.assertValid()).toThrow(KernelBug);
    expect(() => w.store.assertValid()).toThrow(message);
  });

  it("detects a file change behind the store's back (the per-file index disagrees)", () => {
    const store = new NommuRegionTree();
    const file: FileIdentity = { path: "/lib/libc.so", devMajor: 0x1f, devMinor: 0, ino: 12 };
    const r = store.addNommuRegion({ ...copyAt(2, 1), vmFile: file });
    raw(r).vmFile = null;
    expect(() => store.assertValid()).toThrow(/file index.*is filed under \/lib\/libc.so/);
  });
});

describe("region records", () => {
  it("carry exactly the kernel's fields as own properties; `file` is a view alias", () => {
    const store = new NommuRegionTree();
    const file: FileIdentity = { path: "/lib/libc.so", devMajor: 0x1f, devMinor: 0, ino: 12 };
    const r = store.addNommuRegion({ ...copyAt(2, 1), vmFile: file });
    expect(Object.keys(r).sort()).toEqual(["vmEnd", "vmFile", "vmFlags", "vmPgoff", "vmStart", "vmTop", "vmUsage"]);
    const [view] = [...store.regions()];
    expect(view).toBe(r);
    expect(view!.file).toBe(file);
  });
});

describe("the tree stays balanced", () => {
  it.each([
    ["ascending", (i: number) => i],
    ["descending", (i: number, n: number) => n - 1 - i],
    ["interleaved", (i: number, n: number) => (i % 2 === 0 ? i / 2 : n - 1 - (i - 1) / 2)],
  ])("after %s insertion of 4096 regions, and after removing every other one", (_order, slot) => {
    const n = 4096;
    const store = new NommuRegionTree();
    const regions: VmRegion[] = [];
    for (let i = 0; i < n; i++) regions.push(store.addNommuRegion(copyAt(2 * slot(i, n), 1)));
    store.assertValid();
    // an AVL tree of n nodes is at most 1.44 log2(n + 2) high: 18 for 4096
    expect(store.treeHeight).toBeLessThanOrEqual(18);
    for (let i = 0; i < n; i += 2) store.deleteNommuRegion(regions[i]!);
    store.assertValid();
    expect(store.nrRegions).toBe(n / 2);
    expect(store.treeHeight).toBeLessThanOrEqual(17);
    expect(store.findRegion(2 * slot(1, n) * P)).toBe(regions[1]);
  });

  it("is empty and of height 0 again after the last put", () => {
    const store = new NommuRegionTree();
    const rs = [3, 1, 2].map((p) => store.addNommuRegion(copyAt(2 * p, 1)));
    for (const r of rs) expect(store.putNommuRegion(r)).toBe(0);
    store.assertValid();
    expect(store.treeHeight).toBe(0);
    expect(store.firstRegion()).toBeNull();
  });
});

describe("the per-file index", () => {
  it("keeps each file's regions in address order through adds, adjusts and removals", () => {
    const store = new NommuRegionTree();
    const files: FileIdentity[] = [0, 1, 2].map((i) => ({ path: `/f${i}`, devMajor: 1, devMinor: i, ino: i }));
    const flags = VM_READ | VM_MAYSHARE;
    const rs = Array.from({ length: 30 }, (_, i) =>
      store.addNommuRegion({
        vmFlags: flags,
        vmStart: (29 - i) * 4 * P,
        vmEnd: ((29 - i) * 4 + 1) * P,
        vmTop: ((29 - i) * 4 + 1) * P,
        vmPgoff: 0,
        vmFile: files[i % 3]!,
      }),
    );
    store.assertValid();
    // every region of /f0 maps file page 0: all are exact matches, in address order
    const f0 = store.fileRangeMatches(files[0]!, 0, P);
    expect(f0.map((m) => m.region.vmStart)).toEqual(
      rs
        .filter((_, i) => i % 3 === 0)
        .map((r) => r.vmStart)
        .sort((x, y) => x - y),
    );
    store.adjustNommuRegion(rs[0]!, { vmStart: 200 * P, vmEnd: 201 * P, vmTop: 201 * P, vmPgoff: 1 });
    store.deleteNommuRegion(rs[3]!);
    store.assertValid();
    // /f0 had 10 regions at file page 0: one moved to page 1, one deleted
    expect(store.fileRangeMatches(files[0]!, 0, P).map((m) => m.kind)).toEqual(Array(8).fill("exact"));
    expect(store.lookupFileRange(files[0]!, 1, P).exact).toBe(rs[0]);
  });
});
