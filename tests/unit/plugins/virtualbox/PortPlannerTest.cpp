#include <doctest/doctest.h>

#include "virtualbox/PortPlanner.h"

using rexray::virtualbox::choosePort;

TEST_CASE("virtualbox ports: the lowest free port within the port count") {
  auto c = choosePort(2, 30, {0});
  CHECK(c.port == 1);
  CHECK(c.newPortCount == 0);
  c = choosePort(30, 30, {});
  CHECK(c.port == 0);
  CHECK(c.newPortCount == 0);
  c = choosePort(5, 30, {0, 1, 3});
  CHECK(c.port == 2);
  CHECK(c.newPortCount == 0);
}

TEST_CASE("virtualbox ports: every port used -> raise the port count by one") {
  auto c = choosePort(1, 30, {0}); // Vagrant's one-port SATA with the boot disk
  CHECK(c.port == 1);
  CHECK(c.newPortCount == 2);
  c = choosePort(2, 30, {0, 1});
  CHECK(c.port == 2);
  CHECK(c.newPortCount == 3);
  c = choosePort(29, 30, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                          15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28});
  CHECK(c.port == 29);
  CHECK(c.newPortCount == 30);
}

TEST_CASE("virtualbox ports: full at the maximum -> no port") {
  std::set<int32_t> all;
  for (int32_t p = 0; p < 30; ++p) all.insert(p);
  auto c = choosePort(30, 30, all);
  CHECK(c.port == -1);
  CHECK(c.newPortCount == 0);
  c = choosePort(1, 1, {0});
  CHECK(c.port == -1);
}

TEST_CASE("virtualbox ports: odd controller states") {
  // An attachment beyond the port count is skipped when raising.
  auto c = choosePort(1, 30, {0, 1});
  CHECK(c.port == 2);
  CHECK(c.newPortCount == 3);
  // A maximum below the current count is taken as the current count.
  c = choosePort(4, 2, {0, 1, 2});
  CHECK(c.port == 3);
  CHECK(c.newPortCount == 0);
  // No ports at all (a controller reporting 0): raise to 1.
  c = choosePort(0, 30, {});
  CHECK(c.port == 0);
  CHECK(c.newPortCount == 1);
}
