#!/usr/bin/env bash
# Builds sdk/examples/null against an *installed* SDK (no source tree on the
# include path), then checks rexray loads it and drives it through the ABI.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --component sdk --prefix "$tmp/prefix" >/dev/null
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
echo "out-of-tree null plugin: built, exports only its entry, loads and creates volumes"
