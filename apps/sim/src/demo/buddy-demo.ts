/**
 * The buddy allocator at work, told for a person: free lists per order before and after a
 * workload, the /proc/buddyinfo lines, how fragmentation makes a large allocation fail while
 * memory is free, and the exact-size path NOMMU uses to trim power-of-two allocations.
 */
import { MAX_PAGE_ORDER, NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import { BuddyAllocator, formatBuddyinfo, fragmentationIndex, unusableFreeIndex } from "@mmsim/buddy-allocator";

/** Human size of 2^order pages. */
function blockSize(order: number): string {
  const kib = (PAGE_SIZE / 1024) * 2 ** order;
  return kib >= 1024 ? `${kib / 1024} MiB` : `${kib} KiB`;
}

/** One line per order: the count of free blocks and a bar of the memory they hold. */
export function freeListTable(nrFree: readonly number[], totalPages: number): string {
  const lines: string[] = ["  order  block     free blocks  free memory"];
  for (let o = 0; o <= MAX_PAGE_ORDER; o++) {
    const pages = nrFree[o]! * 2 ** o;
    const bar = "█".repeat(Math.round((pages / totalPages) * 40)) || (pages > 0 ? "▏" : "");
    lines.push(`  ${String(o).padStart(5)}  ${blockSize(o).padStart(8)}  ${String(nrFree[o]).padStart(11)}  ${bar}`);
  }
  return lines.join("\n");
}

/** /proc/buddyinfo exactly as Linux prints it (each line ends with a space), without the final newline. */
function buddyinfo(a: BuddyAllocator): string {
  return formatBuddyinfo(a.zoneViews()).replace(/\n$/, "");
}

function largestFreeOrder(nrFree: readonly number[]): number {
  for (let o = MAX_PAGE_ORDER; o >= 0; o--) if (nrFree[o]! > 0) return o;
  return -1;
}

function figures(a: BuddyAllocator, order: number): string {
  const nrFree = a.nrFreeByOrder();
  const fi = fragmentationIndex(nrFree, order);
  const ui = unusableFreeIndex(nrFree, order);
  return (
    `  free: ${a.freePagesCount()} of ${a.nrPages} pages; largest free block: order ${largestFreeOrder(nrFree)}\n` +
    `  for an order-${order} (${blockSize(order)}) allocation: fragmentation index ${(fi / 1000).toFixed(3)}` +
    ` (${fi < 0 ? "it would succeed" : fi > 500 ? "it fails because memory is fragmented" : "it fails for lack of memory"}),` +
    ` unusable free space ${(ui / 10).toFixed(1)}%`
  );
}

/** Runs the buddy allocator demo on a small machine and returns the text to print. */
export function buddyDemo(): string {
  const pages = 16384; // 64 MiB
  const a = new BuddyAllocator({ pages });
  const out: string[] = [];
  const say = (s = ""): void => void out.push(s);
  const z = a.zones[0]!;

  say("== The buddy page allocator (mm/page_alloc.c) ==");
  say(`A 64 MiB machine: ${pages} page frames of ${PAGE_SIZE} bytes in one zone, orders 0..${MAX_PAGE_ORDER}.`);
  say(`Watermarks (pages): min ${z.watermarks.min}, low ${z.watermarks.low}, high ${z.watermarks.high} (min_free_kbytes ${a.minFreeKbytes}).`);
  say();
  say("At boot every page is in the largest aligned blocks:");
  say(freeListTable(a.nrFreeByOrder(), pages));
  say();
  say("/proc/buddyinfo:");
  say(buddyinfo(a));
  say();

  const first = a.allocPages(0);
  say(`Allocating one page splits a 4 MiB block ten times (expand): we get pfn ${first}, and one block of`);
  say("each lower order goes back on its list:");
  say(buddyinfo(a));
  a.freePages(first, 0);
  say("Freeing it merges the buddies all the way back up (__free_one_page):");
  say(buddyinfo(a));
  say();

  // A workload: many small long-lived objects interleaved with short-lived ones.
  const longLived: number[] = [];
  const shortLived: number[] = [];
  for (let i = 0; i < 6000; i++) {
    const pfn = a.allocPages(0);
    if (pfn === NO_PAGE) break;
    (i % 3 === 0 ? longLived : shortLived).push(pfn);
  }
  for (const pfn of shortLived) a.freePages(pfn, 0);
  say(`A workload allocates 6000 single pages, then frees the ${shortLived.length} short-lived ones and keeps ${longLived.length}:`);
  say(freeListTable(a.nrFreeByOrder(), pages));
  say(buddyinfo(a));
  say(figures(a, 2));
  say(figures(a, 10));
  say();

  // Pin every free large block so only the fragmented part is left.
  const big: Array<[number, number]> = [];
  for (let o = MAX_PAGE_ORDER; o >= 2; o--) {
    for (let pfn = a.allocPages(o); pfn !== NO_PAGE; pfn = a.allocPages(o)) big.push([pfn, o]);
  }
  const freeNow = a.freePagesCount();
  const attempt = a.allocPages(2);
  say(`With the large blocks taken, ${freeNow} pages (${(freeNow * 4) / 1024} MiB) are still free, but an order-2 (16 KiB)`);
  say(`allocation ${attempt === NO_PAGE ? "FAILS: no two free buddies sit next to each other" : `succeeds at pfn ${attempt}`}.`);
  say(figures(a, 2));
  if (attempt !== NO_PAGE) a.freePages(attempt, 2);
  for (const [pfn, o] of big) a.freePages(pfn, o);
  say();

  // The exact-size path: NOMMU's private mappings and ramfs use it.
  const before = a.freePagesCount();
  const bytes = 5 * PAGE_SIZE;
  const exact = a.allocPagesExact(bytes);
  say(`alloc_pages_exact(${bytes} bytes): takes an order-3 block (8 pages), keeps 5 and gives 3 back page by page`);
  say(`(NOMMU trims its power-of-two copies this way): free pages ${before} → ${a.freePagesCount()} (${before - a.freePagesCount()} used).`);
  a.freePagesExact(exact, bytes);
  for (const pfn of longLived) a.freePages(pfn, 0);
  a.assertValid();
  say();
  say("After everything is freed the zone is back in its boot shape:");
  say(buddyinfo(a));
  return out.join("\n") + "\n";
}
