/**
 * Random sequences of shmget, shmat, shmdt, IPC_RMID, faults, partial munmap, splits, fork and exit
 * over several processes of the fake mm, against a model of which segments live: a segment lives
 * until it is removed and no VMA maps it. After every step: assertValid(), nattch equals the VMAs
 * mapping the segment, the live set equals the model's, shm_tot and the allocator's free pages add up.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IPC_PRIVATE, IPC_RMID, IPC_STAT, PAGE_SIZE, SHM_RDONLY } from "@mmsim/mm-types";
import { ShmNamespace, pagesOf, shmFileDataOf } from "../src/index.js";
import type { ShmCaller, ShmctlOut } from "../src/index.js";
import { makeHost, root } from "./fake-host.js";

const P = PAGE_SIZE;

type Op =
  | { kind: "get"; pages: number; extra: number }
  | { kind: "at"; proc: number; seg: number; rdonly: boolean }
  | { kind: "dt"; proc: number; att: number }
  | { kind: "rmid"; seg: number }
  | { kind: "unmap"; proc: number; att: number; page: number }
  | { kind: "split"; proc: number; att: number; page: number }
  | { kind: "fault"; seg: number; page: number }
  | { kind: "fork"; proc: number }
  | { kind: "exit"; proc: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("get" as const), pages: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 0, max: P - 1 }) }),
  fc.record({ kind: fc.constant("at" as const), proc: fc.nat(3), seg: fc.nat(5), rdonly: fc.boolean() }),
  fc.record({ kind: fc.constant("at" as const), proc: fc.nat(3), seg: fc.nat(5), rdonly: fc.boolean() }),
  fc.record({ kind: fc.constant("dt" as const), proc: fc.nat(3), att: fc.nat(7) }),
  fc.record({ kind: fc.constant("rmid" as const), seg: fc.nat(5) }),
  fc.record({ kind: fc.constant("unmap" as const), proc: fc.nat(3), att: fc.nat(7), page: fc.nat(4) }),
  fc.record({ kind: fc.constant("split" as const), proc: fc.nat(3), att: fc.nat(7), page: fc.nat(4) }),
  fc.record({ kind: fc.constant("fault" as const), seg: fc.nat(5), page: fc.nat(4) }),
  fc.record({ kind: fc.constant("fork" as const), proc: fc.nat(3) }),
  fc.record({ kind: fc.constant("exit" as const), proc: fc.nat(3) }),
);

function run(ops: Op[]): void {
  const host = makeHost(1024);
  const ns = new ShmNamespace(host);
  const free0 = host.node.freePagesCount();
  let nextPid = 100;
  const procs: ShmCaller[] = [root(nextPid++, host.mm.mmNew())];
  /** Model: every id ever created, with its size and whether IPC_RMID was done. */
  const segs: Array<{ id: number; size: number; removed: boolean; gone: boolean }> = [];
  const atts = new Map<number, number[]>();
  let faulted = 0;
  const proc = (i: number): ShmCaller => procs[i % procs.length]!;
  const seg = (i: number): (typeof segs)[number] | undefined => segs[i % Math.max(segs.length, 1)];
  const attOf = (c: ShmCaller, i: number): number | undefined => {
    const list = atts.get(c.pid) ?? [];
    return list[i % Math.max(list.length, 1)];
  };

  for (const op of ops) {
    switch (op.kind) {
      case "get": {
        const id = ns.shmget(procs[0]!, IPC_PRIVATE, op.pages * P - op.extra, 0o600);
        expect(id).toBeGreaterThanOrEqual(0);
        segs.push({ id, size: op.pages * P - op.extra, removed: false, gone: false });
        break;
      }
      case "at": {
        const s = seg(op.seg);
        if (s === undefined) break;
        const c = proc(op.proc);
        host.pid = c.pid;
        const r = ns.shmat(c, s.id, 0, op.rdonly ? SHM_RDONLY : 0);
        expect(r, `shmat ${s.id}`).toBe(s.gone ? -22 : r);
        if (!s.gone) {
          expect(r).toBeGreaterThan(0);
          atts.set(c.pid, [...(atts.get(c.pid) ?? []), r]);
        }
        break;
      }
      case "dt": {
        const c = proc(op.proc);
        const a = attOf(c, op.att);
        if (a === undefined) break;
        host.pid = c.pid;
        const mapped = host.mm.vmas(c.mmId).some((v) => v.vmStart >= a && shmFileDataOf(v.file) !== undefined && (v.vmStart - a) / P === v.vmPgoff);
        expect(ns.shmdt(c, a)).toBe(mapped ? 0 : -22);
        break;
      }
      case "rmid": {
        const s = seg(op.seg);
        if (s === undefined) break;
        expect(ns.shmctl(procs[0]!, s.id, IPC_RMID, null)).toBe(s.gone ? -22 : 0);
        s.removed = true;
        break;
      }
      case "unmap":
      case "split": {
        const c = proc(op.proc);
        const a = attOf(c, op.att);
        if (a === undefined) break;
        host.pid = c.pid;
        if (op.kind === "unmap") host.mm.munmap(c.mmId, a + op.page * P, P);
        else host.mm.mprotect(c.mmId, a + op.page * P, P);
        break;
      }
      case "fault": {
        const s = seg(op.seg);
        if (s === undefined || s.gone) break;
        const file = ns.ids.obtainObjectCheck(s.id);
        if (typeof file === "number") throw new Error(`segment ${s.id} should live`);
        const before = file.shmFile!.nrpages();
        const pfn = file.shmFile!.fault(op.page);
        if (op.page < pagesOf(s.size)) {
          expect(pfn).toBeGreaterThanOrEqual(0);
          host.node.putPage(pfn);
          faulted += file.shmFile!.nrpages() - before;
        } else {
          expect(pfn).toBe(-1);
        }
        break;
      }
      case "fork": {
        if (procs.length >= 6) break;
        const parent = proc(op.proc);
        host.pid = parent.pid;
        const child = { ...parent, pid: nextPid++, mmId: host.mm.fork(parent.mmId) };
        procs.push(child);
        atts.set(child.pid, [...(atts.get(parent.pid) ?? [])]);
        break;
      }
      case "exit": {
        if (procs.length === 1) break;
        const i = 1 + (op.proc % (procs.length - 1));
        const c = procs[i]!;
        host.pid = c.pid;
        host.mm.exit(c.mmId);
        procs.splice(i, 1);
        break;
      }
    }
    // the model: a removed segment goes with its last VMA; a segment's pages go with it
    const vmas = new Map<number, number>();
    for (const list of host.mm.mms.values()) for (const v of list) vmas.set(shmFileDataOf(v.file)!.id, (vmas.get(shmFileDataOf(v.file)!.id) ?? 0) + 1);
    for (const s of segs) {
      if (s.gone) continue;
      const shp = ns.ids.obtainObjectCheck(s.id);
      if (s.removed && (vmas.get(s.id) ?? 0) === 0) {
        expect(shp, `segment ${s.id} removed and unmapped`).toBe(-22);
        s.gone = true;
        const out: ShmctlOut = {};
        expect(ns.shmctl(procs[0]!, s.id, IPC_STAT, null, out)).toBe(-22);
        continue;
      }
      expect(typeof shp).toBe("object");
      if (typeof shp === "number") continue;
      expect(shp.shmNattch, `nattch of ${s.id}`).toBe(vmas.get(s.id) ?? 0);
    }
    const live = segs.filter((s) => !s.gone);
    expect(ns.ids.inUse).toBe(live.length);
    expect(ns.shmTot).toBe(live.reduce((t, s) => t + pagesOf(s.size), 0));
    let resident = 0;
    for (const shp of ns.ids) resident += shp.shmFile!.nrpages();
    expect(host.node.freePagesCount()).toBe(free0 - resident);
    expect(faulted).toBeGreaterThanOrEqual(resident);
    ns.assertValid();
    host.node.assertValid();
  }
}

describe("random shm sequences against a model", () => {
  it("keeps nattch, lifetimes, totals and pages right", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => run(ops)),
      { numRuns: 300 },
    );
  });
});
