/**
 * The simulated clock: nanoseconds that advance only when every task is blocked and a timer is due,
 * so a run is deterministic. Linux: ktime_get() and the hrtimers of blocking syscalls.
 */
import { bug } from "@mmsim/mm-types";

interface Timer {
  readonly id: number;
  readonly deadlineNs: number;
  readonly fire: () => void;
}

/** A monotonic clock with one-shot timers, fired in deadline order (ties in arming order). */
export class SimClock {
  private now = 0;
  private nextId = 1;
  private readonly timers: Timer[] = [];

  /** Nanoseconds since boot. Linux: ktime_get_ns(). */
  nowNs(): number {
    return this.now;
  }

  /** Whole seconds, for the time fields of IPC structures (Linux: ktime_get_real_seconds()). */
  nowSec(): number {
    return Math.floor(this.now / 1e9);
  }

  /** Arms a timer; returns its id for cancel(). A deadline in the past fires at the next advance. */
  arm(deadlineNs: number, fire: () => void): number {
    const t: Timer = { id: this.nextId++, deadlineNs, fire };
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.deadlineNs > deadlineNs) i--;
    this.timers.splice(i, 0, t);
    return t.id;
  }

  /** Disarms a timer; returns whether it was still armed. */
  cancel(id: number): boolean {
    const i = this.timers.findIndex((t) => t.id === id);
    if (i < 0) return false;
    this.timers.splice(i, 1);
    return true;
  }

  /** Timers armed and not yet fired. */
  pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ns`, firing every timer that falls due, in order. */
  advance(ns: number): void {
    if (!(ns >= 0)) bug(`the clock cannot go back (${ns} ns)`);
    const target = this.now + ns;
    while (this.timers.length > 0 && this.timers[0]!.deadlineNs <= target) {
      const t = this.timers.shift()!;
      this.now = Math.max(this.now, t.deadlineNs);
      t.fire();
    }
    this.now = target;
  }

  /** Advances to the earliest armed timer and fires it (and any due at the same time). Returns false if none. */
  advanceToNextTimer(): boolean {
    const t = this.timers[0];
    if (t === undefined) return false;
    this.advance(Math.max(0, t.deadlineNs - this.now));
    return true;
  }
}
