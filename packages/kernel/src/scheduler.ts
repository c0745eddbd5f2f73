/**
 * A deterministic scheduler for simulated programs. A program is a generator that yields syscalls
 * and receives their return values; the scheduler runs the runnable tasks round-robin in tid order,
 * one syscall per turn, parks a task whose syscall returns BLOCKED until the kernel wakes it, and
 * advances the simulated clock to the next timer only when nothing can run. Linux: the scheduler's
 * observable contract for these programs — a blocked task doesn't run, a woken one resumes with its
 * syscall's result.
 */
import { NR, bug } from "@mmsim/mm-types";
import { BLOCKED } from "./kernel.js";
import type { Kernel } from "./kernel.js";
import type { SyscallArg } from "./dispatch.js";

/** One syscall a program makes: the x86-64 number and Linux-ordered arguments. */
export interface SyscallRequest {
  readonly nr: number;
  readonly args: readonly SyscallArg[];
  /**
   * For clone/fork/vfork: the program the child runs (a child can't continue its parent's generator).
   * Without it the child exits at once with status 0.
   */
  readonly child?: Program;
}

/** What a running program knows about itself, and its loads and stores (user memory, not syscalls). */
export interface ProgramContext {
  readonly kernel: Kernel;
  /** Its tid, as getpid/gettid would say. */
  readonly tid: number;
  /** Loads the u32 at `addr` in its address space; a bad address is a fault (the value is then null). */
  loadU32(addr: number): number | null;
  /** Stores a u32; returns false on a fault. */
  storeU32(addr: number, value: number): boolean;
}

/** The user-memory side of a program's context. */
function contextFor(kernel: Kernel, tid: number): ProgramContext {
  const buf = new Uint8Array(4);
  const view = new DataView(buf.buffer);
  const mmId = (): number => kernel.task(tid)!.mm.mmId;
  return {
    kernel,
    tid,
    loadU32(addr) {
      if (kernel.backend.readUser(mmId(), addr, buf) !== 0) return null;
      return view.getUint32(0, true);
    },
    storeU32(addr, value) {
      view.setUint32(0, value >>> 0, true);
      return kernel.backend.writeUser(mmId(), addr, buf) === 0;
    },
  };
}

/** A simulated program: yields syscalls, receives results; a numeric return value is the exit status (else 0). */
export type Program = (ctx: ProgramContext) => Generator<SyscallRequest, unknown, number>;

interface Running {
  readonly gen: Generator<SyscallRequest, unknown, number>;
  /** The value to resume with (the previous syscall's result), once available. */
  pending: number | null;
}

/** The syscalls that make a task. */
const CLONE_NRS: ReadonlySet<number> = new Set([NR.clone, NR.clone3, NR.fork, NR.vfork]);

/** The program of a child nobody gave one: it exits with status 0. */
// eslint-disable-next-line require-yield
function* exitAtOnce(): Generator<SyscallRequest, number, number> {
  return 0;
}

/** Why run() stopped. */
export interface RunResult {
  /** Syscalls executed. */
  readonly steps: number;
  /** Tasks still blocked with no timer that could wake them: a deadlock (or waiting for an outside wake). */
  readonly stuck: readonly number[];
}

/** Runs programs on a kernel. */
export class Scheduler {
  private readonly running = new Map<number, Running>();

  constructor(readonly kernel: Kernel) {
    const prev = kernel.onWake;
    kernel.onWake = (task, result) => {
      const r = this.running.get(task.tid);
      if (r !== undefined) r.pending = result;
      prev?.(task, result);
    };
  }

  /** Attaches `program` to the live task `tid`; it starts at the next run(). */
  attach(tid: number, program: Program): void {
    const task = this.kernel.task(tid);
    if (task === null || !task.alive) bug(`no live task ${tid} to run a program in`);
    if (this.running.has(tid)) bug(`task ${tid} already runs a program`);
    this.running.set(tid, { gen: program(contextFor(this.kernel, tid)), pending: 0 });
  }

  /** Creates a process (fresh mm) running `program`. Returns its pid. */
  spawn(program: Program, opts: { pid?: number; comm?: string } = {}): number {
    const t = this.kernel.createProcess(opts);
    if (typeof t === "number") bug(`spawn failed with ${t}`);
    this.attach(t.tid, program);
    return t.tid;
  }

  /** Runs until no task can run and no timer is armed, or `maxSteps` syscalls. */
  run(maxSteps = 1_000_000): RunResult {
    let steps = 0;
    for (;;) {
      let progressed = false;
      for (const tid of [...this.running.keys()].sort((a, b) => a - b)) {
        if (steps >= maxSteps) return { steps, stuck: this.stuck() };
        if (this.step(tid)) {
          steps++;
          progressed = true;
        }
      }
      if (!progressed && !this.kernel.clock.advanceToNextTimer()) return { steps, stuck: this.stuck() };
    }
  }

  private stuck(): number[] {
    return [...this.running.keys()].filter((tid) => this.kernel.task(tid)?.state === "blocked").sort((a, b) => a - b);
  }

  /** One turn of task `tid`: resume its program with the last result and run the syscall it yields. */
  private step(tid: number): boolean {
    const r = this.running.get(tid)!;
    const task = this.kernel.task(tid);
    if (task === null || !task.alive) {
      this.running.delete(tid);
      return false;
    }
    if (task.state === "blocked" || r.pending === null) return false;
    const next = r.gen.next(r.pending);
    r.pending = null;
    if (next.done === true) {
      this.running.delete(tid);
      this.kernel.exitGroup(tid, typeof next.value === "number" ? next.value : 0);
      return true;
    }
    const req = next.value;
    const result = this.kernel.syscall(tid, req.nr, ...req.args);
    const makesChild = CLONE_NRS.has(req.nr);
    if (result === BLOCKED) {
      // a vfork child exists before its parent sleeps: start it now
      if (makesChild && task.vforkChild !== null) this.attach(task.vforkChild, req.child ?? exitAtOnce);
      return true;
    }
    r.pending = result;
    if (makesChild && result > 0) this.attach(result, req.child ?? exitAtOnce);
    return true;
  }
}
