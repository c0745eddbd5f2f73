/**
 * /proc/<pid>/status and /proc/<pid>/statm as a 6.x x86-64 kernel prints them. The task's part
 * comes from the caller, the memory lines from the backend (task_mem() of task_mmu.c or
 * task_nommu.c, already formatted); what the simulator has no model of is printed as a root task on
 * a 1-CPU x86-64 distribution kernel shows it (see STATUS_FIXED). Linux: proc_pid_status(),
 * task_state(), task_sig(), task_cap(), task_seccomp(), task_cpus_allowed(),
 * cpuset_task_status_allowed(), task_context_switch_counts() and proc_pid_statm() in fs/proc/array.c.
 */

/** The letters of task_state_array, by what get_task_state() reports. Linux: task_state_array in fs/proc/array.c. */
export const TASK_STATE_NAMES = {
  R: "R (running)",
  S: "S (sleeping)",
  D: "D (disk sleep)",
  T: "T (stopped)",
  t: "t (tracing stop)",
  X: "X (dead)",
  Z: "Z (zombie)",
  P: "P (parked)",
  I: "I (idle)",
} as const;

/** A task state letter as /proc prints it. */
export type TaskStateLetter = keyof typeof TASK_STATE_NAMES;

/** Every capability of 6.x (CAP_LAST_CAP = CAP_CHECKPOINT_RESTORE, 40): a root task's permitted, effective and bounding sets. Linux: CAP_FULL_SET. */
export const CAP_FULL_SET = (1n << 41n) - 1n;

/**
 * What status prints for what the simulator does not model: a root task of a 1-CPU x86-64 machine
 * running a distribution kernel (CONFIG_NUMA with NODES_SHIFT 10, CPUSETS, SECCOMP_FILTER, no user
 * shadow stack), never traced, no signal handlers or pending signals, spectre mitigations by prctl.
 */
export const STATUS_FIXED = {
  /** fs->umask: the simulator has no umask(2). */
  umask: 0o022,
  /** task_numa_group_id(): no NUMA balancing. */
  ngid: 0,
  /** ptrace_parent(): nothing is traced. */
  tracerPid: 0,
  /** PF_KTHREAD: user tasks only. */
  kthread: 0,
  /** signal->core_state: no core dumps. */
  coreDumping: 0,
  /** mm_untag_mask(): no LAM, so every address bit is kept. */
  untagMask: "0xffffffffffffffff",
  /** Queued signals (the SigQ numerator): no signals are queued. */
  sigQueued: 0,
  /** Pending, shared pending, blocked, ignored and caught signal sets: all empty. */
  sigset: "0000000000000000",
  /** no_new_privs, seccomp mode and filter count: never set. */
  noNewPrivs: 0,
  seccomp: 0,
  seccompFilters: 0,
  /** arch_prctl_spec_ctrl_get(): PR_SPEC_PRCTL | PR_SPEC_ENABLE for both (spec_store_bypass_disable=prctl, spectre_v2_user=prctl). */
  speculationStoreBypass: "thread vulnerable",
  speculationIndirectBranch: "conditional enabled",
  /** The CPUs a task may run on: nr_cpu_ids = 1. */
  nrCpuIds: 1,
  /** MAX_NUMNODES = 1 << CONFIG_NODES_SHIFT (10), node 0 only. */
  maxNumNodes: 1024,
  /** nvcsw, nivcsw: the simulator counts no context switches. */
  voluntaryCtxtSwitches: 0,
  nonvoluntaryCtxtSwitches: 0,
} as const;

/** The task's side of /proc/<pid>/status: everything the simulator models. */
export interface PidStatusTask {
  /** task->comm (at most 15 bytes); escaped as Linux escapes it. */
  readonly comm: string;
  readonly state: TaskStateLetter;
  /** Linux: tgid, pid (the thread's id), the parent's tgid. */
  readonly tgid: number;
  readonly pid: number;
  readonly ppid: number;
  /** Real, effective, saved and fs ids are all these (no setuid model). */
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups. */
  readonly groups: readonly number[];
  /** files_fdtable(files)->max_fds; 0 for a task without files (a zombie). */
  readonly fdSize: number;
  /** The task has an fs_struct (a zombie has none: no Umask line). */
  readonly hasFs: boolean;
  /** Process group and session (NSpgid, NSsid). */
  readonly pgid: number;
  readonly sid: number;
  /** get_nr_threads(). */
  readonly threads: number;
  /** RLIMIT_SIGPENDING soft limit (the SigQ denominator), exactly: RLIM_INFINITY is 2^64 - 1. */
  readonly sigQueueLimit: bigint;
  /** Capability sets; inheritable and ambient are empty. */
  readonly capPermitted: bigint;
  readonly capEffective: bigint;
  readonly capBounding: bigint;
}

/** The mm's side of status: task_mem()'s lines and the THP_enabled flag, or null for a task without an mm. */
export interface PidStatusMm {
  readonly status: string;
  readonly thpEnabled: boolean;
}

/** The name as proc_task_name() prints it with escaping: backslash and newline escaped. Linux: seq_escape_str(…, ESCAPE_SPACE | ESCAPE_SPECIAL, "\n\\"). */
export function escapeComm(comm: string): string {
  return comm.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/**
 * A bitmap as "%*pb" prints it: 32-bit chunks in hex, most significant first, separated by commas;
 * the first chunk only as wide as the bits it holds. Linux: bitmap_string() in lib/vsprintf.c.
 */
export function bitmapString(nbits: number, set: readonly number[]): string {
  const chunks: string[] = [];
  for (let lo = Math.floor((nbits - 1) / 32) * 32; lo >= 0; lo -= 32) {
    const width = Math.ceil(Math.min(32, nbits - lo) / 4);
    let v = 0;
    for (const b of set) if (b >= lo && b < lo + 32) v += 2 ** (b - lo);
    chunks.push(v.toString(16).padStart(width, "0"));
  }
  return chunks.join(",");
}

const hex16 = (v: bigint): string => v.toString(16).padStart(16, "0");

function taskStateLines(t: PidStatusTask): string {
  const f = STATUS_FIXED;
  const ids = (id: number): string => `${id}\t${id}\t${id}\t${id}`;
  return (
    (t.hasFs ? `Umask:\t${f.umask.toString(8).padStart(4, "0")}\n` : "") +
    `State:\t${TASK_STATE_NAMES[t.state]}\n` +
    `Tgid:\t${t.tgid}\nNgid:\t${f.ngid}\nPid:\t${t.pid}\nPPid:\t${t.ppid}\nTracerPid:\t${f.tracerPid}\n` +
    `Uid:\t${ids(t.uid)}\nGid:\t${ids(t.gid)}\nFDSize:\t${t.fdSize}\n` +
    // the trailing space is Linux's ("shouldn't have been added in the first place")
    `Groups:\t${t.groups.join(" ")} \n` +
    `NStgid:\t${t.tgid}\nNSpid:\t${t.pid}\nNSpgid:\t${t.pgid}\nNSsid:\t${t.sid}\n` +
    `Kthread:\t${f.kthread}\n`
  );
}

function taskSigCapLines(t: PidStatusTask): string {
  const f = STATUS_FIXED;
  return (
    `Threads:\t${t.threads}\nSigQ:\t${f.sigQueued}/${t.sigQueueLimit}\n` +
    ["SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"].map((k) => `${k}:\t${f.sigset}\n`).join("") +
    `CapInh:\t${hex16(0n)}\nCapPrm:\t${hex16(t.capPermitted)}\nCapEff:\t${hex16(t.capEffective)}\n` +
    `CapBnd:\t${hex16(t.capBounding)}\nCapAmb:\t${hex16(0n)}\n` +
    `NoNewPrivs:\t${f.noNewPrivs}\nSeccomp:\t${f.seccomp}\nSeccomp_filters:\t${f.seccompFilters}\n` +
    `Speculation_Store_Bypass:\t${f.speculationStoreBypass}\nSpeculationIndirectBranch:\t${f.speculationIndirectBranch}\n`
  );
}

function taskCpusLines(): string {
  const f = STATUS_FIXED;
  const cpus = Array.from({ length: f.nrCpuIds }, (_, i) => i);
  const list = f.nrCpuIds === 1 ? "0" : `0-${f.nrCpuIds - 1}`;
  return (
    `Cpus_allowed:\t${bitmapString(f.nrCpuIds, cpus)}\nCpus_allowed_list:\t${list}\n` +
    `Mems_allowed:\t${bitmapString(f.maxNumNodes, [0])}\nMems_allowed_list:\t0\n` +
    `voluntary_ctxt_switches:\t${f.voluntaryCtxtSwitches}\nnonvoluntary_ctxt_switches:\t${f.nonvoluntaryCtxtSwitches}\n`
  );
}

/**
 * The whole of /proc/<pid>/status, in 6.x order: Name, the task_state() block (Kthread is 6.x's),
 * the mm block (task_mem() lines, CoreDumping, THP_enabled, untag_mask) when the task has an mm,
 * then signals, capabilities, seccomp and speculation, CPUs and memory nodes, context switches.
 * Linux: proc_pid_status() (6.6+ layout; no x86_Thread_features lines without CONFIG_X86_USER_SHADOW_STACK).
 */
export function formatPidStatus(t: PidStatusTask, mm: PidStatusMm | null): string {
  const mmLines =
    mm === null
      ? ""
      : mm.status + `CoreDumping:\t${STATUS_FIXED.coreDumping}\nTHP_enabled:\t${mm.thpEnabled ? 1 : 0}\nuntag_mask:\t${STATUS_FIXED.untagMask}\n`;
  return `Name:\t${escapeComm(t.comm)}\n` + taskStateLines(t) + mmLines + taskSigCapLines(t) + taskCpusLines();
}

/** The numbers of /proc/<pid>/statm, in pages. Linux: the outputs of task_statm(). */
export interface TaskStatm {
  readonly size: number;
  readonly resident: number;
  readonly shared: number;
  readonly text: number;
  readonly data: number;
}

/** "size resident shared text lib data dt\n", lib and dt always 0. Linux: proc_pid_statm(). */
export function formatStatm(s: TaskStatm): string {
  return `${s.size} ${s.resident} ${s.shared} ${s.text} 0 ${s.data} 0\n`;
}

/** What statm prints for a task without an mm (a zombie, a kernel thread). Linux: proc_pid_statm()'s else branch. */
export const STATM_NO_MM = "0 0 0 0 0 0 0\n";
