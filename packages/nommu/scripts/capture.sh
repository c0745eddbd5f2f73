#!/usr/bin/env bash
# capture.sh: runs the oracle programs of test/oracle/ on a real Linux 6.12 NOMMU kernel (RISC-V
# under QEMU, through nommu-run of the shared nommu-qemu tool) and writes what they print to
# test/fixtures/<name>.txt, the files test/replay.test.ts replays on NommuBackend. CI never runs
# this: the fixtures are committed. The first run of nommu-run builds the kernel (~5 min).
#
# usage: scripts/capture.sh [NAME...]     (default: every test/oracle/*.c)
# env:   NOMMU_RUN (default ../../../shared/tools/nommu-qemu/nommu-run from the repo, or
#        /work/shared/tools/nommu-qemu/nommu-run)
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

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$pkg"/test/oracle/*.c; do names+=("$(basename "$f" .c)"); done
fi
mkdir -p "$pkg/test/fixtures"
for n in "${names[@]}"; do
  src="$pkg/test/oracle/$n.c"
  [ -f "$src" ] || { echo "capture.sh: no $src" >&2; exit 2; }
  out="$pkg/test/fixtures/$n.txt"
  echo "capture.sh: $n" >&2
  {
    echo "# captured by scripts/capture.sh from test/oracle/$n.c on Linux 6.12 NOMMU (RISC-V, QEMU virt, 64 MiB)"
    "$run" "$src" --disk-dir "$disk" --timeout 120
  } > "$out.tmp"
  # a run that stopped early (an oops, a timeout) has no final snapshot: keep the old fixture
  if ! grep -q '^## end meminfo 1 end$' "$out.tmp"; then
    echo "capture.sh: $n did not finish (see $out.tmp; rerun nommu-run with --raw)" >&2; exit 1
  fi
  mv "$out.tmp" "$out"
done
