// A daemon killed at any moment: what the next start (reconcile) makes of
// what it left. The driver's view of attachments is the truth.
#include "core/FakeDriver.h"
#include "core/FakeOsLayer.h"

#include "volume/VolumeService.h"

#include <doctest/doctest.h>

#include <string>

using namespace rexray;
using namespace rexray::testing;

namespace {

bool detached(FakeServiceRig &rig, const std::string &volumeId) {
  for (const auto &d : rig.backend().detaches())
    if (d.first == volumeId) return true;
  return false;
}

} // namespace

TEST_CASE("VolumeService crash: an attachment rexray has no record of is left alone at start") {
  // Every attach of ours is recorded before it is made: one without a
  // record is the instance's boot disk or another tool's volume.
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "", 8, "this-host", "/dev/xvda");
  rig.backend().addVolume("vol-2", "elsewhere", 1, "other-host", "/dev/xvdf");
  rig.restart().reconcile(testDeadline());
  CHECK(rig.backend().detaches().empty());
  CHECK(rig.backend().volume("vol-1")->attachedInstanceId == "this-host");
  CHECK(rig.backend().volume("vol-2")->attachedInstanceId == "other-host");
}

TEST_CASE("VolumeService crash: a volume killed inside its attach is detached at start") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "lost");
  // The intent record is written, then the backend attaches, then the kill.
  rig.state->putAttachment({"fake", "vol-1", "lost", "", "", 0});
  rig.backend().addVolume("vol-1", "lost", 1, "this-host", "/dev/fake7");
  rig.restart().reconcile(testDeadline());
  CHECK(detached(rig, "vol-1"));
  // Docker's Get now says what is true, and Remove works.
  CHECK_FALSE(rig.service().cachedFind("lost")->attached());
  rig.service().remove("lost", false, testDeadline());
  CHECK_FALSE(rig.backend().volume("vol-1"));
}

TEST_CASE("VolumeService crash: a mount cut before it was counted is unmounted and detached") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.service().mount("data", "a", {}, testDeadline());
  // As if the kill came after mount(2) but before the record: no user.
  rig.state->removeMount("fake", "vol-1", "a");
  rig.state->removeAttachment("fake", "vol-1");
  rig.restart().reconcile(testDeadline());
  CHECK_FALSE(rig.os.isMounted("/x/data"));
  CHECK(detached(rig, "vol-1"));
}

TEST_CASE("VolumeService crash: an intent record with the volume attached is detached at start") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data", 1, "this-host", "/dev/fake3");
  rig.state->putAttachment({"fake", "vol-1", "data", "", "", 0});
  rig.restart().reconcile(testDeadline());
  CHECK(detached(rig, "vol-1"));
  CHECK_FALSE(rig.state->attachment("fake", "vol-1"));
}

TEST_CASE("VolumeService crash: an intent record of an attach that never happened is dropped") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.state->putAttachment({"fake", "vol-1", "data", "", "", 0});
  rig.restart().reconcile(testDeadline());
  CHECK(rig.backend().detaches().empty());
  CHECK_FALSE(rig.state->attachment("fake", "vol-1"));
}

TEST_CASE("VolumeService crash: mounts still in use and volumes another service holds stay") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "used");
  rig.service().mount("used", "a", {}, testDeadline());
  // Another service over the same backend on this host holds vol-2.
  rig.backend().addVolume("vol-2", "theirs", 1, "this-host", "/dev/fake9");
  rig.state->putAttachment({"other", "vol-2", "theirs", "/dev/fake9", "/dev/fake9", 0});
  rig.restart().reconcile(testDeadline());
  CHECK(rig.backend().detaches().empty());
  CHECK(rig.os.isMounted("/x/used"));
  CHECK(rig.state->mountCount("fake", "vol-1") == 1);
}
