/**
 * Address translation of a replay: where the simulator placed a mapping elsewhere than the trace
 * recorded, every later address inside the recorded range moves by the same offset, so the replay
 * keeps meaning the same memory. One table per simulated address space; fork copies it.
 */

interface Range {
  readonly start: number;
  readonly end: number;
  readonly delta: number;
}

/** Recorded ranges → offsets, non-overlapping, sorted by start. */
export class AddressTranslation {
  private ranges: Range[] = [];

  /** The simulated address of recorded address `addr` (itself when no range holds it). */
  translate(addr: number): number {
    const r = this.find(addr);
    return r === null ? addr : addr + r.delta;
  }

  /** Whether `addr` lies in a translated range. */
  isTranslated(addr: number): boolean {
    return this.find(addr) !== null;
  }

  private find(addr: number): Range | null {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (addr < r.start) hi = mid - 1;
      else if (addr >= r.end) lo = mid + 1;
      else return r;
    }
    return null;
  }

  /** Records that recorded [start, start + len) lives at simulated `sim` (replacing what overlapped). */
  set(start: number, len: number, sim: number): void {
    const end = start + len;
    if (!(len > 0)) return;
    const added: Range | null = sim !== start ? { start, end, delta: sim - start } : null;
    if (added === null && !this.overlaps(start, end)) return;
    // the ranges stay in order: those before, the cut pieces and the new one in place, those after
    const kept: Range[] = [];
    let placed = added === null;
    for (const r of this.ranges) {
      if (r.end <= start) {
        kept.push(r);
        continue;
      }
      if (r.start < start) kept.push({ start: r.start, end: start, delta: r.delta });
      if (r.end > end) {
        if (!placed) kept.push(added!);
        placed = true;
        kept.push(r.start >= end ? r : { start: end, end: r.end, delta: r.delta });
      }
    }
    if (!placed) kept.push(added!);
    this.ranges = kept;
  }

  /** Whether a range meets [start, end). */
  private overlaps(start: number, end: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (r.end <= start) lo = mid + 1;
      else if (r.start >= end) hi = mid - 1;
      else return true;
    }
    return false;
  }

  /** A copy (fork). */
  clone(): AddressTranslation {
    const t = new AddressTranslation();
    t.ranges = this.ranges.slice();
    return t;
  }

  /** Translated ranges. */
  get size(): number {
    return this.ranges.length;
  }
}
