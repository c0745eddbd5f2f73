import {
  AT_FDCWD,
  CLONE_CHILD_CLEARTID,
  CLONE_CHILD_SETTID,
  CLONE_FILES,
  CLONE_SETTLS,
  CLONE_THREAD,
  CLONE_VFORK,
  CLONE_VM,
  Errno,
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMP_REQUEUE,
  FUTEX_LOCK_PI,
  FUTEX_OP_ADD,
  FUTEX_OP_CMP_GT,
  FUTEX_OP_OPARG_SHIFT,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAKE,
  FUTEX_WAKE_OP,
  IPC_64,
  IPC_CREAT,
  IPC_EXCL,
  IPC_RMID,
  IPC_SET,
  IPC_STAT,
  MADV_DONTNEED,
  MAP_ANONYMOUS,
  MAP_DENYWRITE,
  MAP_FIXED,
  MAP_HUGETLB,
  MAP_PRIVATE,
  MAP_STACK,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  NR,
  O_CLOEXEC,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  SHM_RDONLY,
  SHM_STAT,
  SIGCHLD,
} from "@mmsim/mm-types";
import { describe, expect, it } from "vitest";
import type { DecodedCall } from "../../src/trace/decode.js";
import { decodeCall } from "../../src/trace/decode.js";
import type { SyscallRecord } from "../../src/trace/strace-parse.js";
import { parseStrace } from "../../src/trace/strace-parse.js";
import { MAP_HUGE_SHIFT } from "../../src/trace/strace-names.js";

function record(line: string, options?: Parameters<typeof parseStrace>[1]): SyscallRecord {
  const [e] = parseStrace(line, options);
  if (e?.kind !== "syscall") throw new Error(`not a syscall: ${JSON.stringify(e)}`);
  return e;
}

function decode(line: string): DecodedCall {
  const d = decodeCall(record(line));
  if ("error" in d) throw new Error(d.error);
  return d;
}

function decodeError(line: string): string {
  const d = decodeCall(record(line));
  if (!("error" in d)) throw new Error(`decoded: ${JSON.stringify(d)}`);
  return d.error;
}

describe("mm calls, in Linux argument order", () => {
  it.each([
    ["mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fc0000", [0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0], 0x7ffff7fc0000],
    ["mmap(0x7ffff7dfb000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7ffff7dfb000", [0x7ffff7dfb000, 1400832, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, 3, 0x26000], 0x7ffff7dfb000],
    ["mmap(NULL, 8392704, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x7ffff6a1c000", [0, 8392704, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0], 0x7ffff6a1c000],
    ["mmap(NULL, 2097152, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT, -1, 0) = -1 ENOMEM (Cannot allocate memory)", [0, 2097152, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0], -Errno.ENOMEM],
    ["mmap(NULL, 4096, PROT_READ, 0x100000 /* MAP_??? */, -1, 0) = 0x1000", [0, 4096, PROT_READ, 0x100000, -1, 0], 0x1000],
    ["munmap(0x7ffff7fb4000, 47111) = 0", [0x7ffff7fb4000, 47111], 0],
    ["mprotect(0x7ffff7fa4000, 16384, PROT_READ) = 0", [0x7ffff7fa4000, 16384, PROT_READ], 0],
    ["mremap(0x7ffff7fbc000, 16384, 262144, MREMAP_MAYMOVE) = 0x7ffff7d8f000", [0x7ffff7fbc000, 16384, 262144, MREMAP_MAYMOVE, 0], 0x7ffff7d8f000],
    ["mremap(0x7ffff7fbc000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x7ffff0000000) = 0x7ffff0000000", [0x7ffff7fbc000, 4096, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, 0x7ffff0000000], 0x7ffff0000000],
    ["mremap(0x7ffff7fbc000, 16384, 262144, 0) = -1 ENOMEM (Cannot allocate memory)", [0x7ffff7fbc000, 16384, 262144, 0, 0], -Errno.ENOMEM],
    ["brk(NULL) = 0x555555559000", [0], 0x555555559000],
    ["brk(0x555555569000) = 0x555555569000", [0x555555569000], 0x555555569000],
    ["madvise(0x7ffff7d8f000, 4096, MADV_DONTNEED) = 0", [0x7ffff7d8f000, 4096, MADV_DONTNEED], 0],
  ])("%s", (line, args, ret) => {
    const d = decode(`42 ${line}`);
    expect(d.args).toEqual(args);
    expect(d.ret).toBe(ret);
    expect(d.pid).toBe(42);
    expect(d.nr).toBe(NR[d.name]);
  });
});

describe("SysV shm", () => {
  it("shmget: IPC_PRIVATE or a key, the size, flags with the mode", () => {
    expect(decode("1 shmget(0x17, 4096, IPC_CREAT|0666) = 0").args).toEqual([0x17, 4096, IPC_CREAT | 0o666]);
    expect(decode("1 shmget(IPC_PRIVATE, 12288, IPC_CREAT|IPC_EXCL|0600) = 1").args).toEqual([0, 12288, IPC_CREAT | IPC_EXCL | 0o600]);
    expect(decode("1 shmget(0x17, 4096, 000) = -1 ENOENT (No such file or directory)")).toMatchObject({ args: [0x17, 4096, 0], ret: -Errno.ENOENT });
  });

  it("shmat and shmdt", () => {
    expect(decode("1 shmat(1, NULL, SHM_RDONLY) = 0x7ffff7fbc000")).toMatchObject({ args: [1, 0, SHM_RDONLY], ret: 0x7ffff7fbc000 });
    expect(decode("1 shmdt(0x7ffff7fbc000) = 0").args).toEqual([0x7ffff7fbc000]);
  });

  it("shmctl IPC_STAT and SHM_STAT give what the kernel wrote", () => {
    const d = decode(
      "1 shmctl(0, IPC_STAT, {shm_perm={uid=0, gid=0, mode=01666, key=23, cuid=0, cgid=0}, shm_segsz=4096, shm_cpid=13558, shm_lpid=13559, shm_nattch=3, shm_atime=1795321359, shm_dtime=0, shm_ctime=1795321359}) = 0",
    );
    expect(d.args).toEqual([0, IPC_STAT, 0]);
    expect(d.shmStat).toEqual({ shmSegsz: 4096, shmNattch: 3, shmCpid: 13558, shmLpid: 13559, mode: 0o1666, key: 23, uid: 0, gid: 0, cuid: 0, cgid: 0 });
    expect(decode("1 shmctl(0, SHM_STAT, {shm_perm={uid=0, gid=0, mode=0600, key=IPC_PRIVATE, cuid=0, cgid=0}, shm_segsz=1, shm_cpid=2, shm_lpid=3, shm_nattch=4, shm_atime=0, shm_dtime=0, shm_ctime=0}) = 65536")).toMatchObject({
      args: [0, SHM_STAT, 0],
      ret: 65536,
      shmStat: { shmSegsz: 1, shmCpid: 2, shmLpid: 3, shmNattch: 4, mode: 0o600, key: 0 },
    });
    expect(decode("1 shmctl(0, IPC_64|IPC_STAT, {shm_perm={uid=0, gid=0, mode=0600, key=1, cuid=0, cgid=0}, shm_segsz=1, shm_cpid=2, shm_lpid=3, shm_nattch=4, shm_atime=0, shm_dtime=0, shm_ctime=0}) = 0").args[1]).toBe(IPC_64 | IPC_STAT);
  });

  it("shmctl IPC_SET gives what it sets; a failed IPC_STAT and IPC_RMID give the pointer", () => {
    expect(decode("1 shmctl(1, IPC_SET, {shm_perm={uid=0, gid=0, mode=0640}}) = 0")).toMatchObject({ args: [1, IPC_SET, 0], shmidDs: { uid: 0, gid: 0, mode: 0o640 } });
    const failed = decode("1 shmctl(7, IPC_STAT, 0x7ffe0000) = -1 EINVAL (Invalid argument)");
    expect(failed).toMatchObject({ args: [7, IPC_STAT, 0x7ffe0000], ret: -Errno.EINVAL });
    expect(failed.shmStat).toBeUndefined();
    expect(decode("1 shmctl(0, IPC_RMID, NULL) = 0").args).toEqual([0, IPC_RMID, 0]);
  });
});

describe("futex: the arguments strace prints depend on the command", () => {
  const u = 0x7ffff7fbf00c;
  const u2 = 0x7ffff7fbf010;
  it.each([
    ["futex(0x7ffff7fbf00c, FUTEX_WAIT, 0, {tv_sec=1, tv_nsec=500}) = -1 ETIMEDOUT (Connection timed out)", [u, FUTEX_WAIT, 0, 0, 0, 0], { tvSec: 1, tvNsec: 500 }],
    ["futex(0x7ffff7fbf00c, FUTEX_WAIT_PRIVATE, 2, NULL) = 0", [u, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 2, 0, 0, 0], null],
    ["futex(0x7ffff7fbf00c, FUTEX_WAKE_PRIVATE, 2147483647) = 0", [u, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 2147483647, 0, 0, 0], undefined],
    ["futex(0x7ffff7fbf00c, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, FUTEX_BITSET_MATCH_ANY) = 0", [u, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 0, 0, 0, FUTEX_BITSET_MATCH_ANY], null],
    ["futex(0x7ffff7fbf00c, FUTEX_WAIT_BITSET, 5, {tv_sec=1700000000, tv_nsec=0}, 0x1) = -1 EAGAIN (Resource temporarily unavailable)", [u, FUTEX_WAIT_BITSET, 5, 0, 0, 1], { tvSec: 1700000000, tvNsec: 0 }],
    ["futex(0x7ffff7fbf00c, FUTEX_WAKE_BITSET, 1, 0x1) = 0", [u, 10, 1, 0, 0, 1], undefined],
    ["futex(0x7ffff7fbf00c, FUTEX_REQUEUE_PRIVATE, 1, 2147483647, 0x7ffff7fbf010) = 0", [u, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 2147483647, u2, 0], undefined],
    ["futex(0x7ffff7fbf00c, FUTEX_CMP_REQUEUE, 1, 1, 0x7ffff7fbf010, 0) = 0", [u, FUTEX_CMP_REQUEUE, 1, 1, u2, 0], undefined],
    [
      "futex(0x7ffff7fbf00c, FUTEX_WAKE_OP, 1, 1, 0x7ffff7fbf010, FUTEX_OP_ADD<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0) = 0",
      [u, FUTEX_WAKE_OP, 1, 1, u2, (FUTEX_OP_ADD << 28) | (FUTEX_OP_CMP_GT << 24) | (1 << 12)],
      undefined,
    ],
    [
      "futex(0x7ffff7fbf00c, FUTEX_WAKE_OP_PRIVATE, 1, 1, 0x7ffff7fbf010, FUTEX_OP_OPARG_SHIFT<<28|FUTEX_OP_ADD<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0x2) = 0",
      [u, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, u2, (FUTEX_OP_OPARG_SHIFT | FUTEX_OP_ADD) * 2 ** 28 + (FUTEX_OP_CMP_GT << 24) + (1 << 12) + 2],
      undefined,
    ],
    ["futex(0x7ffff7fbf00c, FUTEX_LOCK_PI_PRIVATE, {tv_sec=0, tv_nsec=1000}) = 0", [u, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0], { tvSec: 0, tvNsec: 1000 }],
    ["futex(0x7ffff7fbf00c, FUTEX_UNLOCK_PI) = 0", [u, FUTEX_UNLOCK_PI, 0, 0, 0, 0], undefined],
    ["futex(0x7ffff7fbf00c, 0xe /* FUTEX_??? */, 1, 0x2, 0x3, 0x4) = -1 ENOSYS (Function not implemented)", [u, 14, 1, 2, 3, 4], undefined],
  ])("%s", (line, args, timeout) => {
    const d = decode(`1 ${line}`);
    expect(d.args).toEqual(args);
    expect(d.timeout).toEqual(timeout);
  });

  it("gives the timeout in nanoseconds too, as the syscall layer takes it", () => {
    expect(decode("1 futex(0x1000, FUTEX_WAIT, 0, {tv_sec=2, tv_nsec=500}) = 0").timeoutNs).toBe(2_000_000_500);
    expect(decode("1 futex(0x1000, FUTEX_WAIT, 0, NULL) = 0").timeoutNs).toBeNull();
    expect(decode("1 futex(0x1000, FUTEX_WAKE, 1) = 0").timeoutNs).toBeUndefined();
  });

  it("names the command whose argument count is off", () => {
    expect(decodeError("1 futex(0x1000, FUTEX_WAKE, 1, NULL) = 0")).toBe("line 1: futex: futex FUTEX_WAKE takes 3 arguments here, found 4");
  });
});

describe("processes", () => {
  it("clone: flags with the exit signal, then stack, parent_tid, child_tid, tls", () => {
    expect(decode("1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7dcfa10) = 13559")).toMatchObject({
      args: [CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0x7ffff7dcfa10, 0],
      ret: 13559,
    });
    expect(decode("1 clone(child_stack=0x7f0000001000, flags=CLONE_VM|CLONE_FILES|CLONE_SETTLS|CLONE_PARENT_SETTID, parent_tid=[77], tls=0x7f0000002000) = 77").args).toEqual([
      CLONE_VM | CLONE_FILES | CLONE_SETTLS | 0x00100000,
      0x7f0000001000,
      0,
      0,
      0x7f0000002000,
    ]);
  });

  it("clone3: the decoded clone_args beside [pointer, size]", () => {
    const d = decode(
      "1 clone3({flags=CLONE_VM|CLONE_THREAD|CLONE_CLEAR_SIGHAND, child_tid=0x7ffff7a1d990, exit_signal=0, stack=0x7ffff721d000, stack_size=0x7ffe80, tls=0x7ffff7a1d6c0} => {parent_tid=[11900]}, 88) = 11900",
    );
    expect(d.args).toEqual([0, 88]);
    expect(d.cloneArgs).toEqual({
      flags: CLONE_VM + CLONE_THREAD + 0x100000000,
      exitSignal: 0,
      stack: 0x7ffff721d000,
      stackSize: 0x7ffe80,
      tls: 0x7ffff7a1d6c0,
      childTid: 0x7ffff7a1d990,
      parentTid: 0,
      pidfd: 0,
      cgroup: 0,
    });
    expect(decode("1 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7ffff7fb7000, stack_size=0x9000}, 88) = 5").cloneArgs).toMatchObject({
      flags: CLONE_VM | CLONE_VFORK,
      exitSignal: SIGCHLD,
    });
  });

  it("fork, vfork, execve, exit, exit_group", () => {
    expect(decode("1 fork() = 12")).toMatchObject({ args: [], ret: 12, nr: NR.fork });
    expect(decode("1 vfork() = 13")).toMatchObject({ args: [], ret: 13, nr: NR.vfork });
    expect(decode(`1 execve("/bin/true", ["true", "x"], 0x7fffffffe818 /* 35 vars */) = 0`)).toMatchObject({
      args: [0, 0, 0x7fffffffe818],
      path: "/bin/true",
      argv: ["true", "x"],
      argvTruncated: false,
    });
    expect(decode(`1 execve("/usr/bin/node", ["node", "-e", "const a=[];for(let i=0;i<2e6;i++"...], 0x7fffffffeda8 /* 3 vars */) = 0`).argvTruncated).toBe(true);
    expect(decode(`1 execve("/nope", ["nope"], 0x7ffe /* 1 var */) = -1 ENOENT (No such file or directory)`).ret).toBe(-Errno.ENOENT);
    expect(decode("1 exit(3) = ?")).toMatchObject({ args: [3], ret: null });
    expect(decode("1 exit_group(0) = ?")).toMatchObject({ args: [0], ret: null, nr: NR.exit_group });
  });
});

describe("files", () => {
  it("openat and open: the path beside the numbers, mode when given", () => {
    expect(decode(`1 openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3`)).toMatchObject({ args: [AT_FDCWD, 0, O_RDONLY | O_CLOEXEC, 0], path: "/etc/ld.so.cache", ret: 3 });
    expect(decode(`1 openat(3, "x", O_RDWR|O_CREAT|O_TRUNC, 0600) = 4`)).toMatchObject({ args: [3, 0, O_RDWR | O_CREAT | O_TRUNC, 0o600], path: "x" });
    expect(decode(`1 openat(AT_FDCWD, "/lib", O_RDONLY|O_NONBLOCK|O_LARGEFILE|O_DIRECTORY|O_CLOEXEC) = 3`).args[2]).toBe(0o4000 | 0o100000 | 0o200000 | O_CLOEXEC);
    expect(decode(`1 open("/dev/zero", O_RDWR) = 5`)).toMatchObject({ args: [0, O_RDWR, 0], path: "/dev/zero", nr: NR.open });
  });

  it("close, dup, dup2, dup3, ftruncate", () => {
    expect(decode("1 close(99) = -1 EBADF (Bad file descriptor)")).toMatchObject({ args: [99], ret: -Errno.EBADF });
    expect(decode("1 dup(3) = 4").args).toEqual([3]);
    expect(decode("1 dup2(3, 10) = 10").args).toEqual([3, 10]);
    expect(decode("1 dup3(3, 11, O_CLOEXEC) = 11").args).toEqual([3, 11, O_CLOEXEC]);
    expect(decode("1 ftruncate(3, 8192) = 0").args).toEqual([3, 8192]);
  });
});

describe("records of another shape are errors naming the line and the expectation", () => {
  it.each([
    ["mmap(NULL, 4096, PROT_READ|PROT_BOGUS, MAP_PRIVATE, -1, 0) = 0x1000", "mmap: unknown prot name PROT_BOGUS"],
    ["mmap(NULL, 4096, PROT_READ, MAP_PRIVATE) = 0x1000", "mmap: mmap takes 6 arguments here, found 4"],
    ["madvise(0xffffffffffffffff, 4096, MADV_DONTNEED) = -1 EINVAL (Invalid argument)", "madvise: addr 0xffffffffffffffff is beyond 2^53, not exact as a number"],
    ["brk(NULL) = 0xffffffffffffffff", "brk: the return value 0xffffffffffffffff is beyond 2^53, not exact as a number"],
    ["munmap({x=1}, 4096) = 0", "munmap: expected a number for addr, found a struct"],
    [`openat(AT_FDCWD, 0x7ffe0000, O_RDONLY) = 3`, "openat: expected a string for openat's path, found 0x7ffe0000"],
    [`openat(AT_FDCWD, "/a/very/long/pa"..., O_RDONLY) = 3`, `openat: openat's path is cut short in the trace ("…"...)`],
    ["shmctl(0, IPC_STAT, {shm_segsz=1}) = 0", "shmctl: shmid_ds has no shm_perm"],
    ["clone(0x11, 0) = 5", "clone: expected clone's arguments as child_stack=, flags=, parent_tid=, child_tidptr=, tls=, found 17"],
    ["clone3(0x7ffe, 88) = 5", "clone3: expected a struct for clone_args, found 32766"],
    ["futex(0x1000, FUTEX_WAIT, 0, {tv_sec=1}) = 0", "futex: timeout has no tv_nsec"],
    ['execve("/bin/true", 0x7ffe, 0x7ffe) = 0', "execve: expected argv as an array for execve, found 32766"],
    ["fork(1) = 2", "fork: fork takes 0 arguments here, found 1"],
  ])("%s", (line, message) => {
    expect(decodeError(`1 ${line}`)).toBe(`line 1: ${message}`);
  });

  it("refuses a syscall the replay skips, and one read loosely", () => {
    expect(decodeCall(record("3 getpid() = 3"))).toMatchObject({ kind: "error", line: 1, error: "line 1: getpid: not a replayed syscall" });
    expect(decodeCall({ ...record("3 brk(NULL) = 0x1000"), argsParsed: false })).toMatchObject({ error: expect.stringMatching(/read loosely/) });
  });

  it("keeps the line of a split call's start", () => {
    const rec = parseStrace("1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_BOGUS, -1, 0 <unfinished ...>\n2 close(0) = 0\n1 <... mmap resumed>) = 0x1000")[0];
    if (rec?.kind !== "syscall") throw new Error("expected a syscall");
    expect(decodeCall(rec)).toMatchObject({ line: 1, error: "line 1: mmap: unknown mmap flag name MAP_BOGUS" });
  });
});
