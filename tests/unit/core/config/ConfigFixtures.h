#pragma once
// What the config tests share: scratch files and the errors they expect.

#include "config/Config.h"
#include "core/FakeDriver.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace rexray::test {

// Writes a config file into a scratch directory (FakeDriver.h's TempDir).
inline std::string writeFile(const rexray::testing::TempDir &dir, const std::string &name,
                             const std::string &content) {
  const std::string p = dir.path(name);
  std::ofstream(p) << content;
  return p;
}

inline Config loadFile(const std::string &file, std::map<std::string, std::string> env = {},
                       std::map<std::string, std::string> flags = {}) {
  Config::Source src;
  src.files = {file};
  src.env = std::move(env);
  src.flags = std::move(flags);
  return Config::load(src);
}

// The message of the Error(Config) that `fn` throws; fails the test otherwise.
template <typename Fn> std::string configError(Fn fn) {
  try {
    fn();
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Config);
    return e.what();
  }
  FAIL("expected an Error(Config)");
  return {};
}

} // namespace rexray::test
