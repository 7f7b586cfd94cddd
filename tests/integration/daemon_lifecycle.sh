#!/usr/bin/env bash
# The daemon's life through the real binary: start/stop/status/restart, pid
# files, the foreground mode, starts that fail, a driver whose init fails, the
# CLI through the daemon, SIGHUP reload, and restart safety after kill -9.
# Real loop devices, mkfs and mounts, all under a private REXRAY_HOME.
# shellcheck disable=SC2015 # `check && pass || fail`: pass never fails
source "$(dirname "$0")/lib.sh"
BUILD=${BUILD:?set BUILD to the build directory}

ROOT=$REXRAY_HOME # lib.sh's cleanup sweeps it; each part below uses a home in it
export HOME=$ROOT # no ~/.rexray/config.yml from the host
unset REXRAY_LOGLEVEL REXRAY_STORAGEDRIVERS REXRAY_PLUGINS_PATH VOLUME_UNMOUNT_IGNOREUSEDCOUNT \
  VOLUME_CREATE_DISABLE VOLUME_REMOVE_DISABLE VOLUME_MOUNT_PREEMPT
H=$ROOT # the home the helpers below act on

DAEMONS=() # every daemon PID we started, stopped again on any exit
alive() { [[ -n ${1-} ]] && kill -0 "$1" 2>/dev/null && [[ $(readlink "/proc/$1/exe" 2>/dev/null) == *rexray* ]]; }
# Ours: the PIDs we were told, and any rexray whose REXRAY_HOME is under ROOT.
our_daemons() {
  local e
  printf '%s\n' "${DAEMONS[@]}"
  for e in /proc/[0-9]*/environ; do
    tr '\0' '\n' 2>/dev/null <"$e" | grep -q "^REXRAY_HOME=$ROOT/" && basename "$(dirname "$e")"
  done
  return 0
}
stop_daemons() {
  local p i
  for p in $(our_daemons | sort -u); do
    alive "$p" || continue
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do alive "$p" || break; sleep 0.1; done
    alive "$p" && kill -KILL "$p" 2>/dev/null || true
  done
  return 0
}
on_exit() { # [STATUS]: a signal's status, else the script's
  local status=$?
  set +e # cleanup must run to the end, also on a failure
  [[ -n ${1-} ]] && status=$1
  trap - EXIT INT TERM
  stop_daemons
  REXRAY_HOME=$ROOT
  (exit "$status")
  cleanup # lib.sh: unmount, detach loop devices, remove ROOT, exit with $status
}
trap on_exit EXIT
trap 'on_exit 130' INT
trap 'on_exit 143' TERM

rx() { REXRAY_HOME=$H "$REXRAY" "$@"; }
use_home() {
  H=$ROOT/$1
  mkdir -p "$H"
}
pidfile() { echo "$H/var/run/rexray/rexray.pid"; }
logfile() { echo "$H/var/log/rexray/rexray.log"; }
sock() { echo "$H/run/docker/plugins/$1.sock"; }
ctl() { echo "$H/var/run/rexray/rexray.sock"; }
mp() { echo "$H/var/lib/rexray/volumes/$1"; }
mounted() { awk -v mp="$1" '$2 == mp {found = 1} END {exit !found}' /proc/self/mounts; }

# vd SOCKET METHOD [BODY]: one Docker plugin call (POST /VolumeDriver.METHOD,
# or /METHOD when it has a dot) on $H/run/docker/plugins/SOCKET.sock; prints
# "STATUS BODY".
VD_PY='
import http.client, socket, sys
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(130)
        self.sock.connect(sys.argv[1])
try:
    c = Unix("localhost")
    c.request("POST", "/" + sys.argv[2], sys.argv[3].encode())
    r = c.getresponse()
    print(r.status, r.read().decode())
except OSError as e:
    print("000", e)
'
vd() {
  local method=$2
  [[ $method == *.* ]] || method=VolumeDriver.$method
  python3 -c "$VD_PY" "$(sock "$1")" "$method" "${3-}"
}

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
log_has() { grep -qF -- "$1" "$(logfile)" 2>/dev/null; }

# start_daemon [ARGS...]: `rexray start`; sets OUT, RC and PID (the reported one).
start_daemon() {
  RC=0
  OUT=$(rx start "$@" 2>&1) || RC=$?
  PID=$(sed -n 's/.*running at PID \([0-9]*\).*/\1/p' <<<"$OUT" | head -1)
  [[ -n $PID ]] && DAEMONS+=("$PID")
  return 0
}
# stop_now: `rexray stop`, and the process is gone.
stop_now() {
  local pid=${1-$PID}
  RC=0
  OUT=$(rx stop 2>&1) || RC=$?
  wait_for 10 eval "! alive $pid" || true
}

###############################################################################
echo "# start, status, stop"
use_home basic
RC=0
out=$(rx status) || RC=$?
expect_eq "status when stopped" "$out" "REX-Ray is stopped"
expect_eq "status when stopped exits 3" "$RC" "3"

start_daemon
expect_eq "start exits 0" "$RC" "0"
expect_eq "start prints the banner" "$(head -1 <<<"$OUT")" "Starting REX-Ray...SUCCESS!"
[[ $PID =~ ^[0-9]+$ ]] && pass "start prints the PID ($PID)" || fail "no PID in: $OUT"
expect_eq "the pid file holds that PID" "$(cat "$(pidfile)" 2>/dev/null)" "$PID"
alive "$PID" && pass "PID $PID is a running rexray" || fail "PID $PID is not running"
RC=0
out=$(rx status) || RC=$?
expect_eq "status when running" "$out" "REX-Ray is running at PID $PID"
expect_eq "status when running exits 0" "$RC" "0"
for s in "$(sock rexray)" "$(sock vfs)" "$(ctl)"; do
  [[ -S $s ]] && expect_eq "socket ${s#"$H"/} has mode 0660" "$(stat -c %a "$s")" "660" ||
    fail "no socket $s"
done
expect_eq "the Docker socket answers Plugin.Activate" "$(vd rexray Plugin.Activate)" \
  '200 {"Implements":["VolumeDriver"]}'
grep -q "REX-Ray is ready (PID $PID)" "$(logfile)" && pass "the log file is written" ||
  fail "log: $(cat "$(logfile)" 2>&1)"

RC=0
out=$(rx start 2>&1) || RC=$?
expect_eq "a second start exits 1" "$RC" "1"
grep -q "already running at PID $PID" <<<"$out" && pass "a second start says it is already running at PID $PID" ||
  fail "second start: $out"
expect_eq "the pid file is unchanged" "$(cat "$(pidfile)")" "$PID"
alive "$PID" && pass "the first daemon still runs" || fail "the first daemon died"

stop_now
expect_eq "stop exits 0" "$RC" "0"
expect_eq "stop prints its banner" "$OUT" "Shutting down REX-Ray...SUCCESS!"
alive "$PID" && fail "PID $PID still runs after stop" || pass "the process is gone"
[[ ! -e $(pidfile) ]] && pass "the pid file is removed" || fail "pid file left: $(cat "$(pidfile)")"
left=$(find "$H/run/docker/plugins" "$H/var/run/rexray" -name '*.sock' 2>/dev/null || true)
[[ -z $left ]] && pass "the sockets are removed" || fail "sockets left: $left"
RC=0
out=$(rx stop) || RC=$?
expect_eq "stop when stopped" "$out:$RC" "REX-Ray is already stopped:0"

echo "# stale pid files"
mkdir -p "$H/var/run/rexray"
stale=999999
while kill -0 "$stale" 2>/dev/null; do stale=$((stale - 1)); done
echo "$stale" >"$(pidfile)"
RC=0
out=$(rx status) || RC=$?
expect_eq "status sees through a pid file naming a dead PID" "$out:$RC" "REX-Ray is stopped:3"
start_daemon
expect_eq "start over a stale pid file succeeds" "$RC:$(head -1 <<<"$OUT")" "0:Starting REX-Ray...SUCCESS!"
expect_eq "the stale pid file is replaced" "$(cat "$(pidfile)")" "$PID"
log_has "replacing stale pid file" && pass "the log says the pid file was stale" || fail "no stale pid log line"
stop_now

sleep 300 &
other=$!
echo "$other" >"$(pidfile)"
RC=0
out=$(rx status) || RC=$?
expect_eq "a pid file naming a live process that is not rexray is stale" "$out:$RC" "REX-Ray is stopped:3"
start_daemon
expect_eq "start over it succeeds" "$RC:$(cat "$(pidfile)")" "0:$PID"
kill "$other" 2>/dev/null || true
wait "$other" 2>/dev/null || true
alive "$PID" && pass "... and the daemon runs" || fail "daemon not running"

echo "# restart"
old=$PID
RC=0
OUT=$(rx restart 2>&1) || RC=$?
new=$(sed -n 's/.*running at PID \([0-9]*\).*/\1/p' <<<"$OUT" | head -1)
[[ -n $new ]] && DAEMONS+=("$new")
expect_eq "restart exits 0" "$RC" "0"
grep -q "Shutting down REX-Ray...SUCCESS!" <<<"$OUT" && grep -q "Starting REX-Ray...SUCCESS!" <<<"$OUT" &&
  pass "restart stops, then starts" || fail "restart: $OUT"
[[ -n $new && $new != "$old" ]] && pass "restart gives a new PID ($old -> $new)" || fail "PIDs $old -> $new"
alive "$old" && fail "the old daemon $old still runs" || pass "the old daemon is gone"
expect_eq "status names the new PID" "$(rx status)" "REX-Ray is running at PID $new"
stop_now "$new"

echo "# start -f in the background"
REXRAY_HOME=$H "$REXRAY" start -f 2>"$H/fg.err" &
fg=$!
DAEMONS+=("$fg")
ready() { [[ $(cat "$(pidfile)" 2>/dev/null) == "$fg" && $(vd rexray Plugin.Activate) == 200* ]]; }
wait_for 15 ready && pass "start -f becomes ready (PID $fg)" || fail "start -f not ready: $(cat "$H/fg.err")"
expect_eq "status names it" "$(rx status)" "REX-Ray is running at PID $fg"
grep -q "running in the foreground (PID $fg)" "$H/fg.err" && pass "start -f says it runs in the foreground" ||
  fail "stderr: $(cat "$H/fg.err")"
kill -TERM "$fg"
RC=0
wait "$fg" || RC=$?
expect_eq "start -f exits 0 on SIGTERM" "$RC" "0"
[[ ! -e $(pidfile) && ! -e $(sock rexray) && ! -e $(ctl) ]] && pass "... removing its pid file and sockets" ||
  fail "left: $(ls "$H/var/run/rexray" "$H/run/docker/plugins")"
# start -f logs to stderr (the journal, `docker logs`); only a daemonized start writes the log file.
grep -q "received SIGTERM; shutting down" "$H/fg.err" && pass "the log (on stderr) says why it stopped" ||
  fail "no SIGTERM log line in: $(cat "$H/fg.err")"

echo "# --nopid"
use_home nopid
start_daemon --nopid
expect_eq "start --nopid succeeds" "$RC:$(head -1 <<<"$OUT")" "0:Starting REX-Ray...SUCCESS!"
[[ ! -e $(pidfile) ]] && pass "--nopid writes no pid file" || fail "pid file: $(cat "$(pidfile)")"
alive "$PID" && expect_eq "the --nopid daemon serves Docker" "$(vd rexray Plugin.Activate)" \
  '200 {"Implements":["VolumeDriver"]}' || fail "--nopid daemon $PID not running: $OUT"
first=$PID
start_daemon
expect_eq "a second start while it runs exits 1 with FAILED!" "$RC:$(head -1 <<<"$OUT")" \
  "1:Starting REX-Ray...FAILED!"
grep -q "socket $(sock rexray) is in use by another process" <<<"$OUT" &&
  pass "... because its socket is in use" || fail "reason: $OUT"
[[ ! -e $(pidfile) ]] && pass "... leaving no pid file" || fail "pid file left: $(cat "$(pidfile)")"
PID=$first
alive "$PID" && expect_eq "the first --nopid daemon still serves" "$(vd rexray Plugin.Activate)" \
  '200 {"Implements":["VolumeDriver"]}' || fail "the first daemon died"
kill -TERM "$PID"
wait_for 10 eval "! alive $PID" && pass "the --nopid daemon stops on SIGTERM" || fail "still running"
[[ ! -e $(sock rexray) && ! -e $(ctl) ]] && pass "... removing its sockets" || fail "sockets left"

###############################################################################
echo "# starts that fail"
use_home failing
printf 'rexray:\n  logLevel: info\nvolume:\n  mount:\n    preempt: maybe\n' >"$H/bad.yml"
RC=0
out=$(rx -c "$H/bad.yml" start 2>&1) || RC=$?
expect_eq "a start with a wrongly typed config exits 1" "$RC" "1"
expect_eq "... and prints FAILED!" "$(head -1 <<<"$out")" "Starting REX-Ray...FAILED!"
grep -q "bad.yml:5.*preempt.*maybe" <<<"$out" && pass "... and the reason (file:line, key, value)" ||
  fail "reason: $out"
[[ ! -e $(pidfile) && -z $(ls "$H/run/docker/plugins" 2>/dev/null) && ! -e $(ctl) ]] &&
  pass "... leaving no pid file or socket" || fail "left: $(ls -R "$H")"
expect_eq "... and no daemon" "$(rx status)" "REX-Ray is stopped"

mkdir -p "$(sock rexray)" # a directory where the Docker socket must go
RC=0
out=$(rx start 2>&1) || RC=$?
expect_eq "a start that cannot bind its socket exits 1" "$RC:$(head -1 <<<"$out")" "1:Starting REX-Ray...FAILED!"
grep -q "cannot listen on $(sock rexray)" <<<"$out" && pass "... and says which socket" || fail "reason: $out"
[[ ! -e $(pidfile) ]] && pass "... and removes its pid file" || fail "pid file left"
expect_eq "... and no daemon" "$(rx status)" "REX-Ray is stopped"
rmdir "$(sock rexray)"

###############################################################################
echo "# a driver no plugin provides"
use_home noplugin
export REXRAY_PLUGINS_PATH=$BUILD/test-plugins
for driver in initfails nosuchdriver; do
  export REXRAY_STORAGEDRIVERS="vfs $driver"
  for how in background foreground; do
    RC=0
    if [[ $how == background ]]; then OUT=$(rx start 2>&1) || RC=$?; else OUT=$(rx start -f 2>&1) || RC=$?; fi
    [[ $RC == 1 ]] && pass "start ($how) with the driver $driver exits 1" || fail "exit $RC: $OUT"
    grep -q "no plugin provides the driver '$driver' (searched .*$BUILD/test-plugins" <<<"$OUT" &&
      pass "... naming the driver and the directories searched" || fail "reason: $OUT"
    if [[ $driver == initfails ]]; then
      grep -q "init failed: backend endpoint is not configured" <<<"$OUT" &&
        pass "... and why its plugin was refused" || fail "no refusal in: $OUT"
    fi
    [[ ! -e $(pidfile) && -z $(ls "$H/run/docker/plugins" 2>/dev/null) ]] &&
      pass "... before writing a pid file or binding a socket" || fail "left: $(ls -R "$H")"
  done
  expect_eq "... and no daemon" "$(rx status)" "REX-Ray is stopped"
done
unset REXRAY_PLUGINS_PATH REXRAY_STORAGEDRIVERS

###############################################################################
echo "# the CLI through the daemon"
mask() { sed -E "s#$1#HOME#g; s/vfs-[0-9a-f]{16}/VFS-ID/g; s/vfssnap-[0-9a-f]+/SNAP-ID/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g"; }
cli_session() {
  local cmd
  while IFS= read -r cmd; do
    echo "\$ rexray $cmd"
    # shellcheck disable=SC2086
    rx $cmd 2>&1 || echo "(exit $?)"
  done <<'EOF'
volume create v --size 1
volume create w --size 2
volume ls
volume ls --format json
volume mount v
volume path v
volume ls --path
volume unmount v
volume path v
snapshot create v s1
snapshot ls
snapshot ls v
volume ls v
volume mount a/b
volume ls nope
volume rm w
volume ls
EOF
}
use_home cli-local
local_home=$H
cli_session >"$ROOT/cli-local.out"
use_home cli-daemon
start_daemon
cli_session >"$ROOT/cli-daemon.out"
if d=$(diff <(mask "$local_home" <"$ROOT/cli-local.out") <(mask "$H" <"$ROOT/cli-daemon.out")); then
  pass "the CLI prints the same with and without the daemon ($(grep -c '^\$ ' "$ROOT/cli-local.out") commands)"
else
  fail "the CLI differs through the daemon: $d"
fi
log_has "created volume v" && log_has "snapshot s1" && pass "... and it did go through the daemon (its log)" ||
  fail "the daemon's log does not show the CLI's work"

echo "# one mount count for the CLI and Docker"
expect_eq "CLI volume mount v" "$(rx volume mount v)" "$(mp v)/data"
expect_eq "Docker Mount v with ID x" "$(vd rexray Mount '{"Name":"v","ID":"x"}')" \
  "200 {\"Mountpoint\":\"$(mp v)/data\",\"Err\":\"\"}"
expect_ok "CLI volume unmount v" -- rx volume unmount v
mounted "$(mp v)" && pass "v is still mounted: x holds it" || fail "the CLI unmounted what Docker holds"
expect_eq "volume path v still answers" "$(rx volume path v)" "$(mp v)/data"
img=$H/var/lib/rexray/vfs/volumes/$(rx volume ls v | awk 'NR == 2 {print $1}').img
expect_eq "Docker Unmount x" "$(vd rexray Unmount '{"Name":"v","ID":"x"}')" '200 {"Err":""}'
! mounted "$(mp v)" && [[ -z $(losetup -j "$img") ]] && pass "the last user gone: unmounted and detached" ||
  fail "still mounted or attached: $(losetup -j "$img")"
stop_now

###############################################################################
echo "# SIGHUP reloads the configuration"
use_home sighup
cfg=$H/config.yml
printf 'volume:\n  unmount:\n    ignoreusedcount: false\n' >"$cfg"
start_daemon -c "$cfg"
expect_eq "start with a config file" "$RC:$(head -1 <<<"$OUT")" "0:Starting REX-Ray...SUCCESS!"
hup_mount() { expect_eq "Mount hup with ID $1" "$(vd rexray Mount '{"Name":"hup","ID":"'"$1"'"}')" \
  "200 {\"Mountpoint\":\"$(mp hup)/data\",\"Err\":\"\"}"; }
hup_mount a
hup_mount b
expect_eq "Unmount a" "$(vd rexray Unmount '{"Name":"hup","ID":"a"}')" '200 {"Err":""}'
mounted "$(mp hup)" && pass "ignoreusedcount false: still mounted (b holds it)" || fail "unmounted"
hup_mount a
printf 'volume:\n  unmount:\n    ignoreusedcount: true\n' >"$cfg"
reloads=$(grep -c "configuration reloaded" "$(logfile)" || true)
kill -HUP "$PID"
reloaded() {
  local n
  n=$(grep -c "configuration reloaded" "$(logfile)")
  ((n > reloads))
}
wait_for 10 reloaded && pass "the log mentions the reload" || fail "no reload in the log"
alive "$PID" && pass "the daemon survives SIGHUP" || fail "SIGHUP killed the daemon"
expect_eq "Unmount a" "$(vd rexray Unmount '{"Name":"hup","ID":"a"}')" '200 {"Err":""}'
! mounted "$(mp hup)" && pass "ignoreusedcount true after SIGHUP: unmounted at once" || fail "still mounted"
expect_eq "the later Unmount of b is success" "$(vd rexray Unmount '{"Name":"hup","ID":"b"}')" '200 {"Err":""}'

printf 'volume:\n  unmount:\n    ignoreusedcount: perhaps\n' >"$cfg"
kill -HUP "$PID"
wait_for 10 log_has "reloading the configuration failed, keeping the old one" &&
  pass "a bad config on SIGHUP: the log says the old one is kept" || fail "no failed-reload log line"
alive "$PID" && expect_eq "... and the daemon still serves" "$(vd rexray Plugin.Activate)" \
  '200 {"Implements":["VolumeDriver"]}' || fail "the daemon died on a bad reload"
hup_mount a
hup_mount b
expect_eq "Unmount a" "$(vd rexray Unmount '{"Name":"hup","ID":"a"}')" '200 {"Err":""}'
! mounted "$(mp hup)" && pass "... still with the last good settings (ignoreusedcount true)" ||
  fail "the bad reload changed the settings"
vd rexray Unmount '{"Name":"hup","ID":"b"}' >/dev/null
stop_now

###############################################################################
echo "# restart safety without Docker"
use_home restart
start_daemon
expect_eq "Mount keep with ID a" "$(vd rexray Mount '{"Name":"keep","ID":"a"}')" \
  "200 {\"Mountpoint\":\"$(mp keep)/data\",\"Err\":\"\"}"
expect_eq "Mount keep with ID b" "$(vd rexray Mount '{"Name":"keep","ID":"b"}')" \
  "200 {\"Mountpoint\":\"$(mp keep)/data\",\"Err\":\"\"}"
expect_eq "Mount gone with ID c" "$(vd rexray Mount '{"Name":"gone","ID":"c"}')" \
  "200 {\"Mountpoint\":\"$(mp gone)/data\",\"Err\":\"\"}"
echo "survives" >"$(mp keep)/data/note"
keep_img=$H/var/lib/rexray/vfs/volumes/$(rx volume ls keep | awk 'NR == 2 {print $1}').img
gone_img=$H/var/lib/rexray/vfs/volumes/$(rx volume ls gone | awk 'NR == 2 {print $1}').img
kill -9 "$PID"
wait_for 10 eval "! alive $PID" && pass "kill -9 the daemon" || fail "it did not die"
mounted "$(mp keep)" && mounted "$(mp gone)" && pass "the mounts outlive the daemon" || fail "mounts gone"
expect_eq "status after kill -9" "$(rx status || true)" "REX-Ray is stopped"
umount "$(mp gone)" && pass "unmount gone by hand while the daemon is dead" || fail "umount gone"
[[ -n $(losetup -j "$gone_img") ]] && pass "... its loop device stays attached" || fail "gone was detached"
killed=$PID
start_daemon
expect_eq "start again after kill -9 (stale pid file and sockets)" "$RC:$(head -1 <<<"$OUT")" \
  "0:Starting REX-Ray...SUCCESS!"
[[ $PID != "$killed" ]] && pass "a new PID ($PID)" || fail "same PID"
wait_for 15 log_has "detaching gone" || true
log_has "reconcile vfs: adopting the mount of keep at $(mp keep) for caller a" &&
  log_has "reconcile vfs: adopting the mount of keep at $(mp keep) for caller b" &&
  pass "the log shows it adopted keep's mount for a and b" || fail "no adoption in the log"
log_has "reconcile vfs: dropping the record of gone for caller c" &&
  pass "the log shows gone's record dropped" || fail "no drop in the log"
log_has "reconcile vfs: detaching gone" && pass "the log shows gone detached" || fail "no detach in the log"
[[ -z $(losetup -j "$gone_img") ]] && pass "gone's loop device is detached" || fail "attached: $(losetup -j "$gone_img")"
expect_eq "Path keep answers after the restart" "$(vd rexray Path '{"Name":"keep"}')" \
  "200 {\"Mountpoint\":\"$(mp keep)/data\",\"Err\":\"\"}"
expect_eq "the file is there" "$(cat "$(mp keep)/data/note")" "survives"
expect_eq "Unmount keep a" "$(vd rexray Unmount '{"Name":"keep","ID":"a"}')" '200 {"Err":""}'
mounted "$(mp keep)" && pass "still mounted after Unmount a (b is remembered)" || fail "unmounted by a"
expect_eq "Unmount keep b" "$(vd rexray Unmount '{"Name":"keep","ID":"b"}')" '200 {"Err":""}'
! mounted "$(mp keep)" && [[ -z $(losetup -j "$keep_img") ]] && pass "unmounted and detached after Unmount b" ||
  fail "keep: mounted or attached: $(losetup -j "$keep_img")"
expect_eq "gone mounts again" "$(vd rexray Mount '{"Name":"gone","ID":"d"}')" \
  "200 {\"Mountpoint\":\"$(mp gone)/data\",\"Err\":\"\"}"
expect_eq "... and unmounts" "$(vd rexray Unmount '{"Name":"gone","ID":"d"}')" '200 {"Err":""}'
alive "$PID" && pass "the daemon is still running" || fail "the daemon died"
stop_now
finish
