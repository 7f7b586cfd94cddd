#pragma once

#include <cstdint>
#include <string>

namespace rexray {

class Config;
struct Paths;

// The integration settings a VolumeService acts on, read once from Config.
struct ServiceSettings {
  bool preempt = false;
  bool ignoreUsedCount = false;
  bool createDisable = false;
  bool createImplicit = true;
  bool removeDisable = false;
  bool removeForce = false;
  int64_t defaultSizeGiB = 16;
  int64_t defaultIops = 0;
  std::string defaultType;
  std::string defaultAvailabilityZone;
  std::string defaultFsType = "ext4";
  std::string mountPath; // <libDir>/volumes
  std::string rootPath = "/data";
  uint32_t fileMode = 0700;
  int64_t attachTimeoutMs = 30000;
  int64_t mountRetryCount = 0;
  int64_t mountRetryWaitMs = 5000;

  // The one statement of where volumes go: <mount.path>/<name> is the mount
  // point, <mount point><rootPath> the path callers are handed.
  std::string mountPointFor(const std::string &volumeName) const;
  std::string pathIn(const std::string &mountPoint) const;
  std::string pathFor(const std::string &volumeName) const; // pathIn(mountPointFor(name))

  // Throws Error(Config) for values out of range (a negative size, a
  // rootPath that is not absolute or contains "..").
  static ServiceSettings fromConfig(const Config &config, const Paths &paths);
};

} // namespace rexray
