// What a crash in the middle of a create or remove leaves, and that a
// starting driver settles it: every volume is whole or gone.
#include <doctest/doctest.h>

#include "VfsTestSupport.h"
#include "vfs/DurableFile.h"
#include "vfs/FileLock.h"
#include "vfs/LoopDevice.h"
#include "vfs/VfsDriver.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <set>
#include <string>
#include <utility>

namespace durable = rexray::vfs::durable;
using rexray::vfs::FileLock;
using rexray::vfs::LoopDevice;
using rexray::vfs::VfsDriver;
using vfstest::exists;

namespace {

using Fixture = vfstest::DriverFixture;

std::string volumesDir(const Fixture &f) {
  return f.tmp.path + "/root/volumes";
}

// Makes an empty file, as a process killed half-way would leave one.
void touch(const std::string &path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  ::close(fd);
}

std::set<std::string> files(const Fixture &f) {
  std::set<std::string> out;
  if (DIR *d = ::opendir(volumesDir(f).c_str())) {
    while (const dirent *e = ::readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.insert(e->d_name);
    ::closedir(d);
  }
  return out;
}

std::string intentsDir(const Fixture &f) {
  return f.tmp.path + "/root/intents";
}

// The marker a process that died mid-operation leaves (no process has PID
// 999999999, the kernel's limit being lower).
void crashedMidOperation(const Fixture &f) {
  touch(intentsDir(f) + "/999999999-12345-1");
}

std::set<std::string> markers(const Fixture &f) {
  std::set<std::string> out;
  if (DIR *d = ::opendir(intentsDir(f).c_str())) {
    while (const dirent *e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != ".." && n != "settled-boot" && n[0] != '.') out.insert(n);
    }
    ::closedir(d);
  }
  return out;
}

} // namespace

TEST_CASE("vfs crash: a start reads the root only after a crash or a reboot") {
  Fixture f;
  f.create("data");
  f.driver = f.restart(); // the first start over this root since boot checks it
  const std::string stray = volumesDir(f) + "/.vfs-00000000000000dd.img.new";

  SUBCASE("no operation was interrupted: the next start does not look") {
    touch(stray); // made by no operation of ours: nothing says to look
    f.driver = f.restart();
    CHECK(exists(stray));
  }
  SUBCASE("a process died with an operation under way: the next start settles it") {
    touch(stray);
    crashedMidOperation(f);
    f.driver = f.restart();
    CHECK_FALSE(exists(stray));
    CHECK(markers(f).empty());
    // Settled: the start after it has nothing to do.
    touch(stray);
    f.driver = f.restart();
    CHECK(exists(stray));
  }
  SUBCASE("the machine rebooted since the last check (markers are not synced)") {
    touch(stray);
    durable::writeAtomicUnsynced(intentsDir(f) + "/settled-boot", "another-boot", 0600);
    f.driver = f.restart();
    CHECK_FALSE(exists(stray));
  }
}

TEST_CASE("vfs crash: every operation removes its intent marker, also when it fails") {
  Fixture f;
  const auto v = f.create("data");
  const auto snap = f.driver->createSnapshot(f.call, v.id, "s1", "");
  f.driver->copySnapshot(f.call, snap.id, "s2", "");
  f.driver->expandVolume(f.call, v.id, 2);
  f.driver->removeSnapshot(f.call, snap.id);
  CHECK(vfstest::statusOf([&] { f.driver->removeVolume(f.call, "vfs-00000000000000ee", false); }) ==
        RXR_E_NOT_FOUND);
  rexray::sdk::CreateOptions huge;
  huge.name = "huge";
  huge.sizeGiB = INT64_MAX / VfsDriver::kGiB; // fails after the name was reserved
  CHECK(vfstest::statusOf([&] { f.driver->createVolume(f.call, huge); }) == RXR_E_BACKEND);
  f.driver->removeVolume(f.call, v.id, false);
  CHECK(markers(f).empty());
  // Markers were made: their directory appears with the first (no start
  // over this root has settled it, which would make it too).
  CHECK(exists(intentsDir(f)));
  CHECK_FALSE(exists(intentsDir(f) + "/settled-boot"));
}

TEST_CASE("vfs crash: a create leaves only the published image, its metadata and the lock") {
  Fixture f;
  const std::string id = f.create("data").id;
  CHECK(files(f) == std::set<std::string>{id + ".img", id + ".json", ".lock"});
}

TEST_CASE("vfs crash: an unfinished image or metadata write is removed at start") {
  // What each interrupted step leaves, and the reason logged for removing it.
  const std::pair<std::string, std::string> leftovers[] = {
      {".vfs-00000000000000aa.img.new", "a create was interrupted before it committed"},
      {".vfs-00000000000000bb.json.tmp-Ab12Cd", "an interrupted metadata write"},
  };
  for (const auto &[name, reason] : leftovers) {
    CAPTURE(name);
    Fixture f;
    f.create("keep");
    touch(volumesDir(f) + "/" + name);
    crashedMidOperation(f);
    f.driver = f.restart();
    CHECK_FALSE(exists(volumesDir(f) + "/" + name));
    CHECK(f.host.logged(reason));
    CHECK(f.driver->volumes(f.call).size() == 1);
  }
}

TEST_CASE("vfs crash: an image whose metadata was committed is published at start") {
  Fixture f;
  const std::string id = f.create("data").id;
  const std::string image = f.driver->volumeImagePath(id);
  // The create died between writing the metadata and the rename.
  REQUIRE(::rename(image.c_str(), (volumesDir(f) + "/." + id + ".img.new").c_str()) == 0);
  crashedMidOperation(f);
  f.driver = f.restart();
  CHECK(exists(image));
  CHECK(f.host.logged("finished publishing " + image));
  const auto v = f.driver->volume(f.call, id);
  CHECK(v.status == "available");
  CHECK(files(f) == std::set<std::string>{id + ".img", id + ".json", ".lock"});
}

TEST_CASE("vfs crash: an image whose metadata a remove deleted is removed at start, "
          "detached first") {
  Fixture f;
  const std::string id = f.create("gone").id;
  const std::string image = f.driver->volumeImagePath(id);
  // Bound to a loop device, as if someone had attached the image by hand.
  LoopDevice::attach(image);
  REQUIRE(::unlink((volumesDir(f) + "/" + id + ".json").c_str()) == 0);
  crashedMidOperation(f);
  f.driver = f.restart();
  CHECK_FALSE(exists(image));
  CHECK_FALSE(LoopDevice::findByBackingFile(image).has_value());
  CHECK(f.host.logged("a remove was interrupted"));
  CHECK(f.driver->volumes(f.call).empty());
}

TEST_CASE("vfs crash: an image another live process is creating is left alone") {
  Fixture f;
  f.create("data");
  const std::string pending = volumesDir(f) + "/.vfs-00000000000000cc.img.new";
  touch(pending);
  {
    // The other creator's lock: a separate open file, as another process has.
    const FileLock creating = FileLock::shared(volumesDir(f) + "/.lock");
    f.driver = f.restart();
    CHECK(exists(pending));
    CHECK(f.host.logged("another process is creating"));
  }
  f.driver = f.restart();
  CHECK_FALSE(exists(pending));
}

TEST_CASE("vfs crash: a driver over an empty root creates nothing at start") {
  Fixture f;
  CHECK_FALSE(exists(f.tmp.path + "/root"));
}

TEST_CASE("vfs names: two driver instances over one root never share a name") {
  // Two processes (a daemon and a CLI without one, say) use the on-disk
  // index, not the other's memory.
  Fixture f;
  auto other = f.restart();
  const auto v = f.create("shared");
  rexray::sdk::CreateOptions o;
  o.name = "shared";
  o.sizeGiB = 1;
  std::string msg;
  CHECK(vfstest::statusOf([&] { other->createVolume(f.call, o); }, &msg) == RXR_E_EXISTS);
  CHECK(msg.find(v.id) != std::string::npos);
  f.driver->removeVolume(f.call, v.id, false);
  CHECK(other->createVolume(f.call, o).name == "shared");
}

TEST_CASE("vfs names: a start frees names held by nothing and indexes records without one") {
  Fixture f;
  const auto kept = f.create("kept");
  const auto unindexed = f.create("unindexed");
  const std::string names = f.tmp.path + "/root/names";
  // A create that died after reserving its name; a remove that died before
  // freeing it; a record from a version without the index.
  REQUIRE(::symlink("vfs-00000000000000cc", (names + "/orphan").c_str()) == 0);
  REQUIRE(::unlink((names + "/unindexed").c_str()) == 0);
  crashedMidOperation(f);
  f.driver = f.restart();
  CHECK(f.host.logged("freed the name 'orphan'"));
  CHECK(f.host.logged("indexed the name 'unindexed' of volume " + unindexed.id));
  CHECK_FALSE(exists(names + "/orphan"));
  char target[64] = {};
  REQUIRE(::readlink((names + "/unindexed").c_str(), target, sizeof target - 1) > 0);
  CHECK(std::string(target) == unindexed.id);
  // The freed name is usable, the rebuilt one is held.
  CHECK(f.create("orphan").name == "orphan");
  rexray::sdk::CreateOptions o;
  o.name = "unindexed";
  o.sizeGiB = 1;
  CHECK(vfstest::statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_EXISTS);
  CHECK(f.driver->volume(f.call, kept.id).name == "kept");
}

TEST_CASE("vfs names: a failed create frees its name") {
  Fixture f;
  rexray::sdk::CreateOptions o;
  o.name = "huge";
  // Valid, but no filesystem holds a file that large: the image cannot be
  // made after the name was reserved.
  o.sizeGiB = INT64_MAX / VfsDriver::kGiB;
  CHECK(vfstest::statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_BACKEND);
  CHECK(f.create("huge").name == "huge");
}
