#pragma once
// What the config tests share: scratch files and the errors they expect.

#include "config/Config.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace rexray::test {

// A scratch directory for config files, removed with everything in it.
class TempDir {
public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rexray-config-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    _path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(_path, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  std::string write(const std::string &name, const std::string &content) const {
    std::string p = _path + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  std::string path(const std::string &name) const { return _path + "/" + name; }

private:
  std::string _path;
};

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
