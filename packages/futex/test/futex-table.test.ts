/**
 * FutexTable against fake address spaces: the futex rows of conformance-cases.md (IDs FUTEX-nn),
 * the error order of do_futex() and its helpers, FIFO order and hash-bucket effects of requeue.
 *
 * mm 1:  0x10000000 shm (2 pages, shared with mm 2 at 0x20000000)   0x30000000 anon rw
 *        0x50000000 anon read-only   0x60000000 PROT_NONE   0x70000000 private file rw
 * mm 2:  0x20000000 the same shm   0x30000000 anon rw (its own)
 */
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EFAULT,
  EINVAL,
  ENOSYS,
  ETIMEDOUT,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_FD,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_OP_ADD,
  FUTEX_OP_ANDN,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_OR,
  FUTEX_OP_SET,
  FUTEX_OP_XOR,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
  KernelBug,
  PAGE_SIZE,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import type { FutexKey, FutexTargetPort } from "@mmsim/mm-types";
import { FutexTable, futexHash, futexOp } from "../src/index.js";
import { FakeMms } from "./fake-mm.js";
import { BLOCKED, world } from "./world.js";

const RW = PROT_READ | PROT_WRITE;
const SHM1 = 0x10000000;
const SHM2 = 0x20000000;
const ANON = 0x30000000;
const RO = 0x50000000;
const NONE = 0x60000000;
const PRIVFILE = 0x70000000;
const UNMAPPED = 0x40000000;
const INT_MAX = 0x7fffffff;
const P = FUTEX_PRIVATE_FLAG;

function setup(opts: Parameters<typeof world>[0] = {}, port?: Parameters<typeof world>[1]) {
  const w = world(opts, port);
  const shm = w.mem.newObject();
  const file = w.mem.newObject();
  w.mem.map(1, SHM1, 2 * PAGE_SIZE, RW, "shmem", shm);
  w.mem.map(2, SHM2, 2 * PAGE_SIZE, RW, "shmem", shm);
  w.mem.map(1, ANON, PAGE_SIZE, RW, "anon");
  w.mem.map(2, ANON, PAGE_SIZE, RW, "anon");
  w.mem.map(1, RO, PAGE_SIZE, PROT_READ, "anon");
  w.mem.map(1, NONE, PAGE_SIZE, PROT_NONE, "anon");
  w.mem.map(1, PRIVFILE, PAGE_SIZE, RW, "privfile", file);
  return w;
}

describe("FUTEX_WAIT and FUTEX_WAKE", () => {
  it.each([0, P])("a waiter blocks until a wake resumes it with 0 (flags %i)", (pf) => {
    const { futex, takeWoken, table } = setup();
    expect(futex(10, 1, ANON, FUTEX_WAIT | pf, 0)).toEqual(BLOCKED);
    expect(table.waiters()).toBe(1);
    expect(table.isWaiting(10)).toBe(true);
    expect(takeWoken()).toEqual([]);
    expect(futex(11, 1, ANON, FUTEX_WAKE | pf, 1)).toBe(1);
    expect(takeWoken()).toEqual([[10, 0]]);
    expect(table.waiters()).toBe(0);
  });

  it("FUTEX-02: a value that differs is -EAGAIN and does not sleep", () => {
    const { futex, table } = setup();
    expect(futex(10, 1, ANON, FUTEX_WAIT, 1)).toBe(-EAGAIN);
    expect(futex(10, 1, ANON, FUTEX_WAIT | P, 1)).toBe(-EAGAIN);
    expect(table.waiters()).toBe(0);
  });

  it("compares the whole u32: 0xffffffff matches a val of -1", () => {
    const { futex, mem } = setup();
    mem.poke(1, ANON, 0xffffffff);
    expect(futex(10, 1, ANON, FUTEX_WAIT, -1)).toEqual(BLOCKED);
    expect(futex(11, 1, ANON + 4, FUTEX_WAIT, 0xffffffff)).toBe(-EAGAIN);
  });

  it("FUTEX-01, FUTEX-04: a relative timeout becomes now + timeout; the deadline resumes the waiter with -ETIMEDOUT", () => {
    const { futex, takeWoken, table } = setup();
    expect(futex(10, 1, ANON, FUTEX_WAIT, 0, { timeoutNs: 10_000, now: 5_000_000 })).toEqual({ blocked: true, deadlineNs: 5_010_000 });
    expect(table.deadlineOf(10)).toBe(5_010_000);
    expect(table.timeout(10)).toBe(true);
    expect(takeWoken()).toEqual([[10, -ETIMEDOUT]]);
    expect(table.timeout(10)).toBe(false);
    expect(takeWoken()).toEqual([]);
    expect(table.deadlineOf(10)).toBeUndefined();
  });

  it("FUTEX-03: a zero timeout is -ETIMEDOUT at once, after the value check", () => {
    const { futex, table } = setup();
    expect(futex(10, 1, ANON, FUTEX_WAIT, 0, { timeoutNs: 0, now: 7 })).toBe(-ETIMEDOUT);
    expect(futex(10, 1, ANON, FUTEX_WAIT, 1, { timeoutNs: 0, now: 7 })).toBe(-EAGAIN);
    expect(table.waiters()).toBe(0);
  });

  it("a huge relative timeout saturates at KTIME_MAX instead of wrapping into the past", () => {
    const { futex } = setup();
    const r = futex(10, 1, ANON, FUTEX_WAIT, 0, { timeoutNs: 2 ** 63 - 1, now: 1e9 });
    expect(r).toEqual({ blocked: true, deadlineNs: 2 ** 63 - 1 });
  });

  it("a negative timeout is -EINVAL, before the CLOCK_REALTIME and command checks", () => {
    const { futex } = setup();
    expect(futex(10, 1, ANON, FUTEX_WAIT, 0, { timeoutNs: -1 })).toBe(-EINVAL);
    expect(futex(10, 1, ANON, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, { timeoutNs: -1 })).toBe(-EINVAL);
    expect(futex(10, 1, ANON, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, { timeoutNs: 5 })).toBe(-ENOSYS);
    expect(futex(10, 1, ANON, FUTEX_LOCK_PI, 0, { timeoutNs: Number.NaN })).toBe(-EINVAL);
    // commands without a timeout ignore the argument: it is val2 for them
    expect(futex(10, 1, ANON, FUTEX_WAKE, 1, { timeoutNs: -1 })).toBe(0);
  });

  it("FUTEX-08: an untouched read-only anonymous page reads 0 (private key)", () => {
    const { futex } = setup();
    expect(futex(10, 1, RO, FUTEX_WAIT | P, 1)).toBe(-EAGAIN);
    expect(futex(10, 1, RO, FUTEX_WAIT | P, 0)).toEqual(BLOCKED);
    // a shared key needs a writable anonymous page
    expect(futex(11, 1, RO, FUTEX_WAIT, 0)).toBe(-EFAULT);
  });

  it.each([
    ["unmapped", UNMAPPED],
    ["PROT_NONE", NONE],
    ["NULL", 0],
  ])("FUTEX-09: waiting on a %s word is -EFAULT with either privacy", (_, addr) => {
    const { futex } = setup();
    expect(futex(10, 1, addr, FUTEX_WAIT, 0)).toBe(-EFAULT);
    expect(futex(10, 1, addr, FUTEX_WAIT | P, 0)).toBe(-EFAULT);
  });

  it.each([0, 1, INT_MAX])("FUTEX-11: waking nobody returns 0 (nr_wake %i)", (n) => {
    const { futex } = setup();
    expect(futex(10, 1, ANON, FUTEX_WAKE, n)).toBe(0);
    expect(futex(10, 1, ANON, FUTEX_WAKE | P, n)).toBe(0);
  });

  it("FUTEX-12: 55 waiters, WAKE(i) for i = 1..10 wakes exactly i each time, oldest first", () => {
    const { futex, takeWoken } = setup();
    for (let t = 100; t < 155; t++) expect(futex(t, 1, ANON, FUTEX_WAIT | P, 0)).toEqual(BLOCKED);
    let next = 100;
    for (let i = 1; i <= 10; i++) {
      expect(futex(1, 1, ANON, FUTEX_WAKE | P, i)).toBe(i);
      expect(takeWoken()).toEqual(Array.from({ length: i }, () => [next++, 0]));
    }
    expect(futex(1, 1, ANON, FUTEX_WAKE | P, 1)).toBe(0);
  });

  it.each([0, -1, -0x80000000])("FUTEX-14: nr_wake %i still wakes one waiter", (n) => {
    const { futex, takeWoken } = setup();
    futex(10, 1, ANON, FUTEX_WAIT, 0);
    futex(11, 1, ANON, FUTEX_WAIT, 0);
    expect(futex(1, 1, ANON, FUTEX_WAKE, n)).toBe(1);
    expect(takeWoken()).toEqual([[10, 0]]);
  });

  it("FUTEX-15: WAKE(3) of 5 wakes 3; the other 2 time out", () => {
    const { futex, takeWoken, table } = setup();
    for (let t = 10; t < 15; t++) futex(t, 1, ANON, FUTEX_WAIT, 0, { timeoutNs: 6e9 });
    expect(futex(1, 1, ANON, FUTEX_WAKE, 3)).toBe(3);
    expect(table.expireTimers(6e9)).toBe(2);
    expect(takeWoken()).toEqual([[10, 0], [11, 0], [12, 0], [13, -ETIMEDOUT], [14, -ETIMEDOUT]]);
  });

  it.each([
    ["unmapped", UNMAPPED],
    ["PROT_NONE", NONE],
  ])("FUTEX-16, FUTEX-17: WAKE on a %s word is -EFAULT shared, 0 private", (_, addr) => {
    const { futex, mem } = setup();
    expect(futex(1, 1, addr, FUTEX_WAKE, 1)).toBe(-EFAULT);
    const reads = mem.calls.readU32;
    expect(futex(1, 1, addr, FUTEX_WAKE | P, 1)).toBe(0);
    expect(mem.calls.readU32).toBe(reads);
  });

  it("FUTEX-18: a misaligned address is -EINVAL for every command, even with no mapping there", () => {
    const { futex, mem } = setup();
    for (const addr of [ANON + 1, ANON + 2, ANON + 3, UNMAPPED + 2]) {
      const keys = mem.calls.futexKey;
      expect(futex(1, 1, addr, FUTEX_WAIT, 0)).toBe(-EINVAL);
      expect(futex(1, 1, addr, FUTEX_WAKE | P, 1)).toBe(-EINVAL);
      expect(futex(1, 1, addr, FUTEX_REQUEUE, 1, { uaddr2: ANON })).toBe(-EINVAL);
      expect(futex(1, 1, ANON, FUTEX_CMP_REQUEUE, 1, { uaddr2: addr })).toBe(-EINVAL);
      expect(futex(1, 1, ANON, FUTEX_WAKE_OP, 1, { uaddr2: addr })).toBe(-EINVAL);
      expect(futex(1, 1, addr, FUTEX_WAIT_BITSET, 0, { val3: 1 })).toBe(-EINVAL);
      // the table refuses the address itself: the port was asked only for the two aligned uaddr1 keys
      expect(mem.calls.futexKey - keys).toBe(2);
    }
  });

  it("an address beyond any double-precision integer is -EFAULT once aligned", () => {
    const { futex } = setup();
    expect(futex(1, 1, 2 ** 64 - 4096, FUTEX_WAKE | P, 1)).toBe(-EFAULT);
  });

  it("FUTEX-19: private and shared keys never match, even in one process", () => {
    const { futex, takeWoken } = setup();
    futex(10, 1, ANON, FUTEX_WAIT | P, 0);
    futex(11, 1, ANON + 4, FUTEX_WAIT, 0);
    expect(futex(1, 1, ANON, FUTEX_WAKE, 1)).toBe(0);
    expect(futex(1, 1, ANON + 4, FUTEX_WAKE | P, 1)).toBe(0);
    expect(takeWoken()).toEqual([]);
    expect(futex(1, 1, ANON, FUTEX_WAKE | P, 1)).toBe(1);
    expect(futex(1, 1, ANON + 4, FUTEX_WAKE, 1)).toBe(1);
  });

  it("FUTEX-20: private anonymous memory at the same address in two mms never shares a key", () => {
    const { futex } = setup();
    futex(10, 2, ANON, FUTEX_WAIT, 0);
    futex(11, 2, ANON + 4, FUTEX_WAIT | P, 0);
    expect(futex(1, 1, ANON, FUTEX_WAKE, 1)).toBe(0);
    expect(futex(1, 1, ANON + 4, FUTEX_WAKE | P, 1)).toBe(0);
  });

  it("FUTEX-21..23: shared memory attached at different addresses in two mms meets on a shared key only", () => {
    const { futex, takeWoken, mem } = setup();
    expect(futex(10, 1, SHM1 + 8, FUTEX_WAIT, 0)).toEqual(BLOCKED);
    expect(futex(11, 1, SHM1 + 12, FUTEX_WAIT | P, 0)).toEqual(BLOCKED);
    mem.poke(2, SHM2 + 8, 1);
    expect(futex(20, 2, SHM2 + 8, FUTEX_WAKE, 1)).toBe(1);
    expect(futex(20, 2, SHM2 + 12, FUTEX_WAKE | P, 1)).toBe(0);
    expect(takeWoken()).toEqual([[10, 0]]);
    // the second page is another key; the same offset there does not match
    expect(futex(12, 1, SHM1 + PAGE_SIZE + 8, FUTEX_WAIT, 0)).toEqual(BLOCKED);
    expect(futex(20, 2, SHM2 + 8, FUTEX_WAKE, 1)).toBe(0);
    expect(futex(20, 2, SHM2 + PAGE_SIZE + 8, FUTEX_WAKE, 1)).toBe(1);
  });

  it("FUTEX-24: a written private file mapping (.data) keys shared futexes by mm and address", () => {
    const { futex, takeWoken, mem } = setup();
    mem.poke(1, PRIVFILE, 1);
    expect(futex(10, 1, PRIVFILE, FUTEX_WAIT, 1)).toEqual(BLOCKED);
    mem.poke(1, PRIVFILE, 2);
    expect(futex(1, 1, PRIVFILE, FUTEX_WAKE, 1)).toBe(1);
    expect(takeWoken()).toEqual([[10, 0]]);
  });

  it("a waiter that waits again while queued is a bug", () => {
    const { futex } = setup();
    futex(10, 1, ANON, FUTEX_WAIT, 0);
    expect(() => futex(10, 1, ANON + 4, FUTEX_WAIT, 0)).toThrow(KernelBug);
  });
});

describe("bitsets", () => {
  it("FUTEX-07: WAIT_BITSET and WAKE_BITSET with bitset 0 are -EINVAL, before the key", () => {
    const { futex } = setup();
    expect(futex(10, 1, UNMAPPED, FUTEX_WAIT_BITSET, 0, { val3: 0 })).toBe(-EINVAL);
    expect(futex(10, 1, UNMAPPED, FUTEX_WAKE_BITSET, 1, { val3: 0 })).toBe(-EINVAL);
  });

  it("FUTEX-26..29: a waker's bitset must share a bit with the waiter's", () => {
    const { futex, takeWoken } = setup();
    futex(10, 1, ANON, FUTEX_WAIT_BITSET, 0, { val3: 0b01001000 });
    expect(futex(1, 1, ANON, FUTEX_WAKE, 1)).toBe(1); // FUTEX-26
    futex(11, 1, ANON, FUTEX_WAIT, 0);
    expect(futex(1, 1, ANON, FUTEX_WAKE_BITSET, 1, { val3: 0b01001000 })).toBe(1); // FUTEX-27
    futex(12, 1, ANON, FUTEX_WAIT_BITSET, 0, { val3: 0b01001000 });
    expect(futex(1, 1, ANON, FUTEX_WAKE_BITSET, 1, { val3: 0b01001000 })).toBe(1); // FUTEX-28
    futex(13, 1, ANON, FUTEX_WAIT_BITSET, 0, { val3: 0b01000001 });
    expect(futex(1, 1, ANON, FUTEX_WAKE_BITSET, 1, { val3: 0b00101000 })).toBe(0); // FUTEX-29
    expect(takeWoken()).toEqual([[10, 0], [11, 0], [12, 0]]);
  });

  it("a wake skips non-matching bitsets without counting them, and bit 31 is a bit like the others", () => {
    const { futex, takeWoken } = setup();
    futex(10, 1, ANON, FUTEX_WAIT_BITSET, 0, { val3: 1 });
    futex(11, 1, ANON, FUTEX_WAIT_BITSET, 0, { val3: 0x80000000 });
    futex(12, 1, ANON, FUTEX_WAIT_BITSET, 0, { val3: 0x80000002 });
    expect(futex(1, 1, ANON, FUTEX_WAKE_BITSET, 5, { val3: 0x80000000 })).toBe(2);
    expect(takeWoken()).toEqual([[11, 0], [12, 0]]);
  });

  it("FUTEX-05, FUTEX-06: WAIT_BITSET deadlines are absolute, on CLOCK_REALTIME with the flag", () => {
    const { futex, table } = setup({ realtimeOffsetNs: () => 1e12 });
    const now = 50_000;
    expect(futex(10, 1, ANON, FUTEX_WAIT_BITSET, 0, { val3: -1, timeoutNs: now + 100_010, now })).toEqual({
      blocked: true,
      deadlineNs: now + 100_010,
    });
    // CLOCK_REALTIME is 1000 s ahead: a realtime deadline 1 s in the past times out at once
    const rt = now + 1e12;
    expect(futex(11, 1, ANON, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, { val3: -1, timeoutNs: rt - 1e9, now })).toBe(-ETIMEDOUT);
    // and one 1 s ahead on the monotonic clock is still in the realtime past
    expect(futex(11, 1, ANON, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, { val3: -1, timeoutNs: now + 1e9, now })).toBe(-ETIMEDOUT);
    expect(futex(11, 1, ANON, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, { val3: -1, timeoutNs: rt + 5, now })).toEqual({
      blocked: true,
      deadlineNs: now + 5,
    });
    expect(futex(12, 1, ANON, FUTEX_WAIT_BITSET, 0, { val3: -1, timeoutNs: now, now })).toBe(-ETIMEDOUT);
    expect(table.waiters()).toBe(2);
  });
});

describe("FUTEX_WAKE_OP", () => {
  it("FUTEX-30: the comparison holds, both sides wake", () => {
    const { futex, takeWoken, mem } = setup();
    mem.poke(1, ANON, 1);
    mem.poke(1, ANON + 4, 1);
    futex(10, 1, ANON, FUTEX_WAIT | P, 1);
    futex(11, 1, ANON + 4, FUTEX_WAIT | P, 1);
    mem.poke(1, ANON, 2);
    mem.poke(1, ANON + 4, 2);
    const op = futexOp(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 2);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP | P, 1, { val2: 1, uaddr2: ANON + 4, val3: op })).toBe(2);
    expect(mem.peek(1, ANON + 4)).toBe(3);
    expect(takeWoken()).toEqual([[10, 0], [11, 0]]);
  });

  it("FUTEX-31: the comparison fails, only uaddr1 wakes but the op was applied", () => {
    const { futex, takeWoken, mem } = setup();
    mem.poke(1, ANON, 1);
    mem.poke(1, ANON + 4, 1);
    futex(10, 1, ANON, FUTEX_WAIT, 1);
    futex(11, 1, ANON + 4, FUTEX_WAIT, 1);
    mem.poke(1, ANON + 4, 2);
    const op = futexOp(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP, 1, { val2: 1, uaddr2: ANON + 4, val3: op })).toBe(1);
    expect(mem.peek(1, ANON + 4)).toBe(3);
    expect(takeWoken()).toEqual([[10, 0]]);
  });

  it.each([
    [FUTEX_OP_SET, 2, 1, 2],
    [FUTEX_OP_ADD, 1, 1, 2],
    [FUTEX_OP_OR, 0b10, 0b01, 0b11],
    [FUTEX_OP_ANDN, 0b10, 0b11, 0b01],
    [FUTEX_OP_XOR, 0b1100, 0b1010, 0b0110],
  ])("FUTEX-32: op %i with oparg %i turns %i into %i; uaddr1 NULL works with a private key", (op, oparg, before, after) => {
    const { futex, mem } = setup();
    mem.poke(1, ANON, before);
    expect(futex(1, 1, 0, FUTEX_WAKE_OP | P, 0, { val2: 0, uaddr2: ANON, val3: futexOp(op, oparg, 0, 0) })).toBe(0);
    expect(mem.peek(1, ANON)).toBe(after);
    // a shared key of NULL faults before anything is written
    expect(futex(1, 1, 0, FUTEX_WAKE_OP, 0, { val2: 0, uaddr2: ANON, val3: futexOp(op, oparg, 0, 0) })).toBe(-EFAULT);
    expect(mem.peek(1, ANON)).toBe(after);
  });

  it("nr_wake and nr_wake2 of 0 wake one each; uaddr1 == uaddr2 wakes from the same queue twice", () => {
    const { futex, takeWoken } = setup();
    for (let t = 10; t < 14; t++) futex(t, 1, ANON, FUTEX_WAIT, 0);
    const op = futexOp(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP, 0, { val2: 0, uaddr2: ANON, val3: op })).toBe(2);
    expect(takeWoken()).toEqual([[10, 0], [11, 0]]);
  });

  it("errors come in Linux's order: key1, key2, invalid op (no access), fault, invalid cmp (after the write)", () => {
    const { futex, mem } = setup();
    const badOp = (7 << 28) >>> 0;
    expect(futex(1, 1, UNMAPPED, FUTEX_WAKE_OP, 1, { uaddr2: ANON + 1, val3: badOp })).toBe(-EFAULT);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP, 1, { uaddr2: ANON + 1, val3: badOp })).toBe(-EINVAL);
    const rw = mem.calls.readU32 + mem.calls.writeU32;
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP | P, 1, { uaddr2: UNMAPPED, val3: badOp })).toBe(-ENOSYS);
    expect(mem.calls.readU32 + mem.calls.writeU32).toBe(rw);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP | P, 1, { uaddr2: UNMAPPED, val3: futexOp(FUTEX_OP_SET, 1, 15, 0) })).toBe(-EFAULT);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP | P, 1, { uaddr2: RO, val3: futexOp(FUTEX_OP_SET, 1, 15, 0) })).toBe(-EFAULT);
    expect(mem.peek(1, RO)).toBe(0);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP | P, 1, { uaddr2: ANON + 8, val3: futexOp(FUTEX_OP_SET, 9, 15, 0) })).toBe(-ENOSYS);
    expect(mem.peek(1, ANON + 8)).toBe(9);
  });

  it("an invalid comparison wakes nobody, not even on uaddr1", () => {
    const { futex, takeWoken } = setup();
    futex(10, 1, ANON, FUTEX_WAIT, 0);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP, 1, { uaddr2: ANON + 4, val3: futexOp(FUTEX_OP_SET, 1, 6, 0) })).toBe(-ENOSYS);
    expect(takeWoken()).toEqual([]);
  });

  it("nr_wake has no sign check: -1 wakes one", () => {
    const { futex } = setup();
    futex(10, 1, ANON, FUTEX_WAIT, 0);
    futex(11, 1, ANON, FUTEX_WAIT, 0);
    expect(futex(1, 1, ANON, FUTEX_WAKE_OP, -1, { val2: -1, uaddr2: ANON + 4, val3: 0 })).toBe(1);
  });
});

describe("FUTEX_REQUEUE and FUTEX_CMP_REQUEUE", () => {
  it("FUTEX-33: CMP_REQUEUE(3, 7) of 10 waiters returns 10; waking the target then finds 7", () => {
    const { futex, takeWoken } = setup();
    for (let t = 10; t < 20; t++) futex(t, 1, ANON, FUTEX_WAIT | P, 0);
    expect(futex(1, 1, ANON, FUTEX_CMP_REQUEUE | P, 3, { val2: 7, uaddr2: ANON + 4, val3: 0 })).toBe(10);
    expect(takeWoken()).toEqual([[10, 0], [11, 0], [12, 0]]);
    expect(futex(1, 1, ANON, FUTEX_WAKE | P, INT_MAX)).toBe(0);
    expect(futex(1, 1, ANON + 4, FUTEX_WAKE | P, INT_MAX)).toBe(7);
    expect(takeWoken().map(([t]) => t)).toEqual([13, 14, 15, 16, 17, 18, 19]);
  });

  it("FUTEX-33 (single): (0, 1) moves the one waiter, whom a wake on the target then finds", () => {
    const { futex, takeWoken } = setup();
    futex(10, 1, ANON, FUTEX_WAIT, 0);
    expect(futex(1, 1, ANON, FUTEX_CMP_REQUEUE, 0, { val2: 1, uaddr2: ANON + 4, val3: 0 })).toBe(1);
    expect(takeWoken()).toEqual([]);
    expect(futex(1, 1, ANON + 4, FUTEX_WAKE, 1)).toBe(1);
    expect(takeWoken()).toEqual([[10, 0]]);
  });

  it("FUTEX-35: negative counts are -EINVAL before anything else; a different word is -EAGAIN", () => {
    const { futex, mem } = setup();
    mem.poke(1, ANON + 4, 1);
    expect(futex(1, 1, UNMAPPED + 1, FUTEX_CMP_REQUEUE, 1, { val2: -1, uaddr2: ANON + 4 })).toBe(-EINVAL);
    expect(futex(1, 1, ANON, FUTEX_CMP_REQUEUE, -1, { val2: 1, uaddr2: ANON + 4 })).toBe(-EINVAL);
    expect(futex(1, 1, ANON, FUTEX_REQUEUE, 0x80000000, { val2: 1, uaddr2: ANON + 4 })).toBe(-EINVAL);
    expect(futex(1, 1, ANON, FUTEX_CMP_REQUEUE, 1, { val2: 1, uaddr2: ANON + 4, val3: 1 })).toBe(-EAGAIN);
  });

  it.each([
    ["uaddr unmapped", UNMAPPED, ANON],
    ["uaddr PROT_NONE", NONE, ANON],
    ["uaddr2 unmapped", ANON, UNMAPPED],
    ["uaddr2 PROT_NONE", ANON, NONE],
  ])("FUTEX-36: %s is -EFAULT, before the value compare", (_, a1, a2) => {
    const { futex } = setup();
    expect(futex(1, 1, a1, FUTEX_CMP_REQUEUE, 1, { val2: 1, uaddr2: a2, val3: 12345 })).toBe(-EFAULT);
  });

  it("a private CMP_REQUEUE on an unreadable word with valid keys is -EFAULT from the read", () => {
    const { futex } = setup();
    expect(futex(1, 1, UNMAPPED, FUTEX_CMP_REQUEUE | P, 1, { val2: 1, uaddr2: ANON, val3: 0 })).toBe(-EFAULT);
    expect(futex(1, 1, UNMAPPED, FUTEX_REQUEUE | P, 1, { val2: 1, uaddr2: ANON })).toBe(0);
  });

  it("FUTEX-37: FUTEX_REQUEUE returns woken + requeued; nr_wake 0 with nr_requeue 0 touches nobody", () => {
    const { futex, takeWoken } = setup();
    for (let t = 10; t < 15; t++) futex(t, 1, ANON, FUTEX_WAIT, 0);
    expect(futex(1, 1, ANON, FUTEX_REQUEUE, 0, { val2: 0, uaddr2: ANON + 4 })).toBe(0);
    expect(futex(1, 1, ANON, FUTEX_REQUEUE, 1, { val2: 2, uaddr2: ANON + 4 })).toBe(3);
    expect(takeWoken()).toEqual([[10, 0]]);
    expect(futex(1, 1, ANON + 4, FUTEX_WAKE, INT_MAX)).toBe(2);
    expect(futex(1, 1, ANON, FUTEX_WAKE, INT_MAX)).toBe(2);
    expect(takeWoken().map(([t]) => t)).toEqual([11, 12, 13, 14]);
  });

  it("uaddr1 == uaddr2 is allowed (only the PI variant refuses it) and keeps the order", () => {
    const { futex, takeWoken } = setup();
    for (let t = 10; t < 14; t++) futex(t, 1, ANON, FUTEX_WAIT, 0);
    expect(futex(1, 1, ANON, FUTEX_CMP_REQUEUE, 1, { val2: INT_MAX, uaddr2: ANON, val3: 0 })).toBe(4);
    expect(futex(1, 1, ANON, FUTEX_WAKE, INT_MAX)).toBe(3);
    expect(takeWoken().map(([t]) => t)).toEqual([10, 11, 12, 13]);
  });

  it("requeue crosses address spaces through a shared key, and the moved waiter keeps its deadline", () => {
    const { futex, takeWoken, table } = setup();
    futex(10, 1, SHM1, FUTEX_WAIT, 0, { timeoutNs: 100, now: 0 });
    expect(futex(20, 2, SHM2, FUTEX_REQUEUE, 0, { val2: 1, uaddr2: SHM2 + 4 })).toBe(1);
    expect(table.deadlineOf(10)).toBe(100);
    expect(futex(20, 2, SHM2, FUTEX_WAKE, 1)).toBe(0);
    expect(table.expireTimers(99)).toBe(0);
    expect(table.expireTimers(100)).toBe(1);
    expect(takeWoken()).toEqual([[10, -ETIMEDOUT]]);
  });
});

/** Two private keys of mm 1 that land in different buckets of a `size` table. */
function keysInTwoBuckets(size: number): [number, number] {
  const key = (a: number): FutexKey => ({ word0: 1, word1: a - (a % PAGE_SIZE), offset: a % PAGE_SIZE });
  for (let a = ANON + 4; a < ANON + PAGE_SIZE; a += 4) if (futexHash(key(ANON), size) !== futexHash(key(a), size)) return [ANON, a];
  throw new Error("no two words in different buckets");
}

describe("hash buckets", () => {
  // key1 waiters A1 A2, key2 waiter B1 queued between them: A1 B1 A2. Requeue A1 and A2 onto key2.
  function requeueInterleaved(hashSize: number, a1: number, a2: number): number[] {
    const { futex, takeWoken } = setup({ hashSize });
    futex(10, 1, a1, FUTEX_WAIT | P, 0);
    futex(20, 1, a2, FUTEX_WAIT | P, 0);
    futex(11, 1, a1, FUTEX_WAIT | P, 0);
    expect(futex(1, 1, a1, FUTEX_REQUEUE | P, 0, { val2: INT_MAX, uaddr2: a2 })).toBe(2);
    expect(futex(1, 1, a2, FUTEX_WAKE | P, INT_MAX)).toBe(3);
    return takeWoken().map(([t]) => t);
  }

  it("a requeue to another bucket appends the waiters after the target's own", () => {
    const [a1, a2] = keysInTwoBuckets(256);
    expect(requeueInterleaved(256, a1, a2)).toEqual([20, 10, 11]);
  });

  it("a requeue within one bucket leaves the waiters where they were in the chain", () => {
    expect(requeueInterleaved(1, ANON, ANON + 4)).toEqual([10, 20, 11]);
  });

  it("keys sharing a bucket never wake each other", () => {
    const { futex, takeWoken } = setup({ hashSize: 1 });
    futex(10, 1, ANON, FUTEX_WAIT, 0);
    futex(11, 2, ANON, FUTEX_WAIT, 0);
    futex(12, 1, ANON + 4, FUTEX_WAIT | P, 0);
    expect(futex(1, 2, ANON, FUTEX_WAKE, INT_MAX)).toBe(1);
    expect(takeWoken()).toEqual([[11, 0]]);
  });

  it("a hash size that is not a power of two is a bug", () => {
    expect(() => setup({ hashSize: 100 })).toThrow(KernelBug);
  });
});

describe("commands Linux refuses", () => {
  it.each([
    ["FUTEX_FD", FUTEX_FD],
    ["14", 14],
    ["127", 127],
    ["0x200 | WAIT", 0x200],
    ["-1", -1],
  ])("an unknown command (%s) is -ENOSYS", (_, op) => {
    const { futex } = setup();
    expect(futex(1, 1, ANON, op, 0)).toBe(-ENOSYS);
  });

  it.each([
    ["FUTEX_LOCK_PI", FUTEX_LOCK_PI],
    ["FUTEX_LOCK_PI2", FUTEX_LOCK_PI2],
    ["FUTEX_UNLOCK_PI", FUTEX_UNLOCK_PI],
    ["FUTEX_TRYLOCK_PI", FUTEX_TRYLOCK_PI],
    ["FUTEX_WAIT_REQUEUE_PI", FUTEX_WAIT_REQUEUE_PI],
    ["FUTEX_CMP_REQUEUE_PI", FUTEX_CMP_REQUEUE_PI],
  ])("%s is -ENOSYS, as without CONFIG_FUTEX_PI", (_, op) => {
    const { futex } = setup();
    expect(futex(1, 1, ANON, op, 1, { uaddr2: ANON + 4 })).toBe(-ENOSYS);
    expect(futex(1, 1, ANON, op | P, 1, { uaddr2: ANON + 4 })).toBe(-ENOSYS);
  });

  it("FUTEX_CMP_REQUEUE_PI checks its counts before saying -ENOSYS", () => {
    const { futex } = setup();
    expect(futex(1, 1, ANON, FUTEX_CMP_REQUEUE_PI, -1, { uaddr2: ANON + 4 })).toBe(-EINVAL);
  });

  it.each([FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, FUTEX_WAKE_BITSET, FUTEX_LOCK_PI, FUTEX_TRYLOCK_PI])(
    "FUTEX_CLOCK_REALTIME with command %i is -ENOSYS before anything else",
    (cmd) => {
      const { futex } = setup();
      expect(futex(1, 1, ANON + 1, cmd | FUTEX_CLOCK_REALTIME, 0, { val3: 0 })).toBe(-ENOSYS);
    },
  );

  it("FUTEX_CLOCK_REALTIME is accepted with WAIT_BITSET (and LOCK_PI2, WAIT_REQUEUE_PI, which are -ENOSYS here)", () => {
    const { futex } = setup();
    expect(futex(1, 1, ANON, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, { val3: -1 })).toEqual(BLOCKED);
    expect(futex(2, 1, ANON + 1, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | P, 0, { val3: -1 })).toBe(-EINVAL);
  });
});

describe("timeouts, signals and the scheduler port", () => {
  it("cancel dequeues silently and says whether the task was waiting", () => {
    const { futex, takeWoken, table } = setup();
    futex(10, 1, ANON, FUTEX_WAIT, 0);
    expect(table.cancel(10)).toBe(true);
    table.assertValid();
    expect(table.cancel(10)).toBe(false);
    expect(futex(1, 1, ANON, FUTEX_WAKE, 1)).toBe(0);
    expect(takeWoken()).toEqual([]);
  });

  it("expireTimers resumes due waiters earliest first, equal deadlines in queue order", () => {
    const { futex, takeWoken, table } = setup();
    futex(10, 1, ANON, FUTEX_WAIT, 0, { timeoutNs: 300 });
    futex(11, 1, ANON, FUTEX_WAIT, 0, { timeoutNs: 100 });
    futex(12, 1, ANON + 4, FUTEX_WAIT, 0, { timeoutNs: 300 });
    futex(13, 1, ANON, FUTEX_WAIT, 0);
    expect(table.expireTimers(300)).toBe(3);
    table.assertValid();
    expect(takeWoken()).toEqual([[11, -ETIMEDOUT], [10, -ETIMEDOUT], [12, -ETIMEDOUT]]);
    expect(table.waiters()).toBe(1);
  });

  it("a woken task may wait again from inside wakeTask; the table is consistent by then", () => {
    const mem = new FakeMms();
    mem.map(1, ANON, PAGE_SIZE, RW, "anon");
    const log: string[] = [];
    const sched = {
      wakeTask: (tid: number, r: number): void => {
        log.push(`${tid}:${r}`);
        table.assertValid();
        // the woken task runs at once and waits on the next word
        if (tid === 10) log.push(JSON.stringify(table.doFutex({ tid, mmId: 1 }, ANON + 4, FUTEX_WAIT, 0, null, 0, 0, 0, 0)));
      },
    };
    const table = new FutexTable(mem, sched);
    table.doFutex({ tid: 10, mmId: 1 }, ANON, FUTEX_WAIT, 0, null, 0, 0, 0, 0);
    table.doFutex({ tid: 11, mmId: 1 }, ANON, FUTEX_WAIT, 0, null, 0, 0, 0, 0);
    expect(table.doFutex({ tid: 1, mmId: 1 }, ANON, FUTEX_WAKE, 2, null, 0, 0, 0, 0)).toBe(2);
    table.assertValid();
    expect(log).toEqual(["10:0", '{"blocked":true,"deadlineNs":null}', "11:0"]);
    expect(table.isWaiting(10)).toBe(true);
  });

  it("a port answering a non-negative number instead of a key is a bug", () => {
    const broken = (mem: FakeMms): FutexTargetPort => ({
      futexKey: () => 0,
      readU32: (m, a) => mem.readU32(m, a),
      writeU32: (m, a, v) => mem.writeU32(m, a, v),
    });
    const { futex } = setup({}, broken);
    expect(() => futex(1, 1, ANON, FUTEX_WAKE, 1)).toThrow(KernelBug);
  });
});

describe("NOMMU keys (the seed: futexes across processes without an MMU)", () => {
  /** A NOMMU port: one address space, so every key is (NULL mm, address), whatever the privacy. */
  const nommu = (mem: FakeMms): FutexTargetPort => ({
    futexKey: (mmId, uaddr) => {
      const k = mem.futexKey(mmId, uaddr, false);
      return typeof k === "number" ? k : { word0: 0, word1: k.word1, offset: k.offset };
    },
    readU32: (m, a) => mem.readU32(m, a),
    writeU32: (m, a, v) => mem.writeU32(m, a, v),
  });

  it("process 1 waits on the shm word, process 2 increments it and wakes: WAITED 0, WOKE 1", () => {
    const { futex, takeWoken, mem } = world({}, nommu);
    const shm = mem.newObject();
    const addr = 0xc32ac000;
    mem.map(1, addr, PAGE_SIZE, RW, "shmem", shm);
    mem.map(2, addr, PAGE_SIZE, RW, "shmem", shm);
    const n = mem.peek(1, addr);
    expect(n).toBe(0);
    expect(futex(100, 1, addr, FUTEX_WAIT, n)).toEqual(BLOCKED);
    mem.poke(2, addr, mem.peek(2, addr) + 1);
    expect(futex(200, 2, addr, FUTEX_WAKE, 1)).toBe(1);
    expect(takeWoken()).toEqual([[100, 0]]);
  });
});
