import { describe, expect, it } from "vitest";
import { NO_PAGE } from "@mmsim/mm-types";
import { pageAllocatorConformance } from "@mmsim/mm-conformance";
import { BuddyAllocator } from "../src/index.js";

// The kit expects every free page to be allocatable: watermarks off (minFreeKbytes: 0), and no
// per-CPU lists, whose pages are free but not counted in freePagesCount() (as NR_FREE_PAGES).
pageAllocatorConformance("buddy allocator", (pages) => new BuddyAllocator({ pages, minFreeKbytes: 0 }));

describe("why the kit's factory passes minFreeKbytes: 0", () => {
  it("with Linux's default min_free_kbytes, order 0 fails while WMARK_MIN pages are still free", () => {
    const a = new BuddyAllocator({ pages: 256 });
    let got = 0;
    while (a.allocPages(0) !== NO_PAGE) got++;
    const min = a.zoneViews()[0]!.watermarkMin;
    expect(min).toBeGreaterThan(0);
    expect([got, a.freePagesCount()]).toEqual([256 - min, min]);
    a.assertValid();
  });
});
