#!/usr/bin/env bash
# Rebuilds each .deb with dpkg-deb so that its bytes depend on its contents
# only: CPack 3.25 stamps the ar members and the tar entries with the clock.
# dpkg-deb takes SOURCE_DATE_EPOCH for the ar members, clamps every file's
# time to it, sorts the entries, and gives them to root.
set -euo pipefail
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH must be set (the commit time)}"
for deb in "$@"; do
  tree=$(mktemp -d)
  dpkg-deb -R "$deb" "$tree/pkg"
  # Every file at the one time, older ones too (a checkout dates the sources).
  find "$tree/pkg" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
  dpkg-deb --root-owner-group -Zxz --build "$tree/pkg" "$deb.new" >/dev/null
  mv "$deb.new" "$deb"
  rm -rf "$tree"
done
