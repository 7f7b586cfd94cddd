#include "mount/MountPipeline.h"

#include "util/Error.h"
#include "util/Log.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

namespace rexray {
namespace {

bool blockDeviceExists(const std::string &path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
}

int64_t nowUnix() {
  return static_cast<int64_t>(std::time(nullptr));
}

} // namespace

MountPipeline::MountPipeline(DriverHandle &driver, OsLayer &os, StateStore &state,
                             ServiceSettings settings, KnownFilesystems &known)
    : _driver(driver), _os(os), _state(state), _settings(std::move(settings)), _known(known) {}

Deadline MountPipeline::forwardPart(const Deadline &deadline) const {
  // A quarter of what is left, at most 5 s, is kept for undoing an attach
  // that did not finish: a detach is one backend call.
  const auto reserve = std::min(std::chrono::milliseconds(5000), deadline.remaining() / 4);
  return deadline.reserving(reserve).atMost(std::chrono::milliseconds(_settings.attachTimeoutMs));
}

std::string MountPipeline::waitForDevice(const Volume &volume, const std::string &token,
                                         const Deadline &deadline) {
  if (_driver.supportsWaitForDevice()) {
    try {
      return _driver.waitForDevice(volume.id, token, deadline);
    } catch (const Error &e) {
      // A C++ driver fills every slot; "unsupported" then comes from the call.
      if (e.kind() != ErrorKind::Unsupported)
        throw Error(e.kind(),
                    "problem with device discovery for volume '" + volume.name + "': " + e.what());
    }
  }
  // Without the driver's help the token must be the device path itself.
  while (!blockDeviceExists(token)) {
    if (deadline.expired())
      throw Error(ErrorKind::Timeout, "problem with device discovery for volume '" + volume.name +
                                          "': " + token + " did not appear");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return token;
}

std::string MountPipeline::localDevice(const Volume &volume, const std::string &instanceId,
                                       const Deadline &deadline) {
  if (volume.attachedInstanceId != instanceId) return "";
  auto record = _state.attachment(_driver.service(), volume.id);
  // An intent record (written before the attach answered) has no token yet.
  const std::string token =
      record && !record->token.empty() ? record->token : volume.attachedDevice;
  if (token.empty()) return "";
  return waitForDevice(volume, token, deadline);
}

Volume MountPipeline::verified(const Volume &volume, const std::string &instanceId,
                               const Deadline &deadline) {
  if (!_state.attachment(_driver.service(), volume.id)) return volume;
  // The record (and the view we were handed) may predate someone detaching
  // the volume behind our back; waiting for a device that will never come
  // back would cost the whole attach timeout, so the driver's view decides.
  Volume current = _driver.volume(volume.id, deadline);
  if (current.attachedInstanceId != instanceId) {
    log::info("{}: dropping the attachment record of {} ({}): the driver reports it {}",
              _driver.service(), volume.name, volume.id,
              current.attachedInstanceId.empty() ? "detached"
                                                 : "attached to " + current.attachedInstanceId);
    forget(volume.id);
  }
  return current;
}

MountPipeline::Attached MountPipeline::ensureAttached(const Volume &volume,
                                                      const std::string &instanceId, bool force,
                                                      const Deadline &deadline) {
  const Deadline forward = forwardPart(deadline);
  if (volume.attachedInstanceId == instanceId) {
    std::string device = localDevice(verified(volume, instanceId, forward), instanceId, forward);
    if (!device.empty()) return {device, false};
  }
  std::string nextDevice;
  try {
    nextDevice = _driver.nextDevice(forward);
  } catch (const Error &e) {
    if (e.kind() != ErrorKind::Unsupported) throw;
  }
  log::info("{}: attaching volume {} ({}){}", _driver.service(), volume.name, volume.id,
            force ? " with preemption" : "");
  // The intent is recorded before the attach: a crash after the backend
  // attached but before we wrote anything would otherwise leave an
  // attachment that no restart knows is ours.
  AttachmentRecord record{_driver.service(), volume.id, volume.name, "", "", nowUnix()};
  _state.putAttachment(record);
  try {
    record.token = _driver.attachVolume(volume.id, nextDevice, force, forward);
  } catch (...) {
    // Whatever the backend did, reconcile at the next start trusts its view.
    forget(volume.id);
    throw;
  }
  try {
    // One write after the device appears: a crash before it leaves the
    // intent record, and a restart trusts the driver's view for that.
    record.device = waitForDevice(volume, record.token, forward);
    _state.putAttachment(record);
  } catch (...) {
    try {
      detach(volume, false, deadline);
    } catch (const Error &e) {
      log::error("{}: rollback: detaching volume {} failed: {}", _driver.service(), volume.name,
                 e.what());
    }
    throw;
  }
  return {record.device, true};
}

std::string MountPipeline::formatIfNeeded(const std::string &device, const std::string &fsType,
                                          bool overwrite) {
  const std::string found = _os.probeFilesystem(device);
  if (!found.empty() && !overwrite) return found;
  log::info("formatting {} as {}{}", device, fsType,
            found.empty() ? "" : " (overwriting " + found + ")");
  _os.makeFilesystem(device, fsType);
  return fsType;
}

std::string MountPipeline::attach(const Volume &volume, const std::string &instanceId, bool force,
                                  const Deadline &deadline) {
  return ensureAttached(volume, instanceId, force, deadline).device;
}

void MountPipeline::detach(const Volume &volume, bool force, const Deadline &deadline) {
  log::info("{}: detaching volume {} ({})", _driver.service(), volume.name, volume.id);
  _driver.detachVolume(volume.id, force, deadline);
  forget(volume.id);
}

void MountPipeline::mountFilesystem(const Volume &volume, const std::string &device,
                                    const std::string &target, const std::string &fsType,
                                    bool overwrite) {
  if (!overwrite && mountAsKnown(volume, device, target)) return;
  const std::string onDevice = formatIfNeeded(device, fsType, overwrite);
  _os.mount(device, target, onDevice, "");
  _known.learn(volume.id, onDevice);
}

bool MountPipeline::mountAsKnown(const Volume &volume, const std::string &device,
                                 const std::string &target) {
  const auto type = _known.find(volume.id);
  if (!type) return false;
  try {
    _os.mount(device, target, *type, "");
    return true;
  } catch (const Error &e) {
    log::info("{}: {} no longer mounts as {} ({}); probing it", _driver.service(), volume.name,
              *type, e.what());
    _known.forget(volume.id);
    return false;
  }
}

void MountPipeline::forget(const std::string &volumeId) {
  _state.removeAttachment(_driver.service(), volumeId);
}

MountResult MountPipeline::mount(const Volume &volume, const std::string &instanceId,
                                 const MountOptions &options, bool force,
                                 const Deadline &deadline) {
  const std::string fsType = options.fsType.empty() ? _settings.defaultFsType : options.fsType;
  Attached attached = ensureAttached(volume, instanceId, force, deadline);

  MountResult result{attached.device, _settings.mountPointFor(volume.name),
                     _settings.pathFor(volume.name)};
  bool mountedNow = false;
  try {
    // A device attached just now cannot be mounted anywhere yet.
    const auto existing =
        attached.attachedNow ? std::vector<std::string>{} : _os.mountPointsOf(attached.device);
    bool alreadyOurs = false;
    for (const auto &mp : existing) alreadyOurs = alreadyOurs || mp == result.mountPoint;
    if (!existing.empty() && !alreadyOurs) {
      // REX-Ray hands out the device's existing mount rather than stacking a second one.
      result.mountPoint = existing.front();
      result.path = _settings.pathIn(existing.front());
    }
    if (existing.empty()) {
      _os.makeDirectories(result.mountPoint, 0755);
      mountFilesystem(volume, attached.device, result.mountPoint, fsType, options.overwriteFs);
      mountedNow = true;
      log::info("{}: mounted {} on {}", _driver.service(), attached.device, result.mountPoint);
    }
    // Usually there from an earlier mount, with its mode: one stat then.
    if (!_os.directoryHasMode(result.path, _settings.fileMode)) {
      _os.makeDirectories(result.path, _settings.fileMode);
      _os.changeMode(result.path, _settings.fileMode);
    }
  } catch (...) {
    if (mountedNow) {
      try {
        _os.unmount(result.mountPoint);
      } catch (const Error &e) {
        log::error("rollback: unmounting {} failed: {}", result.mountPoint, e.what());
      }
    }
    if (attached.attachedNow) {
      // Each undo step is tried on its own; the caller sees the original error.
      try {
        _os.removeDirectory(_settings.mountPointFor(volume.name));
      } catch (const Error &e) {
        log::error("rollback: removing {} failed: {}", _settings.mountPointFor(volume.name),
                   e.what());
      }
      try {
        detach(volume, false, deadline);
      } catch (const Error &e) {
        log::error("rollback: detaching volume {} failed: {}", volume.name, e.what());
      }
    }
    throw;
  }
  return result;
}

void MountPipeline::unmount(const Volume &volume, const std::string &instanceId,
                            const Deadline &deadline) {
  const std::string ourMountPoint = _settings.mountPointFor(volume.name);
  std::string device;
  if (volume.attachedInstanceId == instanceId) device = localDevice(volume, instanceId, deadline);
  std::vector<std::string> targets;
  if (!device.empty()) targets = _os.mountPointsOf(device);
  // Usually among the device's mounts; only otherwise is the table read again.
  if (std::find(targets.begin(), targets.end(), ourMountPoint) == targets.end() &&
      _os.isMountPoint(ourMountPoint))
    targets.push_back(ourMountPoint);
  for (const auto &target : targets) {
    _os.unmount(target);
    log::info("{}: unmounted {}", _driver.service(), target);
  }
  _os.removeDirectory(ourMountPoint);
  if (volume.attachedInstanceId == instanceId) detach(volume, false, deadline);
}

void MountPipeline::format(const Volume &volume, const std::string &instanceId,
                           const std::string &fsType, bool overwrite, const Deadline &deadline) {
  Attached attached = ensureAttached(volume, instanceId, false, deadline);
  try {
    _known.learn(volume.id, formatIfNeeded(attached.device, fsType, overwrite));
  } catch (...) {
    if (attached.attachedNow) detach(volume, false, deadline);
    throw;
  }
  if (attached.attachedNow) detach(volume, false, deadline);
}

std::string MountPipeline::stageAt(const Volume &volume, const std::string &instanceId,
                                   const std::string &stagingPath, const MountOptions &options,
                                   bool block, const Deadline &deadline) {
  Attached attached = ensureAttached(volume, instanceId, false, deadline);
  if (block) return attached.device;
  const std::string fsType = options.fsType.empty() ? _settings.defaultFsType : options.fsType;
  bool mountedNow = false;
  try {
    const auto existing = _os.mountPointsOf(attached.device);
    if (std::find(existing.begin(), existing.end(), stagingPath) == existing.end()) {
      _os.makeDirectories(stagingPath, 0750);
      mountFilesystem(volume, attached.device, stagingPath, fsType, options.overwriteFs);
      mountedNow = true;
      log::info("{}: staged {} at {}", _driver.service(), attached.device, stagingPath);
    }
  } catch (...) {
    if (mountedNow) _os.unmount(stagingPath);
    if (attached.attachedNow) {
      try {
        detach(volume, false, deadline);
      } catch (const Error &e) {
        log::error("rollback: detaching volume {} failed: {}", volume.name, e.what());
      }
    }
    throw;
  }
  return attached.device;
}

void MountPipeline::unstageFrom(const std::string &stagingPath) {
  if (_os.isMountPoint(stagingPath)) {
    _os.unmount(stagingPath);
    log::info("{}: unstaged {}", _driver.service(), stagingPath);
  }
}

void MountPipeline::bindPublish(const std::string &source, const std::string &target, bool readOnly,
                                bool block) {
  if (_os.isMountPoint(target)) {
    // A repeat: the same publish is done; one that differs in access is not.
    for (const auto &m : _os.mounts()) {
      if (m.target != target) continue;
      const bool wasReadOnly = ("," + m.options + ",").find(",ro,") != std::string::npos;
      if (wasReadOnly != readOnly)
        throw Error(ErrorKind::Exists,
                    target + " is already published " + (wasReadOnly ? "read-only" : "read-write"));
    }
    return;
  }
  if (block)
    _os.makeFile(target, 0640);
  else
    _os.makeDirectories(target, 0750);
  _os.bindMount(source, target, readOnly);
  log::info("{}: published {} at {}{}", _driver.service(), source, target,
            readOnly ? " (read-only)" : "");
}

void MountPipeline::bindUnpublish(const std::string &target) {
  if (_os.isMountPoint(target)) {
    _os.unmount(target);
    log::info("{}: unpublished {}", _driver.service(), target);
  }
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode))
    _os.removeDirectory(target);
  else
    _os.removeFile(target);
}

void MountPipeline::growFilesystem(const std::string &device, const std::string &mountPoint) {
  const std::string fsType = _os.probeFilesystem(device);
  if (fsType.empty()) return;
  _os.growFilesystem(device, mountPoint, fsType);
  log::info("{}: grew the {} file system on {} at {}", _driver.service(), fsType, device,
            mountPoint);
}

VolumeUsage MountPipeline::usageAt(const std::string &path) {
  VolumeUsage usage;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(ErrorKind::NotFound, "volume path " + path + " does not exist");
  if (S_ISBLK(st.st_mode)) {
    usage.block = true;
    usage.healthy = true;
    return usage;
  }
  usage.filesystem = _os.filesystemUsage(path);
  usage.healthy = _os.isMountPoint(path);
  if (!usage.healthy) usage.problem = path + " is no longer mounted";
  return usage;
}

} // namespace rexray
