#!/usr/bin/env bash
# Docker volume-plugin API benchmark against the real daemon.
#
#   bench/docker_api.sh path/to/rexray path/to/docker_api_load
#
# In a private REXRAY_HOME with the vfs driver it measures:
#   1. start-to-socket-ready: from exec of `rexray start -f --nopid` to the
#      first 200 for POST /VolumeDriver.Capabilities on the plugin socket,
#      5 runs (the first one cold: empty REXRAY_HOME), median reported;
#   2. creates vol-0..vol-99 (sparse vfs files, never attached);
#   3. Capabilities, Get, Path, List (List with 100 volumes) at 1 and 16
#      keep-alive connections, 5 s each after 1 s warm-up: req/s, p50, p99, errors
#      (errors = non-200, 200 with a non-empty "Err", socket/protocol errors);
#   4. the daemon's idle RSS (VmRSS after 2 s idle);
#   5. Get@16 as a percentage of Capabilities@16.
# Every exit path stops the daemon (SIGTERM, wait, SIGKILL) and removes the
# temp dir, after checking that no loop device or mount points into it.
#
# Environment: BENCH_SECONDS (5), BENCH_WARMUP (1), BENCH_VOLUMES (100),
# BENCH_START_RUNS (5).
set -euo pipefail

usage="usage: $0 path/to/rexray path/to/docker_api_load"
REXRAY=$(realpath -e "${1:?$usage}")
LOAD=$(realpath -e "${2:?$usage}")
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-1}
NVOL=${BENCH_VOLUMES:-100}
START_RUNS=${BENCH_START_RUNS:-5}

REXRAY_HOME=$(mktemp -d /tmp/rexray-dapi.XXXXXX)
export REXRAY_HOME
export REXRAY_STORAGEDRIVERS=vfs
SOCK=$REXRAY_HOME/run/docker/plugins/rexray.sock
# shellcheck source=bench/record.sh
source "$(dirname "$0")/record.sh"
CMD="bench/docker_api.sh BUILD/bin/rexray BUILD/bin/docker_api_load"
met() { awk -v v="$1" -v t="$3" "BEGIN { exit !(v $2 t) }" && echo true || echo false; }
LOG=$REXRAY_HOME/daemon.log
DAEMON_PID=
STOP_MS=0 STOP_HOW=none STOP_RC=0
START_US=

log() { printf '%s\n' "$*" >&2; }

# Stops the daemon: SIGTERM, up to 10 s, then SIGKILL. Sets STOP_MS, STOP_HOW
# (how it ended) and STOP_RC (its exit status).
stop_daemon() {
  STOP_MS=0 STOP_HOW=none STOP_RC=0
  [[ -n $DAEMON_PID ]] || return 0
  local pid=$DAEMON_PID t0=${EPOCHREALTIME/./}
  DAEMON_PID=
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    STOP_HOW=SIGTERM
    # One process that polls every 2 ms, rather than forking a sleep each time.
    timeout 10 tail --pid="$pid" -s 0.002 -f /dev/null || true
    if kill -0 "$pid" 2>/dev/null; then
      log "warning: daemon $pid still running 10 s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      STOP_HOW=SIGKILL
    fi
  else
    STOP_HOW=already-dead
  fi
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  STOP_RC=$rc
  STOP_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# Loop devices backed by, and mounts under, REXRAY_HOME. Prints them; returns
# 1 when there are any.
check_leftovers() {
  local found=0 f dev
  for f in /sys/block/loop*/loop/backing_file; do
    [[ -e $f ]] || continue
    if grep -q "^$REXRAY_HOME" "$f" 2>/dev/null; then
      dev=/dev/$(basename "$(dirname "$(dirname "$f")")")
      log "leftover loop device: $dev -> $(cat "$f")"
      found=1
    fi
  done
  while read -r mp; do
    log "leftover mount: $mp"
    found=1
  done < <(awk -v home="$REXRAY_HOME" 'index($2, home) == 1 {print $2}' /proc/self/mounts)
  return $found
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_daemon
  if ((rc != 0)) && [[ -s $LOG ]]; then
    log "--- last lines of the daemon log ($LOG) ---"
    tail -n 30 "$LOG" >&2 || true
  fi
  if ! check_leftovers; then
    # Not expected (nothing is attached here), but never leave them behind.
    awk -v home="$REXRAY_HOME" 'index($2, home) == 1 {print $2}' /proc/self/mounts | sort -r |
      while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
    for f in /sys/block/loop*/loop/backing_file; do
      if [[ -e $f ]] && grep -q "^$REXRAY_HOME" "$f" 2>/dev/null; then
        losetup -d "/dev/$(basename "$(dirname "$(dirname "$f")")")" 2>/dev/null || true
      fi
    done
    ((rc != 0)) || rc=1
  fi
  rm -rf "$REXRAY_HOME"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_daemon() {
  START_US=${EPOCHREALTIME/./}
  "$REXRAY" start -f --nopid >>"$LOG" 2>&1 &
  DAEMON_PID=$!
}

# Prints ms from START_US to the first 200 for Capabilities, or fails.
wait_ready() {
  local ms
  if ! ms=$("$LOAD" --socket "$SOCK" --wait-ready --timeout-ms 5000 --since-us "$START_US" \
    --watch-pid "$DAEMON_PID" 2>/dev/null); then
    if kill -0 "$DAEMON_PID" 2>/dev/null; then
      log "error: $SOCK not answering Capabilities 5 s after start"
    else
      log "error: the daemon exited before its socket was ready"
    fi
    return 1
  fi
  printf '%s\n' "$ms"
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

kv() { # kv KEY LINE: the value of KEY=... in a docker_api_load --kv line
  awk -v k="$1" '{for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2)}' <<<"$2"
}

echo "rexray:          $REXRAY"
echo "REXRAY_HOME:     $REXRAY_HOME (vfs)"
echo "host:            $(nproc) CPU(s), $(uname -r), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# ---- 1. start-to-socket-ready ----------------------------------------------
ready_ms=() stop_notes=()
for ((run = 1; run <= START_RUNS; run++)); do
  start_daemon
  ms=$(wait_ready)
  ready_ms+=("$ms")
  if ((run < START_RUNS)); then
    stop_daemon
    stop_notes+=("${STOP_MS}ms/${STOP_HOW}/rc=${STOP_RC}")
    [[ -e $SOCK ]] && log "note: $SOCK still exists after the daemon stopped (run $run)"
  fi
done
printf 'start-to-socket-ready (exec -> first Capabilities 200), %d runs: %s ms\n' \
  "$START_RUNS" "${ready_ms[*]}"
printf '  median %s ms (run 1 is cold: empty REXRAY_HOME)\n' "$(printf '%s\n' "${ready_ms[@]}" | median)"
ready_median=$(printf '%s\n' "${ready_ms[@]}" | median)
record "Start to socket ready (exec to the first Capabilities answer), median of $START_RUNS" \
  "$CMD" "<= 50 ms" "$ready_median" " ms" "$(met "$ready_median" '<=' 50)"
printf '  SIGTERM-to-exit between runs: %s\n' "${stop_notes[*]:-n/a}"

# Idle after start: no volume, no request but the readiness probe.
sleep 2
start_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status")
start_anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$DAEMON_PID/status")
start_rss_mib=$(awk -v k="$start_rss" 'BEGIN {printf "%.1f", k / 1024}')
printf 'daemon idle RSS 2 s after start: %s MiB (anonymous %s MiB)\n' "$start_rss_mib" \
  "$(awk -v k="$start_anon" 'BEGIN {printf "%.1f", k / 1024}')"
record "Idle RSS after start; of it anonymous (heap)" "$CMD" "<= 8 MiB" \
  "$start_rss_mib MiB; $(awk -v k="$start_anon" 'BEGIN {printf "%.1f", k / 1024}') MiB" "" \
  "$(met "$start_rss_mib" '<=' 8)"
echo

# ---- 2. volumes ------------------------------------------------------------
t0=${EPOCHREALTIME/./}
out=$("$LOAD" --socket "$SOCK" --method VolumeDriver.Create --bodies-from-names "$NVOL" \
  --body-template '{"Name":"vol-%d","Opts":{"size":"1"}}' --connections 1 --requests "$NVOL" \
  --warmup-seconds 0 --max-seconds 600 --io-timeout-ms 120000 --check-err --kv) || true
t1=${EPOCHREALTIME/./}
if [[ -z $out || $(kv errors "$out") != 0 || $(kv responses "$out") != "$NVOL" ]]; then
  log "error: creating $NVOL volumes failed: ${out:-no output}"
  "$LOAD" --socket "$SOCK" --once --method VolumeDriver.Create --body '{"Name":"vol-0","Opts":{"size":"1"}}' >&2 || true
  exit 1
fi
printf 'created %d volumes (sequential, 1 connection) in %d ms: p50 %s us, p99 %s us\n' \
  "$NVOL" $(((t1 - t0) / 1000)) "$(kv p50_us "$out")" "$(kv p99_us "$out")"
list=$("$LOAD" --socket "$SOCK" --once --method VolumeDriver.List --body '{}')
nlisted=$(grep -o '"Name"' <<<"$list" | wc -l)
printf 'List returns %d volume(s), %d bytes\n' "$nlisted" "$((${#list} - 4))"
if ((nlisted != NVOL)); then
  log "error: List should return $NVOL volumes: ${list:0:300}"
  exit 1
fi
get=$("$LOAD" --socket "$SOCK" --once --method VolumeDriver.Get --body '{"Name":"vol-7"}' --check-err)
printf 'Get vol-7: %s\n' "${get#200 }"
echo

# ---- 3. load ---------------------------------------------------------------
declare -A RPS
notes=()
printf '%-28s %5s %10s %10s %10s %7s\n' method conns 'req/s' 'p50 us' 'p99 us' errors
for method in Capabilities Get Path List; do
  args=(--body '{}')
  [[ $method == Get || $method == Path ]] && args=(--bodies-from-names "$NVOL")
  for conns in 1 16; do
    out=$("$LOAD" --socket "$SOCK" --method "VolumeDriver.$method" "${args[@]}" \
      --connections "$conns" --seconds "$SECONDS_PER_RUN" --warmup-seconds "$WARMUP" \
      --check-err --kv) || true
    if [[ -z $out ]]; then
      log "error: docker_api_load produced nothing for $method at $conns connections"
      exit 1
    fi
    RPS[$method.$conns]=$(kv rps "$out")
    printf '%-28s %5d %10s %10s %10s %7s\n' "VolumeDriver.$method" "$conns" "$(kv rps "$out")" \
      "$(kv p50_us "$out")" "$(kv p99_us "$out")" "$(kv errors "$out")"
    for k in status_errors err_bodies socket_errors protocol_errors warmup_errors reconnects; do
      v=$(kv $k "$out")
      [[ $v == 0 ]] || notes+=("$method@$conns: $k=$v")
    done
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
      log "error: the daemon died during VolumeDriver.$method at $conns connections"
      exit 1
    fi
  done
done
for n in "${notes[@]}"; do echo "  note: $n"; done
echo

# ---- 4. idle RSS -----------------------------------------------------------
sleep 2
status=/proc/$DAEMON_PID/status
rss=$(awk '/^VmRSS:/ {print $2}' "$status")
hwm=$(awk '/^VmHWM:/ {print $2}' "$status")
threads=$(awk '/^Threads:/ {print $2}' "$status")
printf 'daemon idle RSS after 2 s: %d KiB (%.1f MiB); peak RSS %d KiB; %d threads\n' \
  "$rss" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$hwm" "$threads"
anon=$(awk '/^RssAnon:/ {print $2}' "$status")
rss_mib=$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')
record "Idle RSS after the load run ($NVOL volumes); of it anonymous (heap)" "$CMD" "<= 12 MiB" \
  "$rss_mib MiB; $(awk -v k="$anon" 'BEGIN {printf "%.1f", k / 1024}') MiB" "" \
  "$(met "$rss_mib" '<=' 12)"
record "Daemon threads" "$CMD" "-" "$threads" "" null

# ---- 5. Get vs Capabilities --------------------------------------------------
awk -v g="${RPS[Get.16]}" -v c="${RPS[Capabilities.16]}" 'BEGIN {
  if (c > 0) printf "Get@16 = %.1f%% of Capabilities@16 (%d vs %d req/s)\n", 100 * g / c, g, c
}'
share=$(awk -v g="${RPS[Get.16]}" -v c="${RPS[Capabilities.16]}" 'BEGIN {printf "%.2f", (c > 0 ? g / c : 0)}')
record "Docker Get at 16 connections, as a share of Capabilities" "$CMD" ">= 0.9x" "$share" "x" \
  "$(met "$share" '>=' 0.9)"
record "Docker Capabilities at 16 connections" "$CMD" "-" "${RPS[Capabilities.16]}" " req/s" null
record "Docker List of $NVOL volumes at 16 connections" "$CMD" ">= 40,000 req/s" \
  "${RPS[List.16]}" " req/s" "$(met "${RPS[List.16]}" '>=' 40000)"

echo "loadavg at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the host skews all of the above)"

# ---- shutdown and leftovers --------------------------------------------------
stop_daemon
printf 'final SIGTERM-to-exit: %d ms (%s, exit status %s)\n' "$STOP_MS" "$STOP_HOW" "$STOP_RC"
record "SIGTERM to exit (the daemon with $NVOL volumes, after load)" "$CMD" "<= 20 ms" "$STOP_MS" \
  " ms" "$(met "$STOP_MS" '<=' 20)"
[[ -e $SOCK ]] && echo "note: the socket file is still there after the daemon exited"
if check_leftovers; then
  echo "loop devices / mounts under $REXRAY_HOME: none"
else
  exit 1
fi
