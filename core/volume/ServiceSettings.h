#pragma once

#include "config/CoreKeys.h"

#include <cstdint>
#include <string>

namespace rexray {

class Config;
struct Paths;

// The integration settings a VolumeService acts on, read once from Config.
// Every member starts at its key's default in the core key table
// (config/CoreKeys.cpp), the one place a default is stated.
struct ServiceSettings {
  bool preempt = coreDefaultBool("volume.mount.preempt");
  bool ignoreUsedCount = coreDefaultBool("volume.unmount.ignoreUsedCount");
  bool createDisable = coreDefaultBool("volume.create.disable");
  bool createImplicit = coreDefaultBool("volume.create.implicit");
  bool removeDisable = coreDefaultBool("volume.remove.disable");
  bool removeForce = coreDefaultBool("volume.remove.force");
  int64_t defaultSizeGiB = coreDefaultInt("volume.create.default.size");
  int64_t defaultIops = coreDefaultInt("volume.create.default.iops");
  std::string defaultType = coreDefaultString("volume.create.default.type");
  std::string defaultAvailabilityZone = coreDefaultString("volume.create.default.availabilityZone");
  std::string defaultFsType = coreDefaultString("volume.create.default.fsType");
  std::string mountPath; // <libDir>/volumes, known only with the Paths
  std::string rootPath = coreDefaultString("volume.mount.rootPath");
  uint32_t fileMode = coreDefaultMode("volume.mount.fileMode");
  int64_t attachTimeoutMs = coreDefaultDurationMs("device.attachTimeout");
  int64_t mountRetryCount = coreDefaultInt("volume.mount.retryCount");
  int64_t mountRetryWaitMs = coreDefaultDurationMs("volume.mount.retryWait");

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
