#!/usr/bin/env bash
# Mount-cycle benchmark: N cycles of mount + unmount of an already formatted
# vfs volume through `rexray volume mount/unmount`, against the same work by
# hand (losetup, mount, umount, losetup -d) in the same run. Prints both
# medians and the ratio. Usage: bench/mount_cycle.sh path/to/rexray [cycles]
set -euo pipefail
REXRAY=${1:?usage: $0 path/to/rexray [cycles]}
CYCLES=${2:-30}
export REXRAY_HOME=$(mktemp -d /tmp/rexray-bench.XXXXXX)
# shellcheck source=bench/record.sh
source "$(dirname "$0")/record.sh"
manual_mp=$REXRAY_HOME/manual

cleanup() {
  awk -v home="$REXRAY_HOME" '$2 ~ "^"home {print $2}' /proc/self/mounts | sort -r |
    while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
  for f in /sys/block/loop*/loop/backing_file; do
    [[ -e $f ]] && grep -q "^$REXRAY_HOME" "$f" 2>/dev/null &&
      losetup -d "/dev/$(basename "$(dirname "$(dirname "$f")")")" 2>/dev/null || true
  done
  rm -rf "$REXRAY_HOME"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

"$REXRAY" volume create bench --size 1 >/dev/null
"$REXRAY" volume mount bench >/dev/null # formats it once
"$REXRAY" volume unmount bench
img=$(ls "$REXRAY_HOME"/var/lib/rexray/vfs/volumes/*.img)
mkdir -p "$manual_mp"

rexray_times=() manual_times=()
for ((i = 0; i < CYCLES; i++)); do
  t0=$(now_ns)
  "$REXRAY" volume mount bench >/dev/null
  "$REXRAY" volume unmount bench
  t1=$(now_ns)
  dev=$(losetup --find --show "$img")
  mount -t ext4 "$dev" "$manual_mp"
  umount "$manual_mp"
  losetup -d "$dev"
  t2=$(now_ns)
  rexray_times+=($(((t1 - t0) / 1000)))
  manual_times+=($(((t2 - t1) / 1000)))
done

r=$(printf '%s\n' "${rexray_times[@]}" | median)
m=$(printf '%s\n' "${manual_times[@]}" | median)
awk -v r="$r" -v m="$m" -v n="$CYCLES" 'BEGIN {
  printf "mount+unmount cycle, %d cycles, median:\n", n
  printf "  rexray volume mount/unmount   %8.1f ms\n", r / 1000
  printf "  losetup+mount+umount+losetup  %8.1f ms\n", m / 1000
  printf "  ratio                         %8.2fx (target <= 1.5x)\n", r / m
}'
ratio=$(awk -v r="$r" -v m="$m" 'BEGIN {printf "%.2f", r / m}')
record "\`rexray volume mount\` + \`unmount\` with no daemon vs losetup+mount+umount+losetup -d" \
  "bench/mount_cycle.sh BUILD/bin/rexray" "<= 1.5x" \
  "$(awk -v r="$r" 'BEGIN {printf "%.1f", r / 1000}') ms vs $(awk -v m="$m" 'BEGIN {printf "%.1f", m / 1000}') ms = $ratio" \
  "x" "$(awk -v x="$ratio" 'BEGIN {print (x <= 1.5) ? "true" : "false"}')"
