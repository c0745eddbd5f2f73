/** A futex table over fake address spaces, with every resumed task recorded. */
import type { FutexTargetPort } from "@mmsim/mm-types";
import { FutexTable } from "../src/index.js";
import type { FutexBlock, FutexTableOptions } from "../src/index.js";
import { FakeMms } from "./fake-mm.js";

/** Optional futex(2) arguments. */
export interface FutexArgs {
  readonly timeoutNs?: number | null;
  readonly val2?: number;
  readonly uaddr2?: number;
  readonly val3?: number;
  readonly now?: number;
}

/** The FutexBlock of a wait without a deadline. */
export const BLOCKED: FutexBlock = { blocked: true, deadlineNs: null };

export function world(opts: FutexTableOptions = {}, port?: (mem: FakeMms) => FutexTargetPort) {
  const mem = new FakeMms();
  const woken: Array<[number, number]> = [];
  const table = new FutexTable(port ? port(mem) : mem, { wakeTask: (tid, result) => void woken.push([tid, result]) }, opts);
  /** futex(2) by task `tid` of mm `mmId`; checks the table afterwards. */
  const futex = (tid: number, mmId: number, uaddr: number, op: number, val: number, a: FutexArgs = {}): number | FutexBlock => {
    const r = table.doFutex({ tid, mmId }, uaddr, op, val, a.timeoutNs ?? null, a.val2 ?? 0, a.uaddr2 ?? 0, a.val3 ?? 0, a.now ?? 0);
    table.assertValid();
    return r;
  };
  /** The tasks resumed since the last call, with their results, in order. */
  const takeWoken = (): Array<[number, number]> => woken.splice(0);
  return { mem, table, futex, takeWoken };
}
