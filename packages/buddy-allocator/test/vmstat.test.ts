import { describe, expect, it } from "vitest";
import { BuddyAllocator, formatBuddyinfo, formatExtfragIndex, formatUnusableIndex, fragmentationIndex, unusableFreeIndex } from "../src/index.js";

describe("/proc/buddyinfo", () => {
  it("prints Linux's exact format: %8s zone name, %6lu per order, a space before the newline", () => {
    const a = new BuddyAllocator({ pages: 1024 + 3, minFreeKbytes: 0 });
    expect(formatBuddyinfo(a.zoneViews())).toBe("Node 0, zone   Normal      1      1      0      0      0      0      0      0      0      0      1 \n");
  });

  it("widens a column for counts beyond six digits", () => {
    const nrFree = [1234567, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const z = { name: "DMA", nodeId: 0, zoneStartPfn: 0, spannedPages: 1, managedPages: 1, freePages: 0, nrFree, watermarkMin: 0, watermarkLow: 0, watermarkHigh: 0 };
    expect(formatBuddyinfo([z])).toBe("Node 0, zone      DMA 1234567      0      0      0      0      0      0      0      0      0      0 \n");
  });
});

describe("fragmentation figures of mm/vmstat.c", () => {
  // 8 free order-0 pages scattered, nothing bigger
  const scattered = [8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

  it("fragmentation index: -1000 when the allocation would succeed", () => {
    expect(fragmentationIndex(scattered, 0)).toBe(-1000);
  });

  it("fragmentation index: towards 1000 when free memory is there but scattered", () => {
    // order 2: requested 4, free_pages 8, blocks 8 → 1000 - (1000 + 8000/4) / 8 = 625
    expect(fragmentationIndex(scattered, 2)).toBe(625);
  });

  it("fragmentation index: 0 with no free blocks at all", () => {
    expect(fragmentationIndex(new Array(11).fill(0), 3)).toBe(0);
  });

  it("unusable free space index", () => {
    expect(unusableFreeIndex(scattered, 0)).toBe(0);
    expect(unusableFreeIndex(scattered, 1)).toBe(1000);
    expect(unusableFreeIndex([2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1)).toBe(500);
    expect(unusableFreeIndex(new Array(11).fill(0), 0)).toBe(1000);
  });

  it("prints the debugfs tables with %2d.%03d and %d.%03d", () => {
    const z = { name: "Normal", nodeId: 0, zoneStartPfn: 0, spannedPages: 8, managedPages: 8, freePages: 8, nrFree: scattered, watermarkMin: 0, watermarkLow: 0, watermarkHigh: 0 };
    expect(formatExtfragIndex([z])).toBe(
      // 1000 - (1000 + 8000/2^o) / 8, by hand: 375, 625, 750, 813, 844, 860, 868, 872, 874, 875
      "Node 0, zone   Normal -1.000  0.375  0.625  0.750  0.813  0.844  0.860  0.868  0.872  0.874  0.875 \n",
    );
    expect(formatUnusableIndex([z])).toBe(
      "Node 0, zone   Normal 0.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000 \n",
    );
  });
});
