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
    const kept: Range[] = [];
    for (const r of this.ranges) {
      if (r.end <= start || r.start >= end) kept.push(r);
      else {
        if (r.start < start) kept.push({ start: r.start, end: start, delta: r.delta });
        if (r.end > end) kept.push({ start: end, end: r.end, delta: r.delta });
      }
    }
    if (sim !== start) kept.push({ start, end, delta: sim - start });
    kept.sort((a, b) => a.start - b.start);
    this.ranges = kept;
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
