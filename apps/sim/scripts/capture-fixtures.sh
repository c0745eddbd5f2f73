#!/usr/bin/env bash
# Captures the real-program fixtures `mmsim replay` is tested with (issue 7, "Real programs as fixtures").
#
# For each program: `setarch -R strace -f -o trace.txt PROG ARGS...` (ASLR off), and the program's
# /proc/<pid>/maps at its first instruction, read byte for byte from procfs while gdb holds it at
# `starti` with randomization disabled. Both runs get the same argv (absolute program path) and the
# same four-variable environment, so the stack and every mapping start where the traced run had them.
# Writes apps/sim/fixtures/<name>/{trace.txt,maps.txt} and apps/sim/fixtures/README.md.
#
# Usage: apps/sim/scripts/capture-fixtures.sh [name...]   (default: all)
# Needs: Linux, strace, gdb (with Python), setarch, unshare (root, for the IPC namespace), gcc,
# python3, perl, sqlite3, node.
set -euo pipefail

sim=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fixtures=$sim/fixtures
work=/tmp/mmsim-capture
max_bytes=$((1536 * 1024))

for tool in strace gdb setarch unshare gcc; do
  command -v "$tool" >/dev/null || { echo "capture-fixtures: $tool is missing" >&2; exit 1; }
done

rm -rf "$work"
mkdir -p "$work"
cd "$work"
ulimit -c 0 # the SIGSEGV child of `spawn` must not dump core
# PWD is set because gdb starts the program through /bin/sh, which would add it.
run_env=(env -i "PATH=/usr/bin:/bin" "HOME=$work" "LANG=C.UTF-8" "PWD=$work")

gcc -O1 -Wall -o "$work/shm-futex" "$fixtures/shm-futex/shm-futex.c"
gcc -O1 -Wall -pthread -o "$work/spawn" "$fixtures/spawn/spawn.c"

# The maps of PROG ARGS... at its first instruction, into $1; the argv and environment gdb really gave
# the program go to $1.argv / $1.env so that they can be checked against the traced run's.
snapshot_maps() {
  local out=$1
  shift
  "${run_env[@]}" gdb -nx -batch \
    -ex 'set disable-randomization on' \
    -ex 'unset environment LINES' \
    -ex 'unset environment COLUMNS' \
    -ex starti \
    -ex "python import gdb; pid = gdb.selected_inferior().pid; gdb.execute('shell cat /proc/%d/maps > $out' % pid); gdb.execute('shell cat /proc/%d/cmdline > $out.argv' % pid); gdb.execute('shell cat /proc/%d/environ > $out.env' % pid)" \
    -ex kill \
    --args "$@" >/dev/null 2>&1
  [ -s "$out" ] || { echo "capture-fixtures: gdb gave no maps for $*" >&2; exit 1; }
  if ! cmp -s "$out.argv" <(printf '%s\0' "$@"); then
    echo "capture-fixtures: note: gdb started $* with another argv" >&2
  fi
  if ! cmp -s <(tr '\0' '\n' <"$out.env" | sort) <(printf '%s\n' "${run_env[@]:2}" | sort); then
    echo "capture-fixtures: note: gdb's environment differs from the traced run's; the stack may be shifted" >&2
  fi
}

# capture NAME [--ipc] -- PROG ARGS...
capture() {
  local name=$1 ipc=()
  shift
  if [ "$1" = --ipc ]; then ipc=(unshare --ipc); shift; fi
  [ "$1" = -- ] && shift
  local dir=$fixtures/$name
  mkdir -p "$dir"
  "${run_env[@]}" "${ipc[@]}" setarch -R strace -f -o "$dir/trace.txt" "$@" >/dev/null
  snapshot_maps "$work/$name.maps" "$@"
  cp "$work/$name.maps" "$dir/maps.txt"
  local bytes
  bytes=$(wc -c <"$dir/trace.txt")
  if [ "$bytes" -gt "$max_bytes" ]; then
    echo "capture-fixtures: $name: trace is $bytes bytes, over the $max_bytes limit; choose a smaller run" >&2
    exit 1
  fi
  # The first mmap(NULL, ...) the program made and the snapshot's mappings under mmap_base: the result
  # should sit right below the lowest of them (top-down from 0x7ffff7fff000). The tests check it too.
  printf '%-10s %6d lines %8d bytes  first %s\n' "$name" "$(wc -l <"$dir/trace.txt")" "$bytes" \
    "$(grep -m1 -o 'mmap(NULL, [0-9]*, .*) = 0x[0-9a-f]*' "$dir/trace.txt" | sed 's/, PROT.*) =/, …) =/')" >&2
  printf '| `%s` | `%s` | %s | %s |\n' "$name" "${ipc[*]:+${ipc[*]} }$*" "$(wc -l <"$dir/trace.txt")" "$bytes" \
    >>"$work/table.md"
}

selected=" $* "
pick() { [ "$selected" = "  " ] || [[ $selected == *" $1 "* ]]; }

: >"$work/table.md"
pick python3 && capture python3 -- "$(readlink -f /usr/bin/python3)" -c 'import json; print(json.dumps({"a": [1, 2, 3]}))'
pick perl && capture perl -- "$(command -v perl)" -e 'my %h = map { $_ => $_ * 2 } 1 .. 1000; print scalar(keys %h), "\n"'
pick sqlite3 && capture sqlite3 -- "$(command -v sqlite3)" :memory: \
  "create table t(a, b); insert into t values (1, 'x'), (2, 'y'); select count(*), sum(a) from t;"
pick node && capture node -- "$(command -v node)" -e \
  'const a = []; for (let i = 0; i < 2e6; i++) a.push({ i, s: "x" + i }); console.log(a.length)'
pick sh && capture sh -- "$(command -v sh)" -c 'ls >/dev/null; ls / >/dev/null'
pick spawn && capture spawn -- "$work/spawn"
pick shm-futex && capture shm-futex --ipc -- "$work/shm-futex"

# The README is rewritten only by a full capture, so that its table describes every fixture.
[ "$selected" = "  " ] || exit 0
{
  cat <<EOF
# Replay fixtures

Real programs traced on a Linux host, for \`mmsim replay\` (issue 7). Each directory holds:

- \`trace.txt\`: \`setarch -R strace -f -o trace.txt PROG ARGS...\`, the strace text as written, pids and all;
- \`maps.txt\`: the first process's \`/proc/<pid>/maps\` at its first instruction (gdb \`starti\` with
  \`set disable-randomization on\`, then \`cat /proc/<pid>/maps\` from inside gdb), byte for byte;
- for the two C programs, their source (\`spawn.c\`, \`shm-futex.c\`), built with gcc by the script.

Made by \`apps/sim/scripts/capture-fixtures.sh\` (rerun it to refresh them all; it rewrites this file).
ASLR was off in both runs (\`setarch -R\` for strace, gdb's disable-randomization for the snapshot), so
mmap_base is 0x7ffff7fff000 and the first \`mmap(NULL, …)\` of each trace lands right below the lowest
mapping the snapshot has under it; \`test/trace/fixtures.test.ts\` checks this. Both runs got the same
argv (absolute program path) and the same environment (\`PATH=/usr/bin:/bin\`, \`HOME=$work\`,
\`LANG=C.UTF-8\`, \`PWD=$work\`; gdb's \`LINES\`/\`COLUMNS\` removed; the script checks both through
/proc/<pid>/cmdline and environ), so the stack is not shifted between them.
\`shm-futex\` ran in a fresh IPC namespace (\`unshare --ipc\`), so its SysV ids start at 0.

Host: Linux $(uname -r) $(uname -m), $(strace -V | head -n1), $(gdb --version | head -n1),
$(ldd --version 2>&1 | head -n1). Captured $(date -u +%Y-%m-%d).

| fixture | command | lines | bytes |
|---|---|---|---|
EOF
  cat "$work/table.md"
  cat <<'EOF'

What each shows: `python3`, `perl`, `sqlite3` (`:memory:`), `node` (a loop that grows V8's heap: threads,
futexes, many mmap/munmap/mprotect/madvise) are ordinary dynamically linked programs; `sh` forks two
children that exec `ls`; `spawn` makes processes every way a trace shows them (fork as `clone`, `vfork`,
`posix_spawn` as `clone3` with CLONE_VM|CLONE_VFORK, a thread, children killed by SIGKILL and SIGSEGV);
`shm-futex` does SysV shm and shared futex wait/wake between a parent and a forked child, the other
futex operations, and one of each mm and fd call the replay follows, some failing on purpose.
EOF
} >"$fixtures/README.md"
