#!/usr/bin/env bash
# The Debian packages of this build (cpack): their names and control fields,
# installed with dpkg into a scratch root (never the host's), where the
# installed rexray finds every plugin from its installed place and serves vfs,
# the installed units pass systemd-analyze verify, and sdk/examples/null builds
# against the installed rexray-sdk alone, with CMake and with pkg-config.
# (Byte-identical rebuilds: `make package-check`, packaging/check-reproducible.sh.)
set -uo pipefail
: "${BUILD:?BUILD must name the build directory}"
tmp=$(mktemp -d /tmp/rexray-packages.XXXXXX)
echo "$$ $(cut -d')' -f2 /proc/$$/stat | awk '{print $20}')" >"$tmp/.rexray-test-owner" # see lib.sh
R=$tmp/root
H=$tmp/home
PASS=0 FAIL=0
pass() { echo "ok - $*"; PASS=$((PASS + 1)); }
fail() { echo "FAIL - $*"; FAIL=$((FAIL + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
rexray() { env -u REXRAY_STORAGEDRIVERS REXRAY_HOME="$H" HOME="$H" "$R/usr/bin/rexray" "$@"; }
cleanup() {
  [[ -x $R/usr/bin/rexray ]] && rexray stop >/dev/null 2>&1
  # anything the daemon left below tmp
  awk -v t="$tmp/" 'index($2, t) == 1 {print $2}' /proc/self/mounts | sort -r | xargs -r -n1 umount -l
  losetup -a 2>/dev/null | awk -F: -v t="$tmp/" 'index($0, t) {print $1}' | xargs -r -n1 losetup -d
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

###############################################################################
echo "# the packages"
cpack --config "$BUILD/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  { fail "cpack: $(tail -20 "$tmp/cpack.log")"; echo "$PASS passed, $FAIL failed"; exit 1; }
debs=("$tmp"/out/*.deb)
arch=$(dpkg --print-architecture)
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$BUILD/CPackConfig.cmake")
plugins=()
for so in "$BUILD"/lib/rexray/plugins/librexray-*.so; do
  [[ -e $so ]] && plugins+=("$(basename "$so" .so | sed 's/^librexray-//')")
done
expected="rexray_${version}-1_${arch}.deb rexray-sdk_${version}-1_${arch}.deb"
for p in "${plugins[@]}"; do expected+=" rexray-plugin-${p}_${version}-1_${arch}.deb"; done
got=$(for d in "${debs[@]}"; do basename "$d"; done | sort | tr '\n' ' ')
want=$(tr ' ' '\n' <<<"$expected" | sort | tr '\n' ' ')
check "one package each: rexray, rexray-sdk and ${#plugins[@]} plugins, Debian file names" \
  test "$got" == "$want"
[[ $got == "$want" ]] || echo "# got: $got; want: $want"
field() { dpkg-deb -f "$tmp/out/$1_${version}-1_${arch}.deb" "$2"; }
abi=$(sed -n 's/^#define RXR_ABI_MAJOR \([0-9]*\)u$/\1/p' "$(dirname "$0")/../../sdk/include/rexray/sdk/driver.h")
check "rexray provides rexray-abi-$abi" test "$(field rexray Provides)" == "rexray-abi-$abi"
check "rexray depends on its shared libraries (shlibdeps: Poco, yaml-cpp, libblkid)" \
  grep -q 'libpoco.*libyaml-cpp\|libyaml-cpp.*libpoco' <<<"$(field rexray Depends)"
grep -q libblkid <<<"$(field rexray Depends)" || fail "rexray Depends lacks libblkid: $(field rexray Depends)"
for p in "${plugins[@]}"; do
  deps=$(field "rexray-plugin-$p" Depends)
  check "rexray-plugin-$p depends on rexray-abi-$abi and its libraries ($deps)" \
    grep -q "rexray-abi-$abi" <<<"$deps"
  grep -q "libpoco" <<<"$deps" || fail "rexray-plugin-$p: no shlibdeps in: $deps"
  contents=$(dpkg-deb -c "$tmp/out/rexray-plugin-${p}_${version}-1_${arch}.deb" | awk '{print $6}' |
             grep -v '/$' | tr '\n' ' ')
  check "rexray-plugin-$p holds just /usr/lib/rexray/plugins/librexray-$p.so (+ its docs)" \
    grep -q "^./usr/lib/rexray/plugins/librexray-$p.so $" <<<"$contents"
done
check "config.yml is a conffile of rexray" \
  grep -qx /etc/rexray/config.yml <<<"$(dpkg-deb --ctrl-tarfile "$tmp/out/rexray_${version}-1_${arch}.deb" |
                                        tar -xO ./conffiles)"

###############################################################################
echo "# dpkg --root into a scratch root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers"
touch "$R/var/lib/dpkg/status"
# The scratch root has none of the libraries' packages (they are the host's)
# and no shell for the maintainer scripts, which see DPKG_ROOT and leave
# systemd alone.
if dpkg --root="$R" --log="$tmp/dpkg.log" --force-depends --force-script-chrootless \
  -i "${debs[@]}" >"$tmp/dpkg.out" 2>&1; then
  pass "dpkg --root installs all ${#debs[@]} packages"
else
  fail "dpkg -i: $(tail -20 "$tmp/dpkg.out")"
fi
check "dpkg registers /etc/rexray/config.yml as a conffile" \
  grep -q '^ /etc/rexray/config.yml [0-9a-f]\{32\}$' <<<"$(dpkg --root="$R" -s rexray)"
for f in usr/bin/rexray etc/rexray/config.yml usr/lib/systemd/system/rexray.service \
  usr/lib/systemd/system/rexray.socket; do
  check "installed /$f" test -e "$R/$f"
done
check "the packaged service runs /usr/bin/rexray start -f" \
  grep -qx "ExecStart=/usr/bin/rexray start -f" "$R/usr/lib/systemd/system/rexray.service"
# What a real root would have besides our packages: systemd's targets and
# /bin/kill (procps, which rexray depends on, for ExecReload). No man page yet.
cp -rn /usr/lib/systemd/system/. "$R/usr/lib/systemd/system/"
mkdir -p "$R/bin" && cp /bin/kill "$R/bin/kill"
# It exits 0 on an unknown key, only saying so: silence is the pass.
if out=$(systemd-analyze verify --man=no --root="$R" rexray.socket rexray.service 2>&1) &&
  [[ -z $out ]]; then
  pass "systemd-analyze verify --root accepts the packaged units without a word"
else
  fail "systemd-analyze verify: $out"
fi

###############################################################################
echo "# the installed rexray"
mkdir -p "$H"
ls_out=$(rexray plugins ls 2>&1)
for p in "${plugins[@]}"; do
  check "rexray plugins ls finds $p at $R/usr/lib/rexray/plugins/librexray-$p.so, loaded" \
    grep -q "$R/usr/lib/rexray/plugins/librexray-$p.so.*loaded\|loaded.*$R/usr/lib/rexray/plugins/librexray-$p.so" <<<"$ls_out"
done
grep -q "vfs" <<<"$ls_out" && pass "... and the built-in vfs" || fail "plugins ls: $ls_out"
out=$(rexray start 2>&1)
check "the installed daemon starts on vfs" grep -q "SUCCESS" <<<"$out"
[[ $out == *SUCCESS* ]] || echo "# $out"
out=$(rexray volume create pkgvol --size 1 2>&1)
check "rexray volume create through the installed daemon" grep -q pkgvol <<<"$out"
check "rexray volume ls lists it" grep -q pkgvol <<<"$(rexray volume ls 2>&1)"
out=$(rexray stop 2>&1)
check "rexray stop" grep -q "SUCCESS" <<<"$out"
if [[ -e $BUILD/lib/rexray/rexray-csi.so ]]; then
  # The CSI front end is a module the daemon loads only when configured, so
  # the binary itself (and every CLI run) maps no gRPC.
  check "rexray holds the CSI module, /usr/lib/rexray/rexray-csi.so" \
    test -f "$R/usr/lib/rexray/rexray-csi.so"
  check "/usr/bin/rexray links no gRPC itself" \
    bash -c "! ldd '$R/usr/bin/rexray' | grep -q grpc"
  # It exports core for the module, but not the SDK code compiled into it,
  # which a plugin built without the SDK's version script could bind to.
  nm -D --defined-only "$R/usr/bin/rexray" | c++filt >"$tmp/exported" # a file: an ASan build's list outgrows an argument
  check "/usr/bin/rexray exports core's classes for the module, and no rexray::sdk symbol" \
    bash -c "grep -q 'rexray::VolumeService::' '$tmp/exported' && ! grep -q 'rexray::sdk::' '$tmp/exported'"
  out=$(CSI_ENDPOINT="unix://$H/csi.sock" rexray start 2>&1)
  check "the installed daemon serves CSI from the installed module" test -S "$H/csi.sock"
  [[ -S $H/csi.sock ]] || echo "# $out"
  rexray stop >/dev/null 2>&1 || true
  mv "$R/usr/lib/rexray/rexray-csi.so" "$tmp/rexray-csi.so.aside"
  out=$(CSI_ENDPOINT="unix://$H/csi.sock" rexray start 2>&1) || true
  check "without the module, a CSI endpoint stops the start, naming the file looked for" \
    grep -q "no CSI module.*$R/usr/lib/rexray/rexray-csi.so" <<<"$out"
  grep -q "no CSI module" <<<"$out" || { echo "# $out"; rexray stop >/dev/null 2>&1 || true; }
  mv "$tmp/rexray-csi.so.aside" "$R/usr/lib/rexray/rexray-csi.so"
fi

###############################################################################
echo "# sdk/examples/null against the installed rexray-sdk alone"
example=$R/usr/share/doc/rexray-sdk/examples/null
check "rexray-sdk ships the example" test -f "$example/NullDriver.cpp"
cp -r "$example" "$tmp/null-cmake"
cp -r "$example" "$tmp/null-pc"
if cmake -S "$tmp/null-cmake" -B "$tmp/null-cmake/build" -DCMAKE_PREFIX_PATH="$R/usr" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$tmp/cmake.log" 2>&1 &&
  cmake --build "$tmp/null-cmake/build" >>"$tmp/cmake.log" 2>&1; then
  pass "CMake builds it with find_package(rexray-sdk)"
else
  fail "CMake: $(tail -20 "$tmp/cmake.log")"
fi
check "... the rexray-sdk CMake package it used is the installed one" \
  grep -q "^rexray-sdk_DIR:PATH=$R/usr/" "$tmp/null-cmake/build/CMakeCache.txt"
pcdir=$(dirname "$(find "$R/usr" -name rexray-sdk.pc)")
if PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_LIBDIR="$pcdir" make -C "$tmp/null-pc" >"$tmp/make.log" 2>&1; then
  pass "make builds it with pkg-config (PKG_CONFIG_LIBDIR=$pcdir only)"
else
  fail "pkg-config build: $(tail -20 "$tmp/make.log")"
fi
for so in "$tmp/null-cmake/build/librexray-null.so" "$tmp/null-pc/librexray-null.so"; do
  exported=$(nm -D --defined-only "$so" 2>/dev/null | awk '{print $3}' | grep -v '^_' | tr '\n' ' ')
  check "${so#"$tmp"/} exports only rxr_plugin_entry_v1" test "$exported" == "rxr_plugin_entry_v1 "
  check "... and the installed rexray loads it" \
    grep -q 'status: *loaded' <<<"$(rexray plugins inspect "$so" 2>&1)"
done

echo "$PASS passed, $FAIL failed"
[[ $FAIL == 0 ]]
