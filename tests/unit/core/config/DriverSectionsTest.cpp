// A driver's sections judged by its plugin's declared schema. The plugins
// here are synthetic: core's tests never depend on a real plugin.
#include "config/Config.h"
#include "plugin/PluginLoader.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace rexray;

namespace {

struct ConfigFile {
  std::string path;
  explicit ConfigFile(const std::string &yaml) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rexray-sections-XXXXXX").string();
    REQUIRE(::mkstemp(tmpl.data()) >= 0);
    path = tmpl;
    std::ofstream(path) << yaml;
  }
  ~ConfigFile() { std::filesystem::remove(path); }
  ConfigFile(const ConfigFile &) = delete;
  ConfigFile &operator=(const ConfigFile &) = delete;
};

Config load(const ConfigFile &file, std::map<std::string, std::string> env = {},
            std::map<std::string, std::string> flags = {}) {
  Config::Source src;
  src.files = {file.path};
  src.env = std::move(env);
  src.flags = std::move(flags);
  return Config::load(src);
}

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

std::string configError(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Config);
    return e.what();
  }
  FAIL("expected an Error(Config)");
  return {};
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
  ConfigFile file("oldblk:\n  region: from-alias\n  rexrayTag: t1\n  regoin: x\n");
  Config cfg = load(file);
  CHECK(cfg.warnings().empty()); // not judged before the plugin is known
  const DriverSections s = blockPlugin().configSections("blk");
  CHECK(cfg.driverValue(s, "region") == "from-alias");
  CHECK(cfg.driverValue(s, "tag") == "t1"); // the key alias
  CHECK(cfg.driverValue(s, "rexrayTag") == "t1");
  const auto warnings = cfg.checkDriverSections(s);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == file.path + ":4: unknown configuration key 'oldblk.regoin'");
}

TEST_CASE("driver sections: unknown keys warn with file:line, in line order") {
  ConfigFile file("blk:\n  zeta: 1\n  region: r\n  driver: blk\n"
                  "other:\n  region: not-blk's\n"
                  "legacy:\n  alpha: 2\n");
  Config cfg = load(file);
  const auto warnings = cfg.checkDriverSections(blockPlugin().configSections("blk"));
  CHECK(warnings ==
        std::vector<std::string>{file.path + ":2: unknown configuration key 'blk.zeta'",
                                 file.path + ":8: unknown configuration key 'legacy.alpha'"});
  // A plugin that declares nothing reads anything, unchecked.
  CHECK(cfg.checkDriverSections(DriverSections{{"blk"}, {}}).empty());
}

TEST_CASE("driver sections: values of the wrong type are errors naming where they were set") {
  const DriverSections s = blockPlugin().configSections("blk");
  SUBCASE("int in a file") {
    ConfigFile file("\nlegacy:\n  retries: many\n");
    CHECK(configError([&] { load(file).checkDriverSections(s); }) ==
          file.path + ":3: legacy.retries: expected an integer, got 'many'");
  }
  SUBCASE("bool, duration and string in a file") {
    ConfigFile b("blk:\n  fast: maybe\n");
    CHECK(configError([&] { load(b).checkDriverSections(s); }) ==
          b.path + ":2: blk.fast: expected a boolean (true/false), got 'maybe'");
    ConfigFile d("blk:\n  timeout: soon\n");
    CHECK(configError([&] {
            load(d).checkDriverSections(s);
          }).find(d.path + ":2: blk.timeout: expected a duration") == 0);
    ConfigFile l("blk:\n  region: [a, b]\n");
    CHECK(configError([&] { load(l).checkDriverSections(s); }) ==
          l.path + ":2: blk.region: expected a string, got a list");
  }
  SUBCASE("lists take a YAML list or a string") {
    ConfigFile l("blk:\n  hosts: [a, b]\nlegacy:\n  hosts: c d\n");
    Config cfg = load(l);
    CHECK(cfg.checkDriverSections(s).empty());
    CHECK(cfg.driverValue(s, "hosts") == "a b");
  }
  SUBCASE("an environment variable, by any section's spelling") {
    ConfigFile empty("");
    CHECK(configError([&] {
            load(empty, {{"OLDBLK_FAST", "maybe"}}).checkDriverSections(s);
          }) == "environment variable OLDBLK_FAST: expected a boolean (true/false), got 'maybe'");
    CHECK(configError([&] {
            load(empty, {{"BLK_REXRAYTAG", "x"}, {"BLK_RETRIES", "x"}}).checkDriverSections(s);
          }) == "environment variable BLK_RETRIES: expected an integer, got 'x'");
  }
  SUBCASE("a flag, camel or dotted") {
    ConfigFile file("blk:\n  region: r\n");
    CHECK(configError([&] {
            load(file, {}, {{"blkRetries", "x"}}).checkDriverSections(s);
          }) == "flag --blkRetries: expected an integer, got 'x'");
    CHECK(configError([&] {
            load(file, {}, {{"blk.timeout", "x"}}).checkDriverSections(s);
          }).find("flag --blkTimeout: expected a duration") == 0);
    Config cfg = load(file, {}, {{"blkRegoin", "x"}, {"blkRetries", "3"}});
    CHECK(cfg.checkDriverSections(s) ==
          std::vector<std::string>{"flag --blkRegoin: unknown configuration key"});
    CHECK(cfg.driverValue(s, "retries") == "3");
  }
}

TEST_CASE("driver sections: env --all lists every key, default or where set, secrets hidden") {
  ConfigFile file("rexray:\n  logLevel: info\nblk:\n  password: hunter2\n  rexrayTag: t\n");
  Config cfg = load(file, {{"BLK_RETRIES", "3"}}, {{"blkFast", "true"}});
  const auto settings = cfg.settings({{"west", blockPlugin().configSections("west")}});
  auto find = [&](const std::string &name) {
    for (const auto &s : settings)
      if (s.name == name) return s;
    FAIL("no setting " << name);
    return Config::Setting{};
  };
  CHECK(find("REXRAY_LOGLEVEL").value == "info");
  CHECK(find("REXRAY_LOGLEVEL").origin == file.path + ":2");
  CHECK(find("VOLUME_MOUNT_PREEMPT").value == "false");
  CHECK(find("VOLUME_MOUNT_PREEMPT").origin.empty());
  CHECK(find("WEST_PASSWORD").value == "******");
  CHECK(find("WEST_PASSWORD").origin == file.path + ":4");
  CHECK(find("WEST_TAG").value == "t");
  CHECK(find("WEST_REGION").value == "home");
  CHECK(find("WEST_REGION").origin.empty());
  CHECK(find("WEST_RETRIES").origin == "env BLK_RETRIES");
  CHECK(find("WEST_FAST").origin == "flag --blkFast");
  CHECK(find("WEST_HOSTS").value.empty());
  for (const auto &s : settings) CHECK(s.value.find("hunter2") == std::string::npos);
}
