import { describe, expect, it } from "vitest";
import { createSortedArrayVmaTree } from "@mmsim/mm-conformance";
import { EINVAL, ENOSYS, KernelBug, MADV_DONTNEED, MS_SYNC, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import type { VmRegionStore } from "@mmsim/mm-types";
import { createNommuRegionTree } from "@mmsim/vm-region";
import { BlockFile, Framebuffer, P, RamfsInode, makeWorld, pattern } from "./fakes.js";
import { anonReq, privReq, sharedReq } from "./helpers.js";

describe("NommuBackend", () => {
  it("answers fork with EINVAL: there is no fork without an MMU (vfork/CLONE_VM share the mm)", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    nommu.mmap(mm, anonReq(P));
    expect(nommu.mmDup(mm)).toBe(-EINVAL);
    expect(nommu.mmIds()).toEqual([mm]);
  });

  it("has no mprotect, msync, mlock, munlock or madvise: ENOSYS, as Linux 6.12 NOMMU (NOMMU-23)", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(P));
    expect(nommu.mprotect(mm, a, P, PROT_READ)).toBe(-ENOSYS);
    expect(nommu.msync(mm, a, P, MS_SYNC)).toBe(-ENOSYS);
    expect(nommu.mlock(mm, a, P, true)).toBe(-ENOSYS);
    expect(nommu.mlock(mm, a, P, false)).toBe(-ENOSYS);
    expect(nommu.madvise(mm, a, P, MADV_DONTNEED)).toBe(-ENOSYS);
  });

  it("prints /proc/<pid>/maps per VMA and /proc/maps per region (NOMMU-27)", () => {
    const w = makeWorld();
    const { nommu } = w;
    const f = new BlockFile("/lib/libc.so", pattern(4 * P));
    const fb = new Framebuffer(w, 2 * P);
    const shm = new RamfsInode("/dev/shm/s", w);
    shm.truncate(P);
    const [m1, m2] = [nommu.mmNew(), nommu.mmNew()];
    const lib = nommu.mmap(m1, privReq(f.open(), 0, 4 * P, PROT_READ));
    nommu.mmap(m2, privReq(f.open(), 1, P, PROT_READ));
    const anon = nommu.mmap(m1, anonReq(2 * P));
    const fbAddr = nommu.mmap(m2, sharedReq(fb.open(), 0, 2 * P));
    const ro = nommu.mmap(m2, sharedReq(shm.open({ writable: false }), 0, P, PROT_READ));
    const h = (x: number) => x.toString(16).padStart(8, "0");
    const pad = (s: string) => s.padEnd(73, " ");
    const m1Lines = [
      `${h(anon)}-${h(anon + 2 * P)} rw-p 00000000 00:00 0 \n`,
      `${pad(`${h(lib)}-${h(lib + 4 * P)} r--p 00000000 fe:00 ${f.id.ino} `)}/lib/libc.so\n`,
    ].sort();
    expect(nommu.showMaps(m1).split(/(?<=\n)/).sort()).toEqual(m1Lines);
    const m2Text = nommu.showMaps(m2);
    expect(m2Text).toContain(`${h(lib + P)}-${h(lib + 2 * P)} r--p 00001000 fe:00 ${f.id.ino}`);
    expect(m2Text).toContain(`${h(fbAddr)}-${h(fbAddr + 2 * P)} rw-S 00000000 1d:00 ${fb.id.ino}`);
    expect(m2Text).toContain(`${h(ro)}-${h(ro + P)} r--S 00000000 00:02 ${shm.id.ino}`);
    const global = nommu.showGlobalMaps()!;
    expect(global.split("\n").filter((l) => l !== "")).toHaveLength(4); // lib once, anon, fb, shm
    expect(global).toContain(`${h(lib)}-${h(lib + 4 * P)} r--p 00000000 fe:00 ${f.id.ino}`);
    expect(nommu.showSmaps(m1)).toBeNull();
  });

  it("reports MmapCopy for /proc/meminfo and no RSS counters (NOMMU keeps none)", () => {
    const { nommu } = makeWorld();
    const mm = nommu.mmNew();
    nommu.mmap(mm, anonReq(3 * P));
    expect(nommu.meminfoPages()).toEqual({ MmapCopy: 3 });
    expect(nommu.mmapCopyKb()).toBe(12);
    expect(nommu.view(mm).counters()).toEqual({ anonPages: 0, filePages: 0, shmemPages: 0, totalVm: 3, mapCount: 1 });
    const [v] = nommu.view(mm).vmas();
    expect(nommu.view(mm).residentPages(v!)).toBe(3);
  });

  it("gives every page back when every mm is released", () => {
    const w = makeWorld();
    const { alloc, nommu } = w;
    const free0 = alloc.freePagesCount();
    const f = new BlockFile("/lib", pattern(5 * P));
    const mms = [nommu.mmNew(), nommu.mmNew(), nommu.mmNew()];
    for (const mm of mms) {
      nommu.mmap(mm, anonReq(5 * P));
      nommu.mmap(mm, privReq(f.open(), 0, 5 * P));
      nommu.mmap(mm, privReq(f.open(), 1, 2 * P, PROT_READ | PROT_WRITE));
    }
    nommu.munmap(mms[0]!, [...nommu.view(mms[0]!).vmas()].find((v) => v.file === null)!.vmStart + P, P);
    nommu.assertValid();
    for (const mm of mms) nommu.mmRelease(mm);
    nommu.assertValid();
    expect(alloc.freePagesCount()).toBe(free0);
    expect(nommu.mmapPagesAllocated).toBe(0);
    expect(f.log.calls).toEqual(["release"]);
  });

  it("runs on any VMA tree and region store plugin", () => {
    const { nommu } = makeWorld({ treeFactory: createSortedArrayVmaTree, regionStoreFactory: createNommuRegionTree });
    const f = new BlockFile("/lib", pattern(4 * P));
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, privReq(f.open(), 0, 4 * P));
    expect(nommu.mmap(mm, privReq(f.open(), 0, 4 * P))).toBe(a); // overlap mode
    const b = nommu.mmap(mm, anonReq(4 * P, PROT_READ | PROT_WRITE));
    expect(nommu.munmap(mm, b + P, P)).toBe(0);
    nommu.assertValid();
  });

  it("catches a region whose usage disagrees with its VMAs, and a region reaching past its pages", () => {
    let store: VmRegionStore | null = null;
    const { nommu } = makeWorld({
      regionStoreFactory: () => {
        store = createNommuRegionTree();
        return store;
      },
    });
    const mm = nommu.mmNew();
    nommu.mmap(mm, anonReq(P));
    nommu.assertValid();
    const r = store!.firstRegion()!;
    store!.getNommuRegion(r);
    expect(() => nommu.assertValid()).toThrow(KernelBug);
    expect(() => nommu.assertValid()).toThrow(/vm_usage 2 but 1 VMAs/);
    store!.putNommuRegion(r);
    nommu.assertValid();
    store!.adjustNommuRegion(r, { vmTop: r.vmEnd + P });
    expect(() => nommu.assertValid()).toThrow(/holds no reference/) // a page the region claims but never got;
  });

  it("catches a copy page that lost the region's reference", () => {
    const { alloc, nommu } = makeWorld();
    const mm = nommu.mmNew();
    const a = nommu.mmap(mm, anonReq(2 * P, PROT_READ | PROT_WRITE));
    alloc.putPage(a / P + 1); // someone else's put_page
    expect(() => nommu.assertValid()).toThrow(/holds no reference/);
  });
});
