/** Test worlds: an MMU backend over its own buddy allocator, and a file with a page cache. */
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { ENOMEM, NO_PAGE, PAGE_SIZE } from "@mmsim/mm-types";
import type { AccessFault, MmapFile, MmapFileOps, VmaRef } from "@mmsim/mm-types";
import { IMmapSet, MmuBackend } from "../src/index.js";
import type { MmuOptions, PageCacheOps, SwapBackedHint } from "../src/index.js";

/** A backend over a fresh node of `pages` page frames (default 16 MiB), and the node. */
export function newMmu(opts: MmuOptions = {}, pages = 4096): { be: MmuBackend; node: BuddyAllocator } {
  const node = new BuddyAllocator({ pages, minFreeKbytes: 0 });
  return { be: new MmuBackend({ pages: node, physMem: node.physMem, ...opts }), node };
}

/** A backend over a fresh node, for tests that don't look at the node. */
export function newBackend(opts: MmuOptions = {}): MmuBackend {
  return newMmu(opts).be;
}

/**
 * A regular file with a page cache over the node (page i holds bytes of `fill(i)`), an i_mmap, and
 * counters of the vm_ops calls. `pageCacheRefs` tells assertValid() which references are the cache's.
 */
export class TestFile {
  readonly cache = new Map<number, number>();
  readonly mapping = new IMmapSet();
  opens = 0;
  closes = 0;
  mmaps = 0;
  releases = 0;

  constructor(
    private readonly node: BuddyAllocator,
    public sizeBytes: number,
    private readonly fill: (pgoff: number) => number = (p) => p + 1,
  ) {}

  /** The page-cache page at pgoff with a reference for the caller; -1 beyond EOF. */
  fault(pgoff: number): number {
    if (pgoff >= Math.ceil(this.sizeBytes / PAGE_SIZE)) return -1;
    let pfn = this.cache.get(pgoff);
    if (pfn === undefined) {
      pfn = this.node.allocPages(0);
      if (pfn === NO_PAGE) return -ENOMEM;
      this.node.physMem.writeBytes(pfn * PAGE_SIZE, new Uint8Array(PAGE_SIZE).fill(this.fill(pgoff)));
      this.cache.set(pgoff, pfn);
    }
    this.node.getPage(pfn);
    return pfn;
  }

  /** Shrinks the file: unmaps the pages past the end from every VMA, then drops them. Linux: truncate_pagecache(). */
  truncate(bytes: number): void {
    this.sizeBytes = bytes;
    const first = Math.ceil(bytes / PAGE_SIZE);
    for (const e of [...this.mapping.vmasIntersecting(first, 2 ** 40)]) e.zapPages(first, 2 ** 40);
    for (const [pgoff, pfn] of [...this.cache]) {
      if (pgoff < first) continue;
      this.cache.delete(pgoff);
      this.node.putPage(pfn);
    }
  }

  /** References the cache holds on `pfn`. */
  refs(pfn: number): number {
    return [...this.cache.values()].includes(pfn) ? 1 : 0;
  }

  /** An open file of this inode. `withFault` false makes a file whose private mappings are filled by read(). */
  open(opts: { writable?: boolean; withFault?: boolean; swapBacked?: boolean } = {}): MmapFile {
    const ops: MmapFileOps & PageCacheOps = {
      mmap: (_v: VmaRef) => {
        this.mmaps++;
        return 0;
      },
      open: () => void this.opens++,
      close: () => void this.closes++,
      release: () => void this.releases++,
    };
    if (opts.withFault ?? true) {
      ops.fault = (pgoff) => this.fault(pgoff);
      ops.findPage = (pgoff) => this.cache.get(pgoff) ?? -1;
    }
    const f: MmapFile & SwapBackedHint = {
      identity: { path: "/data/file", devMajor: 8, devMinor: 1, ino: 42 },
      inodeType: 0o100000,
      readable: true,
      writable: opts.writable ?? true,
      appendOnly: false,
      noexec: false,
      size: () => this.sizeBytes,
      read: (offset, dst) => {
        const n = Math.max(0, Math.min(dst.length, this.sizeBytes - offset));
        for (let i = 0; i < n; i++) dst[i] = this.fill(Math.floor((offset + i) / PAGE_SIZE));
        return n;
      },
      ops,
      mapping: this.mapping,
      swapBacked: opts.swapBacked ?? false,
    };
    return f;
  }

  /** Frees the page cache (the inode goes away). */
  evict(): void {
    for (const pfn of this.cache.values()) this.node.putPage(pfn);
    this.cache.clear();
  }
}

/** Byte access helpers for one mm: `peek` returns the byte or the fault, `poke` writes one. */
export function bytes(be: MmuBackend, mm: number) {
  const b = new Uint8Array(1);
  return {
    peek: (addr: number): number | AccessFault => {
      const r = be.readUser(mm, addr, b);
      return r === 0 ? b[0]! : r;
    },
    poke: (addr: number, v: number): AccessFault | 0 => be.writeUser(mm, addr, b.fill(v)),
  };
}
