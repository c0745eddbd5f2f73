import { describe, expect, it } from "vitest";
import {
  AT_FDCWD,
  CLONE_FILES,
  CLONE_SIGHAND,
  CLONE_THREAD,
  CLONE_VFORK,
  CLONE_VM,
  EAGAIN,
  EBADF,
  EFAULT,
  EINVAL,
  ENODEV,
  ENOENT,
  ENOMEM,
  EOVERFLOW,
  ESRCH,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MMAP_AS_ANONYMOUS,
  NOMMU_MAP_COPY,
  MAP_PRIVATE,
  MAP_SHARED,
  NR,
  O_CLOEXEC,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  PROT_READ,
  PROT_WRITE,
  SIGCHLD,
} from "@mmsim/mm-types";
import { BLOCKED, blockdevFileDriver } from "../src/index.js";
import type { Kernel, Task } from "../src/index.js";
import { fakeKernel } from "./fakes.js";
import { exitAll, makeWorld, pattern, peek, poke, spawn } from "./drivers/world.js";

function init(kernel: Kernel, pid = 100): Task {
  const t = kernel.createProcess({ pid });
  if (typeof t === "number") throw new Error(`createProcess: ${t}`);
  return t;
}

describe("clone", () => {
  it.each([
    ["CLONE_THREAD without CLONE_SIGHAND", CLONE_THREAD | CLONE_VM],
    ["CLONE_SIGHAND without CLONE_VM", CLONE_SIGHAND],
  ])("%s is EINVAL and makes no task", (_name, flags) => {
    const { kernel } = fakeKernel();
    init(kernel);
    expect(kernel.clone(100, flags)).toBe(-EINVAL);
    expect(kernel.tasks().map((t) => t.tid)).toEqual([100]);
    kernel.assertValid();
  });

  it("fork copies the mm; the child's pid is the trace's", () => {
    const { kernel, backend } = fakeKernel();
    const parent = init(kernel);
    expect(kernel.clone(100, SIGCHLD, { childTid: 4242 })).toBe(4242);
    const child = kernel.task(4242)!;
    expect(child.tgid).toBe(4242);
    expect(child.ppid).toBe(100);
    expect(child.mm.mmId).not.toBe(parent.mm.mmId);
    expect(backend.live.size).toBe(2);
    kernel.assertValid();
  });

  it("a pid that is still alive can't be reused", () => {
    const { kernel } = fakeKernel();
    init(kernel);
    expect(kernel.fork(100, 100)).toBe(-EAGAIN);
  });

  it("fork fails as the backend says (NOMMU: EINVAL) and leaves nothing behind", () => {
    const { kernel, backend } = fakeKernel();
    backend.dupResult = -EINVAL;
    init(kernel);
    expect(kernel.fork(100)).toBe(-EINVAL);
    expect(kernel.tasks()).toHaveLength(1);
    kernel.assertValid();
  });

  it("threads share the mm and the fd table; the mm goes with the last of them", () => {
    const { kernel, backend } = fakeKernel();
    const leader = init(kernel);
    const tid = kernel.clone(100, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_FILES);
    expect(typeof tid).toBe("number");
    const thread = kernel.task(tid as number)!;
    expect(thread.tgid).toBe(100);
    expect(thread.mm).toBe(leader.mm);
    expect(thread.files).toBe(leader.files);
    expect(kernel.exit(thread.tid, 0)).toBe(0);
    expect(backend.released).toEqual([]);
    expect(kernel.exit(100, 0)).toBe(0);
    expect(backend.released).toEqual([leader.mm.mmId]);
    kernel.assertValid();
  });

  it("vfork blocks the parent until the child execs, then returns the child's pid", () => {
    const { kernel } = fakeKernel();
    init(kernel);
    kernel.vfs.mknod("/bin/true", { mode: 0o100755, driver: blockdevFileDriver, size: 4096 });
    const woken: Array<[number, number]> = [];
    kernel.onWake = (t, r) => woken.push([t.tid, r]);
    expect(kernel.clone(100, CLONE_VM | CLONE_VFORK | SIGCHLD, { childTid: 101 })).toBe(BLOCKED);
    expect(kernel.task(100)!.state).toBe("blocked");
    expect(kernel.task(101)!.mm).toBe(kernel.task(100)!.mm);
    kernel.assertValid();
    expect(kernel.execve(101, "/bin/true")).toBe(0);
    expect(woken).toEqual([[100, 101]]);
    expect(kernel.task(101)!.mm).not.toBe(kernel.task(100)!.mm);
    kernel.assertValid();
  });

  it("vfork's parent also resumes when the child exits without exec", () => {
    const { kernel } = fakeKernel();
    init(kernel);
    const woken: number[] = [];
    kernel.onWake = (_t, r) => woken.push(r);
    expect(kernel.vfork(100, 7)).toBe(BLOCKED);
    expect(kernel.exitGroup(7, 0)).toBe(0);
    expect(woken).toEqual([7]);
    expect(kernel.task(100)!.state).toBe("runnable");
    kernel.assertValid();
  });

  it("a syscall of an exited or unknown task is ESRCH", () => {
    const { kernel } = fakeKernel();
    init(kernel);
    kernel.exitGroup(100, 3);
    expect(kernel.task(100)!.exitCode).toBe(3);
    expect(kernel.brk(100, 0)).toBe(-ESRCH);
    expect(kernel.brk(5, 0)).toBe(-ESRCH);
  });
});

describe("execve", () => {
  it("replaces the mm, ends the other threads, closes close-on-exec fds", () => {
    const { kernel, backend } = fakeKernel();
    const t = init(kernel);
    kernel.vfs.mknod("/bin/prog", { mode: 0o100755, driver: blockdevFileDriver, size: 3 * 4096 });
    const keep = kernel.openat(100, -100, "/dev/zero", O_RDONLY, 0);
    const gone = kernel.openat(100, -100, "/dev/zero", O_RDONLY | O_CLOEXEC, 0);
    const thread = kernel.clone(100, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD) as number;
    const oldMm = t.mm.mmId;
    expect(kernel.execve(100, "/bin/prog")).toBe(0);
    expect(kernel.task(thread)!.alive).toBe(false);
    expect(backend.released).toEqual([oldMm]);
    expect(t.files.get(keep as number)).not.toBeNull();
    expect(t.files.get(gone as number)).toBeNull();
    const layout = backend.layouts.get(t.mm.mmId)!;
    expect(layout.areas.map((a) => a.name)).toEqual([null, "[stack]"]);
    expect(layout.areas[0]!.end - layout.areas[0]!.start).toBe(3 * 4096);
    kernel.assertValid();
  });

  it("a missing program is ENOENT and keeps the old mm", () => {
    const { kernel, backend } = fakeKernel();
    const t = init(kernel);
    const mm = t.mm.mmId;
    expect(kernel.execve(100, "/nope")).toBe(-ENOENT);
    expect(t.mm.mmId).toBe(mm);
    expect(backend.live.has(mm)).toBe(true);
    kernel.assertValid();
  });
});

describe("mmap's syscall layer", () => {
  it("checks the offset before the fd, and ignores the fd of an anonymous mapping", () => {
    const { kernel, backend } = fakeKernel();
    init(kernel);
    expect(kernel.mmap(100, 0, 4096, PROT_READ, MAP_PRIVATE, 99, 123)).toBe(-EINVAL);
    expect(kernel.mmap(100, 0, 4096, PROT_READ, MAP_PRIVATE, 99, 0)).toBe(-EBADF);
    expect(kernel.mmap(100, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 99, 0)).toBeGreaterThan(0);
    expect(backend.requests[0]!.req.file).toBeNull();
  });

  it("hands /dev/zero to the backend as itself: its mmap hook asks for anonymous memory, its capabilities allow a copy only", () => {
    const { kernel, backend } = fakeKernel();
    init(kernel);
    const ro = kernel.openat(100, -100, "/dev/zero", O_RDONLY, 0) as number;
    expect(kernel.mmap(100, 0, 4096, PROT_READ, MAP_PRIVATE, ro, 4096)).toBeGreaterThan(0);
    const req = backend.requests[0]!.req;
    expect(req.file?.identity.path).toBe("/dev/zero");
    expect(req.pgoff).toBe(1);
    expect(req.file?.ops.mmap?.({ vmStart: 0, vmEnd: 4096, vmFlags: 0, vmPgoff: 1 })).toBe(MMAP_AS_ANONYMOUS);
    expect(req.file?.ops.mmapCapabilities?.()).toBe(NOMMU_MAP_COPY);
  });

  it("maps a regular file as itself, one MmapFile per open file", () => {
    const { kernel, backend } = fakeKernel();
    init(kernel);
    const fd = kernel.openat(100, -100, "/data", O_RDWR | O_CREAT, 0o644) as number;
    kernel.mmap(100, 0, 4096, PROT_READ, MAP_SHARED, fd, 0);
    kernel.mmap(100, 0, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    const [a, b] = backend.requests.map((r) => r.req.file);
    expect(a).not.toBeNull();
    expect(a).toBe(b);
    expect(a!.identity.path).toBe("/data");
    expect(b!.writable).toBe(true);
  });
});

describe("dispatch", () => {
  it("runs Linux-numbered syscalls and answers ENOSYS for the rest", () => {
    const { kernel } = fakeKernel();
    init(kernel);
    expect(kernel.syscall(100, NR.getpid)).toBe(100);
    expect(kernel.syscall(100, NR.brk, 0x5000)).toBe(0x5000);
    expect(kernel.syscall(100, 9999)).toBe(-38);
  });

  it("a string where a number belongs (or the reverse) is a bad pointer: EFAULT", () => {
    const { kernel } = fakeKernel();
    init(kernel);
    expect(kernel.syscall(100, NR.munmap, "x", 4096)).toBe(-14);
    expect(kernel.syscall(100, NR.openat, -100, 7, O_RDONLY, 0)).toBe(-14);
    expect(kernel.syscall(100, NR.mmap, 0, Number.NaN, 0, 0, 0, 0)).toBe(-14);
  });

  it("a subsystem's handler is used for its syscall", () => {
    const { kernel } = fakeKernel();
    init(kernel);
    kernel.registerSyscall(NR.shmget, (_k, _t, a) => (a[0] as number) + 1);
    expect(kernel.syscall(100, NR.shmget, 41)).toBe(42);
    expect(() => kernel.registerSyscall(NR.shmget, () => 0)).toThrow(/twice/);
  });
});

describe("/proc", () => {
  it("meminfo has the allocator's totals and no MmapCopy line unless the backend reports one", () => {
    const { kernel, buddy } = fakeKernel();
    const text = kernel.readProc("/proc/meminfo") as string;
    expect(text.split("\n")[0]).toBe(`MemTotal:       ${String(buddy.nrPages * 4).padStart(8)} kB`);
    expect(text).toContain(`AnonPages:      ${String(12).padStart(8)} kB`);
    expect(text).not.toContain("MmapCopy");
  });

  it("per-process files come from the backend; unknown ones are ENOENT", () => {
    const { kernel } = fakeKernel();
    const t = init(kernel);
    expect(kernel.readProc("/proc/100/maps")).toBe(`maps of mm ${t.mm.mmId}\n`);
    expect(kernel.readProc("/proc/100/smaps")).toBe(-ENOENT);
    expect(kernel.readProc("/proc/101/maps")).toBe(-ENOENT);
    expect(kernel.readProc("/proc/maps")).toBe(-ENOENT);
    expect(kernel.readProc("/proc/buddyinfo")).toMatch(/^Node 0, zone {3}Normal/);
  });
});

describe("unsigned syscall arguments and the read/write buffer rules (each checked on the host, 6.x)", () => {
  const P = 4096;
  function world() {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const fd = kernel.openat(tid, AT_FDCWD, "/data", O_RDWR | O_CREAT, 0o644) as number;
    expect(kernel.write(tid, fd, 0, 0)).toBe(0);
    return { kernel, tid, fd };
  }

  it("mmap: -4096 as off, len or addr is 2^64 - 4096", () => {
    const { kernel, tid, fd } = world();
    const zero = kernel.openat(tid, AT_FDCWD, "/dev/zero", O_RDWR, 0) as number;
    kernel.ftruncate(tid, fd, 8 * P);
    // anonymous memory ignores the offset
    expect(kernel.mmap(tid, 0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, -P)).toBeGreaterThan(0);
    // file_mmap_ok(): a regular file ends below 2^63, a chardev below 2^64
    expect(kernel.mmap(tid, 0, P, PROT_READ, MAP_PRIVATE, fd, -P)).toBe(-EOVERFLOW);
    expect(kernel.mmap(tid, 0, P, PROT_READ, MAP_PRIVATE, fd, 2 ** 63 - P)).toBe(-EOVERFLOW);
    expect(kernel.mmap(tid, 0, P, PROT_READ, MAP_PRIVATE, fd, 2 ** 63 - 2 * P)).toBeGreaterThan(0);
    expect(kernel.mmap(tid, 0, P, PROT_READ, MAP_PRIVATE, zero, -P)).toBe(-EOVERFLOW);
    expect(kernel.mmap(tid, 0, P, PROT_READ, MAP_PRIVATE, zero, -2 * P)).toBeGreaterThan(0);
    // a huge length or fixed address is ENOMEM; a huge hint is ignored
    expect(kernel.mmap(tid, 0, -P, PROT_READ, MAP_PRIVATE, fd, 0)).toBe(-ENOMEM);
    expect(kernel.mmap(tid, -P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0)).toBe(-ENOMEM);
    expect(kernel.mmap(tid, -P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)).toBeGreaterThan(0);
    kernel.assertValid();
  });

  it("read/write: EINVAL for a negative pread/pwrite offset before the fd, EFAULT for a buffer outside user space", () => {
    const { kernel, tid, fd } = world();
    const buf = kernel.mmap(tid, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) as number;
    expect(kernel.read(tid, 999, buf, 8, -1)).toBe(-EINVAL);
    expect(kernel.write(tid, 999, buf, 8, -1)).toBe(-EINVAL);
    expect(kernel.read(tid, fd, buf, -1)).toBe(-EFAULT);
    expect(kernel.read(tid, fd, buf, 2 ** 47)).toBe(-EFAULT);
    expect(kernel.write(tid, fd, buf, -1)).toBe(-EFAULT);
    expect(kernel.read(tid, fd, 0, 8)).toBe(0); // an empty file: nothing to copy, so no fault
    kernel.assertValid();
  });

  it("read/write: a buffer that faults part way moves what it can; one that faults at once is EFAULT", () => {
    const { kernel, tid, fd } = world();
    // 3 pages of buffer, then a hole: a 5-page transfer stops at the hole
    const buf = kernel.mmap(tid, 0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) as number;
    expect(kernel.munmap(tid, buf + 3 * P, P)).toBe(0);
    expect(poke(kernel, tid, buf, pattern(3 * P, 4))).toBe(0);
    expect(kernel.write(tid, fd, buf, 5 * P)).toBe(3 * P);
    expect(kernel.write(tid, fd, buf + 3 * P, P)).toBe(-EFAULT);
    expect(kernel.read(tid, fd, buf, 3 * P, 0)).toBe(3 * P);
    expect(peek(kernel, tid, buf, 3 * P)).toEqual(pattern(3 * P, 4));
    // a file longer than the buffer: the read stops at the hole with what it copied
    expect(kernel.ftruncate(tid, fd, 8 * P)).toBe(0);
    expect(kernel.read(tid, fd, buf + P, 5 * P, 0)).toBe(2 * P);
    expect(kernel.read(tid, fd, buf + 3 * P, P, 0)).toBe(-EFAULT);
    kernel.assertValid();
  });
});

describe("/dev/zero on both backends (MMU checked on the host, 6.x; NOMMU as the seeds' kernels)", () => {
  const P = 4096;

  it("MMU: a private mapping is anonymous memory named /dev/zero with its offset, a shared one a shmem object", () => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const zero = kernel.openat(tid, AT_FDCWD, "/dev/zero", O_RDWR, 0) as number;
    const priv = kernel.mmap(tid, 0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 5 * P) as number;
    const shared = kernel.mmap(tid, 0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0) as number;
    expect(poke(kernel, tid, priv, new Uint8Array([7]))).toBe(0);
    expect(poke(kernel, tid, shared, new Uint8Array([9]))).toBe(0);
    const maps = kernel.readProc(`/proc/${tid}/maps`) as string;
    const line = (a: number) => maps.split("\n").find((l) => l.startsWith(a.toString(16)))!;
    expect(line(priv)).toMatch(/^[0-9a-f]+-[0-9a-f]+ rw-p 00005000 00:05 4 +\/dev\/zero$/);
    expect(line(shared)).toMatch(/^[0-9a-f]+-[0-9a-f]+ rw-s 00000000 00:01 \d+ +\/dev\/zero \(deleted\)$/);
    // the private pages are anonymous: smaps counts them so, and read(2) of /dev/zero stays zeros
    const smaps = kernel.readProc(`/proc/${tid}/smaps`) as string;
    const block = smaps.slice(smaps.indexOf(line(priv)));
    expect(/Anonymous: +(\d+) kB/.exec(block)![1]).toBe("4");
    kernel.assertValid();
    exitAll(kernel);
  });

  it("NOMMU: only a copy is allowed, so MAP_SHARED is ENODEV and MAP_PRIVATE a copy of zeros", () => {
    const { kernel } = makeWorld("nommu");
    const tid = spawn(kernel);
    const zero = kernel.openat(tid, AT_FDCWD, "/dev/zero", O_RDWR, 0) as number;
    expect(kernel.mmap(tid, 0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0)).toBe(-ENODEV);
    const priv = kernel.mmap(tid, 0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0) as number;
    expect(priv).toBeGreaterThan(0);
    expect(peek(kernel, tid, priv, 2 * P)).toEqual(new Uint8Array(2 * P));
    kernel.assertValid();
    exitAll(kernel);
  });
});

describe("read/write arguments that are no integers (a caller's bug) get an errno, never a throw", () => {
  it.each([
    ["a fractional count", 1.5, undefined, -EFAULT],
    ["a NaN count", NaN, undefined, -EFAULT],
    ["a NaN offset", 8, NaN, -EINVAL],
    ["a fractional offset", 8, 0.5, -EINVAL],
  ])("%s", (_what, count, offset, want) => {
    const { kernel } = makeWorld("mmu");
    const tid = spawn(kernel);
    const fd = kernel.openat(tid, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0o644) as number;
    const buf = kernel.mmap(tid, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) as number;
    expect(kernel.read(tid, fd, buf, count, offset)).toBe(want);
    expect(kernel.write(tid, fd, buf, count, offset)).toBe(want);
    kernel.assertValid();
  });
});
