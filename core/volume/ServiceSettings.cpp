#include "volume/ServiceSettings.h"

#include "config/Config.h"
#include "util/Error.h"
#include "util/Paths.h"

namespace rexray {

ServiceSettings ServiceSettings::fromConfig(const Config &c, const Paths &paths) {
  // Each fallback is the member's own default: the core key table's.
  ServiceSettings s;
  s.preempt = c.boolean("volume.mount.preempt", s.preempt);
  s.ignoreUsedCount = c.boolean("volume.unmount.ignoreUsedCount", s.ignoreUsedCount);
  s.createDisable = c.boolean("volume.create.disable", s.createDisable);
  s.createImplicit = c.boolean("volume.create.implicit", s.createImplicit);
  s.removeDisable = c.boolean("volume.remove.disable", s.removeDisable);
  s.removeForce = c.boolean("volume.remove.force", s.removeForce);
  s.defaultSizeGiB = c.integer("volume.create.default.size", s.defaultSizeGiB);
  s.defaultIops = c.integer("volume.create.default.iops", s.defaultIops);
  s.defaultType = c.string("volume.create.default.type", s.defaultType);
  s.defaultAvailabilityZone =
      c.string("volume.create.default.availabilityZone", s.defaultAvailabilityZone);
  s.defaultFsType = c.string("volume.create.default.fsType", s.defaultFsType);
  s.mountPath = c.string("volume.mount.path", paths.libDir + "/volumes");
  s.rootPath = c.string("volume.mount.rootPath", s.rootPath);
  s.fileMode = c.fileMode("volume.mount.fileMode", s.fileMode);
  s.attachTimeoutMs = c.durationMs("device.attachTimeout", s.attachTimeoutMs);
  s.mountRetryCount = c.integer("volume.mount.retryCount", s.mountRetryCount);
  s.mountRetryWaitMs = c.durationMs("volume.mount.retryWait", s.mountRetryWaitMs);

  if (s.defaultSizeGiB <= 0)
    throw Error(ErrorKind::Config, "volume.create.default.size must be a positive number of GiB");
  if (s.defaultIops < 0)
    throw Error(ErrorKind::Config, "volume.create.default.iops must not be negative");
  if (s.mountPath.empty() || s.mountPath[0] != '/')
    throw Error(ErrorKind::Config, "volume.mount.path must be an absolute path");
  if (s.rootPath.empty() || s.rootPath[0] != '/' || s.rootPath.find("..") != std::string::npos)
    throw Error(ErrorKind::Config,
                "volume.mount.rootPath must be an absolute path without '..', got '" + s.rootPath +
                    "'");
  while (s.rootPath.size() > 1 && s.rootPath.back() == '/') s.rootPath.pop_back();
  if (s.fileMode > 07777)
    throw Error(ErrorKind::Config, "volume.mount.fileMode must be an octal mode like 0700");
  if (s.attachTimeoutMs <= 0)
    throw Error(ErrorKind::Config, "device.attachTimeout must be positive");
  if (s.mountRetryCount < 0)
    throw Error(ErrorKind::Config, "volume.mount.retryCount must not be negative");
  return s;
}

std::string ServiceSettings::mountPointFor(const std::string &volumeName) const {
  return mountPath + "/" + volumeName;
}

std::string ServiceSettings::pathIn(const std::string &mountPoint) const {
  return rootPath == "/" ? mountPoint : mountPoint + rootPath;
}

std::string ServiceSettings::pathFor(const std::string &volumeName) const {
  return pathIn(mountPointFor(volumeName));
}

} // namespace rexray
