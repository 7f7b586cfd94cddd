#include "volume/ServiceSettings.h"

#include "config/Config.h"
#include "util/Error.h"
#include "util/Paths.h"

namespace rexray {

ServiceSettings ServiceSettings::fromConfig(const Config &c, const Paths &paths) {
  ServiceSettings s;
  s.preempt = c.boolean("volume.mount.preempt", false);
  s.ignoreUsedCount = c.boolean("volume.unmount.ignoreUsedCount", false);
  s.createDisable = c.boolean("volume.create.disable", false);
  s.createImplicit = c.boolean("volume.create.implicit", true);
  s.removeDisable = c.boolean("volume.remove.disable", false);
  s.removeForce = c.boolean("volume.remove.force", false);
  s.defaultSizeGiB = c.integer("volume.create.default.size", 16);
  s.defaultIops = c.integer("volume.create.default.iops", 0);
  s.defaultType = c.string("volume.create.default.type", "");
  s.defaultAvailabilityZone = c.string("volume.create.default.availabilityZone", "");
  s.defaultFsType = c.string("volume.create.default.fsType", "ext4");
  s.mountPath = c.string("volume.mount.path", paths.libDir + "/volumes");
  s.rootPath = c.string("volume.mount.rootPath", "/data");
  s.fileMode = c.fileMode("volume.mount.fileMode", 0700);
  s.attachTimeoutMs = c.durationMs("device.attachTimeout", 30000);
  s.mountRetryCount = c.integer("volume.mount.retryCount", 0);
  s.mountRetryWaitMs = c.durationMs("volume.mount.retryWait", 5000);

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

} // namespace rexray
