/** FUTEX_WAKE_OP's operation encoding, every op and comparison, the shift flag and the fault order. */
import { describe, expect, it } from "vitest";
import {
  EFAULT,
  ENOSYS,
  FUTEX_OP_ADD,
  FUTEX_OP_ANDN,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_CMP_GE,
  FUTEX_OP_CMP_GT,
  FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_LT,
  FUTEX_OP_CMP_NE,
  FUTEX_OP_OPARG_SHIFT,
  FUTEX_OP_OR,
  FUTEX_OP_SET,
  FUTEX_OP_XOR,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
} from "@mmsim/mm-types";
import { decodeFutexOp, futexAtomicOpInuser, futexOp } from "../src/index.js";
import { FakeMms } from "./fake-mm.js";

const W = 0x1000;

function mem(value: number): FakeMms {
  const m = new FakeMms();
  m.map(1, W, PAGE_SIZE, PROT_READ | PROT_WRITE, "anon");
  m.poke(1, W, value);
  return m;
}

describe("encoding", () => {
  it("futexOp packs op, cmp, oparg and cmparg as the FUTEX_OP macro", () => {
    expect(futexOp(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 2)).toBe(0x10001002);
    expect(futexOp(FUTEX_OP_OPARG_SHIFT | FUTEX_OP_OR, 31, FUTEX_OP_CMP_GE, -1)).toBe(0xa501ffff);
  });

  it("decodeFutexOp sign-extends both 12-bit arguments", () => {
    expect(decodeFutexOp(futexOp(FUTEX_OP_SET, -1, FUTEX_OP_CMP_LT, -2048))).toEqual({ op: 0, cmp: 2, oparg: -1, cmparg: -2048 });
    expect(decodeFutexOp(futexOp(FUTEX_OP_SET, 2047, FUTEX_OP_CMP_GT, 2047))).toEqual({ op: 0, cmp: 4, oparg: 2047, cmparg: 2047 });
  });

  it.each([
    [0, 1],
    [5, 32],
    [31, 1 << 31],
    [32, 1], // masked with 31
    [48, 1 << 16],
    [-1, 1 << 31],
  ])("the shift flag with oparg %i gives %i", (oparg, want) => {
    expect(decodeFutexOp(futexOp(FUTEX_OP_OPARG_SHIFT | FUTEX_OP_SET, oparg, 0, 0)).oparg).toBe(want);
  });
});

describe("futexAtomicOpInuser", () => {
  it.each([
    [FUTEX_OP_SET, 7, 0xffffffff, 7],
    [FUTEX_OP_SET, -1, 3, 0xffffffff],
    [FUTEX_OP_ADD, 1, 0xffffffff, 0],
    [FUTEX_OP_ADD, -2, 1, 0xffffffff],
    [FUTEX_OP_OR, 0x0f0, 0x00f, 0x0ff],
    [FUTEX_OP_ANDN, 0x0f0, 0xfff, 0xf0f],
    [FUTEX_OP_XOR, -1, 0x12345678, 0xedcba987],
  ])("op %i with oparg %i turns %i into %i", (op, oparg, before, after) => {
    const m = mem(before);
    expect(futexAtomicOpInuser(m, 1, futexOp(op, oparg, FUTEX_OP_CMP_EQ, 0), W)).toBeGreaterThanOrEqual(0);
    expect(m.peek(1, W)).toBe(after);
  });

  it("the shift flag shifts before the op: ADD 1<<4, OR 1<<31", () => {
    const m = mem(1);
    futexAtomicOpInuser(m, 1, futexOp(FUTEX_OP_OPARG_SHIFT | FUTEX_OP_ADD, 4, 0, 0), W);
    expect(m.peek(1, W)).toBe(17);
    futexAtomicOpInuser(m, 1, futexOp(FUTEX_OP_OPARG_SHIFT | FUTEX_OP_OR, 31, 0, 0), W);
    expect(m.peek(1, W)).toBe(0x80000011);
  });

  // old value -1 (0xffffffff) against cmparg 0, 5 and -1: the comparison is signed
  it.each([
    [FUTEX_OP_CMP_EQ, [0, 0, 1]],
    [FUTEX_OP_CMP_NE, [1, 1, 0]],
    [FUTEX_OP_CMP_LT, [1, 1, 0]],
    [FUTEX_OP_CMP_LE, [1, 1, 1]],
    [FUTEX_OP_CMP_GT, [0, 0, 0]],
    [FUTEX_OP_CMP_GE, [0, 0, 1]],
  ])("comparison %i of the old value, as a signed int", (cmp, want) => {
    const got = [0, 5, -1].map((cmparg) => futexAtomicOpInuser(mem(0xffffffff), 1, futexOp(FUTEX_OP_ADD, 0, cmp, cmparg), W));
    expect(got).toEqual(want);
  });

  it("compares the old value, not the new one", () => {
    const m = mem(3);
    expect(futexAtomicOpInuser(m, 1, futexOp(FUTEX_OP_SET, 9, FUTEX_OP_CMP_EQ, 3), W)).toBe(1);
    expect(futexAtomicOpInuser(m, 1, futexOp(FUTEX_OP_SET, 9, FUTEX_OP_CMP_EQ, 3), W)).toBe(0);
  });

  it.each([5, 6, 7])("op %i is -ENOSYS without touching memory, even unmapped memory", (op) => {
    const m = mem(1);
    expect(futexAtomicOpInuser(m, 1, futexOp(op, 1, 0, 0), W)).toBe(-ENOSYS);
    expect(futexAtomicOpInuser(m, 1, futexOp(op, 1, 0, 0), 0x900000)).toBe(-ENOSYS);
    expect(m.calls.readU32 + m.calls.writeU32).toBe(0);
  });

  it.each([6, 7, 15])("comparison %i is -ENOSYS after the new value was written", (cmp) => {
    const m = mem(1);
    expect(futexAtomicOpInuser(m, 1, futexOp(FUTEX_OP_ADD, 2, cmp, 0), W)).toBe(-ENOSYS);
    expect(m.peek(1, W)).toBe(3);
  });

  it("an unreadable or read-only word is -EFAULT and keeps its value", () => {
    const m = mem(1);
    m.map(1, 0x8000, PAGE_SIZE, PROT_READ, "anon");
    expect(futexAtomicOpInuser(m, 1, futexOp(FUTEX_OP_SET, 2, 0, 0), 0x900000)).toBe(-EFAULT);
    expect(futexAtomicOpInuser(m, 1, futexOp(FUTEX_OP_SET, 2, 0, 0), 0x8000)).toBe(-EFAULT);
    expect(m.peek(1, 0x8000)).toBe(0);
  });
});
