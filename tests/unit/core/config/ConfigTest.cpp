#include "config/Config.h"
#include "ConfigFixtures.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using rexray::Config;
using rexray::DriverSections;
using rexray::Error;
using rexray::ErrorKind;
using rexray::test::configError;
using rexray::test::loadFile;
using rexray::test::writeFile;
using rexray::testing::TempDir;

namespace {

// Sections whose plugin declares no keys: anything in them is read unchecked.
DriverSections undeclared(std::vector<std::string> names) {
  return DriverSections{std::move(names), {}};
}

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("config: no configuration at all") {
  Config cfg = Config::load({});
  CHECK(cfg.services() == std::vector<std::string>{"vfs"});
  CHECK(cfg.warnings().empty());
  CHECK(cfg.filesRead().empty());
  CHECK_FALSE(cfg.string("rexray.logLevel"));
  CHECK(cfg.string("rexray.logLevel", "warn") == "warn");
  CHECK(cfg.boolean("volume.create.implicit", true));
  CHECK(cfg.integer("volume.create.default.size", 16) == 16);
  CHECK(cfg.durationMs("device.attachTimeout", 30000) == 30000);
  CHECK(cfg.fileMode("volume.mount.fileMode", 0700) == 0700);
  CHECK(cfg.list("rexray.plugins.path").empty());
  CHECK_FALSE(cfg.driverValue(undeclared({"vfs"}), "root"));
  CHECK(cfg.environmentLines().empty());
}

TEST_CASE("config: missing optional files are skipped, -c files are required") {
  TempDir dir;
  std::string present = writeFile(dir, "config.yml", "rexray:\n  logLevel: debug\n");
  Config::Source src;
  src.files = {dir.path("absent.yml"), present};
  Config cfg = Config::load(src);
  CHECK(cfg.filesRead() == std::vector<std::string>{present});
  CHECK(cfg.string("rexray.logLevel") == "debug");

  src.requiredFiles = {dir.path("nope.yml")};
  CHECK(configError([&] { Config::load(src); }) ==
        "config file '" + dir.path("nope.yml") + "' not found");
}

TEST_CASE("config: later files override earlier ones") {
  TempDir dir;
  Config::Source src;
  src.files = {writeFile(dir, "a.yml", "volume:\n  mount:\n    preempt: true\n    retryCount: 3\n"),
               writeFile(dir, "b.yml", "volume.mount.preempt: false\n")};
  src.requiredFiles = {writeFile(dir, "c.yml", "volume:\n  mount:\n    retryCount: 7\n")};
  Config cfg = Config::load(src);
  CHECK(cfg.filesRead().size() == 3);
  CHECK_FALSE(cfg.boolean("volume.mount.preempt", true));
  CHECK(cfg.integer("volume.mount.retryCount", 0) == 7);
}

TEST_CASE("config: precedence is flag > env > file") {
  TempDir dir;
  std::string file = writeFile(dir, "config.yml",
                               "rexray:\n  logLevel: error\n"
                               "volume:\n  mount:\n    preempt: false\n"
                               "    retryCount: 1\n");
  SUBCASE("file only") {
    Config cfg = loadFile(file);
    CHECK(cfg.string("rexray.logLevel") == "error");
    CHECK_FALSE(cfg.boolean("volume.mount.preempt", true));
  }
  SUBCASE("env beats file") {
    Config cfg = loadFile(file, {{"REXRAY_LOGLEVEL", "info"}, {"VOLUME_MOUNT_PREEMPT", "yes"}});
    CHECK(cfg.string("rexray.logLevel") == "info");
    CHECK(cfg.boolean("volume.mount.preempt", false));
    CHECK(cfg.integer("volume.mount.retryCount", 0) == 1);
  }
  SUBCASE("flag beats env") {
    Config cfg = loadFile(file, {{"REXRAY_LOGLEVEL", "info"}, {"VOLUME_MOUNT_PREEMPT", "yes"}},
                          {{"logLevel", "debug"}, {"volume.mount.preempt", "off"}});
    CHECK(cfg.string("rexray.logLevel") == "debug");
    CHECK_FALSE(cfg.boolean("volume.mount.preempt", true));
    CHECK(cfg.integer("volume.mount.retryCount", 0) == 1);
  }
  SUBCASE("flags may use the derived flag name") {
    Config cfg = loadFile(file, {}, {{"volumeMountRetryCount", "9"}});
    CHECK(cfg.integer("volume.mount.retryCount", 0) == 9);
  }
}

TEST_CASE("config: 0.3 and libStorage names reach the same canonical key") {
  TempDir dir;
  SUBCASE("0.3 names") {
    Config cfg = loadFile(writeFile(dir, "c.yml",
                                    "docker:\n  size: 32\n  volumeType: gp2\n"
                                    "  iops: 100\n  availabilityZone: us-east-1a\n"
                                    "  fsType: xfs\n  mountDirPath: /mnt/rexray\n"
                                    "linux:\n  volume:\n    rootpath: /x\n"
                                    "    filemode: 0755\n"
                                    "volume:\n  unmount:\n    ignoreusedcount: true\n"));
    CHECK(cfg.warnings().empty());
    CHECK(cfg.integer("volume.create.default.size", 0) == 32);
    CHECK(cfg.string("volume.create.default.type") == "gp2");
    CHECK(cfg.integer("volume.create.default.iops", 0) == 100);
    CHECK(cfg.string("volume.create.default.availabilityZone") == "us-east-1a");
    CHECK(cfg.string("volume.create.default.fsType") == "xfs");
    CHECK(cfg.string("volume.mount.path") == "/mnt/rexray");
    CHECK(cfg.string("volume.mount.rootPath") == "/x");
    CHECK(cfg.fileMode("volume.mount.fileMode", 0) == 0755);
    CHECK(cfg.boolean("volume.unmount.ignoreUsedCount", false));
    // Alias keys read the canonical value.
    CHECK(cfg.integer("docker.size", 0) == 32);
  }
  SUBCASE("libStorage names") {
    Config cfg = loadFile(writeFile(dir, "c.yml", R"(libstorage:
  service: ebs
  logging:
    level: debug
    httpRequests: true
  device:
    attachTimeout: 1m
  integration:
    volume:
      operations:
        mount:
          preempt: true
          path: /var/lib/x
          rootPath: /y
          retryCount: 2
          retryWait: 500ms
        unmount:
          ignoreusedcount: true
        create:
          disable: true
          implicit: false
          default:
            size: 8
            type: io1
            IOPS: 300
            availabilityZone: z
            fsType: btrfs
        remove:
          disable: true
          force: true
        path:
          cache:
            enabled: false
            async: true
)"));
    CHECK(cfg.warnings().empty());
    CHECK(cfg.services() == std::vector<std::string>{"ebs"});
    CHECK(cfg.string("rexray.logLevel") == "debug");
    CHECK(cfg.durationMs("device.attachTimeout", 0) == 60000);
    CHECK(cfg.boolean("volume.mount.preempt", false));
    CHECK(cfg.string("volume.mount.path") == "/var/lib/x");
    CHECK(cfg.string("volume.mount.rootPath") == "/y");
    CHECK(cfg.integer("volume.mount.retryCount", 0) == 2);
    CHECK(cfg.durationMs("volume.mount.retryWait", 0) == 500);
    CHECK(cfg.boolean("volume.unmount.ignoreUsedCount", false));
    CHECK(cfg.boolean("volume.create.disable", false));
    CHECK_FALSE(cfg.boolean("volume.create.implicit", true));
    CHECK(cfg.integer("volume.create.default.size", 0) == 8);
    CHECK(cfg.string("volume.create.default.type") == "io1");
    CHECK(cfg.integer("volume.create.default.iops", 0) == 300);
    CHECK(cfg.string("volume.create.default.availabilityZone") == "z");
    CHECK(cfg.string("volume.create.default.fsType") == "btrfs");
    CHECK(cfg.boolean("volume.remove.disable", false));
    CHECK(cfg.boolean("volume.remove.force", false));
    CHECK_FALSE(cfg.boolean("volume.path.cache", true));
  }
  SUBCASE("aliases from env and flags") {
    Config cfg = loadFile(writeFile(dir, "c.yml", ""),
                          {{"LIBSTORAGE_SERVICE", "virtualbox"},
                           {"LINUX_VOLUME_ROOTPATH", "/r"},
                           {"LIBSTORAGE_INTEGRATION_VOLUME_OPERATIONS_MOUNT_PREEMPT", "true"}},
                          {{"dockerSize", "64"}});
    CHECK(cfg.services() == std::vector<std::string>{"virtualbox"});
    CHECK(cfg.string("volume.mount.rootPath") == "/r");
    CHECK(cfg.boolean("volume.mount.preempt", false));
    CHECK(cfg.integer("volume.create.default.size", 0) == 64);
  }
  SUBCASE("the canonical env name beats an alias") {
    Config cfg =
        Config::load({{}, {}, {{"DOCKER_SIZE", "1"}, {"VOLUME_CREATE_DEFAULT_SIZE", "2"}}, {}, {}});
    CHECK(cfg.integer("volume.create.default.size", 0) == 2);
  }
  SUBCASE("0.3 disableCache means the opposite of path.cache") {
    Config cfg = loadFile(writeFile(dir, "c.yml", "volume:\n  path:\n    disableCache: true\n"));
    CHECK(cfg.warnings().empty());
    CHECK_FALSE(cfg.boolean("volume.path.cache", true));
    CHECK(cfg.boolean("volume.path.disableCache", false));
    Config env = Config::load({{}, {}, {{"VOLUME_PATH_DISABLECACHE", "false"}}, {}, {}});
    CHECK(env.boolean("volume.path.cache", false));
    Config flag = Config::load({{}, {}, {}, {{"volumePathDisableCache", "true"}}, {}});
    CHECK_FALSE(flag.boolean("volume.path.cache", true));
  }
}

TEST_CASE("config: keys are case-insensitive") {
  TempDir dir;
  Config cfg = loadFile(writeFile(dir, "c.yml",
                                  "VOLUME:\n  Mount:\n    PREEMPT: TRUE\n"
                                  "Rexray:\n  LOGLEVEL: Info\n"
                                  "VirtualBox:\n  EndPoint: http://h:1\n"),
                        {{"volume_mount_retrycount", "4"}});
  CHECK(cfg.warnings().empty());
  CHECK(cfg.boolean("volume.mount.preempt", false));
  CHECK(cfg.boolean("Volume.Mount.Preempt", false));
  CHECK(cfg.string("rexray.loglevel") == "Info");
  CHECK(cfg.integer("volume.mount.retryCount", 0) == 4);
  CHECK(cfg.driverValue(undeclared({"virtualbox"}), "endpoint") == "http://h:1");
  CHECK(cfg.driverValue(undeclared({"VirtualBox"}), "ENDPOINT") == "http://h:1");
}

TEST_CASE("config: keys under rexray: are scoped") {
  TempDir dir;
  Config cfg = loadFile(writeFile(dir, "c.yml", R"(rexray:
  logLevel: debug
  storageDrivers:
  - vfs
  - virtualbox
  plugins:
    path: [/opt/a, /opt/b]
  volume:
    mount:
      preempt: true
  vfs:
    root: /tmp/vfs
  osDrivers: [linux]
  volumeDrivers: [docker]
  host: tcp://:7979
  modules:
    default-docker:
      type: docker
      host: unix:///run/docker/plugins/rexray.sock
)"));
  CHECK(cfg.warnings().empty());
  CHECK(cfg.services() == std::vector<std::string>{"vfs", "virtualbox"});
  CHECK(cfg.list("rexray.plugins.path") == std::vector<std::string>{"/opt/a", "/opt/b"});
  CHECK(cfg.boolean("volume.mount.preempt", false));
  CHECK(cfg.boolean("rexray.volume.mount.preempt", false));
  CHECK(cfg.driverValue(undeclared({"vfs"}), "root") == "/tmp/vfs");
  CHECK(cfg.string("vfs.root") == "/tmp/vfs");

  Config top = loadFile(writeFile(dir, "d.yml", "logLevel: warn\nstorageDrivers: vfs ebs\n"));
  CHECK(top.warnings().empty());
  CHECK(top.string("rexray.logLevel") == "warn");
  CHECK(top.services() == std::vector<std::string>{"vfs", "ebs"});
}

TEST_CASE("config: unknown core keys warn with file:line at load") {
  TempDir dir;
  std::string file = writeFile(dir, "c.yml",
                               "volume:\n"
                               "  mount:\n"
                               "    preemt: true\n"
                               "virtualbox:\n"
                               "  endpiont: http://x\n"
                               "  endpoint: http://y\n"
                               "virtualbx:\n"
                               "  endpoint: http://z\n"
                               "libstorage:\n"
                               "  server:\n"
                               "    services: {}\n"
                               "stray: 1\n");
  Config cfg = loadFile(file);
  const auto &w = cfg.warnings();
  REQUIRE(w.size() == 3);
  // In line order, each naming the key as written. Driver sections wait for
  // their plugin's schema (see the schema tests).
  CHECK(w[0] == file + ":3: unknown configuration key 'volume.mount.preemt'");
  CHECK(w[1] ==
        file + ":10: configuration key 'libstorage.server' is not supported and is ignored");
  CHECK(w[2] == file + ":12: unknown configuration key 'stray'");
  CHECK(cfg.driverValue(undeclared({"virtualbox"}), "endpoint") == "http://y");
}

TEST_CASE("config: sections of third-party drivers are accepted") {
  TempDir dir;
  Config cfg = loadFile(writeFile(dir, "c.yml",
                                  "rexray:\n  storageDrivers: [mydrv, fast]\n"
                                  "mydrv:\n  anything: 1\n  nested:\n    deep: x\n"
                                  "fast:\n  driver: ebs\n  region: eu-west-1\n"
                                  "ebs:\n  region: us-east-1\n  tag: t\n"),
                        {{"MYDRV_OTHER", "y"}});
  CHECK(cfg.warnings().empty());
  CHECK(cfg.driverValue(undeclared({"mydrv"}), "anything") == "1");
  CHECK(cfg.driverValue(undeclared({"mydrv"}), "nested.deep") == "x");
  CHECK(cfg.driverValue(undeclared({"mydrv"}), "other") == "y");
  CHECK(cfg.checkDriverSections(undeclared({"mydrv"})).empty());
  CHECK(cfg.driverValue(undeclared({"fast", "ebs"}), "region") == "eu-west-1");
  CHECK(cfg.driverValue(undeclared({"fast", "ebs"}), "tag") == "t");
}

TEST_CASE("config: wrong types are errors with file:line") {
  TempDir dir;
  auto err = [&](const std::string &yaml) {
    std::string file = writeFile(dir, "c.yml", yaml);
    return std::make_pair(file, configError([&] { loadFile(file); }));
  };
  {
    auto [file, msg] = err("volume:\n  mount:\n    preempt: maybe\n");
    CHECK(msg == file + ":3: volume.mount.preempt: expected a boolean (true/false), got 'maybe'");
  }
  {
    auto [file, msg] = err("\ndocker:\n  size: abc\n");
    CHECK(msg == file + ":3: docker.size: expected an integer, got 'abc'");
  }
  {
    auto [file, msg] = err("volume.create.default.size: -1\n");
    CHECK(msg ==
          file + ":1: volume.create.default.size: expected a non-negative integer, got '-1'");
  }
  {
    auto [file, msg] = err("volume:\n  mount:\n    preempt:\n      x: 1\n");
    CHECK(msg == file + ":3: volume.mount.preempt: expected a boolean (true/false), got a map");
  }
  {
    auto [file, msg] = err("volume:\n  mount:\n    rootPath: [a, b]\n");
    CHECK(msg == file + ":3: volume.mount.rootPath: expected a string, got a list");
  }
  {
    auto [file, msg] = err("rexray:\n  logLevel: loud\n");
    CHECK(contains(msg, file + ":2: rexray.logLevel: expected a log level"));
    CHECK(contains(msg, "got 'loud'"));
  }
  {
    auto [file, msg] = err("rexray:\n  storageDrivers: [vfs, 'bad name!']\n");
    CHECK(contains(msg, file + ":2: rexray.storageDrivers: invalid service name 'bad name!'"));
  }
  {
    auto [file, msg] = err("volume:\n  mount:\n    retryWait: soon\n");
    CHECK(contains(msg, file + ":3: volume.mount.retryWait: expected a duration"));
  }
  {
    auto [file, msg] = err("linux:\n  volume:\n    filemode: rwx\n");
    CHECK(contains(msg, file + ":3: linux.volume.filemode: expected a file mode"));
  }
  {
    auto [file, msg] = err("- just\n- a list\n");
    CHECK(msg == file + ":1: expected a map of configuration keys at the top level");
  }
}

TEST_CASE("config: YAML syntax errors name file and line") {
  TempDir dir;
  std::string file = writeFile(dir, "c.yml", "a: b\nc: d\n  e: f\n");
  std::string msg = configError([&] { loadFile(file); });
  CHECK(msg == file + ":3: illegal map value");
}

TEST_CASE("config: bad env and flag values name the variable or flag") {
  std::string msg = configError([] {
    Config::load({{}, {}, {{"VOLUME_MOUNT_PREEMPT", "maybe"}}, {}, {}});
  });
  CHECK(msg ==
        "environment variable VOLUME_MOUNT_PREEMPT: expected a boolean (true/false), got 'maybe'");
  msg = configError([] { Config::load({{}, {}, {{"REXRAY_STORAGEDRIVERS", "vfs b@d"}}, {}, {}}); });
  CHECK(contains(msg, "REXRAY_STORAGEDRIVERS"));
  CHECK(contains(msg, "'b@d'"));
  msg = configError([] { Config::load({{}, {}, {}, {{"volumeMountPreempt", "maybe"}}, {}}); });
  CHECK(msg == "flag --volumeMountPreempt: expected a boolean (true/false), got 'maybe'");
  msg = configError([] { Config::load({{}, {}, {}, {{"volume.create.default.size", "x"}}, {}}); });
  CHECK(msg == "flag --volumeCreateDefaultSize: expected an integer, got 'x'");
  msg = configError([] { Config::load({{}, {}, {}, {{"noSuchFlag", "x"}}, {}}); });
  CHECK(msg == "unknown flag --noSuchFlag");
}

TEST_CASE("config: services") {
  CHECK(Config::load({{}, {}, {{"REXRAY_STORAGEDRIVERS", "vfs ebs"}}, {}, {}}).services() ==
        std::vector<std::string>{"vfs", "ebs"});
  CHECK(Config::load({{}, {}, {}, {{"libstorageService", "scaleio"}}, {}}).services() ==
        std::vector<std::string>{"scaleio"});
  CHECK(Config::load({{}, {}, {}, {{"rexray.storageDrivers", "a b a"}}, {}}).services() ==
        std::vector<std::string>{"a", "b"});
}

TEST_CASE("config: driverValue lookups") {
  TempDir dir;
  std::string file = writeFile(dir, "c.yml",
                               "ebs:\n  region: from-ebs\n"
                               "ec2:\n  accessKey: from-ec2\n  region: from-ec2\n"
                               "aws:\n  secretKey: from-aws\n  tag: from-aws\n"
                               "ebs-west:\n  region: from-service\n"
                               "rexray:\n  storageDrivers: [ebs-west]\n"
                               "vfs:\n  root: /file/root\n");
  // What a plugin named ebs with the aliases ec2 and aws would give.
  const DriverSections ebs = undeclared({"ebs", "ec2", "aws"});
  const DriverSections west = undeclared({"ebs-west", "ebs", "ec2", "aws"});
  SUBCASE("service, then driver, then the plugin's aliases") {
    Config cfg = loadFile(file);
    CHECK(cfg.warnings().empty());
    CHECK(cfg.driverValue(west, "region") == "from-service");
    CHECK(cfg.driverValue(ebs, "region") == "from-ebs");
    CHECK(cfg.driverValue(ebs, "accessKey") == "from-ec2");
    CHECK(cfg.driverValue(ebs, "secretKey") == "from-aws");
    CHECK_FALSE(cfg.driverValue(ebs, "kmsKeyID"));
    // Sections are only a plugin's when its sections say so.
    CHECK_FALSE(cfg.driverValue(undeclared({"vfs"}), "accessKey"));
  }
  SUBCASE("env and flags per name") {
    Config cfg = loadFile(file,
                          {{"VFS_ROOT", "/env/root"},
                           {"EBS_TAG", "from-env"},
                           {"AWS_REGION", "stray"},
                           {"EBS_WEST_REGION", "nope"}},
                          {{"ebsRegion", "from-flag"}});
    CHECK(cfg.driverValue(undeclared({"vfs"}), "root") == "/env/root");
    CHECK(cfg.driverValue(ebs, "tag") == "from-env");
    CHECK(cfg.driverValue(ebs, "region") == "from-flag");
    // The service's own section wins over the driver's, whatever the layer.
    CHECK(cfg.driverValue(west, "region") == "from-service");
  }
  SUBCASE("env alone") {
    Config cfg = Config::load({{}, {}, {{"VFS_ROOT", "/env/root"}}, {}, {}});
    CHECK(cfg.driverValue(undeclared({"vfs"}), "root") == "/env/root");
    CHECK(cfg.string("vfs.root") == "/env/root");
  }
  SUBCASE("lists come back space-separated") {
    Config cfg = loadFile(writeFile(dir, "l.yml", "scaleio:\n  endpoint: [a, b]\n"));
    CHECK(cfg.driverValue(undeclared({"scaleio"}), "endpoint") == "a b");
  }
}

TEST_CASE("config: keyForFlag") {
  CHECK(Config::keyForFlag("volumeMountPreempt") == "volume.mount.preempt");
  CHECK(Config::keyForFlag("logLevel") == "rexray.logLevel");
  CHECK(Config::keyForFlag("rexrayLogLevel") == "rexray.logLevel");
  CHECK(Config::keyForFlag("loglevel") == "rexray.logLevel");
  CHECK(Config::keyForFlag("libstorageService") == "rexray.storageDrivers");
  CHECK(Config::keyForFlag("rexrayStorageDrivers") == "rexray.storageDrivers");
  CHECK(Config::keyForFlag("pluginsPath") == "rexray.plugins.path");
  CHECK(Config::keyForFlag("rexrayVolumeMountPreempt") == "volume.mount.preempt");
  CHECK(Config::keyForFlag("dockerSize") == "volume.create.default.size");
  CHECK(Config::keyForFlag("volumeUnmountIgnoreUsedCount") == "volume.unmount.ignoreUsedCount");
  // Driver flags are no core key; load() and the plugin's schema judge them.
  CHECK_FALSE(Config::keyForFlag("--vfsRoot"));
  CHECK(Config::isDriverFlag("--vfsRoot"));
  CHECK(Config::isDriverFlag("ebs.kmsKeyID"));
  CHECK_FALSE(Config::isDriverFlag("-"));
  CHECK_FALSE(Config::isDriverFlag("a=b"));
  CHECK(Config::keyForFlag("volumePathDisableCache") == "volume.path.disableCache");
  CHECK(Config::keyForFlag("VOLUME.MOUNT.PREEMPT") == "volume.mount.preempt");
  CHECK_FALSE(Config::keyForFlag("volumeMountPreemt"));
  CHECK_FALSE(Config::keyForFlag(""));
}

TEST_CASE("config: environmentLines are sorted with secrets redacted") {
  TempDir dir;
  Config cfg = loadFile(writeFile(dir, "c.yml",
                                  "rexray:\n  logLevel: debug\n"
                                  "  storageDrivers: [virtualbox, ebs]\n"
                                  "virtualbox:\n  endpoint: http://h\n"
                                  "  password: hunter2\n"
                                  "ebs:\n  secretKey: s3cr3t\n  region: r\n"
                                  "  apiKey: declared-secret\n  tokenCount: 3\n"),
                        {{"EBS_ACCESSKEY", "AKIA"},
                         {"EBS_SESSIONTOKEN", "tok"},
                         {"EBS_UNDECLARED", "not-ebs's"},
                         {"AWS_ACCESS_KEY_ID", "other-tool"},
                         {"HOME", "/root"},
                         {"VOLUME_MOUNT_PREEMPT", "true"}},
                        {{"ebsRegion", "r2"}});
  // A synthetic plugin's schema decides for its sections; the unclaimed
  // virtualbox section falls back to names that look secret.
  DriverSections ebs{{"ebs"},
                     {{"accessKey", RXR_TYPE_STRING, {}, "", true, {}},
                      {"secretKey", RXR_TYPE_STRING, {}, "", true, {}},
                      {"sessionToken", RXR_TYPE_STRING, {}, "", true, {}},
                      {"apiKey", RXR_TYPE_STRING, {}, "", true, {}},
                      {"tokenCount", RXR_TYPE_INT, {}, "", false, {}},
                      {"region", RXR_TYPE_STRING, {}, "", false, {}}}};
  std::vector<std::string> expected = {
      "EBS_ACCESSKEY=******",
      "EBS_APIKEY=******",
      "EBS_REGION=r2",
      "EBS_SECRETKEY=******",
      "EBS_SESSIONTOKEN=******",
      "EBS_TOKENCOUNT=3",
      "REXRAY_LOGLEVEL=debug",
      "REXRAY_STORAGEDRIVERS=virtualbox ebs",
      "VIRTUALBOX_ENDPOINT=http://h",
      "VIRTUALBOX_PASSWORD=******",
      "VOLUME_MOUNT_PREEMPT=true",
  };
  CHECK(cfg.environmentLines({ebs}) == expected);
  auto lines = cfg.environmentLines({ebs});
  CHECK(std::is_sorted(lines.begin(), lines.end()));
}

TEST_CASE("config: durations") {
  auto ms = [](const std::string &v) {
    return Config::load({{}, {}, {{"DEVICE_ATTACHTIMEOUT", v}}, {}, {}})
        .durationMs("device.attachTimeout", -1);
  };
  CHECK(ms("30s") == 30000);
  CHECK(ms("500ms") == 500);
  CHECK(ms("2m") == 120000);
  CHECK(ms("1h") == 3600000);
  CHECK(ms("10") == 10000);
  CHECK(ms("1m30s") == 90000);
  CHECK(ms("1.5s") == 1500);
  CHECK(ms("0") == 0);
  for (const char *bad : {"", "5x", "s", "1.2.3s", "-1s", "ms5"}) {
    CAPTURE(bad);
    std::string msg = configError([&] { ms(bad); });
    CHECK(contains(msg, "environment variable DEVICE_ATTACHTIMEOUT: expected a duration"));
  }
}

TEST_CASE("config: file modes") {
  TempDir dir;
  auto mode = [&](const std::string &v) {
    return loadFile(writeFile(dir, "m.yml", "volume:\n  mount:\n    fileMode: " + v + "\n"))
        .fileMode("volume.mount.fileMode", 0);
  };
  CHECK(mode("0700") == 0700);
  CHECK(mode("'0750'") == 0750);
  CHECK(mode("700") == 0700);
  CHECK(mode("0o755") == 0755);
  CHECK(mode("448") == 0700);
  CHECK(mode("0") == 0);
  for (const char *bad : {"0999", "rwx", "077777", "-1"}) {
    CAPTURE(bad);
    std::string msg = configError([&] { mode(bad); });
    CHECK(contains(msg, ":3: volume.mount.fileMode: expected a file mode"));
  }
  Config env = Config::load({{}, {}, {{"LINUX_VOLUME_FILEMODE", "0777"}}, {}, {}});
  CHECK(env.fileMode("volume.mount.fileMode", 0) == 0777);
}

TEST_CASE("config: booleans accept the usual spellings") {
  for (const char *t : {"true", "TRUE", "yes", "On", "1"}) {
    CAPTURE(t);
    CHECK(Config::load({{}, {}, {{"VOLUME_REMOVE_FORCE", t}}, {}, {}})
              .boolean("volume.remove.force", false));
  }
  for (const char *f : {"false", "No", "OFF", "0"}) {
    CAPTURE(f);
    CHECK_FALSE(Config::load({{}, {}, {{"VOLUME_REMOVE_FORCE", f}}, {}, {}})
                    .boolean("volume.remove.force", true));
  }
}

TEST_CASE("config: defaultFiles and processEnvironment") {
  const char *old = std::getenv("HOME");
  std::string saved = old ? old : "";
  ::setenv("HOME", "/home/u", 1);
  CHECK(Config::defaultFiles("/etc/rexray") ==
        std::vector<std::string>{"/etc/rexray/config.yml", "/etc/rexray/config.yaml",
                                 "/home/u/.rexray/config.yml", "/home/u/.rexray/config.yaml"});
  CHECK(Config::processEnvironment().at("HOME") == "/home/u");
  ::unsetenv("HOME");
  CHECK(Config::defaultFiles("/x") == std::vector<std::string>{"/x/config.yml", "/x/config.yaml"});
  if (old) ::setenv("HOME", saved.c_str(), 1);
}

TEST_CASE("config: unreadable files") {
  TempDir dir;
  std::filesystem::create_directory(dir.path("config.yml"));
  Config::Source src;
  src.files = {dir.path("config.yml")};
  Config cfg = Config::load(src);
  CHECK(cfg.filesRead().empty());
  REQUIRE(cfg.warnings().size() == 1);
  CHECK(contains(cfg.warnings()[0], "cannot read config file '" + dir.path("config.yml") + "'"));
  src.files.clear();
  src.requiredFiles = {dir.path("config.yml")};
  CHECK(contains(configError([&] { Config::load(src); }), "is a directory"));
}

TEST_CASE("config: odds and ends") {
  TempDir dir;
  SUBCASE("REXRAY_-prefixed env names are scoped too") {
    Config cfg = Config::load({{}, {}, {{"REXRAY_VOLUME_MOUNT_PREEMPT", "on"}}, {}, {}});
    CHECK(cfg.boolean("volume.mount.preempt", false));
  }
  SUBCASE("an empty value leaves the key unset") {
    Config cfg = loadFile(writeFile(dir, "c.yml", "volume:\n  mount:\n    preempt:\nvfs:\n"));
    CHECK(cfg.warnings().empty());
    CHECK_FALSE(cfg.string("volume.mount.preempt"));
  }
  SUBCASE("a getter of the wrong type names where the value came from") {
    std::string file = writeFile(dir, "c.yml", "rexray:\n  logLevel: info\n");
    Config cfg = loadFile(file);
    CHECK(configError([&] { cfg.integer("rexray.logLevel", 0); }) ==
          file + ":2: rexray.logLevel: expected an integer, got 'info'");
  }
  SUBCASE("driver settings from flags") {
    // A flag is accepted for a section in play: here one the caller names.
    Config cfg = Config::load({{}, {}, {}, {{"virtualboxEndpoint", "http://f"}}, {"virtualbox"}});
    CHECK(cfg.driverValue(undeclared({"virtualbox"}), "endpoint") == "http://f");
    CHECK(cfg.string("virtualbox.endpoint") == "http://f");
    Config service =
        Config::load({{}, {}, {}, {{"storageDrivers", "nas"}, {"nas.share", "/x"}}, {}});
    CHECK(service.driverValue(undeclared({"nas"}), "share") == "/x");
    CHECK(contains(configError([] {
                     Config::load({{}, {}, {}, {{"virtualboxEndpoint", "http://f"}}, {}});
                   }),
                   "unknown flag --virtualboxEndpoint"));
    CHECK(contains(configError([] {
                     Config::load({{}, {}, {}, {{"nosuch.key", "x"}}, {}});
                   }),
                   "unknown flag --nosuchKey"));
  }
}

TEST_CASE("Config: REX-Ray's managed-plugin variables work, other REXRAY_* ones are warned about") {
  const Config cfg = Config::load({{},
                                   {},
                                   {{"REXRAY_FSTYPE", "xfs"},
                                    {"REXRAY_PREEMPT", "true"},
                                    {"REXRAY_DEBUG", "true"},
                                    {"REXRAY_HOME", "/tmp/x"},
                                    {"REXRAY_LOGFORMAT", "json"},
                                    {"REXRAY_HOME_ETC", "/etc/x"}},
                                   {},
                                   {}});
  CHECK(cfg.string("volume.create.default.fsType", "") == "xfs");
  CHECK(cfg.boolean("volume.mount.preempt", false));
  CHECK(cfg.boolean("rexray.debug", false));
  CHECK(cfg.string("rexray.logFormat", "") == "json");
  REQUIRE(cfg.warnings().size() == 1);
  CHECK(cfg.warnings()[0] == "environment variable REXRAY_HOME_ETC is not a rexray setting and is "
                             "ignored (rexray env --all lists the settings)");
}
