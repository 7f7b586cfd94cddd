#include "volume/VolumeCache.h"
#include "util/Error.h"

#include <doctest/doctest.h>

using namespace rexray;

namespace {

Volume volume(const std::string &id, const std::string &name, const std::string &path = "") {
  Volume v;
  v.id = id;
  v.name = name;
  v.mountPath = path;
  return v;
}

} // namespace

TEST_CASE("VolumeCache: a slow full refresh keeps the updates made while it ran") {
  VolumeCache cache("svc");
  cache.replace({volume("v1", "a"), volume("v2", "b")}, cache.version());

  const uint64_t listStarted = cache.version();
  // While the backend list is in flight: a mount updates v1, a remove drops
  // v2, a create adds v3.
  cache.put(volume("v1", "a", "/mnt/a/data"));
  cache.erase("v2");
  cache.put(volume("v3", "c"));
  // The list was read before those changes: it still shows v2 and an
  // unmounted v1, and knows nothing of v3.
  cache.replace({volume("v1", "a"), volume("v2", "b")}, listStarted);

  REQUIRE(cache.find("v1"));
  CHECK(cache.find("v1")->mountPath == "/mnt/a/data");
  CHECK_FALSE(cache.find("v2"));
  CHECK(cache.find("v3"));

  // A later list wins over those older updates.
  cache.replace({volume("v1", "a")}, cache.version());
  CHECK(cache.find("v1")->mountPath.empty());
  CHECK_FALSE(cache.find("v3"));
}

TEST_CASE("VolumeCache: lookups by ID, exact name, then any case") {
  VolumeCache cache("svc");
  CHECK_FALSE(cache.loaded());
  cache.replace({volume("v1", "Data"), volume("v2", "DATA"), volume("v3", "logs")}, 0);
  CHECK(cache.loaded());
  CHECK(cache.find("v3")->name == "logs");
  CHECK(cache.find("DATA")->id == "v2");
  CHECK(cache.find("LOGS")->id == "v3");
  CHECK_THROWS_WITH_AS(cache.find("data"), doctest::Contains("v1, v2"), Error);
  CHECK_FALSE(cache.find("nope"));
  // findExact never guesses by case.
  CHECK(cache.findExact("Data")->id == "v1");
  CHECK_FALSE(cache.findExact("LOGS"));
  CHECK(cache.all().size() == 3);
}
