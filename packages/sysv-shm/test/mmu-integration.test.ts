/**
 * SysV shm over the real MMU backend and buddy allocator: addresses, /proc/<pid>/maps lines, page
 * contents shared between attachments and across fork, SIGSEGV after detach and on a read-only
 * attachment, nattch through fork, split and exit, and the pages given back at destruction.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { BuddyAllocator } from "@mmsim/buddy-allocator";
import {
  EACCES,
  IPC_CREAT,
  IPC_PRIVATE,
  IPC_RMID,
  IPC_STAT,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SHM_RDONLY,
  SIGSEGV,
} from "@mmsim/mm-types";
import { MmuBackend } from "@mmsim/mmu";
import { ShmNamespace } from "../src/index.js";
import type { ShmCaller, ShmctlOut } from "../src/index.js";

const P = PAGE_SIZE;

let node: BuddyAllocator;
let be: MmuBackend;
let ns: ShmNamespace;
let current = 100;
let mm: number;
let me: ShmCaller;

beforeEach(() => {
  node = new BuddyAllocator({ pages: 8192 });
  be = new MmuBackend({ pages: node, physMem: node.physMem });
  ns = new ShmNamespace({ mm: be, pages: node, physMem: node.physMem, nowSec: () => 1_700_000_000, currentPid: () => current });
  mm = be.mmNew();
  current = 100;
  me = { pid: 100, mmId: mm, uid: 0, gid: 0, capIpcOwner: true, capIpcLock: true, capSysAdmin: true };
});

function step<T>(f: () => T): T {
  const r = f();
  ns.assertValid();
  be.assertValid();
  node.assertValid();
  return r;
}

function nattch(id: number): number {
  const out: ShmctlOut = {};
  expect(ns.shmctl(me, id, IPC_STAT, null, out)).toBe(0);
  return out.ds!.shmNattch;
}

function write(mmId: number, addr: number, text: string): void {
  expect(be.writeUser(mmId, addr, new TextEncoder().encode(text))).toBe(0);
}

function read(mmId: number, addr: number, n: number): string {
  const buf = new Uint8Array(n);
  expect(be.readUser(mmId, addr, buf)).toBe(0);
  return new TextDecoder().decode(buf);
}

describe("shm on the MMU backend", () => {
  it("SHMAT-12/13 + SHMLIFE-07: two attaches at two addresses share bytes; maps shows /SYSV<key> (deleted) with the id as inode", () => {
    const id = step(() => ns.shmget(me, 0x1234, 2 * P, IPC_CREAT | 0o600));
    const a = step(() => ns.shmat(me, id, 0, 0));
    const b = step(() => ns.shmat(me, id, 0, SHM_RDONLY));
    expect(a).toBe(0x7ffff7ffd000);
    expect(b).toBe(0x7ffff7ffb000);
    step(() => write(mm, a + P + 10, "hello"));
    expect(read(mm, b + P + 10, 5)).toBe("hello");
    expect(be.maps(mm)).toBe(
      "7ffff7ffb000-7ffff7ffd000 r--s 00000000 00:01 0                          /SYSV00001234 (deleted)\n" +
        "7ffff7ffd000-7ffff7fff000 rw-s 00000000 00:01 0                          /SYSV00001234 (deleted)\n",
    );
    expect(step(() => ns.shmdt(me, a))).toBe(0);
    expect(step(() => ns.shmdt(me, b))).toBe(0);
    const c = step(() => ns.shmat(me, id, 0, 0));
    expect(read(mm, c + P + 10, 5)).toBe("hello");
  });

  it("the seed's futex demo on MMU: two processes attach at different addresses and get the same shared futex key (one inode)", () => {
    const other = be.mmNew();
    const p2: ShmCaller = { ...me, pid: 200, mmId: other };
    expect(be.mmap(other, { addr: 0, len: P, prot: PROT_READ, flags: 0x22, pgoff: 0, file: null })).toBeGreaterThan(0);
    const id = step(() => ns.shmget(me, 23, 4, IPC_CREAT | 0o666));
    const f = step(() => ns.shmat(me, id, 0, 0));
    const g = step(() => ns.shmat(p2, ns.shmget(p2, 23, 4, IPC_CREAT | 0o666), 0, 0));
    expect(g).not.toBe(f);
    const k1 = be.futex.futexKey(mm, f, true);
    expect(typeof k1).toBe("object");
    expect(be.futex.futexKey(other, g, true)).toEqual(k1);
    const h = step(() => ns.shmat(me, ns.shmget(me, 24, 4, IPC_CREAT | 0o666), 0, 0));
    expect(be.futex.futexKey(mm, h, true)).not.toEqual(k1);
  });

  it("SHMGET-06: a lookup with half the size gives the same id, and its attach maps the whole segment", () => {
    const S = 128 * P;
    const id = step(() => ns.shmget(me, 77, S, IPC_CREAT | 0o777));
    expect(ns.shmget(me, 77, S / 2, 0o777)).toBe(id);
    const a2 = step(() => ns.shmat(me, ns.shmget(me, 77, S / 2, 0o777), 0, 0));
    step(() => write(mm, a2 + S - 1, "x"));
    expect(ns.shmget(me, 77, 2 * S, 0o777)).toBe(-22);
  });

  it("SHMAT-04/15/16 + SHMDT-01: a read-only attachment faults on write and refuses PROT_WRITE; after shmdt any access faults", () => {
    const id = step(() => ns.shmget(me, IPC_PRIVATE, P, 0o600));
    const ro = step(() => ns.shmat(me, id, 0, SHM_RDONLY));
    expect(be.writeUser(mm, ro, new Uint8Array([1]))).toMatchObject({ signal: SIGSEGV, code: SEGV_ACCERR });
    expect(be.mprotect(mm, ro, P, PROT_READ | PROT_WRITE)).toBe(-EACCES);
    const rw = step(() => ns.shmat(me, id, 0, 0));
    expect(step(() => be.mprotect(mm, rw, P, PROT_READ))).toBe(0);
    expect(step(() => be.mprotect(mm, rw, P, PROT_READ | PROT_WRITE))).toBe(0);
    step(() => write(mm, rw, "ok"));
    step(() => ns.shmdt(me, rw));
    expect(be.writeUser(mm, rw, new Uint8Array([2]))).toMatchObject({ signal: SIGSEGV, code: SEGV_MAPERR });
  });

  it("SHMCTL-06 + SHMLIFE-01/06: fork inherits the attachment (nattch +1, lpid = parent); the child sees the parent's bytes; exit detaches", () => {
    const id = step(() => ns.shmget(me, IPC_PRIVATE, 3 * P, 0o600));
    const a = step(() => ns.shmat(me, id, 0, 0));
    step(() => write(mm, a, "parent"));
    const children = [step(() => be.mmDup(mm)), step(() => be.mmDup(mm))];
    expect(nattch(id)).toBe(3);
    expect(read(children[0]!, a, 6)).toBe("parent");
    step(() => write(children[1]!, a + 2 * P, "child"));
    expect(read(mm, a + 2 * P, 5)).toBe("child");
    current = 201;
    step(() => be.mmRelease(children[0]!));
    const out: ShmctlOut = {};
    ns.shmctl(me, id, IPC_STAT, null, out);
    expect(out.ds).toMatchObject({ shmNattch: 2, shmLpid: 201 });
    current = 202;
    expect(step(() => ns.shmdt({ ...me, pid: 202, mmId: children[1]! }, a))).toBe(0);
    expect(nattch(id)).toBe(1);
  });

  it("SHMDT-05: munmap of the middle leaves two VMAs (nattch 2); shmdt of the start removes both", () => {
    const S = 128 * P;
    const id = step(() => ns.shmget(me, IPC_PRIVATE, S, 0o600));
    const a = step(() => ns.shmat(me, id, 0, 0));
    expect(step(() => be.munmap(mm, a + S / 4, S / 2))).toBe(0);
    expect(nattch(id)).toBe(2);
    expect(step(() => ns.shmdt(me, a))).toBe(0);
    expect(nattch(id)).toBe(0);
    expect(be.maps(mm)).toBe("");
  });

  it("SHMDT-06: mprotect splits an attachment in three and back; the pieces stay apart (close hook), nattch 3, shmdt ends at 0", () => {
    const S = 12 * P;
    const id = step(() => ns.shmget(me, IPC_PRIVATE, S, 0o600));
    const a = step(() => ns.shmat(me, id, 0, 0));
    expect(step(() => be.mprotect(mm, a + 4 * P, 4 * P, PROT_READ))).toBe(0);
    expect(nattch(id)).toBe(3);
    // equal flags again: Linux 6.12+ may not remove a VMA with vm_ops->close in a merge
    expect(step(() => be.mprotect(mm, a + 4 * P, 4 * P, PROT_READ | PROT_WRITE))).toBe(0);
    expect(nattch(id)).toBe(3);
    expect(step(() => ns.shmdt(me, a))).toBe(0);
    expect(nattch(id)).toBe(0);
    expect(be.maps(mm)).toBe("");
  });

  it("24 attachments of one segment, forked and detached in a scattered order: nattch and both shm VMA lists stay right past the i_mmap's Map threshold and back", () => {
    const id = step(() => ns.shmget(me, IPC_PRIVATE, 2 * P, 0o600));
    const other = step(() => ns.shmget(me, IPC_PRIVATE, P, 0o600));
    const addrs: number[] = [];
    for (let i = 0; i < 24; i++) {
      addrs.push(step(() => ns.shmat(me, id, 0, i % 3 === 0 ? SHM_RDONLY : 0)));
      if (i % 8 === 0) step(() => ns.shmat(me, other, 0, 0));
    }
    expect(nattch(id)).toBe(24);
    expect(nattch(other)).toBe(3);
    step(() => write(mm, addrs[5]!, "shared"));
    const child = step(() => be.mmDup(mm));
    expect(nattch(id)).toBe(48);
    expect(ns.shmVmas.size).toBe(54);
    const cc: ShmCaller = { ...me, pid: 300, mmId: child };
    for (const i of [23, 0, 12, 1, 22, 11, 13]) expect(step(() => ns.shmdt(cc, addrs[i]!))).toBe(0);
    expect(step(() => ns.shmdt(cc, addrs[12]!))).toBe(-22);
    expect(nattch(id)).toBe(41);
    expect(read(child, addrs[17]!, 6)).toBe("shared");
    step(() => be.mmRelease(child));
    expect(nattch(id)).toBe(24);
    expect(ns.shmVmas.vmasOf(child)).toHaveLength(0);
    for (let i = 0; i < 24; i += 2) expect(step(() => ns.shmdt(me, addrs[i]!))).toBe(0);
    for (let i = 23; i > 0; i -= 2) expect(step(() => ns.shmdt(me, addrs[i]!))).toBe(0);
    expect(nattch(id)).toBe(0);
    expect(nattch(other)).toBe(3);
    expect(ns.shmVmas.vmasOf(mm).map((v) => v.sfd.id)).toEqual([other, other, other]);
  });

  it("SHMDT-07 + SHMLIFE-04: the last detach of a removed segment gives every page back", () => {
    const free0 = node.freePagesCount();
    const id = step(() => ns.shmget(me, IPC_PRIVATE, 16 * P, 0o600));
    const a = step(() => ns.shmat(me, id, 0, 0));
    for (let i = 0; i < 16; i++) step(() => write(mm, a + i * P, "z"));
    expect(node.freePagesCount()).toBeLessThanOrEqual(free0 - 16);
    const out: ShmctlOut = {};
    expect(ns.procSysvipcShm()).toMatch(/ 65536 +0\n$/);
    step(() => ns.shmctl(me, id, IPC_RMID, null));
    expect(ns.shmctl(me, 0, 14, null, out)).toBe(0);
    expect(out.shmInfo).toMatchObject({ usedIds: 1, shmTot: 16, shmRss: 16 });
    step(() => ns.shmdt(me, a));
    expect(ns.ids.inUse).toBe(0);
    expect(node.freePagesCount()).toBe(free0);
  });
});
