// What a crash in the middle of a create or remove leaves, and that a
// starting driver settles it: every volume is whole or gone.
#include <doctest/doctest.h>

#include "VfsTestSupport.h"
#include "vfs/FileLock.h"
#include "vfs/LoopDevice.h"
#include "vfs/VfsDriver.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <string>

using rexray::sdk::Call;
using rexray::sdk::CreateOptions;
using rexray::sdk::Host;
using rexray::vfs::FileLock;
using rexray::vfs::LoopDevice;
using rexray::vfs::VfsDriver;
using vfstest::exists;

namespace {

struct Fixture {
  vfstest::TempDir tmp;
  vfstest::FakeHost host;
  rxr_call rawCall{};
  Call call{&rawCall};
  std::unique_ptr<VfsDriver> driver;

  Fixture() {
    rawCall.struct_size = sizeof rawCall;
    rawCall.request_id = "test";
    host.config["root"] = tmp.path + "/root";
    driver = std::make_unique<VfsDriver>(Host(&host.raw), "vfs");
  }
  // A new instance over the same root, as after a daemon killed and started.
  void restart() {
    driver.reset();
    driver = std::make_unique<VfsDriver>(Host(&host.raw), "vfs");
  }
  std::string volumes() const { return tmp.path + "/root/volumes"; }
  std::string create(const std::string &name) {
    CreateOptions o;
    o.name = name;
    o.sizeGiB = 1;
    return driver->createVolume(call, o).id;
  }
  // Makes an empty file, as a process killed half-way would leave one.
  void touch(const std::string &path) const {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    ::close(fd);
  }
  std::set<std::string> files() const {
    std::set<std::string> out;
    if (DIR *d = ::opendir(volumes().c_str())) {
      while (const dirent *e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.insert(e->d_name);
      ::closedir(d);
    }
    return out;
  }
};

} // namespace

TEST_CASE("vfs crash: a create leaves only the published image, its metadata and the lock") {
  Fixture f;
  const std::string id = f.create("data");
  CHECK(f.files() == std::set<std::string>{id + ".img", id + ".json", ".lock"});
}

TEST_CASE("vfs crash: an unfinished image without metadata is removed at start") {
  Fixture f;
  f.create("keep");
  const std::string pending = f.volumes() + "/.vfs-00000000000000aa.img.new";
  f.touch(pending);
  f.restart();
  CHECK_FALSE(exists(pending));
  CHECK(f.host.logged("removed " + pending));
  CHECK(f.driver->volumes(f.call).size() == 1);
}

TEST_CASE("vfs crash: an image whose metadata was committed is published at start") {
  Fixture f;
  const std::string id = f.create("data");
  const std::string image = f.driver->volumeImagePath(id);
  // The create died between writing the metadata and the rename.
  REQUIRE(::rename(image.c_str(), (f.volumes() + "/." + id + ".img.new").c_str()) == 0);
  f.restart();
  CHECK(exists(image));
  CHECK(f.host.logged("finished publishing " + image));
  const auto v = f.driver->volume(f.call, id);
  CHECK(v.status == "available");
  CHECK(f.files() == std::set<std::string>{id + ".img", id + ".json", ".lock"});
}

TEST_CASE("vfs crash: an image whose metadata a remove deleted is removed at start, "
          "detached first") {
  Fixture f;
  const std::string id = f.create("gone");
  const std::string image = f.driver->volumeImagePath(id);
  // Bound to a loop device, as if someone had attached the image by hand.
  LoopDevice::attach(image);
  REQUIRE(::unlink((f.volumes() + "/" + id + ".json").c_str()) == 0);
  f.restart();
  CHECK_FALSE(exists(image));
  CHECK_FALSE(LoopDevice::findByBackingFile(image).has_value());
  CHECK(f.host.logged("a remove was interrupted"));
  CHECK(f.driver->volumes(f.call).empty());
}

TEST_CASE("vfs crash: a metadata temporary is removed at start") {
  Fixture f;
  f.create("data");
  const std::string temporary = f.volumes() + "/.vfs-00000000000000bb.json.tmp-Ab12Cd";
  f.touch(temporary);
  f.restart();
  CHECK_FALSE(exists(temporary));
  CHECK(f.host.logged("an interrupted metadata write"));
}

TEST_CASE("vfs crash: an image another live process is creating is left alone") {
  Fixture f;
  f.create("data");
  const std::string pending = f.volumes() + "/.vfs-00000000000000cc.img.new";
  f.touch(pending);
  {
    // The other creator's lock: a separate open file, as another process has.
    const FileLock creating = FileLock::shared(f.volumes() + "/.lock");
    f.restart();
    CHECK(exists(pending));
    CHECK(f.host.logged("another process is creating"));
  }
  f.restart();
  CHECK_FALSE(exists(pending));
}

TEST_CASE("vfs crash: a driver over an empty root creates nothing at start") {
  Fixture f;
  CHECK_FALSE(exists(f.tmp.path + "/root"));
}
