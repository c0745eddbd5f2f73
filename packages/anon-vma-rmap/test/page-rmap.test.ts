import { describe, expect, it } from "vitest";
import { EFAULT, KernelBug, PAGE_SIZE, VM_LOCKED, VM_SEQ_READ } from "@mmsim/mm-types";
import { PageRmap, RMAP_EXCLUSIVE, TTU_IGNORE_MLOCK, linearPageIndex, vmaAddress } from "../src/index.js";
import type { RmapPtePort } from "../src/index.js";
import { SHARED_RW, TestVma, World, page } from "./support.js";

describe("vma_address and linear_page_index", () => {
  // VMA [0x10000, 0x14000) at pgoff 100
  const vma = new TestVma(1, page(16), page(20), 100, 0);
  it.each([
    [99, -EFAULT],
    [100, 0x10000],
    [103, 0x13000],
    [104, -EFAULT],
  ])("page offset %i → %s", (pgoff, addr) => {
    expect(vmaAddress(pgoff, vma)).toBe(addr);
    if (addr > 0) expect(linearPageIndex(vma, addr)).toBe(pgoff);
  });
});

describe("anonymous page rmap", () => {
  it("a new page records the VMA's anon_vma and linear index, exclusive", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    const pfn = w.fault(mm, page(18), true);
    expect(w.rmap.pageAnon(pfn)).toBe(true);
    expect(w.rmap.pageAnonVma(pfn)).toBe(a.anonVma);
    expect(w.rmap.pageIndex(pfn)).toBe(18);
    expect(w.rmap.pageAnonExclusive(pfn)).toBe(true);
    expect(w.rmap.pageMapcount(pfn)).toBe(1);
    expect(w.rmap.pageAddressInVma(pfn, a)).toBe(page(18));
  });

  it("a non-exclusive first mapping points at the family's root; later mappings are checked", () => {
    const w = new World();
    const p = w.newMm();
    w.mmapAnon(p, page(16), 1);
    w.fault(p, page(16), true);
    const c = w.fork(p);
    const ca = c.vmas[0]!;
    const pfn = 7;
    w.rmap.pageAddAnonRmap(pfn, ca, page(16));
    expect(w.rmap.pageAnonVma(pfn)).toBe(ca.anonVma!.root);
    expect(w.rmap.pageAnonExclusive(pfn)).toBe(false);
    w.rmap.pageAddAnonRmap(pfn, p.vmas[0]!, page(16));
    expect(w.rmap.pageMapcount(pfn)).toBe(2);
    expect(() => w.rmap.pageAddAnonRmap(pfn, ca, page(16), RMAP_EXCLUSIVE)).toThrow(/cannot be exclusive/);
  });

  it("refuses what the kernel BUGs on", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 2);
    expect(() => w.rmap.pageAddNewAnonRmap(3, a, page(16))).toThrow(/no anon_vma/);
    w.rmap.anonVmaPrepare(a);
    expect(() => w.rmap.pageAddNewAnonRmap(3, a, page(18))).toThrow(/outside VMA/);
    w.rmap.pageAddNewAnonRmap(3, a, page(16));
    expect(() => w.rmap.pageAddNewAnonRmap(3, a, page(16))).toThrow(/not a new page/);
    expect(() => w.rmap.pageAddAnonRmap(3, a, page(16))).toThrow(/cannot be exclusive/);
    w.rmap.pageDupRmap(3);
    expect(() => w.rmap.pageAddAnonRmap(3, a, page(17))).toThrow(/index/);
    const other = w.mmapAnon(mm, page(64), 1);
    w.rmap.anonVmaPrepare(other);
    expect(() => w.rmap.pageAddAnonRmap(3, other, page(64))).toThrow(/another anon_vma family/);
    expect(() => w.rmap.pageRemoveRmap(4, a)).toThrow(/not mapped/);
    expect(() => w.rmap.pageMapcount(1e9)).toThrow(KernelBug);
    expect(() => new PageRmap({ nrPages: -1 })).toThrow(KernelBug);
  });

  it("the last unmap forgets the anon_vma; assertValid notices a page no VMA covers", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 2);
    const pfn = w.fault(mm, page(16), true);
    w.zap(mm, page(16), page(17));
    expect(w.rmap.pageAnon(pfn)).toBe(false);
    expect(w.rmap.pageAnonVma(pfn)).toBeNull();
    w.check();
    const q = w.fault(mm, page(17), true);
    expect(q).toBeGreaterThanOrEqual(0);
    w.anonVmas.anonVmaIntervalTreePreUpdateVma(a);
    a.vmStart = page(20);
    a.vmEnd = page(22);
    a.vmPgoff = 20;
    w.anonVmas.anonVmaIntervalTreePostUpdateVma(a);
    expect(() => w.rmap.assertValid()).toThrow(/no VMA of anon_vma/);
  });
});

describe("file page rmap", () => {
  it("finds a page-cache page through every VMA of the file that covers it", () => {
    // file index 5: mm1 maps pages 0..7 at 0x10000 (index 5 at 0x15000), mm2 pages 4..5 at 0x80000
    const w = new World();
    const m1 = w.newMm();
    const m2 = w.newMm();
    w.mmapFile(m1, page(16), 8, 0, SHARED_RW);
    w.mmapFile(m2, page(128), 2, 4, SHARED_RW);
    const pfn = w.fault(m1, page(21), false);
    expect(w.fault(m2, page(129), true)).toBe(pfn);
    expect(w.rmap.pageAnon(pfn)).toBe(false);
    expect(w.rmap.pageMapping(pfn)).toBe(w.file);
    expect(w.rmap.pageIndex(pfn)).toBe(5);
    expect([...w.walk(pfn)].sort()).toEqual([`${m1.id}:${page(21)}`, `${m2.id}:${page(129)}`]);
    expect(w.rmap.pageAddressInVma(pfn, m2.vmas[0]!)).toBe(page(129));
    expect(w.rmap.pageAddressInVma(pfn, w.mmapAnon(m2, page(300), 1))).toBe(-EFAULT);
    w.check();
    expect(() => w.rmap.filemapRemovePage(pfn)).toThrow(/still mapped/);
  });

  it("a private file mapping COWs into an anonymous page found through its anon_vma only", () => {
    const w = new World();
    const mm = w.newMm();
    const v = w.mmapFile(mm, page(16), 4, 10);
    const filePage = w.fault(mm, page(16), false);
    const anonPage = w.fault(mm, page(16), true);
    expect(anonPage).not.toBe(filePage);
    expect(w.rmap.pageAnonVma(anonPage)).toBe(v.anonVma);
    expect(w.rmap.pageIndex(anonPage)).toBe(10);
    expect(w.rmap.pageMapcount(filePage)).toBe(0);
    expect(w.rmap.pageMapping(filePage)).toBe(w.file);
    w.check();
    w.rmap.filemapRemovePage(filePage);
    expect(w.file.nrpages).toBe(0);
    expect(() => w.rmap.pageAddFileRmap(filePage, v)).toThrow(/not in a page cache/);
  });
});

describe("page_referenced and try_to_unmap", () => {
  function shared3(): { w: World; pfn: number; mms: number[] } {
    const w = new World();
    const p = w.newMm();
    w.mmapAnon(p, page(16), 1);
    const pfn = w.fault(p, page(16), true);
    const c1 = w.fork(p);
    const c2 = w.fork(p);
    return { w, pfn, mms: [p.id, c1.id, c2.id] };
  }

  it("counts the mappings whose accessed bit was set, clearing them", () => {
    const { w, pfn, mms } = shared3();
    const young = new Set([`${mms[0]}:${page(16)}`, `${mms[2]}:${page(16)}`]);
    const out = { vmFlags: -1 };
    expect(w.rmap.pageReferenced(pfn, w.ptePort(young), out)).toBe(2);
    expect(young.size).toBe(0);
    expect(out.vmFlags & VM_LOCKED).toBe(0);
    expect(w.rmap.pageReferenced(pfn, w.ptePort(young), out)).toBe(0);
    expect(out.vmFlags).toBe(0);
  });

  it("ignores references through VM_SEQ_READ and stops at VM_LOCKED", () => {
    const { w, pfn, mms } = shared3();
    const [p, c1] = [w.mms.get(mms[0]!)!, w.mms.get(mms[1]!)!];
    p.vmas[0]!.vmFlags |= VM_SEQ_READ;
    const young = new Set(mms.map((m) => `${m}:${page(16)}`));
    expect(w.rmap.pageReferenced(pfn, w.ptePort(young))).toBe(2);
    c1.vmas[0]!.vmFlags |= VM_LOCKED;
    const out = { vmFlags: 0 };
    w.rmap.pageReferenced(pfn, w.ptePort(new Set()), out);
    expect(out.vmFlags & VM_LOCKED).toBe(VM_LOCKED);
  });

  it("unmaps a page from every process, and not past an mlocked VMA unless told", () => {
    const { w, pfn, mms } = shared3();
    w.mms.get(mms[1]!)!.vmas[0]!.vmFlags |= VM_LOCKED;
    expect(w.rmap.tryToUnmap(pfn, w.ptePort())).toBe(false);
    expect(w.rmap.pageMapped(pfn)).toBe(true);
    w.check();
    expect(w.rmap.tryToUnmap(pfn, w.ptePort(), TTU_IGNORE_MLOCK)).toBe(true);
    expect(w.truth().has(pfn)).toBe(false);
    w.check();
    expect(w.rmap.tryToUnmap(pfn, w.ptePort())).toBe(true);
  });

  it("stops as soon as the page is unmapped, and refuses a port that forgets page_remove_rmap", () => {
    const { w, pfn } = shared3();
    let visits = 0;
    const base = w.ptePort();
    const counting: RmapPtePort = { ...base, pageVmaMapped: (m, a, f) => (visits++, base.pageVmaMapped(m, a, f)) };
    w.rmap.tryToUnmap(pfn, counting);
    expect(visits).toBe(3);
    const { w: w2, pfn: pfn2 } = shared3();
    const lazy: RmapPtePort = { ...w2.ptePort(), unmapPte: () => {} };
    expect(() => w2.rmap.tryToUnmap(pfn2, lazy)).toThrow(/pageRemoveRmap/);
  });

  it("a visitor may not unlink VMAs", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 2);
    const pfn = w.fault(mm, page(16), true);
    w.split(mm, a, page(17));
    expect(() => w.rmap.rmapWalk(pfn, () => (w.unmapVma(mm, mm.vmas[1]!), true))).toThrow(/linked or unlinked/);
    expect(PAGE_SIZE).toBe(4096);
  });
});
