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

TEST_CASE("VolumeCache: an update under a new name moves the volume in every index") {
  VolumeCache cache("svc");
  cache.replace({volume("v1", "Old"), volume("v2", "other")}, 0);
  cache.put(volume("v1", "New"));
  CHECK_FALSE(cache.find("Old"));
  CHECK_FALSE(cache.find("old"));
  CHECK_FALSE(cache.hasName("Old"));
  CHECK(cache.hasName("New"));
  CHECK(cache.find("new")->id == "v1");
  cache.erase("v1");
  CHECK_FALSE(cache.find("new"));
  CHECK_FALSE(cache.hasName("New"));
  REQUIRE(cache.all().size() == 1);
  CHECK(cache.all().front().id == "v2");
}

TEST_CASE("VolumeCache: one listing is shared until something changes, sorted by name then ID") {
  VolumeCache cache("svc");
  cache.replace({volume("v3", "b"), volume("v2", "a"), volume("v1", "b"), volume("v0", "C")}, 0);
  const auto first = cache.listing();
  CHECK(first.get() == cache.listing().get());
  std::vector<std::string> order;
  for (const auto &v : *first) order.push_back(v->id);
  CHECK(order == std::vector<std::string>{"v0", "v2", "v1", "v3"});
  cache.put(volume("v4", "d"));
  const auto second = cache.listing();
  CHECK(second.get() != first.get());
  CHECK(first->size() == 4); // a holder's listing never changes under it
  CHECK(second->size() == 5);
  cache.erase("v4");
  CHECK(cache.listing()->size() == 4);
}

TEST_CASE("VolumeCache: a refresh that finds nothing new keeps the listing and its entries") {
  VolumeCache cache("svc");
  cache.replace({volume("v1", "a"), volume("v2", "b")}, cache.version());
  const auto listed = cache.listing();
  const auto v1 = cache.findShared("v1");

  SUBCASE("the same volumes: the same listing, so answers derived from it stay") {
    cache.replace({volume("v2", "b"), volume("v1", "a")}, cache.version());
    CHECK(cache.listing().get() == listed.get());
    CHECK(cache.findShared("v1").get() == v1.get());
  }
  SUBCASE("one volume changed: a new listing, but the unchanged entry is the same object") {
    cache.replace({volume("v1", "a"), volume("v2", "b", "/mnt/b/data")}, cache.version());
    CHECK(cache.listing().get() != listed.get());
    CHECK(cache.findShared("v1").get() == v1.get());
    CHECK(cache.find("v2")->mountPath == "/mnt/b/data");
  }
  SUBCASE("one ID listed twice is not the same set: the vanished volume goes") {
    cache.replace({volume("v1", "a"), volume("v1", "a")}, cache.version());
    CHECK_FALSE(cache.find("v2"));
    CHECK(cache.listing()->size() == 1);
  }
  SUBCASE("a volume gone from the backend goes") {
    cache.replace({volume("v1", "a")}, cache.version());
    CHECK_FALSE(cache.find("v2"));
    CHECK(cache.listing().get() != listed.get());
  }
}
