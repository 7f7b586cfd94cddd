#include <doctest/doctest.h>

#include "VfsTestSupport.h"
#include "vfs/LoopDevice.h"
#include "vfs/VfsDriver.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

extern "C" const rxr_plugin_entry rxr_static_entry_vfs;

using rexray::sdk::Call;
using rexray::sdk::CreateOptions;
using rexray::sdk::Host;
using rexray::vfs::LoopDevice;
using rexray::vfs::VfsDriver;
using vfstest::exists;
using vfstest::statusOf;

using Fixture = vfstest::DriverFixture;

namespace {

constexpr int64_t kGiB = int64_t(1) << 30;

bool isHexId(const std::string &id, const std::string &prefix) {
  if (id.compare(0, prefix.size(), prefix) != 0 || id.size() != prefix.size() + 16) return false;
  return std::all_of(id.begin() + static_cast<long>(prefix.size()), id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct stat statOf(const std::string &path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

} // namespace

TEST_CASE("vfs: create, list, get and remove a volume") {
  Fixture f;
  CreateOptions o;
  o.name = "data";
  o.sizeGiB = 2;
  o.type = "sparse";
  o.iops = 100;
  o.encrypted = true;
  const auto v = f.driver->createVolume(f.call, o);
  CHECK(isHexId(v.id, "vfs-"));
  CHECK(v.name == "data");
  CHECK(v.sizeGiB == 2);
  CHECK(v.type == "sparse");
  CHECK(v.iops == 100);
  CHECK(v.encrypted);
  CHECK(v.status == "available");
  CHECK(v.attachedDevice.empty());
  CHECK(v.attachedInstanceId.empty());
  CHECK(v.createdUnix > 0);

  const std::string image = f.driver->volumeImagePath(v.id);
  CHECK(image == f.tmp.path + "/root/volumes/" + v.id + ".img");
  const auto st = statOf(image);
  CHECK(st.st_size == 2 * kGiB);
  CHECK(st.st_blocks < 64); // sparse: nothing allocated yet
  CHECK(exists(f.tmp.path + "/root/volumes/" + v.id + ".json"));

  f.create("other");
  auto all = f.driver->volumes(f.call);
  REQUIRE(all.size() == 2);
  CHECK(std::count_if(all.begin(), all.end(), [&](const auto &x) { return x.id == v.id; }) == 1);

  const auto got = f.driver->volume(f.call, v.id);
  CHECK(got.name == "data");
  CHECK(got.sizeGiB == 2);
  CHECK(got.createdUnix == v.createdUnix);

  f.driver->removeVolume(f.call, v.id, false);
  CHECK_FALSE(exists(image));
  CHECK_FALSE(exists(f.tmp.path + "/root/volumes/" + v.id + ".json"));
  std::string msg;
  CHECK(statusOf([&] { f.driver->volume(f.call, v.id); }, &msg) == RXR_E_NOT_FOUND);
  CHECK(msg == "vfs: volume '" + v.id + "' not found");
  CHECK(f.driver->volumes(f.call).size() == 1);
  CHECK(f.host.logged("created volume"));
  CHECK(f.host.logged("removed volume"));
}

TEST_CASE("vfs: invalid requests and name conflicts") {
  Fixture f;
  const auto v = f.create("taken");

  CreateOptions o;
  o.name = "";
  o.sizeGiB = 1;
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_INVALID);
  o.name = "zero";
  o.sizeGiB = 0;
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_INVALID);
  o.sizeGiB = -3;
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_INVALID);
  o.sizeGiB = INT64_MAX;
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_INVALID);
  o.sizeGiB = 1;
  o.fromSnapshotId = "vfssnap-0000000000000000";
  o.fromVolumeId = v.id;
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_INVALID);
  o.fromVolumeId.clear();
  std::string msg;
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }, &msg) == RXR_E_NOT_FOUND);
  CHECK(msg.find("vfssnap-0000000000000000") != std::string::npos);
  o.fromSnapshotId.clear();
  o.fromVolumeId = "vfs-ffffffffffffffff";
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_NOT_FOUND);

  o = {};
  o.name = "taken";
  o.sizeGiB = 1;
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }, &msg) == RXR_E_EXISTS);
  CHECK(msg.find("taken") != std::string::npos);
  CHECK(msg.find(v.id) != std::string::npos);
  CHECK(f.driver->volumes(f.call).size() == 1);
  // Names become file names in the index.
  for (const std::string &bad : std::vector<std::string>{"a/b", ".hidden", std::string(256, 'n')}) {
    o.name = bad;
    CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_INVALID);
  }

  // Ids are file names: nothing that climbs out of the directory resolves.
  for (const std::string &bad :
       std::vector<std::string>{"../volumes/" + v.id, "", "/etc/passwd", v.id + "/.."}) {
    CHECK(statusOf([&] { f.driver->volume(f.call, bad); }) == RXR_E_NOT_FOUND);
    CHECK(statusOf([&] { f.driver->removeVolume(f.call, bad, true); }) == RXR_E_NOT_FOUND);
  }
  rexray::sdk::AttachOptions a;
  a.volumeId = "vfs-0123456789abcdef";
  CHECK(statusOf([&] { f.driver->attachVolume(f.call, a); }, &msg) == RXR_E_NOT_FOUND);
  CHECK(msg == "vfs: volume 'vfs-0123456789abcdef' not found");
  CHECK(statusOf([&] { f.driver->detachVolume(f.call, a.volumeId, false); }) == RXR_E_NOT_FOUND);
  CHECK(statusOf([&] { f.driver->createSnapshot(f.call, a.volumeId, "s", ""); }) ==
        RXR_E_NOT_FOUND);
  CHECK(statusOf([&] { f.driver->createSnapshot(f.call, v.id, "", ""); }) == RXR_E_INVALID);
  CHECK(statusOf([&] { f.driver->removeSnapshot(f.call, "vfssnap-0123456789abcdef"); }) ==
        RXR_E_NOT_FOUND);
  CHECK(statusOf([&] { f.driver->copySnapshot(f.call, "vfssnap-0123456789abcdef", "x", ""); }) ==
        RXR_E_NOT_FOUND);
  CHECK(f.driver->snapshots(f.call, "").empty());
}

TEST_CASE("vfs: a passed deadline fails fast") {
  Fixture f;
  f.rawCall.deadline_mono_ms = 1; // long past
  CHECK(statusOf([&] { f.create("late"); }) == RXR_E_TIMEOUT);
  f.rawCall.deadline_mono_ms = 0;
  CHECK(f.driver->volumes(f.call).empty());
}

TEST_CASE("vfs: attach uses a real loop device that survives a driver restart") {
  Fixture f;
  const auto v = f.create("attached");
  const std::string image = f.driver->volumeImagePath(v.id);
  rexray::sdk::AttachOptions a;
  a.volumeId = v.id;

  const std::string dev = f.driver->attachVolume(f.call, a);
  REQUIRE(dev.compare(0, 9, "/dev/loop") == 0);
  const std::string sys = "/sys/block/" + dev.substr(5) + "/loop/";
  CHECK(vfstest::readSysfs(sys + "backing_file") == image);
  CHECK(vfstest::readSysfs(sys + "autoclear") == "0");
  struct stat st = statOf(dev);
  CHECK(S_ISBLK(st.st_mode));
  CHECK(f.host.logged("attached volume"));

  // Idempotent: the same device, not a second one.
  CHECK(f.driver->attachVolume(f.call, a) == dev);
  int bound = 0;
  for (const auto &b : LoopDevice::bindings()) bound += b.backingFile == image;
  CHECK(bound == 1);

  const auto got = f.driver->volume(f.call, v.id);
  CHECK(got.status == "attached");
  CHECK(got.attachedDevice == dev);
  CHECK(got.attachedInstanceId == f.driver->instanceId(f.call));
  CHECK_FALSE(f.driver->instanceId(f.call).empty());
  CHECK(f.driver->waitForDevice(f.call, v.id, dev) == dev);
  CHECK(f.driver->waitForDevice(f.call, v.id, "") == dev);

  // A new instance knows nothing in memory; it must find the device anyway.
  f.driver = f.restart();
  const auto again = f.driver->volume(f.call, v.id);
  CHECK(again.status == "attached");
  CHECK(again.attachedDevice == dev);
  const auto listed = f.driver->volumes(f.call);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].attachedDevice == dev);
  CHECK(f.driver->attachVolume(f.call, a) == dev);

  f.driver->detachVolume(f.call, v.id, false);
  CHECK_FALSE(LoopDevice::findByBackingFile(image).has_value());
  const auto detached = f.driver->volume(f.call, v.id);
  CHECK(detached.status == "available");
  CHECK(detached.attachedDevice.empty());
  CHECK(detached.attachedInstanceId.empty());
  CHECK(f.host.logged("detached volume"));
  // Detaching what is not attached is fine.
  f.driver->detachVolume(f.call, v.id, false);

  // The token no longer leads to this volume: waiting times out.
  f.rawCall.deadline_mono_ms = rexray::sdk::monotonicNowMs() + 200;
  std::string msg;
  CHECK(statusOf([&] { f.driver->waitForDevice(f.call, v.id, dev); }, &msg) == RXR_E_TIMEOUT);
  CHECK(msg.find(v.id) != std::string::npos);
  f.rawCall.deadline_mono_ms = 0;
  CHECK(statusOf([&] { f.driver->waitForDevice(f.call, v.id, "/dev/sda"); }) == RXR_E_INVALID);
}

TEST_CASE("vfs: detaching a device that is still open completes on its last close") {
  Fixture f;
  const auto v = f.create("busy");
  rexray::sdk::AttachOptions a;
  a.volumeId = v.id;
  const std::string dev = f.driver->attachVolume(f.call, a);
  const int fd = ::open(dev.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  f.driver->detachVolume(f.call, v.id, false);
  // The kernel keeps the binding while we hold the device, marked autoclear;
  // the volume must already count as detached.
  CHECK(f.driver->volume(f.call, v.id).status == "available");
  ::close(fd);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = !LoopDevice::binding(dev).has_value() ||
           LoopDevice::binding(dev)->backingFile != f.driver->volumeImagePath(v.id);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(gone);
}

TEST_CASE("vfs: snapshots hold the bytes written through the device") {
  Fixture f;
  const auto v = f.create("source");
  rexray::sdk::AttachOptions a;
  a.volumeId = v.id;
  const std::string dev = f.driver->attachVolume(f.call, a);
  const off_t offset = 300 * (off_t(1) << 20) + 17;
  const std::string payload = "hello from vfs";

  // Keep the device open so the data sits in its page cache: the snapshot
  // must flush it into the image itself.
  const int fd = ::open(dev.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, payload.data(), payload.size(), offset) ==
          static_cast<ssize_t>(payload.size()));
  const auto snap = f.driver->createSnapshot(f.call, v.id, "snap1", "first");
  ::close(fd);

  CHECK(isHexId(snap.id, "vfssnap-"));
  CHECK(snap.name == "snap1");
  CHECK(snap.volumeId == v.id);
  CHECK(snap.description == "first");
  CHECK(snap.sizeGiB == 1);
  CHECK(snap.startTimeUnix > 0);
  CHECK(snap.status == "completed");
  const std::string snapImage = f.driver->snapshotImagePath(snap.id);
  CHECK(exists(f.tmp.path + "/root/snapshots/" + snap.id + ".meta"));
  CHECK(vfstest::preadAll(snapImage, payload.size(), offset) == payload);
  CHECK(statOf(snapImage).st_blocks < 4096); // holes stayed holes

  auto listed = f.driver->snapshots(f.call, v.id);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id == snap.id);
  CHECK(f.driver->snapshots(f.call, "vfs-0000000000000000").empty());

  CreateOptions o;
  o.name = "restored";
  o.fromSnapshotId = snap.id;
  const auto restored = f.driver->createVolume(f.call, o);
  CHECK(restored.sizeGiB == 1);
  const std::string restoredImage = f.driver->volumeImagePath(restored.id);
  CHECK(statOf(restoredImage).st_size == kGiB);
  CHECK(vfstest::preadAll(restoredImage, payload.size(), offset) == payload);
  CHECK(std::find(restored.fields.begin(), restored.fields.end(),
                  std::make_pair(std::string("source_snapshot_id"), snap.id)) !=
        restored.fields.end());

  // Bigger on request, never smaller.
  o.name = "bigger";
  o.sizeGiB = 3;
  const auto bigger = f.driver->createVolume(f.call, o);
  CHECK(bigger.sizeGiB == 3);
  CHECK(statOf(f.driver->volumeImagePath(bigger.id)).st_size == 3 * kGiB);
  CHECK(vfstest::preadAll(f.driver->volumeImagePath(bigger.id), payload.size(), offset) == payload);

  // The restored volume reads the same bytes through its own loop device.
  a.volumeId = restored.id;
  const std::string dev2 = f.driver->attachVolume(f.call, a);
  CHECK(dev2 != dev);
  CHECK(vfstest::preadAll(dev2, payload.size(), offset) == payload);
}

TEST_CASE("vfs: create a volume from a volume") {
  Fixture f;
  const auto v = f.create("original", 2);
  const std::string payload = "copied bytes";
  const off_t offset = kGiB + 4096 * 3;
  vfstest::pwriteAll(f.driver->volumeImagePath(v.id), payload, offset);

  CreateOptions o;
  o.name = "clone";
  o.fromVolumeId = v.id;
  o.sizeGiB = 1; // smaller than the source: the source's size wins
  const auto clone = f.driver->createVolume(f.call, o);
  CHECK(clone.sizeGiB == 2);
  CHECK(clone.id != v.id);
  const std::string cloneImage = f.driver->volumeImagePath(clone.id);
  CHECK(statOf(cloneImage).st_size == 2 * kGiB);
  CHECK(vfstest::preadAll(cloneImage, payload.size(), offset) == payload);
  // The copy is independent of its source.
  vfstest::pwriteAll(f.driver->volumeImagePath(v.id), "changed!", offset);
  CHECK(vfstest::preadAll(cloneImage, payload.size(), offset) == payload);

  o.name = "original";
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_EXISTS);
}

TEST_CASE("vfs: snapshot copy and remove") {
  Fixture f;
  const auto v = f.create("vol");
  vfstest::pwriteAll(f.driver->volumeImagePath(v.id), "abc", 5);
  const auto snap = f.driver->createSnapshot(f.call, v.id, "orig", "d");

  std::string msg;
  CHECK(statusOf([&] { f.driver->copySnapshot(f.call, snap.id, "x", "us-east-1"); }, &msg) ==
        RXR_E_INVALID);
  CHECK(msg.find("vfs has no regions") != std::string::npos);

  const auto copy = f.driver->copySnapshot(f.call, snap.id, "copy", "");
  CHECK(copy.id != snap.id);
  CHECK(isHexId(copy.id, "vfssnap-"));
  CHECK(copy.name == "copy");
  CHECK(copy.volumeId == v.id);
  CHECK(copy.sizeGiB == snap.sizeGiB);
  CHECK(vfstest::preadAll(f.driver->snapshotImagePath(copy.id), 3, 5) == "abc");
  const auto sameName = f.driver->copySnapshot(f.call, snap.id, "", "");
  CHECK(sameName.name == "orig");
  CHECK(f.driver->snapshots(f.call, "").size() == 3);
  CHECK(f.driver->snapshots(f.call, v.id).size() == 3);

  f.driver->removeSnapshot(f.call, snap.id);
  CHECK_FALSE(exists(f.driver->snapshotImagePath(snap.id)));
  CHECK(statusOf([&] { f.driver->removeSnapshot(f.call, snap.id); }, &msg) == RXR_E_NOT_FOUND);
  CHECK(msg == "vfs: snapshot '" + snap.id + "' not found");
  CreateOptions o;
  o.name = "from-removed";
  o.fromSnapshotId = snap.id;
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_NOT_FOUND);
  // The copy does not depend on the removed original.
  o.fromSnapshotId = copy.id;
  const auto restored = f.driver->createVolume(f.call, o);
  CHECK(vfstest::preadAll(f.driver->volumeImagePath(restored.id), 3, 5) == "abc");

  // Snapshots outlive their volume.
  f.driver->removeVolume(f.call, v.id, false);
  CHECK(f.driver->snapshots(f.call, "").size() == 2);
}

TEST_CASE("vfs: removing an attached volume needs force") {
  Fixture f;
  const auto v = f.create("inuse");
  const std::string image = f.driver->volumeImagePath(v.id);
  rexray::sdk::AttachOptions a;
  a.volumeId = v.id;
  const std::string dev = f.driver->attachVolume(f.call, a);

  std::string msg;
  CHECK(statusOf([&] { f.driver->removeVolume(f.call, v.id, false); }, &msg) == RXR_E_BUSY);
  CHECK(msg.find(v.id) != std::string::npos);
  CHECK(msg.find(dev) != std::string::npos);
  CHECK(exists(image));
  CHECK(f.driver->volume(f.call, v.id).status == "attached");

  f.driver->removeVolume(f.call, v.id, true);
  CHECK_FALSE(exists(image));
  CHECK(statusOf([&] { f.driver->volume(f.call, v.id); }) == RXR_E_NOT_FOUND);
  bool stillBound = false;
  for (const auto &b : LoopDevice::bindings()) stillBound |= b.backingFile == image && !b.autoclear;
  CHECK_FALSE(stillBound);
}

TEST_CASE("vfs: corrupt metadata hides only that volume") {
  Fixture f;
  const auto good = f.create("good");
  const auto bad = f.create("bad");
  std::ofstream(f.tmp.path + "/root/volumes/" + bad.id + ".json") << "{\"id\": ";
  const auto all = f.driver->volumes(f.call);
  REQUIRE(all.size() == 1);
  CHECK(all[0].id == good.id);
  CHECK(f.host.logged("skipping volume"));
  std::string msg;
  CHECK(statusOf([&] { f.driver->volume(f.call, bad.id); }, &msg) == RXR_E_BACKEND);
  CHECK(msg.find(bad.id) != std::string::npos);
}

TEST_CASE("vfs: concurrent creates with one name: exactly one wins") {
  Fixture f;
  std::atomic<int> ok{0}, exists{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      const rxr_status st = statusOf([&] { f.create("race"); });
      (st == RXR_OK ? ok : st == RXR_E_EXISTS ? exists : other)++;
    });
  }
  for (auto &t : threads) t.join();
  CHECK(ok == 1);
  CHECK(exists == 5);
  CHECK(other == 0);
  CHECK(f.driver->volumes(f.call).size() == 1);
}

TEST_CASE("vfs: the root comes from config, else the host's state directory") {
  vfstest::TempDir tmp;
  vfstest::FakeHost host;
  // The environment is not the driver's business: REXRAY_HOME changes nothing.
  ::setenv("REXRAY_HOME", "/nonexistent-home", 1);
  host.setStateDir(tmp.path + "/state/vfs");
  // Only the path is computed; nothing is created there by constructing.
  CHECK(VfsDriver(Host(&host.raw), "vfs").root() == tmp.path + "/state/vfs");
  host.config["root"] = tmp.path + "/explicit/";
  CHECK(VfsDriver(Host(&host.raw), "vfs").root() == tmp.path + "/explicit");
  ::unsetenv("REXRAY_HOME");

  host.config.erase("root");
  host.setStateDir("");
  CHECK_THROWS_WITH_AS(VfsDriver(Host(&host.raw), "vfs"), doctest::Contains("no state directory"),
                       rexray::sdk::Error);
}

namespace {

struct Collected {
  std::vector<std::string> ids, statuses, devices, instances;
  std::vector<int64_t> sizes;
};

rxr_status collectVolume(void *ctx, const rxr_volume *v) {
  auto *c = static_cast<Collected *>(ctx);
  c->ids.emplace_back(v->id);
  c->statuses.emplace_back(v->status);
  c->devices.emplace_back(v->attached_device ? v->attached_device : "");
  c->instances.emplace_back(v->attached_instance_id ? v->attached_instance_id : "");
  c->sizes.push_back(v->size_gib);
  return RXR_OK;
}

rxr_status collectSnapshot(void *ctx, const rxr_snapshot *s) {
  static_cast<Collected *>(ctx)->ids.emplace_back(s->id);
  return RXR_OK;
}

} // namespace

TEST_CASE("vfs: the C entry drives the same driver") {
  const rxr_plugin_entry &entry = rxr_static_entry_vfs;
  CHECK(entry.struct_size == sizeof(rxr_plugin_entry));
  CHECK(entry.abi_major == RXR_ABI_MAJOR);
  CHECK(std::string(entry.id) == "io.rexray.vfs");
  CHECK(std::string(entry.name) == "vfs");
  REQUIRE(entry.features != nullptr);
  CHECK(std::string(entry.features[0]) == "block");
  CHECK(std::string(entry.features[2]) == "local");
  CHECK(std::string(entry.features[3]) == RXR_FEATURE_UNIQUE_NAMES);
  CHECK(entry.features[4] == nullptr);
  REQUIRE(entry.driver != nullptr);
  const rxr_driver_vtable &vt = *entry.driver;

  vfstest::TempDir tmp;
  vfstest::FakeHost host;
  host.config["root"] = tmp.path + "/c-root";
  rxr_call call{};
  call.struct_size = sizeof call;
  call.request_id = "c";

  rxr_driver *drv = nullptr;
  REQUIRE(vt.create(&host.raw, "vfs", &drv, &call) == RXR_OK);
  REQUIRE(drv != nullptr);
  struct Destroy {
    const rxr_driver_vtable &vt;
    rxr_driver *d;
    ~Destroy() { vt.destroy(d); }
  } destroy{vt, drv};

  Collected created;
  rxr_volume_sink vsink{&created, &collectVolume};
  rxr_volume_create_opts opts{};
  opts.struct_size = sizeof opts;
  opts.name = "c-volume";
  opts.size_gib = 1;
  REQUIRE(vt.volume_create(drv, &call, &opts, &vsink) == RXR_OK);
  REQUIRE(created.ids.size() == 1);
  const std::string id = created.ids[0];
  CHECK(created.statuses[0] == "available");
  CHECK(exists(tmp.path + "/c-root/volumes/" + id + ".img"));

  opts.size_gib = 0;
  opts.name = "c-zero";
  CHECK(vt.volume_create(drv, &call, &opts, &vsink) == RXR_E_INVALID);
  CHECK(std::strlen(call.error.message) > 0);

  // String results come through a sink that copies them whatever their length.
  struct Strings {
    std::vector<std::string> got;
    rxr_string_sink sink() {
      return {this, [](void *ctx, const char *v) -> rxr_status {
                static_cast<Strings *>(ctx)->got.emplace_back(v);
                return RXR_OK;
              }};
    }
  };
  rxr_attach_opts aopts{};
  aopts.struct_size = sizeof aopts;
  aopts.volume_id = id.c_str();
  Strings tokens;
  const rxr_string_sink tokenSink = tokens.sink();
  REQUIRE(vt.volume_attach(drv, &call, &aopts, &tokenSink) == RXR_OK);
  REQUIRE(tokens.got.size() == 1);
  const std::string token = tokens.got[0];
  CHECK(token.compare(0, 9, "/dev/loop") == 0);

  Strings devices;
  const rxr_string_sink deviceSink = devices.sink();
  REQUIRE(vt.wait_for_device(drv, &call, id.c_str(), token.c_str(), &deviceSink) == RXR_OK);
  REQUIRE(devices.got.size() == 1);
  CHECK(devices.got[0] == token);

  Strings instances;
  const rxr_string_sink instanceSink = instances.sink();
  REQUIRE(vt.instance_id(drv, &call, &instanceSink) == RXR_OK);
  REQUIRE(instances.got.size() == 1);
  const std::string instance = instances.got[0];
  Collected got;
  rxr_volume_sink gsink{&got, &collectVolume};
  REQUIRE(vt.volume_get(drv, &call, id.c_str(), &gsink) == RXR_OK);
  REQUIRE(got.ids.size() == 1);
  CHECK(got.statuses[0] == "attached");
  CHECK(got.devices[0] == token);
  CHECK(got.instances[0] == instance);

  Collected snaps;
  rxr_snapshot_sink ssink{&snaps, &collectSnapshot};
  REQUIRE(vt.snapshot_create(drv, &call, id.c_str(), "c-snap", "", &ssink) == RXR_OK);
  REQUIRE(snaps.ids.size() == 1);
  CHECK(vt.snapshot_remove(drv, &call, snaps.ids[0].c_str()) == RXR_OK);

  CHECK(vt.volume_remove(drv, &call, id.c_str(), 0) == RXR_E_BUSY);
  REQUIRE(vt.volume_detach(drv, &call, id.c_str(), 0) == RXR_OK);
  REQUIRE(vt.volume_remove(drv, &call, id.c_str(), 0) == RXR_OK);
  CHECK(vt.volume_get(drv, &call, id.c_str(), &gsink) == RXR_E_NOT_FOUND);
  CHECK(std::string(call.error.message) == "vfs: volume '" + id + "' not found");

  Collected listed;
  rxr_volume_sink lsink{&listed, &collectVolume};
  CHECK(vt.volumes_list(drv, &call, &lsink) == RXR_OK);
  CHECK(listed.ids.empty());
  // The driver does not override nextDevice (block attach needs no hint), so
  // its slot is NULL: the host reports it unsupported without calling.
  const bool nextDeviceSlotSet = vt.next_device != nullptr;
  CHECK_FALSE(nextDeviceSlotSet);
}

TEST_CASE("vfs: after its own detach the driver never binds a second device to an image") {
  Fixture f;
  const auto v = f.create("data");
  rexray::sdk::AttachOptions a;
  a.volumeId = v.id;
  const std::string first = f.driver->attachVolume(f.call, a);
  CHECK(f.driver->volume(f.call, v.id).attachedDevice == first);
  f.driver->detachVolume(f.call, v.id, false);
  CHECK(f.driver->volume(f.call, v.id).status == "available");
  // Someone binds the image by hand; an attach finds that device instead of
  // making a second one over the same file.
  const std::string manual = LoopDevice::attach(f.driver->volumeImagePath(v.id));
  CHECK(f.driver->attachVolume(f.call, a) == manual);
  f.driver->detachVolume(f.call, v.id, false);
  CHECK_FALSE(LoopDevice::findByBackingFile(f.driver->volumeImagePath(v.id)).has_value());
}

TEST_CASE("vfs: a listing sees what another instance created and removed since the last one") {
  Fixture f;
  auto other = f.restart();
  const auto kept = f.create("kept");
  CHECK(f.driver->volumes(f.call).size() == 1); // records read once are remembered
  rexray::sdk::CreateOptions o;
  o.name = "theirs";
  o.sizeGiB = 1;
  const auto theirs = other->createVolume(f.call, o);
  auto all = f.driver->volumes(f.call);
  REQUIRE(all.size() == 2);
  other->removeVolume(f.call, kept.id, false);
  all = f.driver->volumes(f.call);
  REQUIRE(all.size() == 1);
  CHECK(all.front().id == theirs.id);
  CHECK(all.front().status == "available");
  // A record rewritten since (an expand) is read again.
  other->expandVolume(f.call, theirs.id, 2);
  CHECK(f.driver->volumes(f.call).front().sizeGiB == 2);
}

TEST_CASE("vfs: expand grows the image and an attached loop device but never shrinks") {
  Fixture f;
  const auto v = f.create("growing", 1);
  const std::string image = f.driver->volumeImagePath(v.id);
  rexray::sdk::AttachOptions a;
  a.volumeId = v.id;
  const std::string dev = f.driver->attachVolume(f.call, a);
  const std::string sectors = "/sys/block/" + dev.substr(5) + "/size";
  CHECK(vfstest::readSysfs(sectors) == std::to_string(VfsDriver::kGiB / 512));

  const auto grown = f.driver->expandVolume(f.call, v.id, 3);
  CHECK(grown.sizeGiB == 3);
  CHECK(statOf(image).st_size == 3 * VfsDriver::kGiB);
  CHECK(vfstest::readSysfs(sectors) == std::to_string(3 * VfsDriver::kGiB / 512));
  CHECK(f.host.logged("grew volume"));
  // The new size is recorded: a restarted driver reports it.
  f.driver = f.restart();
  CHECK(f.driver->volume(f.call, v.id).sizeGiB == 3);

  // A smaller or equal size leaves it as it is.
  CHECK(f.driver->expandVolume(f.call, v.id, 2).sizeGiB == 3);
  CHECK(statOf(image).st_size == 3 * VfsDriver::kGiB);
  CHECK(statusOf([&] { f.driver->expandVolume(f.call, v.id, 0); }) == RXR_E_INVALID);
  CHECK(statusOf([&] { f.driver->expandVolume(f.call, "vfs-0000000000000000", 4); }) ==
        RXR_E_NOT_FOUND);
  f.driver->detachVolume(f.call, v.id, false);
}

TEST_CASE("vfs: capacity is the free space of its root - no zones - no other host") {
  Fixture f;
  struct statvfs st {};
  REQUIRE(::statvfs(f.tmp.path.c_str(), &st) == 0); // the root is made inside it
  const int64_t free = static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
  const int64_t reported = f.driver->capacityBytes(f.call, "");
  CHECK(reported > 0);
  CHECK(std::llabs(reported - free) < (int64_t(64) << 20)); // others write to this disk too
  CHECK(statusOf([&] { f.driver->capacityBytes(f.call, "zone-a"); }) == RXR_E_NOT_FOUND);

  const auto v = f.create("here-only", 1);
  rexray::sdk::AttachOptions a;
  a.volumeId = v.id;
  a.instanceId = "some-other-host";
  std::string msg;
  CHECK(statusOf([&] { f.driver->attachVolume(f.call, a); }, &msg) == RXR_E_NOT_FOUND);
  CHECK(msg.find("some-other-host") != std::string::npos);
  CHECK_FALSE(f.driver->volume(f.call, v.id).attachedInstanceId.size());
  // Its own instance ID is this host.
  a.instanceId = f.driver->instanceId(f.call);
  const std::string dev = f.driver->attachVolume(f.call, a);
  CHECK(dev.rfind("/dev/loop", 0) == 0);
  f.driver->detachVolume(f.call, v.id, false);
}

TEST_CASE("vfs: a full file system is RXR_E_EXHAUSTED") {
  vfstest::TempDir tmp;
  const std::string small = tmp.path + "/small";
  REQUIRE(::mkdir(small.c_str(), 0700) == 0);
  REQUIRE_MESSAGE(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=8m") == 0,
                  std::strerror(errno));
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{small};
  vfstest::FakeHost host;
  host.config["root"] = small + "/root";
  rxr_call rawCall{};
  rawCall.struct_size = sizeof rawCall;
  rexray::sdk::Call call{&rawCall};
  VfsDriver driver(rexray::sdk::Host(&host.raw), "vfs");
  rexray::sdk::CreateOptions o;
  o.name = "data";
  o.sizeGiB = 1;
  const auto source = driver.createVolume(call, o);
  {
    // 6 MiB of data in the 8 MiB file system: a copy cannot fit.
    std::ofstream image(driver.volumeImagePath(source.id), std::ios::in | std::ios::out);
    const std::string mib(1 << 20, 'x');
    for (int i = 0; i < 6; ++i) image << mib;
  }
  o.name = "copy";
  o.sizeGiB = 0;
  o.fromVolumeId = source.id;
  std::string msg;
  CHECK(statusOf([&] { driver.createVolume(call, o); }, &msg) == RXR_E_EXHAUSTED);
  CHECK_MESSAGE(msg.find("No space left") != std::string::npos, msg);
}
