/**
 * Per-mm page tables: virtual page number → page frame number plus pte bits, kept in leaf tables of
 * 512 entries (one PTE page, 2 MiB of address space) found through a map keyed by the PMD index.
 * No object per page: a leaf is two typed arrays and a count. Linux: pte_t / pmd_t and the page-table
 * walkers of mm/memory.c and mm/pgtable-generic.c, with the upper levels collapsed into the map.
 */
import { PAGE_SIZE, bug } from "@mmsim/mm-types";

/** Entries per leaf table. Linux: PTRS_PER_PTE (x86-64). */
export const PTRS_PER_PTE = 512;

/** The pte maps a page (pte_present()). */
export const PTE_PRESENT = 0x01;
/** User accesses are allowed at all (clear for PROT_NONE: x86 _PAGE_PROTNONE). */
export const PTE_USER = 0x02;
/** Writes go through without a fault (pte_write()). */
export const PTE_WRITE = 0x04;
/** Written since mapped (pte_dirty()). */
export const PTE_DIRTY = 0x08;
/** Accessed since mapped or last aged (pte_young()). */
export const PTE_ACCESSED = 0x10;
/** The page is anonymous (PageAnon() of the mapped page, cached in the pte for the walkers). */
export const PTE_ANON = 0x20;
/** No struct page behind it: the shared zero page (pte_special(), vm_normal_page() returns NULL). */
export const PTE_SPECIAL = 0x40;

/** One PTE page: the pfn and bits of 512 consecutive virtual pages. */
export class PteTable {
  readonly pfn = new Int32Array(PTRS_PER_PTE);
  readonly bits = new Uint8Array(PTRS_PER_PTE);
  /** Present entries. */
  nr = 0;
}

/** The page tables of one mm. Linux: mm->pgd and everything below it. */
export class PageTable {
  /** Leaf tables by PMD index (vpn / 512). */
  readonly tables = new Map<number, PteTable>();
  /** The keys tableKeysIn() found, valid until its next call. */
  keys = new Float64Array(16);

  /** The leaf table covering `vpn`, or undefined. Linux: pte_offset_map() after the upper levels. */
  pteTable(vpn: number): PteTable | undefined {
    return this.tables.get(Math.floor(vpn / PTRS_PER_PTE));
  }

  /** The leaf table covering `vpn`, created when missing. Linux: pte_alloc(). */
  pteTableAlloc(vpn: number): PteTable {
    const key = Math.floor(vpn / PTRS_PER_PTE);
    let t = this.tables.get(key);
    if (t === undefined) {
      t = new PteTable();
      this.tables.set(key, t);
    }
    return t;
  }

  /** Installs a present pte. Precondition: the slot is empty. Linux: set_pte_at(). */
  setPte(vpn: number, pfn: number, bits: number): void {
    const t = this.pteTableAlloc(vpn);
    const i = vpn % PTRS_PER_PTE;
    if (t.bits[i] !== 0) bug(`pte for vpn 0x${vpn.toString(16)} is already present`);
    t.pfn[i] = pfn;
    t.bits[i] = bits | PTE_PRESENT;
    t.nr++;
  }

  /** Clears slot `i` of table `t` (key `key`), freeing the table when it empties. Linux: ptep_get_and_clear() + free_pte_range(). */
  clearPte(t: PteTable, key: number, i: number): void {
    t.bits[i] = 0;
    t.pfn[i] = 0;
    if (--t.nr === 0) this.tables.delete(key);
  }

  /**
   * Finds the keys of the leaf tables that may hold ptes of [startVpn, endVpn), in no particular
   * order: the range's keys when it is small, else the keys present (a sparse walk of a huge VMA).
   * They go to `keys` (valid until the next call); returns how many. Linux: the
   * pgd/p4d/pud/pmd_none_or_clear_bad() skips of the page-table walkers.
   */
  tableKeysIn(startVpn: number, endVpn: number): number {
    if (endVpn <= startVpn || this.tables.size === 0) return 0;
    const first = Math.floor(startVpn / PTRS_PER_PTE);
    const last = Math.floor((endVpn - 1) / PTRS_PER_PTE);
    let n = 0;
    if (last - first < 2 * this.tables.size) {
      for (let k = first; k <= last; k++) if (this.tables.has(k)) n = this.pushKey(n, k);
    } else {
      for (const k of this.tables.keys()) if (k >= first && k <= last) n = this.pushKey(n, k);
    }
    return n;
  }

  private pushKey(n: number, key: number): number {
    if (n === this.keys.length) {
      const grown = new Float64Array(n * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[n] = key;
    return n + 1;
  }

  /** Number of present ptes. */
  nrPtes(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.nr;
    return n;
  }
}

/** Virtual page number of an address. */
export function vpnOf(addr: number): number {
  return Math.floor(addr / PAGE_SIZE);
}
