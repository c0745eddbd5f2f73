/**
 * FutexTable over the real MMU backend's FutexTargetPort (@mmsim/mmu on @mmsim/buddy-allocator):
 * keys from page tables, fork, copy-on-write and the zero page, words in simulated physical memory.
 */
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EFAULT,
  EINVAL,
  FUTEX_OP_ADD,
  FUTEX_OP_CMP_EQ,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_WAIT,
  FUTEX_WAKE,
  FUTEX_WAKE_OP,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  PAGE_SIZE,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import type { MmBackend } from "@mmsim/mm-types";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { MmuBackend } from "@mmsim/mmu";
import { FutexTable, futexOp } from "../src/index.js";
import type { FutexBlock } from "../src/index.js";

const RW = PROT_READ | PROT_WRITE;
const P = FUTEX_PRIVATE_FLAG;
const BLOCKED: FutexBlock = { blocked: true, deadlineNs: null };

function machine() {
  const node = new BuddyAllocator({ pages: 4096 });
  const be: MmBackend = new MmuBackend({ pages: node, physMem: node.physMem });
  const woken: Array<[number, number]> = [];
  const table = new FutexTable(be.futex, { wakeTask: (tid, r) => void woken.push([tid, r]) });
  const futex = (tid: number, mm: number, uaddr: number, op: number, val: number, uaddr2 = 0, val2 = 0, val3 = 0): number | FutexBlock => {
    const r = table.doFutex({ tid, mmId: mm }, uaddr, op, val, null, val2, uaddr2, val3, 0);
    table.assertValid();
    be.assertValid();
    return r;
  };
  const mmap = (mm: number, len: number, prot: number, flags: number): number => {
    const a = be.mmap(mm, { addr: 0, len, prot, flags, pgoff: 0, file: null });
    expect(a).toBeGreaterThan(0);
    return a;
  };
  const store = (mm: number, addr: number, v: number): void => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    expect(be.writeUser(mm, addr, b)).toBe(0);
  };
  const load = (mm: number, addr: number): number => {
    const b = new Uint8Array(4);
    expect(be.readUser(mm, addr, b)).toBe(0);
    return new DataView(b.buffer).getUint32(0, true);
  };
  return { be, table, woken, futex, mmap, store, load };
}

describe("futexes on the MMU backend", () => {
  it("FUTEX-21: shared anonymous memory across fork meets on a shared key, never on a private one", () => {
    const { be, woken, futex, mmap, store } = machine();
    const parent = be.mmNew();
    const a = mmap(parent, PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS);
    store(parent, a, 1);
    const child = be.mmDup(parent);
    expect(futex(200, child, a, FUTEX_WAIT, 1)).toEqual(BLOCKED);
    expect(futex(201, child, a + 4, FUTEX_WAIT | P, 0)).toEqual(BLOCKED);
    store(parent, a, 2);
    expect(futex(100, parent, a + 4, FUTEX_WAKE | P, 1)).toBe(0);
    expect(futex(100, parent, a, FUTEX_WAKE, 1)).toBe(1);
    expect(woken).toEqual([[200, 0]]);
  });

  it("FUTEX-20, FUTEX-25: private anonymous memory after fork is two words; the parent's COW keeps its key", () => {
    const { be, woken, futex, mmap, store, load } = machine();
    const parent = be.mmNew();
    const a = mmap(parent, PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    store(parent, a, 1);
    expect(futex(100, parent, a, FUTEX_WAIT | P, 1)).toEqual(BLOCKED);
    expect(futex(101, parent, a + 8, FUTEX_WAIT, 0)).toEqual(BLOCKED);
    const child = be.mmDup(parent);
    expect(futex(200, child, a, FUTEX_WAIT, 1)).toEqual(BLOCKED);
    // the parent writes (breaking COW) and wakes: its own waiters only
    store(parent, a, 2);
    store(parent, a + 8, 5);
    expect(load(child, a)).toBe(1);
    expect(futex(102, parent, a, FUTEX_WAKE, 5)).toBe(0); // the child's waiter is on the child's mm
    expect(futex(102, parent, a, FUTEX_WAKE | P, 5)).toBe(1);
    expect(futex(102, parent, a + 8, FUTEX_WAKE, 5)).toBe(1); // (mm, address) survives the new page
    expect(futex(202, child, a, FUTEX_WAKE, 5)).toBe(1);
    expect(woken).toEqual([[100, 0], [101, 0], [200, 0]]);
  });

  it("FUTEX-08, FUTEX-16: the zero page reads 0 for a private wait; a shared key on it or on PROT_NONE is -EFAULT", () => {
    const { be, futex, mmap } = machine();
    const mm = be.mmNew();
    const ro = mmap(mm, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    const none = mmap(mm, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(futex(1, mm, ro, FUTEX_WAIT | P, 1)).toBe(-EAGAIN);
    expect(futex(1, mm, ro, FUTEX_WAIT | P, 0)).toEqual(BLOCKED);
    expect(futex(2, mm, ro, FUTEX_WAKE, 1)).toBe(-EFAULT);
    expect(futex(2, mm, none, FUTEX_WAKE, 1)).toBe(-EFAULT);
    expect(futex(2, mm, none, FUTEX_WAKE | P, 1)).toBe(0);
    expect(futex(2, mm, none, FUTEX_WAIT | P, 0)).toBe(-EFAULT);
    expect(futex(2, mm, ro + 2, FUTEX_WAKE | P, 1)).toBe(-EINVAL);
    expect(futex(2, mm, ro, FUTEX_WAKE | P, 1)).toBe(1);
  });

  it("WAKE_OP writes through the page tables, and REQUEUE moves a waiter between shared words", () => {
    const { be, woken, futex, mmap, store, load } = machine();
    const parent = be.mmNew();
    const a = mmap(parent, PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS);
    const child = be.mmDup(parent);
    store(parent, a + 4, 1);
    expect(futex(200, child, a, FUTEX_WAIT, 0)).toEqual(BLOCKED);
    expect(futex(100, parent, a, FUTEX_REQUEUE, 0, a + 4, 1)).toBe(1);
    expect(futex(100, parent, a, FUTEX_WAKE_OP, 1, a + 4, 1, futexOp(FUTEX_OP_ADD, 2, FUTEX_OP_CMP_EQ, 1))).toBe(1);
    expect(load(child, a + 4)).toBe(3);
    expect(woken).toEqual([[200, 0]]);
  });
});
