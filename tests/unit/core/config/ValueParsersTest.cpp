#include "config/ValueParsers.h"

#include <doctest/doctest.h>

using namespace rexray;

TEST_CASE("value parsers: booleans") {
  for (const char *t : {"true", "TRUE", "yes", "On", "1", " true "}) CHECK(parseBool(t) == true);
  for (const char *f : {"false", "No", "OFF", "0"}) CHECK(parseBool(f) == false);
  for (const char *bad : {"", "maybe", "2", "y"}) CHECK_FALSE(parseBool(bad));
}

TEST_CASE("value parsers: integers") {
  CHECK(parseInt("42") == 42);
  CHECK(parseInt("+7") == 7);
  CHECK(parseInt("-3") == -3);
  CHECK(parseInt(" 5 ") == 5);
  for (const char *bad : {"", "abc", "1.5", "12x", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseInt(bad));
  }
}

TEST_CASE("value parsers: durations") {
  CHECK(parseDurationMs("30s") == 30000);
  CHECK(parseDurationMs("500ms") == 500);
  CHECK(parseDurationMs("2m") == 120000);
  CHECK(parseDurationMs("1h") == 3600000);
  CHECK(parseDurationMs("10") == 10000); // bare seconds, as REX-Ray 0.3
  CHECK(parseDurationMs("1m30s") == 90000);
  CHECK(parseDurationMs("1.5s") == 1500);
  CHECK(parseDurationMs("0") == 0);
  for (const char *bad : {"", "5x", "s", "1.2.3s", "-1s", "ms5"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseDurationMs(bad));
  }
}

TEST_CASE("value parsers: file modes") {
  CHECK(parseFileMode("0700") == 0700u);
  CHECK(parseFileMode("700") == 0700u);
  CHECK(parseFileMode("0o755") == 0755u);
  CHECK(parseFileMode("448") == 0700u); // a decimal rendering
  for (const char *bad : {"0999", "rwx", "077777", "-1", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(parseFileMode(bad));
  }
}

TEST_CASE("value parsers: lists split at blanks") {
  CHECK(parseList(" a  b\tc ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(parseList("").empty());
}
