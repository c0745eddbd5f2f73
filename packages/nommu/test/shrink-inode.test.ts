import { describe, expect, it } from "vitest";
import { ETXTBSY, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { P, RamfsInode, makeWorld } from "./fakes.js";
import { privReq, regionAt, sharedReq } from "./helpers.js";

describe("truncating a mapped memory-backed file (NOMMU-29)", () => {
  it("refuses to cut under a shared mapping with ETXTBSY", () => {
    const w = makeWorld();
    const f = new RamfsInode("/dev/shm/x", w);
    f.truncate(4 * P);
    const mm = w.nommu.mmNew();
    const a = w.nommu.mmap(mm, sharedReq(f.open({ writable: true }), 2, 2 * P));
    expect(f.truncate(3 * P)).toBe(-ETXTBSY);
    expect(f.truncate(4 * P + 100)).toBe(0); // growing: nothing is cut
    expect(w.nommu.munmap(mm, a, 2 * P)).toBe(0);
    expect(f.truncate(P)).toBe(0);
    expect(f.pages).toHaveLength(1);
    w.nommu.assertValid();
  });

  it("ignores private mappings, which hold copies", () => {
    const w = makeWorld();
    const f = new RamfsInode("/dev/shm/x", w);
    f.truncate(4 * P);
    const mm = w.nommu.mmNew();
    w.nommu.mmap(mm, privReq(f.open(), 0, 4 * P, PROT_READ | PROT_WRITE));
    expect(f.truncate(P)).toBe(0);
    w.nommu.assertValid();
  });

  it("cuts the shared regions that reach past the new size down to it", () => {
    // region [0, 4) made by a mapping that went; what remains maps page 0 only: the cut [2, 4) is free
    const w = makeWorld();
    const f = new RamfsInode("/dev/shm/x", w);
    f.truncate(4 * P);
    const [m1, m2] = [w.nommu.mmNew(), w.nommu.mmNew()];
    const a = w.nommu.mmap(m1, sharedReq(f.open({ writable: true }), 0, 4 * P, PROT_READ | PROT_WRITE));
    expect(w.nommu.mmap(m2, sharedReq(f.open({ writable: true }), 0, P, PROT_READ | PROT_WRITE))).toBe(a);
    w.nommu.mmRelease(m1);
    expect(regionAt(w.nommu, a)).toMatchObject({ vmEnd: a + 4 * P, vmTop: a + 4 * P });
    expect(f.truncate(2 * P)).toBe(0);
    expect(regionAt(w.nommu, a)).toMatchObject({ vmStart: a, vmEnd: a + 2 * P, vmTop: a + 2 * P });
    w.nommu.assertValid();
  });
});

describe("the read-only private overlay 6.12 forgets", () => {
  it("refuses to cut under it too: 6.12 frees the pages and BUG()s on the next copy placed there", () => {
    // test/oracle/crash/overlay-truncate.c: "kernel BUG at mm/nommu.c:464" on Linux 6.12
    const w = makeWorld();
    const f = new RamfsInode("/f.bin", w);
    f.truncate(4 * P);
    const mm = w.nommu.mmNew();
    const a = w.nommu.mmap(mm, privReq(f.open(), 0, 4 * P, PROT_READ));
    expect(a).toBe(f.pages[0]! * P); // on the page cache itself
    expect(f.truncate(0)).toBe(-ETXTBSY);
    for (let i = 0; i < 4; i++) w.nommu.mmap(mm, { addr: 0, len: P, prot: PROT_READ | PROT_WRITE, flags: 0x22, pgoff: 0, file: null });
    w.nommu.assertValid();
    expect(w.nommu.munmap(mm, a, 4 * P)).toBe(0);
    expect(f.truncate(0)).toBe(0);
  });
});
