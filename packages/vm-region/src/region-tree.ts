/**
 * The ordered index behind the store: an AVL tree of regions keyed by vmStart. Linux: the rbtree
 * nommu_region_tree (lib/rbtree.c); an AVL tree gives the same O(log n) bounds with shorter code. The
 * links live in a node beside the record (the kernel embeds vm_rb in struct vm_region) so that the
 * records callers see carry the kernel's fields and nothing else.
 */
import { bug } from "@mmsim/mm-types";
import { describeRegion } from "./nommu-region.js";
import type { Region } from "./nommu-region.js";

/** One tree node: a region and its links. Linux: struct rb_node vm_rb. */
export class RegionNode {
  left: RegionNode | null = null;
  right: RegionNode | null = null;
  height = 1;

  constructor(readonly region: Region) {}

  /** The key: the region's vmStart. */
  get key(): number {
    return this.region.vmStart;
  }
}

function heightOf(n: RegionNode | null): number {
  return n === null ? 0 : n.height;
}

function updateHeight(n: RegionNode): void {
  n.height = 1 + Math.max(heightOf(n.left), heightOf(n.right));
}

function rotateRight(n: RegionNode): RegionNode {
  const l = n.left!;
  n.left = l.right;
  l.right = n;
  updateHeight(n);
  updateHeight(l);
  return l;
}

function rotateLeft(n: RegionNode): RegionNode {
  const r = n.right!;
  n.right = r.left;
  r.left = n;
  updateHeight(n);
  updateHeight(r);
  return r;
}

function rebalance(n: RegionNode): RegionNode {
  updateHeight(n);
  const balance = heightOf(n.left) - heightOf(n.right);
  if (balance > 1) {
    if (heightOf(n.left!.left) < heightOf(n.left!.right)) n.left = rotateLeft(n.left!);
    return rotateRight(n);
  }
  if (balance < -1) {
    if (heightOf(n.right!.right) < heightOf(n.right!.left)) n.right = rotateRight(n.right!);
    return rotateLeft(n);
  }
  return n;
}

function insertNode(root: RegionNode | null, r: RegionNode): RegionNode {
  if (root === null) {
    r.left = null;
    r.right = null;
    r.height = 1;
    return r;
  }
  if (r.key < root.key) root.left = insertNode(root.left, r);
  else if (r.key > root.key) root.right = insertNode(root.right, r);
  else bug(`add_nommu_region: ${describeRegion(r.region)} has the same vm_start as ${describeRegion(root.region)}`);
  return rebalance(root);
}

function removeMin(n: RegionNode): RegionNode | null {
  if (n.left === null) return n.right;
  n.left = removeMin(n.left);
  return rebalance(n);
}

function removeNode(root: RegionNode | null, r: RegionNode): RegionNode | null {
  if (root === null) return bug(`delete_nommu_region: ${describeRegion(r.region)} is not in the tree`);
  if (r.key < root.key) root.left = removeNode(root.left, r);
  else if (r.key > root.key) root.right = removeNode(root.right, r);
  else if (root !== r)
    bug(`delete_nommu_region: ${describeRegion(r.region)} is not in the tree (another region has its vm_start)`);
  else return unlinkRoot(root);
  return rebalance(root);
}

function unlinkRoot(root: RegionNode): RegionNode | null {
  const { left, right } = root;
  root.left = null;
  root.right = null;
  root.height = 1;
  if (left === null) return right;
  if (right === null) return left;
  let m = right;
  while (m.left !== null) m = m.left;
  m.right = removeMin(right);
  m.left = left;
  return rebalance(m);
}

/**
 * Checks the subtree at `n`: keys strictly inside (lo, hi), stored heights right, balance within ±1.
 * Returns the number of nodes.
 */
function checkSubtree(n: RegionNode | null, lo: number, hi: number): number {
  if (n === null) return 0;
  const why = n.key <= lo || n.key >= hi ? "out of vm_start order in the tree" : null;
  if (why !== null) bug(`nommu_region_tree: ${describeRegion(n.region)} is ${why}`);
  const count = 1 + checkSubtree(n.left, lo, n.key) + checkSubtree(n.right, n.key, hi);
  const hl = heightOf(n.left);
  const hr = heightOf(n.right);
  if (n.height !== 1 + Math.max(hl, hr)) bug(`nommu_region_tree: ${describeRegion(n.region)} has a stale subtree height`);
  if (Math.abs(hl - hr) > 1) bug(`nommu_region_tree: ${describeRegion(n.region)} is out of balance`);
  return count;
}

/** An AVL tree of region nodes keyed by vmStart: insert, remove, floor and successor searches, in-order walks. */
export class RegionTree {
  root: RegionNode | null = null;
  count = 0;

  /** Inserts `r`; a region with the same vmStart already there is a bug. Linux: add_nommu_region(). */
  insert(r: RegionNode): void {
    this.root = insertNode(this.root, r);
    this.count++;
  }

  /** Removes `r`, which must be in the tree under its current vmStart. Linux: delete_nommu_region(). */
  remove(r: RegionNode): void {
    this.root = removeNode(this.root, r);
    this.count--;
  }

  /** The node with the greatest vmStart <= `key`, or null. */
  floor(key: number): RegionNode | null {
    let n = this.root;
    let best: RegionNode | null = null;
    while (n !== null) {
      if (n.key <= key) {
        best = n;
        n = n.right;
      } else {
        n = n.left;
      }
    }
    return best;
  }

  /** The node with the greatest vmStart < `key`, or null. */
  before(key: number): RegionNode | null {
    let n = this.root;
    let best: RegionNode | null = null;
    while (n !== null) {
      if (n.key < key) {
        best = n;
        n = n.right;
      } else {
        n = n.left;
      }
    }
    return best;
  }

  /** The node with the least vmStart > `key`, or null. Linux: rb_next() from a node keyed `key`. */
  after(key: number): RegionNode | null {
    let n = this.root;
    let best: RegionNode | null = null;
    while (n !== null) {
      if (n.key > key) {
        best = n;
        n = n.left;
      } else {
        n = n.right;
      }
    }
    return best;
  }

  /** The node with the least vmStart, or null. Linux: rb_first(). */
  first(): RegionNode | null {
    let n = this.root;
    if (n === null) return null;
    while (n.left !== null) n = n.left;
    return n;
  }

  /** Regions in vmStart order; one stack array per walk. The tree must not change during the walk. */
  *values(): Generator<Region, void, undefined> {
    const stack: RegionNode[] = [];
    let n = this.root;
    while (n !== null || stack.length > 0) {
      while (n !== null) {
        stack.push(n);
        n = n.left;
      }
      const top = stack.pop()!;
      yield top.region;
      n = top.right;
    }
  }

  /** Checks order, heights, balance and the node count; throws a KernelBug naming the first bad region. */
  checkStructure(): void {
    const counted = checkSubtree(this.root, -Infinity, Infinity);
    if (counted !== this.count) bug(`nommu_region_tree: ${counted} regions linked but the count says ${this.count}`);
  }
}
