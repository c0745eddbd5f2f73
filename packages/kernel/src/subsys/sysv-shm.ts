/**
 * SysV shared memory in the syscall layer: an IPC namespace of @mmsim/sysv-shm mapped through the
 * kernel's backend, the caller's credentials and pid, /proc/sysvipc/shm, and exit_shm at exit.
 * Linux: the shm syscalls of ipc/shm.c and exit_shm() in do_exit().
 */
import { EINVAL, NR, RLIMIT_MEMLOCK, S_IFREG } from "@mmsim/mm-types";
import { ShmNamespace } from "@mmsim/sysv-shm";
import type { ShmCaller, ShmctlOut, ShmidDs, ShmOptions } from "@mmsim/sysv-shm";
import type { Kernel } from "../kernel.js";
import type { Task } from "../task.js";
import type { SyscallArg } from "../dispatch.js";
import type { InodeDriver } from "../vfs/inode.js";

/** The IPC identity of a task: root has the IPC capabilities; SHM_LOCK counts against its RLIMIT_MEMLOCK. */
function callerOf(t: Task): ShmCaller {
  const root = t.cred.uid === 0;
  const rlimitMemlock = t.rlim.get(RLIMIT_MEMLOCK);
  return { pid: t.tgid, mmId: t.mm.mmId, uid: t.cred.uid, gid: t.cred.gid, capIpcOwner: root, capIpcLock: root, capSysAdmin: root, rlimitMemlock };
}

/** The sysctl of the id the next segment gets. */
const SHM_NEXT_ID = "/proc/sys/kernel/shm_next_id";

/**
 * /proc/sys/kernel/shm_next_id: reads "%d\n" (-1 when unset); a write of a decimal integer from 0
 * to INT_MAX sets it (EINVAL otherwise), and the next shmget uses it once. Linux: the sysctl of
 * ipc/ipc_sysctl.c (proc_dointvec_minmax, CONFIG_CHECKPOINT_RESTORE) and ipc_idr_alloc().
 */
function shmNextIdDriver(ns: ShmNamespace): InodeDriver {
  return {
    name: "sysctl-shm-next-id",
    sizeless: true,
    read: (_inode, offset, dst) => {
      const text = new TextEncoder().encode(`${ns.ids.nextId}\n`);
      if (offset >= text.length) return 0;
      const part = text.subarray(offset, offset + dst.length);
      dst.set(part);
      return part.length;
    },
    write: (_inode, offset, src) => {
      // sysctl_writes_strict: a write must start the value at offset 0
      if (offset !== 0) return src.length;
      const m = /^\s*(\+?\d+)\s*$/.exec(String.fromCharCode(...src));
      const v = m === null ? NaN : Number(m[1]);
      if (!Number.isSafeInteger(v) || v > 0x7fffffff) return -EINVAL;
      ns.ids.nextId = v;
      return src.length;
    },
  };
}

/** What shmctl(IPC_SET) reads from its buffer: a ShmidDs, or its perm fields alone ({ uid, gid, mode }). */
function setBuffer(buf: SyscallArg | undefined): ShmidDs | null {
  if (buf === null || buf === undefined || typeof buf !== "object") return null;
  if ("shmPerm" in buf) return buf as unknown as ShmidDs;
  const b = buf as { uid?: number; gid?: number; mode?: number };
  if (b.uid === undefined && b.gid === undefined && b.mode === undefined) return null;
  const perm = { key: 0, uid: b.uid ?? 0, gid: b.gid ?? 0, cuid: 0, cgid: 0, mode: b.mode ?? 0, seq: 0 };
  return { shmPerm: perm, shmSegsz: 0, shmAtime: 0, shmDtime: 0, shmCtime: 0, shmCpid: 0, shmLpid: 0, shmNattch: 0 } as unknown as ShmidDs;
}

/**
 * Registers shmget, shmat, shmdt and shmctl on a kernel with a fresh IPC namespace. shmctl's third
 * argument is an object: IPC_SET reads a ShmidDs (or { uid, gid, mode }) from it; the STAT and INFO
 * commands write their result into its `ds`, `shminfo` or `shmInfo` field.
 */
export function installSysvShm(kernel: Kernel, opts: ShmOptions = {}): ShmNamespace {
  const ns = new ShmNamespace(
    {
      mm: kernel.backend,
      pages: kernel.pages,
      physMem: kernel.physMem,
      nowSec: () => kernel.clock.nowSec(),
      currentPid: () => kernel.current?.tgid ?? 0,
    },
    opts,
  );
  const n = (x: SyscallArg | undefined): number => (typeof x === "number" ? x : 0);
  kernel.registerSyscall(NR.shmget, (k, tid, a) => k.runAs(tid, (t) => ns.shmget(callerOf(t), n(a[0]), n(a[1]), n(a[2]))));
  kernel.registerSyscall(NR.shmat, (k, tid, a) => k.runAs(tid, (t) => ns.shmat(callerOf(t), n(a[0]), n(a[1]), n(a[2]))));
  kernel.registerSyscall(NR.shmdt, (k, tid, a) => k.runAs(tid, (t) => ns.shmdt(callerOf(t), n(a[0]))));
  kernel.registerSyscall(NR.shmctl, (k, tid, a) =>
    k.runAs(tid, (t) => {
      const buf = a[2];
      const out: ShmctlOut = {};
      const r = ns.shmctl(callerOf(t), n(a[0]), n(a[1]), setBuffer(buf), out);
      if (buf !== null && buf !== undefined && typeof buf === "object") Object.assign(buf as object, out);
      return r;
    }),
  );
  kernel.registerProcFile("/proc/sysvipc/shm", () => ns.procSysvipcShm());
  kernel.registerProcFile(SHM_NEXT_ID, () => `${ns.ids.nextId}\n`);
  kernel.vfs.addProvider((path) => (path === SHM_NEXT_ID ? { mode: S_IFREG | 0o644, driver: shmNextIdDriver(ns), devMajor: 0, devMinor: 0x16 } : null));
  kernel.addExitHook((t) => {
    if (t.tid === t.tgid) ns.exitShm(t.tgid);
  }, "after-mm");
  kernel.registerValidator(() => ns.assertValid());
  return ns;
}
