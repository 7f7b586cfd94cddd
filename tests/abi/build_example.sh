#!/usr/bin/env bash
# Builds sdk/examples/null against an *installed* SDK (no source tree on the
# include path), then checks rexray loads it and drives it through the ABI.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --component rexray-sdk --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/sdk/examples/null" -B "$tmp/null" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/null" >/dev/null
so="$tmp/null/librexray-null.so"

exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^_' || true)
[[ "$exported" == "rxr_plugin_entry_v1" ]] || { echo "FAIL: exports: $exported"; exit 1; }

inspect=$("$build/bin/rexray" plugins inspect "$so")
grep -q 'status: *loaded' <<<"$inspect" || { echo "FAIL: inspect said: $inspect"; exit 1; }

export REXRAY_HOME="$tmp/home"
created=$("$build/bin/rexray" --rexrayPluginsPath "$tmp/null" --rexrayStorageDrivers "null vfs" \
          volume create demo --size 3 --format json)
grep -q '"id": "null-1"' <<<"$created" || { echo "FAIL: create said: $created"; exit 1; }

# Its declared schema judges its `null:` section: `prefix` set there is what
# the plugin reads, an undeclared key is warned about naming file:line, and
# `rexray env --all` shows where the value came from.
cfg="$tmp/null.yml"
# YAML reads a bare null as no value: the name is quoted.
printf 'rexray:\n  storageDrivers: ["null"]\n"null":\n  prefix: cfg-\n  bogus: 1\n' >"$cfg"
rexray_null() { "$build/bin/rexray" -c "$cfg" --rexrayPluginsPath "$tmp/null" "$@"; }
created=$(rexray_null volume create configured --size 1 --format json 2>"$tmp/err")
grep -q '"id": "cfg-1"' <<<"$created" || { echo "FAIL: prefix from config: $created"; exit 1; }
grep -q "$cfg:5: unknown configuration key 'null.bogus'" "$tmp/err" ||
  { echo "FAIL: no warning for null.bogus: $(cat "$tmp/err")"; exit 1; }
all=$(rexray_null env --all 2>"$tmp/err")
grep -qx "NULL_PREFIX=cfg-  # set: $cfg:4" <<<"$all" || { echo "FAIL: env --all: $all"; exit 1; }
grep -q "$cfg:5: unknown configuration key 'null.bogus'" "$tmp/err" ||
  { echo "FAIL: env shows no warning: $(cat "$tmp/err")"; exit 1; }
default=$("$build/bin/rexray" --rexrayPluginsPath "$tmp/null" --rexrayStorageDrivers null env --all)
grep -qx "NULL_PREFIX=null-  # default" <<<"$default" || { echo "FAIL: default: $default"; exit 1; }
echo "out-of-tree null plugin: built, exports only its entry, loads, creates volumes, and its" \
  "declared schema judges its config section (prefix read, unknown key warned with file:line)"
