/**
 * Random sequences of wait / wake / requeue / wake_op / timeout / cancel / stores against a plain
 * model: waiters in one array, FIFO by a stamp that a requeue renews only when the target key lives
 * in another bucket. Every return value, every resumed task (in order) and every word must agree;
 * assertValid() runs after each step. Small tables (1, 2 buckets) force collisions; 256 mostly avoids them.
 *
 * mm 1: 0x10000000 shm (pages 0, 1)  0x30000000 anon     mm 2: 0x20000000 the same shm  0x30000000 anon
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EFAULT,
  EINVAL,
  ENOSYS,
  ETIMEDOUT,
  FUT_OFF_INODE,
  FUT_OFF_MMSHARED,
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_CMP_REQUEUE,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import type { FutexKey } from "@mmsim/mm-types";
import { FutexTable, futexHash, futexMatch, futexOp } from "../src/index.js";
import { FakeMms } from "./fake-mm.js";

const SHM = [0, 0x10000000, 0x20000000];
const ANON = 0x30000000;
const UNMAPPED = 0x40000000;
/**
 * The model's own view of where a slot is: shm words 0..2 of page 0 (slots 0..2), word 0 of page 1
 * (3), anon words 0..1 (4, 5), a misaligned (6) and an unmapped address (7).
 */
function slotAddr(mm: number, slot: number): number {
  if (slot < 3) return SHM[mm]! + slot * 4;
  if (slot === 3) return SHM[mm]! + PAGE_SIZE;
  if (slot < 6) return ANON + (slot - 4) * 4;
  if (slot === 6) return ANON + 2;
  return UNMAPPED;
}

/** The word a slot names: shm words are shared by both mms, anon words are per mm. */
function wordId(mm: number, slot: number): string {
  return slot < 4 ? `shm${slot}` : `anon${mm}.${slot}`;
}

function modelKey(mm: number, slot: number, shared: boolean): FutexKey | number {
  const a = slotAddr(mm, slot);
  if (a % 4 !== 0) return -EINVAL;
  const offset = a % PAGE_SIZE;
  const page = a - offset;
  if (!shared) return { word0: mm, word1: page, offset };
  if (slot === 7) return -EFAULT;
  if (slot < 4) return { word0: 1, word1: slot === 3 ? 1 : 0, offset: offset | FUT_OFF_INODE };
  return { word0: mm, word1: page, offset: offset | FUT_OFF_MMSHARED };
}

interface MWaiter {
  tid: number;
  key: FutexKey;
  bitset: number;
  deadline: number | null;
  stamp: number;
  seq: number;
}

class Model {
  words = new Map<string, number>();
  waiters: MWaiter[] = [];
  woken: Array<[number, number]> = [];
  private stamp = 0;
  private seq = 0;
  constructor(readonly hashSize: number) {}

  read(mm: number, slot: number): number {
    return slot >= 6 ? -EFAULT : (this.words.get(wordId(mm, slot)) ?? 0);
  }
  private ordered(key: FutexKey): MWaiter[] {
    return this.waiters.filter((w) => futexMatch(w.key, key)).sort((a, b) => a.stamp - b.stamp);
  }
  private wakeOne(w: MWaiter, result = 0): void {
    this.waiters.splice(this.waiters.indexOf(w), 1);
    this.woken.push([w.tid, result]);
  }

  wait(tid: number, mm: number, slot: number, shared: boolean, val: number, bitset: number, rel: number | null, now: number): number | string {
    if (bitset === 0) return -EINVAL;
    const key = modelKey(mm, slot, shared);
    if (typeof key === "number") return key;
    const v = this.read(mm, slot);
    if (v < 0) return v;
    if (v !== val >>> 0) return -EAGAIN;
    if (rel !== null && rel <= 0) return -ETIMEDOUT;
    this.waiters.push({ tid, key, bitset, deadline: rel === null ? null : now + rel, stamp: ++this.stamp, seq: ++this.seq });
    return "blocked";
  }

  wake(mm: number, slot: number, shared: boolean, nr: number, bitset: number): number {
    if (bitset === 0) return -EINVAL;
    const key = modelKey(mm, slot, shared);
    if (typeof key === "number") return key;
    const match = this.ordered(key).filter((w) => (w.bitset & bitset) !== 0);
    const n = Math.min(match.length, Math.max(nr, 1));
    for (const w of match.slice(0, n)) this.wakeOne(w);
    return n;
  }

  requeue(mm: number, s1: number, s2: number, shared: boolean, nrWake: number, nrRequeue: number, cmpval: number | null): number {
    if (nrWake < 0 || nrRequeue < 0) return -EINVAL;
    const k1 = modelKey(mm, s1, shared);
    if (typeof k1 === "number") return k1;
    const k2 = modelKey(mm, s2, shared);
    if (typeof k2 === "number") return k2;
    if (cmpval !== null) {
      const v = this.read(mm, s1);
      if (v < 0) return v;
      if (v !== cmpval >>> 0) return -EAGAIN;
    }
    const list = this.ordered(k1);
    const woken = list.slice(0, nrWake);
    const moved = list.slice(nrWake, nrWake + nrRequeue);
    for (const w of woken) this.wakeOne(w);
    const otherBucket = futexHash(k1, this.hashSize) !== futexHash(k2, this.hashSize);
    for (const w of moved) {
      w.key = k2;
      if (otherBucket) w.stamp = ++this.stamp;
    }
    return woken.length + moved.length;
  }

  wakeOp(mm: number, s1: number, s2: number, shared: boolean, nr1: number, nr2: number, op: number, oparg: number, cmp: number, cmparg: number): number {
    const k1 = modelKey(mm, s1, shared);
    if (typeof k1 === "number") return k1;
    const k2 = modelKey(mm, s2, shared);
    if (typeof k2 === "number") return k2;
    if (op > 4) return -ENOSYS;
    const old = this.read(mm, s2);
    if (old < 0) return -EFAULT;
    const results = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg];
    this.words.set(wordId(mm, s2), results[op]! >>> 0);
    const o = old | 0;
    const cmps = [o === cmparg, o !== cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg];
    if (cmp > 5) return -ENOSYS;
    let n = 0;
    const l1 = this.ordered(k1).slice(0, Math.max(nr1, 1));
    for (const w of l1) this.wakeOne(w);
    n += l1.length;
    if (cmps[cmp]) {
      const l2 = this.ordered(k2).slice(0, Math.max(nr2, 1));
      for (const w of l2) this.wakeOne(w);
      n += l2.length;
    }
    return n;
  }

  timeout(tid: number): boolean {
    const w = this.waiters.find((x) => x.tid === tid);
    if (w === undefined) return false;
    this.wakeOne(w, -ETIMEDOUT);
    return true;
  }

  cancel(tid: number): boolean {
    const i = this.waiters.findIndex((x) => x.tid === tid);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    return true;
  }

  expire(now: number): number {
    const due = this.waiters.filter((w) => w.deadline !== null && w.deadline <= now).sort((a, b) => a.deadline! - b.deadline! || a.seq - b.seq);
    for (const w of due) this.wakeOne(w, -ETIMEDOUT);
    return due.length;
  }
}

type Step =
  | { kind: "wait"; tid: number; mm: number; slot: number; shared: boolean; match: boolean; bitset: number; rel: number | null }
  | { kind: "wake"; mm: number; slot: number; shared: boolean; nr: number; bitset: number | null }
  | { kind: "requeue"; mm: number; s1: number; s2: number; shared: boolean; nrWake: number; nrRequeue: number; cmp: null | boolean }
  | { kind: "wakeop"; mm: number; s1: number; s2: number; shared: boolean; nr1: number; nr2: number; op: number; oparg: number; cmp: number; cmparg: number }
  | { kind: "store"; mm: number; slot: number; value: number }
  | { kind: "timeout"; tid: number }
  | { kind: "cancel"; tid: number }
  | { kind: "tick"; ns: number };

const mmArb = fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) });
/** Mostly two hot words (shm word 0, anon word 0), so that keys gather several waiters. */
const slotArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.constant(4) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 1, arbitrary: fc.integer({ min: 6, max: 7 }) },
);
const sharedArb = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 2, arbitrary: fc.constant(true) });
const tidArb = fc.integer({ min: 100, max: 115 });
const countArb = fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constant(0x7fffffff));
const bitsetArb = fc.oneof({ weight: 4, arbitrary: fc.constant(FUTEX_BITSET_MATCH_ANY) }, { weight: 3, arbitrary: fc.constantFrom(1, 2, 3, 0x80000000, 0) });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      tid: tidArb,
      mm: mmArb,
      slot: slotArb,
      shared: sharedArb,
      match: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      bitset: bitsetArb,
      rel: fc.option(fc.integer({ min: 0, max: 50 }), { nil: null, freq: 2 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("wake" as const),
      mm: mmArb,
      slot: slotArb,
      shared: sharedArb,
      nr: countArb,
      bitset: fc.option(bitsetArb, { nil: null }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("requeue" as const),
      mm: mmArb,
      s1: slotArb,
      s2: slotArb,
      shared: sharedArb,
      nrWake: countArb,
      nrRequeue: countArb,
      cmp: fc.option(fc.boolean(), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("wakeop" as const),
      mm: mmArb,
      s1: slotArb,
      s2: slotArb,
      shared: sharedArb,
      nr1: countArb,
      nr2: countArb,
      op: fc.integer({ min: 0, max: 5 }),
      oparg: fc.integer({ min: -3, max: 3 }),
      cmp: fc.integer({ min: 0, max: 6 }),
      cmparg: fc.integer({ min: -2, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("store" as const), mm: mmArb, slot: fc.integer({ min: 0, max: 5 }), value: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("timeout" as const), tid: tidArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), tid: tidArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("tick" as const), ns: fc.integer({ min: 1, max: 30 }) }) },
);

function run(hashSize: number, steps: Step[]): void {
  const mem = new FakeMms();
  const shm = mem.newObject();
  for (const mm of [1, 2]) {
    mem.map(mm, SHM[mm]!, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, "shmem", shm);
    mem.map(mm, ANON, PAGE_SIZE, PROT_READ | PROT_WRITE, "anon");
  }
  const woken: Array<[number, number]> = [];
  const table = new FutexTable(mem, { wakeTask: (tid, r) => void woken.push([tid, r]) }, { hashSize });
  const model = new Model(hashSize);
  let now = 1000;
  const pf = (shared: boolean): number => (shared ? 0 : FUTEX_PRIVATE_FLAG);

  steps.forEach((s, i) => {
    let got: unknown;
    let want: unknown;
    switch (s.kind) {
      case "wait": {
        if (table.isWaiting(s.tid)) return; // a blocked task makes no calls
        const cur = model.read(s.mm, s.slot);
        const val = s.match && cur >= 0 ? cur : (cur + 1) >>> 0;
        const op = (s.bitset === FUTEX_BITSET_MATCH_ANY ? FUTEX_WAIT : FUTEX_WAIT_BITSET) | pf(s.shared);
        const abs = s.rel === null ? null : s.bitset === FUTEX_BITSET_MATCH_ANY ? s.rel : now + s.rel;
        const r = table.doFutex({ tid: s.tid, mmId: s.mm }, slotAddr(s.mm, s.slot), op, val, abs, 0, 0, s.bitset, now);
        got = typeof r === "number" ? r : "blocked";
        want = model.wait(s.tid, s.mm, s.slot, s.shared, val, s.bitset, s.rel, now);
        break;
      }
      case "wake": {
        const op = (s.bitset === null ? FUTEX_WAKE : FUTEX_WAKE_BITSET) | pf(s.shared);
        got = table.doFutex({ tid: 1, mmId: s.mm }, slotAddr(s.mm, s.slot), op, s.nr, null, 0, 0, s.bitset ?? 0, now);
        want = model.wake(s.mm, s.slot, s.shared, s.nr, s.bitset ?? FUTEX_BITSET_MATCH_ANY);
        break;
      }
      case "requeue": {
        const cmpval = s.cmp === null ? null : s.cmp ? model.read(s.mm, s.s1) >>> 0 : 77;
        const op = (s.cmp === null ? FUTEX_REQUEUE : FUTEX_CMP_REQUEUE) | pf(s.shared);
        got = table.doFutex({ tid: 1, mmId: s.mm }, slotAddr(s.mm, s.s1), op, s.nrWake, null, s.nrRequeue, slotAddr(s.mm, s.s2), cmpval ?? 0, now);
        want = model.requeue(s.mm, s.s1, s.s2, s.shared, s.nrWake, s.nrRequeue, cmpval);
        break;
      }
      case "wakeop": {
        const enc = futexOp(s.op, s.oparg, s.cmp, s.cmparg);
        got = table.doFutex({ tid: 1, mmId: s.mm }, slotAddr(s.mm, s.s1), FUTEX_WAKE_OP | pf(s.shared), s.nr1, null, s.nr2, slotAddr(s.mm, s.s2), enc, now);
        want = model.wakeOp(s.mm, s.s1, s.s2, s.shared, s.nr1, s.nr2, s.op, s.oparg, s.cmp, s.cmparg);
        break;
      }
      case "store":
        mem.poke(s.mm, slotAddr(s.mm, s.slot), s.value);
        model.words.set(wordId(s.mm, s.slot), s.value);
        break;
      case "timeout":
        got = table.timeout(s.tid);
        want = model.timeout(s.tid);
        break;
      case "cancel":
        got = table.cancel(s.tid);
        want = model.cancel(s.tid);
        break;
      case "tick":
        now += s.ns;
        got = table.expireTimers(now);
        want = model.expire(now);
        break;
    }
    table.assertValid();
    const words = (read: (mm: number, slot: number) => number): number[] => [1, 2].flatMap((mm) => [0, 1, 2, 3, 4, 5].map((slot) => read(mm, slot)));
    const actual = { got, woken: woken.splice(0), waiters: table.waiters(), words: words((mm, slot) => mem.peek(mm, slotAddr(mm, slot))) };
    const expected = { got: want, woken: model.woken.splice(0), waiters: model.waiters.length, words: words((mm, slot) => model.read(mm, slot)) };
    if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual, `step ${i}: ${JSON.stringify(s)}`).toEqual(expected);
  });
}

describe("FutexTable against a model", () => {
  it.each([1, 2, 256])("random call sequences agree with the model (%i buckets)", (hashSize) => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 100, size: "max" }), (steps) => run(hashSize, steps)),
      { numRuns: 200 },
    );
  });

  it("the model itself: a requeue keeps its place in one bucket and goes last across buckets", () => {
    // with 256 buckets shm word 0 and anon word 0 of mm 1 differ: the requeued waiter goes last
    const steps: Step[] = [
      { kind: "wait", tid: 100, mm: 1, slot: 0, shared: false, match: true, bitset: FUTEX_BITSET_MATCH_ANY, rel: null },
      { kind: "wait", tid: 101, mm: 1, slot: 4, shared: false, match: true, bitset: FUTEX_BITSET_MATCH_ANY, rel: null },
      { kind: "requeue", mm: 1, s1: 0, s2: 4, shared: false, nrWake: 0, nrRequeue: 1, cmp: null },
      { kind: "wake", mm: 1, slot: 4, shared: false, nr: 1, bitset: null },
    ];
    expect(futexHash(modelKey(1, 0, false) as FutexKey, 256)).not.toBe(futexHash(modelKey(1, 4, false) as FutexKey, 256));
    expect(() => run(256, steps)).not.toThrow();
    const model = new Model(1);
    for (const tid of [100, 101]) model.wait(tid, 1, tid === 100 ? 0 : 4, false, 0, FUTEX_BITSET_MATCH_ANY, null, 0);
    model.requeue(1, 0, 4, false, 0, 1, null);
    model.wake(1, 4, false, 1, FUTEX_BITSET_MATCH_ANY);
    expect(model.woken).toEqual([[100, 0]]); // one bucket: the requeued waiter keeps its place, first
  });
});
