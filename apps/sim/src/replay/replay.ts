/**
 * The replay of an strace log on a simulated kernel: each replayed syscall is carried out by the
 * trace's pid with the trace's arguments (addresses translated where the simulator placed memory
 * elsewhere, fds kept at the trace's numbers), its result compared with the recorded one, and the
 * rest counted and skipped. Nothing in a trace can make it throw: a line it can't use becomes an
 * error naming the line, and the replay goes on.
 */
import {
  CLONE_VM,
  EINTR,
  FUTEX_CMD_MASK,
  FUTEX_CMP_REQUEUE,
  FUTEX_REQUEUE,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
  IPC_STAT,
  MAP_HUGETLB,
  MREMAP_FIXED,
  NR,
  O_CREAT,
  O_RDWR,
  PAGE_SIZE,
  SHM_STAT,
  SHM_STAT_ANY,
  formatErrno,
  pageAlign,
} from "@mmsim/mm-types";
import { BLOCKED } from "@mmsim/kernel";
import type { Kernel, SyscallResult, Task } from "@mmsim/kernel";
import { decodeCall, isReplayedSyscall } from "../trace/decode.js";
import type { DecodedCall, ShmStat } from "../trace/decode.js";
import type { SyscallRecord, TraceEntry } from "../trace/strace-parse.js";
import { AddressTranslation } from "./translate.js";

/** Per syscall name: calls replayed, and of those, results that differed from the trace. */
export interface CallStats {
  replayed: number;
  mismatched: number;
}

/** A replayed call whose result differed from the recorded one. */
export interface Mismatch {
  readonly line: number;
  readonly call: string;
  readonly expected: string;
  readonly actual: string;
  /** The call's arguments as replayed (before translation), and the simulated result when it was a number. */
  readonly args: readonly number[];
  readonly actualRet: number | null;
  /** Why, when the replay knows: the call's memory was never mapped here because an earlier call failed. */
  readonly cause: string | null;
}

/** The simulated machine a replay runs on (apps/sim assembles it). */
export interface ReplayWorld {
  readonly kernel: Kernel;
  /** "mmu" or "nommu": for the report. */
  readonly backend: string;
  /**
   * Whether the simulator's addresses mean the trace's (MMU with the same layout). When false (NOMMU:
   * addresses belong to another machine's physical memory) only success versus error is compared.
   */
  readonly addressesComparable: boolean;
  /** The shm segment size of a simulated shmid (for translating shmat ranges), or null. */
  shmSegsz(shmid: number): number | null;
}

/** What a replay produced. */
export interface ReplayReport {
  readonly backend: string;
  readonly calls: Record<string, CallStats>;
  readonly mismatches: Mismatch[];
  /** Syscalls not replayed (counted by name in `skippedByName`). */
  skipped: number;
  readonly skippedByName: Record<string, number>;
  /** Lines that couldn't be used, each naming its line. */
  readonly errors: string[];
  /** Most pages in use at any point (MemTotal − MemFree), in pages. */
  peakUsedPages: number;
  /** Most pages mapped at any point, over every address space (total_vm summed). */
  peakMappedPages: number;
  /** Calls of processes the simulator could not create (skipped). */
  lost: number;
  /** Why the first process could not be created, or null. */
  firstProcessErrno: number | null;
  /** At the peak: pages lost to power-of-two rounding of private copies (NOMMU), and the largest free order. */
  peakSlackPages: number;
  /** MmapCopy (NOMMU's pages of private copies) at the peak. */
  peakMmapCopyPages: number;
  largestFreeOrderAtPeak: number;
  /** Each process's /proc/<pid>/maps (and smaps where it exists) just before it exited, by pid. */
  readonly finalMaps: Record<number, string>;
  readonly finalSmaps: Record<number, string>;
  /** The machine-wide /proc files just before the last process exited (or ended its life in an exec). */
  readonly finalGlobal: Record<string, string>;
}

/** Options of a replay. */
export interface ReplayOptions {
  /** Called every `progressEvery` entries with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
}

const ADDRESS_RESULTS: ReadonlySet<string> = new Set(["mmap", "mremap", "shmat", "brk"]);
const FD_RESULTS: ReadonlySet<string> = new Set(["openat", "open", "dup", "dup2", "dup3"]);
/** The machine-wide /proc files a replay keeps from just before its last process exits. */
const GLOBAL_PROC_FILES: readonly string[] = ["/proc/meminfo", "/proc/buddyinfo", "/proc/maps", "/proc/sysvipc/shm"];
/** Calls after which more memory may be mapped. */
const MAPPING_CALLS: ReadonlySet<string> = new Set(["mmap", "mremap", "brk", "shmat", "clone", "clone3", "fork", "vfork", "execve"]);
/** Which argument of a call is the address it works on. */
const ADDRESS_ARG: Readonly<Record<string, number>> = { munmap: 0, mprotect: 0, madvise: 0, mremap: 0, futex: 0, shmdt: 0 };

/** Renders a syscall result as strace does. */
export function formatResult(name: string, ret: number | null): string {
  if (ret === null) return "?";
  if (ret < 0 && ret > -4096) return formatErrno(ret);
  return ADDRESS_RESULTS.has(name) ? `0x${ret.toString(16)}` : String(ret);
}

/** What the simulated shmctl(IPC_STAT) writes (sysv-shm's ShmidDs, the fields --check reads). */
interface SimShmidDs {
  readonly shmPerm: { readonly mode: number };
  readonly shmSegsz: number;
  readonly shmNattch: number;
  readonly shmCpid: number;
  readonly shmLpid: number;
}

/** The replay engine. One instance replays one trace on one world. */
export class Replay {
  readonly report: ReplayReport;
  private readonly kernel: Kernel;
  /** Translation tables by simulated mm id. */
  private readonly translations = new Map<number, AddressTranslation>();
  /** The heap offset (simulated brk − recorded brk) by mm id, once known. */
  private readonly heapDelta = new Map<number, number>();
  /** Recorded shmid → simulated shmid. */
  private readonly shmids = new Map<number, number>();
  /** Calls whose task sleeps, by tid: compared when it wakes. */
  private readonly sleeping = new Map<number, DecodedCall>();
  /** Whether the call being replayed succeeded in the trace (files are made only for calls that found them). */
  private recordedOk = true;
  private started = false;
  /** Tasks woken during the call being replayed, when a futex wake collects them. */
  private wokenNow: number[] | null = null;
  /** Tasks the simulator woke before the trace did (strace's order is not the futex queue's). */
  private readonly wokenEarly = new Set<number>();
  /** The last sleeping call of each task the simulator woke. */
  private readonly earlyCalls = new Map<number, DecodedCall>();
  /** A futex wake's count after reconciling who was woken with the trace (see reconcileWake). */
  private wakeCount: number | null = null;
  /** Pids the trace created but the simulator could not (a fork on NOMMU): their calls are skipped. */
  private readonly lostPids = new Set<number>();
  /** Paths of the files made up for a trace (their real sizes are unknown: mappings grow them). */
  readonly autoPaths = new Set<string>();
  /** The call being replayed (exec loaders look ahead from it). */
  current: DecodedCall | null = null;
  private standIns = 0;

  constructor(
    private readonly world: ReplayWorld,
    private readonly firstProcess: (pid: number) => Task | number,
  ) {
    this.kernel = world.kernel;
    this.report = { backend: world.backend, calls: {}, mismatches: [], skipped: 0, skippedByName: {}, errors: [], peakUsedPages: 0, peakMappedPages: 0, lost: 0, firstProcessErrno: null, peakSlackPages: 0, peakMmapCopyPages: 0, largestFreeOrderAtPeak: -1, finalMaps: {}, finalSmaps: {}, finalGlobal: {} };
    const prev = this.kernel.onWake;
    this.kernel.onWake = (task, result) => {
      prev?.(task, result);
      this.wokenNow?.push(task.tid);
      const d = this.sleeping.get(task.tid);
      if (d === undefined) return;
      this.earlyCalls.set(task.tid, d);
      this.sleeping.delete(task.tid);
      this.compare(d, result);
    };
  }

  /** Whether files may be created for the call being replayed. */
  get mayCreateFiles(): boolean {
    return this.recordedOk;
  }

  /** Replays every entry, then accounts for calls still asleep. */
  run(entries: readonly TraceEntry[], opts: ReplayOptions = {}): ReplayReport {
    const every = opts.progressEvery ?? 1000;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      this.flushDeferred(e.line);
      if (this.deferIfWake(e)) continue;
      this.entry(e);
      if (opts.onProgress !== undefined && (i + 1) % every === 0) opts.onProgress(i + 1, entries.length);
    }
    this.flushDeferred(Infinity);
    // a call the trace never saw return (its process exited while it slept) has nothing to compare
    for (const [tid, d] of this.sleeping) if (d.ret !== null) this.mismatch(d, formatResult(d.name, d.ret), `still blocked (task ${tid} was never woken)`);
    this.sleeping.clear();
    return this.report;
  }

  /** Wakes strace split across lines, replayed at their resumed line. */
  private readonly deferred: SyscallRecord[] = [];

  /**
   * A futex wake strace printed as unfinished did its work somewhere before it returned, possibly after
   * waits that entered later; it is replayed where it returned, so those waiters are queued first.
   */
  private deferIfWake(e: TraceEntry): boolean {
    if (e.kind !== "syscall" || e.name !== "futex" || e.resumedLine === null || e.resumedLine <= e.line) return false;
    const op = e.args[1];
    if (op?.kind !== "flags" || !op.names.some(isWakeOpName)) return false;
    let i = this.deferred.length;
    while (i > 0 && this.deferred[i - 1]!.resumedLine! > e.resumedLine) i--;
    this.deferred.splice(i, 0, e);
    return true;
  }

  private flushDeferred(beforeLine: number): void {
    while (this.deferred.length > 0 && this.deferred[0]!.resumedLine! < beforeLine) this.entry(this.deferred.shift()!);
  }

  private entry(e: TraceEntry): void {
    switch (e.kind) {
      case "error":
        this.report.errors.push(e.error);
        return;
      case "signal":
        return;
      case "exit": {
        const t = this.kernel.task(e.pid);
        if (t === null || !t.alive) return;
        if (t.state === "blocked" && !this.kernel.interrupt(e.pid, -EINTR)) {
          // only a fatal signal ends a vfork parent's wait, and the replay has none to send
          this.report.errors.push(`line ${e.line}: pid ${e.pid} exits while it is blocked in ${t.blockedOn ?? "a syscall"}; it is left blocked`);
          return;
        }
        this.keepFinalMaps(e.pid);
        this.kernel.exitGroup(e.pid, e.exitCode ?? 0);
        return;
      }
      case "syscall":
        this.syscall(e);
    }
  }

  private ensureStarted(rec: SyscallRecord): boolean {
    if (this.started) return false;
    this.started = true;
    const t = this.firstProcess(rec.pid);
    if (typeof t === "number") {
      this.report.errors.push(`line ${rec.line}: the first process (pid ${rec.pid}) could not be created: ${formatErrno(t)}; its calls are skipped`);
      this.lostPids.add(rec.pid);
      this.report.firstProcessErrno = t;
      return false;
    }
    // the snapshot was taken after the execve that started the trace
    return rec.name === "execve";
  }

  private syscall(rec: SyscallRecord): void {
    if (this.ensureStarted(rec)) return;
    if (!isReplayedSyscall(rec.name)) return this.skip(rec);
    const d = decodeCall(rec);
    if (d.kind === "error") {
      this.report.errors.push(d.error);
      return;
    }
    this.resolveSleeper(d.pid, d.line);
    if (this.kernel.task(d.pid)?.alive !== true) {
      if (this.lostPids.has(d.pid)) this.report.lost++;
      else this.report.errors.push(`line ${d.line}: pid ${d.pid} makes ${d.name} but no such process was created by the trace`);
      return;
    }
    const task = this.kernel.task(d.pid)!;
    if (task.state === "blocked") {
      // a sleep no trace line can end (a vfork parent waits for its child's exec or exit): the trace
      // contradicts the kernel, so the call is reported and skipped rather than run by a sleeping task
      this.report.errors.push(`line ${d.line}: pid ${d.pid} makes ${d.name} while it is blocked in ${task.blockedOn ?? "a syscall"}; the call is skipped`);
      return;
    }
    this.recordedOk = d.ret === null || d.ret >= 0;
    this.current = d;
    const stats = (this.report.calls[d.name] ??= { replayed: 0, mismatched: 0 });
    stats.replayed++;
    const result = this.run1(d);
    this.recordedOk = true;
    this.current = null;
    if (result === BLOCKED) this.sleeping.set(d.pid, d);
    else this.compare(d, this.wakeCount ?? result);
    this.wakeCount = null;
    this.samplePeak(d, result);
  }

  /**
   * A task the simulator still has asleep makes its next call in the trace: the trace says its earlier
   * call returned. A timeout or a signal (ETIMEDOUT, EINTR, EAGAIN...) ends the sleep from outside, as the
   * replay has no clock or signals; a recorded wake (a value ≥ 0) that no simulated task made is a
   * mismatch.
   */
  private resolveSleeper(pid: number, line: number): void {
    const d = this.sleeping.get(pid);
    if (d === undefined || this.kernel.task(pid)?.state !== "blocked") return;
    const want = d.ret ?? 0;
    this.sleeping.delete(pid);
    if (!this.kernel.interrupt(pid, want)) {
      this.sleeping.set(pid, d);
      return;
    }
    if (want >= 0) this.mismatch(d, formatResult(d.name, want), `still blocked at line ${line}`);
  }

  private skip(rec: SyscallRecord): void {
    if (this.lostPids.has(rec.pid)) {
      this.report.lost++;
      return;
    }
    this.resolveSleeper(rec.pid, rec.line);
    this.report.skipped++;
    this.report.skippedByName[rec.name] = (this.report.skippedByName[rec.name] ?? 0) + 1;
    this.followSkippedFds(rec);
  }

  /**
   * At most how many pages are mapped now, over every address space: the last count plus what the
   * mapping calls since may have added (the other calls only unmap).
   */
  private mappedBound = Infinity;
  /** Pages the last brk added to its address space. */
  private brkGrowth = 0;

  /**
   * At most how many pages a call can add to what is mapped: an mmap its length, a brk what it moved
   * the break by; Infinity where that is not known cheaply (mremap, shmat, clone, execve, huge pages).
   */
  private mappedGrowthBound(d: DecodedCall): number {
    if (d.name === "brk") return this.brkGrowth;
    if (d.name !== "mmap" || (d.args[3]! & MAP_HUGETLB) !== 0) return Infinity;
    return Math.max(0, Math.ceil(d.args[1]! / PAGE_SIZE));
  }

  /** At each new peak of memory in use: the slack of power-of-two copies and the largest free block. */
  private samplePeak(d: DecodedCall, result: SyscallResult): void {
    // only calls that map memory can raise what is mapped, and it is counted only when it may pass the peak
    if (MAPPING_CALLS.has(d.name)) {
      this.mappedBound += this.mappedGrowthBound(d);
      if (result !== BLOCKED && result >= 0 && this.mappedBound > this.report.peakMappedPages) {
        let mapped = 0;
        for (const mmId of this.kernel.liveMmIds()) mapped += this.kernel.backend.view(mmId).counters().totalVm;
        this.mappedBound = mapped;
        if (mapped > this.report.peakMappedPages) this.report.peakMappedPages = mapped;
      }
    }
    const used = this.kernel.pages.nrPages - this.kernel.pages.freePagesCount();
    if (used <= this.report.peakUsedPages) return;
    this.report.peakUsedPages = used;
    let slack = 0;
    for (const r of this.kernel.backend.regions().regions()) slack += (r.vmTop - r.vmEnd) / PAGE_SIZE;
    this.report.peakSlackPages = slack;
    this.report.peakMmapCopyPages = this.kernel.backend.meminfoPages()["MmapCopy"] ?? 0;
    let order = -1;
    for (const z of this.kernel.pages.zoneViews()) for (let o = z.nrFree.length - 1; o > order; o--) if (z.nrFree[o]! > 0) order = o;
    this.report.largestFreeOrderAtPeak = order;
  }

  /** Recorded ranges whose mapping succeeded in the trace but failed here, with the failing line. */
  private readonly unmappedHere: Array<{ readonly start: number; readonly end: number; readonly line: number }> = [];

  /** The earlier failure that left this call's address unmapped here, if any. */
  private causeOf(d: DecodedCall): string | null {
    const at = ADDRESS_ARG[d.name];
    if (at === undefined) return null;
    const addr = d.args[at]!;
    const hit = this.unmappedHere.find((r) => addr >= r.start && addr < r.end);
    return hit === undefined ? null : `its memory was never mapped here: the mapping made at line ${hit.line} failed`;
  }

  /** Keeps a process's maps as they were just before it exits (what --json and proc print). */
  private keepFinalMaps(pid: number): void {
    const t = this.kernel.task(pid);
    if (t === null || !t.alive) return;
    this.report.finalMaps[t.tgid] = this.kernel.backend.showMaps(t.mm.mmId);
    const smaps = this.kernel.backend.showSmaps(t.mm.mmId);
    if (smaps !== null) this.report.finalSmaps[t.tgid] = smaps;
    // the last process about to go: the machine-wide files as they were with it still there
    if (!this.kernel.tasks().some((o) => o.alive && o.tgid !== t.tgid)) {
      for (const path of GLOBAL_PROC_FILES) {
        const text = this.kernel.readProc(path);
        if (typeof text === "string") this.report.finalGlobal[path] = text;
      }
    }
  }

  private tr(pid: number): AddressTranslation {
    const mmId = this.kernel.task(pid)!.mm.mmId;
    let t = this.translations.get(mmId);
    if (t === undefined) this.translations.set(mmId, (t = new AddressTranslation()));
    return t;
  }

  private addr(pid: number, a: number): number {
    return a === 0 ? 0 : this.tr(pid).translate(a);
  }

  /** Carries out one decoded call. */
  private run1(d: DecodedCall): SyscallResult {
    const k = this.kernel;
    const p = d.pid;
    const a = d.args;
    switch (d.name) {
      case "mmap":
        this.growAutoFile(p, a[4]!, a[5]! + a[1]!);
        return this.placed(d, k.syscall(p, NR.mmap, this.addr(p, a[0]!), a[1]!, a[2]!, a[3]!, a[4]!, a[5]!), a[1]!);
      case "munmap":
        return k.syscall(p, NR.munmap, this.addr(p, a[0]!), a[1]!);
      case "mprotect":
      case "madvise":
        return k.syscall(p, d.nr, this.addr(p, a[0]!), a[1]!, a[2]!);
      case "mremap": {
        const newAddr = a[3]! & MREMAP_FIXED ? this.addr(p, a[4]!) : a[4]!;
        return this.placed(d, k.syscall(p, NR.mremap, this.addr(p, a[0]!), a[1]!, a[2]!, a[3]!, newAddr), a[2]!);
      }
      case "brk":
        return this.brk(d);
      case "shmget":
        return this.shmget(d);
      case "shmat":
        return this.shmat(d);
      case "shmdt":
        return k.syscall(p, NR.shmdt, this.addr(p, a[0]!));
      case "shmctl":
        return this.shmctl(d);
      case "futex":
        return this.futex(d);
      case "clone":
      case "clone3":
      case "fork":
      case "vfork":
        return this.clone(d);
      case "execve":
        this.keepFinalMaps(p);
        return k.syscall(p, NR.execve, d.path ?? "");
      case "exit":
      case "exit_group":
        if (d.name === "exit_group" || this.kernel.tasks().filter((t) => t.alive && t.tgid === this.kernel.task(p)!.tgid).length === 1) this.keepFinalMaps(p);
        return k.syscall(p, d.nr, a[0]!);
      case "open":
      case "openat": {
        const r = d.name === "open" ? k.syscall(p, NR.open, d.path ?? "", a[1]!, a[2]!) : k.syscall(p, NR.openat, a[0]!, d.path ?? "", a[2]!, a[3]!);
        return this.followFd(d, r);
      }
      case "dup":
      case "dup2":
      case "dup3":
        return this.followFd(d, k.syscall(p, d.nr, ...a));
      case "close":
      case "ftruncate":
        return k.syscall(p, d.nr, ...a);
    }
  }

  /** A call that placed memory: later addresses inside the recorded range move to where it went. */
  private placed(d: DecodedCall, r: SyscallResult, len: number): SyscallResult {
    if (r !== BLOCKED && r < 0 && d.ret !== null && d.ret >= 0) this.unmappedHere.push({ start: d.ret, end: d.ret + pageAlign(len), line: d.line });
    if (r !== BLOCKED && r >= 0 && d.ret !== null && d.ret >= 0) this.tr(d.pid).set(d.ret, pageAlign(len), r);
    return r;
  }

  /** brk: the heap moves as a whole; its offset is fixed by the first brk both sides answer. */
  private brk(d: DecodedCall): SyscallResult {
    const mmId = this.kernel.task(d.pid)!.mm.mmId;
    const delta = this.heapDelta.get(mmId) ?? 0;
    const want = d.args[0]!;
    const before = this.kernel.backend.view(mmId).layout().brk;
    const r = this.kernel.syscall(d.pid, NR.brk, want === 0 ? 0 : want + delta);
    if (r !== BLOCKED && !this.heapDelta.has(mmId) && d.ret !== null && d.ret > 0) this.heapDelta.set(mmId, r - d.ret);
    // a growing break maps [PAGE_ALIGN(old brk), PAGE_ALIGN(new brk)) and nothing else (do_brk_flags)
    this.brkGrowth = r !== BLOCKED && r > before ? (pageAlign(r) - pageAlign(before)) / PAGE_SIZE : 0;
    return r;
  }

  private shmget(d: DecodedCall): SyscallResult {
    const r = this.kernel.syscall(d.pid, NR.shmget, ...d.args);
    if (r !== BLOCKED && r >= 0 && d.ret !== null && d.ret >= 0) this.shmids.set(d.ret, r);
    return r;
  }

  private shmid(id: number): number {
    return this.shmids.get(id) ?? id;
  }

  private shmat(d: DecodedCall): SyscallResult {
    const id = this.shmid(d.args[0]!);
    const r = this.kernel.syscall(d.pid, NR.shmat, id, this.addr(d.pid, d.args[1]!), d.args[2]!);
    return this.placed(d, r, this.world.shmSegsz(id) ?? PAGE_SIZE);
  }

  private shmctl(d: DecodedCall): SyscallResult {
    const [id, cmd] = d.args as [number, number];
    const base = cmd & 0xff;
    const isStat = base === IPC_STAT || base === SHM_STAT || base === SHM_STAT_ANY;
    const buf: { ds?: SimShmidDs } & Record<string, unknown> = d.shmidDs !== undefined ? { ...d.shmidDs } : {};
    // SHM_STAT takes an index, not an id
    const r = this.kernel.syscall(d.pid, NR.shmctl, base === SHM_STAT || base === SHM_STAT_ANY ? id : this.shmid(id), cmd, isStat || d.shmidDs !== undefined ? buf : null);
    if (isStat && d.shmStat !== undefined && buf.ds !== undefined && r !== BLOCKED && r >= 0) {
      const ds = buf.ds;
      this.compareShmStat(d, d.shmStat, { shmSegsz: ds.shmSegsz, shmNattch: ds.shmNattch, shmCpid: ds.shmCpid, shmLpid: ds.shmLpid, mode: ds.shmPerm.mode });
    }
    return r;
  }

  private compareShmStat(d: DecodedCall, want: ShmStat, got: Pick<ShmStat, "shmSegsz" | "shmNattch" | "shmCpid" | "shmLpid" | "mode">): void {
    const fields = ["shmSegsz", "shmNattch", "shmCpid", "shmLpid", "mode"] as const;
    const bad = fields.filter((f) => want[f] !== got[f]);
    if (bad.length === 0) return;
    const show = (s: Pick<ShmStat, (typeof fields)[number]>): string => bad.map((f) => `${f}=${f === "mode" ? "0" + s[f].toString(8) : s[f]}`).join(", ");
    this.mismatch(d, show(want), show(got));
  }

  /**
   * futex: the program's own stores aren't in a trace, so the word is set to what the recorded result
   * implies before a wait compares it: the expected value when the wait slept or timed out, another
   * value when it failed with EAGAIN.
   */
  private futex(d: DecodedCall): SyscallResult {
    const [uaddr, op, val, val2, uaddr2, val3] = d.args as [number, number, number, number, number, number];
    const cmd = op & FUTEX_CMD_MASK;
    const u1 = this.addr(d.pid, uaddr);
    const u2 = this.addr(d.pid, uaddr2);
    const mmId = this.kernel.task(d.pid)!.mm.mmId;
    const futexPort = this.kernel.backend.futex;
    if (cmd === FUTEX_WAIT || cmd === FUTEX_WAIT_BITSET) futexPort.writeU32(mmId, u1, d.ret === -11 ? (val + 1) >>> 0 : val >>> 0);
    if (cmd === FUTEX_CMP_REQUEUE) futexPort.writeU32(mmId, u1, d.ret === -11 ? (val3 + 1) >>> 0 : val3 >>> 0);
    const fourth = d.timeoutNs !== undefined ? d.timeoutNs : cmd === FUTEX_REQUEUE || cmd === FUTEX_CMP_REQUEUE || cmd === FUTEX_WAKE_OP ? val2 : null;
    const isWake = cmd === FUTEX_WAKE || cmd === FUTEX_WAKE_BITSET;
    if (isWake) this.wokenNow = [];
    const r = this.kernel.syscall(d.pid, NR.futex, u1, op, val, fourth, u2, val3);
    if (isWake && typeof r === "number" && r >= 0) this.wakeCount = this.reconcileWake(d, u1, this.wokenNow ?? [], r);
    this.wokenNow = null;
    return r;
  }

  /**
   * Who a FUTEX_WAKE woke, as the trace tells it: strace prints calls as they enter the kernel, not in
   * the order their waiters were queued, so the simulator's FIFO may wake a different waiter of the
   * same word than the kernel did. The waiters the trace resumes next are the ones woken: those still
   * asleep here are woken now, those the simulator woke instead are remembered as woken early, and a
   * later wake the trace spends on one of them counts it. Returns the wake count to compare.
   */
  private reconcileWake(d: DecodedCall, uaddr: number, woken: readonly number[], simCount: number): number {
    const want = d.ret ?? simCount;
    const mmId = this.kernel.task(d.pid)!.mm.mmId;
    let candidates: Array<[number, number]> | null = null;
    for (const [tid, c] of this.sleeping) if (c.resumedLine !== null && c.resumedLine > d.line && this.waitsOnWord(tid, c, mmId, uaddr)) (candidates ??= []).push([tid, c.resumedLine]);
    for (const tid of this.wokenEarly) {
      const c = this.earlyCalls.get(tid);
      if (c !== undefined && c.resumedLine !== null && c.resumedLine > d.line && this.waitsOnWord(tid, c, mmId, uaddr)) (candidates ??= []).push([tid, c.resumedLine]);
    }
    for (const tid of woken) {
      const c = this.earlyCalls.get(tid);
      if (c !== undefined && c.resumedLine !== null && c.resumedLine > d.line) (candidates ??= []).push([tid, c.resumedLine]);
    }
    // nobody to reconcile: the simulator's count stands
    if (candidates === null && woken.length === 0) return simCount;
    candidates ??= [];
    candidates.sort(byResumedLine);
    const trace = new Set(candidates.slice(0, want).map(([tid]) => tid));
    let count = simCount;
    // the simulator woke a waiter the trace leaves asleep: a swap of queue order, not a wake lost
    let swaps = 0;
    for (const tid of woken) {
      if (trace.has(tid)) continue;
      this.wokenEarly.add(tid);
      count--;
      swaps++;
    }
    for (const tid of trace) {
      if (woken.includes(tid)) continue;
      if (this.wokenEarly.delete(tid)) count++;
      else if (swaps > 0 && this.sleeping.has(tid) && this.kernel.task(tid)?.state === "blocked") {
        const c = this.sleeping.get(tid)!;
        this.sleeping.delete(tid);
        this.kernel.interrupt(tid, c.ret ?? 0);
        swaps--;
        count++;
      }
    }
    return count;
  }

  /** Whether task `tid`'s call `c` is a futex call on the word at simulated `uaddr` of address space `mmId`. */
  private waitsOnWord(tid: number, c: DecodedCall, mmId: number, uaddr: number): boolean {
    return c.name === "futex" && this.kernel.task(tid)?.mm.mmId === mmId && this.addr(c.pid, c.args[0]!) === uaddr;
  }

  /** clone and friends: the child gets the trace's pid; a new mm inherits the parent's translations. */
  private clone(d: DecodedCall): SyscallResult {
    const childTid = d.ret !== null && d.ret > 0 ? d.ret : undefined;
    const parentMm = this.kernel.task(d.pid)!.mm.mmId;
    let flags: number;
    let childTidAddr = 0;
    if (d.name === "fork") flags = 17;
    else if (d.name === "vfork") flags = CLONE_VM | 0x4000 | 17;
    else if (d.name === "clone3") {
      const c = d.cloneArgs!;
      flags = c.flags | (c.exitSignal & 0xff);
      childTidAddr = c.childTid;
    } else {
      flags = d.args[0]!;
      childTidAddr = d.args[3]!;
    }
    const r = this.kernel.clone(d.pid, flags, {
      ...(childTid !== undefined ? { childTid } : {}),
      childTidAddr: this.addr(d.pid, childTidAddr),
    });
    const child = r === BLOCKED ? this.kernel.task(d.pid)!.vforkChild : typeof r === "number" && r > 0 ? r : null;
    if (child === null && childTid !== undefined && r !== BLOCKED && r < 0) {
      this.lostPids.add(childTid);
      this.report.errors.push(`line ${d.line}: ${d.name} made pid ${childTid} in the trace but failed here (${formatErrno(r)}); that process's calls are skipped`);
    }
    if (child !== null) {
      const childMm = this.kernel.task(child)!.mm.mmId;
      if (childMm !== parentMm) {
        this.translations.set(childMm, this.tr(d.pid).clone());
        const h = this.heapDelta.get(parentMm);
        if (h !== undefined) this.heapDelta.set(childMm, h);
      }
    }
    return r;
  }

  /** Keeps fds at the trace's numbers: a result elsewhere is moved; a call that failed only here leaves a stand-in. */
  private followFd(d: DecodedCall, r: SyscallResult): SyscallResult {
    if (r === BLOCKED || d.ret === null || !FD_RESULTS.has(d.name)) return r;
    const want = d.ret;
    const task = this.kernel.task(d.pid)!;
    if (r >= 0 && want >= 0 && r !== want) {
      const file = task.files.get(r)!;
      file.refs++;
      task.files.close(r);
      task.files.installAt(want, file);
    } else if (r >= 0 && want < 0) task.files.close(r);
    return r;
  }

  /**
   * Calls the replay doesn't carry out but that leave fds behind (sockets, pipes, memfds, eventfds,
   * fcntl's F_DUPFD) get stand-in files at those fds, so later closes, dups and mmaps of them mean
   * what they meant.
   */
  private followSkippedFds(rec: SyscallRecord): void {
    if (rec.result.kind !== "value" || typeof rec.result.value !== "number" || this.kernel.task(rec.pid)?.alive !== true) return;
    const ret = rec.result.value;
    const raw = rec.args[0]?.kind === "raw" ? rec.args[0].text : "";
    if (PAIR_MAKERS.has(rec.name)) {
      const m = /\[(\d+), (\d+)\]/.exec(raw);
      if (m !== null) for (const fd of [Number(m[1]), Number(m[2])]) this.standIn(rec.pid, fd, `${rec.name}:[${fd}]`);
      return;
    }
    if (rec.name === "fcntl" && /F_DUPFD/.test(raw)) {
      const src = Number(/^(\d+)/.exec(raw)?.[1] ?? -1);
      const task = this.kernel.task(rec.pid)!;
      const file = task.files.get(src);
      if (file !== null) {
        file.refs++;
        task.files.installAt(ret, file);
      }
      return;
    }
    if (!FD_MAKERS.has(rec.name)) return;
    const name = rec.name === "memfd_create" ? `/memfd:${/^"([^"]*)"/.exec(raw)?.[1] ?? ""} (deleted)` : `anon_inode:[${rec.name}]`;
    this.standIn(rec.pid, ret, name);
  }

  private standIn(pid: number, fd: number, name: string): void {
    const path = name.startsWith("/") ? name : `/${name}`;
    const file = this.kernel.vfs.open(`${path}#${this.standIns++}`, O_RDWR | O_CREAT, 0o600);
    if (typeof file === "number") return;
    autoFiles.add(file.inode);
    this.kernel.task(pid)!.files.installAt(fd, file);
  }

  /** An auto-created file grows to cover what a mapping of it reaches ("large enough"). */
  private growAutoFile(pid: number, fd: number, end: number): void {
    const file = this.kernel.task(pid)?.files.get(fd);
    if (file === null || file === undefined || !(autoFiles.has(file.inode) || this.autoPaths.has(file.inode.path))) return;
    if (file.inode.size < end) file.inode.size = end;
  }

  private compare(d: DecodedCall, actual: number): void {
    if (d.ret === null) return;
    const want = d.ret;
    let same: boolean;
    if (want < 0 || actual < 0) same = want === actual;
    else if (ADDRESS_RESULTS.has(d.name)) same = !this.world.addressesComparable || actual === want || actual === this.expectedAddress(d);
    else same = actual === want || FD_RESULTS.has(d.name);
    if (!same) this.mismatch(d, formatResult(d.name, want), formatResult(d.name, actual), actual);
  }

  private expectedAddress(d: DecodedCall): number {
    return this.kernel.task(d.pid) === null ? d.ret! : this.tr(d.pid).translate(d.ret!);
  }

  private mismatch(d: DecodedCall, expected: string, actual: string, actualRet: number | null = null): void {
    const stats = (this.report.calls[d.name] ??= { replayed: 0, mismatched: 0 });
    stats.mismatched++;
    this.report.mismatches.push({ line: d.line, call: d.name, expected, actual, args: d.args, actualRet, cause: this.causeOf(d) });
  }
}

/** A futex op name of a wake or a requeue (`FUTEX_WAKE_PRIVATE`, `FUTEX_CMP_REQUEUE`...). */
function isWakeOpName(n: string): boolean {
  return n.startsWith("FUTEX_WAKE") || n.startsWith("FUTEX_REQUEUE") || n.startsWith("FUTEX_CMP_REQUEUE");
}

function byResumedLine(a: readonly [number, number], b: readonly [number, number]): number {
  return a[1] - b[1];
}

/** Inodes the replay made up (no real size known). */
const autoFiles = new WeakSet<object>();

/** Skipped syscalls that return one new fd. */
const FD_MAKERS: ReadonlySet<string> = new Set([
  "socket", "accept", "accept4", "eventfd", "eventfd2", "memfd_create", "epoll_create", "epoll_create1",
  "timerfd_create", "signalfd", "signalfd4", "inotify_init", "inotify_init1", "fanotify_init", "userfaultfd",
  "pidfd_open", "io_uring_setup", "perf_event_open", "memfd_secret",
]);
/** Skipped syscalls that return two fds through an array argument. */
const PAIR_MAKERS: ReadonlySet<string> = new Set(["pipe", "pipe2", "socketpair"]);

