#include "core/FakeDriver.h"
#include "core/FakeOsLayer.h"

#include "util/Error.h"
#include "volume/VolumeService.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include <algorithm>
#include <string>
#include <vector>

using namespace rexray;
using namespace rexray::testing;

namespace {

CreateSpec named(const std::string &name) {
  CreateSpec spec;
  spec.name = name;
  return spec;
}

std::vector<std::string> callers(StateStore &state, const std::string &volumeId) {
  std::vector<std::string> out;
  for (const auto &m : state.mounts("fake", volumeId)) out.push_back(m.callerId);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

// ---- lookup ---------------------------------------------------------------

TEST_CASE("VolumeService: lookup by exact ID, exact name, then case-insensitive name") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "pgdata");
  rig.backend().addVolume("vol-2", "Logs");
  auto &svc = rig.service();

  CHECK(svc.inspect("vol-1", testDeadline()).name == "pgdata");
  CHECK(svc.inspect("pgdata", testDeadline()).id == "vol-1");
  CHECK(svc.inspect("PGDATA", testDeadline()).id == "vol-1");
  CHECK(svc.inspect("logs", testDeadline()).id == "vol-2");
  CHECK(svc.inspect("Logs", testDeadline()).service == "fake");
}

TEST_CASE("VolumeService: two case-insensitive matches are Ambiguous and name both IDs") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-3", "Cache");
  rig.backend().addVolume("vol-4", "CACHE");

  auto e = caught([&] { rig.service().inspect("cache", testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::Ambiguous);
  CHECK(e.message.find("vol-3") != std::string::npos);
  CHECK(e.message.find("vol-4") != std::string::npos);
}

TEST_CASE("VolumeService: an exact name wins over case-insensitive matches") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-3", "Cache");
  rig.backend().addVolume("vol-4", "CACHE");
  CHECK(rig.service().inspect("Cache", testDeadline()).id == "vol-3");
  CHECK(rig.service().inspect("CACHE", testDeadline()).id == "vol-4");
}

TEST_CASE("VolumeService: NotFound names the volume and the service") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "pgdata");
  auto e = caught([&] { rig.service().inspect("nope", testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::NotFound);
  CHECK(e.message.find("'nope'") != std::string::npos);
  CHECK(e.message.find("'fake'") != std::string::npos);

  auto empty = caught([&] { rig.service().inspect("", testDeadline()); });
  CHECK(empty.kind == ErrorKind::Invalid);
}

TEST_CASE("VolumeService: a volume the cache does not know yet is still found") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "pgdata");
  CHECK(rig.service().inspect("pgdata", testDeadline()).id == "vol-1");
  // Created by another host after this service loaded its view.
  rig.backend().addVolume("vol-2", "logs");
  CHECK(rig.service().inspect("LOGS", testDeadline()).id == "vol-2");
}

// Lookups answer from the cache first. A case-insensitive hit there must not
// hide an exact match the backend has gained since (another host created
// "data" next to "Data"): mount would hand out the wrong volume's data.
TEST_CASE("VolumeService: an exact name wins over a cached case-insensitive match") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "Data");
  CHECK(rig.service().inspect("Data", testDeadline()).id == "vol-1");
  rig.backend().addVolume("vol-2", "data");
  CHECK(rig.service().inspect("data", testDeadline()).id == "vol-2");
  CHECK(rig.service().mount("data", "a", {}, testDeadline()) == "/x/data/data");
  CHECK(rig.backend().volume("vol-2")->attachedInstanceId == "this-host");
  CHECK(rig.backend().volume("vol-1")->attachedInstanceId.empty());
}

// ---- create ---------------------------------------------------------------

TEST_CASE("VolumeService: create takes the size from the settings when none is given") {
  FakeServiceRig rig;
  SUBCASE("the built-in default is 16 GiB") {
    Volume v = rig.service().create(named("a"), testDeadline());
    CHECK(v.sizeGiB == 16);
    REQUIRE(rig.backend().creates().size() == 1);
    CHECK(rig.backend().creates()[0].sizeGiB == 16);
  }
  SUBCASE("a configured default") {
    rig.settings.defaultSizeGiB = 7;
    rig.service().create(named("a"), testDeadline());
    CHECK(rig.backend().creates().at(0).sizeGiB == 7);
  }
}

TEST_CASE("VolumeService: create passes an explicit size and falls back to type/zone/iops "
          "defaults") {
  FakeServiceRig rig;
  rig.settings.defaultType = "gp3";
  rig.settings.defaultAvailabilityZone = "zone-a";
  rig.settings.defaultIops = 300;
  CreateSpec spec = named("a");
  spec.sizeGiB = 3;
  Volume v = rig.service().create(spec, testDeadline());
  CHECK(v.sizeGiB == 3);
  auto request = rig.backend().creates().at(0);
  CHECK(request.sizeGiB == 3);
  CHECK(request.type == "gp3");
  CHECK(request.availabilityZone == "zone-a");
  CHECK(request.iops == 300);

  CreateSpec own = named("b");
  own.type = "io1";
  own.iops = 50;
  rig.service().create(own, testDeadline());
  CHECK(rig.backend().creates().at(1).type == "io1");
  CHECK(rig.backend().creates().at(1).iops == 50);
}

// One rule, one message: the Docker front end, the control API and the CLI
// all show what validateName says.
TEST_CASE("VolumeService: an unsafe name is refused with the one name message") {
  FakeServiceRig rig;
  const std::string message = "invalid volume name 'a/b': use letters, digits, '_', '.' and '-', "
                              "starting with a letter or digit";
  CHECK(caught([&] { rig.service().create(named("a/b"), testDeadline()); }).message == message);
  CHECK(caught([&] { rig.service().mount("a/b", "", {}, testDeadline()); }).message == message);
  rig.settings.createImplicit = false;
  CHECK(caught([&] { rig.restart().mount("a/b", "", {}, testDeadline()); }).message == message);
  CHECK(caught([&] { rig.service().unmount("a/b", "", testDeadline()); }).message == message);
  CHECK(caught([&] { rig.service().remove("a/b", false, testDeadline()); }).message == message);
  CHECK(caught([&] { rig.service().inspect("a/b", testDeadline()); }).message == message);
}

TEST_CASE("VolumeService: create refuses a size of 0 or less before calling the driver") {
  FakeServiceRig rig;
  for (int64_t size : {int64_t{0}, int64_t{-1}, int64_t{-16}}) {
    CAPTURE(size);
    CreateSpec spec = named("a");
    spec.sizeGiB = size;
    auto e = caught([&] { rig.service().create(spec, testDeadline()); });
    REQUIRE(e.thrown);
    CHECK(e.kind == ErrorKind::Invalid);
  }
  CHECK(rig.backend().totalCalls() == 0);
  CHECK(rig.backend().volumeCount() == 0);
}

TEST_CASE("VolumeService: create refuses unsafe names before calling the driver") {
  FakeServiceRig rig;
  const std::vector<std::string> bad = {"a/b",     "/abs",
                                        "..",      "../etc",
                                        "a/../b",  std::string("a\0b", 3),
                                        "",        std::string(256, 'a'),
                                        ".hidden", "with space",
                                        "-dash",   "_under"};
  for (const auto &name : bad) {
    CAPTURE(name);
    auto e = caught([&] { rig.service().create(named(name), testDeadline()); });
    REQUIRE(e.thrown);
    CHECK(e.kind == ErrorKind::Invalid);
  }
  CHECK(rig.backend().totalCalls() == 0);
  CHECK(rig.backend().volumeCount() == 0);

  // The boundary: 255 bytes is still a name.
  CHECK_NOTHROW(rig.service().create(named(std::string(255, 'a')), testDeadline()));
}

TEST_CASE("VolumeService: create of an existing name is Exists and does not reach the driver") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "pgdata");
  auto e = caught([&] { rig.service().create(named("pgdata"), testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::Exists);
  CHECK(e.message.find("vol-1") != std::string::npos);
  CHECK(rig.backend().calls("volume_create") == 0);
}

TEST_CASE("VolumeService: create resolves fromSnapshot and fromVolume to IDs") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-9", "source", 20);
  rig.backend().addSnapshot("snap-1", "nightly", "vol-9", 8);
  auto &svc = rig.service();

  SUBCASE("snapshot by name") {
    CreateSpec spec = named("restored");
    spec.fromSnapshot = "nightly";
    Volume v = svc.create(spec, testDeadline());
    auto request = rig.backend().creates().at(0);
    CHECK(request.fromSnapshotId == "snap-1");
    CHECK(request.fromVolumeId.empty());
    // No size asked for: the source's size, not the 16 GiB default.
    CHECK(request.sizeGiB == 0);
    CHECK(v.sizeGiB == 8);
  }
  SUBCASE("snapshot by ID") {
    CreateSpec spec = named("restored");
    spec.fromSnapshot = "snap-1";
    svc.create(spec, testDeadline());
    CHECK(rig.backend().creates().at(0).fromSnapshotId == "snap-1");
  }
  SUBCASE("volume by case-insensitive name") {
    CreateSpec spec = named("copy");
    spec.fromVolume = "SOURCE";
    Volume v = svc.create(spec, testDeadline());
    auto request = rig.backend().creates().at(0);
    CHECK(request.fromVolumeId == "vol-9");
    CHECK(request.sizeGiB == 0);
    CHECK(v.sizeGiB == 20);
  }
  SUBCASE("an explicit size still wins over the source's") {
    CreateSpec spec = named("copy");
    spec.fromVolume = "source";
    spec.sizeGiB = 40;
    svc.create(spec, testDeadline());
    CHECK(rig.backend().creates().at(0).sizeGiB == 40);
  }
  SUBCASE("an unknown source is NotFound and nothing is created") {
    CreateSpec spec = named("restored");
    spec.fromSnapshot = "weekly";
    auto e = caught([&] { svc.create(spec, testDeadline()); });
    CHECK(e.kind == ErrorKind::NotFound);
    CHECK(e.message.find("weekly") != std::string::npos);
    CHECK(rig.backend().calls("volume_create") == 0);
  }
}

TEST_CASE("VolumeService: create.disable succeeds without calling the driver") {
  FakeServiceRig rig;
  rig.settings.createDisable = true;
  Volume v = rig.service().create(named("a"), testDeadline());
  CHECK(v.name == "a");
  CHECK(rig.backend().totalCalls() == 0);
  CHECK(rig.backend().volumeCount() == 0);
}

// ---- mount / unmount refcounting ------------------------------------------

TEST_CASE("VolumeService: two callers share one mount; the last unmount detaches") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  auto &svc = rig.service();
  StateStore &state = *rig.state;

  CHECK(svc.mount("data", "a", {}, testDeadline()) == "/x/data/data");
  CHECK(rig.os.count("mount") == 1);
  CHECK(rig.backend().calls("volume_attach") == 1);
  CHECK(state.mountCount("fake", "vol-1") == 1);
  auto record = state.attachment("fake", "vol-1");
  REQUIRE(record);
  CHECK(record->device == "/dev/fake0");

  CHECK(svc.mount("data", "b", {}, testDeadline()) == "/x/data/data");
  INFO(rig.os.history());
  CHECK(rig.os.count("mount") == 1);
  CHECK(rig.os.count("mkfs") == 1);
  CHECK(rig.backend().calls("volume_attach") == 1);
  CHECK(state.mountCount("fake", "vol-1") == 2);
  CHECK(callers(state, "vol-1") == std::vector<std::string>{"a", "b"});
  CHECK(svc.path("data", testDeadline()) == "/x/data/data");

  svc.unmount("data", "a", testDeadline());
  CHECK(rig.os.isMounted("/x/data"));
  CHECK(rig.os.count("unmount") == 0);
  CHECK(rig.backend().detaches().empty());
  CHECK(state.mountCount("fake", "vol-1") == 1);
  CHECK(callers(state, "vol-1") == std::vector<std::string>{"b"});

  svc.unmount("data", "b", testDeadline());
  CHECK_FALSE(rig.os.isMounted("/x/data"));
  CHECK(rig.os.sawInOrder({"unmount /x/data", "rmdir /x/data"}));
  CHECK(rig.backend().detaches().size() == 1);
  CHECK(state.mountCount("fake", "vol-1") == 0);
  CHECK_FALSE(state.attachment("fake", "vol-1"));
  CHECK(rig.backend().volume("vol-1")->attachedInstanceId.empty());
  CHECK(svc.path("data", testDeadline()).empty());
}

TEST_CASE("VolumeService: a caller that mounts twice counts once") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  auto &svc = rig.service();
  svc.mount("data", "a", {}, testDeadline());
  svc.mount("data", "a", {}, testDeadline());
  CHECK(rig.state->mountCount("fake", "vol-1") == 1);
  CHECK(rig.os.count("mount") == 1);

  svc.unmount("data", "a", testDeadline());
  CHECK_FALSE(rig.os.isMounted("/x/data"));
  CHECK(rig.backend().detaches().size() == 1);
}

TEST_CASE("VolumeService: an empty callerId counts under the volume's name") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  auto &svc = rig.service();
  // Looked up by another spelling: the record still carries the real name.
  svc.mount("DATA", "", {}, testDeadline());
  CHECK(callers(*rig.state, "vol-1") == std::vector<std::string>{"data"});
  svc.mount("data", "x", {}, testDeadline());
  CHECK(rig.state->mountCount("fake", "vol-1") == 2);

  svc.unmount("data", "", testDeadline());
  CHECK(callers(*rig.state, "vol-1") == std::vector<std::string>{"x"});
  CHECK(rig.os.isMounted("/x/data"));
  svc.unmount("data", "x", testDeadline());
  CHECK_FALSE(rig.os.isMounted("/x/data"));
}

// Mesos dvdcli sends Mount and Unmount without an ID, and the CLI does the
// same: two such mounts are two users, so the first unmount must not take
// the volume from the second, not even after a daemon restart.
TEST_CASE("VolumeService: mounts without an ID are counted, across a restart too") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  auto &svc = rig.service();
  CHECK(svc.mount("data", "", {}, testDeadline()) == "/x/data/data");
  CHECK(svc.mount("data", "", {}, testDeadline()) == "/x/data/data");
  CHECK(rig.os.count("mount") == 1);
  CHECK(rig.state->mountCount("fake", "vol-1") == 2);
  CHECK(callers(*rig.state, "vol-1") == std::vector<std::string>{"data"});

  svc.unmount("data", "", testDeadline());
  CHECK(rig.os.isMounted("/x/data"));
  CHECK(rig.backend().detaches().empty());
  CHECK(rig.state->mountCount("fake", "vol-1") == 1);

  SUBCASE("the second unmount unmounts and detaches") {
    svc.unmount("data", "", testDeadline());
    CHECK_FALSE(rig.os.isMounted("/x/data"));
    CHECK(rig.backend().detaches().size() == 1);
    CHECK(rig.state->mountCount("fake", "vol-1") == 0);
  }
  SUBCASE("after a restart: still mounted, then the second unmount unmounts and detaches") {
    auto &restarted = rig.restart();
    restarted.reconcile(testDeadline());
    CHECK(rig.os.isMounted("/x/data"));
    CHECK(rig.state->mountCount("fake", "vol-1") == 1);
    CHECK(restarted.path("data", testDeadline()) == "/x/data/data");
    restarted.unmount("data", "", testDeadline());
    CHECK_FALSE(rig.os.isMounted("/x/data"));
    CHECK(rig.backend().detaches().size() == 1);
    CHECK(rig.backend().volume("vol-1")->attachedInstanceId.empty());
    CHECK_FALSE(rig.state->attachment("fake", "vol-1"));
    CHECK(restarted.path("data", testDeadline()).empty());
  }
}

TEST_CASE("VolumeService: ignoreUsedCount unmounts on the first unmount") {
  FakeServiceRig rig;
  rig.settings.ignoreUsedCount = true;
  rig.backend().addVolume("vol-1", "data");
  auto &svc = rig.service();
  svc.mount("data", "a", {}, testDeadline());
  svc.mount("data", "b", {}, testDeadline());
  CHECK(rig.state->mountCount("fake", "vol-1") == 2);

  svc.unmount("data", "a", testDeadline());
  CHECK_FALSE(rig.os.isMounted("/x/data"));
  CHECK(rig.backend().detaches().size() == 1);
  CHECK(rig.state->mountCount("fake", "vol-1") == 0);
}

TEST_CASE("VolumeService: refcounts survive a restart over the same state file") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.service().mount("data", "a", {}, testDeadline());
  rig.service().mount("data", "b", {}, testDeadline());

  auto &svc = rig.restart();
  CHECK(rig.state->mountCount("fake", "vol-1") == 2);
  // The restarted service finds the device through the stored attachment
  // and does not mount a second time.
  CHECK(svc.mount("data", "c", {}, testDeadline()) == "/x/data/data");
  CHECK(rig.os.count("mount") == 1);
  CHECK(rig.backend().calls("volume_attach") == 1);

  svc.unmount("data", "a", testDeadline());
  svc.unmount("data", "c", testDeadline());
  CHECK(rig.os.isMounted("/x/data"));
  CHECK(rig.backend().detaches().empty());
  svc.unmount("data", "b", testDeadline());
  CHECK_FALSE(rig.os.isMounted("/x/data"));
  CHECK(rig.backend().detaches().size() == 1);
  CHECK(rig.state->mountCount("fake", "vol-1") == 0);
}

// ---- implicit create ------------------------------------------------------

TEST_CASE("VolumeService: mounting an unknown name creates it with the defaults") {
  FakeServiceRig rig;
  CHECK(rig.service().mount("newvol", "a", {}, testDeadline()) == "/x/newvol/data");
  auto creates = rig.backend().creates();
  REQUIRE(creates.size() == 1);
  CHECK(creates[0].name == "newvol");
  CHECK(creates[0].sizeGiB == 16);
  REQUIRE(rig.backend().volumeNamed("newvol"));
  CHECK(rig.backend().volumeNamed("newvol")->attachedInstanceId == "this-host");
  CHECK(rig.os.isMounted("/x/newvol"));
  CHECK(rig.state->mountCount("fake", rig.backend().volumeNamed("newvol")->id) == 1);
}

TEST_CASE("VolumeService: with create.implicit off an unknown name is NotFound") {
  FakeServiceRig rig;
  rig.settings.createImplicit = false;
  auto e = caught([&] { rig.service().mount("newvol", "a", {}, testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::NotFound);
  CHECK(e.message.find("newvol") != std::string::npos);
  CHECK(rig.backend().calls("volume_create") == 0);
  CHECK(rig.backend().calls("volume_attach") == 0);
  CHECK(rig.os.calls.empty());
}

TEST_CASE("VolumeService: implicit create refuses an unsafe name") {
  FakeServiceRig rig;
  auto e = caught([&] { rig.service().mount("../etc", "a", {}, testDeadline()); });
  REQUIRE(e.thrown);
  CHECK(e.kind == ErrorKind::Invalid);
  CHECK(rig.backend().calls("volume_create") == 0);
  CHECK(rig.os.calls.empty());
}

// With create.disable, create() returns a volume that does not exist (no
// ID); mount must fail naming the volume, not go on to ask the driver about
// an empty ID.
TEST_CASE("VolumeService: implicit create under create.disable is NotFound naming the volume") {
  FakeServiceRig rig;
  rig.settings.createDisable = true;
  auto e = caught([&] { rig.service().mount("newvol", "a", {}, testDeadline()); });
  REQUIRE(e.thrown);
  INFO(e.message);
  CHECK(e.kind == ErrorKind::NotFound);
  CHECK(e.message.find("newvol") != std::string::npos);
  CHECK(rig.backend().calls("volume_attach") == 0);
  CHECK(rig.os.calls.empty());
}

// ---- preemption -----------------------------------------------------------

TEST_CASE("VolumeService: a volume attached elsewhere needs preempt") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "shared", 1, "other-host", "/dev/xvdf");

  SUBCASE("preempt off: Busy naming the other instance, nothing touched") {
    auto e = caught([&] { rig.service().mount("shared", "a", {}, testDeadline()); });
    REQUIRE(e.thrown);
    CHECK(e.kind == ErrorKind::Busy);
    CHECK(e.message.find("other-host") != std::string::npos);
    CHECK(rig.backend().calls("volume_attach") == 0);
    CHECK(rig.backend().detaches().empty());
    CHECK(rig.os.calls.empty());
    CHECK(rig.state->mountCount("fake", "vol-1") == 0);
    CHECK(rig.backend().volume("vol-1")->attachedInstanceId == "other-host");
  }
  SUBCASE("preempt off: a free volume is attached without force") {
    rig.backend().addVolume("vol-2", "free");
    CHECK(rig.service().mount("free", "a", {}, testDeadline()) == "/x/free/data");
    auto attaches = rig.backend().attaches();
    REQUIRE(attaches.size() == 1);
    CHECK(attaches[0].volumeId == "vol-2");
    CHECK_FALSE(attaches[0].force);
  }
  SUBCASE("preempt on: the attach is forced") {
    rig.settings.preempt = true;
    CHECK(rig.service().mount("shared", "a", {}, testDeadline()) == "/x/shared/data");
    auto attaches = rig.backend().attaches();
    REQUIRE(attaches.size() == 1);
    CHECK(attaches[0].volumeId == "vol-1");
    CHECK(attaches[0].force);
    CHECK(rig.backend().volume("vol-1")->attachedInstanceId == "this-host");
    CHECK(rig.os.isMounted("/x/shared"));
  }
}

// ---- remove ---------------------------------------------------------------

TEST_CASE("VolumeService: remove of a mounted volume is Busy unless forced") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.service().mount("data", "a", {}, testDeadline());

  SUBCASE("not forced") {
    auto e = caught([&] { rig.service().remove("data", false, testDeadline()); });
    REQUIRE(e.thrown);
    CHECK(e.kind == ErrorKind::Busy);
    CHECK(e.message.find("data") != std::string::npos);
    CHECK(rig.backend().volume("vol-1"));
    CHECK(rig.backend().calls("volume_remove") == 0);
    CHECK(rig.os.isMounted("/x/data"));
    CHECK(rig.state->mountCount("fake", "vol-1") == 1);
  }
  SUBCASE("forced") {
    rig.service().remove("data", true, testDeadline());
    INFO(rig.os.history());
    CHECK_FALSE(rig.os.isMounted("/x/data"));
    CHECK(rig.os.count("unmount") == 1);
    CHECK(rig.backend().detaches().size() == 1);
    CHECK_FALSE(rig.backend().volume("vol-1"));
    CHECK(rig.state->mountCount("fake", "vol-1") == 0);
    CHECK_FALSE(rig.state->attachment("fake", "vol-1"));
  }
  SUBCASE("volume.remove.force forces it too") {
    rig.settings.removeForce = true;
    rig.restart().remove("data", false, testDeadline());
    CHECK_FALSE(rig.os.isMounted("/x/data"));
    CHECK_FALSE(rig.backend().volume("vol-1"));
  }
}

TEST_CASE("VolumeService: remove of an idle volume only removes it") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.service().remove("DATA", false, testDeadline());
  CHECK_FALSE(rig.backend().volume("vol-1"));
  CHECK(rig.backend().detaches().empty());
  CHECK(rig.os.count("unmount") == 0);
}

TEST_CASE("VolumeService: remove.disable removes nothing") {
  FakeServiceRig rig;
  rig.settings.removeDisable = true;
  rig.backend().addVolume("vol-1", "data");
  CHECK_NOTHROW(rig.service().remove("data", true, testDeadline()));
  CHECK(rig.backend().volume("vol-1"));
  CHECK(rig.backend().calls("volume_remove") == 0);
}

// 50 Docker Gets of names the cache does not know arrive together: they must
// share one backend list, not make fifty (REX-Ray's 52-second `volume ls`).
TEST_CASE("VolumeService: concurrent cache misses share one backend list") {
  FakeServiceRig rig;
  for (int i = 0; i < 20; ++i)
    rig.backend().addVolume("vol-" + std::to_string(i), "v" + std::to_string(i));
  VolumeService &service = rig.service(); // built once, before the threads
  rig.backend().setListDelay(std::chrono::milliseconds(200));
  std::vector<std::thread> callers;
  std::atomic<int> found{0};
  for (int i = 0; i < 20; ++i)
    callers.emplace_back([&, i] {
      if (service.path("v" + std::to_string(i), testDeadline()).empty()) ++found;
    });
  for (auto &t : callers) t.join();
  CHECK(found == 20);
  CHECK(rig.backend().calls("volumes_list") <= 2);
  rig.backend().setListDelay(std::chrono::milliseconds(0));
}

// Docker sends Create before every first use of a name.
TEST_CASE("VolumeService: ensure returns an existing volume and creates a missing one") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-existing", "data", 3);
  CreateSpec spec;
  spec.name = "data";
  CHECK(rig.service().ensure(spec, testDeadline()).id == "vol-existing");
  CHECK(rig.backend().calls("volume_create") == 0);
  spec.name = "Data"; // another name to the letter: Docker names are case-sensitive
  CHECK(rig.service().ensure(spec, testDeadline()).id != "vol-existing");
  CHECK(rig.backend().calls("volume_create") == 1);
}

// 10,000 volumes made every create of a new name cost a full backend list.
TEST_CASE("VolumeService: a driver that refuses duplicate names is not listed before a create") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-old", "old");
  PluginLoader loader(nullptr);
  loader.addBuiltin(&rxr_test_entry_unique);
  const PluginInfo *info = loader.find("unique");
  REQUIRE(info);
  VolumeService service(
      "unique",
      std::make_unique<DriverHandle>(
          *info, "unique", [](const std::string &) -> std::optional<std::string> { return {}; }),
      rig.settings, *rig.state, rig.os);
  service.refreshCache(testDeadline());
  const int listsAtStart = rig.backend().calls("volumes_list");
  for (const char *name : {"a", "b", "c"}) service.create(named(name), testDeadline());
  CHECK(rig.backend().calls("volumes_list") == listsAtStart);
  CHECK_THROWS_WITH_AS(service.create(named("old"), testDeadline()), doctest::Contains("vol-old"),
                       Error);
  // Made by another host since the last list: the driver refuses, and
  // Docker's create of it learns the volume instead of failing.
  rig.backend().addVolume("vol-x", "elsewhere");
  CHECK(service.ensure(named("elsewhere"), testDeadline()).id == "vol-x");
  CHECK(rig.backend().calls("volumes_list") == listsAtStart + 1);
}

TEST_CASE("VolumeService: any other driver is listed before a create, so a name made elsewhere "
          "is found") {
  FakeServiceRig rig;
  rig.service().refreshCache(testDeadline());
  const int before = rig.backend().calls("volumes_list");
  rig.service().create(named("a"), testDeadline());
  CHECK(rig.backend().calls("volumes_list") == before + 1);
  rig.backend().addVolume("vol-x", "elsewhere");
  CHECK_THROWS_WITH_AS(rig.service().create(named("elsewhere"), testDeadline()),
                       doctest::Contains("already exists"), Error);
  CHECK(rig.backend().calls("volume_create") == 1);
}

// ---- attachTo (CSI ControllerPublish) ---------------------------------------

TEST_CASE("VolumeService: attachTo another instance is the driver's attach there, recorded nowhere "
          "here") {
  FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  auto &svc = rig.service();
  const Volume v = svc.attachTo("vol-1", "other-host", 0, testDeadline());
  CHECK(v.attachedInstanceId == "other-host");
  REQUIRE(rig.backend().attaches().size() == 1);
  CHECK(rig.backend().attaches()[0].instanceId == "other-host");
  CHECK_FALSE(rig.state->attachment("fake", "vol-1").has_value());
  CHECK(rig.backend().calls("wait_for_device") == 0);
  // Attached there already: done, no second attach.
  CHECK(svc.attachTo("vol-1", "other-host", 0, testDeadline()).attachedInstanceId == "other-host");
  CHECK(rig.backend().attaches().size() == 1);
  // A third instance: Busy naming the holder, without the preempt hint.
  const auto busy = caught([&] { svc.attachTo("vol-1", "third-host", 0, testDeadline()); });
  CHECK(busy.kind == ErrorKind::Busy);
  CHECK(busy.message.find("other-host") != std::string::npos);
  CHECK(busy.message.find("preempt") == std::string::npos);
  // An instance the driver does not know: its NotFound.
  rig.backend().addVolume("vol-2", "more");
  CHECK(caught([&] { svc.attachTo("vol-2", "nowhere", 0, testDeadline()); }).kind ==
        ErrorKind::NotFound);
  // This host ("" or its ID) is attach(): recorded, device waited for.
  CHECK_FALSE(svc.attachTo("vol-2", "", 0, testDeadline()).attachedDevice.empty());
  CHECK(rig.state->attachment("fake", "vol-2").has_value());
}

TEST_CASE("VolumeService: attachTo refuses an instance at its attach limit - Exhausted") {
  FakeServiceRig rig;
  for (const char *id : {"vol-1", "vol-2", "vol-3"}) rig.backend().addVolume(id, id);
  auto &svc = rig.service();
  svc.attachTo("vol-1", "other-host", 2, testDeadline());
  svc.attachTo("vol-2", "other-host", 2, testDeadline());
  const auto full = caught([&] { svc.attachTo("vol-3", "other-host", 2, testDeadline()); });
  CHECK(full.kind == ErrorKind::Exhausted);
  CHECK(full.message.find("other-host has 2 volumes attached") != std::string::npos);
  // One already there is not one more; another instance has room.
  CHECK(svc.attachTo("vol-2", "other-host", 2, testDeadline()).attachedInstanceId == "other-host");
  CHECK(svc.attachTo("vol-3", "", 2, testDeadline()).attachedInstanceId == "this-host");
  CHECK(rig.backend().attaches().size() == 3);
}

TEST_CASE("VolumeService: attachTo counts one publish to a node at a time, so a burst keeps its "
          "limit") {
  FakeServiceRig rig;
  const std::vector<std::string> ids = {"vol-1", "vol-2", "vol-3", "vol-4", "vol-5", "vol-6"};
  for (const auto &id : ids) rig.backend().addVolume(id, id);
  auto &svc = rig.service();
  svc.refreshCache(testDeadline());
  // A slow list: unserialized, every publish would count the same empty node.
  rig.backend().setListDelay(std::chrono::milliseconds(20));
  std::atomic<int> attached{0}, exhausted{0};
  std::vector<std::thread> publishes;
  for (const auto &id : ids)
    publishes.emplace_back([&, id] {
      try {
        svc.attachTo(id, "other-host", 2, testDeadline());
        ++attached;
      } catch (const Error &e) {
        if (e.kind() == ErrorKind::Exhausted) ++exhausted;
      }
    });
  for (auto &t : publishes) t.join();
  CHECK(attached == 2);
  CHECK(exhausted == 4);
  CHECK(rig.backend().attaches().size() == 2);
}
