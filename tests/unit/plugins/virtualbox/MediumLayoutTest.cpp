#include <doctest/doctest.h>

#include "virtualbox/MediumLayout.h"

#include <stdexcept>

using rexray::virtualbox::MediumLayout;
using Kind = MediumLayout::Kind;

TEST_CASE("virtualbox layout: volumes are the media directly in volumePath") {
  MediumLayout l("/Users/me/VirtualBox Volumes/");
  CHECK(l.volumePath() == "/Users/me/VirtualBox Volumes");
  CHECK(l.volumeLocation("pgdata", "vmdk") == "/Users/me/VirtualBox Volumes/pgdata.vmdk");
  auto e = l.classify("/Users/me/VirtualBox Volumes/pgdata.vmdk");
  REQUIRE(e);
  CHECK(e->kind == Kind::Volume);
  CHECK(e->name == "pgdata");
  CHECK(e->extension == "vmdk");
  // REX-Ray made files without an extension: the whole file name is the name.
  e = l.classify("/Users/me/VirtualBox Volumes/olddata");
  REQUIRE(e);
  CHECK(e->name == "olddata");
  CHECK(e->extension.empty());
  // Dots that are not a disk extension stay in the name.
  e = l.classify("/Users/me/VirtualBox Volumes/my.data.VDI");
  REQUIRE(e);
  CHECK(e->name == "my.data");
  CHECK(e->extension == "vdi");
  // Doubled separators are tolerated.
  CHECK(l.classify("/Users/me//VirtualBox Volumes//x.vdi"));
  // Elsewhere: not ours.
  CHECK_FALSE(l.classify("/Users/me/VirtualBox VMs/node0/node0-disk001.vdi"));
  CHECK_FALSE(l.classify("/Users/me/VirtualBox Volumes/sub/x.vmdk"));
  CHECK_FALSE(l.classify("/Users/me/VirtualBox Volumes"));
  CHECK_FALSE(l.classify("x.vmdk"));
}

TEST_CASE("virtualbox layout: snapshots carry their volume's UUID") {
  MediumLayout l("/vols");
  const std::string vol = "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f";
  const std::string loc =
      l.snapshotLocation("nightly.2024", "3F0F8E8A-5B06-4C1F-9D2E-0A1B2C3D4E5F", "vdi");
  CHECK(loc == "/vols/nightly.2024." + vol + ".snap.vdi");
  auto e = l.classify(loc);
  REQUIRE(e);
  CHECK(e->kind == Kind::Snapshot);
  CHECK(e->name == "nightly.2024");
  CHECK(e->volumeId == vol);
  CHECK(e->extension == "vdi");
  // ".snap" without a UUID in front is an ordinary volume name.
  e = l.classify("/vols/photo.snap.vmdk");
  REQUIRE(e);
  CHECK(e->kind == Kind::Volume);
  CHECK(e->name == "photo.snap");
}

TEST_CASE("virtualbox layout: a Windows host's volumePath") {
  MediumLayout l("C:\\Users\\me\\VirtualBox Volumes");
  CHECK(l.separator() == '\\');
  CHECK(l.volumeLocation("a", "vmdk") == "C:\\Users\\me\\VirtualBox Volumes\\a.vmdk");
  auto e = l.classify("C:\\Users\\me\\VirtualBox Volumes\\a.vmdk");
  REQUIRE(e);
  CHECK(e->name == "a");
  CHECK_FALSE(l.classify("C:\\Users\\me\\a.vmdk"));
}

TEST_CASE("virtualbox layout: volumePath must be set and absolute") {
  CHECK_THROWS_AS(MediumLayout(""), std::invalid_argument);
  CHECK_THROWS_AS(MediumLayout("relative/dir"), std::invalid_argument);
  CHECK_NOTHROW(MediumLayout("/"));
  MediumLayout root("/");
  auto e = root.classify("/x.vmdk");
  REQUIRE(e);
  CHECK(e->name == "x");
}

TEST_CASE("virtualbox layout: names that cannot be file names or would read back wrongly") {
  CHECK_NOTHROW(MediumLayout::validateName("pgdata", "volume name"));
  CHECK_NOTHROW(MediumLayout::validateName("my.data-1_x", "volume name"));
  for (const char *bad : {"", ".hidden", "-x", "a/b", "a\\b", "a:b", "disk.vmdk", "disk.VDI",
                          "s.3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f.snap"})
    CHECK_THROWS_AS(MediumLayout::validateName(bad, "volume name"), std::invalid_argument);
  CHECK_THROWS_AS(MediumLayout::validateName(std::string(201, 'a'), "volume name"),
                  std::invalid_argument);
}

TEST_CASE("virtualbox layout: UUIDs") {
  CHECK(MediumLayout::isUuid("3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f"));
  CHECK(MediumLayout::isUuid("3F0F8E8A-5B06-4C1F-9D2E-0A1B2C3D4E5F"));
  CHECK_FALSE(MediumLayout::isUuid("3f0f8e8a5b064c1f9d2e0a1b2c3d4e5f"));
  CHECK_FALSE(MediumLayout::isUuid("3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5g"));
  CHECK_FALSE(MediumLayout::isUuid("{3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f}"));
}
