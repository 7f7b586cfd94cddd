#!/usr/bin/env bash
# Bad input gets one clear line on stderr and a non-zero exit.
source "$(dirname "$0")/lib.sh"
BUILD=${BUILD:?set BUILD to the build directory}

rexray volume create Data --size 1 >/dev/null
rexray volume create DATA --size 1 >/dev/null
expect_error "a name matching two volumes case-insensitively" "ambiguous.*vfs-.*vfs-" -- rexray volume ls data
expect_ok "an exact name is not ambiguous" -- rexray volume ls DATA
expect_error "a name that matches nothing" "volume 'nope' not found" -- rexray volume attach nope
expect_error "mounting a name that matches nothing (no --create)" \
  "volume 'nope' does not exist \\(add --create" -- rexray volume mount nope
# The named flags are create options too: the message is Docker's -o message.
expect_error "size 0" "option size: must be at least 1, got 0" -- rexray volume create zero --size 0
expect_error "negative size" "option size: must be at least 1, got -1" -- rexray volume create neg --size -1
expect_error "size that is not a number" "option size: 'abc' is not a whole number" -- \
  rexray volume create bad --size abc
expect_error "a copy and a restore at once" "volumeID and snapshotID exclude each other" -- \
  rexray volume create both --snapshotID s1 --volumeID v1
expect_error "a name with a slash" "invalid volume name 'a/b'" -- rexray volume create a/b --size 1
expect_error "a name with .." "invalid volume name '\.\./etc'" -- rexray volume create ../etc --size 1
expect_error "a name of dots" "invalid volume name '\.\.'" -- rexray volume mount ..
expect_error "a bad name that matches nothing is a bad name, not a missing one" \
  "invalid volume name 'a/b': use letters" -- rexray volume rm a/b
expect_error "an empty name" "volume name must not be empty" -- rexray volume create "" --size 1
expect_error "an unknown flag" "unknown flag --sise" -- rexray volume create x --sise 1
expect_error "an unknown command" "unknown command 'frobnicate'" -- rexray frobnicate
expect_error "an unknown output format" "unknown output format 'xml'" -- rexray volume ls --format xml
expect_error "--opt without =" "invalid --opt 'thin': expected KEY=VALUE" -- rexray volume create o1 --opt thin
expect_error "an --opt no driver declares names what exists" \
  "unknown option 'tier'.*size, iops.*service vfs \\(driver vfs\\): none" -- rexray volume create o1 --opt tier=gold
expect_error "a bad value in a core --opt" "option size: 'big' is not a whole number" -- \
  rexray volume create o1 --opt size=big
expect_ok "rexray's own options pass through --opt too" -- rexray volume create o1 --opt size=2 --opt fsType=ext4
size=$(rexray volume ls o1 --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["size"])')
[[ $size == 2 ]] && pass "--opt size=2 made a 2 GiB volume" || fail "--opt size=2 gave size $size"
rexray volume rm o1 >/dev/null
expect_error "--timeout that is not a duration" "--timeout: 'soon' is not a positive duration" -- \
  rexray volume ls --timeout soon

cfg=$REXRAY_HOME/bad.yml
printf 'rexray:\n  logLevel: info\nvolume:\n  mount:\n    preempt: maybe\n' >"$cfg"
expect_error "a config value of the wrong type" "bad.yml:5.*preempt.*maybe" -- rexray -c "$cfg" volume ls
expect_error "a missing config file" "not found" -- rexray -c "$REXRAY_HOME/missing.yml" volume ls
expect_error "a bad value in the environment" "VOLUME_MOUNT_PREEMPT" -- env VOLUME_MOUNT_PREEMPT=maybe "$REXRAY" volume ls

plugins=$BUILD/test-plugins
expect_error "a plugin built for ABI major 2" "built for ABI major 2" -- \
  rexray plugins inspect "$plugins/librexray-test-major2_entry.so"
listing=$(rexray --rexrayPluginsPath "$plugins" plugins ls 2>/dev/null)
grep -q "refused: built for ABI major 2" <<<"$listing" && pass "plugins ls shows why it refused a plugin" ||
  fail "plugins ls: $listing"
grep -q "init failed: backend endpoint is not configured" <<<"$listing" &&
  pass "plugins ls shows a failed init" || fail "plugins ls: $listing"
expect_error "a service whose plugin was refused" "no plugin provides the driver 'major2'.*refused.*built for ABI major 2" -- \
  rexray -l error --rexrayPluginsPath "$plugins" --rexrayStorageDrivers major2 volume ls

for cmd in "volume ls" "volume create" "volume rm" "volume attach" "volume detach" "volume mount" \
  "volume unmount" "volume path" "snapshot ls" "snapshot create" "snapshot rm" "snapshot copy" \
  "plugins ls" "plugins inspect" "start" "version" "env"; do
  # shellcheck disable=SC2086
  out=$(rexray $cmd --help) && grep -q "^Usage: rexray $cmd" <<<"$out" && pass "$cmd --help" ||
    fail "$cmd --help: $out"
done

json=$(rexray volume ls --format json)
python3 -c 'import json,sys; v=json.loads(sys.argv[1]); assert len(v)==2 and {x["name"] for x in v}=={"Data","DATA"}' "$json" &&
  pass "ls --format json" || fail "json: $json"
yaml=$(rexray volume ls --format yaml)
grep -q "name: Data" <<<"$yaml" && pass "ls --format yaml" || fail "yaml: $yaml"
version=$(rexray version)
grep -q "^ABI:    1.3" <<<"$version" && grep -q "^SemVer:" <<<"$version" && pass "version" || fail "version: $version"
rexray env | grep -q "^REXRAY_HOME=$REXRAY_HOME" && pass "env" || fail "env"
printf 'virtualbox:\n  password: hunter2\n' >"$REXRAY_HOME/secret.yml"
envout=$(rexray -c "$REXRAY_HOME/secret.yml" env)
grep -q "^VIRTUALBOX_PASSWORD=\*\*\*\*\*\*$" <<<"$envout" && ! grep -q hunter2 <<<"$envout" &&
  pass "env redacts secrets" || fail "env: $envout"

rexray volume rm Data DATA
finish
