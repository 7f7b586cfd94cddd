#!/bin/sh
# Runs one libFuzzer target for $FUZZ_SECONDS (default 20) seconds.
# Usage: run_fuzzer.sh FUZZER SEED_DIR WORK_DIR ARTIFACT_DIR
# New inputs go to WORK_DIR (in the build tree), so the seed corpus in the
# repository is only read; a crash is written to ARTIFACT_DIR and fails the
# run. libFuzzer's chatter goes to ARTIFACT_DIR/log (printed whole when the
# run fails); on success only its final statistics are printed.
set -u
fuzzer=$1 seeds=$2 work=$3 artifacts=$4
mkdir -p "$work" "$artifacts"
# -timeout: one input that runs this long counts as a hang (a failure).
# -rss_limit_mb: well below the machine's memory, shared with other builds.
"$fuzzer" -max_total_time="${FUZZ_SECONDS:-20}" -timeout=25 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$seeds" >"$artifacts/log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  cat "$artifacts/log"
  exit "$status"
fi
name=$(basename "$fuzzer")
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$artifacts/log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$artifacts/log")
corpus=$(ls "$work" | wc -l)
echo "$name: $execs runs ($rate/s) in ${FUZZ_SECONDS:-20} s, $corpus new corpus inputs, no crash" |
  tee "$artifacts/summary"
