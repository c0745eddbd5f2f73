import { describe, expect, it } from "vitest";
import { EBUSY, EPERM, PAGE_SIZE, VM_MAYWRITE, VM_READ, VM_SHARED } from "@mmsim/mm-types";
import { AddressSpace, isSharedMaywrite, vmaLastPgoff } from "../src/index.js";
import { PRIVATE_RW, SHARED_RW, TestVma, page } from "./support.js";

const fileVma = (mm: number, start: number, pages: number, pgoff: number, flags = PRIVATE_RW): TestVma =>
  new TestVma(mm, page(start), page(start + pages), pgoff, flags);

describe("AddressSpace (i_mmap)", () => {
  it("finds the VMAs that map a file range, whatever their addresses", () => {
    // file pages:   0    4    8    12   16
    // mm1 A         [AAAA]                       at 0x100000
    // mm1 B              [BBBBBBBB]              at 0x200000
    // mm2 C                   [CCCCCCCC]         at 0x100000
    const as = new AddressSpace();
    const a = fileVma(1, 256, 4, 0);
    const b = fileVma(1, 512, 8, 4);
    const c = fileVma(2, 256, 8, 8);
    for (const v of [c, a, b]) as.vmaLink(v);
    as.assertValid();
    expect([...as.vmasIntersecting(3, 3)]).toEqual([a]);
    expect([...as.vmasIntersecting(4, 8)]).toEqual([b, c]);
    expect([...as.vmasIntersecting(12, 1e15)]).toEqual([c]);
    expect([...as.vmasIntersecting(16, Number.MAX_SAFE_INTEGER)]).toEqual([]);
    expect(vmaLastPgoff(c)).toBe(15);
    as.vmaUnlink(b);
    expect([...as.vmasIntersecting(4, 8)]).toEqual([c]);
    expect(as.mapCount).toBe(2);
    as.assertValid();
  });

  it("counts shared writable mappings in i_mmap_writable (VM_SHARED and VM_MAYWRITE both)", () => {
    const as = new AddressSpace();
    const shared = fileVma(1, 16, 1, 0, SHARED_RW);
    const sharedRo = fileVma(1, 32, 1, 0, VM_READ | VM_SHARED);
    const priv = fileVma(1, 48, 1, 0, PRIVATE_RW);
    expect(isSharedMaywrite(shared.vmFlags)).toBe(true);
    expect(isSharedMaywrite(VM_SHARED)).toBe(false);
    expect(isSharedMaywrite(VM_MAYWRITE)).toBe(false);
    for (const v of [shared, sharedRo, priv]) as.vmaLink(v);
    expect(as.iMmapWritable).toBe(1);
    expect(as.mappingWritablyMapped()).toBe(true);
    expect(as.mappingDenyWritable()).toBe(-EBUSY);
    as.vmaUnlink(shared);
    expect(as.mappingWritablyMapped()).toBe(false);
    expect(as.mappingDenyWritable()).toBe(0);
    expect(as.mappingMapWritable()).toBe(-EPERM);
    as.mappingAllowWritable();
    expect(as.mappingMapWritable()).toBe(0);
    as.mappingUnmapWritable();
    as.assertValid();
    expect(as.iMmapWritable).toBe(0);
  });

  it("notices a VMA moved while linked, and misuse", () => {
    const as = new AddressSpace();
    const a = fileVma(1, 16, 2, 0);
    as.vmaLink(a);
    expect(() => as.vmaLink(a)).toThrow(/twice/);
    a.vmPgoff = 1;
    expect(() => as.assertValid()).toThrow(/changed range while linked/);
    a.vmPgoff = 0;
    a.vmFlags |= VM_SHARED | VM_MAYWRITE;
    expect(() => as.assertValid()).toThrow(/VM_SHARED\|VM_MAYWRITE/);
    a.vmFlags = PRIVATE_RW;
    as.vmaUnlink(a);
    expect(() => as.vmaUnlink(a)).toThrow(/not linked/);
    expect(() => as.vmaLink(new TestVma(1, PAGE_SIZE, PAGE_SIZE, 0, 0))).toThrow(/non-empty/);
  });

  it("a fork's copy goes right after its parent's VMA (truncate visits them together)", () => {
    const as = new AddressSpace();
    const a = fileVma(1, 16, 2, 0);
    const b = fileVma(2, 16, 2, 0);
    const childOfA = fileVma(3, 16, 2, 0);
    as.vmaLink(a);
    as.vmaLink(b);
    as.vmaLinkAfter(childOfA, a);
    expect([...as.vmasIntersecting(0, 0)]).toEqual([a, childOfA, b]);
    as.assertValid();
  });
});
