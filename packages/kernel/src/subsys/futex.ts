/**
 * futex(2) in the syscall layer: the futex table of @mmsim/futex over the backend's futex port, a
 * waiter parked in the scheduler with its timeout on the simulated clock, and the CLONE_CHILD_CLEARTID
 * wake at exit. Linux: sys_futex() (kernel/futex/syscalls.c), futex_wait_queue() sleeping with an
 * hrtimer, mm_release() clearing and waking clear_child_tid.
 */
import { FUTEX_WAKE, NR } from "@mmsim/mm-types";
import { FutexTable, futexCmdHasTimeout, isFutexBlock } from "@mmsim/futex";
import type { Kernel } from "../kernel.js";
import type { SyscallArg } from "../dispatch.js";

/**
 * Registers futex(2) on a kernel. Arguments: (uaddr, op, val, timeout, uaddr2, val3) where timeout is
 * the decoded struct timespec in ns (or null) for the commands that take one, and val2 otherwise.
 * Returns the table (for tests and reports).
 */
export function installFutex(kernel: Kernel): FutexTable {
  const table = new FutexTable(kernel.backend.futex, { wakeTask: (tid, result) => kernel.wakeTask(tid, result) });
  kernel.registerSyscall(NR.futex, (k, tid, a) =>
    k.runAs(tid, (t) => {
      const n = (x: SyscallArg | undefined): number => (typeof x === "number" ? x : 0);
      const op = n(a[1]);
      const fourth = a[3];
      if (fourth !== undefined && fourth !== null && typeof fourth !== "number") return -14;
      const timeoutNs = futexCmdHasTimeout(op) ? (fourth ?? null) : null;
      const r = table.doFutex({ tid, mmId: t.mm.mmId }, n(a[0]), op, n(a[2]), timeoutNs, n(fourth), n(a[4]), n(a[5]), k.clock.nowNs());
      if (!isFutexBlock(r)) return r;
      if (r.deadlineNs !== null) t.timerId = k.clock.arm(r.deadlineNs, () => table.timeout(tid));
      return k.block(t, "futex");
    }),
  );
  kernel.addExitHook((t) => {
    table.cancel(t.tid);
    if (t.clearChildTid === 0 || t.mm.users <= 1) return;
    const futex = kernel.backend.futex;
    if (futex.writeU32(t.mm.mmId, t.clearChildTid, 0) < 0) return;
    table.doFutex({ tid: t.tid, mmId: t.mm.mmId }, t.clearChildTid, FUTEX_WAKE, 1, null, 0, 0, 0, kernel.clock.nowNs());
  });
  kernel.registerWaitCanceller("futex", (tid) => table.cancel(tid));
  kernel.registerValidator(() => table.assertValid());
  return table;
}
