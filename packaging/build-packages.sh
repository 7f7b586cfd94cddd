#!/usr/bin/env bash
# Builds the Debian packages into <build dir>/packages from a /usr build of
# their own (`make package`). Reproducible: cmake/RexrayPackaging.cmake says how.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: build-packages.sh BUILD_DIR}
# The commit's time dates the build (rexray version) and every file in the
# packages; a tree with uncommitted changes still gets the last commit's.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export SOURCE_DATE_EPOCH
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# shellcheck disable=SC2086 # CMAKE_ARGS is a list of arguments
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DREXRAY_TESTS=OFF -DREXRAY_REPRODUCIBLE=ON "${launcher[@]}" ${CMAKE_ARGS:-}
cmake --build "$dir" -j "${JOBS:-2}"
rm -rf "$dir/packages"
(cd "$dir" && cpack -G DEB)
packaging/reproducible-deb.sh "$dir"/packages/*.deb
ls -l "$dir"/packages/*.deb
