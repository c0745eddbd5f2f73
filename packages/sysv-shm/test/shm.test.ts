/**
 * The SHM rows of conformance-cases.md (shmget, shmat, shmdt, shmctl, lifecycle) on a fake mm
 * backend that calls vm_ops as Linux does. assertValid() after every step.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  EACCES,
  EEXIST,
  EFAULT,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
  EPERM,
  IPC_64,
  IPC_CREAT,
  IPC_EXCL,
  IPC_INFO,
  IPC_PRIVATE,
  IPC_RMID,
  IPC_SET,
  IPC_STAT,
  PAGE_SIZE,
  SHM_DEST,
  SHM_EXEC,
  SHM_HUGETLB,
  SHM_INFO,
  SHM_LOCK,
  SHM_LOCKED,
  SHM_NORESERVE,
  SHM_RDONLY,
  SHM_REMAP,
  SHM_RND,
  SHM_STAT,
  SHM_STAT_ANY,
  SHM_UNLOCK,
  VM_EXEC,
  VM_MAYWRITE,
  VM_WRITE,
} from "@mmsim/mm-types";
import { SHMLBA, ShmNamespace, shmFileDataOf } from "../src/index.js";
import type { ShmCaller, ShmctlOut, ShmidDs } from "../src/index.js";
import { FAKE_MMAP_BASE, makeHost, root, user } from "./fake-host.js";
import type { TestHost } from "./fake-host.js";

const P = PAGE_SIZE;
const K = 0x5eed;

let host: TestHost;
let ns: ShmNamespace;
let mm: number;
let me: ShmCaller;

beforeEach(() => {
  host = makeHost();
  ns = new ShmNamespace(host);
  mm = host.mm.mmNew();
  me = root(100, mm);
});

/** Runs a step and checks every invariant after it. */
function step<T>(f: () => T): T {
  const r = f();
  ns.assertValid();
  host.node.assertValid();
  return r;
}

function stat(id: number, c: ShmCaller = me): ShmidDs {
  const out: ShmctlOut = {};
  expect(ns.shmctl(c, id, IPC_STAT, null, out)).toBe(0);
  return out.ds!;
}

/** VMAs of segment `id` in every fake mm: what nattch must equal between syscalls. */
function attachedVmas(id: number): number {
  let n = 0;
  for (const list of host.mm.mms.values()) for (const v of list) if (shmFileDataOf(v.file)?.id === id) n++;
  return n;
}

function expectNattch(id: number, n: number): void {
  expect(stat(id).shmNattch).toBe(n);
  expect(attachedVmas(id)).toBe(n);
}

describe("shmget", () => {
  it("SHMGET-01/02/12: ENOENT without IPC_CREAT, EEXIST with IPC_EXCL, the same id on lookup", () => {
    expect(step(() => ns.shmget(me, K, 2048, IPC_EXCL))).toBe(-ENOENT);
    const id = step(() => ns.shmget(me, K, 2048, IPC_CREAT | IPC_EXCL | 0o600));
    expect(id).toBe(0);
    expect(ns.shmget(me, K, 2048, IPC_CREAT | IPC_EXCL)).toBe(-EEXIST);
    expect(ns.shmget(me, K, 2048, 0o600)).toBe(id);
    expect(ns.shmget(me, K, 0, 0)).toBe(id);
  });

  it("SHMGET-03/04: size below SHMMIN or above shmmax is EINVAL, nothing created", () => {
    expect(step(() => ns.shmget(me, K, 0, IPC_CREAT | IPC_EXCL))).toBe(-EINVAL);
    expect(ns.shmget(me, IPC_PRIVATE, 0, 0)).toBe(-EINVAL);
    ns.setLimits({ shmmax: 8192 });
    expect(ns.shmget(me, K, 8193, IPC_CREAT | IPC_EXCL)).toBe(-EINVAL);
    expect(ns.ids.inUse).toBe(0);
  });

  it("SHMGET-05/06: an existing segment is checked in bytes, not pages", () => {
    const id = step(() => ns.shmget(me, K, 2048, IPC_CREAT | 0o600));
    expect(ns.shmget(me, K, 4096, IPC_EXCL)).toBe(-EINVAL);
    expect(ns.shmget(me, K, 2049, 0)).toBe(-EINVAL);
    expect(ns.shmget(me, K, 1024, 0)).toBe(id);
  });

  it("SHMGET-07/08: the mode gates lookups, even for the owner; root passes with CAP_IPC_OWNER", () => {
    const nobody = user(200, mm, 65534, 65534);
    step(() => ns.shmget(me, K, 2048, IPC_CREAT | IPC_EXCL));
    expect(ns.shmget(nobody, K, 2048, 0o400)).toBe(-EACCES);
    const k2 = step(() => ns.shmget(nobody, K + 1, 2048, IPC_CREAT | IPC_EXCL));
    for (const f of [0o400, 0o200, 0o600]) expect(ns.shmget(nobody, K + 1, 2048, f)).toBe(-EACCES);
    expect(ns.shmget(me, K + 1, 2048, 0o600)).toBe(k2);
    expect(ns.shmget(nobody, K + 1, 2048, 0)).toBe(k2);
  });

  it("SHMGET-09: ENOSPC once shmmni segments exist; shmall in pages also gives ENOSPC", () => {
    ns.setLimits({ shmmni: 3 });
    for (let i = 0; i < 3; i++) expect(step(() => ns.shmget(me, IPC_PRIVATE, 2048, 0o600))).toBe(i);
    expect(ns.shmget(me, IPC_PRIVATE, 2048, 0o600)).toBe(-ENOSPC);
    ns.setLimits({ shmmni: 10, shmall: 5 });
    expect(ns.shmget(me, IPC_PRIVATE, 2 * P + 1, 0o600)).toBe(-ENOSPC);
    expect(step(() => ns.shmget(me, IPC_PRIVATE, 2 * P, 0o600))).toBe(3);
    expect(ns.shmTot).toBe(5);
  });

  it("SHMGET-10: SHM_HUGETLB with no huge pages: ENOMEM for root, EPERM without the group and RLIMIT_MEMLOCK, EINVAL for a bad size", () => {
    expect(ns.shmget(me, K, 2048, IPC_CREAT | SHM_HUGETLB)).toBe(-ENOMEM);
    expect(ns.shmget(user(200, mm, 1000, 1000, { rlimitMemlock: 0 }), K, 2048, IPC_CREAT | SHM_HUGETLB)).toBe(-EPERM);
    expect(ns.shmget(me, K, 2048, IPC_CREAT | SHM_HUGETLB | (25 << 26))).toBe(-EINVAL);
  });

  it("SHMGET-11: the size is kept exactly; ctime, cpid, owner and mode as created", () => {
    host.now = 1_700_000_123;
    const id = step(() => ns.shmget(user(321, mm, 1000, 1001), IPC_PRIVATE, 4097, IPC_CREAT | 0o1777));
    const ds = stat(id);
    expect(ds).toEqual({
      shmPerm: { key: 0, uid: 1000, gid: 1001, cuid: 1000, cgid: 1001, mode: 0o777, seq: 0 },
      shmSegsz: 4097,
      shmAtime: 0,
      shmDtime: 0,
      shmCtime: 1_700_000_123,
      shmCpid: 321,
      shmLpid: 0,
      shmNattch: 0,
    });
    expect(ns.shmTot).toBe(2);
  });

  it("shmem charges the size against memory unless SHM_NORESERVE (overcommit heuristic)", () => {
    const big = (host.node.nrPages + 1) * P;
    expect(ns.shmget(me, IPC_PRIVATE, big, 0o600)).toBe(-ENOMEM);
    expect(step(() => ns.shmget(me, IPC_PRIVATE, big, SHM_NORESERVE | 0o600))).toBe(0);
  });
});

describe("shmat", () => {
  let id: number;
  beforeEach(() => {
    id = ns.shmget(me, K, 4, IPC_CREAT | 0o600);
  });

  it("SHMAT-01/12: NULL lets the mm choose; two attaches get two addresses; nattch counts both", () => {
    host.now += 5;
    const a = step(() => ns.shmat(me, id, 0, 0));
    expect(a).toBe(FAKE_MMAP_BASE - P);
    const b = step(() => ns.shmat(me, id, 0, 0));
    expect(b).toBe(a - P);
    expectNattch(id, 2);
    const ds = stat(id);
    expect(ds.shmAtime).toBe(host.now);
    expect(ds.shmLpid).toBe(100);
    expect(ds.shmSegsz).toBe(4);
    const v = host.mm.vmas(mm).find((x) => x.vmStart === a)!;
    expect(v.file).toMatchObject({ path: "/SYSV00005eed (deleted)", devMajor: 0, devMinor: 1, ino: id });
    expect(v.vmFlags & VM_WRITE).toBe(VM_WRITE);
  });

  it("SHMAT-02/03/06: a free aligned address is used; SHM_RND rounds down; unaligned without SHM_RND is EINVAL", () => {
    const A = 0x200000000;
    expect(step(() => ns.shmat(me, id, A, 0))).toBe(A);
    expect(step(() => ns.shmat(me, id, A + 2 * SHMLBA - 1, SHM_RND))).toBe(A + SHMLBA);
    expect(ns.shmat(me, id, A + 5 * SHMLBA + 1, 0)).toBe(-EINVAL);
    expectNattch(id, 2);
  });

  it("SHMAT-05/08/09: negative id, SHM_RND|SHM_REMAP rounding to 0 and SHM_REMAP without an address are EINVAL", () => {
    expect(ns.shmat(me, -1, 0x200000000, 0)).toBe(-EINVAL);
    expect(ns.shmat(me, id, 1, SHM_RND | SHM_REMAP)).toBe(-EINVAL);
    expect(ns.shmat(me, id, 0, SHM_REMAP)).toBe(-EINVAL);
    expect(ns.shmat(me, 12345, 0, 0)).toBe(-EINVAL);
    expectNattch(id, 0);
  });

  it("SHMAT-07/18: permissions: read for SHM_RDONLY, read+write otherwise, exec for SHM_EXEC", () => {
    const other = user(200, mm, 1000, 1000);
    expect(ns.shmat(other, id, 0, 0)).toBe(-EACCES);
    const rid = ns.shmget(me, K + 1, P, IPC_CREAT | 0o644);
    expect(ns.shmat(other, rid, 0, 0)).toBe(-EACCES);
    const a = step(() => ns.shmat(other, rid, 0, SHM_RDONLY));
    expect(a).toBeGreaterThan(0);
    expect(host.mm.vmas(mm).find((v) => v.vmStart === a)!.vmFlags & (VM_WRITE | VM_MAYWRITE)).toBe(0);
    expect(ns.shmat(other, rid, 0, SHM_RDONLY | SHM_EXEC)).toBe(-EACCES);
    const x = step(() => ns.shmat(me, rid, 0, SHM_EXEC));
    expect(host.mm.vmas(mm).find((v) => v.vmStart === x)!.vmFlags & VM_EXEC).toBe(VM_EXEC);
  });

  it("SHMAT-10: an occupied range without SHM_REMAP is EINVAL (bytes: a 4-byte segment fits below a neighbour one page up)", () => {
    const A = 0x200000000;
    const big = ns.shmget(me, IPC_PRIVATE, 3 * P, 0o600);
    step(() => ns.shmat(me, big, A + P, 0));
    expect(ns.shmat(me, big, A, 0)).toBe(-EINVAL);
    expect(step(() => ns.shmat(me, id, A, 0))).toBe(A);
    expectNattch(id, 1);
    expectNattch(big, 1);
  });

  it("SHM_REMAP replaces what is there: the old attachment's piece is closed", () => {
    const A = 0x200000000;
    const big = ns.shmget(me, IPC_PRIVATE, 3 * P, 0o600);
    step(() => ns.shmat(me, big, A, 0));
    expect(step(() => ns.shmat(me, id, A + P, SHM_REMAP))).toBe(A + P);
    // big is now two VMAs around the new attachment: the split opened one, the unmap closed one
    expectNattch(big, 2);
    expectNattch(id, 1);
  });

  it("SHMAT-14/17: a removed segment can be attached by id while attached; once destroyed the id is EINVAL", () => {
    const a = step(() => ns.shmat(me, id, 0, 0));
    expect(step(() => ns.shmctl(me, id, IPC_RMID, null))).toBe(0);
    const b = step(() => ns.shmat(me, id, 0, 0));
    expect(b).toBeGreaterThan(0);
    expect(step(() => ns.shmdt(me, a))).toBe(0);
    expect(step(() => ns.shmdt(me, b))).toBe(0);
    expect(ns.shmat(me, id, 0, 0)).toBe(-EINVAL);
    expect(ns.shmctl(me, id, IPC_STAT, null, {})).toBe(-EINVAL);
    expect(ns.ids.inUse).toBe(0);
  });

  it("a failing mmap leaves nattch where it was and still destroys a removed segment on the way out", () => {
    const A = 2 ** 47 - P;
    const big = ns.shmget(me, IPC_PRIVATE, 3 * P, 0o600);
    expect(step(() => ns.shmat(me, big, A, 0))).toBe(-ENOMEM);
    expectNattch(big, 0);
  });
});

describe("shmdt", () => {
  let id: number;
  beforeEach(() => {
    id = ns.shmget(me, K, 3 * P, IPC_CREAT | 0o600);
  });

  it("SHMDT-01/02/03/04: detach, then nothing to detach; unaligned is EINVAL", () => {
    const a = step(() => ns.shmat(me, id, 0, 0));
    host.now += 7;
    host.pid = 555;
    expect(step(() => ns.shmdt({ ...me, pid: 555 }, a))).toBe(0);
    const ds = stat(id);
    expect(ds.shmNattch).toBe(0);
    expect(ds.shmDtime).toBe(host.now);
    expect(ds.shmLpid).toBe(555);
    expect(ns.shmdt(me, a)).toBe(-EINVAL);
    expect(ns.shmdt(me, 0x200000000)).toBe(-EINVAL);
    expect(ns.shmdt(me, a + SHMLBA - 1)).toBe(-EINVAL);
  });

  it("SHMDT-05: a partly unmapped attachment is detached through its start; every piece goes", () => {
    const a = step(() => ns.shmat(me, id, 0, 0));
    step(() => host.mm.munmap(mm, a + P, P));
    expectNattch(id, 2);
    expect(step(() => ns.shmdt(me, a))).toBe(0);
    expectNattch(id, 0);
    expect(host.mm.vmas(mm)).toEqual([]);
  });

  it("SHMDT-05b: with the first page unmapped, the fragment at offset 1 is found from the original address", () => {
    const a = step(() => ns.shmat(me, id, 0, 0));
    step(() => host.mm.munmap(mm, a, P));
    expect(ns.shmdt(me, a + P)).toBe(-EINVAL);
    expect(step(() => ns.shmdt(me, a))).toBe(0);
    expectNattch(id, 0);
  });

  it("SHMDT-06: split by mprotect, nattch counts the VMAs, and shmdt brings it back to 0", () => {
    const sh = step(() => ns.shmat(me, id, 0, 0));
    step(() => host.mm.mprotect(mm, sh + P, P));
    expectNattch(id, 3);
    step(() => host.mm.mprotect(mm, sh, 2 * P));
    expectNattch(id, 3);
    expect(step(() => ns.shmdt(me, sh))).toBe(0);
    expectNattch(id, 0);
  });

  it("only pieces of the same attachment go: a second attachment right above stays", () => {
    const A = 0x200000000;
    step(() => ns.shmat(me, id, A, 0));
    step(() => ns.shmat(me, id, A + 3 * P, 0));
    expect(step(() => ns.shmdt(me, A))).toBe(0);
    expectNattch(id, 1);
    expect(host.mm.vmas(mm)[0]!.vmStart).toBe(A + 3 * P);
  });

  it("a piece of another attachment that sits where this one's offsets would put it stays (same file check)", () => {
    const A = 0x200000000;
    const other = ns.shmget(me, IPC_PRIVATE, 3 * P, 0o600);
    step(() => ns.shmat(me, id, A, 0));
    step(() => ns.shmat(me, other, A + P, SHM_REMAP));
    // A: id pgoff 0 | A+P: other pgoff 0 | A+2P: id pgoff 2 … other's pages 1, 2 replaced id's third page
    expect(host.mm.vmas(mm).map((v) => [v.vmStart - A, v.vmPgoff])).toEqual([
      [0, 0],
      [P, 0],
    ]);
    expect(step(() => ns.shmdt(me, A))).toBe(0);
    expectNattch(id, 0);
    expectNattch(other, 1);
  });
});

describe("shmctl", () => {
  let id: number;
  beforeEach(() => {
    id = ns.shmget(me, K, 2048, IPC_CREAT | 0o666);
  });

  it("SHMCTL-01/02/03: atime on attach, dtime on detach, ctime only on IPC_SET", () => {
    const t0 = host.now;
    host.now = t0 + 1;
    const a = step(() => ns.shmat(me, id, 0, 0));
    host.now = t0 + 2;
    step(() => ns.shmdt(me, a));
    expect(stat(id)).toMatchObject({ shmAtime: t0 + 1, shmDtime: t0 + 2, shmCtime: t0 });
    host.now = t0 + 3;
    const ds = stat(id);
    expect(step(() => ns.shmctl(me, id, IPC_SET, { ...ds, shmPerm: { ...ds.shmPerm, mode: 0o600 } }))).toBe(0);
    expect(stat(id)).toMatchObject({ shmCtime: t0 + 3, shmPerm: { mode: 0o600 } });
  });

  it("SHMCTL-04/12: SHM_STAT and SHM_STAT_ANY take an index and return the id; SHM_INFO/IPC_INFO return the highest index", () => {
    for (let i = 0; i < 3; i++) ns.shmctl(me, ns.shmget(me, IPC_PRIVATE, 10, 0o600), IPC_RMID, null);
    const id2 = step(() => ns.shmget(me, IPC_PRIVATE, P + 1, 0o600));
    expect(id2).toBe(4);
    const out: ShmctlOut = {};
    expect(ns.shmctl(me, 0, SHM_INFO, null, out)).toBe(4);
    expect(out.shmInfo).toEqual({ usedIds: 2, shmTot: 3, shmRss: 0, shmSwp: 0, swapAttempts: 0, swapSuccesses: 0 });
    expect(ns.shmctl(me, 0, IPC_INFO, null, out)).toBe(4);
    expect(out.shminfo).toMatchObject({ shmmin: 1, shmmni: 4096, shmseg: 4096 });
    expect(ns.shmctl(me, 4, SHM_STAT, null, out)).toBe(4);
    expect(out.ds!.shmSegsz).toBe(P + 1);
    expect(ns.shmctl(me, 2, SHM_STAT, null, out)).toBe(-EINVAL);
    const nobody = user(7, mm, 65534, 65534);
    expect(ns.shmctl(nobody, 4, SHM_STAT, null, out)).toBe(-EACCES);
    expect(ns.shmctl(nobody, 4, SHM_STAT_ANY, null, out)).toBe(4);
  });

  it("SHMCTL-07/10: owner without read permission gets EACCES; non-owners get EPERM for SET/RMID/LOCK/UNLOCK", () => {
    const nobody = user(7, mm, 65534, 65534);
    const own = ns.shmget(nobody, IPC_PRIVATE, 10, IPC_CREAT | IPC_EXCL);
    expect(ns.shmctl(nobody, own, IPC_STAT, null, {})).toBe(-EACCES);
    const rid = ns.shmget(me, IPC_PRIVATE, 10, 0o600);
    const ds = stat(rid);
    expect(ns.shmctl(nobody, rid, IPC_STAT, null, {})).toBe(-EACCES);
    expect(ns.shmctl(nobody, rid, IPC_RMID, null)).toBe(-EPERM);
    expect(ns.shmctl(nobody, rid, IPC_SET, ds)).toBe(-EPERM);
    expect(ns.shmctl(nobody, rid, SHM_LOCK, null)).toBe(-EPERM);
    expect(ns.shmctl(nobody, rid, SHM_UNLOCK, null)).toBe(-EPERM);
    expect(stat(rid)).toEqual(ds);
  });

  it("SHMCTL-08/09: EFAULT for a missing buffer; EINVAL for a bad cmd, a negative id, a removed id, IPC_64", () => {
    expect(ns.shmctl(me, id, IPC_SET, null)).toBe(-EFAULT);
    expect(ns.shmctl(me, id, IPC_STAT, null)).toBe(-EFAULT);
    expect(ns.shmctl(me, 99, IPC_STAT, null)).toBe(-EINVAL);
    expect(ns.shmctl(me, id, -1, null, {})).toBe(-EINVAL);
    expect(ns.shmctl(me, -1, IPC_STAT, null, {})).toBe(-EINVAL);
    expect(ns.shmctl(me, id, IPC_STAT | IPC_64, null, {})).toBe(-EINVAL);
    expect(ns.shmctl(me, id, 99, null, {})).toBe(-EINVAL);
    ns.shmctl(me, id, IPC_RMID, null);
    expect(ns.shmctl(me, id, IPC_STAT, null, {})).toBe(-EINVAL);
  });

  it("SHMCTL-13/14: IPC_SET changes only the permission bits, owner and group; an unmappable uid is EINVAL", () => {
    step(() => ns.shmat(me, id, 0, 0));
    const ds = stat(id);
    expect(step(() => ns.shmctl(me, id, IPC_SET, { ...ds, shmPerm: { ...ds.shmPerm, mode: 0o7766, uid: 1234, gid: 99 } }))).toBe(0);
    expect(stat(id).shmPerm).toMatchObject({ mode: 0o766, uid: 1234, gid: 99, cuid: 0, cgid: 0 });
    expect(ns.shmctl(me, id, IPC_SET, { ...ds, shmPerm: { ...ds.shmPerm, uid: -1 } })).toBe(-EINVAL);
    expect(stat(id).shmPerm.uid).toBe(1234);
  });

  it("SHMCTL-15/20: SHM_LOCK sets SHM_LOCKED, SHM_UNLOCK clears it; RLIMIT_MEMLOCK 0 is EPERM, past it ENOMEM", () => {
    expect(step(() => ns.shmctl(me, id, SHM_LOCK, null))).toBe(0);
    expect(stat(id).shmPerm.mode & SHM_LOCKED).toBe(SHM_LOCKED);
    expect(step(() => ns.shmctl(me, id, SHM_UNLOCK, null))).toBe(0);
    expect(stat(id).shmPerm.mode & SHM_LOCKED).toBe(0);
    const u = user(9, mm, 1000, 1000, { rlimitMemlock: 0 });
    const own = ns.shmget(u, IPC_PRIVATE, 3 * P, 0o600);
    expect(ns.shmctl(u, own, SHM_LOCK, null)).toBe(-EPERM);
    expect(ns.shmctl(u, own, SHM_UNLOCK, null)).toBe(0);
    const u2 = { ...u, rlimitMemlock: 2 * P };
    expect(ns.shmctl(u2, own, SHM_LOCK, null)).toBe(-ENOMEM);
    const small = ns.shmget(u, IPC_PRIVATE, 2 * P, 0o600);
    expect(step(() => ns.shmctl(u2, small, SHM_LOCK, null))).toBe(0);
    expect(ns.lockedPages.get(1000)).toBe(2);
    expect(step(() => ns.shmctl(me, own, SHM_LOCK, null))).toBe(0);
    expect(ns.lockedPages.get(0)).toBe(3);
    step(() => ns.shmctl(me, small, IPC_RMID, null));
    expect(ns.lockedPages.has(1000)).toBe(false);
  });

  it("SHMCTL-16/17/19 + SHMGET-13: IPC_RMID while attached: SHM_DEST, key private, RMID again is harmless, key reusable", () => {
    const a = step(() => ns.shmat(me, id, 0, 0));
    const b = step(() => ns.shmat(me, id, 0, 0));
    for (let i = 0; i < 6; i++) expect(step(() => ns.shmctl(me, id, IPC_RMID, null))).toBe(0);
    const ds = stat(id);
    expect(ds.shmPerm.mode & SHM_DEST).toBe(SHM_DEST);
    expect(ds.shmPerm.key).toBe(IPC_PRIVATE);
    expect(ns.shmget(me, K, 2048, 0o666)).toBe(-ENOENT);
    const fresh = step(() => ns.shmget(me, K, 2048, IPC_CREAT | 0o666));
    expect(fresh).not.toBe(id);
    step(() => ns.shmdt(me, a));
    expectNattch(id, 1);
    step(() => ns.shmdt(me, b));
    expect(ns.shmctl(me, id, IPC_STAT, null, {})).toBe(-EINVAL);
    expect(ns.shmTot).toBe(1);
  });
});

describe("/proc/sysvipc/shm", () => {
  it("SHMLIFE-08: header and rows byte for byte as the host printed them (captured in a fresh namespace)", () => {
    host.now = 1795321178;
    host.pid = 6873;
    const c = root(6873, mm);
    ns.shmctl(c, ns.shmget(c, IPC_PRIVATE, 4097, IPC_CREAT | 0o600), IPC_RMID, null);
    const id = ns.shmget(c, IPC_PRIVATE, 4097, IPC_CREAT | 0o600);
    ns.shmat(c, id, 0, 0);
    const k = ns.shmget(c, 0x1234, 100, IPC_CREAT | 0o644);
    ns.shmat(c, k, 0, 0);
    ns.shmat(c, k, 0, SHM_RDONLY);
    ns.shmctl(c, k, IPC_RMID, null);
    expect(ns.procSysvipcShm()).toBe(
      "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n" +
        "         0          1   600                  4097  6873  6873      1     0     0     0     0 1795321178          0 1795321178                     0                     0\n" +
        "         0          2  1644                   100  6873  6873      2     0     0     0     0 1795321178          0 1795321178                     0                     0\n",
    );
  });
});

describe("lifecycle", () => {
  it("SHMCTL-05/06 + SHMLIFE-01/06: fork adds an attachment per VMA with the parent as lpid; exit detaches with the child", () => {
    const id = ns.shmget(me, K, 2 * P, IPC_CREAT | 0o600);
    const a = step(() => ns.shmat(me, id, 0, 0));
    step(() => host.mm.mprotect(mm, a + P, P));
    const children: number[] = [];
    for (let i = 0; i < 20; i++) children.push(step(() => host.mm.fork(mm)));
    expectNattch(id, 42);
    expect(stat(id).shmLpid).toBe(100);
    host.pid = 777;
    step(() => host.mm.exit(children[0]!));
    expect(stat(id)).toMatchObject({ shmLpid: 777, shmNattch: 40 });
    for (const c of children.slice(1)) step(() => ns.shmdt(root(778, c), a));
    expectNattch(id, 2);
    step(() => ns.shmdt(me, a));
    expectNattch(id, 0);
  });

  it("SHMDT-07: the last detach of a removed segment frees its pages and its shm_tot", () => {
    const id = ns.shmget(me, IPC_PRIVATE, 5 * P, 0o600);
    const a = ns.shmat(me, id, 0, 0);
    const f = shmFileDataOf(host.mm.vmas(mm)[0]!.file)!.file;
    const free0 = host.node.freePagesCount();
    for (let pg = 0; pg < 5; pg++) host.node.putPage(f.fault(pg));
    expect(host.node.freePagesCount()).toBe(free0 - 5);
    ns.shmctl(me, id, IPC_RMID, null);
    expect(ns.shmTot).toBe(5);
    step(() => ns.shmdt(me, a));
    expect(ns.shmTot).toBe(0);
    expect(host.node.freePagesCount()).toBe(free0);
  });

  it("shm_rmid_forced: last detach destroys; exit of the creator destroys its unattached segments; setting it destroys orphans", () => {
    const kept = ns.shmget(root(300, mm), IPC_PRIVATE, 10, 0o600);
    const attached = ns.shmget(root(300, mm), IPC_PRIVATE, 10, 0o600);
    const orphan = ns.shmget(root(301, mm), IPC_PRIVATE, 10, 0o600);
    const a = step(() => ns.shmat(me, attached, 0, 0));
    step(() => ns.exitShm(301));
    expect(ns.ids.inUse).toBe(3);
    step(() => ns.setLimits({ shmRmidForced: true }));
    expect(ns.shmctl(me, orphan, IPC_STAT, null, {})).toBe(-EINVAL);
    step(() => ns.exitShm(300));
    expect(ns.shmctl(me, kept, IPC_STAT, null, {})).toBe(-EINVAL);
    expectNattch(attached, 1);
    step(() => ns.shmdt(me, a));
    expect(ns.ids.inUse).toBe(0);
    expect(ns.setLimits({ shmmni: -1 })).toBe(-EINVAL);
  });
});
