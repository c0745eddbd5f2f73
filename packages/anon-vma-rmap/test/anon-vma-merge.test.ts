import { describe, expect, it } from "vitest";
import { VM_EXEC, VM_LOCKED, VM_SOFTDIRTY, VM_WRITE } from "@mmsim/mm-types";
import { anonVmaCompatible, findMergeableAnonVma, isMergeableAnonVma, reusableAnonVma } from "../src/index.js";
import { PRIVATE_RW, TestVma, World, page } from "./support.js";

describe("is_mergeable_anon_vma", () => {
  it("allows the same anon_vma, or none on one side when the existing VMA was never forked", () => {
    const w = new World();
    const p = w.newMm();
    const a = w.mmapAnon(p, page(16), 4);
    w.fault(p, page(16), true);
    const av = a.anonVma!;
    expect(isMergeableAnonVma(av, av, a)).toBe(true);
    expect(isMergeableAnonVma(null, av, a)).toBe(true);
    expect(isMergeableAnonVma(null, null, null)).toBe(true);
    expect(isMergeableAnonVma(av, null, null)).toBe(true);
    const c = w.fork(p);
    const ca = c.vmas[0]!;
    // the child's VMA has two chains: a new neighbour may not merge into it
    expect(isMergeableAnonVma(null, ca.anonVma, ca)).toBe(false);
    expect(isMergeableAnonVma(av, ca.anonVma, null)).toBe(false);
    // 6.1: a VMA with no anon_vma has an empty list, which is not singular either
    const b = w.mmapAnon(p, page(20), 4);
    expect(isMergeableAnonVma(av, null, b)).toBe(false);
  });
});

describe("find_mergeable_anon_vma", () => {
  it.each([
    ["access bits differ", VM_WRITE | VM_EXEC, true],
    ["soft-dirty differs", VM_SOFTDIRTY, true],
    ["VM_LOCKED differs", VM_LOCKED, false],
  ])("neighbours whose flags differ only as mprotect makes them: %s", (_what, diff, ok) => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    const b = w.mmapAnon(mm, page(20), 4, PRIVATE_RW ^ diff);
    w.fault(mm, page(16), true);
    expect(anonVmaCompatible(a, b)).toBe(ok);
    expect(findMergeableAnonVma(b, a, null)).toBe(ok ? a.anonVma : null);
  });

  it("needs adjacency, the same file and contiguous pgoffs", () => {
    const w = new World();
    const mm = w.newMm();
    const a = w.mmapAnon(mm, page(16), 4);
    w.fault(mm, page(16), true);
    const gap = new TestVma(mm.id, page(21), page(22), 21, PRIVATE_RW);
    const moved = new TestVma(mm.id, page(20), page(22), 7, PRIVATE_RW);
    const file = new TestVma(mm.id, page(20), page(22), 20, PRIVATE_RW, w.file);
    const fine = new TestVma(mm.id, page(20), page(22), 20, PRIVATE_RW);
    expect(reusableAnonVma(a, a, gap)).toBeNull();
    expect(reusableAnonVma(a, a, moved)).toBeNull();
    expect(reusableAnonVma(a, a, file)).toBeNull();
    expect(reusableAnonVma(a, a, fine)).toBe(a.anonVma);
    expect(findMergeableAnonVma(fine, null, null)).toBeNull();
  });
});
