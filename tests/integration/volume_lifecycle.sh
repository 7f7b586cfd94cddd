#!/usr/bin/env bash
# The whole life of a vfs volume through the real binary: real loop device,
# real mkfs.ext4, real mount(2).
source "$(dirname "$0")/lib.sh"

out=$(rexray volume create pgdata --size 1)
expect_eq "create prints the table header" "$(head -1 <<<"$out" | tr -s ' ')" "ID Name Status Size"
id=$(awk 'NR==2 {print $1}' <<<"$out")
[[ $id == vfs-* ]] && pass "new volume has a vfs ID ($id)" || fail "ID: $out"
expect_eq "size is 1 GiB" "$(awk 'NR==2 {print $4}' <<<"$out")" "1"
img="$REXRAY_HOME/var/lib/rexray/vfs/volumes/$id.img"
[[ -f $img ]] && pass "image file exists" || fail "no image at $img"
expect_eq "image is sparse" "$(du -k "$img" | cut -f1)" "0"

path=$(rexray volume mount pgdata)
expect_eq "mount returns <mount.path>/<name>/data" "$path" "$REXRAY_HOME/var/lib/rexray/volumes/pgdata/data"
mp="$REXRAY_HOME/var/lib/rexray/volumes/pgdata"
grep -q " $mp ext4 " /proc/self/mounts && pass "ext4 mounted at $mp" || fail "not mounted"
expect_eq "rootPath has mode 0700" "$(stat -c %a "$path")" "700"
dev=$(awk -v mp="$mp" '$2 == mp {print $1}' /proc/self/mounts)
expect_eq "the device is a loop device backed by the image" \
  "$(cat /sys/block/$(basename "$dev")/loop/backing_file)" "$img"
echo "hello from rexray" >"$path/greeting"
expect_eq "volume path while mounted" "$(rexray volume path pgdata)" "$path"
expect_eq "ls --path shows it attached" \
  "$(rexray volume ls --path | awk '$2 == "pgdata" {print $3, $5}')" "attached $path"
# The CLI counts as Mesos dvdcli does: every mount is one more user.
expect_eq "a second mount returns the same path" "$(rexray volume mount pgdata)" "$path"
expect_eq "... on the same single mount" "$(awk -v mp="$mp" '$2 == mp' /proc/self/mounts | wc -l)" "1"
expect_ok "unmount one of the two" -- rexray volume unmount pgdata
grep -q " $mp " /proc/self/mounts && pass "still mounted: the other mount holds it" ||
  fail "unmounted while the other mount holds it"

expect_ok "unmount" -- rexray volume unmount pgdata
grep -q " $mp " /proc/self/mounts && fail "still mounted" || pass "unmounted"
[[ -z $(losetup -j "$img") ]] && pass "loop device detached" || fail "still attached: $(losetup -j "$img")"
expect_eq "volume path when unmounted is empty" "$(rexray volume path pgdata)" ""
expect_eq "ls shows it available" "$(rexray volume ls | awk '$2 == "pgdata" {print $3}')" "available"

path=$(rexray volume mount PGDATA)
expect_eq "mount again, by a case-insensitive name" "$path" "$REXRAY_HOME/var/lib/rexray/volumes/pgdata/data"
expect_eq "the file survived" "$(cat "$path/greeting")" "hello from rexray"
expect_ok "unmount again" -- rexray volume unmount pgdata

snap=$(rexray snapshot create pgdata nightly --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
[[ $snap == vfssnap-* ]] && pass "snapshot created ($snap)" || fail "snapshot: $snap"
expect_eq "snapshot ls lists it" "$(rexray snapshot ls pgdata | awk 'NR==2 {print $2, $4}')" "nightly $id"
expect_ok "create a volume from the snapshot (0.3 flag form)" -- \
  rexray volume create --volumename restored --snapshotid nightly
path2=$(rexray volume mount --volumename restored)
expect_eq "the restored volume has the file" "$(cat "$path2/greeting")" "hello from rexray"
expect_ok "unmount the restored volume" -- rexray volume unmount restored

expect_ok "create a volume copied from another (0.3 --volumeid)" -- \
  rexray volume create cloned --volumeid pgdata
path3=$(rexray volume mount cloned)
expect_eq "the copy has the file" "$(cat "$path3/greeting")" "hello from rexray"
expect_ok "unmount the copy" -- rexray volume unmount cloned

expect_ok "copy the snapshot" -- rexray snapshot copy nightly nightly-copy
expect_eq "two snapshots now" "$(rexray snapshot ls | tail -n +2 | wc -l)" "2"

attached=$(rexray volume attach pgdata)
[[ $attached == /dev/loop* ]] && pass "attach prints the device ($attached)" || fail "attach: $attached"
expect_error "rm of an attached volume without --force" "attached|busy|in use" -- rexray volume rm pgdata
expect_ok "detach" -- rexray volume detach pgdata

expect_ok "remove the snapshots" -- rexray snapshot rm nightly
expect_ok "remove the snapshot copy" -- rexray snapshot rm nightly-copy
expect_ok "remove every volume" -- rexray volume rm pgdata restored cloned
expect_eq "no volumes left" "$(rexray volume ls | tail -n +2 | wc -l)" "0"
expect_eq "no snapshots left" "$(rexray snapshot ls | tail -n +2 | wc -l)" "0"
[[ -z $(ls "$REXRAY_HOME/var/lib/rexray/vfs/volumes") ]] && pass "no image files left" || fail "files left"
finish
