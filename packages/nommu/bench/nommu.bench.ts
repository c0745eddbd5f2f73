/**
 * NOMMU benchmarks (not tests). 1) Anonymous mmap + munmap of 4 KiB, 64 KiB and 1 MiB: the whole
 * cost of a NOMMU mapping is the buddy allocation, the clearing of every byte and the region
 * bookkeeping, so it grows with the size where MMU Linux's doesn't (the MMU side of this group is
 * the assembly's to run: the two backends never import each other). 2) Fragmentation after a long
 * random workload with vm.nr_trim_pages 0 and 1: free pages, largest free order and failed
 * allocations, printed as a table.
 */
import { runGroup } from "@mmsim/bench-kit";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_UNINITIALIZED, MAX_PAGE_ORDER, PAGE_SIZE, PROT_READ, PROT_WRITE } from "@mmsim/mm-types";
import { NommuBackend } from "../src/index.js";

function world(pages: number, nrTrimPages = 1, mmapUninitialized = false): { alloc: BuddyAllocator; nommu: NommuBackend } {
  const alloc = new BuddyAllocator({ pages, firstPfn: 0x80000 });
  return { alloc, nommu: new NommuBackend({ pages: alloc, physMem: alloc.physMem, nrTrimPages, mmapUninitialized }) };
}

function mapUnmap(name: string, bytes: number, flags = 0, uninit = false) {
  const { nommu } = world(65536, 1, uninit);
  const mm = nommu.mmNew();
  const req = { addr: 0, len: bytes, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS | flags, pgoff: 0, file: null };
  return {
    name,
    ops: 100,
    run(): void {
      for (let i = 0; i < 100; i++) nommu.munmap(mm, nommu.mmap(mm, req), bytes);
    },
  };
}

const sizes = [mapUnmap("4 KiB", 4096), mapUnmap("64 KiB", 65536), mapUnmap("1 MiB", 1 << 20), mapUnmap("1 MiB, MAP_UNINITIALIZED allowed", 1 << 20, MAP_UNINITIALIZED, true)];
for (let i = 0; i < 50; i++) for (const c of sizes) c.run(); // let the JIT see every size before timing any
runGroup("anonymous mmap + munmap on NOMMU (cleared at mmap)", sizes);

/** A fixed pseudo-random workload: map sizes of 1..24 pages, unmap a random live one, 20000 steps. */
function fragmentation(nrTrimPages: number): { free: number; largest: number; failed: number; mapped: number } {
  const { alloc, nommu } = world(16384, nrTrimPages);
  const mm = nommu.mmNew();
  const live: { addr: number; len: number }[] = [];
  let x = 2463534242;
  const rnd = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  let failed = 0;
  for (let step = 0; step < 20000; step++) {
    if (live.length > 0 && (rnd(100) < 45 || live.length > 600)) {
      const i = rnd(live.length);
      const v = live[i]!;
      nommu.munmap(mm, v.addr, v.len);
      live[i] = live[live.length - 1]!;
      live.pop();
      continue;
    }
    const len = (1 + rnd(24)) * PAGE_SIZE;
    const addr = nommu.mmap(mm, { addr: 0, len, prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS, pgoff: 0, file: null });
    if (addr < 0) failed++;
    else live.push({ addr, len });
  }
  const byOrder = alloc.nrFreeByOrder();
  let largest = -1;
  for (let o = MAX_PAGE_ORDER; o >= 0; o--) if (byOrder[o]! > 0) {
    largest = o;
    break;
  }
  nommu.assertValid();
  return { free: alloc.freePagesCount(), largest, failed, mapped: nommu.mmapPagesAllocated };
}

console.log("\nfragmentation after 20000 random anonymous mmap/munmap (1..24 pages) in 64 MiB");
console.log("  nr_trim_pages  free pages  largest free order  failed mmaps  pages held by copies");
for (const trim of [0, 1]) {
  const r = fragmentation(trim);
  console.log(`  ${String(trim).padStart(13)}  ${String(r.free).padStart(10)}  ${String(r.largest).padStart(18)}  ${String(r.failed).padStart(12)}  ${String(r.mapped).padStart(20)}`);
}
