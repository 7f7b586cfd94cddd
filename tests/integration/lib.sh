# Shared by the integration tests: a private REXRAY_HOME, and a cleanup that
# removes every mount and loop device made under it, also when a test fails.
set -euo pipefail

REXRAY=${REXRAY:?set REXRAY to the rexray binary}
export REXRAY_HOME=$(mktemp -d /tmp/rexray-it.XXXXXX)
# Tagged with its owner (PID, start time), as testkit.scratch_dir does: if
# this run is killed, the next Python test cleans up what it left.
echo "$$ $(cut -d')' -f2 /proc/$$/stat | awk '{print $20}')" >"$REXRAY_HOME/.rexray-test-owner"
FAILURES=0
CHECKS=0

cleanup() {
  local status=$?
  # Mounts under our home, deepest first.
  awk -v home="$REXRAY_HOME" '$2 ~ "^"home {print $2}' /proc/self/mounts | sort -r |
    while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
  # Loop devices backed by files under our home.
  for f in /sys/block/loop*/loop/backing_file; do
    [[ -e $f ]] || continue
    if grep -q "^$REXRAY_HOME" "$f" 2>/dev/null; then
      dev=/dev/$(basename "$(dirname "$(dirname "$f")")")
      losetup -d "$dev" 2>/dev/null || true
    fi
  done
  rm -rf "$REXRAY_HOME"
  exit $status
}
trap cleanup EXIT
# An interrupted run must fail: exit with the signal status, cleanup runs on EXIT.
trap 'exit 130' INT
trap 'exit 143' TERM

rexray() { "$REXRAY" "$@"; }

pass() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "FAIL - $*"; }

# expect_ok DESCRIPTION -- COMMAND...: runs it, fails the check on non-zero exit.
expect_ok() {
  local what=$1; shift; [[ $1 == -- ]] && shift
  local out
  if out=$("$@" 2>&1); then pass "$what"; else fail "$what (exit $?): $out"; fi
}

# expect_error DESCRIPTION PATTERN -- COMMAND...: must exit non-zero with one
# stderr line matching PATTERN.
expect_error() {
  local what=$1 pattern=$2; shift 2; [[ $1 == -- ]] && shift
  local err status=0
  err=$("$@" 2>&1 >/dev/null) || status=$?
  if ((status == 0)); then fail "$what: exited 0"; return; fi
  if [[ $(printf '%s\n' "$err" | grep -c .) -ne 1 ]]; then fail "$what: not one line: $err"; return; fi
  if grep -qE -- "$pattern" <<<"$err"; then pass "$what: $err"; else fail "$what: '$err' lacks /$pattern/"; fi
}

expect_eq() {
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: expected '$3', got '$2'"; fi
}

finish() {
  echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
  ((FAILURES == 0))
}
