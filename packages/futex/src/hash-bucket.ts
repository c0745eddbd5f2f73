/**
 * The futex hash table: buckets of queued waiters, a waiter per blocked task, and the key → bucket
 * function. Linux: struct futex_hash_bucket, struct futex_q, futex_hash(), futex_match(),
 * __futex_queue(), __futex_unqueue() and requeue_futex() (kernel/futex/core.c, requeue.c, futex.h).
 */
import { bug } from "@mmsim/mm-types";
import type { FutexKey } from "@mmsim/mm-types";
import { jhash2 } from "./jhash.js";

/** Buckets per possible CPU. Linux: the 256 in futex_init(). */
export const FUTEX_HASH_BUCKETS_PER_CPU = 256;

/**
 * The size of the hash table for `nrPossibleCpus` CPUs: 256 per CPU rounded up to a power of two,
 * or 16 on a CONFIG_BASE_SMALL kernel. Linux: futex_init().
 */
export function futexHashsize(nrPossibleCpus: number, baseSmall = false): number {
  if (baseSmall) return 16;
  const want = FUTEX_HASH_BUCKETS_PER_CPU * Math.max(1, Math.floor(nrPossibleCpus));
  return 2 ** Math.ceil(Math.log2(want));
}

const TWO32 = 2 ** 32;
const scratch = new Uint32Array(4);

/**
 * The bucket index of `key` in a table of `hashSize` buckets (a power of two): lookup3 over the two
 * 64-bit key words (low half first, as they sit in memory on x86-64), seeded with the offset word.
 * Linux: futex_hash().
 */
export function futexHash(key: FutexKey, hashSize: number): number {
  scratch[0] = key.word0 >>> 0;
  scratch[1] = Math.floor(key.word0 / TWO32) >>> 0;
  scratch[2] = key.word1 >>> 0;
  scratch[3] = Math.floor(key.word1 / TWO32) >>> 0;
  return jhash2(scratch, 4, key.offset >>> 0) & (hashSize - 1);
}

/** True when two keys name the same futex: all three words equal. Linux: futex_match(). */
export function futexMatch(a: FutexKey, b: FutexKey): boolean {
  return a.word0 === b.word0 && a.word1 === b.word1 && a.offset === b.offset;
}

/**
 * One blocked task's entry in a bucket. Linux: struct futex_q; `bucket` is lock_ptr (-1 once the
 * waiter has been dequeued, which is how Linux marks a woken futex_q), `prev`/`next` the plist node.
 */
export class FutexQ {
  prev: FutexQ | null = null;
  next: FutexQ | null = null;
  /** Index of the bucket it is queued on, or -1. Linux: q->lock_ptr. */
  bucket = -1;

  constructor(
    /** The waiting task. Linux: q->task. */
    readonly tid: number,
    /** The futex waited on; rewritten by a requeue. Linux: q->key. */
    public key: FutexKey,
    /** Wakers' bitsets must share a bit with it. Linux: q->bitset. */
    readonly bitset: number,
    /** Absolute deadline on the simulated monotonic clock, or null. Linux: the hrtimer_sleeper. */
    readonly deadlineNs: number | null,
    /** Order of queueing, to expire equal deadlines in FIFO order. */
    readonly seq: number,
  ) {}
}

/**
 * The buckets: a FIFO list of waiters each, with its count. All waiters have the same priority
 * (normal tasks queue at MAX_RT_PRIO), so the priority list is a plain FIFO. Linux: the futex_queues
 * array of struct futex_hash_bucket { waiters, lock, chain }.
 */
export class FutexHashBuckets {
  readonly size: number;
  /** Queued waiters per bucket. Linux: hb->waiters. */
  readonly waiters: Int32Array;
  private readonly head: (FutexQ | null)[];
  private readonly tail: (FutexQ | null)[];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0) bug(`futex hash size ${size} is not a power of two`);
    this.size = size;
    this.waiters = new Int32Array(size);
    this.head = new Array<FutexQ | null>(size).fill(null);
    this.tail = new Array<FutexQ | null>(size).fill(null);
  }

  /** The bucket of `key`. Linux: futex_hash(). */
  hash(key: FutexKey): number {
    return futexHash(key, this.size);
  }

  /** The first waiter of bucket `hb`, for walking its chain with `q.next`. */
  first(hb: number): FutexQ | null {
    return this.head[hb]!;
  }

  /** Appends `q` to the tail of bucket `hb`. Linux: __futex_queue() (plist_add at equal priority). */
  enqueue(q: FutexQ, hb: number): void {
    if (q.bucket !== -1) bug(`futex_q of task ${q.tid} is already queued on bucket ${q.bucket}`);
    const t = this.tail[hb]!;
    q.prev = t;
    q.next = null;
    if (t === null) this.head[hb] = q;
    else t.next = q;
    this.tail[hb] = q;
    q.bucket = hb;
    this.waiters[hb]!++;
  }

  /** Unlinks `q` from its bucket and marks it dequeued. Linux: __futex_unqueue() and lock_ptr = NULL. */
  dequeue(q: FutexQ): void {
    const hb = q.bucket;
    if (hb === -1) bug(`futex_q of task ${q.tid} is not queued`);
    if (q.prev === null) this.head[hb] = q.next;
    else q.prev.next = q.next;
    if (q.next === null) this.tail[hb] = q.prev;
    else q.next.prev = q.prev;
    q.prev = null;
    q.next = null;
    q.bucket = -1;
    this.waiters[hb]!--;
  }

  /**
   * Moves `q` to `key2`: to the tail of bucket `hb2` when that is another bucket, else it keeps its
   * place in the chain. Linux: requeue_futex().
   */
  requeue(q: FutexQ, hb2: number, key2: FutexKey): void {
    if (q.bucket !== hb2) {
      this.dequeue(q);
      this.enqueue(q, hb2);
    }
    q.key = key2;
  }

  /** Checks every chain's links, counts and hashes, given how many waiters exist in all; returns the waiters seen. */
  assertValid(maxWaiters: number): number {
    let total = 0;
    for (let hb = 0; hb < this.size; hb++) {
      let n = 0;
      let prev: FutexQ | null = null;
      for (let q: FutexQ | null = this.head[hb]!; q !== null; q = q.next) {
        if (q.prev !== prev) bug(`futex bucket ${hb}: task ${q.tid} has a broken prev link`);
        if (q.bucket !== hb) bug(`futex bucket ${hb}: task ${q.tid} says it is on bucket ${q.bucket}`);
        if (this.hash(q.key) !== hb) bug(`futex bucket ${hb}: task ${q.tid}'s key hashes to bucket ${this.hash(q.key)}`);
        if (q.bitset === 0) bug(`futex bucket ${hb}: task ${q.tid} waits with an empty bitset`);
        prev = q;
        if (++n + total > maxWaiters) bug(`futex bucket ${hb}: more waiters on the chains than tasks waiting (a cycle?)`);
      }
      if (this.tail[hb] !== prev) bug(`futex bucket ${hb}: tail is not the last waiter`);
      if (this.waiters[hb] !== n) bug(`futex bucket ${hb}: waiters is ${this.waiters[hb]} but the chain holds ${n}`);
      total += n;
    }
    return total;
  }
}
