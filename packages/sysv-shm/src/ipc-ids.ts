/**
 * The id table of one IPC kind in one namespace: cyclic index allocation, sequence numbers, the
 * key table. Linux: struct ipc_ids and ipc_idr_alloc(), ipc_addid(), ipc_rmid(), ipc_findkey(),
 * ipc_obtain_object_idr(), ipc_obtain_object_check(), ipc_get_maxidx() in ipc/util.c and ipc/util.h.
 */
import { EINVAL, ENOSPC, IPCMNI, IPCMNI_SHIFT, IPC_PRIVATE, bug } from "@mmsim/mm-types";

/** The smallest window the cyclic allocator walks before wrapping. Linux: ipc_min_cycle (RADIX_TREE_MAP_SIZE). */
export const IPC_MIN_CYCLE = 64;
/** Sequence numbers wrap to 0 here. Linux: ipcid_seq_max() = INT_MAX >> IPCMNI_SHIFT. */
export const IPCID_SEQ_MAX = 0x7fffffff >> IPCMNI_SHIFT;

/** The index bits of an id. Linux: ipcid_to_idx(). */
export function ipcidToIdx(id: number): number {
  return id & (IPCMNI - 1);
}

/** The sequence bits of an id. Linux: ipcid_to_seqx(). */
export function ipcidToSeqx(id: number): number {
  return id >> IPCMNI_SHIFT;
}

/** Identity, ownership and mode of an IPC object. Linux: struct kern_ipc_perm. */
export interface KernIpcPerm {
  key: number;
  id: number;
  seq: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  mode: number;
  /** Removed from the table (ipc_valid_object() is false). */
  deleted: boolean;
}

/**
 * The objects of one IPC kind in a namespace. Indexes are handed out cyclically in a window that
 * grows with the number in use, so a freed slot is not reused at once; the sequence number moves on
 * each time the cursor wraps, so a stale id fails its check. Linux: struct ipc_ids.
 */
export class IpcIds<T extends KernIpcPerm> {
  /** Objects in the table. Linux: ids->in_use. */
  inUse = 0;
  /** Sequence number of the next wrap. Linux: ids->seq. */
  seq = 0;
  /** Highest index in use, -1 when empty. Linux: ids->max_idx. */
  maxIdx = -1;
  /** Index handed out last. Linux: ids->last_idx. */
  lastIdx = -1;
  /**
   * The id the next object should get, or -1: set through /proc/sys/kernel/shm_next_id (checkpoint/
   * restore), used once and reset. Linux: ids->next_id (CONFIG_CHECKPOINT_RESTORE).
   */
  nextId = -1;
  /** Where the cyclic search starts. Linux: idr->idr_next. */
  private idrNext = 0;
  private readonly slots: Array<T | undefined> = [];
  private readonly keys = new Map<number, T>();

  /** The object holding `key` (never IPC_PRIVATE). Linux: ipc_findkey(). */
  findKey(key: number): T | undefined {
    return this.keys.get(key);
  }

  /** The object at the index of `id`, sequence unchecked, or -EINVAL. Linux: ipc_obtain_object_idr(). */
  obtainObjectIdr(id: number): T | number {
    return this.slots[ipcidToIdx(id)] ?? -EINVAL;
  }

  /** The object `id` names, sequence included, or -EINVAL. Linux: ipc_obtain_object_check(). */
  obtainObjectCheck(id: number): T | number {
    const p = this.obtainObjectIdr(id);
    if (typeof p === "number") return p;
    return ipcidToSeqx(id) !== p.seq ? -EINVAL : p;
  }

  /**
   * Enters `p` (credentials already set) and gives it its id; returns the index or -ENOSPC when
   * `limit` objects (capped at IPCMNI) are in use. Linux: ipc_addid() → ipc_idr_alloc().
   */
  addId(p: T, limit: number): number {
    if (this.inUse >= Math.min(limit, IPCMNI)) return -ENOSPC;
    const nextId = this.nextId;
    this.nextId = -1;
    if (nextId >= 0) {
      // the asked-for id's sequence, at its index or the first free one above it (the id then differs)
      const idx = this.lowestFree(ipcidToIdx(nextId), IPCMNI);
      if (idx < 0) return -ENOSPC;
      p.seq = ipcidToSeqx(nextId);
      p.id = (p.seq << IPCMNI_SHIFT) + idx;
      return this.enter(p, idx);
    }
    const window = Math.min(Math.max(Math.floor((this.inUse * 3) / 2), IPC_MIN_CYCLE), IPCMNI);
    const idx = this.idrAllocCyclic(window);
    if (idx < 0) return idx;
    if (idx <= this.lastIdx) {
      this.seq++;
      if (this.seq >= IPCID_SEQ_MAX) this.seq = 0;
    }
    this.lastIdx = idx;
    p.seq = this.seq;
    p.id = (this.seq << IPCMNI_SHIFT) + idx;
    return this.enter(p, idx);
  }

  /** Puts `p`, its id set, in slot `idx` and the key table; returns idx. */
  private enter(p: T, idx: number): number {
    p.deleted = false;
    this.slots[idx] = p;
    if (p.key !== IPC_PRIVATE) this.keys.set(p.key, p);
    this.inUse++;
    if (idx > this.maxIdx) this.maxIdx = idx;
    return idx;
  }

  /** Lowest free index at or after the cursor below `end`, wrapping once to 0. Linux: idr_alloc_cyclic(). */
  private idrAllocCyclic(end: number): number {
    const start = Math.max(this.idrNext, 0);
    let idx = this.lowestFree(start, end);
    if (idx < 0 && start > 0) idx = this.lowestFree(0, end);
    if (idx < 0) return -ENOSPC;
    this.idrNext = idx + 1;
    return idx;
  }

  private lowestFree(from: number, end: number): number {
    for (let i = from; i < end; i++) if (this.slots[i] === undefined) return i;
    return -1;
  }

  /** Removes `p` from the table and the key table. Linux: ipc_rmid(). */
  rmid(p: T): void {
    const idx = ipcidToIdx(p.id);
    if (this.slots[idx] !== p) bug(`ipc_rmid: id ${p.id} is not in its slot`);
    this.slots[idx] = undefined;
    this.ktRemove(p);
    this.inUse--;
    p.deleted = true;
    if (idx === this.maxIdx) {
      let i = idx - 1;
      while (i >= 0 && this.slots[i] === undefined) i--;
      this.maxIdx = i;
    }
  }

  /** Makes `p` unfindable by key: the key becomes IPC_PRIVATE. Linux: ipc_set_key_private(). */
  setKeyPrivate(p: T): void {
    this.ktRemove(p);
    p.key = IPC_PRIVATE;
  }

  private ktRemove(p: T): void {
    if (p.key !== IPC_PRIVATE && this.keys.get(p.key) === p) this.keys.delete(p.key);
  }

  /** Highest index in use, -1 when empty. Linux: ipc_get_maxidx(). */
  getMaxIdx(): number {
    if (this.inUse === 0) return -1;
    if (this.inUse === IPCMNI) return IPCMNI - 1;
    return this.maxIdx;
  }

  /** The objects in index order. Linux: idr_get_next() from 0 (the /proc/sysvipc walk). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i <= this.maxIdx; i++) {
      const p = this.slots[i];
      if (p !== undefined) yield p;
    }
  }

  /** Checks counts, ids, keys and the cursor bookkeeping. */
  assertValid(): void {
    let n = 0;
    let top = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const p = this.slots[i];
      if (p === undefined) continue;
      n++;
      top = i;
      if (p.deleted) bug(`ipc id ${p.id}: deleted but still in slot ${i}`);
      if (ipcidToIdx(p.id) !== i || ipcidToSeqx(p.id) !== p.seq) bug(`ipc id ${p.id}: does not name slot ${i} with seq ${p.seq}`);
      if (p.key !== IPC_PRIVATE && this.keys.get(p.key) !== p) bug(`ipc id ${p.id}: key ${p.key} is not in the key table`);
    }
    if (n !== this.inUse) bug(`ipc ids: in_use ${this.inUse}, ${n} objects in the table`);
    if (top !== this.maxIdx) bug(`ipc ids: max_idx ${this.maxIdx}, highest used ${top}`);
    for (const [key, p] of this.keys) {
      if (p.key !== key || p.deleted) bug(`ipc ids: key table maps ${key} to id ${p.id} (key ${p.key})`);
    }
    if (this.seq < 0 || this.seq >= IPCID_SEQ_MAX) bug(`ipc ids: seq ${this.seq} out of range`);
  }
}
