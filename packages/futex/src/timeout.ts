/**
 * The syscall side of a futex timeout: which commands read `utime` as a struct timespec, and how
 * that timespec becomes nanoseconds. Linux: futex_cmd_has_timeout() and futex_init_timeout() in
 * kernel/futex/syscalls.c, timespec64_valid() and timespec64_to_ktime() in include/linux/time64.h.
 */
import {
  EINVAL,
  FUTEX_CMD_MASK,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
} from "@mmsim/mm-types";

/** Nanoseconds per second. Linux: NSEC_PER_SEC. */
export const NSEC_PER_SEC = 1_000_000_000;
/** The largest ktime_t, where timeouts saturate. Linux: KTIME_MAX (2^63 - 1, here as a double). */
export const KTIME_MAX = 2 ** 63 - 1;
/** Seconds beyond which a timespec converts to KTIME_MAX. Linux: KTIME_SEC_MAX. */
export const KTIME_SEC_MAX = Math.floor(KTIME_MAX / NSEC_PER_SEC);

/**
 * True when `op`'s command reads its 4th argument as a timeout; every other command reads it as the
 * integer val2. Linux: futex_cmd_has_timeout().
 */
export function futexCmdHasTimeout(op: number): boolean {
  const cmd = op & FUTEX_CMD_MASK;
  return (
    cmd === FUTEX_WAIT ||
    cmd === FUTEX_LOCK_PI ||
    cmd === FUTEX_LOCK_PI2 ||
    cmd === FUTEX_WAIT_BITSET ||
    cmd === FUTEX_WAIT_REQUEUE_PI
  );
}

/**
 * Validates a struct timespec read from user memory and returns it in nanoseconds (saturated at
 * KTIME_MAX), or -EINVAL when tv_sec is negative or tv_nsec lies outside 0..999999999. The value is
 * what the user passed: relative for FUTEX_WAIT, absolute for the other commands; FutexTable.doFutex
 * takes it as is. Linux: the timespec64_valid() and timespec64_to_ktime() steps of futex_init_timeout().
 */
export function futexTimespecToNs(tvSec: number, tvNsec: number): number {
  if (!Number.isInteger(tvSec) || !Number.isInteger(tvNsec)) return -EINVAL;
  if (tvSec < 0 || tvNsec < 0 || tvNsec >= NSEC_PER_SEC) return -EINVAL;
  if (tvSec >= KTIME_SEC_MAX) return KTIME_MAX;
  return Math.min(tvSec * NSEC_PER_SEC + tvNsec, KTIME_MAX);
}

/** a + b saturated at KTIME_MAX. Linux: ktime_add_safe(). */
export function ktimeAddSafe(a: number, b: number): number {
  const sum = a + b;
  return sum >= KTIME_MAX || sum < a ? KTIME_MAX : sum;
}
