#!/usr/bin/env bash
# Builds tests/abi/support_consumer against an *installed* SDK with its
# `support` component, checks the plugin exports only its entry and lists
# volumes from a loopback HTTP server through rexray::sdk_support. Also checks
# that the plain SDK is found without Poco and that an unknown component is
# refused.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
server=
cleanup() { [[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

cmake --install "$build" --component rexray-sdk --prefix "$tmp/prefix" >/dev/null
[[ -f "$tmp/prefix/lib/cmake/rexray-sdk/rexray-sdk-support-targets.cmake" ]] ||
  { echo "FAIL: no rexray-sdk-support-targets.cmake installed"; exit 1; }

# The plain SDK must not look for Poco at all.
mkdir -p "$tmp/plain"
cat >"$tmp/plain/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(plain NONE)
find_package(rexray-sdk 1.1 REQUIRED)
if(TARGET rexray::sdk_support)
  message(FATAL_ERROR "rexray::sdk_support defined without the support component")
endif()
CM
cmake -S "$tmp/plain" -B "$tmp/plain/b" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      -DCMAKE_DISABLE_FIND_PACKAGE_Poco=TRUE >/dev/null ||
  { echo "FAIL: find_package(rexray-sdk) needs Poco"; exit 1; }
sed -i 's/REQUIRED)/REQUIRED COMPONENTS nosuch)/' "$tmp/plain/CMakeLists.txt"
if cmake -S "$tmp/plain" -B "$tmp/plain/c" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null 2>&1; then
  echo "FAIL: an unknown component was accepted"; exit 1
fi

# A sanitized build installs a sanitized (static) support library: whatever
# links it needs the same sanitizer runtime, as the host that loads it has.
sanitize=$(sed -n 's/^REXRAY_SANITIZE:STRING=//p' "$build/CMakeCache.txt")
flags=()
if [[ -n "$sanitize" ]]; then
  flags=(-DCMAKE_CXX_FLAGS="-fsanitize=$sanitize" -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=$sanitize"
         -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=$sanitize")
fi
cmake -S "$src/tests/abi/support_consumer" -B "$tmp/probe" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      "${flags[@]}" >/dev/null
cmake --build "$tmp/probe" >/dev/null
so="$tmp/probe/librexray-probe.so"
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^_' || true)
[[ "$exported" == "rxr_plugin_entry_v1" ]] || { echo "FAIL: exports: $exported"; exit 1; }

mkdir -p "$tmp/www"
printf 'alpha\nbeta\n' >"$tmp/www/volumes"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/http.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q 'port' "$tmp/http.log" && break; sleep 0.1; done
port=$(grep -o 'port [0-9]*' "$tmp/http.log" | head -1 | awk '{print $2}')
[[ -n "$port" ]] || { echo "FAIL: no test HTTP server"; exit 1; }

export REXRAY_HOME="$tmp/home" PROBE_ENDPOINT="http://127.0.0.1:$port"
listed=$("$build/bin/rexray" --rexrayPluginsPath "$tmp/probe" --rexrayStorageDrivers "probe" \
         volume ls --format json)
grep -q '"alpha"' <<<"$listed" && grep -q '"beta"' <<<"$listed" ||
  { echo "FAIL: volume ls said: $listed"; exit 1; }
echo "out-of-tree support consumer: built from the installed SDK, exports only its entry," \
     "lists volumes over HTTP through rexray::sdk_support"
