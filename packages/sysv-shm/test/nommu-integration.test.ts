/**
 * SysV shm over the real NOMMU backend: ramfs segments mapped directly, every attach of a segment
 * at the same (physical) address in every process, bytes shared, shmdt releasing one attachment
 * (the seeds); ENODEV as Linux 6.12 answers.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import { EINVAL, ENODEV, IPC_CREAT, IPC_RMID, IPC_STAT, PAGE_SIZE } from "@mmsim/mm-types";
import { NommuBackend } from "@mmsim/nommu";
import { ShmNamespace, shmFileDataOf } from "../src/index.js";
import type { ShmCaller, ShmctlOut, ShmOptions } from "../src/index.js";

const P = PAGE_SIZE;
const FIRST_PFN = 0x80000;

let node: BuddyAllocator;
let be: NommuBackend;
let current = 1;

function world(opts: ShmOptions): ShmNamespace {
  node = new BuddyAllocator({ pages: 4096, firstPfn: FIRST_PFN });
  be = new NommuBackend({ pages: node, physMem: node.physMem });
  return new ShmNamespace({ mm: be, pages: node, physMem: node.physMem, nowSec: () => 1_700_000_000, currentPid: () => current }, { backing: "ramfs", ...opts });
}

function task(pid: number): ShmCaller {
  return { pid, mmId: be.mmNew(), uid: 0, gid: 0, capIpcOwner: true, capIpcLock: true, capSysAdmin: true };
}

function checkAll(ns: ShmNamespace): void {
  ns.assertValid();
  be.assertValid();
  node.assertValid();
}

function stat(ns: ShmNamespace, c: ShmCaller, id: number): ShmctlOut["ds"] {
  const out: ShmctlOut = {};
  expect(ns.shmctl(c, id, IPC_STAT, null, out)).toBe(0);
  return out.ds;
}

describe("shm on the NOMMU backend, as the seeds describe it", () => {
  let ns: ShmNamespace;
  beforeEach(() => {
    ns = world({});
  });

  it("NOMMU-25: the seed's futex demo setup: shmget(23, 4) twice, both attaches at the segment's physical address, one shared word", () => {
    const p1 = task(1);
    const p2 = task(2);
    current = 1;
    const id = ns.shmget(p1, 23, 4, IPC_CREAT | 0o666);
    const f = ns.shmat(p1, id, 0, 0);
    current = 2;
    const g = ns.shmat(p2, ns.shmget(p2, 23, 4, IPC_CREAT | 0o666), 0, 0);
    checkAll(ns);
    expect(g).toBe(f);
    const pfn = shmFileDataOf([...be.view(p1.mmId).vmas()][0]!.file)!.file.fault(0);
    node.putPage(pfn);
    expect(f).toBe(pfn * P);
    expect(f).toBeGreaterThanOrEqual(FIRST_PFN * P);
    expect(be.futex.readU32(p1.mmId, f)).toBe(0);
    expect(be.futex.writeU32(p2.mmId, g, 1)).toBe(0);
    expect(be.futex.readU32(p1.mmId, f)).toBe(1);
    expect(stat(ns, p1, id)).toMatchObject({ shmNattch: 2, shmLpid: 2 });
  });

  it("point 6: two attaches in one process share the address; each shmdt releases one", () => {
    const p = task(1);
    const id = ns.shmget(p, 0x77, 3 * P, IPC_CREAT | 0o600);
    const a = ns.shmat(p, id, 0, 0);
    const b = ns.shmat(p, id, 0, 0);
    checkAll(ns);
    expect(b).toBe(a);
    expect(stat(ns, p, id)!.shmNattch).toBe(2);
    expect(ns.shmdt(p, a)).toBe(0);
    checkAll(ns);
    expect(stat(ns, p, id)!.shmNattch).toBe(1);
    expect(ns.shmdt(p, a + P)).toBe(-EINVAL);
    expect(ns.shmdt(p, a)).toBe(0);
    expect(ns.shmdt(p, a)).toBe(-EINVAL);
    checkAll(ns);
  });

  it("NOMMU-13: an attach address is MAP_FIXED, which NOMMU refuses; exit detaches; the last detach of a removed segment frees it", () => {
    const p = task(1);
    const free0 = node.freePagesCount();
    const id = ns.shmget(p, 0x78, 5 * P, IPC_CREAT | 0o600);
    expect(node.freePagesCount()).toBe(free0 - 5);
    const a = ns.shmat(p, id, 0, 0);
    expect(ns.shmat(p, id, a, 0)).toBe(-EINVAL);
    expect(ns.shmctl(p, id, IPC_RMID, null)).toBe(0);
    current = 1;
    be.mmRelease(p.mmId);
    checkAll(ns);
    expect(ns.ids.inUse).toBe(0);
    expect(node.freePagesCount()).toBe(free0);
  });
});

describe("shm on the NOMMU backend, as Linux 6.12 has it", () => {
  it("the attach file offers no mapping capabilities: shmat is ENODEV, nothing counted", () => {
    const ns = world({ nommuShmat: "linux-6.12" });
    const p = task(1);
    const id = ns.shmget(p, 23, 4, IPC_CREAT | 0o666);
    expect(ns.shmat(p, id, 0, 0)).toBe(-ENODEV);
    checkAll(ns);
    expect(stat(ns, p, id)).toMatchObject({ shmNattch: 0, shmAtime: 0, shmLpid: 0 });
  });
});
