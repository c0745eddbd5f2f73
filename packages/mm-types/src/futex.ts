/** futex(2) ABI numbers (include/uapi/linux/futex.h). */

export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;
export const FUTEX_FD = 2;
export const FUTEX_REQUEUE = 3;
export const FUTEX_CMP_REQUEUE = 4;
export const FUTEX_WAKE_OP = 5;
export const FUTEX_LOCK_PI = 6;
export const FUTEX_UNLOCK_PI = 7;
export const FUTEX_TRYLOCK_PI = 8;
export const FUTEX_WAIT_BITSET = 9;
export const FUTEX_WAKE_BITSET = 10;
export const FUTEX_WAIT_REQUEUE_PI = 11;
export const FUTEX_CMP_REQUEUE_PI = 12;
export const FUTEX_LOCK_PI2 = 13;
export const FUTEX_PRIVATE_FLAG = 128;
export const FUTEX_CLOCK_REALTIME = 256;
/** Mask that extracts the command from an op. Linux: FUTEX_CMD_MASK. */
export const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
/** Bitset that matches every waiter. As an unsigned 32-bit value. */
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;
export const FUTEX_WAITERS = 0x80000000;
export const FUTEX_OWNER_DIED = 0x40000000;
export const FUTEX_TID_MASK = 0x3fffffff;

/** FUTEX_WAKE_OP operations and comparisons. */
export const FUTEX_OP_SET = 0;
export const FUTEX_OP_ADD = 1;
export const FUTEX_OP_OR = 2;
export const FUTEX_OP_ANDN = 3;
export const FUTEX_OP_XOR = 4;
export const FUTEX_OP_OPARG_SHIFT = 8;
export const FUTEX_OP_CMP_EQ = 0;
export const FUTEX_OP_CMP_NE = 1;
export const FUTEX_OP_CMP_LT = 2;
export const FUTEX_OP_CMP_LE = 3;
export const FUTEX_OP_CMP_GT = 4;
export const FUTEX_OP_CMP_GE = 5;

/** Key offset flag bits. Linux: FUT_OFF_INODE, FUT_OFF_MMSHARED (kernel/futex/futex.h). */
export const FUT_OFF_INODE = 1;
export const FUT_OFF_MMSHARED = 2;

/** futex command names (strace prints `FUTEX_WAIT_PRIVATE` for WAIT|PRIVATE_FLAG). */
export const FUTEX_CMD_NAMES: ReadonlyArray<readonly [string, number]> = [
  ["FUTEX_WAIT", FUTEX_WAIT],
  ["FUTEX_WAKE", FUTEX_WAKE],
  ["FUTEX_FD", FUTEX_FD],
  ["FUTEX_REQUEUE", FUTEX_REQUEUE],
  ["FUTEX_CMP_REQUEUE", FUTEX_CMP_REQUEUE],
  ["FUTEX_WAKE_OP", FUTEX_WAKE_OP],
  ["FUTEX_LOCK_PI", FUTEX_LOCK_PI],
  ["FUTEX_UNLOCK_PI", FUTEX_UNLOCK_PI],
  ["FUTEX_TRYLOCK_PI", FUTEX_TRYLOCK_PI],
  ["FUTEX_WAIT_BITSET", FUTEX_WAIT_BITSET],
  ["FUTEX_WAKE_BITSET", FUTEX_WAKE_BITSET],
  ["FUTEX_WAIT_REQUEUE_PI", FUTEX_WAIT_REQUEUE_PI],
  ["FUTEX_CMP_REQUEUE_PI", FUTEX_CMP_REQUEUE_PI],
  ["FUTEX_LOCK_PI2", FUTEX_LOCK_PI2],
];
