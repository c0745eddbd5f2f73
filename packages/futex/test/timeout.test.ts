/** The syscall side of timeouts: which commands take one and how a timespec is validated. */
import { describe, expect, it } from "vitest";
import {
  EINVAL,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMD_NAMES,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
} from "@mmsim/mm-types";
import { KTIME_MAX, futexCmdHasTimeout, futexTimespecToNs, ktimeAddSafe } from "../src/index.js";

describe("futexCmdHasTimeout", () => {
  const withTimeout = new Set([FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI]);
  it.each(FUTEX_CMD_NAMES.map(([n, c]) => [n, c] as const))("%s", (_, cmd) => {
    expect(futexCmdHasTimeout(cmd)).toBe(withTimeout.has(cmd));
    expect(futexCmdHasTimeout(cmd | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)).toBe(withTimeout.has(cmd));
  });
});

describe("futexTimespecToNs", () => {
  it.each([
    [0, 0, 0],
    [0, 999_999_999, 999_999_999],
    [3, 5, 3_000_000_005],
    [9_223_372_036, 854_775_807, KTIME_MAX],
    [2 ** 53, 0, KTIME_MAX],
  ])("{%i, %i} is %i ns", (s, ns, want) => {
    expect(futexTimespecToNs(s, ns)).toBe(want);
  });

  it.each([
    [-1, 0],
    [0, -1],
    [0, 1_000_000_000],
    [1.5, 0],
    [Number.NaN, 0],
  ])("{%d, %d} is -EINVAL", (s, ns) => {
    expect(futexTimespecToNs(s, ns)).toBe(-EINVAL);
  });

  it("ktimeAddSafe saturates", () => {
    expect(ktimeAddSafe(5, 7)).toBe(12);
    expect(ktimeAddSafe(KTIME_MAX - 10, 1e6)).toBe(KTIME_MAX);
  });
});
