/**
 * @mmsim/futex: futexes as kernel/futex/ does them — keys from the backend, one global hash table of
 * FIFO buckets, WAIT/WAKE/REQUEUE/CMP_REQUEUE/WAKE_OP/WAIT_BITSET/WAKE_BITSET, blocking through a
 * scheduler port. Every export is named here.
 */
export { FLAGS_CLOCKRT, FLAGS_SHARED, FutexTable, isFutexBlock } from "./futex-table.js";
export type { FutexBlock, FutexCaller, FutexSchedPort, FutexTableOptions } from "./futex-table.js";
export { FUTEX_HASH_BUCKETS_PER_CPU, futexHash, futexHashsize, futexMatch } from "./hash-bucket.js";
export { JHASH_INITVAL, jhash2 } from "./jhash.js";
export { KTIME_MAX, KTIME_SEC_MAX, NSEC_PER_SEC, futexCmdHasTimeout, futexTimespecToNs, ktimeAddSafe } from "./timeout.js";
export { decodeFutexOp, futexAtomicOpInuser, futexOp } from "./wake-op.js";
export type { FutexOpFields } from "./wake-op.js";
