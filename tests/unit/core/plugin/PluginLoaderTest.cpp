#include "plugin/PluginLoader.h"
#include "plugin/DriverHandle.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <string>

using namespace rexray;

namespace {

std::string testPlugin(const std::string &name) {
  return std::string(REXRAY_TEST_PLUGIN_DIR) + "/librexray-test-" + name + ".so";
}

PluginLoader::ConfigLookup noConfig() {
  return [](const std::string &, const std::string &) { return std::optional<std::string>(); };
}

} // namespace

TEST_CASE("a plugin built against an older minor loads and its missing ops are unsupported") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("old_minor"));
  REQUIRE_MESSAGE(info.loaded, info.refusal);
  CHECK(info.name == "oldminor");
  CHECK(info.abiMinor == 0);
  CHECK((info.flags & RXR_FLAG_SERIALIZE) != 0);

  DriverHandle driver(info, "oldminor", [](const std::string &) { return std::nullopt; });
  CHECK(driver.serialized());
  CHECK(driver.scope() == "global");
  CHECK(driver.instanceId(0) == "test-instance");

  // Its rxr_volume is the short, older one too: fields past `status` stay empty.
  auto volumes = driver.volumes(deadlineIn(std::chrono::seconds(5)));
  REQUIRE(volumes.size() == 1);
  CHECK(volumes[0].name == "oldvol");
  CHECK(volumes[0].status == "available");
  CHECK(volumes[0].sizeGiB == 0);

  try {
    driver.snapshots("", 0);
    FAIL("snapshots_list lies past the old table and must be unsupported");
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Unsupported);
    CHECK(std::string(e.what()).find("snapshots_list is not supported") != std::string::npos);
  }
  CHECK_FALSE(driver.supportsWaitForDevice());
  // A NULL slot inside the table is unsupported as well.
  CHECK_THROWS_WITH_AS(driver.volume("x", 0), doctest::Contains("volume_get is not supported"),
                       Error);
}

TEST_CASE("plugins for another ABI major are refused with the reason") {
  PluginLoader loader(noConfig());
  const PluginInfo &claims2 = loader.loadFile(testPlugin("major2_entry"));
  CHECK_FALSE(claims2.loaded);
  CHECK(claims2.refusal.find("built for ABI major 2") != std::string::npos);

  const PluginInfo &future = loader.loadFile(testPlugin("v2_symbol_only"));
  CHECK_FALSE(future.loaded);
  CHECK(future.refusal.find("built for ABI major 2") != std::string::npos);
  CHECK(loader.find("major2") == nullptr);
}

TEST_CASE("a library without the entry symbol is refused and loading goes on") {
  PluginLoader loader(noConfig());
  loader.loadDirectory(REXRAY_TEST_PLUGIN_DIR);
  bool sawNoEntry = false;
  for (const auto &p : loader.plugins()) {
    if (p.path.find("no_entry") != std::string::npos) {
      sawNoEntry = true;
      CHECK_FALSE(p.loaded);
      CHECK(p.refusal.find("missing entry symbol rxr_plugin_entry_v1") != std::string::npos);
    }
  }
  CHECK(sawNoEntry);
  // The good one in the same directory still loaded.
  CHECK(loader.find("oldminor") != nullptr);
}

TEST_CASE("a failing init refuses the plugin with the plugin's own message") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("init_fails"));
  CHECK_FALSE(info.loaded);
  CHECK(info.refusal == "init failed: backend endpoint is not configured");
}

TEST_CASE("inspect reads metadata without initialising") {
  PluginInfo info = PluginLoader::inspect(testPlugin("init_fails"));
  CHECK(info.loaded); // its init would fail, but inspect does not run it
  CHECK(info.name == "initfails");
  CHECK(info.version == "1.0.0");
  PluginInfo missing = PluginLoader::inspect("/nonexistent/librexray-x.so");
  CHECK_FALSE(missing.loaded);
  CHECK(missing.refusal.find("cannot load") != std::string::npos);
}

TEST_CASE("two plugins with one name: the second is refused") {
  PluginLoader loader(noConfig());
  loader.loadFile(testPlugin("old_minor"));
  const PluginInfo &again = loader.loadFile(testPlugin("old_minor"));
  CHECK_FALSE(again.loaded);
  CHECK(again.refusal.find("already loaded") != std::string::npos);
}
