import { describe, expect, it } from "vitest";
import { NOMMU_RMAP, nommuAnonVmaLink, nommuAnonVmaPrepare, nommuPageReferenced, nommuTryToUnmap } from "../src/index.js";
import type { RmapPtePort } from "../src/index.js";
import { TestVma, page } from "./support.js";

describe("NOMMU rmap", () => {
  const touched: string[] = [];
  const ptes: RmapPtePort = {
    pageVmaMapped: () => (touched.push("mapped"), true),
    ptepClearFlushYoung: () => (touched.push("young"), true),
    unmapPte: () => touched.push("unmap"),
  };

  it("prepares nothing, links nothing, finds no references and unmaps nothing", () => {
    const vma = new TestVma(1, page(1), page(2), 1, 0);
    expect(nommuAnonVmaPrepare(vma)).toBe(0);
    nommuAnonVmaLink(vma);
    expect(NOMMU_RMAP.anonVmaPrepare(vma)).toBe(0);
    expect(NOMMU_RMAP.anonVmaFork(vma, vma)).toBe(0);
    NOMMU_RMAP.unlinkAnonVmas(vma);
    expect(vma.anonVma).toBeNull();
    expect(vma.anonVmaChain).toEqual([]);
    const out = { vmFlags: 123 };
    expect(nommuPageReferenced(5, ptes, out)).toBe(0);
    expect(out.vmFlags).toBe(0);
    expect(nommuTryToUnmap(5, ptes)).toBe(false);
    expect(NOMMU_RMAP.tryToUnmap(5, ptes, 0)).toBe(false);
    expect(touched).toEqual([]);
  });
});
