#include <doctest/doctest.h>

#include "VfsTestSupport.h"
#include "vfs/LoopDevice.h"

#include <fcntl.h>
#include <unistd.h>

using rexray::vfs::LoopDevice;

namespace {

std::string makeImage(const std::string &dir, const std::string &name, off_t size) {
  const std::string path = dir + "/" + name;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, size) == 0);
  ::close(fd);
  return path;
}

void checkRoundTrip(LoopDevice::Method method) {
  vfstest::TempDir tmp;
  const std::string image = makeImage(tmp.path, "a.img", 64 << 20);
  const std::string dev = LoopDevice::attach(image, method);
  CHECK(dev.compare(0, 9, "/dev/loop") == 0);
  auto b = LoopDevice::binding(dev);
  REQUIRE(b.has_value());
  CHECK(b->device == dev);
  CHECK(b->backingFile == image);
  CHECK_FALSE(b->deleted);
  CHECK_FALSE(b->autoclear);
  CHECK(LoopDevice::findByBackingFile(image) == dev);
  // A relative spelling of the same path finds it too.
  CHECK(LoopDevice::findByBackingFile(tmp.path + "/./a.img") == dev);

  vfstest::pwriteAll(dev, "xyz", 4096);
  LoopDevice::flush(dev);
  CHECK(vfstest::preadAll(image, 3, 4096) == "xyz");

  CHECK_FALSE(LoopDevice::detach(dev, tmp.path + "/other.img"));
  CHECK(LoopDevice::findByBackingFile(image) == dev);
  CHECK(LoopDevice::detach(dev, image));
  CHECK_FALSE(LoopDevice::findByBackingFile(image).has_value());
  // Not ours any more (another test may even have bound it since): no-op.
  CHECK_FALSE(LoopDevice::detach(dev, image));
}

} // namespace

TEST_CASE("loop device: LOOP_CONFIGURE attach, find, detach") {
  checkRoundTrip(LoopDevice::Method::Configure);
}

TEST_CASE("loop device: legacy LOOP_SET_FD attach, find, detach") {
  checkRoundTrip(LoopDevice::Method::Legacy);
}

TEST_CASE("loop device: a deleted backing file does not match a new file at its path") {
  vfstest::TempDir tmp;
  const std::string image = makeImage(tmp.path, "b.img", 16 << 20);
  const std::string dev = LoopDevice::attach(image);
  REQUIRE(::unlink(image.c_str()) == 0);
  auto b = LoopDevice::binding(dev);
  REQUIRE(b.has_value());
  CHECK(b->deleted);
  CHECK(b->backingFile == image);
  // The path is gone, so the device still serves "it" (e.g. for cleanup).
  CHECK(LoopDevice::findByBackingFile(image) == dev);
  makeImage(tmp.path, "b.img", 16 << 20);
  CHECK_FALSE(LoopDevice::findByBackingFile(image).has_value());
  CHECK_FALSE(LoopDevice::detach(dev, image));
  REQUIRE(::unlink(image.c_str()) == 0);
  CHECK(LoopDevice::detach(dev, image));
}

TEST_CASE("loop device: lookups of things that are not loop devices") {
  CHECK_FALSE(LoopDevice::binding("/dev/sda").has_value());
  CHECK_FALSE(LoopDevice::binding("/dev/loopx").has_value());
  CHECK_FALSE(LoopDevice::findByBackingFile("/nonexistent/image.img").has_value());
  CHECK_THROWS_AS(LoopDevice::attach("/nonexistent/image.img"), std::system_error);
  CHECK_THROWS_AS(LoopDevice::ensureNode("/dev/sda"), std::system_error);
  CHECK_NOTHROW(LoopDevice::detach("/dev/loop999999"));
}
