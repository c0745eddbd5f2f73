/**
 * Reverse-map benchmarks (not tests). The interval tree against a naive sorted array (binary
 * search for the end, linear scan for overlaps; splice to insert and remove) at 1k and 64k
 * entries: a one-page stabbing query (what an rmap walk asks) and an insert+remove pair (what
 * vma_adjust does). Then the rmap walk of a page copied-on-write deep in a fork chain, next to
 * the walk every page needed under the 2004 single-list design (all VMAs of the family).
 */
import { runGroup } from "@mmsim/bench-kit";
import { PAGE_SIZE, VM_MAYREAD, VM_MAYWRITE, VM_READ, VM_WRITE } from "@mmsim/mm-types";
import { AnonVmaCache, IntervalTree, NIL, PageRmap } from "../src/index.js";
import type { AnonVma, AnonVmaChain, RmapVma } from "../src/index.js";

interface Entry {
  first: number;
  last: number;
}

let seed = 12345;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

/** The naive alternative: entries sorted by first in a plain array. */
class SortedArray {
  readonly a: Entry[] = [];
  /** Index of the first entry whose first > x. */
  upper(x: number): number {
    let lo = 0;
    let hi = this.a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.a[mid]!.first <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  insert(e: Entry): void {
    this.a.splice(this.upper(e.first), 0, e);
  }
  remove(e: Entry): void {
    this.a.splice(this.a.indexOf(e, this.upper(e.first - 1) - 1 < 0 ? 0 : this.upper(e.first - 1)), 1);
  }
  count(first: number, last: number): number {
    let k = 0;
    const end = this.upper(last);
    for (let i = 0; i < end; i++) if (this.a[i]!.last >= first) k++;
    return k;
  }
}

function build(n: number): { tree: IntervalTree<Entry>; arr: SortedArray; entries: Entry[]; span: number } {
  const span = n * 16;
  const tree = new IntervalTree<Entry>();
  const arr = new SortedArray();
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const first = rand(span);
    const e = { first, last: first + rand(64) };
    entries.push(e);
    tree.insert(e, e.first, e.last);
    arr.insert(e);
  }
  return { tree, arr, entries, span };
}

for (const n of [1000, 65536]) {
  const { tree, arr, entries, span } = build(n);
  const Q = 1000;
  const qs = Array.from({ length: Q }, () => rand(span));
  let sink = 0;
  runGroup(`one-page query, ${n} entries`, [
    {
      name: "sorted array scan",
      ops: Q,
      run(): void {
        for (let i = 0; i < Q; i++) sink += arr.count(qs[i]!, qs[i]!);
      },
    },
    {
      name: "interval tree iterFirst/iterNext",
      ops: Q,
      run(): void {
        for (let i = 0; i < Q; i++) for (let x = tree.iterFirst(qs[i]!, qs[i]!); x !== NIL; x = tree.iterNext(x, qs[i]!, qs[i]!)) sink++;
      },
    },
  ]);
  const P = 200;
  runGroup(`remove + re-insert of one entry, ${n} entries`, [
    {
      name: "sorted array splice",
      ops: P,
      run(): void {
        for (let i = 0; i < P; i++) {
          const e = entries[rand(n)]!;
          arr.remove(e);
          arr.insert(e);
        }
      },
    },
    {
      name: "interval tree",
      ops: P,
      run(): void {
        for (let i = 0; i < P; i++) {
          const e = entries[rand(n)]!;
          tree.remove(e);
          tree.insert(e, e.first, e.last);
        }
      },
    },
  ]);
  if (sink === -1) console.log(sink);
}

/** A fork chain of `depth` live processes over one anonymous VMA; the youngest COWs its page. */
function forkChain(depth: number): { rmap: PageRmap; own: number; vmas: RmapVma[] } {
  const anonVmas = new AnonVmaCache();
  const rmap = new PageRmap({ nrPages: 16, anonVmas });
  const mk = (mmId: number): RmapVma => ({
    mmId,
    vmStart: 16 * PAGE_SIZE,
    vmEnd: 17 * PAGE_SIZE,
    vmPgoff: 16,
    vmFlags: VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE,
    anonVma: null as AnonVma | null,
    anonVmaChain: [] as AnonVmaChain[],
  });
  const vmas = [mk(0)];
  anonVmas.anonVmaPrepare(vmas[0]!);
  rmap.pageAddNewAnonRmap(0, vmas[0]!, 16 * PAGE_SIZE);
  for (let i = 1; i < depth; i++) {
    const v = mk(i);
    v.anonVma = vmas[i - 1]!.anonVma;
    anonVmas.anonVmaFork(v, vmas[i - 1]!);
    vmas.push(v);
  }
  rmap.pageAddNewAnonRmap(1, vmas[depth - 1]!, 16 * PAGE_SIZE);
  return { rmap, own: 1, vmas };
}

const DEPTH = 1000;
const chain = forkChain(DEPTH);
runGroup(`rmap walk of the youngest's COWed page, fork chain of ${DEPTH}`, [
  {
    name: "2004 single list: visit every VMA of the family",
    ops: 1,
    run(): void {
      let k = 0;
      for (const v of chain.vmas) if (v.vmPgoff <= 16 && v.vmEnd > v.vmStart) k++;
      if (k !== DEPTH) throw new Error("chain");
    },
  },
  {
    name: "anon_vma_chain: the page's own anon_vma tree",
    ops: 1,
    run(): void {
      if (chain.rmap.rmapWalk(chain.own, () => true) !== 1) throw new Error("walk");
    },
  },
]);
