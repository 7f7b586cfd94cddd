#include <doctest/doctest.h>

#include "VboxTestSupport.h"
#include "virtualbox/HostIdentity.h"

#include <sys/stat.h>

#include <fstream>

using namespace rexray::virtualbox::identity;

TEST_CASE("virtualbox identity: MAC spelling as VirtualBox writes it") {
  CHECK(normalizeMac("08:00:27:aB:cd:EF") == "080027ABCDEF");
  CHECK(normalizeMac("080027abcdef") == "080027ABCDEF");
  CHECK(normalizeMac("08-00-27-ab-cd-ef") == "080027ABCDEF");
  CHECK(normalizeMac("08:00:27:ab:cd").empty());
  CHECK(normalizeMac("zz:00:27:ab:cd:ef").empty());
  CHECK(normalizeMac("").empty());
}

TEST_CASE("virtualbox identity: DMI UUIDs match as printed or with the first fields swapped") {
  const std::string m = "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f";
  CHECK(dmiUuidMatches("3F0F8E8A-5B06-4C1F-9D2E-0A1B2C3D4E5F", m));
  CHECK(dmiUuidMatches("8a8e0f3f-065b-1f4c-9d2e-0a1b2c3d4e5f", m));
  CHECK_FALSE(dmiUuidMatches("8a8e0f3f-065b-1f4c-2e9d-0a1b2c3d4e5f", m));
  CHECK_FALSE(dmiUuidMatches("", m));
  CHECK_FALSE(dmiUuidMatches(m, "node0"));
}

TEST_CASE("virtualbox identity: reading /sys-like trees") {
  vboxtest::TempDir tmp;
  auto write = [](const std::string &path, const std::string &text) {
    std::ofstream(path) << text;
  };
  write(tmp.path + "/product_uuid", "3F0F8E8A-5B06-4C1F-9D2E-0A1B2C3D4E5F\n");
  CHECK(readDmiProductUuid(tmp.path + "/product_uuid") == "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f");
  write(tmp.path + "/garbage", "Not Settable\n");
  CHECK(readDmiProductUuid(tmp.path + "/garbage").empty());
  CHECK(readDmiProductUuid(tmp.path + "/missing").empty());

  const std::string net = tmp.path + "/net";
  REQUIRE(::mkdir(net.c_str(), 0755) == 0);
  for (const char *n : {"lo", "eth0", "eth1", "dummy0", "bond0"})
    REQUIRE(::mkdir((net + "/" + n).c_str(), 0755) == 0);
  write(net + "/lo/address", "00:00:00:00:00:00\n");
  write(net + "/eth0/address", "08:00:27:ab:cd:ef\n");
  write(net + "/eth1/address", "08:00:27:11:22:33\n");
  write(net + "/dummy0/address", "00:00:00:00:00:00\n");
  write(net + "/bond0/address", "08:00:27:ab:cd:ef\n"); // duplicate
  CHECK(readMacAddresses(net) == std::vector<std::string>{"080027112233", "080027ABCDEF"});
  CHECK(readMacAddresses(tmp.path + "/nonet").empty());
}
