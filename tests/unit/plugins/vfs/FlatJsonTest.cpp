#include <doctest/doctest.h>

#include "vfs/FlatJson.h"

#include <stdexcept>

using rexray::vfs::FlatJson;

TEST_CASE("vfs flat JSON: round trip of every member type") {
  FlatJson j;
  j.set("name", std::string("a \"quoted\" name\\ with\nnewline\ttab\x01 and ünïcode"));
  j.set("size_gib", int64_t(-42));
  j.set("big", INT64_MAX);
  j.set("encrypted", true);
  j.set("off", false);
  j.set("empty", "");
  j.set("size_gib", int64_t(7)); // replaces, keeps its place
  const FlatJson back = FlatJson::parse(j.serialize());
  CHECK(back.str("name") == j.str("name"));
  CHECK(back.integer("size_gib") == 7);
  CHECK(back.integer("big") == INT64_MAX);
  CHECK(back.boolean("encrypted"));
  CHECK_FALSE(back.boolean("off", true));
  CHECK(back.has("empty"));
  CHECK(back.str("empty", "x").empty());
  CHECK(j.serialize().find("\"size_gib\": 7") < j.serialize().find("\"big\""));
  // Wrong type or missing: the fallback.
  CHECK(back.integer("name", 5) == 5);
  CHECK(back.str("missing", "dflt") == "dflt");
  CHECK(FlatJson::parse(FlatJson().serialize()).serialize() == "{}\n");
}

TEST_CASE("vfs flat JSON: reads what other writers produce") {
  const auto j =
      FlatJson::parse(R"( { "a" : "\u00e9\ud83d\ude00\/" , "n":12,"z":null, "t":true } )");
  CHECK(j.str("a") == "\xc3\xa9\xf0\x9f\x98\x80/");
  CHECK(j.integer("n") == 12);
  CHECK_FALSE(j.has("z"));
  CHECK(j.boolean("t"));
}

TEST_CASE("vfs flat JSON: rejects what it cannot represent") {
  for (const char *bad :
       {"", "{", "{\"a\":1", "{\"a\":[1]}", "{\"a\":{}}", "{\"a\":1.5}", "{\"a\":1}x", "{a:1}",
        "{\"a\":\"\\q\"}", "{\"a\":99999999999999999999}", "{\"a\":1,}"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(FlatJson::parse(bad), std::runtime_error);
  }
}
