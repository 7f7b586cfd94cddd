#include "core/FakeDriver.h"
#include "core/FakeOsLayer.h"

#include "util/Error.h"
#include "volume/VolumeService.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

using namespace rexray;
using namespace rexray::testing;
using namespace std::chrono_literals;

TEST_CASE("VolumeService deadline: one deadline reaches every driver call of a mount") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  const Deadline deadline = Deadline::in(20s);
  rig.service().mount("data", "a", {}, deadline);

  // Lookups carry the request's deadline itself; the attach steps carry one
  // no later (the pipeline keeps a reserve for undoing them).
  for (const char *op : {"volumes_list", "volume_get"}) {
    const auto seen = rig.backend().deadlines(op);
    REQUIRE_FALSE(seen.empty());
    for (int64_t d : seen) CHECK(d == deadline.monoMs());
  }
  for (const char *op : {"volume_attach", "wait_for_device"}) {
    const auto seen = rig.backend().deadlines(op);
    REQUIRE(seen.size() == 1);
    CHECK(seen.front() > 0);
    CHECK(seen.front() <= deadline.monoMs());
  }
}

TEST_CASE("VolumeService deadline: a stalled device fails the mount with a timeout and leaves "
          "nothing attached or mounted") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.backend().stallDevice(true);
  const Deadline deadline = Deadline::in(800ms);

  auto e = caught([&] { rig.service().mount("data", "a", {}, deadline); });
  CHECK(e.thrown);
  CHECK(e.kind == ErrorKind::Timeout);
  CHECK(e.message.find("did not appear") != std::string::npos);

  // The wait gave up before the request's deadline, so the rollback detach
  // still had time under that same deadline.
  const auto waited = rig.backend().deadlines("wait_for_device");
  REQUIRE(waited.size() == 1);
  CHECK(waited.front() < deadline.monoMs());
  const auto detached = rig.backend().deadlines("volume_detach");
  REQUIRE(detached.size() == 1);
  CHECK(detached.front() == deadline.monoMs());
  CHECK(rig.backend().volume("vol-1")->attachedInstanceId.empty());
  CHECK_FALSE(rig.state->attachment("fake", "vol-1"));
  CHECK(rig.state->mountCount("fake", "vol-1") == 0);
  CHECK_FALSE(rig.os.isMounted("/x/data"));
}

TEST_CASE("VolumeService deadline: a volume busy past the deadline is a timeout, not a hang") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.backend().stallDevice(true);
  // One caller holds the volume's lock while its mount stalls...
  std::thread first(
      [&] { caught([&] { rig.service().mount("data", "a", {}, Deadline::in(1500ms)); }); });
  while (rig.backend().calls("volume_attach") == 0) std::this_thread::sleep_for(5ms);
  // ...and another with a shorter deadline gives up waiting for it.
  auto e = caught([&] { rig.service().unmount("data", "b", Deadline::in(100ms)); });
  first.join();
  CHECK(e.thrown);
  CHECK(e.kind == ErrorKind::Timeout);
  CHECK(e.message.find("'data'") != std::string::npos);
  CHECK(e.message.find("deadline") != std::string::npos);
}

TEST_CASE("VolumeService deadline: no driver call starts once the deadline has passed") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  const int before = rig.backend().totalCalls();
  auto e = caught([&] { rig.service().list(Deadline::at(Deadline::Clock::now() - 1ms)); });
  CHECK(e.thrown);
  CHECK(e.kind == ErrorKind::Timeout);
  CHECK(e.message.find("volumes_list") != std::string::npos);
  CHECK(rig.backend().totalCalls() == before);
}

TEST_CASE("VolumeService deadline: a mount retry that cannot finish in time is not started") {
  FakeServiceRig rig;
  rig.settings.mountRetryCount = 5;
  rig.settings.mountRetryWaitMs = 60000;
  rig.backend().addVolume("vol-1", "data");
  rig.backend().failNext("volume_attach", RXR_E_BACKEND, "backend hiccup");
  auto e = caught([&] { rig.service().mount("data", "a", {}, Deadline::in(10s)); });
  CHECK(e.thrown);
  CHECK(e.message.find("backend hiccup") != std::string::npos);
  CHECK(rig.backend().calls("volume_attach") == 1);
}
