#!/usr/bin/env bash
# capture.sh: runs test/drivers/oracle/*.c on a real Linux 6.12 NOMMU kernel (RISC-V under
# QEMU, through the shared nommu-qemu tool's nommu-run) and writes what it prints to
# test/drivers/fixtures/<name>.txt: mmap-table.txt, which test/drivers/nommu-oracle.test.ts compares
# with the simulated NOMMU column, and shared-joins-copy.txt, a Linux quirk ramfs.test.ts cites.
# CI never runs this: the fixtures are committed.
#
# usage: test/drivers/oracle/capture.sh        env: NOMMU_RUN (path of nommu-run)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=${NOMMU_RUN:-}
if [ -z "$run" ]; then
  for c in "$here/../../../../../../shared/tools/nommu-qemu/nommu-run" /work/shared/tools/nommu-qemu/nommu-run; do
    [ -x "$c" ] && { run=$c; break; }
  done
fi
[ -n "$run" ] && [ -x "$run" ] || { echo "capture.sh: nommu-run not found (set NOMMU_RUN)" >&2; exit 2; }

# the disk: /mnt/file0..7, each two pages less 100 bytes of the table's pattern (byte i = i * 7 + 1)
disk=$(mktemp -d); trap 'rm -rf "$disk"' EXIT
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 1) & 0xff for i in range(2 * 4096 - 100)))' > "$disk/file0"
for i in 1 2 3 4 5 6 7; do cp "$disk/file0" "$disk/file$i"; done

fixtures="$here/../fixtures"
mkdir -p "$fixtures"
for name in mmap-table shared-joins-copy; do
  out="$fixtures/$name.txt"
  {
    echo "# captured by test/drivers/oracle/capture.sh from oracle/$name.c on Linux 6.12 NOMMU (RISC-V, QEMU virt, 64 MiB)"
    "$run" "$here/$name.c" --disk-dir "$disk" --timeout 120
  } > "$out.tmp"
  if [ "$name" = mmap-table ] && [ "$(grep -c $'\t' "$out.tmp")" -ne 8 ]; then
    echo "capture.sh: mmap-table did not print 8 rows; see $out.tmp" >&2; exit 1
  fi
  mv "$out.tmp" "$out"
  cat "$out"
done
