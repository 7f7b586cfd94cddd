#include <doctest/doctest.h>

#include "EbsTestSupport.h"
#include "ebs/DeviceLocator.h"
#include "ebs/DeviceNames.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using rexray::ebs::DeviceLocator;
using rexray::ebs::DeviceNames;

TEST_CASE("device names: ranges and normalization") {
  DeviceNames small(false);
  REQUIRE(small.candidates().size() == 11);
  CHECK(small.candidates().front() == "/dev/xvdf");
  CHECK(small.candidates().back() == "/dev/xvdp");
  DeviceNames large(true);
  REQUIRE(large.candidates().size() == 52);
  CHECK(large.candidates().front() == "/dev/xvdba");
  CHECK(large.candidates().back() == "/dev/xvdcz");

  CHECK(DeviceNames::normalize("/dev/sdf") == "/dev/xvdf");
  CHECK(DeviceNames::normalize("sdf") == "/dev/xvdf");
  CHECK(DeviceNames::normalize("xvdg") == "/dev/xvdg");
  CHECK(DeviceNames::normalize("/dev/xvdba") == "/dev/xvdba");
  CHECK(DeviceNames::normalize("/dev/sda1") == "/dev/xvda");
  CHECK(DeviceNames::normalize(" /dev/xvdh ") == "/dev/xvdh");
  CHECK(DeviceNames::normalize("/dev/nvme1n1") == "/dev/nvme1n1");
  CHECK(small.isCandidate("/dev/sdk"));
  CHECK_FALSE(small.isCandidate("/dev/xvdb"));
}

TEST_CASE("device names: choose skips used and poisoned names, rotates, honours a free hint") {
  DeviceNames names(false);
  const int64_t t = 1000;
  std::set<std::string> used = {"/dev/xvdf", "/dev/xvdg"};
  CHECK(names.peek(used, t) == std::string("/dev/xvdh"));
  CHECK(names.choose(used, "", t) == std::string("/dev/xvdh"));
  // Rotation: the next pick starts after the last one, even when it is free again.
  CHECK(names.choose(used, "", t) == std::string("/dev/xvdi"));
  CHECK(names.choose({}, "", t) == std::string("/dev/xvdj"));
  // A free hint wins; a used or unknown one is ignored.
  CHECK(names.choose(used, "/dev/sdo", t) == std::string("/dev/xvdo"));
  CHECK(names.choose(used, "/dev/xvdf", t) == std::string("/dev/xvdp"));
  CHECK(names.choose(used, "/dev/xvdz", t) == std::string("/dev/xvdh"));
  // Poisoned names are skipped until their time runs out.
  names.poison("/dev/sdi", t + 500);
  CHECK(names.poisoned("/dev/xvdi", t));
  CHECK(names.choose(used, "/dev/xvdi", t) == std::string("/dev/xvdj"));
  CHECK_FALSE(names.poisoned("/dev/xvdi", t + 500));
  // Everything taken: nothing to choose.
  std::set<std::string> all(names.candidates().begin(), names.candidates().end());
  CHECK_FALSE(names.choose(all, "", t).has_value());
  all.erase("/dev/xvdm");
  CHECK(names.choose(all, "", t) == std::string("/dev/xvdm"));
}

namespace {

// A fake device tree: block nodes made with mknod (no device needs to exist
// behind them for stat to say "block device").
struct FakeHost {
  ebstest::TempDir dir;
  std::string dev = dir.path + "/dev", sys = dir.path + "/sys";
  FakeHost() {
    ebstest::mkdirs(dev + "/disk/by-id");
    ebstest::mkdirs(sys + "/block");
  }
  void blockNode(const std::string &path, unsigned minor) {
    REQUIRE(::mknod(path.c_str(), S_IFBLK | 0600, makedev(7, minor)) == 0);
  }
  void nvme(const std::string &disk, const std::string &serial, unsigned minor, bool node = true) {
    ebstest::writeFile(sys + "/block/" + disk + "/device/serial", serial);
    ebstest::writeFile(sys + "/block/" + disk + "/device/model", "Amazon Elastic Block Store\n");
    if (node) blockNode(dev + "/" + disk, minor);
  }
};

} // namespace

TEST_CASE("device locator: NVMe disks are matched by serial, never by order") {
  FakeHost h;
  DeviceLocator loc(h.dev, h.sys);
  CHECK(DeviceLocator::nvmeSerial("vol-049df61146c4d7901") == "vol049df61146c4d7901");
  h.nvme("nvme0n1", "vol0aaaaaaaaaaaaaaaa\n", 200);
  h.nvme("nvme1n1", "vol049df61146c4d7901          \n", 201); // space-padded like the controller
  ebstest::mkdirs(h.sys + "/block/nvme1n1p1");                // partitions are not disks
  auto found = loc.locate("vol-049df61146c4d7901", "/dev/xvdf");
  REQUIRE(found.has_value());
  CHECK(found->path == h.dev + "/nvme1n1");
  CHECK(found->how == "nvme serial");
  CHECK(loc.nvmeDiskFor("vol-0aaaaaaaaaaaaaaaa") == std::string("nvme0n1"));
  CHECK_FALSE(loc.locate("vol-0bbbbbbbbbbbbbbbb", "").has_value());
  // A serial under sysfs without its node is not a device yet.
  h.nvme("nvme2n1", "vol0cccccccccccccccc", 202, false);
  CHECK_FALSE(loc.locate("vol-0cccccccccccccccc", "").has_value());
}

TEST_CASE("device locator: the by-id link, then the Xen name") {
  FakeHost h;
  DeviceLocator loc(h.dev, h.sys);
  h.blockNode(h.dev + "/nvme3n1", 203);
  REQUIRE(::symlink("../../nvme3n1",
                    (h.dev + "/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0ddddddddddddddddd")
                        .c_str()) == 0);
  auto byId = loc.locate("vol-0ddddddddddddddddd", "");
  REQUIRE(byId.has_value());
  CHECK(byId->how == "by-id link");
  CHECK(byId->path == h.dev + "/nvme3n1");

  // Xen: the requested name (sd → xvd) as a block device.
  CHECK_FALSE(loc.locate("vol-0eeeeeeeeeeeeeeee", "/dev/sdg").has_value());
  h.blockNode(h.dev + "/xvdg", 204);
  auto xen = loc.locate("vol-0eeeeeeeeeeeeeeee", "/dev/sdg");
  REQUIRE(xen.has_value());
  CHECK(xen->path == h.dev + "/xvdg");
  CHECK(xen->how == "xen name");
  // A regular file is not a device.
  ebstest::writeFile(h.dev + "/xvdh", "");
  CHECK_FALSE(loc.locate("vol-0eeeeeeeeeeeeeeee", "/dev/xvdh").has_value());
  // A symlink is followed.
  REQUIRE(::symlink((h.dev + "/xvdg").c_str(), (h.dev + "/xvdi").c_str()) == 0);
  CHECK(loc.locate("vol-0eeeeeeeeeeeeeeee", "/dev/xvdi").has_value());
}

TEST_CASE("device locator: an xvd link to another volume's NVMe disk is refused") {
  FakeHost h;
  DeviceLocator loc(h.dev, h.sys);
  h.nvme("nvme4n1", "vol0ffffffffffffffff", 205);
  REQUIRE(::symlink("nvme4n1", (h.dev + "/xvdj").c_str()) == 0);
  // Stale link: xvdj points at someone else's disk.
  CHECK_FALSE(loc.locate("vol-01111111111111111", "/dev/xvdj").has_value());
  // Ours: found (by serial, first).
  CHECK(loc.locate("vol-0ffffffffffffffff", "/dev/xvdj").has_value());
}

TEST_CASE("device locator: names taken locally and the miss description") {
  FakeHost h;
  DeviceLocator loc(h.dev, h.sys);
  h.blockNode(h.dev + "/xvdf", 210);
  REQUIRE(::symlink("/nonexistent", (h.dev + "/sdg").c_str()) == 0); // dangling still counts
  ebstest::mkdirs(h.sys + "/block/xvdh");
  DeviceNames names(false);
  const auto taken = loc.takenNames(names.candidates());
  CHECK(taken == std::set<std::string>{"/dev/xvdf", "/dev/xvdg", "/dev/xvdh"});
  CHECK_FALSE(loc.nameTaken("/dev/xvdi"));
  const std::string miss = loc.describeMiss("vol-049df61146c4d7901", "/dev/sdk");
  CHECK(miss.find("vol049df61146c4d7901") != std::string::npos);
  CHECK(miss.find(h.dev + "/xvdk") != std::string::npos);
  CHECK(miss.find(h.sys + "/block") != std::string::npos);
}
