import { describe, expect, it } from "vitest";
import { KernelBug, MAX_PAGE_ORDER, NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import { ALLOC_NO_WATERMARKS, BuddyAllocator, PG_BUDDY, defaultPcpSettings, formatBuddyinfo, pageState } from "../src/index.js";

/** A zone of `pages` with watermarks off, so every page can be allocated. */
function node(pages: number): BuddyAllocator {
  return new BuddyAllocator({ pages, minFreeKbytes: 0 });
}

function shape(a: BuddyAllocator): number[][] {
  return a.zones.map((z) => Array.from(z.nrFree));
}

describe("boot", () => {
  it("hands memory over in the largest aligned blocks, lowest first", () => {
    const a = node(1024 + 512 + 3);
    a.assertValid();
    expect(a.nrFreeByOrder()).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(a.zones[0]!.freeList(10)).toEqual([0]);
    expect(a.freePagesCount()).toBe(1539);
  });

  it("handles a zone that starts at an unaligned pfn", () => {
    const a = new BuddyAllocator({ firstPfn: 3, pages: 13, minFreeKbytes: 0 });
    a.assertValid();
    // pfn 3 (order 0), 4..7 (order 2), 8..15 (order 3)
    expect(a.nrFreeByOrder().slice(0, 4)).toEqual([1, 0, 1, 1]);
  });
});

describe("allocPages / freePages", () => {
  it("splits the first block and returns its lowest part (expand)", () => {
    const a = node(1024);
    expect(a.allocPages(0)).toBe(0);
    a.assertValid();
    // the upper halves 512, 256, ..., 1 are each on their order's list
    expect(a.nrFreeByOrder()).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(a.zones[0]!.freeList(9)).toEqual([512]);
    expect(a.zones[0]!.freeList(0)).toEqual([1]);
  });

  it("merges a freed block with its buddy all the way up (__free_one_page)", () => {
    const a = node(1024);
    const p = a.allocPages(3);
    a.freePages(p, 3);
    a.assertValid();
    expect(shape(a)).toEqual([[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]]);
  });

  it("takes the most recently freed block first (LIFO head)", () => {
    const a = node(16);
    const p = [0, 1, 2, 3].map(() => a.allocPages(0));
    expect(p).toEqual([0, 1, 2, 3]);
    a.freePages(0, 0);
    a.freePages(2, 0);
    a.assertValid();
    expect(a.allocPages(0)).toBe(2);
  });

  it("puts a block whose next merge is likely on the tail (buddy_merge_likely)", () => {
    const a = node(16);
    for (let i = 0; i < 16; i++) a.allocPages(0);
    a.freePages(2, 0); // buddy 3 busy: head
    a.freePages(8, 0); // buddy 9 busy: head
    a.freePages(1, 0); // buddy 0 busy; parent 0..1's buddy 2..3 is not free at order 1: head
    expect(a.zones[0]!.freeList(0)).toEqual([1, 8, 2]);
    a.freePages(11, 0); // buddy 10 busy; parent 10..11's buddy 8..9 not free at order 1: head
    a.freePages(4, 0);
    a.freePages(5, 0); // merges to 4..5 at order 1; its buddy 6..7 busy, parent 4..7's buddy 0..3 not free at order 2
    expect(a.zones[0]!.freeList(1)).toEqual([4]);
    a.assertValid();
  });

  it("fails with NO_PAGE, never throws, when memory runs out", () => {
    const a = node(8);
    expect(a.allocPages(4)).toBe(NO_PAGE);
    expect(a.allocPages(3)).toBe(0);
    expect(a.allocPages(0)).toBe(NO_PAGE);
    expect(a.allocPages(MAX_PAGE_ORDER + 1)).toBe(NO_PAGE);
    expect(a.allocPages(-1)).toBe(NO_PAGE);
    a.assertValid();
  });

  it("keeps the head when others still hold it and frees the rest (__free_pages)", () => {
    const a = node(16);
    const p = a.allocPages(2);
    a.getPage(p);
    a.freePages(p, 2);
    a.assertValid();
    expect(a.pageCount(p)).toBe(1);
    expect(a.freePagesCount()).toBe(15);
    expect(a.putPage(p)).toBe(0);
    a.assertValid();
    expect(a.freePagesCount()).toBe(16);
  });
});

describe("per-CPU page lists (optional)", () => {
  it("refills a batch from the buddy lists, serves from the head, keeps freed pages off buddyinfo", () => {
    const a = new BuddyAllocator({ pages: 64, minFreeKbytes: 0, pcp: { batch: 4, high: 8 } });
    expect(a.allocPages(0)).toBe(0);
    expect(a.zones[0]!.pcpList()).toEqual([1, 2, 3]);
    expect(a.freePagesCount()).toBe(60);
    a.freePages(0, 0);
    expect(a.zones[0]!.pcpList()).toEqual([0, 1, 2, 3]);
    expect(a.pcpPagesCount()).toBe(4);
    expect(a.nrFreeByOrder()[0]).toBe(0);
    a.assertValid();
    a.drainPages();
    a.assertValid();
    expect(a.nrFreeByOrder()).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it("returns a batch of the oldest pages when the list reaches high", () => {
    const a = new BuddyAllocator({ pages: 64, minFreeKbytes: 0, pcp: { batch: 2, high: 4 } });
    const p = [0, 1, 2, 3, 4].map(() => a.allocPages(0));
    for (const pfn of p) a.freePages(pfn, 0);
    a.assertValid();
    // frees push 0,1,2 on the head; at 4 pages (2,1,0 and the refill's 5) the oldest two, 5 and 0, go back;
    // then 3 and 4 are pushed and 1 and 2 go back
    expect(a.zones[0]!.pcpList()).toEqual([4, 3]);
    expect(a.freePagesCount() + a.pcpPagesCount()).toBe(64);
  });

  it("names the per-CPU list in a double-free message", () => {
    const a = new BuddyAllocator({ pages: 64, minFreeKbytes: 0, pcp: true });
    const pfn = a.allocPages(0);
    a.freePages(pfn, 0);
    expect(() => a.freePages(pfn, 0)).toThrow(/already free \(double free; it is on the per-CPU list\)/);
  });

  it("sizes batch and high as Linux does", () => {
    expect(defaultPcpSettings(262144)).toEqual({ batch: 63, high: 378 });
    expect(defaultPcpSettings(4096)).toEqual({ batch: 1, high: 6 });
  });
});

describe("misuse raises a KernelBug naming the pfn and the rule", () => {
  it.each([
    ["double free", (a: BuddyAllocator) => { const p = a.allocPages(0); a.freePages(p, 0); a.freePages(p, 0); }, /pfn 0x0 is already free \(double free\)/],
    ["wrong order", (a: BuddyAllocator) => { const p = a.allocPages(2); a.freePages(p, 1); }, /pfn 0x0 was allocated at order 2, freed at order 1/],
    ["tail page", (a: BuddyAllocator) => { const p = a.allocPages(2); a.freePages(p + 1, 0); }, /pfn 0x1 is not the head of an allocated block \(refcount 0\)/],
    ["out of range", (a: BuddyAllocator) => a.freePages(4096, 0), /pfn 0x1000 is outside the node/],
    ["putPage on a free page", (a: BuddyAllocator) => a.putPage(5), /putPage: pfn 0x5 is free \(inside the free block at 0x0, order 6\)/],
  ])("%s", (_name, misuse, message) => {
    const a = node(64);
    expect(() => misuse(a)).toThrow(KernelBug);
    const b = node(64);
    expect(() => misuse(b)).toThrow(message);
  });
});

describe("allocPagesExact", () => {
  it("keeps ceil(bytes/PAGE) order-0 pages and frees the tail page by page, to the tail", () => {
    const a = node(1024);
    const p = a.allocPagesExact(5 * PAGE_SIZE);
    expect(p).toBe(0);
    a.assertValid();
    expect(a.freePagesCount()).toBe(1019);
    for (let i = 0; i < 5; i++) expect(a.pageCount(p + i)).toBe(1);
    // pages 5,6,7 were given back: 5 (order 0) and 6..7 (order 1), each to the tail
    expect(a.zones[0]!.freeList(0)).toEqual([5]);
    expect(a.zones[0]!.freeList(1)).toEqual([6]);
    a.freePagesExact(p, 5 * PAGE_SIZE);
    a.assertValid();
    expect(shape(a)).toEqual([[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]]);
  });

  it("lets each kept page be freed on its own (split_page)", () => {
    const a = node(64);
    const p = a.allocPagesExact(3 * PAGE_SIZE);
    a.putPage(p + 1);
    a.assertValid();
    a.getPage(p + 2);
    expect(a.putPage(p + 2)).toBe(1);
    a.putPage(p);
    a.putPage(p + 2);
    a.assertValid();
    expect(a.freePagesCount()).toBe(64);
  });

  it.each([0, -1, NaN, Infinity, (4 << 20) + 1])("refuses %s bytes with NO_PAGE", (bytes) => {
    const a = node(2048);
    expect(a.allocPagesExact(bytes)).toBe(NO_PAGE);
    a.assertValid();
  });
});

describe("watermarks", () => {
  it("computes min_free_kbytes and the zone marks as Linux does", () => {
    // 16 MiB: int_sqrt(16384 * 16) = 512 kB → 128 pages
    const a = new BuddyAllocator({ pages: 4096 });
    expect(a.minFreeKbytes).toBe(512);
    const w = a.zones[0]!.watermarks;
    expect(w.min).toBe(128);
    expect(w.low).toBe(160);
    expect(w.high).toBe(192);
  });

  it("refuses an allocation that would cross WMARK_MIN, unless told ALLOC_NO_WATERMARKS", () => {
    const a = new BuddyAllocator({ pages: 4096 });
    let n = 0;
    while (a.allocPages(0) !== NO_PAGE) n++;
    expect(n).toBe(4096 - 128);
    expect(a.allocPages(0, ALLOC_NO_WATERMARKS)).not.toBe(NO_PAGE);
    a.assertValid();
  });
});

describe("zones", () => {
  it("allocates from the highest zone first and falls back to lower ones", () => {
    const a = new BuddyAllocator({ zones: [{ name: "DMA32", pages: 1024 }, { name: "Normal", pages: 1024 }], minFreeKbytes: 0 });
    expect(a.allocPages(10)).toBe(1024);
    expect(a.allocPages(10)).toBe(0);
    expect(a.allocPages(0)).toBe(NO_PAGE);
    a.freePages(1024, 10);
    a.assertValid();
    expect(formatBuddyinfo(a.zoneViews())).toBe(
      "Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0      0 \n" +
        "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      1 \n",
    );
  });

  it("never merges buddies across a zone boundary", () => {
    const a = new BuddyAllocator({ zones: [{ name: "DMA", pages: 4 }, { name: "Normal", pages: 4 }], minFreeKbytes: 0 });
    a.assertValid();
    expect(a.nrFreeByOrder().slice(0, 4)).toEqual([0, 0, 2, 0]);
  });
});

describe("assertValid catches corruption", () => {
  it("finds a free counter that drifted", () => {
    const a = node(64);
    a.zones[0]!.freePages++;
    expect(() => a.assertValid()).toThrow(/free page counter 65 != recount 64/);
  });

  it("finds two free buddies that were not merged", () => {
    const a = node(4);
    const z = a.zones[0]!;
    // forge: split the order-2 block into two free order-1 blocks by hand
    z.rmqueueSmallest(2);
    z.refcount[0] = 0;
    z.state[0] = pageState(PG_BUDDY, 1);
    z.state[2] = pageState(PG_BUDDY, 1);
    expect(() => a.assertValid()).toThrow(/free buddies 0x0 and 0x2 at order 1 were not merged/);
  });

  it("finds a page inside a block with its own state", () => {
    const a = node(8);
    a.allocPages(3);
    a.zones[0]!.refcount[3] = 1;
    expect(() => a.assertValid()).toThrow(/pfn 0x3 inside the block at 0x0 order 3/);
  });
});
