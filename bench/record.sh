# Sourced by the shell benchmarks: record NAME COMMAND TARGET VALUE UNIT MET
# appends one figure to $BENCH_RESULTS (JSON lines, read by bench/report.py)
# when it is set. MET is true, false or null (no target).
record() {
  [[ -n ${BENCH_RESULTS:-} ]] || return 0
  python3 -c 'import json, sys
name, command, target, value, unit, met = sys.argv[1:7]
print(json.dumps({"name": name, "command": command, "target": target, "value": value,
                  "unit": unit, "met": json.loads(met)}))' "$@" >>"$BENCH_RESULTS"
}
