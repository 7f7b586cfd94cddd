#!/usr/bin/env bash
# A plugin's declared schema judges its configuration sections: the test
# plugin "newer" (tests/abi/plugins/newer_minor.c) declares endpoint, userName
# (aliases userID, user_name), password (secret) and timeout (duration), and
# answers to the alias future-alias.
source "$(dirname "$0")/lib.sh"
BUILD=${BUILD:?set BUILD to the build directory}

cfg=$REXRAY_HOME/config.yml
write_config() {
  printf 'rexray:\n  storageDrivers: [newer]\n  plugins:\n    path: [%s]\nnewer:\n' \
    "$BUILD/test-plugins" >"$cfg"
  printf '%s\n' "$@" >>"$cfg"
}
write_config "  password: hunter2" "  userID: alice" "  endpiont: x" "future-alias:" "  timeout: 5s"

out=$(rexray -c "$cfg" env 2>"$REXRAY_HOME/err")
err=$(<"$REXRAY_HOME/err")
grep -qx 'NEWER_PASSWORD=\*\*\*\*\*\*' <<<"$out" && pass "env redacts a declared secret" ||
  fail "env: $out"
grep -q "$cfg:8: unknown configuration key 'newer.endpiont'" <<<"$err" &&
  pass "env warns about an undeclared key with file:line" || fail "env stderr: $err"
! grep -q hunter2 <<<"$out$err" && pass "the secret appears nowhere" || fail "secret leaked: $out $err"

all=$(rexray -l error -c "$cfg" env --all)
for line in "NEWER_PASSWORD=****** # set: $cfg:6" "NEWER_USERNAME=alice # set: $cfg:7" \
  "NEWER_TIMEOUT=5s # set: $cfg:10" "NEWER_ENDPOINT=http://127.0.0.1:1 # default" \
  "VOLUME_MOUNT_PREEMPT=false # default" "REXRAY_STORAGEDRIVERS=newer # set: $cfg:2"; do
  name=${line%%=*} rest=${line#*=}
  value=${rest%% # *} origin=${rest#* # }
  expect_eq "env --all: $name" "$(grep "^$name=" <<<"$all")" "$name=$value  # $origin"
done
! grep -q hunter2 <<<"$all" && pass "env --all hides the secret" || fail "env --all: $all"

pw=$(NEWER_PASSWORD=s3cret rexray -l error -c "$cfg" --newerUserName bob env)
grep -qx 'NEWER_PASSWORD=\*\*\*\*\*\*' <<<"$pw" && ! grep -q s3cret <<<"$pw" &&
  pass "a secret from the environment is redacted" || fail "env: $pw"
grep -qx 'NEWER_USERNAME=bob' <<<"$pw" && pass "a driver flag sets the plugin's key" ||
  fail "flag: $pw"

write_config "  timeout: soon"
expect_error "a value of the wrong declared type names file:line" \
  "$cfg:6: newer.timeout: expected a duration" -- rexray -l error -c "$cfg" env
write_config "  timeout: 1s"
expect_error "a bad value in a driver's env var names the variable" \
  "environment variable NEWER_TIMEOUT" -- \
  env NEWER_TIMEOUT=soon "$REXRAY" -l error -c "$cfg" env
expect_error "a flag for no section in play is refused" "unknown flag --nosuchRegion" -- \
  rexray -c "$cfg" --nosuchRegion x env
finish
