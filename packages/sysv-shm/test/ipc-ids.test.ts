import { describe, expect, it } from "vitest";
import { ENOSPC, IPCMNI, KernelBug } from "@mmsim/mm-types";
import { IpcIds, ipcidToIdx, ipcidToSeqx } from "../src/index.js";
import type { KernIpcPerm } from "../src/index.js";

function perm(key = 0): KernIpcPerm {
  return { key, id: -1, seq: 0, uid: 0, gid: 0, cuid: 0, cgid: 0, mode: 0o600, deleted: true };
}

function add(ids: IpcIds<KernIpcPerm>, key = 0): KernIpcPerm {
  const p = perm(key);
  expect(ids.addId(p, 4096)).toBeGreaterThanOrEqual(0);
  ids.assertValid();
  return p;
}

describe("IpcIds: ids as a fresh namespace hands them out (ipc_idr_alloc, cyclic)", () => {
  it("gives 0, 1, 2, …; a freed slot is not reused at once", () => {
    const ids = new IpcIds<KernIpcPerm>();
    const first = [add(ids), add(ids), add(ids), add(ids), add(ids)];
    expect(first.map((p) => p.id)).toEqual([0, 1, 2, 3, 4]);
    ids.rmid(first[0]!);
    ids.assertValid();
    expect(add(ids, 0x1234).id).toBe(5);
  });

  it("wraps at the 64-slot window to the lowest free index with the next sequence number (host: ids 63, 32768, 32774)", () => {
    // the same sequence the host printed in a fresh `unshare --ipc`: ids 0..4, rmid 0, id 5,
    // then 140 × (create, rmid)
    const ids = new IpcIds<KernIpcPerm>();
    const first = [add(ids), add(ids), add(ids), add(ids), add(ids)];
    ids.rmid(first[0]!);
    add(ids, 0x1234);
    const got: number[] = [];
    for (let i = 0; i < 140; i++) {
      const p = add(ids);
      got.push(p.id);
      ids.rmid(p);
      ids.assertValid();
    }
    expect(got.slice(0, 58)).toEqual(Array.from({ length: 58 }, (_, i) => 6 + i));
    expect(got[58]).toBe(32768);
    expect(got.slice(59, 62)).toEqual([32774, 32775, 32776]);
    expect(got[120]).toBe(65544);
    expect(got[130]).toBe(65554);
    expect(ipcidToIdx(65554)).toBe(18);
    expect(ipcidToSeqx(65554)).toBe(2);
  });

  it("checks the sequence on lookup by id, not by index", () => {
    const ids = new IpcIds<KernIpcPerm>();
    const p = add(ids);
    expect(ids.obtainObjectCheck(p.id)).toBe(p);
    expect(ids.obtainObjectCheck(p.id + IPCMNI)).toBe(-22);
    expect(ids.obtainObjectIdr(p.id + IPCMNI)).toBe(p);
    expect(ids.obtainObjectIdr(7)).toBe(-22);
  });

  it("refuses past the limit with ENOSPC and tracks max_idx down through holes", () => {
    const ids = new IpcIds<KernIpcPerm>();
    const ps = [add(ids), add(ids), add(ids), add(ids)];
    expect(ids.addId(perm(), 4)).toBe(-ENOSPC);
    expect(ids.getMaxIdx()).toBe(3);
    ids.rmid(ps[2]!);
    expect(ids.getMaxIdx()).toBe(3);
    ids.rmid(ps[3]!);
    expect(ids.getMaxIdx()).toBe(1);
    ids.rmid(ps[0]!);
    ids.rmid(ps[1]!);
    expect(ids.getMaxIdx()).toBe(-1);
    ids.assertValid();
  });

  it("finds keys; a private key is never found; setKeyPrivate hides a key", () => {
    const ids = new IpcIds<KernIpcPerm>();
    const a = add(ids, 42);
    add(ids, 0);
    expect(ids.findKey(42)).toBe(a);
    expect(ids.findKey(0)).toBeUndefined();
    ids.setKeyPrivate(a);
    expect(a.key).toBe(0);
    expect(ids.findKey(42)).toBeUndefined();
    const b = add(ids, 42);
    expect(ids.findKey(42)).toBe(b);
    ids.assertValid();
  });

  it("assertValid catches a corrupted table", () => {
    const ids = new IpcIds<KernIpcPerm>();
    const p = add(ids, 9);
    p.id = 5;
    expect(() => ids.assertValid()).toThrow(KernelBug);
    p.id = 0;
    ids.inUse = 2;
    expect(() => ids.assertValid()).toThrow(/in_use/);
  });
});
