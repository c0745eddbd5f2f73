#!/usr/bin/env bash
# capture.sh: runs the oracle programs of test/oracle/ on a real Linux 6.12 NOMMU kernel (RISC-V
# under QEMU, through nommu-run of the shared nommu-qemu tool) and writes what they print to
# test/fixtures/<name>.txt, the files test/replay.test.ts replays on NommuBackend. CI never runs
# this: the fixtures are committed. The first run of nommu-run builds the kernel (~5 min).
#
# usage: scripts/capture.sh [NAME...]     (default: every test/oracle/*.c, random.c once per seed)
#   NAME is an oracle (files, ramfs, ...) or random-N: test/oracle/random.c built with -DSEED=N,
#   written to test/fixtures/random-N.txt.
# env:   NOMMU_RUN (default ../../../shared/tools/nommu-qemu/nommu-run from the repo, or
#        /work/shared/tools/nommu-qemu/nommu-run)
#        RANDOM_SEEDS (default "1 2 3 4 5 6"): the seeds random.c runs with by default
set -euo pipefail
pkg=$(cd "$(dirname "$0")/.." && pwd)
run=${NOMMU_RUN:-}
if [ -z "$run" ]; then
  for c in "$pkg/../../../shared/tools/nommu-qemu/nommu-run" /work/shared/tools/nommu-qemu/nommu-run; do
    [ -x "$c" ] && { run=$c; break; }
  done
fi
[ -n "$run" ] && [ -x "$run" ] || { echo "capture.sh: nommu-run not found (set NOMMU_RUN)" >&2; exit 2; }

# the disk files.c maps (an ext2 image on /mnt): a fixed pseudo-random pattern, so reruns match
disk=$(mktemp -d); trap 'rm -rf "$disk"' EXIT
pattern() { { yes 'mmsim nommu oracle 0123456789abcdef' || true; } | head -c "$1"; }
pattern $((5 * 4096 + 1000)) > "$disk/data.bin"
pattern 100 > "$disk/small.bin"
pattern $((11 * 4096 + 1234)) > "$disk/big.bin"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$pkg"/test/oracle/*.c; do
    b=$(basename "$f" .c)
    if [ "$b" = random ]; then
      for seed in ${RANDOM_SEEDS:-1 2 3 4 5 6}; do names+=("random-$seed"); done
    else
      names+=("$b")
    fi
  done
fi
mkdir -p "$pkg/test/fixtures"
for n in "${names[@]}"; do
  cflags=""; what="test/oracle/$n.c"
  src="$pkg/test/oracle/$n.c"
  if [[ "$n" =~ ^random-([0-9]+)$ ]]; then
    src="$pkg/test/oracle/random.c"; cflags="-DSEED=${BASH_REMATCH[1]}"; what="test/oracle/random.c with $cflags"
  fi
  [ -f "$src" ] || { echo "capture.sh: no $src" >&2; exit 2; }
  out="$pkg/test/fixtures/$n.txt"
  echo "capture.sh: $n" >&2
  {
    echo "# captured by scripts/capture.sh from $what on Linux 6.12 NOMMU (RISC-V, QEMU virt, 64 MiB)"
    "$run" "$src" --disk-dir "$disk" --timeout 120 --cflags "$cflags"
  } > "$out.tmp"
  # a run that stopped early (an oops, a timeout) has no final snapshot: keep the old fixture
  if ! grep -q '^## end meminfo 1 end$' "$out.tmp"; then
    echo "capture.sh: $n did not finish (see $out.tmp; rerun nommu-run with --raw)" >&2; exit 1
  fi
  # random.c checks every result against its model of the kernel and stops where they differ
  if grep -q '^## model: ' "$out.tmp"; then
    echo "capture.sh: $n: the oracle's model disagreed with the kernel (see $out.tmp)" >&2; exit 1
  fi
  mv "$out.tmp" "$out"
done
