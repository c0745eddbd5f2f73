/**
 * anon_vma and anon_vma_chain as Linux has had them since 2.6.34: every VMA that may hold
 * anonymous pages is linked, through one anon_vma_chain per anon_vma, to its own anon_vma and to
 * every ancestor's, and each anon_vma keeps those chains in an interval tree by the VMA's pgoff
 * range. Linux: include/linux/rmap.h, mm/rmap.c (anon_vma_alloc … unlink_anon_vmas),
 * the anon_vma_interval_tree_* of mm/interval_tree.c and mm/mmap.c.
 */
import { ENOMEM, bug } from "@mmsim/mm-types";
import type { VmaRef } from "@mmsim/mm-types";
import { hex, vmaLastPgoff, vmaStartPgoff } from "./address-space.js";
import { IntervalNodePool, IntervalTree, NIL } from "./interval-tree.js";

/** The fields of a VMA an rmap walk reports. Linux: the vm_area_struct handed to rmap_one(). */
export interface RmapWalkVma extends VmaRef {
  /** The address space (mm_struct) the VMA belongs to. */
  readonly mmId: number;
}

/**
 * The VMA as this package needs it; the MMU backend's Vma implements it. The backend owns
 * vmStart/vmEnd/vmPgoff and changes them only between anonVmaIntervalTreePreUpdateVma() and
 * anonVmaIntervalTreePostUpdateVma(); this package owns `anonVma` and `anonVmaChain`, except that
 * a VMA copied for split, merge or mremap starts with the source's `anonVma` and an empty chain
 * (vm_area_dup()). Linux: struct vm_area_struct's anon_vma and anon_vma_chain.
 */
export interface RmapVma extends RmapWalkVma {
  /** The anon_vma new anonymous pages of this VMA go to, or null before the first fault. */
  anonVma: AnonVma | null;
  /** One entry per anon_vma the VMA is linked to, oldest first (Linux keeps the list newest first). */
  readonly anonVmaChain: AnonVmaChain[];
  /** The mapped file, compared by identity only (anon_vma_compatible); absent or null for anonymous memory. */
  readonly vmFile?: unknown;
}

/** Failure injection for the two caches (Linux: failslab). Return true to make that allocation fail. */
export type SlabFailHook = (cache: "anon_vma" | "anon_vma_chain") => boolean;

/**
 * An anon_vma: what an anonymous page's `mapping` points to. Linux: struct anon_vma.
 * Invariants (checked by AnonVmaCache.assertValid): root.root === root; root === parent.root;
 * numChildren counts the live anon_vmas whose parent is this one and whose tree is not empty
 * (a root counts itself); numActiveVmas counts VMAs whose anonVma is this one.
 */
export class AnonVma {
  /** Identity recorded in page->mapping. */
  readonly id: number;
  /** Root of this anon_vma's family; the kernel takes its rwsem for the whole family. */
  root: AnonVma = this;
  /** The anon_vma of the parent process's VMA at fork, or itself for a root. */
  parent: AnonVma = this;
  /** References: one while the tree is not empty, one per live non-root descendant (on a root), one per pin. Linux: refcount. */
  refcount = 1;
  /** Children anon_vmas with a non-empty tree, itself included for a root. Linux: num_children (the 3.19–5.x "degree"). */
  numChildren = 0;
  /** VMAs whose anonVma is this one. Linux: num_active_vmas. */
  numActiveVmas = 0;
  /** The chains of every VMA that may map pages of this anon_vma, by pgoff range. Linux: rb_root. */
  readonly rbRoot: IntervalTree<AnonVmaChain>;
  /** Pins taken with getAnonVma(). Linux: the folio_get_anon_vma() references, counted apart here. */
  pins = 0;
  /** Set when freed; a freed anon_vma reached again is a use-after-free. */
  freed = false;

  constructor(id: number, pool: IntervalNodePool<AnonVmaChain>) {
    this.id = id;
    this.rbRoot = new IntervalTree<AnonVmaChain>({ pool, byIdentity: false });
  }
}

/** The link between one VMA and one anon_vma. Linux: struct anon_vma_chain. */
export class AnonVmaChain {
  /** Node of this chain in anonVma.rbRoot (NIL while out of the tree). Linux: rb + rb_subtree_last. */
  rb = NIL;

  constructor(
    /** Linux: avc->vma. */
    readonly vma: RmapVma,
    /** Linux: avc->anon_vma. */
    readonly anonVma: AnonVma,
  ) {}
}

/** Ids per leaf of an AnonVmaTable (the low bits of an id index the leaf). */
const LEAF_SHIFT = 8;
const LEAF_SLOTS = 1 << LEAF_SHIFT;
const LEAF_MASK = LEAF_SLOTS - 1;

/**
 * The live anon_vmas by id, as a two-level table: the id's high bits pick a leaf of 256 slots, its
 * low bits the slot. Ids are handed out in increasing order and never reused, so a leaf fills in
 * order and is dropped once every anon_vma in it is freed and allocation has moved past it. Adding,
 * removing and finding an anon_vma is two array loads (no hashing), and iteration runs in id order,
 * the order they were allocated in. Linux has no such table: a page's mapping is the anon_vma's
 * address; here it is an id, and this table turns it back into the object.
 */
class AnonVmaTable {
  /** Leaves by id >> LEAF_SHIFT; undefined once emptied and passed. */
  private readonly leaves: ((AnonVma | undefined)[] | undefined)[] = [];
  /** Live anon_vmas in each leaf. */
  private readonly leafLive: number[] = [];
  /** The leaf new ids go to. */
  private current = -1;
  /** Live anon_vmas in the table. */
  size = 0;

  /** The anon_vma registered under `id` (a non-negative integer below 2^30), or undefined. */
  get(id: number): AnonVma | undefined {
    const leaf = this.leaves[id >>> LEAF_SHIFT];
    return leaf === undefined ? undefined : leaf[id & LEAF_MASK];
  }

  /** Registers a new anon_vma; its id must be above every id added before. */
  add(anonVma: AnonVma): void {
    const k = anonVma.id >>> LEAF_SHIFT;
    if (k !== this.current) this.openLeaf(k);
    this.leaves[k]![anonVma.id & LEAF_MASK] = anonVma;
    this.leafLive[k] = this.leafLive[k]! + 1;
    this.size++;
  }

  /** Unregisters a live anon_vma. */
  remove(anonVma: AnonVma): void {
    const k = anonVma.id >>> LEAF_SHIFT;
    const leaf = this.leaves[k];
    if (leaf === undefined || leaf[anonVma.id & LEAF_MASK] !== anonVma) bug(`anon_vma table: anon_vma ${anonVma.id} is not registered`);
    leaf[anonVma.id & LEAF_MASK] = undefined;
    this.size--;
    const live = this.leafLive[k]! - 1;
    this.leafLive[k] = live;
    if (live === 0 && k !== this.current) this.leaves[k] = undefined;
  }

  /** Every registered anon_vma, in id order. */
  *values(): Generator<AnonVma, void, undefined> {
    const leaves = this.leaves;
    for (let k = 0; k < leaves.length; k++) {
      const leaf = leaves[k];
      if (leaf === undefined) continue;
      for (let i = 0; i < LEAF_SLOTS; i++) {
        const anonVma = leaf[i];
        if (anonVma !== undefined) yield anonVma;
      }
    }
  }

  /** Starts leaf k (allocation moved on), dropping the previous current leaf if it is empty. */
  private openLeaf(k: number): void {
    if (k < this.current) bug(`anon_vma table: id of leaf ${k} below the current leaf ${this.current}`);
    const prev = this.current;
    if (prev >= 0 && this.leafLive[prev] === 0) this.leaves[prev] = undefined;
    while (this.leaves.length < k) {
      this.leaves.push(undefined);
      this.leafLive.push(0);
    }
    this.leaves.push(new Array<AnonVma | undefined>(LEAF_SLOTS).fill(undefined));
    this.leafLive.push(0);
    this.current = k;
  }
}

/** Options of an AnonVmaCache. */
export interface AnonVmaCacheOptions {
  /** Failure injection: allocations for which this returns true fail with -ENOMEM. */
  readonly shouldFailSlab?: SlabFailHook;
}

/**
 * The anon_vma and anon_vma_chain caches of a machine and the operations on them. Linux:
 * anon_vma_cachep / anon_vma_chain_cachep and the functions of mm/rmap.c that use them.
 */
export class AnonVmaCache {
  /** Node storage shared by every anon_vma's interval tree. */
  readonly pool = new IntervalNodePool<AnonVmaChain>(64);
  private readonly live = new AnonVmaTable();
  /** Scratch for unlinkAnonVmas: the anon_vmas a VMA's unlinking left empty (null past the used part). */
  private readonly emptied: (AnonVma | null)[] = [];
  private nextId = 1;
  private chains = 0;
  private readonly shouldFailSlab: SlabFailHook | undefined;

  constructor(opts: AnonVmaCacheOptions = {}) {
    this.shouldFailSlab = opts.shouldFailSlab;
  }

  /** Live anon_vmas (slabinfo "anon_vma" active objects). */
  get nrAnonVmas(): number {
    return this.live.size;
  }

  /** Live anon_vma_chains (slabinfo "anon_vma_chain" active objects). */
  get nrAnonVmaChains(): number {
    return this.chains;
  }

  /** The live anon_vma with this id, or undefined. */
  lookup(id: number): AnonVma | undefined {
    return id >>> 0 === id && id < this.nextId ? this.live.get(id) : undefined;
  }

  /** Every live anon_vma. */
  anonVmas(): IterableIterator<AnonVma> {
    return this.live.values();
  }

  /**
   * Gives `vma` an anon_vma before its first anonymous page: a neighbour's if `findMergeable`
   * offers one (pass findMergeableAnonVma with the VMA's neighbours), else a new root. Returns 0 or
   * -ENOMEM. Linux: anon_vma_prepare() / __anon_vma_prepare() in mm/rmap.c.
   */
  anonVmaPrepare(vma: RmapVma, findMergeable?: (vma: RmapVma) => AnonVma | null): number {
    if (vma.anonVma !== null) return 0;
    if (vma.anonVmaChain.length !== 0) bug(`anonVmaPrepare: VMA ${hex(vma.vmStart)} has chains but no anon_vma`);
    if (this.chainAllocFails()) return -ENOMEM;
    let anonVma = findMergeable?.(vma) ?? null;
    if (anonVma === null) {
      anonVma = this.anonVmaAlloc();
      if (anonVma === null) return -ENOMEM;
      anonVma.numChildren++;
    } else {
      this.checkLive(anonVma, "anonVmaPrepare (mergeable neighbour)");
    }
    vma.anonVma = anonVma;
    this.anonVmaChainLink(vma, anonVma, vmaStartPgoff(vma), vmaLastPgoff(vma));
    anonVma.numActiveVmas++;
    return 0;
  }

  /**
   * Links `dst` to every anon_vma `src` is linked to. With dst.anonVma already set (split, merge,
   * mremap's copy_vma: the copy keeps the source's) it is an exact copy; with dst.anonVma null and
   * src's set (fork) dst adopts an anon_vma that no VMA uses and that has at most one child, so fork
   * chains don't grow without end. Returns 0, or -ENOMEM with dst unlinked from everything.
   * Linux: anon_vma_clone() in mm/rmap.c.
   */
  anonVmaClone(dst: RmapVma, src: RmapVma): number {
    return this.cloneInto(dst, src, vmaStartPgoff(dst), vmaLastPgoff(dst));
  }

  /**
   * Links a child's VMA at fork: to every anon_vma of the parent's VMA (so pages still shared
   * with the parent are found from the child), then to a reused or new anon_vma of its own where
   * its copy-on-write pages will go. Returns 0 or -ENOMEM (vma unlinked). The caller skips it for
   * VM_WIPEONFORK (the child starts with anonVma null) and VM_DONTCOPY VMAs, as dup_mmap() does.
   * Linux: anon_vma_fork() in mm/rmap.c.
   */
  anonVmaFork(vma: RmapVma, pvma: RmapVma): number {
    const parentAnonVma = pvma.anonVma;
    if (parentAnonVma === null) return 0;
    vma.anonVma = null;
    const first = vmaStartPgoff(vma);
    const last = vmaLastPgoff(vma);
    const err = this.cloneInto(vma, pvma, first, last);
    if (err !== 0) return err;
    if (vma.anonVma !== null) return 0;
    const anonVma = this.anonVmaAlloc();
    if (anonVma === null) {
      this.unlinkAnonVmas(vma);
      return -ENOMEM;
    }
    anonVma.numActiveVmas++;
    if (this.chainAllocFails()) {
      anonVma.numActiveVmas--;
      this.putAnonVmaRef(anonVma);
      this.unlinkAnonVmas(vma);
      return -ENOMEM;
    }
    anonVma.root = parentAnonVma.root;
    anonVma.parent = parentAnonVma;
    anonVma.root.refcount++;
    vma.anonVma = anonVma;
    this.anonVmaChainLink(vma, anonVma, first, last);
    parentAnonVma.numChildren++;
    return 0;
  }

  /**
   * Unlinks a VMA from every anon_vma before it goes (munmap, exit, the absorbed VMA of a merge),
   * freeing the anon_vmas nothing links to any more, newest first so a root goes last.
   * Linux: unlink_anon_vmas() in mm/rmap.c.
   */
  unlinkAnonVmas(vma: RmapVma): void {
    const chain = vma.anonVmaChain;
    // Newest first (popping the list); the anon_vmas left empty wait in `emptied`, newest first.
    const emptied = this.emptied;
    let nEmptied = 0;
    while (chain.length !== 0) {
      const avc = chain.pop()!;
      const anonVma = avc.anonVma;
      const tree = anonVma.rbRoot;
      tree.removeNode(avc.rb);
      avc.rb = NIL;
      if (tree.isEmpty()) {
        anonVma.parent.numChildren--;
        emptied[nEmptied++] = anonVma;
      } else {
        this.chains--;
      }
    }
    if (vma.anonVma !== null) {
      vma.anonVma.numActiveVmas--;
      vma.anonVma = null;
    }
    for (let i = 0; i < nEmptied; i++) {
      const anonVma = emptied[i]!;
      emptied[i] = null;
      if (anonVma.numChildren !== 0 || anonVma.numActiveVmas !== 0) {
        bug(`unlinkAnonVmas: empty anon_vma ${anonVma.id} still has ${anonVma.numChildren} children, ${anonVma.numActiveVmas} active VMAs`);
      }
      this.putAnonVmaRef(anonVma);
      this.chains--;
    }
  }

  /**
   * Drops the VMA `next` that `vma` absorbed in a merge; both must have the same anon_vma.
   * Linux: anon_vma_merge() (include/linux/rmap.h).
   */
  anonVmaMerge(vma: RmapVma, next: RmapVma): void {
    if (vma.anonVma !== next.anonVma) bug(`anonVmaMerge: VMAs ${hex(vma.vmStart)} and ${hex(next.vmStart)} have different anon_vmas`);
    this.unlinkAnonVmas(next);
  }

  /**
   * Takes `vma` out of its anon_vmas' trees before its start, end or pgoff changes (vma_adjust,
   * vma_expand, stack expansion). Linux: anon_vma_interval_tree_pre_update_vma() in mm/mmap.c.
   */
  anonVmaIntervalTreePreUpdateVma(vma: RmapVma): void {
    for (const avc of vma.anonVmaChain) {
      if (avc.rb === NIL) bug(`pre_update: VMA ${hex(vma.vmStart)} is already out of its anon_vma trees`);
      avc.anonVma.rbRoot.removeNode(avc.rb);
      avc.rb = NIL;
    }
  }

  /** Puts `vma` back in its anon_vmas' trees with its new range. Linux: anon_vma_interval_tree_post_update_vma(). */
  anonVmaIntervalTreePostUpdateVma(vma: RmapVma): void {
    const first = vmaStartPgoff(vma);
    const last = vmaLastPgoff(vma);
    for (const avc of vma.anonVmaChain) {
      if (avc.rb !== NIL) bug(`post_update: VMA ${hex(vma.vmStart)} was not taken out first`);
      avc.rb = avc.anonVma.rbRoot.insert(avc, first, last);
    }
  }

  /** Pins an anon_vma so it outlives its VMAs (page migration). Linux: get_anon_vma() / folio_get_anon_vma(). */
  getAnonVma(anonVma: AnonVma): void {
    this.checkLive(anonVma, "getAnonVma");
    anonVma.refcount++;
    anonVma.pins++;
  }

  /** Drops a pin from getAnonVma(), freeing the anon_vma if it was the last reference. Linux: put_anon_vma(). */
  putAnonVma(anonVma: AnonVma): void {
    if (anonVma.pins <= 0) bug(`putAnonVma: anon_vma ${anonVma.id} is not pinned`);
    anonVma.pins--;
    this.putAnonVmaRef(anonVma);
  }

  /**
   * Checks every live anon_vma and every VMA reachable from their trees: chain symmetry (each
   * chain of a VMA is in its anon_vma's tree with the VMA's current range, and each tree entry is
   * on its VMA's list), family links, and refcount, numChildren and numActiveVmas recounted.
   * `vmas` (every VMA of every mm) adds the VMAs that no tree reaches. Linux: validate_mm()'s
   * anon_vma_interval_tree_verify() plus the counters the kernel only warns about.
   */
  assertValid(vmas?: Iterable<RmapVma>): void {
    this.pool.assertValid();
    const reached = new Set<RmapVma>();
    let chains = 0;
    for (const anonVma of this.live.values()) chains += this.checkAnonVma(anonVma, reached);
    if (chains !== this.chains) bug(`anon_vma: ${chains} chains in trees, ${this.chains} allocated`);
    if (chains !== this.pool.nodesInUse) bug(`anon_vma: ${chains} chains but ${this.pool.nodesInUse} tree nodes`);
    const active = new Map<AnonVma, number>();
    for (const vma of reached) this.checkVmaChain(vma, active);
    if (vmas !== undefined) {
      for (const vma of vmas) {
        if (reached.has(vma)) continue;
        if (vma.anonVma !== null || vma.anonVmaChain.length !== 0) bug(`anon_vma: VMA ${hex(vma.vmStart)} of mm ${vma.mmId} has an anon_vma but is in no tree`);
      }
    }
    this.checkCounts(active);
  }

  /** Checks one anon_vma and its tree; returns the number of chains in it, adding their VMAs to `reached`. */
  private checkAnonVma(anonVma: AnonVma, reached: Set<RmapVma>): number {
    const id = anonVma.id;
    if (anonVma.freed) bug(`anon_vma ${id}: freed but still registered`);
    if (anonVma.root.freed || anonVma.parent.freed) bug(`anon_vma ${id}: root or parent freed`);
    if (anonVma.root.root !== anonVma.root) bug(`anon_vma ${id}: root ${anonVma.root.id} is not its own root`);
    if (anonVma.root !== anonVma.parent.root) bug(`anon_vma ${id}: root differs from its parent's root`);
    if ((anonVma.parent === anonVma) !== (anonVma.root === anonVma)) bug(`anon_vma ${id}: only a root may be its own parent`);
    const tree = anonVma.rbRoot;
    tree.assertValid();
    for (let n = tree.iterFirst(-Infinity, Infinity); n !== NIL; n = tree.iterNext(n, -Infinity, Infinity)) {
      const avc = tree.entryAt(n);
      const vma = avc.vma;
      if (avc.anonVma !== anonVma || avc.rb !== n) bug(`anon_vma ${id}: tree node ${n} holds a chain of another anon_vma or node`);
      if (!vma.anonVmaChain.includes(avc)) bug(`anon_vma ${id}: chain of VMA ${hex(vma.vmStart)} (mm ${vma.mmId}) is in the tree but not on the VMA's list`);
      if (tree.firstAt(n) !== vmaStartPgoff(vma) || tree.lastAt(n) !== vmaLastPgoff(vma)) {
        bug(`anon_vma ${id}: VMA ${hex(vma.vmStart)} (mm ${vma.mmId}) changed its pgoff range without pre/post update`);
      }
      reached.add(vma);
    }
    return tree.size;
  }

  /** Checks a VMA's list of chains and counts it in `active`. */
  private checkVmaChain(vma: RmapVma, active: Map<AnonVma, number>): void {
    const where = `VMA ${hex(vma.vmStart)} of mm ${vma.mmId}`;
    if (vma.anonVma === null) bug(`anon_vma: ${where} is linked but has no anon_vma`);
    const own = vma.anonVma;
    const linked = new Set<AnonVma>();
    for (const avc of vma.anonVmaChain) {
      if (avc.vma !== vma) bug(`anon_vma: ${where} lists a chain of another VMA`);
      if (this.live.get(avc.anonVma.id) !== avc.anonVma) bug(`anon_vma: ${where} links freed anon_vma ${avc.anonVma.id}`);
      if (!avc.anonVma.rbRoot.ownsNode(avc.rb) || avc.anonVma.rbRoot.entryAt(avc.rb) !== avc) bug(`anon_vma: ${where} lists a chain missing from anon_vma ${avc.anonVma.id}'s tree`);
      if (linked.has(avc.anonVma)) bug(`anon_vma: ${where} is linked twice to anon_vma ${avc.anonVma.id}`);
      if (avc.anonVma.root !== own.root) bug(`anon_vma: ${where} links anon_vmas of two families`);
      linked.add(avc.anonVma);
    }
    for (let a = own; ; a = a.parent) {
      if (!linked.has(a)) bug(`anon_vma: ${where} is not linked to anon_vma ${a.id}, an ancestor of its own ${own.id}`);
      if (a.parent === a) break;
    }
    active.set(own, (active.get(own) ?? 0) + 1);
  }

  /** Recounts refcount, numChildren and numActiveVmas of every live anon_vma. */
  private checkCounts(active: Map<AnonVma, number>): void {
    const children = new Map<AnonVma, number>();
    const descendants = new Map<AnonVma, number>();
    for (const a of this.live.values()) {
      if (!a.rbRoot.isEmpty()) children.set(a.parent, (children.get(a.parent) ?? 0) + 1);
      if (a.root !== a) descendants.set(a.root, (descendants.get(a.root) ?? 0) + 1);
    }
    for (const a of this.live.values()) {
      const wantRef = (a.rbRoot.isEmpty() ? 0 : 1) + (descendants.get(a) ?? 0) + a.pins;
      if (a.refcount !== wantRef) bug(`anon_vma ${a.id}: refcount ${a.refcount}, recount ${wantRef}`);
      if (a.numChildren !== (children.get(a) ?? 0)) bug(`anon_vma ${a.id}: num_children ${a.numChildren}, recount ${children.get(a) ?? 0}`);
      if (a.numActiveVmas !== (active.get(a) ?? 0)) bug(`anon_vma ${a.id}: num_active_vmas ${a.numActiveVmas}, recount ${active.get(a) ?? 0}`);
    }
  }

  private anonVmaAlloc(): AnonVma | null {
    if (this.shouldFailSlab?.("anon_vma")) return null;
    const id = this.nextId++;
    if (id >= 2 ** 30) bug("anon_vma: ids exhausted");
    const anonVma = new AnonVma(id, this.pool);
    this.live.add(anonVma);
    return anonVma;
  }

  /** Asks the failure hook whether the next anon_vma_chain allocation fails. Linux: anon_vma_chain_alloc() returning NULL. */
  private chainAllocFails(): boolean {
    return this.shouldFailSlab?.("anon_vma_chain") ?? false;
  }

  /**
   * anonVmaClone with dst's pgoff range [first, last] computed once by the caller.
   * Linux: anon_vma_clone() in mm/rmap.c.
   */
  private cloneInto(dst: RmapVma, src: RmapVma, first: number, last: number): number {
    if (dst.anonVmaChain.length !== 0) bug(`anonVmaClone: destination VMA ${hex(dst.vmStart)} already has chains`);
    const chain = src.anonVmaChain;
    const reuse = src.anonVma !== null;
    for (let i = 0; i < chain.length; i++) {
      const anonVma = chain[i]!.anonVma;
      if (this.chainAllocFails()) {
        dst.anonVma = null;
        this.unlinkAnonVmas(dst);
        return -ENOMEM;
      }
      this.anonVmaChainLink(dst, anonVma, first, last);
      if (reuse && dst.anonVma === null && isReusableOnFork(anonVma)) dst.anonVma = anonVma;
    }
    if (dst.anonVma !== null) dst.anonVma.numActiveVmas++;
    return 0;
  }

  /**
   * Links a new chain between `vma` and `anonVma`; [first, last] is the VMA's pgoff range.
   * Linux: anon_vma_chain_link().
   */
  private anonVmaChainLink(vma: RmapVma, anonVma: AnonVma, first: number, last: number): void {
    this.checkLive(anonVma, "anon_vma_chain_link");
    const avc = new AnonVmaChain(vma, anonVma);
    this.chains++;
    vma.anonVmaChain.push(avc);
    avc.rb = anonVma.rbRoot.insert(avc, first, last);
  }

  /** Linux: put_anon_vma() → __put_anon_vma(): freeing a non-root drops its reference on the root. */
  private putAnonVmaRef(anonVma: AnonVma): void {
    if (--anonVma.refcount > 0) return;
    if (anonVma.refcount < 0) bug(`anon_vma ${anonVma.id}: refcount below zero`);
    const root = anonVma.root;
    this.anonVmaFree(anonVma);
    if (root !== anonVma && --root.refcount === 0) this.anonVmaFree(root);
  }

  private anonVmaFree(anonVma: AnonVma): void {
    if (!anonVma.rbRoot.isEmpty()) bug(`anon_vma ${anonVma.id}: freed with VMAs still linked`);
    anonVma.freed = true;
    this.live.remove(anonVma);
  }

  private checkLive(anonVma: AnonVma, what: string): void {
    if (anonVma.freed || this.live.get(anonVma.id) !== anonVma) bug(`${what}: anon_vma ${anonVma.id} is freed or not from this cache`);
  }
}

/**
 * True when a forked VMA may adopt `anonVma` instead of getting a new one: no VMA uses it and it
 * has at most one child (a root counts itself, so a root is never reused). Linux: the test inside
 * anon_vma_clone(); 3.19–5.x used `degree < 2`, replaced by these two counters in 2022.
 */
export function isReusableOnFork(anonVma: AnonVma): boolean {
  return anonVma.numChildren < 2 && anonVma.numActiveVmas === 0;
}
