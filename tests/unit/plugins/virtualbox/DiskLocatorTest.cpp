#include <doctest/doctest.h>

#include "VboxTestSupport.h"
#include "virtualbox/DiskLocator.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

using namespace rexray::virtualbox;

namespace {

// Some block device that exists on this machine, for links to point at.
std::string anyBlockDevice() {
  for (const char *p : {"/dev/loop0", "/dev/loop1", "/dev/sda", "/dev/vda", "/dev/nvme0n1"}) {
    struct stat st {};
    if (::stat(p, &st) == 0 && S_ISBLK(st.st_mode)) return p;
  }
  return {};
}

} // namespace

TEST_CASE("virtualbox by-id: the ATA serial from a medium UUID (spec §5 example)") {
  CHECK(DiskLocator::serialFor("3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f") == "VB3f0f8e8a-5f4e3d2c");
  CHECK(DiskLocator::byIdNameFor("3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f") ==
        "ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c");
  // Upper-case UUIDs give the same (lower-case) serial.
  CHECK(DiskLocator::serialFor("3F0F8E8A-5B06-4C1F-9D2E-0A1B2C3D4E5F") == "VB3f0f8e8a-5f4e3d2c");
  CHECK(DiskLocator::serialFor("00000000-0000-0000-0000-0000000000ff") == "VB00000000-ff000000");
  CHECK_THROWS_AS(DiskLocator::serialFor("not-a-uuid"), std::invalid_argument);
  CHECK_THROWS_AS(DiskLocator::serialFor("3f0f8e8a5b064c1f9d2e0a1b2c3d4e5f"),
                  std::invalid_argument);
}

TEST_CASE("virtualbox by-id: which entries name the whole disk") {
  const std::string u = "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f";
  CHECK(DiskLocator::nameMatches("ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c", u));
  CHECK(DiskLocator::nameMatches("scsi-SATA_VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c", u));
  CHECK(DiskLocator::nameMatches("ata-VBOX_HARDDISK_VB3F0F8E8A-5F4E3D2C", u));
  CHECK_FALSE(DiskLocator::nameMatches("ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c-part1", u));
  CHECK_FALSE(DiskLocator::nameMatches("ata-VBOX_HARDDISK_VB3f0f8e8a-00000000", u));
  CHECK_FALSE(DiskLocator::nameMatches("ata-VBOX_CD-ROM_VB2-01700376", u));
  // REX-Ray keyed on the first word only; that is the fallback.
  CHECK(DiskLocator::firstWordMatches("ata-VBOX_HARDDISK_VB3f0f8e8a-00000000", u));
  CHECK(DiskLocator::firstWordMatches("ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c", u));
  CHECK_FALSE(DiskLocator::firstWordMatches("ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c-part1", u));
  CHECK_FALSE(DiskLocator::firstWordMatches("ata-VBOX_HARDDISK_VB3f0f8e8b-5f4e3d2c", u));
}

TEST_CASE("virtualbox by-id: find resolves the link, ignores partitions and dangling links") {
  const std::string dev = anyBlockDevice();
  if (dev.empty()) {
    MESSAGE("no block device to link to; skipped");
    return;
  }
  vboxtest::TempDir tmp;
  const std::string u = "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f";
  DiskLocator loc(tmp.path);
  CHECK(loc.find(u).empty());
  REQUIRE(::symlink("/nonexistent/sdz",
                    (tmp.path + "/ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c").c_str()) == 0);
  CHECK(loc.find(u).empty()); // dangling
  ::unlink((tmp.path + "/ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c").c_str());
  REQUIRE(::symlink(dev.c_str(),
                    (tmp.path + "/ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c-part1").c_str()) == 0);
  CHECK(loc.find(u).empty()); // a partition is not the disk
  REQUIRE(::symlink(dev.c_str(), (tmp.path + "/ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c").c_str()) ==
          0);
  char real[PATH_MAX];
  REQUIRE(::realpath(dev.c_str(), real) != nullptr);
  CHECK(loc.find(u) == real);
  CHECK(loc.find("11111111-5b06-4c1f-9d2e-0a1b2c3d4e5f").empty());
  CHECK(loc.find("garbage").empty());
  CHECK(DiskLocator("/nonexistent/by-id").find(u).empty());
}

TEST_CASE("virtualbox by-id: a unique first-word match is accepted, an ambiguous one is not") {
  const std::string dev = anyBlockDevice();
  if (dev.empty()) return;
  vboxtest::TempDir tmp;
  const std::string u = "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f";
  DiskLocator loc(tmp.path);
  REQUIRE(::symlink(dev.c_str(), (tmp.path + "/ata-VBOX_HARDDISK_VB3f0f8e8a-deadbeef").c_str()) ==
          0);
  CHECK_FALSE(loc.find(u).empty());
  REQUIRE(::symlink(dev.c_str(), (tmp.path + "/ata-VBOX_HARDDISK_VB3f0f8e8a-feedf00d").c_str()) ==
          0);
  CHECK(loc.find(u).empty());
}

TEST_CASE("virtualbox by-id: waitFor polls within the deadline") {
  const std::string dev = anyBlockDevice();
  if (dev.empty()) return;
  vboxtest::TempDir tmp;
  const std::string u = "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f";
  DiskLocator loc(tmp.path);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(loc.waitFor(u, Deadline::in(300), 20).empty());
  auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(waited >= std::chrono::milliseconds(250));
  CHECK(waited < std::chrono::milliseconds(2000));

  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (void)::symlink(dev.c_str(), (tmp.path + "/ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c").c_str());
  });
  t0 = std::chrono::steady_clock::now();
  const std::string found = loc.waitFor(u, Deadline::in(5000), 20);
  later.join();
  CHECK_FALSE(found.empty());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(3000));
}
