/**
 * The NOMMU backing: a ramfs file with one contiguous run of pages, directly mappable at its
 * physical address (the seeds), or, as Linux 6.12 has it, an attach file without mapping
 * capabilities. Tested through the file's hooks and through a fake mm that places shared file
 * mappings as mm/nommu.c does.
 */
import { describe, expect, it } from "vitest";
import {
  EFBIG,
  ENODEV,
  ENOMEM,
  ENOSYS,
  IPC_CREAT,
  IPC_PRIVATE,
  IPC_RMID,
  IPC_STAT,
  MAX_PAGE_ORDER,
  NOMMU_MAP_COPY,
  NOMMU_MAP_DIRECT,
  NOMMU_MAP_EXEC,
  NOMMU_MAP_READ,
  NOMMU_MAP_WRITE,
  NO_PAGE,
  PAGE_SIZE,
  SHM_LOCK,
  SHM_LOCKED,
  VM_MAYSHARE,
  VM_SHARED,
} from "@mmsim/mm-types";
import { RAMFS_MMAP_CAPABILITIES, RamfsFile, ShmNamespace, shmFileDataOf } from "../src/index.js";
import type { ShmctlOut } from "../src/index.js";
import { makeHost, root, user } from "./fake-host.js";

const P = PAGE_SIZE;

describe("RamfsFile: ramfs_nommu_expand_for_mapping and its hooks", () => {
  it("allocates one contiguous run trimmed to size, zeroed, each page referenced by the page cache", () => {
    const host = makeHost(256);
    for (let pfn = 0; pfn < 256; pfn++) host.physMem.writeU32(pfn * P, 0xdeadbeef);
    const f = RamfsFile.create("SYSV00000017", 5 * P - 100, host.pages, host.physMem) as RamfsFile;
    expect(typeof f).toBe("object");
    expect(host.node.freePagesCount()).toBe(256 - 5);
    const pfn = f.fault(0);
    expect(f.fault(4)).toBe(pfn + 4);
    expect(f.fault(5)).toBe(NO_PAGE);
    expect(host.node.pageCount(pfn)).toBe(2);
    host.node.putPage(pfn);
    host.node.putPage(pfn + 4);
    const bytes = new Uint8Array(8);
    expect(f.read(0, bytes)).toBe(8);
    expect([...bytes]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(f.read(5 * P - 104, bytes)).toBe(4);
    expect(f.nrpages()).toBe(5);
    f.assertValid(host.pages);
    f.release();
    expect(host.node.freePagesCount()).toBe(256);
    host.node.assertValid();
  });

  it("every getUnmappedArea of the file gives the physical address of its page; a range past EOF asks for a copy", () => {
    const host = makeHost(256);
    const f = RamfsFile.create("SYSV00000017", 3 * P, host.pages, host.physMem) as RamfsFile;
    const first = f.fault(0);
    host.node.putPage(first);
    expect(f.getUnmappedArea(0, 3 * P, 0, 0)).toBe(first * P);
    expect(f.getUnmappedArea(0x1234000, 3 * P, 0, 0)).toBe(first * P);
    expect(f.getUnmappedArea(0, P, 2, 0)).toBe((first + 2) * P);
    expect(f.getUnmappedArea(0, 2 * P, 2, 0)).toBe(-ENOSYS);
    expect(f.getUnmappedArea(0, P, 3, 0)).toBe(-ENOSYS);
    expect(f.mmap({ vmStart: 0, vmEnd: P, vmFlags: VM_SHARED | VM_MAYSHARE, vmPgoff: 0 })).toBe(0);
    expect(f.mmap({ vmStart: 0, vmEnd: P, vmFlags: 0, vmPgoff: 0 })).toBe(-ENOSYS);
  });

  it("EFBIG beyond MAX_PAGE_ORDER, ENOMEM when no run is free", () => {
    const host = makeHost(4096);
    expect(RamfsFile.create("x", 2 ** MAX_PAGE_ORDER * P + 1, host.pages, host.physMem)).toBe(-EFBIG);
    const small = makeHost(64);
    expect(RamfsFile.create("x", 65 * P, small.pages, small.physMem)).toBe(-ENOMEM);
    expect(RAMFS_MMAP_CAPABILITIES).toBe(NOMMU_MAP_DIRECT | NOMMU_MAP_COPY | NOMMU_MAP_READ | NOMMU_MAP_WRITE | NOMMU_MAP_EXEC);
  });
});

describe("ShmNamespace with ramfs backing (NOMMU)", () => {
  it("shmget allocates the segment at once: EFBIG for a segment over 4 MiB, ENOMEM when memory is short, before ENOSPC", () => {
    const host = makeHost(2048, true);
    const ns = new ShmNamespace(host, { backing: "ramfs", limits: { shmmni: 1 } });
    const me = root(1, host.mm.mmNew());
    expect(ns.shmget(me, IPC_PRIVATE, 4 * 1024 * 1024 + 1, 0o600)).toBe(-EFBIG);
    expect(ns.shmget(me, IPC_PRIVATE, 1024 * P, 0o600)).toBe(0);
    expect(host.node.freePagesCount()).toBe(1024);
    expect(ns.shmget(me, IPC_PRIVATE, 1024 * P, 0o600)).toBe(-ENOMEM);
    expect(ns.shmget(me, IPC_PRIVATE, P, 0o600)).toBe(-28);
    expect(host.node.freePagesCount()).toBe(1024);
    expect(ns.procSysvipcShm().split("\n")[1]).toMatch(/ 4194304 +0\n?$/);
    ns.shmctl(me, 0, IPC_RMID, null);
    expect(host.node.freePagesCount()).toBe(2048);
    ns.assertValid();
    host.node.assertValid();
  });

  it("seeds: every shmat of a segment returns the same address, in one process or two; shmdt releases one attachment each time", () => {
    const host = makeHost(256, true);
    const ns = new ShmNamespace(host, { backing: "ramfs" });
    const p1 = root(1, host.mm.mmNew());
    const p2 = root(2, host.mm.mmNew());
    const id = ns.shmget(p1, 23, 4, IPC_CREAT | 0o666);
    const a = ns.shmat(p1, id, 0, 0);
    const b = ns.shmat(p2, ns.shmget(p2, 23, 4, IPC_CREAT | 0o666), 0, 0);
    const c = ns.shmat(p1, id, 0, 0);
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a);
    expect(c).toBe(a);
    const pfn = shmFileDataOf(host.mm.vmas(p1.mmId)[0]!.file)!.file.fault(0);
    host.node.putPage(pfn);
    expect(a).toBe(pfn * P);
    const out: ShmctlOut = {};
    const nattch = (): number => (ns.shmctl(p1, id, IPC_STAT, null, out), out.ds!.shmNattch);
    expect(nattch()).toBe(3);
    expect(ns.shmdt(p1, a)).toBe(0);
    expect(nattch()).toBe(2);
    expect(host.mm.vmas(p1.mmId)).toHaveLength(1);
    expect(ns.shmdt(p1, a)).toBe(0);
    expect(ns.shmdt(p1, a)).toBe(-22);
    expect(nattch()).toBe(1);
    expect(ns.shmat(p1, id, 0x200000000, 0)).toBe(-22);
    expect(ns.shmdt(p2, b)).toBe(0);
    ns.assertValid();
  });

  it("linux-6.12: the attach file offers no mapping capabilities, so the NOMMU mm refuses with ENODEV and nattch stays 0", () => {
    const host = makeHost(256, true);
    const ns = new ShmNamespace(host, { backing: "ramfs", nommuShmat: "linux-6.12" });
    const me = root(1, host.mm.mmNew());
    const id = ns.shmget(me, 23, 4, IPC_CREAT | 0o666);
    expect(ns.shmat(me, id, 0, 0)).toBe(-ENODEV);
    const out: ShmctlOut = {};
    ns.shmctl(me, id, IPC_STAT, null, out);
    expect(out.ds).toMatchObject({ shmNattch: 0, shmLpid: 0, shmAtime: 0 });
    ns.assertValid();
  });

  it("SHM_LOCK on ramfs sets SHM_LOCKED without charging RLIMIT_MEMLOCK (shmem_lock is a stub without CONFIG_SHMEM)", () => {
    const host = makeHost(256, true);
    const ns = new ShmNamespace(host, { backing: "ramfs" });
    const u = user(5, host.mm.mmNew(), 1000, 1000, { rlimitMemlock: P });
    const id = ns.shmget(u, IPC_PRIVATE, 8 * P, 0o600);
    expect(ns.shmctl(u, id, SHM_LOCK, null)).toBe(0);
    const out: ShmctlOut = {};
    ns.shmctl(u, id, IPC_STAT, null, out);
    expect(out.ds!.shmPerm.mode & SHM_LOCKED).toBe(SHM_LOCKED);
    expect(ns.lockedPages.size).toBe(0);
    ns.assertValid();
  });
});
