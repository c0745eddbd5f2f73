import { Errno } from "@mmsim/mm-types";
import { describe, expect, it } from "vitest";
import type { Arg } from "../../src/trace/strace-args.js";
import type { SyscallRecord, TraceEntry, TraceParseError } from "../../src/trace/strace-parse.js";
import { parseStrace } from "../../src/trace/strace-parse.js";

function only(text: string, options?: Parameters<typeof parseStrace>[1]): TraceEntry {
  const entries = parseStrace(text, options);
  expect(entries).toHaveLength(1);
  return entries[0]!;
}

function call(text: string, options?: Parameters<typeof parseStrace>[1]): SyscallRecord {
  const e = only(text, options);
  if (e.kind !== "syscall") throw new Error(`expected a syscall, got ${JSON.stringify(e)}`);
  return e;
}

function error(text: string): TraceParseError {
  const e = parseStrace(text).find((x) => x.kind === "error");
  if (e === undefined || e.kind !== "error") throw new Error(`expected an error for ${text}`);
  return e;
}

const num = (value: number | bigint): Arg => ({ kind: "number", value });
const flags = (names: string[], extra = 0): Arg => ({ kind: "flags", names, extra });

describe("line prefixes", () => {
  it("reads the pid strace -f writes, and the option's pid when there is none", () => {
    expect(call("2920  brk(NULL) = 0x55555555e000").pid).toBe(2920);
    expect(call("[pid  2921] brk(NULL) = 0x1000").pid).toBe(2921);
    expect(call("brk(NULL) = 0x1000").pid).toBe(0);
    expect(call("brk(NULL) = 0x1000", { pid: 77 }).pid).toBe(77);
  });

  it("skips -t, -tt, -ttt and -r timestamps and reads a -T duration", () => {
    for (const prefix of ["12:34:56 ", "12:34:56.123456 ", "1700000000.123456 ", "     0.000123 ", "31  12:34:56.000001 "]) {
      const r = call(`${prefix}munmap(0x7ffff7fb7000, 34775) = 0 <0.000012>`);
      expect(r.name).toBe("munmap");
      expect(r.args).toEqual([num(0x7ffff7fb7000), num(34775)]);
      expect(r.result).toEqual({ kind: "value", value: 0 });
      expect(r.annotation).toBeNull();
    }
  });

  it("skips timestamps before resumed halves, exits and signals too", () => {
    const entries = parseStrace(
      [
        "21288 04:51:16.971000 vfork( <unfinished ...>",
        "21288 04:51:16.971507 <... vfork resumed>) = 21289 <0.000405>",
        "21289 1795323077.016645 +++ exited with 0 +++",
        "21288 04:51:16.993588 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---",
      ].join("\n"),
    );
    expect(entries.map((e) => [e.kind, e.line])).toEqual([
      ["syscall", 1],
      ["exit", 3],
      ["signal", 4],
    ]);
    expect(entries[0]).toMatchObject({ name: "vfork", resumedLine: 2, result: { kind: "value", value: 21289 } });
  });

  it("counts lines from 1, blank lines included, and keeps the raw text", () => {
    const entries = parseStrace("\n5 close(3) = 0\r\n\n5 close(4) = -1 EBADF (Bad file descriptor)\n");
    expect(entries.map((e) => e.line)).toEqual([2, 4]);
    expect(entries[0]!.raw).toBe("5 close(3) = 0");
  });
});

describe("results", () => {
  it.each([
    ["= 0", { kind: "value", value: 0 }, null],
    ["= 4096", { kind: "value", value: 4096 }, null],
    ["= 0x7ffff7fc0000", { kind: "value", value: 0x7ffff7fc0000 }, null],
    ["= ?", { kind: "none" }, null],
    ["= -1 ENOMEM (Cannot allocate memory)", { kind: "errno", errno: Errno.ENOMEM, name: "ENOMEM" }, "Cannot allocate memory"],
    ["= -1 EWOULDBLOCK (Resource temporarily unavailable)", { kind: "errno", errno: Errno.EAGAIN, name: "EWOULDBLOCK" }, "Resource temporarily unavailable"],
    ["= ? ERESTARTSYS (To be restarted if SA_RESTART is set)", { kind: "errno", errno: Errno.ERESTARTSYS, name: "ERESTARTSYS" }, "To be restarted if SA_RESTART is set"],
    ["= 0 (Timeout)", { kind: "value", value: 0 }, "Timeout"],
    ["= 0x8000 (flags O_RDONLY|O_LARGEFILE)", { kind: "value", value: 0x8000 }, "flags O_RDONLY|O_LARGEFILE"],
    ["= 1 ([{fd=3, revents=POLLIN}])", { kind: "value", value: 1 }, "[{fd=3, revents=POLLIN}]"],
    ["= ? <unavailable>", { kind: "none" }, "unavailable"],
    ["= 0xffffffffffffffff", { kind: "value", value: 0xffffffffffffffffn }, null],
  ])("%s", (result, expected, annotation) => {
    const r = call(`1 poll([{fd=3, events=POLLIN}], 1, 0)                   ${result}`);
    expect(r.result).toEqual(expected);
    expect(r.annotation).toBe(annotation);
  });
});

describe("arguments", () => {
  it("reads mm flag sets, octal modes, NULL, AT_FDCWD and comments", () => {
    const mmap = call("1 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fc0000");
    expect(mmap.args).toEqual([{ kind: "null" }, num(8192), flags(["PROT_READ", "PROT_WRITE"]), flags(["MAP_PRIVATE", "MAP_ANONYMOUS"]), num(-1), num(0)]);
    expect(call("1 shmget(IPC_PRIVATE, 4096, IPC_CREAT|0666) = 0").args[2]).toEqual(flags(["IPC_CREAT"], 0o666));
    expect(call("1 shmget(0x17, 4096, 000) = -1 ENOENT (No such file or directory)").args).toEqual([num(0x17), num(4096), num(0)]);
    expect(call(`1 openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3`).args).toEqual([
      flags(["AT_FDCWD"]),
      { kind: "string", value: "/etc/ld.so.cache", truncated: false },
      flags(["O_RDONLY", "O_CLOEXEC"]),
    ]);
    expect(call("1 mmap(NULL, 4096, PROT_READ, 0x100000 /* MAP_??? */, -1, 0) = 0x1000").args[3]).toEqual(num(0x100000));
    expect(call("1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|0x400000, -1, 0) = 0x1000").args[3]).toEqual(flags(["MAP_PRIVATE"], 0x400000));
    expect(call("1 futex(0x5722f90, FUTEX_WAIT_PRIVATE, 0, NULL) = 0").args[1]).toEqual(flags(["FUTEX_WAIT_PRIVATE"]));
    const exec = call(`1 execve("/bin/sh", ["sh", "-c", "ls"], 0x7fffffffe818 /* 35 vars */) = 0`);
    expect(exec.args[2]).toEqual(num(0x7fffffffe818));
  });

  it("reads shifts and products into names or numbers", () => {
    const r = call("1 futex(0x7ffff7fbf00c, FUTEX_WAKE_OP, 1, 1, 0x7ffff7fbf010, FUTEX_OP_ADD<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0) = 0");
    expect(r.args[5]).toEqual(flags(["FUTEX_OP_ADD<<28", "FUTEX_OP_CMP_GT<<24"], 0x1000));
    const lim = call("1 prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0", { parseArgs: "all" });
    expect(lim.args[3]).toEqual({ kind: "struct", fields: [{ ...num(8 << 20), name: "rlim_cur" }, { ...flags(["RLIM64_INFINITY"]), name: "rlim_max" }], truncated: false });
    expect(call("1 mmap(NULL, 2097152, PROT_READ, MAP_PRIVATE|MAP_HUGETLB|21<<MAP_HUGE_SHIFT, -1, 0) = 0x1000").args[3]).toEqual(
      flags(["MAP_PRIVATE", "MAP_HUGETLB", "21<<MAP_HUGE_SHIFT"]),
    );
  });

  it("keeps numbers above 2^53 exact as bigint", () => {
    expect(call("1 madvise(0xffffffffffffffff, 4096, MADV_DONTNEED) = -1 EINVAL (Invalid argument)").args[0]).toEqual(num(0xffffffffffffffffn));
    expect(call("1 brk(18446744073709551615) = 0x1000").args[0]).toEqual(num(18446744073709551615n));
    expect(call("1 brk(9007199254740991) = 0x1000").args[0]).toEqual(num(Number.MAX_SAFE_INTEGER));
  });

  it("unescapes strings and marks strace's truncation", () => {
    const r = call(String.raw`1 read(3, "\177ELF\2\1\1\3\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\20t\2\0\0\0\0\0"..., 832) = 832`, { parseArgs: "all" });
    expect(r.args[1]).toEqual({ kind: "string", value: "\x7fELF\x02\x01\x01\x03\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\x10t\x02\0\0\0\0\0", truncated: true });
    const s = call(String.raw`1 write(1, "a\"b\\c\n\t\x58\377\0010", 9) = 9`, { parseArgs: "all" });
    expect(s.args[1]).toEqual({ kind: "string", value: 'a"b\\c\n\tX\xff\x010', truncated: false });
  });

  it("reads arrays, nested structs, omitted fields and named arguments", () => {
    const shm = call(
      "1 shmctl(0, IPC_STAT, {shm_perm={uid=0, gid=0, mode=0666, key=23, cuid=0, cgid=0}, shm_segsz=4096, shm_cpid=13558, shm_lpid=13559, shm_nattch=3, shm_atime=1795321359, shm_dtime=0, shm_ctime=1795321359}) = 0",
    );
    const ds = shm.args[2];
    if (ds?.kind !== "struct") throw new Error("expected a struct");
    expect(ds.fields[0]).toEqual({
      kind: "struct",
      name: "shm_perm",
      truncated: false,
      fields: [{ ...num(0), name: "uid" }, { ...num(0), name: "gid" }, { ...num(0o666), name: "mode" }, { ...num(23), name: "key" }, { ...num(0), name: "cuid" }, { ...num(0), name: "cgid" }],
    });
    expect(ds.fields.map((f) => f.name)).toEqual(["shm_perm", "shm_segsz", "shm_cpid", "shm_lpid", "shm_nattch", "shm_atime", "shm_dtime", "shm_ctime"]);
    const stat = call(`1 newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=34775, ...}, AT_EMPTY_PATH) = 0`, { parseArgs: "all" });
    expect(stat.args[2]).toEqual({ kind: "struct", truncated: true, fields: [{ ...flags(["S_IFREG"], 0o644), name: "st_mode" }, { ...num(34775), name: "st_size" }] });
    const exec = call(`1 execve("/usr/bin/node", ["node", "-e", "const a=[];for(let i=0;i<2e6;i++"...], 0x7fffffffeda8 /* 3 vars */) = 0`);
    expect(exec.args[1]).toEqual({
      kind: "array",
      truncated: false,
      items: [
        { kind: "string", value: "node", truncated: false },
        { kind: "string", value: "-e", truncated: false },
        { kind: "string", value: "const a=[];for(let i=0;i<2e6;i++", truncated: true },
      ],
    });
    const clone = call("1 clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK|SIGCHLD, child_tidptr=0x7ffff7dcfa10) = 13559");
    expect(clone.args).toEqual([{ kind: "null", name: "child_stack" }, { ...flags(["CLONE_VM", "CLONE_VFORK", "SIGCHLD"]), name: "flags" }, { ...num(0x7ffff7dcfa10), name: "child_tidptr" }]);
    expect(call("1 getdents64(3, [...], 32768) = 0", { parseArgs: "all" }).args[1]).toEqual({ kind: "array", items: [], truncated: true });
  });

  it("reads `before => after` values", () => {
    const r = call("1 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7ffff7fb7000, stack_size=0x9000} => {parent_tid=[11900]}, 88) = 11900");
    expect(r.args[0]?.after).toEqual({ kind: "struct", truncated: false, fields: [{ kind: "array", name: "parent_tid", truncated: false, items: [num(11900)] }] });
    expect(r.args[1]).toEqual(num(88));
  });

  it("keeps what it does not interpret as raw text", () => {
    const all = { parseArgs: "all" } as const;
    expect(call("1 rt_sigprocmask(SIG_BLOCK, ~[RTMIN RT_1], [], 8) = 0", all).args[1]).toEqual({ kind: "raw", text: "~[RTMIN RT_1]" });
    expect(call("1 rt_sigprocmask(SIG_UNBLOCK, [INT QUIT], NULL, 8) = 0", all).args[1]).toEqual({ kind: "array", truncated: false, items: [{ kind: "raw", text: "INT QUIT" }] });
    expect(call("1 newfstatat(AT_FDCWD, \"/dev/null\", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, 0) = 0", all).args[2]).toEqual({
      kind: "struct",
      truncated: true,
      fields: [{ ...flags(["S_IFCHR"], 0o666), name: "st_mode" }, { kind: "raw", text: "makedev(0x1, 0x3)", name: "st_rdev" }],
    });
    expect(call("1 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 1234", all).args[1]).toEqual({
      kind: "array",
      truncated: false,
      items: [{ kind: "struct", truncated: false, fields: [{ kind: "raw", text: "WIFEXITED(s) && WEXITSTATUS(s) == 0" }] }],
    });
    expect(call("1 restart_syscall(<... resuming interrupted futex ...>) = 0", all).args).toEqual([{ kind: "raw", text: "<... resuming interrupted futex ...>" }]);
  });

  it("reads the arguments of syscalls it does not replay loosely, unless asked", () => {
    const line = `1 read(3, "\\177ELF\\2"..., 832) = 832`;
    const loose = call(line);
    expect(loose.argsParsed).toBe(false);
    expect(loose.args).toEqual([{ kind: "raw", text: `3, "\\177ELF\\2"..., 832` }]);
    expect(call("1 getpid() = 1").args).toEqual([]);
    const full = call(line, { parseArgs: "all" });
    expect(full.argsParsed).toBe(true);
    expect(full.args).toHaveLength(3);
  });
});

describe("unfinished and resumed calls", () => {
  const trace = [
    "11899 futex(0x5722f90, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, FUTEX_BITSET_MATCH_ANY <unfinished ...>",
    "11900 epoll_ctl(9, EPOLL_CTL_ADD, 11, {events=EPOLLIN, data={u32=11, u64=11}} <unfinished ...>",
    "11899 <... futex resumed>)              = 0",
    "11899 prlimit64(0, RLIMIT_STACK, NULL,  <unfinished ...>",
    "11900 <... epoll_ctl resumed>)          = 0",
    "11899 <... prlimit64 resumed>{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0",
  ].join("\n");

  it("merges each pair into one call with both line numbers, in start order by default", () => {
    const calls = parseStrace(trace) as SyscallRecord[];
    expect(calls.map((c) => [c.name, c.pid, c.line, c.resumedLine])).toEqual([
      ["futex", 11899, 1, 3],
      ["epoll_ctl", 11900, 2, 5],
      ["prlimit64", 11899, 4, 6],
    ]);
    expect(calls[0]!.args).toEqual([num(0x5722f90), flags(["FUTEX_WAIT_BITSET_PRIVATE", "FUTEX_CLOCK_REALTIME"]), num(0), { kind: "null" }, flags(["FUTEX_BITSET_MATCH_ANY"])]);
    expect(calls[0]!.raw).toBe(`${trace.split("\n")[0]}\n${trace.split("\n")[2]}`);
    expect(calls[2]!.args).toEqual([{ kind: "raw", text: "0, RLIMIT_STACK, NULL,{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}" }]);
    const all = parseStrace(trace, { parseArgs: "all" }) as SyscallRecord[];
    expect(all[2]!.args.map((a) => a.kind)).toEqual(["number", "flags", "null", "struct"]);
  });

  it("puts them at their resumed line in end order", () => {
    const calls = parseStrace(trace, { order: "end" }) as SyscallRecord[];
    expect(calls.map((c) => c.line)).toEqual([1, 2, 4]);
    expect(calls.map((c) => c.resumedLine)).toEqual([3, 5, 6]);
  });

  it("keeps a fork before its child's lines, with the child's pid as its result", () => {
    const calls = parseStrace(
      [
        "13967 vfork( <unfinished ...>",
        '13969 execve("/bin/true", ["true"], 0x7fffffffe818 /* 35 vars */ <unfinished ...>',
        "13967 <... vfork resumed>)              = 13969",
        "13969 <... execve resumed>)             = 0",
      ].join("\n"),
    ) as SyscallRecord[];
    expect(calls.map((c) => [c.name, c.result])).toEqual([
      ["vfork", { kind: "value", value: 13969 }],
      ["execve", { kind: "value", value: 0 }],
    ]);
  });

  it("gives a call that never resumes no result, at its process's end or the trace's", () => {
    const entries = parseStrace(
      [
        "7 futex(0x1000, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>",
        "8 read(3,  <unfinished ...>",
        "7 +++ killed by SIGKILL +++",
      ].join("\n"),
    );
    expect(entries.map((e) => e.kind)).toEqual(["syscall", "syscall", "exit"]);
    const [futex, read] = entries as SyscallRecord[];
    expect(futex!.result).toEqual({ kind: "none" });
    expect(futex!.resumedLine).toBeNull();
    expect(futex!.args).toHaveLength(4);
    expect(read!.result).toEqual({ kind: "none" });
    expect(read!.args).toEqual([{ kind: "raw", text: "3," }]);
  });

  it("reads a call split before any of its arguments, or before its ')', as the same call on one line", () => {
    const lines = [
      "1 futex(0x7ffff7e1a9f0, FUTEX_WAIT_PRIVATE, 2, NULL) = -1 EAGAIN (Resource temporarily unavailable)",
      "1 mmap(NULL, 262144, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = 0x2b1e7a600000",
      "1 madvise(0x7fffcc090000, 147456, MADV_DONTNEED)  = 0 <0.000012>",
      '1 openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3',
      '1 read(3, "\\177ELF, \\"(\\2"..., 832)   = 832',
      "1 prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0",
      "1 exit_group(0)                     = ?",
    ];
    const same = (r: SyscallRecord): unknown => [r.pid, r.name, r.args, r.argsParsed, r.result, r.annotation];
    for (const line of lines) {
      const open = line.indexOf("(");
      const close = line.lastIndexOf(")", line.lastIndexOf(" = "));
      // strace splits where it stops printing: after '(' or a ", " between arguments, or before ')'
      const cuts = [open + 1, close];
      for (let depth = 0, k = open + 1, quoted = false; k < close; k++) {
        const c = line[k]!;
        if (quoted) {
          if (c === "\\") k++;
          else if (c === '"') quoted = false;
        } else if (c === '"') quoted = true;
        else if ("{[(".includes(c)) depth++;
        else if ("}])".includes(c)) depth--;
        else if (c === "," && depth === 0) cuts.push(k + 2);
      }
      for (const cut of cuts) {
        const name = line.slice(2, open);
        const split = `${line.slice(0, cut)} <unfinished ...>\n1 <... ${name} resumed>${line.slice(cut)}`;
        for (const parseArgs of cut === close ? (["replayed", "all"] as const) : (["all"] as const)) {
          const r = call(split, { parseArgs });
          expect([r.line, r.resumedLine], split).toEqual([1, 2]);
          expect(same(r), split).toEqual(same(call(line, { parseArgs })));
        }
      }
    }
  });

  it("names the start line of a split call whose first half has broken arguments", () => {
    expect(error('1 mmap(NULL, "oops <unfinished ...>\n1 <... mmap resumed>) = 0x1000').error).toMatch(/^line 1: expected '"' to close a string/);
    const loose = call('1 ioctl(1, TCGETS, {B38400 [ <unfinished ...>\n1 <... ioctl resumed>) = 0');
    expect([loose.argsParsed, loose.args, loose.resumedLine]).toEqual([false, [{ kind: "raw", text: "1, TCGETS, {B38400 [" }], 2]);
  });

  it("reads a resumed half with no start (a thread strace met mid-call) on its own", () => {
    const r = call("13971 <... set_robust_list resumed>)    = 0");
    expect([r.name, r.line, r.resumedLine, r.args, r.result]).toEqual(["set_robust_list", 1, 1, [], { kind: "value", value: 0 }]);
  });
});

describe("exits and signals", () => {
  it("reads exits, kills and supersessions", () => {
    const e = parseStrace(
      ["1 +++ exited with 0 +++", "2 +++ exited with 139 +++", "3 +++ killed by SIGKILL +++", "4 +++ killed by SIGSEGV (core dumped) +++", "5 +++ superseded by execve in pid 9 +++"].join("\n"),
    );
    expect(e.map((x) => (x.kind === "exit" ? [x.pid, x.how, x.exitCode, x.signal, x.coreDumped, x.newPid] : x))).toEqual([
      [1, "exited", 0, null, false, null],
      [2, "exited", 139, null, false, null],
      [3, "killed", null, "SIGKILL", false, null],
      [4, "killed", null, "SIGSEGV", true, null],
      [5, "superseded", null, null, false, 9],
    ]);
  });

  it("reads delivered signals with their siginfo", () => {
    const s = only("13558 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=13559, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---");
    if (s.kind !== "signal") throw new Error("expected a signal");
    expect(s.signal).toBe("SIGCHLD");
    expect(s.info?.kind === "struct" && s.info.fields.find((f) => f.name === "si_pid")).toEqual({ ...num(13559), name: "si_pid" });
    expect(only("1 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---")).toMatchObject({ kind: "signal", signal: "SIGSEGV" });
    expect(only("1 --- stopped by SIGSTOP ---")).toMatchObject({ kind: "signal", signal: "SIGSTOP", info: null });
  });
});

describe("malformed lines", () => {
  it.each([
    ['1 openat(AT_FDCWD, "/etc/passwd, O_RDONLY) = 3', /expected '"' to close a string/],
    ["1 mmap(NULL, 4096, PROT_READ = 0x1000", /expected '\)' before ' = '/],
    ["1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0)", /expected '\) = ' and a result/],
    ["1 mmap(NULL, 4096) = ", /expected a return value after '= '/],
    ["1 mmap(NULL, 4096) = -1 ENOTANERRNO (Nope)", /expected an errno name after '-1', found 'ENOTANERRNO'/],
    ["1 mmap(NULL, 4096) = 0x1000 junk", /expected the end of the line after the result/],
    ["1 shmctl(0, IPC_STAT, {shm_perm={uid=0, shm_segsz=1) = 0", /expected ',' or '\}', found end of line/],
    ["1 shmctl(0, IPC_STAT, [1, 2}) = 0", /expected ',' or '\]', found '\}/],
    ["1 futex(0x1000, FUTEX_WAIT, 0, {tv_sec=1, tv_nsec=0]) = 0", /expected ',' or '\}', found '\]'/],
    ['1 execve("/bin/true", ["true", 0x7ffe) = 0', /expected ',' or '\]', found end of line/],
    ["1 +++ vanished +++", /expected 'exited with N', 'killed by SIG…'/],
    ["1 +++ exited with 0", /expected ' \+\+\+' at the end/],
    ["1 --- {si_signo=1} ---", /expected a signal name after '---'/],
    ["1 --- SIGCHLD {si_signo=SIGCHLD ---", /expected ',' or '\}', found end of line/],
    ["hello world", /expected a syscall name and '\(', found 'hello world'/],
    ["1 <... futex resumed", /expected '<\.\.\. NAME resumed>'/],
    ["[pid x] brk(NULL) = 0", /expected a pid and '\]' after '\[pid'/],
    ["1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0 /* open comment) = 0x1000", /expected '\*\/' to close a comment/],
  ])("%s", (text, expected) => {
    const next = "2 close(3) = 0";
    const entries = parseStrace(`${text}\n${next}`);
    const e = error(`${text}\n${next}`);
    expect(e.line).toBe(1);
    expect(e.error).toMatch(/^line 1: /);
    expect(e.error).toMatch(expected);
    expect(e.raw).toBe(text);
    expect(e.error).not.toContain("close(3)");
    // parsing goes on after the bad line
    expect(entries.at(-1)).toMatchObject({ kind: "syscall", name: "close", line: 2 });
  });

  it("names the line of a malformed call split across two lines by its start", () => {
    const e = error("1 mmap(NULL, 4096 <unfinished ...>\n2 close(0) = 0\n1 <... mmap resumed>, PROT_READ = 0x1000");
    expect(e.error).toMatch(/^line 1: expected '\)' before ' = '/);
  });
});
