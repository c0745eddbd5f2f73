/**
 * The global NOMMU region store: the tree of every region in the system, usage counts, in-place
 * adjustment and the lookups do_mmap()'s sharing loop needs. Linux: nommu_region_tree,
 * add_nommu_region(), delete_nommu_region(), __put_nommu_region() and validate_nommu_regions() in mm/nommu.c.
 */
import { bug } from "@mmsim/mm-types";
import type {
  FileIdentity,
  RegionFileLookup,
  RegionMatch,
  RegionMatchKind,
  RegionView,
  VmRegion,
  VmRegionAdjust,
  VmRegionInit,
  VmRegionStore,
} from "@mmsim/mm-types";
import { Region, describeRegion, regionShapeError } from "./nommu-region.js";
import type { RegionShape } from "./nommu-region.js";
import { classifyRegionMatch, isLookupCandidate, requestPages } from "./region-match.js";
import { RegionNode, RegionTree } from "./region-tree.js";

/** Index of the first element of `list` (sorted by vmStart) whose vmStart is >= `key`. */
function lowerBound(list: readonly Region[], key: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.vmStart < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where a region of a given shape would collide, or null when it fits. */
interface Collision {
  readonly other: Region;
  readonly rule: string;
}

/**
 * The global region tree. Regions are keyed by vmStart in an AVL tree (O(log n) insert, remove and
 * address lookup) and indexed per file (a vmStart-sorted list per FileIdentity) so that a sharing
 * lookup visits only the regions of the requested file. See `VmRegionStore` for the contract.
 */
export class NommuRegionTree implements VmRegionStore {
  private readonly tree = new RegionTree();
  /** The tree node of every stored region: membership, and the way from a record to its links. */
  private readonly nodes = new Map<VmRegion, RegionNode>();
  private readonly byFile = new Map<FileIdentity, Region[]>();

  /** Number of stored regions. */
  get nrRegions(): number {
    return this.tree.count;
  }

  /** Height of the balanced tree (1 for a single region, 0 when empty), for tests and benchmarks. Linux: none. */
  get treeHeight(): number {
    return this.tree.root === null ? 0 : this.tree.root.height;
  }

  /** Allocates and inserts a region. Linux: kmem_cache_zalloc(vm_region_jar) + add_nommu_region(). */
  addNommuRegion(init: VmRegionInit): VmRegion {
    const r = new Region(init);
    const why = regionShapeError(r);
    if (why !== null) bug(`add_nommu_region: ${describeRegion(r)}: ${why}`);
    this.assertFits(r, r, null, "add_nommu_region");
    this.link(new RegionNode(r));
    return r;
  }

  /** Removes a stored region whatever its usage. Linux: delete_nommu_region(). */
  deleteNommuRegion(region: VmRegion): void {
    this.unlink(this.stored(region, "delete_nommu_region"));
  }

  /** Re-shapes a stored region in place; throws and changes nothing if the new shape breaks a rule. */
  adjustNommuRegion(region: VmRegion, change: VmRegionAdjust): void {
    const node = this.stored(region, "adjust_nommu_region");
    const r = node.region;
    const next: RegionShape = {
      vmFlags: r.vmFlags,
      vmStart: change.vmStart ?? r.vmStart,
      vmEnd: change.vmEnd ?? r.vmEnd,
      vmTop: change.vmTop ?? r.vmTop,
      vmPgoff: change.vmPgoff ?? r.vmPgoff,
      vmUsage: r.vmUsage,
    };
    const why = regionShapeError(next);
    if (why !== null)
      bug(`adjust_nommu_region: ${describeRegion(r)} -> ${describeRegion({ ...next, vmFile: r.vmFile })}: ${why}`);
    this.assertFits(next, r, node, "adjust_nommu_region");
    this.unlink(node);
    r.vmStart = next.vmStart;
    r.vmEnd = next.vmEnd;
    r.vmTop = next.vmTop;
    r.vmPgoff = next.vmPgoff;
    this.link(node);
  }

  /** Takes a usage reference. Linux: pregion->vm_usage++ in do_mmap(). */
  getNommuRegion(region: VmRegion): number {
    return ++this.stored(region, "get_nommu_region").region.vmUsage;
  }

  /** Drops a usage reference; at 0 the region leaves the tree and the caller frees it. Linux: __put_nommu_region(). */
  putNommuRegion(region: VmRegion): number {
    const node = this.stored(region, "__put_nommu_region");
    if (--node.region.vmUsage === 0) this.unlink(node);
    return node.region.vmUsage;
  }

  /** True when `region` is stored in this tree. Linux: !RB_EMPTY_NODE(&region->vm_rb). */
  hasRegion(region: VmRegion): boolean {
    return this.nodes.has(region);
  }

  /** The region whose [vmStart, vmTop) holds `addr`, or null. Linux: none (the kernel finds regions through VMAs). */
  findRegion(addr: number): VmRegion | null {
    const n = this.tree.floor(addr);
    return n !== null && addr < n.region.vmTop ? n.region : null;
  }

  /** The lowest region, or null. Linux: rb_first(&nommu_region_tree). */
  firstRegion(): VmRegion | null {
    return this.tree.first()?.region ?? null;
  }

  /** The region after `region` in address order, or null; `region` may have been removed. Linux: rb_next(). */
  nextRegion(region: VmRegion): VmRegion | null {
    return this.tree.after(region.vmStart)?.region ?? null;
  }

  /** First region of each match class for a request, in address order. Linux: do_mmap()'s sharing loop. */
  lookupFileRange(file: FileIdentity, pgoff: number, len: number, anyFlags = 0): RegionFileLookup {
    let exact: VmRegion | null = null;
    let containing: VmRegion | null = null;
    let partial: VmRegion | null = null;
    let first: RegionMatch | null = null;
    let firstSuperset: VmRegion | null = null;
    this.forEachMatch(file, pgoff, len, anyFlags, (region, kind) => {
      first ??= { region, kind };
      if (kind === "exact") exact ??= region;
      else if (kind === "containing") containing ??= region;
      else partial ??= region;
      if (kind !== "partial") firstSuperset ??= region;
    });
    return { exact, containing, partial, first, firstSuperset };
  }

  /** Every overlapping region of `file` with its class, in address order. Linux: every region do_mmap()'s loop would test. */
  fileRangeMatches(file: FileIdentity, pgoff: number, len: number, anyFlags = 0): RegionMatch[] {
    const out: RegionMatch[] = [];
    this.forEachMatch(file, pgoff, len, anyFlags, (region, kind) => out.push({ region, kind }));
    return out;
  }

  /** Stored regions in address order. Linux: rb_first()/rb_next() over nommu_region_tree. */
  [Symbol.iterator](): Iterator<VmRegion> {
    return this.tree.values();
  }

  /**
   * Stored regions as /proc/maps views, in address order (the live records themselves, no copies).
   * Linux: nommu_region_list_start()/next() in fs/proc/nommu.c.
   */
  regions(): Iterable<RegionView> {
    return { [Symbol.iterator]: () => this.tree.values() };
  }

  /** Checks every invariant of the tree, the regions and the file index. Linux: validate_nommu_regions(). */
  assertValid(): void {
    this.tree.checkStructure();
    let prev: Region | null = null;
    let fileBacked = 0;
    for (const r of this.tree.values()) {
      if (this.nodes.get(r)?.region !== r)
        bug(`validate_nommu_regions: ${describeRegion(r)} is linked but not known to this tree`);
      const why = regionShapeError(r);
      if (why !== null) bug(`validate_nommu_regions: ${describeRegion(r)}: ${why}`);
      if (prev !== null && r.vmStart < prev.vmTop) {
        bug(`validate_nommu_regions: ${describeRegion(r)} starts below the vm_top of ${describeRegion(prev)}`);
      }
      if (r.vmFile !== null) fileBacked++;
      prev = r;
    }
    this.checkFileIndex(fileBacked);
  }

  private checkFileIndex(fileBacked: number): void {
    let indexed = 0;
    for (const [file, list] of this.byFile) {
      if (list.length === 0) bug(`nommu region file index: empty list kept for ${file.path}`);
      for (let i = 0; i < list.length; i++) {
        const r = list[i]!;
        if (!this.nodes.has(r) || r.vmFile !== file)
          bug(`nommu region file index: ${describeRegion(r)} is filed under ${file.path}`);
        if (i > 0 && list[i - 1]!.vmStart >= r.vmStart) bug(`nommu region file index: ${describeRegion(r)} is out of order`);
      }
      indexed += list.length;
    }
    if (this.nodes.size !== this.tree.count)
      bug(`nommu_region_tree: ${this.nodes.size} regions known, ${this.tree.count} linked`);
    if (indexed !== fileBacked)
      bug(`nommu region file index: ${indexed} regions indexed, ${fileBacked} file-backed regions stored`);
  }

  private forEachMatch(
    file: FileIdentity,
    pgoff: number,
    len: number,
    anyFlags: number,
    visit: (region: VmRegion, kind: RegionMatchKind) => void,
  ): void {
    const req = requestPages(pgoff, len);
    const list = this.byFile.get(file);
    if (list === undefined) return;
    for (const r of list) {
      if (!isLookupCandidate(r, file, anyFlags)) continue;
      const kind = classifyRegionMatch(r, req);
      if (kind !== null) visit(r, kind);
    }
  }

  /** Returns the node of a stored region, or throws naming the operation. */
  private stored(region: VmRegion, op: string): RegionNode {
    const node = this.nodes.get(region);
    if (node === undefined) return bug(`${op}: ${describeRegion(region)} is not stored in this region tree`);
    return node;
  }

  /**
   * Throws unless `[shape.vmStart, shape.vmTop)` is free of every stored region except `self`.
   * Only the neighbours in vmStart order can collide, because stored regions don't overlap.
   */
  private assertFits(shape: RegionShape, subject: Region, self: RegionNode | null, op: string): void {
    const hit = this.collision(shape, self);
    if (hit !== null)
      bug(`${op}: ${describeRegion({ ...shape, vmFile: subject.vmFile })} ${hit.rule} ${describeRegion(hit.other)}`);
  }

  private collision(shape: RegionShape, self: RegionNode | null): Collision | null {
    let node = this.tree.floor(shape.vmStart);
    if (node !== null && node === self) node = this.tree.before(self.key);
    const pred = node?.region ?? null;
    if (pred !== null && pred.vmStart === shape.vmStart) return { other: pred, rule: "has the same vm_start as" };
    if (pred !== null && pred.vmTop > shape.vmStart) return { other: pred, rule: "starts below the vm_top of" };
    node = this.tree.after(shape.vmStart);
    if (node !== null && node === self) node = this.tree.after(self.key);
    const succ = node?.region ?? null;
    if (succ !== null && shape.vmTop > succ.vmStart) return { other: succ, rule: "reaches (vm_top) into" };
    return null;
  }

  private link(node: RegionNode): void {
    const r = node.region;
    this.tree.insert(node);
    this.nodes.set(r, node);
    if (r.vmFile === null) return;
    let list = this.byFile.get(r.vmFile);
    if (list === undefined) {
      list = [];
      this.byFile.set(r.vmFile, list);
    }
    list.splice(lowerBound(list, r.vmStart), 0, r);
  }

  private unlink(node: RegionNode): void {
    const r = node.region;
    this.tree.remove(node);
    this.nodes.delete(r);
    if (r.vmFile === null) return;
    const list = this.byFile.get(r.vmFile)!;
    const i = lowerBound(list, r.vmStart);
    if (list[i] !== r) bug(`nommu region file index: ${describeRegion(r)} is missing from the index of ${r.vmFile.path}`);
    list.splice(i, 1);
    if (list.length === 0) this.byFile.delete(r.vmFile);
  }
}

/** Creates an empty global region tree. Linux: the static nommu_region_tree (RB_ROOT) of mm/nommu.c. */
export function createNommuRegionTree(): VmRegionStore {
  return new NommuRegionTree();
}
