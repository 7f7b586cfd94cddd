#include "util/Names.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using rexray::Error;
using rexray::ErrorKind;
using rexray::toLower;
using rexray::validateName;

namespace {

// The message of the Error(Invalid) that validateName throws, "" if none.
std::string rejection(const std::string &name, const std::string &what = "volume name") {
  try {
    validateName(name, what);
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Invalid);
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("Names: Docker's name rule accepts letters, digits, '_', '.', '-' after the first") {
  for (const std::string name :
       {"a", "Z", "9", "9lives", "pg-data_1.0", "a..b", "a.-_", "MiXeD", "x--y__z"}) {
    CAPTURE(name);
    CHECK_NOTHROW(validateName(name));
  }
}

TEST_CASE("Names: 255 bytes is the longest name") {
  CHECK_NOTHROW(validateName(std::string(255, 'a')));
  const std::string msg = rejection(std::string(256, 'a'));
  CHECK(msg.find("255") != std::string::npos);
  CHECK_NOTHROW(validateName("b" + std::string(254, '-')));
}

TEST_CASE("Names: the first character must be a letter or a digit") {
  for (const std::string name : {".", "..", ".hidden", "_x", "-x", "-"}) {
    CAPTURE(name);
    CHECK_FALSE(rejection(name).empty());
  }
}

TEST_CASE("Names: anything that could leave the mount directory is refused") {
  for (const std::string name : {"a/b", "/abs", "../etc", "a/../b", "a/", "a\\b"}) {
    CAPTURE(name);
    CHECK_FALSE(rejection(name).empty());
  }
  CHECK(rejection("").find("must not be empty") != std::string::npos);
}

TEST_CASE("Names: control and non-ASCII bytes are refused and shown escaped") {
  // Shown escaped so a NUL cannot cut the message short.
  const std::string nul = rejection(std::string("a\0b", 3));
  CHECK(nul.find("a\\x00b") != std::string::npos);
  CHECK(rejection("tab\there").find("\\x09") != std::string::npos);

  // UTF-8 letters are letters to some locales, never to Docker.
  const std::string accent = rejection("caf\xc3\xa9");
  CHECK(accent.find("caf\\xc3\\xa9") != std::string::npos);
  CHECK_FALSE(rejection("\xc3\xa9t\xc3\xa9").empty());
  CHECK_FALSE(rejection("a b").empty());
  CHECK_FALSE(rejection("a:b").empty());
  CHECK_FALSE(rejection("a@b").empty());
}

TEST_CASE("Names: the message says what was being named") {
  CHECK(rejection("", "snapshot name") == "snapshot name must not be empty");
  CHECK(rejection("a/b", "snapshot name").find("invalid snapshot name 'a/b'") != std::string::npos);
}

TEST_CASE("Names: toLower folds ASCII only") {
  CHECK(toLower("PgData-01") == "pgdata-01");
  CHECK(toLower("") == "");
  CHECK(toLower("\xc3\x89") == "\xc3\x89");
}
