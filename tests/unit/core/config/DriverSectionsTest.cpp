// A driver's sections judged by its plugin's declared schema. The plugins
// here are synthetic: core's tests never depend on a real plugin.
#include "ConfigFixtures.h"
#include "config/Config.h"
#include "plugin/PluginLoader.h"
#include "util/Error.h"

#include <doctest/doctest.h>

using namespace rexray;
using rexray::test::configError;
using rexray::test::loadFile;
using rexray::test::writeFile;
using rexray::testing::TempDir;

namespace {

// A block-storage plugin answering to two older names, with a key alias and
// one key of each declared type.
PluginInfo blockPlugin() {
  PluginInfo info;
  info.name = "blk";
  info.aliases = {"oldblk", "legacy"};
  info.configKeys = {
      {"region", RXR_TYPE_STRING, std::string("home"), "region", false, {}},
      {"tag", RXR_TYPE_STRING, {}, "scope", false, {"rexrayTag"}},
      {"password", RXR_TYPE_STRING, {}, "password", true, {}},
      {"retries", RXR_TYPE_INT, std::string("10"), "retries", false, {}},
      {"fast", RXR_TYPE_BOOL, std::string("false"), "fast", false, {}},
      {"timeout", RXR_TYPE_DURATION, std::string("2m"), "timeout", false, {}},
      {"hosts", RXR_TYPE_LIST, {}, "hosts", false, {}},
  };
  return info;
}

} // namespace

TEST_CASE("driver sections: a plugin's sections are its service's, its name's and its aliases'") {
  const DriverSections s = blockPlugin().configSections("west", "legacy");
  CHECK(s.names == std::vector<std::string>{"west", "legacy", "blk", "oldblk"});
  CHECK(s.keys.size() == 7);
  CHECK(s.declared("REXRAYTAG")->key == "tag");
  CHECK(s.spellings("tag") == std::vector<std::string>{"tag", "rexrayTag"});
  CHECK(s.spellings("nope") == std::vector<std::string>{"nope"});
}

TEST_CASE("driver sections: an alias section maps onto the plugin's schema") {
  TempDir dir;
  const std::string file =
      writeFile(dir, "file.yml", "oldblk:\n  region: from-alias\n  rexrayTag: t1\n  regoin: x\n");
  Config cfg = loadFile(file);
  CHECK(cfg.warnings().empty()); // not judged before the plugin is known
  const DriverSections s = blockPlugin().configSections("blk");
  CHECK(cfg.driverValue(s, "region") == "from-alias");
  CHECK(cfg.driverValue(s, "tag") == "t1"); // the key alias
  CHECK(cfg.driverValue(s, "rexrayTag") == "t1");
  const auto warnings = cfg.checkDriverSections(s);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == file + ":4: unknown configuration key 'oldblk.regoin'");
}

TEST_CASE("driver sections: unknown keys warn with file:line, in line order") {
  TempDir dir;
  const std::string file = writeFile(dir, "file.yml",
                                     "blk:\n  zeta: 1\n  region: r\n  driver: blk\n"
                                     "other:\n  region: not-blk's\n"
                                     "legacy:\n  alpha: 2\n");
  Config cfg = loadFile(file);
  const auto warnings = cfg.checkDriverSections(blockPlugin().configSections("blk"));
  CHECK(warnings ==
        std::vector<std::string>{file + ":2: unknown configuration key 'blk.zeta'",
                                 file + ":8: unknown configuration key 'legacy.alpha'"});
  // A plugin that declares nothing reads anything, unchecked.
  CHECK(cfg.checkDriverSections(DriverSections{{"blk"}, {}}).empty());
}

TEST_CASE("driver sections: values of the wrong type are errors naming where they were set") {
  TempDir dir;
  const DriverSections s = blockPlugin().configSections("blk");
  SUBCASE("int in a file") {
    const std::string file = writeFile(dir, "file.yml", "\nlegacy:\n  retries: many\n");
    CHECK(configError([&] { loadFile(file).checkDriverSections(s); }) ==
          file + ":3: legacy.retries: expected an integer, got 'many'");
  }
  SUBCASE("bool, duration and string in a file") {
    const std::string b = writeFile(dir, "b.yml", "blk:\n  fast: maybe\n");
    CHECK(configError([&] { loadFile(b).checkDriverSections(s); }) ==
          b + ":2: blk.fast: expected a boolean (true/false), got 'maybe'");
    const std::string d = writeFile(dir, "d.yml", "blk:\n  timeout: soon\n");
    CHECK(configError([&] {
            loadFile(d).checkDriverSections(s);
          }).find(d + ":2: blk.timeout: expected a duration") == 0);
    const std::string l = writeFile(dir, "l.yml", "blk:\n  region: [a, b]\n");
    CHECK(configError([&] { loadFile(l).checkDriverSections(s); }) ==
          l + ":2: blk.region: expected a string, got a list");
  }
  SUBCASE("lists take a YAML list or a string") {
    const std::string l = writeFile(dir, "l.yml", "blk:\n  hosts: [a, b]\nlegacy:\n  hosts: c d\n");
    Config cfg = loadFile(l);
    CHECK(cfg.checkDriverSections(s).empty());
    CHECK(cfg.driverValue(s, "hosts") == "a b");
  }
  SUBCASE("an environment variable, by any section's spelling") {
    const std::string empty = writeFile(dir, "empty.yml", "");
    CHECK(configError([&] {
            loadFile(empty, {{"OLDBLK_FAST", "maybe"}}).checkDriverSections(s);
          }) == "environment variable OLDBLK_FAST: expected a boolean (true/false), got 'maybe'");
    CHECK(configError([&] {
            loadFile(empty, {{"BLK_REXRAYTAG", "x"}, {"BLK_RETRIES", "x"}}).checkDriverSections(s);
          }) == "environment variable BLK_RETRIES: expected an integer, got 'x'");
  }
  SUBCASE("a flag, camel or dotted") {
    const std::string file = writeFile(dir, "file.yml", "blk:\n  region: r\n");
    CHECK(configError([&] {
            loadFile(file, {}, {{"blkRetries", "x"}}).checkDriverSections(s);
          }) == "flag --blkRetries: expected an integer, got 'x'");
    CHECK(configError([&] {
            loadFile(file, {}, {{"blk.timeout", "x"}}).checkDriverSections(s);
          }).find("flag --blkTimeout: expected a duration") == 0);
    Config cfg = loadFile(file, {}, {{"blkRegoin", "x"}, {"blkRetries", "3"}});
    CHECK(cfg.checkDriverSections(s) ==
          std::vector<std::string>{"flag --blkRegoin: unknown configuration key"});
    CHECK(cfg.driverValue(s, "retries") == "3");
  }
}

TEST_CASE("driver sections: env --all lists every key, default or where set, secrets hidden") {
  TempDir dir;
  const std::string file = writeFile(
      dir, "file.yml", "rexray:\n  logLevel: info\nblk:\n  password: hunter2\n  rexrayTag: t\n");
  Config cfg = loadFile(file, {{"BLK_RETRIES", "3"}}, {{"blkFast", "true"}});
  const auto settings = cfg.settings({{"west", blockPlugin().configSections("west")}});
  auto find = [&](const std::string &name) {
    for (const auto &s : settings)
      if (s.name == name) return s;
    FAIL("no setting " << name);
    return Config::Setting{};
  };
  CHECK(find("REXRAY_LOGLEVEL").value == "info");
  CHECK(find("REXRAY_LOGLEVEL").origin == file + ":2");
  CHECK(find("VOLUME_MOUNT_PREEMPT").value == "false");
  CHECK(find("VOLUME_MOUNT_PREEMPT").origin.empty());
  CHECK(find("WEST_PASSWORD").value == "******");
  CHECK(find("WEST_PASSWORD").origin == file + ":4");
  CHECK(find("WEST_TAG").value == "t");
  CHECK(find("WEST_REGION").value == "home");
  CHECK(find("WEST_REGION").origin.empty());
  CHECK(find("WEST_RETRIES").origin == "env BLK_RETRIES");
  CHECK(find("WEST_FAST").origin == "flag --blkFast");
  CHECK(find("WEST_HOSTS").value.empty());
  for (const auto &s : settings) CHECK(s.value.find("hunter2") == std::string::npos);
}
