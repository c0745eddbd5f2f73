import { describe, expect, it } from "vitest";
import { ENOMEM, PAGE_SIZE } from "@mmsim/mm-types";
import { AnonVmaCache, isReusableOnFork } from "../src/index.js";
import type { AnonVma } from "../src/index.js";
import { TestVma, World, page } from "./support.js";

/** Addresses of the VMAs the walk offers for pfn, as "mm:hexaddr". */
function where(w: World, pfn: number): string[] {
  return [...w.walk(pfn)].map((k) => {
    const [mm, addr] = k.split(":");
    return `${mm}:${Number(addr).toString(16)}`;
  }).sort();
}

describe("anon_vma_prepare", () => {
  it("gives the first faulting VMA a new root anon_vma that counts itself as a child", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    expect(a.anonVma).toBeNull();
    w.fault(mm, page(17), true);
    const av = a.anonVma!;
    expect(av.root).toBe(av);
    expect(av.parent).toBe(av);
    expect([av.refcount, av.numChildren, av.numActiveVmas]).toEqual([1, 1, 1]);
    expect(a.anonVmaChain.map((c) => c.anonVma)).toEqual([av]);
    w.check();
  });

  it("reuses the next, then the previous, compatible neighbour's anon_vma", () => {
    // AAAA BBBB      (A faulted) → B's first fault shares A's anon_vma: mprotect can merge them again
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    const b = w.mmapAnon(mm, page(20), 4);
    w.fault(mm, page(16), true);
    w.fault(mm, page(20), true);
    expect(b.anonVma).toBe(a.anonVma);
    expect(a.anonVma!.numActiveVmas).toBe(2);
    expect(w.anonVmas.nrAnonVmas).toBe(1);
    // CCCC DDDD with D faulted first: C takes D's (the next one is tried first)
    const c = w.mmapAnon(mm, page(40), 4);
    const d = w.mmapAnon(mm, page(44), 4);
    w.fault(mm, page(44), true);
    w.fault(mm, page(40), true);
    expect(c.anonVma).toBe(d.anonVma);
    w.check();
  });

  it("does not share with a neighbour whose pgoffs are not contiguous, or that was forked", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    const b = new TestVma(mm.id, page(20), page(24), 99, a.vmFlags);
    mm.vmas.push(b);
    w.fault(mm, page(16), true);
    w.fault(mm, page(20), true);
    expect(b.anonVma).not.toBe(a.anonVma);
    const child = w.fork(mm);
    const [ca] = child.vmas;
    const cb = w.mmapAnon(child, page(8), 8); // ends where ca starts: ca has two chains now
    w.fault(child, page(8), true);
    expect(ca!.anonVmaChain.length).toBe(2);
    expect(cb.anonVma).not.toBe(ca!.anonVma);
    w.check();
  });

  it("returns -ENOMEM and leaves the VMA untouched when an allocation fails", () => {
    for (const cache of ["anon_vma", "anon_vma_chain"] as const) {
      const c = new AnonVmaCache({ shouldFailSlab: (what) => what === cache });
      const vma = new TestVma(1, page(1), page(2), 1, 0);
      expect(c.anonVmaPrepare(vma)).toBe(-ENOMEM);
      expect(vma.anonVma).toBeNull();
      expect(vma.anonVmaChain).toEqual([]);
      expect(c.nrAnonVmas + c.nrAnonVmaChains).toBe(0);
      c.assertValid([vma]);
    }
  });
});

describe("fork and copy-on-write", () => {
  it("finds a shared page from both processes before COW, and each copy from its own VMA only after", () => {
    // parent P: AAAA at 0x10000, page at 0x11000 written → fork → C shares it
    const w = new World();
    const p = w.newMm();
    const pa = w.mmapAnon(p, page(16), 4);
    const pfn = w.fault(p, page(17), true);
    const c = w.fork(p);
    const ca = c.vmas[0]!;
    expect(w.rmap.pageMapcount(pfn)).toBe(2);
    expect(where(w, pfn)).toEqual([`${p.id}:11000`, `${c.id}:11000`]);
    // the child got its own anon_vma under the parent's
    expect(ca.anonVma).not.toBe(pa.anonVma);
    expect(ca.anonVma!.parent).toBe(pa.anonVma);
    expect(ca.anonVma!.root).toBe(pa.anonVma);
    expect(ca.anonVmaChain.map((x) => x.anonVma)).toEqual([pa.anonVma, ca.anonVma]);
    expect(pa.anonVma!.numChildren).toBe(2);
    expect(pa.anonVma!.refcount).toBe(2);
    w.check();
    // the child writes: a new page in the child's anon_vma, found from the child's VMA only
    const copy = w.fault(c, page(17), true);
    expect(copy).not.toBe(pfn);
    expect(w.rmap.pageAnonVma(copy)).toBe(ca.anonVma);
    expect(where(w, copy)).toEqual([`${c.id}:11000`]);
    expect(w.rmap.pageMapcount(pfn)).toBe(1);
    // the old page still points at the parent's anon_vma, whose tree holds both VMAs
    expect(where(w, pfn)).toEqual([`${p.id}:11000`, `${c.id}:11000`]);
    w.check();
    // the parent writes: its page is now its alone, reused in place (page_move_anon_rmap)
    expect(w.fault(p, page(17), true)).toBe(pfn);
    expect(w.rmap.pageAnonExclusive(pfn)).toBe(true);
    w.check();
  });

  it("a child of a VMA without anon_vma gets none", () => {
    const w = new World();
    const p = w.newMm();
    w.mmapAnon(p, page(16), 4);
    const c = w.fork(p);
    expect(c.vmas[0]!.anonVma).toBeNull();
    expect(c.vmas[0]!.anonVmaChain).toEqual([]);
    w.check();
  });

  it("a grandchild reuses an anon_vma no VMA uses any more (the 6.x heuristic)", () => {
    // P forks C, C forks G, C exits: C's anon_vma has no active VMA and one child (G's)…
    const w = new World();
    const p = w.newMm();
    w.mmapAnon(p, page(16), 1);
    w.fault(p, page(16), true);
    const c = w.fork(p);
    const cav = c.vmas[0]!.anonVma!;
    const g = w.fork(c);
    const gav = g.vmas[0]!.anonVma!;
    expect(gav.parent).toBe(cav);
    w.exit(c);
    // C's anon_vma lives on: G is still linked to it
    expect(cav.freed).toBe(false);
    expect([cav.numActiveVmas, cav.numChildren]).toEqual([0, 1]);
    expect(isReusableOnFork(cav)).toBe(true);
    w.check();
    // …so when G forks, its child takes C's anon_vma instead of a new one
    const before = w.anonVmas.nrAnonVmas;
    const gg = w.fork(g);
    expect(gg.vmas[0]!.anonVma).toBe(cav);
    expect(w.anonVmas.nrAnonVmas).toBe(before);
    expect(cav.numActiveVmas).toBe(1);
    w.check();
    // the root is never reused: it counts itself as a child
    const proot = p.vmas[0]!.anonVma!;
    expect(proot.numChildren).toBeGreaterThanOrEqual(2);
    expect(isReusableOnFork(proot)).toBe(false);
  });

  it("an anon_vma with two children is not reused even with no VMA left", () => {
    // P → C; C forks G1 and G2; C exits: C's anon_vma has no VMA but two children
    const w = new World();
    const p = w.newMm();
    w.mmapAnon(p, page(16), 1);
    w.fault(p, page(16), true);
    const c = w.fork(p);
    const cav = c.vmas[0]!.anonVma!;
    const g1 = w.fork(c);
    w.fork(c);
    w.exit(c);
    expect([cav.numActiveVmas, cav.numChildren]).toEqual([0, 2]);
    expect(isReusableOnFork(cav)).toBe(false);
    const gg = w.fork(g1);
    expect(gg.vmas[0]!.anonVma).not.toBe(cav);
    expect(gg.vmas[0]!.anonVma!.parent).toBe(g1.vmas[0]!.anonVma);
    w.check();
  });

  it("a long fork-and-exit chain keeps a bounded number of anon_vmas", () => {
    // each generation forks and then the old one exits: without reuse every generation adds one
    const w = new World();
    let mm = w.newMm();
    w.mmapAnon(mm, page(16), 1);
    w.fault(mm, page(16), true);
    for (let i = 0; i < 50; i++) {
      const child = w.fork(mm);
      w.fault(child, page(16), true);
      w.exit(mm);
      mm = child;
      w.check();
    }
    expect(w.anonVmas.nrAnonVmas).toBeLessThanOrEqual(3);
    expect(mm.vmas[0]!.anonVmaChain.length).toBeLessThanOrEqual(3);
  });

  it("a page COWed deep in a fork chain is walked through its own VMA alone (the 2010 problem)", () => {
    // 20 live generations; the youngest writes: the walk for its page visits 1 VMA, not 20
    const w = new World();
    const mms = [w.newMm()];
    w.mmapAnon(mms[0]!, page(16), 1);
    const shared = w.fault(mms[0]!, page(16), true);
    for (let i = 0; i < 19; i++) mms.push(w.fork(mms[mms.length - 1]!));
    const young = mms[mms.length - 1]!;
    const own = w.fault(young, page(16), true);
    expect(w.rmap.rmapWalk(own, () => true)).toBe(1);
    // a page still shared by all (the root's) is visited in every generation, as it must
    expect(w.rmap.rmapWalk(shared, () => true)).toBe(mms.length);
    w.check();
  });
});

describe("split, merge, mremap", () => {
  it("split keeps both halves findable", () => {
    // AAAAAAAA → AAAA|BBBB, with a page in each half
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 8);
    const lo = w.fault(mm, page(17), true);
    const hi = w.fault(mm, page(22), true);
    const b = w.split(mm, a, page(20));
    expect(b.anonVma).toBe(a.anonVma);
    expect(a.anonVma!.numActiveVmas).toBe(2);
    expect(a.anonVma!.rbRoot.size).toBe(2);
    expect(where(w, lo)).toEqual([`${mm.id}:11000`]);
    expect(where(w, hi)).toEqual([`${mm.id}:16000`]);
    w.check();
  });

  it("merge folds the absorbed VMA's chains away", () => {
    // AAAA|BBBB → AAAAAAAA
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 8);
    const pfn = w.fault(mm, page(22), true);
    const b = w.split(mm, a, page(20));
    w.merge(mm, a, b);
    expect(mm.vmas).toEqual([a]);
    expect(a.anonVma!.numActiveVmas).toBe(1);
    expect(w.anonVmas.nrAnonVmaChains).toBe(1);
    expect(where(w, pfn)).toEqual([`${mm.id}:16000`]);
    w.check();
  });

  it("merge into a VMA without anon_vma imports the other's (vma_expand)", () => {
    // AAAA BBBB (only B faulted, but with its own anon_vma) → A absorbs B and takes its anon_vma
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    const b = w.mmapAnon(mm, page(20), 4);
    w.anonVmas.anonVmaPrepare(b);
    const pfn = w.fault(mm, page(21), true);
    w.merge(mm, a, b);
    expect(a.anonVma).not.toBeNull();
    expect(where(w, pfn)).toEqual([`${mm.id}:15000`]);
    w.check();
  });

  it("mremap move keeps pgoff, changes the address, and the rmap still finds the page", () => {
    // AAAA at 0x10000 → moved to 0x80000: page index stays 0x11, found at 0x81000
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    const pfn = w.fault(mm, page(17), true);
    const moved = w.move(mm, a, page(128));
    expect(moved.vmPgoff).toBe(16);
    expect(w.rmap.pageIndex(pfn)).toBe(17);
    expect(where(w, pfn)).toEqual([`${mm.id}:81000`]);
    w.check();
  });

  it("mremap of a never-faulted anonymous VMA takes the new address as pgoff", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    expect(w.move(mm, a, page(128)).vmPgoff).toBe(128);
    w.check();
  });

  it("moved and forked: the child's pages are found at the moved address in both", () => {
    const w = new World();
    const p = w.newMm();
    const a = w.mmapAnon(p, page(16), 4);
    const pfn = w.fault(p, page(18), true);
    w.move(p, a, page(64));
    const c = w.fork(p);
    expect(where(w, pfn)).toEqual([`${p.id}:42000`, `${c.id}:42000`]);
    w.check();
  });
});

describe("unlink_anon_vmas", () => {
  it("frees the anon_vma when its last VMA goes", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    w.fault(mm, page(16), true);
    const av = a.anonVma!;
    w.unmapVma(mm, a);
    expect(av.freed).toBe(true);
    expect(w.anonVmas.nrAnonVmas + w.anonVmas.nrAnonVmaChains).toBe(0);
    expect(w.anonVmas.pool.nodesInUse).toBe(0);
    w.check();
  });

  it("keeps a root alive for its children and frees it with the last of them", () => {
    const w = new World();
    const p = w.newMm();
    w.mmapAnon(p, page(16), 2);
    w.fault(p, page(16), true);
    const root = p.vmas[0]!.anonVma!;
    const c = w.fork(p);
    w.fault(c, page(16), true);
    w.exit(p);
    // the parent's VMA is gone but the child is still linked to the root
    expect(root.freed).toBe(false);
    expect(root.numActiveVmas).toBe(0);
    expect(root.refcount).toBe(2);
    w.check();
    w.exit(c);
    expect(root.freed).toBe(true);
    expect(w.anonVmas.nrAnonVmas).toBe(0);
    w.check();
  });

  it("a pinned anon_vma outlives its VMAs until the pin goes (folio_get_anon_vma)", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 1);
    w.fault(mm, page(16), true);
    const av = a.anonVma!;
    w.anonVmas.getAnonVma(av);
    w.exit(mm);
    expect(av.freed).toBe(false);
    w.check();
    w.anonVmas.putAnonVma(av);
    expect(av.freed).toBe(true);
    w.check();
  });
});

describe("anon_vma_clone and anon_vma_fork failures", () => {
  it("unwinds a clone that runs out of chains halfway", () => {
    let budget = Infinity;
    const w = new World(64, (what) => what === "anon_vma_chain" && --budget < 0);
    const p = w.newMm();
    w.mmapAnon(p, page(16), 2);
    w.fault(p, page(16), true);
    const c = w.fork(p); // two chains in c
    const src = c.vmas[0]!;
    const dst = new TestVma(c.id, src.vmStart, src.vmEnd, src.vmPgoff, src.vmFlags);
    dst.anonVma = src.anonVma;
    budget = 1;
    expect(w.anonVmas.anonVmaClone(dst, src)).toBe(-ENOMEM);
    expect(dst.anonVma).toBeNull();
    expect(dst.anonVmaChain).toEqual([]);
    w.anonVmas.assertValid([...w.allVmas(), dst]);
  });

  it("unwinds a fork whose own anon_vma can't be allocated", () => {
    let fail = false;
    const w = new World(64, (what) => fail && what === "anon_vma");
    const p = w.newMm();
    const pa = w.mmapAnon(p, page(16), 2);
    w.fault(p, page(16), true);
    const before = w.anonVmas.nrAnonVmaChains;
    const child = new TestVma(99, pa.vmStart, pa.vmEnd, pa.vmPgoff, pa.vmFlags);
    child.anonVma = pa.anonVma;
    fail = true;
    expect(w.anonVmas.anonVmaFork(child, pa)).toBe(-ENOMEM);
    expect(child.anonVma).toBeNull();
    expect(child.anonVmaChain).toEqual([]);
    expect(w.anonVmas.nrAnonVmaChains).toBe(before);
    w.anonVmas.assertValid([...w.allVmas(), child]);
  });
});

describe("assertValid catches", () => {
  it("a VMA whose range changed without pre/post update", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    w.fault(mm, page(16), true);
    a.vmEnd += PAGE_SIZE;
    expect(() => w.anonVmas.assertValid()).toThrow(/pgoff range/);
  });

  it("a chain missing from its VMA's list, and a wrong counter", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    w.fault(mm, page(16), true);
    a.anonVma!.numActiveVmas++;
    expect(() => w.anonVmas.assertValid()).toThrow(/num_active_vmas/);
    a.anonVma!.numActiveVmas--;
    const avc = a.anonVmaChain.pop()!;
    expect(() => w.anonVmas.assertValid()).toThrow(/not on the VMA's list/);
    a.anonVmaChain.push(avc);
    w.anonVmas.assertValid();
  });

  it("a VMA with an anon_vma that no tree links", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    const b = w.mmapAnon(mm, page(32), 4);
    w.fault(mm, page(16), true);
    b.anonVma = a.anonVma;
    expect(() => w.anonVmas.assertValid(w.allVmas())).toThrow(/in no tree/);
  });
});

describe("the live anon_vma table (nrAnonVmas, lookup, anonVmas)", () => {
  /** Every anon_vma a VMA of `vmas` links to. */
  const linked = (vmas: Iterable<TestVma>): AnonVma[] => [...vmas].flatMap((v) => v.anonVmaChain.map((c) => c.anonVma));

  it("tracks thousands of anon_vmas through fork and exit churn, in id order", () => {
    // A pseudo-random mix of new roots, forks of live VMAs and unlinks, across many leaves of ids,
    // checked after every step against the anon_vmas seen so far and their freed flags.
    const c = new AnonVmaCache();
    const vmas: TestVma[] = [];
    const seen = new Map<number, AnonVma>();
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let step = 0; step < 3000; step++) {
      const op = rand(10);
      if (op < 2 || vmas.length === 0) {
        const v = new TestVma(1, page(16), page(18), 16, 0);
        expect(c.anonVmaPrepare(v)).toBe(0);
        vmas.push(v);
      } else if (op < 6) {
        const p = vmas[rand(vmas.length)]!;
        const v = new TestVma(2, p.vmStart, p.vmEnd, p.vmPgoff, 0);
        expect(c.anonVmaFork(v, p)).toBe(0);
        vmas.push(v);
      } else {
        c.unlinkAnonVmas(vmas.splice(rand(vmas.length), 1)[0]!);
      }
      for (const a of linked(vmas)) seen.set(a.id, a);
      if (step % 50 !== 0 && step !== 2999) continue;
      const live = [...seen.values()].filter((a) => !a.freed).sort((a, b) => a.id - b.id);
      expect([...c.anonVmas()]).toEqual(live);
      expect(c.nrAnonVmas).toBe(live.length);
      for (const a of seen.values()) expect(c.lookup(a.id)).toBe(a.freed ? undefined : a);
      c.assertValid(vmas);
    }
    expect(Math.max(...seen.keys())).toBeGreaterThan(1000);
    for (const v of vmas.splice(0)) c.unlinkAnonVmas(v);
    expect(c.nrAnonVmas).toBe(0);
    expect([...c.anonVmas()]).toEqual([]);
    for (const id of seen.keys()) expect(c.lookup(id)).toBeUndefined();
    c.assertValid();
  });

  it("survives an mmap + fault + munmap loop: each anon_vma freed before the next is made", () => {
    const c = new AnonVmaCache();
    const keep = new TestVma(1, page(64), page(65), 64, 0);
    c.anonVmaPrepare(keep);
    for (let i = 0; i < 1000; i++) {
      const v = new TestVma(1, page(16), page(17), 16, 0);
      expect(c.anonVmaPrepare(v)).toBe(0);
      const av = v.anonVma!;
      expect(c.lookup(av.id)).toBe(av);
      expect(c.nrAnonVmas).toBe(2);
      c.unlinkAnonVmas(v);
      expect(c.lookup(av.id)).toBeUndefined();
    }
    expect([...c.anonVmas()]).toEqual([keep.anonVma]);
    expect(c.lookup(keep.anonVma!.id)).toBe(keep.anonVma);
    c.assertValid([keep]);
  });

  it("lookup answers undefined for what is not a live id", () => {
    const c = new AnonVmaCache();
    const v = new TestVma(1, page(16), page(17), 16, 0);
    c.anonVmaPrepare(v);
    const id = v.anonVma!.id;
    expect(c.lookup(id)).toBe(v.anonVma);
    for (const bad of [0, -id, id + 0.5, id + 1, 2 ** 31, 2 ** 40, NaN, Infinity]) expect(c.lookup(bad)).toBeUndefined();
  });

  it("refuses an anon_vma that is freed or belongs to another cache", () => {
    const w = new World();
    const other = new AnonVmaCache();
    const ov = new TestVma(9, page(16), page(17), 16, 0);
    other.anonVmaPrepare(ov);
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 1);
    w.fault(mm, page(16), true);
    const av = a.anonVma!;
    // the stranger has the same id as a live anon_vma of this cache
    expect(ov.anonVma!.id).toBe(av.id);
    const c = w.mmapAnon(mm, page(24), 1);
    expect(() => w.anonVmas.anonVmaPrepare(c, () => ov.anonVma)).toThrow(/freed or not from this cache/);
    expect(() => w.anonVmas.getAnonVma(ov.anonVma!)).toThrow(/freed or not from this cache/);
    expect(c.anonVma).toBeNull();
    w.check();
    w.unmapVma(mm, a);
    expect(av.freed).toBe(true);
    expect(() => w.anonVmas.getAnonVma(av)).toThrow(/freed or not from this cache/);
    const b = w.mmapAnon(mm, page(32), 1);
    expect(() => w.anonVmas.anonVmaPrepare(b, () => av)).toThrow(/freed or not from this cache/);
  });
});
