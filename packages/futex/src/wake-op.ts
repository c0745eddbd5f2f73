/**
 * FUTEX_WAKE_OP's encoded operation: decode it, apply it to the word at uaddr2, and compare the old
 * value. Linux: futex_atomic_op_inuser() in kernel/futex/waitwake.c and
 * arch_futex_atomic_op_inuser() in arch/x86/include/asm/futex.h.
 */
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
} from "@mmsim/mm-types";
import type { FutexTargetPort } from "@mmsim/mm-types";

/** The fields of an encoded FUTEX_WAKE_OP operation. */
export interface FutexOpFields {
  /** FUTEX_OP_SET..FUTEX_OP_XOR (bits 28-30); 5..7 are invalid. */
  readonly op: number;
  /** FUTEX_OP_CMP_EQ..FUTEX_OP_CMP_GE (bits 24-27); 6..15 are invalid. */
  readonly cmp: number;
  /** The operand after sign extension and, with FUTEX_OP_OPARG_SHIFT, after `1 << (oparg & 31)`. */
  readonly oparg: number;
  /** The comparison operand, sign-extended from 12 bits. */
  readonly cmparg: number;
}

function signExtend12(x: number): number {
  return (x << 20) >> 20;
}

/**
 * Encodes a FUTEX_WAKE_OP operation as userspace does; `op` may include FUTEX_OP_OPARG_SHIFT.
 * Linux: the FUTEX_OP() macro of include/uapi/linux/futex.h. Returns a u32.
 */
export function futexOp(op: number, oparg: number, cmp: number, cmparg: number): number {
  return (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)) >>> 0;
}

/**
 * Decodes an encoded operation. An out-of-range shift (oparg outside 0..31 with the shift flag) is
 * masked with 31, as Linux does after logging "fix this program". Linux: the top of futex_atomic_op_inuser().
 */
export function decodeFutexOp(encodedOp: number): FutexOpFields {
  const e = encodedOp >>> 0;
  const op = (e >>> 28) & 7;
  const cmp = (e >>> 24) & 0xf;
  let oparg = signExtend12((e >>> 12) & 0xfff);
  const cmparg = signExtend12(e & 0xfff);
  if (((e >>> 28) & FUTEX_OP_OPARG_SHIFT) !== 0) oparg = 1 << (oparg & 31);
  return { op, cmp, oparg, cmparg };
}

/** The new value of the word for a valid `op`, as a u32; -1 for an invalid op. */
function applyFutexOp(op: number, oldval: number, oparg: number): number {
  switch (op) {
    case FUTEX_OP_SET:
      return oparg >>> 0;
    case FUTEX_OP_ADD:
      return (oldval + oparg) >>> 0;
    case FUTEX_OP_OR:
      return (oldval | oparg) >>> 0;
    case FUTEX_OP_ANDN:
      return (oldval & ~oparg) >>> 0;
    case FUTEX_OP_XOR:
      return (oldval ^ oparg) >>> 0;
    default:
      return -1;
  }
}

/** Compares the old value (as a signed int) with cmparg: 1 true, 0 false, -ENOSYS for an invalid cmp. */
function futexOpCompare(cmp: number, oldval: number, cmparg: number): number {
  const old = oldval | 0;
  switch (cmp) {
    case FUTEX_OP_CMP_EQ:
      return old === cmparg ? 1 : 0;
    case FUTEX_OP_CMP_NE:
      return old !== cmparg ? 1 : 0;
    case FUTEX_OP_CMP_LT:
      return old < cmparg ? 1 : 0;
    case FUTEX_OP_CMP_LE:
      return old <= cmparg ? 1 : 0;
    case FUTEX_OP_CMP_GT:
      return old > cmparg ? 1 : 0;
    case FUTEX_OP_CMP_GE:
      return old >= cmparg ? 1 : 0;
    default:
      return -ENOSYS;
  }
}

/**
 * Applies `encodedOp` to the u32 at `uaddr` of `mmId` and compares the old value. Returns 1 (wake
 * the second futex's waiters), 0, or -errno:
 * - -ENOSYS for an invalid op, before memory is touched (x86 checks the op inside the user access);
 * - -EFAULT when the word can't be read or written (nothing is written then);
 * - -ENOSYS for an invalid comparison, after the new value was stored.
 * Linux: futex_atomic_op_inuser().
 */
export function futexAtomicOpInuser(target: FutexTargetPort, mmId: number, encodedOp: number, uaddr: number): number {
  const { op, cmp, oparg, cmparg } = decodeFutexOp(encodedOp);
  if (op > FUTEX_OP_XOR) return -ENOSYS;
  const oldval = target.readU32(mmId, uaddr);
  if (oldval < 0) return -EFAULT;
  const ret = target.writeU32(mmId, uaddr, applyFutexOp(op, oldval, oparg));
  if (ret < 0) return -EFAULT;
  return futexOpCompare(cmp, oldval, cmparg);
}
