import { describe, expect, it } from "vitest";
import { NR, SIGCHLD } from "@mmsim/mm-types";
import { BLOCKED, Scheduler } from "../src/index.js";
import type { Program, SyscallRequest } from "../src/index.js";
import { fakeKernel } from "./fakes.js";

const sys = (nr: number, ...args: number[]): SyscallRequest => ({ nr, args });

describe("Scheduler", () => {
  it("runs programs round-robin, one syscall per turn, in tid order", () => {
    const { kernel } = fakeKernel();
    const s = new Scheduler(kernel);
    const order: string[] = [];
    const prog = (name: string): Program =>
      function* ({ tid }) {
        for (let i = 0; i < 2; i++) {
          const r = yield sys(NR.getpid);
          order.push(`${name}${i}:${r === tid ? "ok" : "bad"}`);
        }
        return 7;
      };
    const b = s.spawn(prog("b"), { pid: 20 });
    const a = s.spawn(prog("a"), { pid: 10 });
    const res = s.run();
    expect(order).toEqual(["a0:ok", "b0:ok", "a1:ok", "b1:ok"]);
    expect(res).toEqual({ steps: 6, stuck: [] });
    expect(kernel.task(a)!.exitCode).toBe(7);
    expect(kernel.task(b)!.alive).toBe(false);
    kernel.assertValid();
  });

  it("a vfork parent sleeps while its child runs, then gets the child's pid", () => {
    const { kernel } = fakeKernel();
    const s = new Scheduler(kernel);
    const log: string[] = [];
    s.spawn(
      function* () {
        const pid = yield {
          nr: NR.vfork,
          args: [],
          *child() {
            log.push("child runs");
            yield sys(NR.getpid);
            log.push("child exits");
            return 3;
          },
        };
        log.push(`parent resumes with ${pid}`);
      },
      { pid: 1 },
    );
    s.run();
    expect(log).toEqual(["child runs", "child exits", "parent resumes with 2"]);
    kernel.assertValid();
  });

  it("a forked child without a program exits with 0", () => {
    const { kernel } = fakeKernel();
    const s = new Scheduler(kernel);
    let child = 0;
    s.spawn(function* () {
      child = yield sys(NR.clone, SIGCHLD);
    });
    s.run();
    expect(child).toBeGreaterThan(1);
    expect(kernel.task(child)!.alive).toBe(false);
    kernel.assertValid();
  });

  it("reports tasks nobody will wake, and advances the clock to wake timed sleepers", () => {
    const { kernel } = fakeKernel();
    const s = new Scheduler(kernel);
    kernel.registerSyscall(NR.futex, (k, tid, a) => {
      const t = k.task(tid)!;
      if (a[0] === 1) t.timerId = k.clock.arm(k.clock.nowNs() + 5e6, () => k.wakeTask(tid, -110));
      return k.block(t, "futex");
    });
    let timedOut = 0;
    s.spawn(function* () {
      timedOut = yield sys(NR.futex, 1);
    });
    s.spawn(function* () {
      yield sys(NR.futex, 0);
    });
    const res = s.run();
    expect(timedOut).toBe(-110);
    expect(kernel.clock.nowNs()).toBe(5e6);
    expect(res.stuck).toEqual([2]);
    expect(kernel.syscall(1, NR.getpid)).toBe(-3);
    expect(BLOCKED).toBeTypeOf("symbol");
  });
});
