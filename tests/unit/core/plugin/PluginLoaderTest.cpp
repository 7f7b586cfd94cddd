#include "plugin/PluginLoader.h"
#include "plugin/DriverHandle.h"
#include "plugin/HostContext.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

using namespace rexray;

namespace {

std::string testPlugin(const std::string &name) {
  return std::string(REXRAY_TEST_PLUGIN_DIR) + "/librexray-test-" + name + ".so";
}

PluginLoader::ConfigLookup noConfig() {
  return [](const PluginInfo &, const std::string &) { return std::optional<std::string>(); };
}

} // namespace

TEST_CASE("a plugin with shorter structs loads and its missing ops are unsupported") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("old_minor"));
  REQUIRE_MESSAGE(info.loaded, info.refusal);
  CHECK(info.name == "oldminor");
  CHECK(info.abiMinor == RXR_ABI_MINOR);
  CHECK((info.flags & RXR_FLAG_SERIALIZE) != 0);
  CHECK(info.features == std::vector<std::string>{"block"});
  CHECK(info.configKeys.empty()); // its entry ends before the schema
  CHECK(info.operations == std::vector<std::string>{"instance_id", "volumes_list"});

  DriverHandle driver(info, "oldminor", [](const std::string &) { return std::nullopt; });
  CHECK(driver.serialized());
  CHECK(driver.scope() == "global");
  CHECK(driver.instanceId(Deadline::in(std::chrono::seconds(5))) == "test-instance");

  // Its rxr_volume is the short, older one too: fields past `status` stay empty.
  auto volumes = driver.volumes(Deadline::in(std::chrono::seconds(5)));
  REQUIRE(volumes.size() == 1);
  CHECK(volumes[0].name == "oldvol");
  CHECK(volumes[0].status == "available");
  CHECK(volumes[0].sizeGiB == 0);

  try {
    driver.snapshots("", Deadline::in(std::chrono::seconds(5)));
    FAIL("snapshots_list lies past the old table and must be unsupported");
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Unsupported);
    CHECK(std::string(e.what()).find("snapshots_list is not supported") != std::string::npos);
  }
  // volume_expand (ABI 1.2) lies past the end of a 1.1 table: unsupported,
  // without the host reading past it.
  CHECK_FALSE(driver.supportsExpand());
  try {
    driver.expandVolume("old-1", 2, Deadline::in(std::chrono::seconds(5)));
    FAIL("volume_expand lies past the old table and must be unsupported");
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Unsupported);
  }
  // So do instance_info and capacity (ABI 1.3).
  CHECK_FALSE(driver.supportsInstanceInfo());
  CHECK_FALSE(driver.supportsCapacity());
  CHECK_THROWS_WITH_AS(driver.instanceInfo(Deadline::in(std::chrono::seconds(5))),
                       doctest::Contains("instance_info is not supported"), Error);
  CHECK_THROWS_WITH_AS(driver.capacityBytes("", Deadline::in(std::chrono::seconds(5))),
                       doctest::Contains("capacity is not supported"), Error);
  CHECK_FALSE(driver.supportsWaitForDevice());
  // A NULL slot inside the table is unsupported as well.
  CHECK_THROWS_WITH_AS(driver.volume("x", Deadline::in(std::chrono::seconds(5))),
                       doctest::Contains("volume_get is not supported"), Error);
}

TEST_CASE("a plugin built for ABI 1.2 is never asked to attach to another instance") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("minor2_attach"));
  REQUIRE_MESSAGE(info.loaded, info.refusal);
  CHECK(info.abiMinor == 2);
  CHECK(info.operations == std::vector<std::string>{"instance_id", "volume_attach"});
  DriverHandle driver(info, "minor2", [](const std::string &) { return std::nullopt; });
  // Its rxr_attach_opts has no instance_id: it would attach here instead.
  try {
    driver.attachVolume("v-1", "", false, Deadline::in(std::chrono::seconds(5)), "other-host");
    FAIL("a 1.2 plugin must not be asked to attach elsewhere");
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::NotFound);
    CHECK(std::string(e.what()).find("other-host") != std::string::npos);
    CHECK(std::string(e.what()).find("ABI 1.2") != std::string::npos);
  }
  // The refusal did not call it: its first attach answers /dev/here.
  CHECK(driver.attachVolume("v-1", "", false, Deadline::in(std::chrono::seconds(5))) ==
        "/dev/here");
  CHECK_FALSE(driver.supportsInstanceInfo());
  CHECK_FALSE(driver.supportsCapacity());
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

TEST_CASE("a plugin built against the pre-release ABI 1.0 is refused with a request to rebuild") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("prerelease_minor0"));
  CHECK_FALSE(info.loaded);
  CHECK(info.refusal.find("pre-release ABI 1.0; rebuild it against SDK 1.") != std::string::npos);
}

TEST_CASE("a plugin with an unresolved symbol is refused at load, naming the symbol") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("unresolved_symbol"));
  CHECK_FALSE(info.loaded);
  CHECK(info.refusal.find("rxr_test_symbol_nobody_defines") != std::string::npos);
  PluginInfo inspected = PluginLoader::inspect(testPlugin("unresolved_symbol"));
  CHECK_FALSE(inspected.loaded);
  CHECK(inspected.refusal.find("undefined symbol: rxr_test_symbol_nobody_defines") !=
        std::string::npos);
}

TEST_CASE("a schema key without a name refuses the plugin, saying which") {
  PluginInfo info = PluginLoader::inspect(testPlugin("bad_schema"));
  CHECK_FALSE(info.loaded);
  CHECK(info.refusal == "config key #2 has no name or an unknown type");
}

TEST_CASE("a plugin of a newer minor loads; its declarations are read by its own strides") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("newer_minor"));
  REQUIRE_MESSAGE(info.loaded, info.refusal);
  CHECK(info.abiMinor == RXR_ABI_MINOR + 8);
  CHECK(info.features == std::vector<std::string>{"block", "local"});
  CHECK(info.aliases == std::vector<std::string>{"future-alias"});
  REQUIRE(info.configKeys.size() == 4);
  CHECK(info.configKeys[0].key == "endpoint");
  CHECK(info.configKeys[0].defaultValue == std::optional<std::string>("http://127.0.0.1:1"));
  CHECK(info.configKeys[1].aliases == std::vector<std::string>{"userID", "user_name"});
  CHECK_FALSE(info.configKeys[1].defaultValue.has_value());
  CHECK(info.configKeys[2].secret);
  CHECK(info.configKeys[3].type == RXR_TYPE_DURATION);
  REQUIRE(info.createOptions.size() == 2);
  CHECK(info.createOptions[1].name == "thin");
  CHECK(info.createOptions[1].type == RXR_TYPE_BOOL);
  // Found by its alias too, case-insensitively.
  CHECK(loader.find("Future-Alias") == &info);
}

TEST_CASE("the host hands a driver its declared defaults and only its declared keys") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("newer_minor"));
  REQUIRE(info.loaded);
  HostContext host("svc", info, [](const std::string &key) -> std::optional<std::string> {
    if (key == "userName") return std::string("admin");
    return std::nullopt;
  });
  CHECK(host.configValue("endpoint") == std::optional<std::string>("http://127.0.0.1:1"));
  CHECK(host.configValue("USERNAME") == std::optional<std::string>("admin"));
  CHECK_FALSE(host.configValue("password").has_value());
  CHECK_FALSE(host.configValue("undeclared").has_value());
}

TEST_CASE("secret values are scrubbed from what a driver logs and fails with") {
  PluginLoader loader(noConfig());
  const PluginInfo &info = loader.loadFile(testPlugin("newer_minor"));
  REQUIRE(info.loaded);
  HostContext host("svc", info, nullptr, "/state/svc", {"hunter2", "hunter2-long"});
  CHECK(host.scrub("login as admin:hunter2-long failed; retry hunter2") ==
        "login as admin:****** failed; retry ******");
  CHECK(std::string(host.raw()->state_dir) == "/state/svc");
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
