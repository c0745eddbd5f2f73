/**
 * 64-bit mask arithmetic on addresses held in doubles: JavaScript's `&` works on 32 bits, Linux's on
 * unsigned long.
 */

const TWO32 = 2 ** 32;
const TWO52 = 2 ** 52;

/**
 * Returns `x & mask` as the kernel computes it on an unsigned long, for an integer x with |x| < 2^53
 * (negative x wraps as unsigned) and 0 <= mask < 2^52. Linux: the `(a - b) & align_mask` terms of
 * unmapped_area() and unmapped_area_topdown() in mm/mmap.c.
 */
export function maskBits(x: number, mask: number): number {
  if (mask === 0) return 0;
  let r = x % TWO52;
  if (r < 0) r += TWO52;
  if (mask < TWO32 && r < TWO32) return ((r & mask) >>> 0);
  const lo = ((r % TWO32) & (mask % TWO32)) >>> 0;
  const hi = (Math.floor(r / TWO32) & Math.floor(mask / TWO32)) >>> 0;
  return hi * TWO32 + lo;
}
