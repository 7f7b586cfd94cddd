#include "core/FakeDriver.h"
#include "core/FakeOsLayer.h"

#include "mount/MountPipeline.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <algorithm>

#include <string>
#include <vector>

using namespace rexray;
using namespace rexray::testing;

namespace {

// The state a failed mount must leave: nothing mounted, nothing counted, the
// volume detached again and no attachment record claiming otherwise.
void checkRolledBack(FakeServiceRig &rig, const std::string &volumeId) {
  INFO(rig.os.history());
  CHECK(rig.os.table.empty());
  CHECK(rig.state->mountCount("fake", volumeId) == 0);
  CHECK_FALSE(rig.state->attachment("fake", volumeId));
  auto detaches = rig.backend().detaches();
  REQUIRE(detaches.size() == 1);
  CHECK(detaches[0].first == volumeId);
  CHECK(rig.backend().volume(volumeId)->attachedInstanceId.empty());
}

} // namespace

// ---- formatting and the order of steps ------------------------------------

TEST_CASE("MountPipeline: an empty device is formatted, mounted, then rootPath is made") {
  FakeServiceRig rig;
  rig.settings.fileMode = 0750;
  rig.backend().addVolume("vol-1", "data");

  SUBCASE("with the default fsType") {
    CHECK(rig.service().mount("data", "a", {}, testDeadline()) == "/x/data/data");
    INFO(rig.os.history());
    CHECK(rig.os.count("mkfs") == 1);
    CHECK(rig.os.sawInOrder({"mkfs /dev/fake0 ext4", "mount /dev/fake0 /x/data ext4",
                             "mkdir /x/data/data 0750", "chmod /x/data/data 0750"}));
    CHECK(rig.os.directories.at("/x/data/data") == 0750);
  }
  SUBCASE("and at the next mount, a rootPath that has its mode is left alone") {
    rig.service().mount("data", "a", {}, testDeadline());
    rig.service().unmount("data", "a", testDeadline());
    rig.os.calls.clear();
    rig.service().mount("data", "a", {}, testDeadline());
    INFO(rig.os.history());
    // A chmod would dirty the file system, and its unmount wait for a journal commit.
    CHECK(rig.os.count("mkdir /x/data/data") == 0);
    CHECK(rig.os.count("chmod") == 0);
  }
  SUBCASE("with a configured default fsType") {
    rig.settings.defaultFsType = "xfs";
    rig.service().mount("data", "a", {}, testDeadline());
    INFO(rig.os.history());
    CHECK(rig.os.sawInOrder({"mkfs /dev/fake0 xfs", "mount /dev/fake0 /x/data xfs"}));
  }
  SUBCASE("with the caller's fsType") {
    MountOptions options;
    options.fsType = "btrfs";
    rig.service().mount("data", "a", options, testDeadline());
    INFO(rig.os.history());
    CHECK(rig.os.sawInOrder({"mkfs /dev/fake0 btrfs", "mount /dev/fake0 /x/data btrfs"}));
  }
}

TEST_CASE("MountPipeline: a device that has a file system is not formatted") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.os.setFilesystem("/dev/fake0", "xfs");
  rig.service().mount("data", "a", {}, testDeadline());
  INFO(rig.os.history());
  CHECK(rig.os.count("mkfs") == 0);
  // Mounted as what is on it, not as the default ext4.
  CHECK(rig.os.sawInOrder({"mount /dev/fake0 /x/data xfs"}));
}

namespace {
int probes(const FakeOsLayer &os) {
  return static_cast<int>(std::count_if(os.queries.begin(), os.queries.end(),
                                        [](const auto &q) { return q.rfind("probe", 0) == 0; }));
}
} // namespace

TEST_CASE("MountPipeline: a volume is probed at its first mount only") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.os.setFilesystem("/dev/fake0", "ext3");
  rig.os.setFilesystem("/dev/fake1", "ext3");
  rig.service().mount("data", "a", {}, testDeadline());
  CHECK(probes(rig.os) == 1);
  rig.service().unmount("data", "a", testDeadline());
  rig.service().mount("data", "b", {}, testDeadline());
  INFO(rig.os.history());
  CHECK(probes(rig.os) == 1);
  CHECK(rig.os.refused.empty());
  // Mounted as what is on it both times, not as the default ext4.
  CHECK(rig.os.count("mount") == 2);
  const std::string h = rig.os.history();
  CHECK(h.find("/x/data ext3") != h.rfind("/x/data ext3")); // twice
}

TEST_CASE("MountPipeline: a volume reformatted elsewhere since is probed again") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.os.setFilesystem("/dev/fake0", "ext4");
  rig.service().mount("data", "a", {}, testDeadline());
  rig.service().unmount("data", "a", testDeadline());
  // The fake backend may hand out the next device name on a new attach.
  rig.os.setFilesystem("/dev/fake0", "xfs");
  rig.os.setFilesystem("/dev/fake1", "xfs");
  rig.service().mount("data", "b", {}, testDeadline());
  INFO(rig.os.history());
  REQUIRE(rig.os.refused.size() == 1);
  CHECK(rig.os.refused.front().find(" ext4") != std::string::npos);
  CHECK(probes(rig.os) == 2);
  CHECK(rig.os.count("mkfs") == 0);
  CHECK(rig.os.history().find("/x/data xfs") != std::string::npos);
}

TEST_CASE("MountPipeline: overwriteFs formats a device that has a file system") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.os.setFilesystem("/dev/fake0", "xfs");
  MountOptions options;
  options.overwriteFs = true;
  rig.service().mount("data", "a", options, testDeadline());
  INFO(rig.os.history());
  CHECK(rig.os.sawInOrder({"mkfs /dev/fake0 ext4", "mount /dev/fake0 /x/data ext4"}));
}

TEST_CASE("MountPipeline: a device already mounted elsewhere is handed out, not mounted again") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data", 1, "this-host", "/dev/fake7");
  MountEntry existing;
  existing.source = "/dev/fake7";
  existing.target = "/mnt/other";
  existing.fsType = "ext4";
  rig.os.table.push_back(existing);

  CHECK(rig.service().mount("data", "a", {}, testDeadline()) == "/mnt/other/data");
  CHECK(rig.os.count("mount") == 0);
  CHECK(rig.os.count("mkfs") == 0);
  CHECK(rig.backend().calls("volume_attach") == 0);
}

// ---- paths ----------------------------------------------------------------

TEST_CASE("MountPipeline: rootPath \"/\" hands out the mount point itself") {
  FakeServiceRig rig;
  rig.settings.rootPath = "/";
  rig.backend().addVolume("vol-1", "data");
  CHECK(rig.service().mount("data", "a", {}, testDeadline()) == "/x/data");
  INFO(rig.os.history());
  CHECK(rig.os.sawInOrder(
      {"mount /dev/fake0 /x/data ext4", "mkdir /x/data 0700", "chmod /x/data 0700"}));
}

TEST_CASE("MountPipeline: driven directly, mount and unmount round-trip") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  auto handle = makeFakeHandle();
  KnownFilesystems known;
  MountPipeline pipeline(*handle, rig.os, *rig.state, rig.settings, known);

  Volume v = handle->volume("vol-1", testDeadline());
  MountResult r = pipeline.mount(v, "this-host", {}, false, testDeadline());
  CHECK(r.device == "/dev/fake0");
  CHECK(r.mountPoint == "/x/data");
  CHECK(r.path == "/x/data/data");
  CHECK(rig.os.isMounted("/x/data"));
  REQUIRE(rig.state->attachment("fake", "vol-1"));

  v = handle->volume("vol-1", testDeadline());
  CHECK(pipeline.localDevice(v, "this-host", testDeadline()) == "/dev/fake0");
  pipeline.unmount(v, "this-host", testDeadline());
  CHECK_FALSE(rig.os.isMounted("/x/data"));
  CHECK_FALSE(rig.state->attachment("fake", "vol-1"));
  CHECK(rig.backend().volume("vol-1")->attachedInstanceId.empty());
}

// ---- rollback -------------------------------------------------------------

TEST_CASE("MountPipeline: a failing mount detaches again and rethrows the mount's error") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.os.failNext("mount");
  auto e = caught([&] { rig.service().mount("data", "a", {}, testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::Internal);
  CHECK(e.message == "injected");
  checkRolledBack(rig, "vol-1");
  CHECK(rig.os.count("unmount") == 0);
  CHECK(rig.os.sawInOrder({"rmdir /x/data"}));
}

TEST_CASE("MountPipeline: failing to prepare rootPath after the mount unmounts and detaches") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  SUBCASE("mkdir fails") {
    rig.os.failNext("mkdir", "/x/data/data");
  }
  SUBCASE("chmod fails") {
    rig.os.failNext("chmod");
  }

  auto e = caught([&] { rig.service().mount("data", "a", {}, testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::Internal);
  CHECK(e.message == "injected");
  INFO(rig.os.history());
  CHECK(rig.os.sawInOrder({"mount /dev/fake0 /x/data ext4", "unmount /x/data"}));
  checkRolledBack(rig, "vol-1");
}

TEST_CASE("MountPipeline: wait_for_device failing detaches and keeps the driver's error") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.backend().failNext("wait_for_device", RXR_E_TIMEOUT, "device never showed up");
  auto e = caught([&] { rig.service().mount("data", "a", {}, testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::Timeout);
  CHECK(e.message.find("device never showed up") != std::string::npos);
  CHECK(e.message.find("problem with device discovery") != std::string::npos);
  CHECK(rig.os.calls.empty());
  checkRolledBack(rig, "vol-1");
}

TEST_CASE("MountPipeline: a failing attach leaves nothing to undo") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.backend().failNext("volume_attach", RXR_E_BACKEND, "quota exceeded");
  auto e = caught([&] { rig.service().mount("data", "a", {}, testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::Backend);
  CHECK(e.message.find("quota exceeded") != std::string::npos);
  CHECK(rig.backend().detaches().empty());
  CHECK(rig.os.calls.empty());
  CHECK_FALSE(rig.state->attachment("fake", "vol-1"));
}

TEST_CASE("MountPipeline: a second caller's failure does not unmount the first caller's volume") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.service().mount("data", "a", {}, testDeadline());
  rig.os.directories["/x/data/data"] = 0777; // changed since: the second mount sets it again
  rig.os.failNext("chmod");
  auto e = caught([&] { rig.service().mount("data", "b", {}, testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(rig.os.isMounted("/x/data"));
  CHECK(rig.backend().detaches().empty());
  CHECK(rig.state->mountCount("fake", "vol-1") == 1);
}

// removeDirectory may throw (EACCES, EROFS, EBUSY); the rollback must still
// detach and report why the mount failed, not why the cleanup did.
TEST_CASE("MountPipeline: rollback still detaches when removing the mount directory fails") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.os.failNext("mount", "", ErrorKind::Internal, "mount failed");
  rig.os.failNext("rmdir", "", ErrorKind::Internal, "rmdir failed");
  auto e = caught([&] { rig.service().mount("data", "a", {}, testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.message == "mount failed");
  checkRolledBack(rig, "vol-1");
}

// ---- crash windows ---------------------------------------------------------

TEST_CASE("MountPipeline: the attachment is recorded before the driver attaches") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  bool recordedFirst = false;
  rig.backend().onAttach(
      [&] { recordedFirst = rig.state->attachment("fake", "vol-1").has_value(); });
  rig.service().mount("data", "a", {}, testDeadline());
  CHECK(recordedFirst);
  auto record = rig.state->attachment("fake", "vol-1");
  REQUIRE(record);
  CHECK(record->token == "/dev/fake0");
  CHECK(record->device == "/dev/fake0");
}

TEST_CASE("MountPipeline: a failed attach drops its intent record") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.backend().failNext("volume_attach", RXR_E_BACKEND, "no");
  CHECK(caught([&] { rig.service().mount("data", "a", {}, testDeadline()); }).thrown);
  CHECK_FALSE(rig.state->attachment("fake", "vol-1"));
}

// Someone unmounted and detached the volume behind our back; the record
// (and a view of the volume less than a second old) still say attached.
TEST_CASE("MountPipeline: a stale attachment record is dropped and the volume attached afresh") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  auto &svc = rig.service();
  svc.mount("data", "a", {}, testDeadline());
  rig.os.unmount("/x/data");
  rig.backend().detachBehindOurBack("vol-1");

  CHECK(svc.mount("data", "b", {}, testDeadline()) == "/x/data/data");
  CHECK(rig.backend().calls("volume_attach") == 2);
  CHECK(rig.os.isMounted("/x/data"));
  auto record = rig.state->attachment("fake", "vol-1");
  REQUIRE(record);
  CHECK(record->device == "/dev/fake1");
}
