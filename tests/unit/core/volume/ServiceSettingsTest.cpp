#include "volume/ServiceSettings.h"
#include "config/Config.h"
#include "util/Error.h"
#include "util/Paths.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace rexray;

namespace {

Config withFlags(std::map<std::string, std::string> flags) {
  Config::Source source;
  source.flags = std::move(flags);
  return Config::load(source);
}

// The message of the Error(Config) that refuses these settings, "" if none.
// Config::load already refuses some values (a negative integer), the rest
// is fromConfig's job; either way the daemon does not start.
std::string configError(std::map<std::string, std::string> flags) {
  try {
    ServiceSettings::fromConfig(withFlags(std::move(flags)), Paths::underHome(""));
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Config);
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("ServiceSettings: an empty Config gives REX-Ray's defaults") {
  const ServiceSettings s = ServiceSettings::fromConfig(Config::load({}), Paths::underHome(""));
  CHECK_FALSE(s.preempt);
  CHECK_FALSE(s.ignoreUsedCount);
  CHECK_FALSE(s.createDisable);
  CHECK(s.createImplicit);
  CHECK_FALSE(s.removeDisable);
  CHECK_FALSE(s.removeForce);
  CHECK(s.defaultSizeGiB == 16);
  CHECK(s.defaultIops == 0);
  CHECK(s.defaultType.empty());
  CHECK(s.defaultAvailabilityZone.empty());
  CHECK(s.defaultFsType == "ext4");
  CHECK(s.mountPath == "/var/lib/rexray/volumes");
  CHECK(s.rootPath == "/data");
  CHECK(s.fileMode == 0700);
  CHECK(s.attachTimeoutMs == 30000);
  CHECK(s.mountRetryCount == 0);
  CHECK(s.mountRetryWaitMs == 5000);
}

TEST_CASE("ServiceSettings: the default mount.path follows REXRAY_HOME's libDir") {
  const ServiceSettings s = ServiceSettings::fromConfig(Config::load({}), Paths::underHome("/h"));
  CHECK(s.mountPath == "/h/var/lib/rexray/volumes");
}

TEST_CASE("ServiceSettings: configured values are read") {
  const ServiceSettings s =
      ServiceSettings::fromConfig(withFlags({{"volume.mount.preempt", "true"},
                                             {"volume.unmount.ignoreUsedCount", "true"},
                                             {"volume.create.implicit", "false"},
                                             {"volume.create.default.size", "32"},
                                             {"volume.create.default.fsType", "xfs"},
                                             {"volume.mount.path", "/mnt/rr"},
                                             {"volume.mount.rootPath", "/srv/"},
                                             {"volume.mount.fileMode", "0755"},
                                             {"device.attachTimeout", "2m"}}),
                                  Paths::underHome(""));
  CHECK(s.preempt);
  CHECK(s.ignoreUsedCount);
  CHECK_FALSE(s.createImplicit);
  CHECK(s.defaultSizeGiB == 32);
  CHECK(s.defaultFsType == "xfs");
  CHECK(s.mountPath == "/mnt/rr");
  // A trailing slash would give "<mp>/srv/" paths that never match the
  // kernel's spelling.
  CHECK(s.rootPath == "/srv");
  CHECK(s.fileMode == 0755);
  CHECK(s.attachTimeoutMs == 120000);
}

TEST_CASE("ServiceSettings: rootPath \"/\" is kept") {
  const ServiceSettings s = ServiceSettings::fromConfig(withFlags({{"volume.mount.rootPath", "/"}}),
                                                        Paths::underHome(""));
  CHECK(s.rootPath == "/");
}

TEST_CASE("ServiceSettings: a relative mount.path is refused") {
  CHECK(configError({{"volume.mount.path", "volumes"}}).find("volume.mount.path") !=
        std::string::npos);
  CHECK(configError({{"volume.mount.path", "./volumes"}}).find("absolute") != std::string::npos);
}

TEST_CASE("ServiceSettings: a rootPath with \"..\" or not absolute is refused") {
  const std::string msg = configError({{"volume.mount.rootPath", "/data/../../etc"}});
  CHECK(msg.find("volume.mount.rootPath") != std::string::npos);
  CHECK(msg.find("/data/../../etc") != std::string::npos);
  CHECK_FALSE(configError({{"volume.mount.rootPath", "/.."}}).empty());
  CHECK_FALSE(configError({{"volume.mount.rootPath", "data"}}).empty());
}

TEST_CASE("ServiceSettings: a size of 0 or less is refused") {
  CHECK(configError({{"volume.create.default.size", "0"}}).find("volume.create.default.size") !=
        std::string::npos);
  CHECK_FALSE(configError({{"volume.create.default.size", "-4"}}).empty());
}

TEST_CASE("ServiceSettings: other out-of-range values are refused") {
  CHECK_FALSE(configError({{"volume.create.default.iops", "-1"}}).empty());
  CHECK_FALSE(configError({{"volume.mount.retryCount", "-1"}}).empty());
  CHECK_FALSE(configError({{"device.attachTimeout", "0"}}).empty());
}

TEST_CASE("ServiceSettings: the mount point is <mount.path>/<name>, the path adds rootPath") {
  auto with = [](const std::string &rootPath) {
    ServiceSettings s;
    s.mountPath = "/var/lib/rexray/volumes";
    s.rootPath = rootPath;
    return s;
  };
  CHECK(with("/data").mountPointFor("pg") == "/var/lib/rexray/volumes/pg");
  CHECK(with("/data").pathFor("pg") == "/var/lib/rexray/volumes/pg/data");
  CHECK(with("/a/b").pathFor("pg") == "/var/lib/rexray/volumes/pg/a/b");
  CHECK(with("/").mountPointFor("pg") == "/var/lib/rexray/volumes/pg");
  CHECK(with("/").pathFor("pg") == "/var/lib/rexray/volumes/pg");
  // A device already mounted elsewhere is handed out under that mount point.
  CHECK(with("/data").pathIn("/mnt/other") == "/mnt/other/data");
  CHECK(with("/").pathIn("/mnt/other") == "/mnt/other");
}
