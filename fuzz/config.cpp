// The configuration loader: Config::load on a fuzzed YAML file, then the
// readers the daemon and `rexray env` use. Config::load reads files only, so
// each input is written to one temporary file of this process.
// The only accepted failure is rexray::Error (a YAML syntax error or a
// wrong value type, named by file:line); anything else escaping is a bug.
#include "config/Config.h"
#include "util/Error.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

std::string tempPath() {
  const char *dir = getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/rexray-fuzz-config-" +
         std::to_string(getpid()) + ".yml";
}

// A driver like ebs: its own section, an alias section, one key of each
// type, a secret and an older spelling.
rexray::DriverSections fuzzDriver() {
  rexray::DriverSections d;
  d.names = {"ebs", "ec2"};
  d.keys = {{"region", RXR_TYPE_STRING, "us-east-1", "", false, {}},
            {"maxRetries", RXR_TYPE_INT, std::nullopt, "", false, {}},
            {"useLargeDeviceRange", RXR_TYPE_BOOL, "false", "", false, {}},
            {"statusTimeout", RXR_TYPE_DURATION, "2m", "", false, {}},
            {"tags", RXR_TYPE_LIST, std::nullopt, "", false, {}},
            {"secretKey", RXR_TYPE_STRING, std::nullopt, "", true, {"secretAccessKey"}}};
  return d;
}

// Removes the file when the fuzzer exits normally.
struct TempFile {
  std::string path = tempPath();
  ~TempFile() { std::remove(path.c_str()); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static TempFile file;
  static const rexray::DriverSections driver = fuzzDriver();
  {
    std::ofstream out(file.path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
  }
  rexray::Config::Source source;
  source.requiredFiles = {file.path};
  try {
    const rexray::Config cfg = rexray::Config::load(source);
    cfg.services();
    cfg.environmentLines({driver});
    cfg.settings({{"ebs", driver}});
    cfg.string("rexray.logLevel");
    cfg.boolean("volume.mount.preempt", false);
    cfg.integer("volume.create.default.size", 16);
    cfg.durationMs("docker.timeout.long", 120000);
    cfg.list("rexray.plugins.path");
    cfg.fileMode("volume.mount.fileMode", 0700);
    cfg.checkDriverSections(driver);
    for (const auto &key : driver.keys) cfg.driverValue(driver, key.key);
  } catch (const rexray::Error &) {
    // Rejecting a bad file is the loader's job.
  }
  return 0;
}
