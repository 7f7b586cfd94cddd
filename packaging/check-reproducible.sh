#!/usr/bin/env bash
# Builds the packages twice, in two build directories, and compares them byte
# for byte (`make package-check`).
set -euo pipefail
cd "$(dirname "$0")/.."
first=${1:?usage: check-reproducible.sh DIR1 DIR2} second=${2:?usage: check-reproducible.sh DIR1 DIR2}
# One time for both builds, even should a commit land in between.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export SOURCE_DATE_EPOCH
packaging/build-packages.sh "$first"
packaging/build-packages.sh "$second"
a=$(cd "$first/packages" && sha256sum -- *.deb)
b=$(cd "$second/packages" && sha256sum -- *.deb)
if [[ $a != "$b" ]]; then
  echo "package-check: the two builds differ:"
  diff <(echo "$a") <(echo "$b") || true
  echo "(diffoscope $first/packages/X.deb $second/packages/X.deb shows where)"
  exit 1
fi
echo "package-check: $(wc -l <<<"$a") packages, byte-identical in $first and $second:"
echo "$a"
