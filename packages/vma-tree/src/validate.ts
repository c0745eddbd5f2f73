/**
 * The VMA tree's consistency check: every cached subtree summary against a recount from the entries
 * below it (a gap marked stale is exempt, but only under a stale parent slot), key order,
 * non-overlap, unique ids, leaf ranks and free slots, the leaf chain, node fill, and the counts. Slow on purpose; tests
 * call it after every step. Linux: validate_mm() in mm/vma.c and mt_validate() in lib/maple_tree.c.
 */
import { bug } from "@mmsim/mm-types";
import { SLOTS } from "./vma-nodes.js";
import type { VmaBTreeCore } from "./vma-btree-core.js";

/** What a subtree holds, recounted from its entries. */
interface Recount {
  readonly minStart: number;
  readonly minId: number;
  readonly maxEnd: number;
  readonly lastEnd: number;
  readonly maxGap: number;
}

/** Walk state: leaves in tree order, entries seen, nodes seen. */
interface Walk {
  readonly leaves: number[];
  readonly internals: Set<number>;
  entries: number;
}

function recountLeaf<T>(t: VmaBTreeCore<T>, leaf: number, isRoot: boolean, walk: Walk): Recount | undefined {
  const L = t.leaves;
  const n = L.count[leaf]!;
  if (n < 1 && !isRoot) bug(`fill: leaf ${leaf} is empty`);
  if (n > SLOTS) bug(`fill: leaf ${leaf} holds ${n} entries`);
  walk.leaves.push(leaf);
  walk.entries += n;
  if (n === 0) return undefined;
  const b = leaf * SLOTS;
  let maxEnd = 0;
  let maxGap = 0;
  for (let i = b; i < b + n; i++) {
    maxEnd = Math.max(maxEnd, L.vmEnd[L.at(i)]!);
    if (i > b) maxGap = Math.max(maxGap, L.vmStart[L.at(i)]! - L.vmEnd[L.at(i - 1)]!);
  }
  return { minStart: L.vmStart[L.at(b)]!, minId: L.idOf(L.at(b)), maxEnd, lastEnd: L.vmEnd[L.at(b + n - 1)]!, maxGap };
}

function checkCached<T>(t: VmaBTreeCore<T>, node: number, slot: number, r: Recount, parentStale: boolean): void {
  const I = t.internals;
  const i = node * SLOTS + slot;
  if (I.gapStale[i] === 1 && !parentStale) bug(`stale gap: slot ${slot} of node ${node} is stale below a fresh slot`);
  if (I.gapStale[i] === 0 && !t.overlap && I.maxGap[i] !== r.maxGap) bug(`max gap: slot ${slot} of node ${node} caches ${I.maxGap[i]}, recount ${r.maxGap}`);
  if (I.maxEnd[i] !== r.maxEnd) bug(`max end: slot ${slot} of node ${node} caches ${I.maxEnd[i]}, recount ${r.maxEnd}`);
  if (I.minStart[i] !== r.minStart || I.minId[i] !== r.minId) {
    bug(`min key: slot ${slot} of node ${node} caches (${I.minStart[i]}, ${I.minId[i]}), recount (${r.minStart}, ${r.minId})`);
  }
}

function recountInternal<T>(t: VmaBTreeCore<T>, node: number, level: number, stale: boolean | undefined, walk: Walk): Recount {
  const isRoot = stale === undefined;
  const I = t.internals;
  const n = I.count[node]!;
  if (walk.internals.has(node)) bug(`shape: node ${node} is reached twice`);
  walk.internals.add(node);
  if (n > SLOTS || n < (isRoot ? 2 : 1)) bug(`fill: internal node ${node} has ${n} children`);
  let acc: Recount | undefined;
  for (let c = 0; c < n; c++) {
    const i = node * SLOTS + c;
    const r = recountNode(t, I.child[i]!, level - 1, I.gapStale[i] === 1, walk)!;
    checkCached(t, node, c, r, isRoot || stale === true);
    acc = acc === undefined ? r : {
      minStart: acc.minStart,
      minId: acc.minId,
      maxEnd: Math.max(acc.maxEnd, r.maxEnd),
      lastEnd: r.lastEnd,
      maxGap: Math.max(acc.maxGap, r.maxGap, r.minStart - acc.lastEnd),
    };
  }
  return acc!;
}

/** Recounts the subtree of `node`; `stale` is the gap mark of the slot pointing at it (undefined for the root). */
function recountNode<T>(t: VmaBTreeCore<T>, node: number, level: number, stale: boolean | undefined, walk: Walk): Recount | undefined {
  return level === 0 ? recountLeaf(t, node, stale === undefined, walk) : recountInternal(t, node, level, stale, walk);
}

function checkRanks<T>(t: VmaBTreeCore<T>, leaf: number): void {
  const seen = new Set(t.leaves.rank.subarray(leaf * SLOTS, leaf * SLOTS + SLOTS));
  if (seen.size !== SLOTS || Math.max(...seen) !== SLOTS - 1) bug(`ranks: leaf ${leaf} does not rank each physical slot once`);
}

function checkChain<T>(t: VmaBTreeCore<T>, leaves: readonly number[]): void {
  const L = t.leaves;
  for (let k = 0; k < leaves.length; k++) {
    checkRanks(t, leaves[k]!);
    const want = k + 1 < leaves.length ? leaves[k + 1]! : -1;
    const wantPrev = k > 0 ? leaves[k - 1]! : -1;
    if (L.next[leaves[k]!] !== want || L.prev[leaves[k]!] !== wantPrev) bug(`leaf chain: leaf ${leaves[k]} is linked out of tree order`);
  }
}

function checkFreeSlots<T>(t: VmaBTreeCore<T>, leaf: number): void {
  const L = t.leaves;
  for (let g = leaf * SLOTS + L.count[leaf]!; g < leaf * SLOTS + SLOTS; g++) {
    if (L.value[L.at(g)] !== undefined) bug(`free slot: leaf ${leaf} still holds a value in a free slot`);
    if (L.vmStart[L.at(g)] !== Infinity) bug(`free slot: leaf ${leaf} has vm_start ${L.vmStart[L.at(g)]} in a free slot, not the +Infinity bisections count on`);
    if (L.vmEnd[L.at(g)] !== Infinity) bug(`free slot: leaf ${leaf} has vm_end ${L.vmEnd[L.at(g)]} in a free slot, not the +Infinity lookups count on`);
  }
}

function checkEntries<T>(t: VmaBTreeCore<T>, leaves: readonly number[]): void {
  const L = t.leaves;
  const ids = new Set<number>();
  let prev = -1;
  for (const leaf of leaves) {
    checkFreeSlots(t, leaf);
    for (let g = leaf * SLOTS; g < leaf * SLOTS + L.count[leaf]!; g++) {
      const [s, e, id] = [L.vmStart[L.at(g)]!, L.vmEnd[L.at(g)]!, L.idOf(L.at(g))];
      if (!(s < e)) bug(`range: vma ${id} has vm_start ${s} >= vm_end ${e}`);
      if (prev >= 0 && !(L.vmStart[L.at(prev)]! < s || (L.vmStart[L.at(prev)] === s && L.idOf(L.at(prev)) < id))) bug(`order: vma ${L.idOf(L.at(prev))} is not before vma ${id}`);
      if (prev >= 0 && !t.overlap && L.vmEnd[L.at(prev)]! > s) bug(`overlap: vma ${L.idOf(L.at(prev))} overlaps vma ${id}`);
      if (L.value[L.at(g)] === undefined) bug(`value: vma ${id} has no value`);
      if (ids.has(id)) bug(`duplicate id ${id}`);
      ids.add(id);
      prev = g;
    }
  }
}

/** Checks every invariant of a VMA B+tree; throws a KernelBug naming the first broken one. */
export function validateVmaBTree<T>(t: VmaBTreeCore<T>): void {
  const walk: Walk = { leaves: [], internals: new Set(), entries: 0 };
  const root = recountNode(t, t.root, t.height, undefined, walk);
  if (t.height === 0 && !t.overlap && !t.rootGapStale && t.rootGap !== (root?.maxGap ?? 0)) {
    bug(`max gap: the root leaf caches ${t.rootGap}, recount ${root?.maxGap ?? 0}`);
  }
  checkChain(t, walk.leaves);
  checkEntries(t, walk.leaves);
  if (walk.entries !== t.count) bug(`count: map_count ${t.count}, entries ${walk.entries}`);
  if (t.leaves.live !== walk.leaves.length || t.internals.live !== walk.internals.size) {
    bug(`nodes: ${t.leaves.live} leaves and ${t.internals.live} internal nodes allocated, ${walk.leaves.length} and ${walk.internals.size} reachable`);
  }
}
