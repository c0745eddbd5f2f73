import { describe, expect, it } from "vitest";
import { KernelBug, NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import { createFirstFitPageAllocator, pageAllocatorConformance } from "@mmsim/mm-conformance";

pageAllocatorConformance("first-fit reference", createFirstFitPageAllocator);

describe("first-fit reference: its own choices", () => {
  it("takes the lowest run that fits, unaligned", () => {
    // a.bb... → order 1 lands at 3, not at an aligned 4
    const a = createFirstFitPageAllocator(8);
    expect([a.allocPages(0), a.allocPages(0), a.allocPages(1)]).toEqual([0, 1, 2]);
    a.freePages(1, 0);
    expect(a.allocPages(1)).toBe(4);
    expect(a.allocPages(0)).toBe(1);
    a.assertValid();
  });
  it("gives the exact surplus back right after the kept pages", () => {
    const a = createFirstFitPageAllocator(8);
    expect(a.allocPagesExact(3 * PAGE_SIZE)).toBe(0);
    expect([a.pageCount(2), a.pageCount(3), a.allocPages(0)]).toEqual([1, 0, 3]);
    a.assertValid();
  });
  it("freePages with another reference held keeps the head as an order-0 page, as __free_pages() does", () => {
    const a = createFirstFitPageAllocator(8);
    const pfn = a.allocPages(2);
    a.getPage(pfn);
    a.freePages(pfn, 2);
    a.assertValid();
    expect([a.pageCount(pfn), a.freePagesCount()]).toEqual([1, 7]);
    expect(a.putPage(pfn)).toBe(0);
    expect(a.freePagesCount()).toBe(8);
  });
  it("freePagesExact over a range with a free page in it throws before dropping any reference", () => {
    const a = createFirstFitPageAllocator(8);
    const pfn = a.allocPagesExact(2 * PAGE_SIZE);
    expect(() => a.freePagesExact(pfn, 3 * PAGE_SIZE)).toThrow(KernelBug);
    expect([a.pageCount(pfn), a.pageCount(pfn + 1), a.freePagesCount()]).toEqual([1, 1, 6]);
  });
  it("refuses a bad page count and answers a fractional order with NO_PAGE", () => {
    expect(() => createFirstFitPageAllocator(-1)).toThrow(KernelBug);
    expect(createFirstFitPageAllocator(4).allocPages(0.5)).toBe(NO_PAGE);
  });
});
