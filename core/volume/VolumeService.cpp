#include "volume/VolumeService.h"

#include "util/Error.h"
#include "util/Log.h"
#include "util/Names.h"

#include <algorithm>
#include <ctime>
#include <thread>

namespace rexray {
namespace {

// Backend calls that are not attach/mount get Docker's shorter limit.
constexpr std::chrono::milliseconds kCallTimeout{60000};

std::string idList(const std::vector<const Volume *> &matches) {
  std::string out;
  for (const auto *v : matches) out += (out.empty() ? "" : ", ") + v->id;
  return out;
}

} // namespace

VolumeService::VolumeService(std::string name, std::unique_ptr<DriverHandle> driver,
                             ServiceSettings settings, StateStore &state, OsLayer &os)
    : _name(std::move(name)), _driver(std::move(driver)), _settings(std::move(settings)),
      _state(state), _os(os), _pipeline(*_driver, os, state, _settings) {}

Deadline VolumeService::callDeadline() const {
  return deadlineIn(kCallTimeout);
}

std::string VolumeService::instanceId() {
  std::lock_guard<std::mutex> guard(_instanceGuard);
  if (_instanceId.empty()) _instanceId = _driver->instanceId(callDeadline());
  return _instanceId;
}

std::unique_lock<std::mutex> VolumeService::lockVolume(const std::string &key) {
  std::shared_ptr<std::mutex> m;
  {
    std::lock_guard<std::mutex> guard(_locksGuard);
    auto &slot = _locks[toLower(key)];
    if (!slot) slot = std::make_shared<std::mutex>();
    m = slot;
  }
  return std::unique_lock<std::mutex>(*m);
}

void VolumeService::decorate(Volume &volume, const std::vector<MountRecord> &mounts) const {
  for (const auto &m : mounts) {
    if (m.service == _name && m.volumeId == volume.id) {
      volume.mountPath = _pipeline.pathFor(volume.name);
      return;
    }
  }
}

std::vector<Volume> VolumeService::list() {
  auto volumes = _driver->volumes(callDeadline());
  const auto mounts = _state.allMounts();
  for (auto &v : volumes) decorate(v, mounts);
  std::sort(volumes.begin(), volumes.end(),
            [](const Volume &a, const Volume &b) { return a.name < b.name; });
  return volumes;
}

Volume VolumeService::resolve(const std::string &ref, const std::vector<Volume> &all) const {
  if (ref.empty()) throw Error(ErrorKind::Invalid, "a volume name or ID is required");
  for (const auto &v : all)
    if (v.id == ref) return v;
  std::vector<const Volume *> exact, folded;
  const std::string lowered = toLower(ref);
  for (const auto &v : all) {
    if (v.name == ref) exact.push_back(&v);
    if (toLower(v.name) == lowered) folded.push_back(&v);
  }
  const auto &matches = !exact.empty() ? exact : folded;
  if (matches.size() == 1) return *matches.front();
  if (matches.size() > 1)
    throw Error(ErrorKind::Ambiguous, "volume name '" + ref + "' is ambiguous in service '" +
                                          _name + "': it matches volumes " + idList(matches) +
                                          "; use an ID");
  throw Error(ErrorKind::NotFound, "volume '" + ref + "' not found in service '" + _name + "'");
}

Volume VolumeService::inspect(const std::string &ref) {
  Volume v = resolve(ref, _driver->volumes(callDeadline()));
  decorate(v, _state.mounts(_name, v.id));
  return v;
}

Volume VolumeService::create(const CreateSpec &spec) {
  validateName(spec.name);
  if (spec.sizeGiB && *spec.sizeGiB <= 0)
    throw Error(ErrorKind::Invalid,
                "size must be a positive number of GiB, got " + std::to_string(*spec.sizeGiB));
  if (spec.iops && *spec.iops < 0)
    throw Error(ErrorKind::Invalid, "iops must not be negative, got " + std::to_string(*spec.iops));
  if (_settings.createDisable) {
    log::info("{}: volume.create.disable is set; not creating {}", _name, spec.name);
    Volume v;
    v.name = spec.name;
    v.service = _name;
    return v;
  }
  auto lock = lockVolume(spec.name);
  const auto all = _driver->volumes(callDeadline());
  for (const auto &v : all)
    if (v.name == spec.name)
      throw Error(ErrorKind::Exists, "volume '" + spec.name + "' already exists in service '" +
                                         _name + "' (ID " + v.id + ")");

  DriverCreateRequest request;
  request.name = spec.name;
  request.type = spec.type.empty() ? _settings.defaultType : spec.type;
  request.availabilityZone =
      spec.availabilityZone.empty() ? _settings.defaultAvailabilityZone : spec.availabilityZone;
  request.iops = spec.iops.value_or(_settings.defaultIops);
  request.encrypted = spec.encrypted;
  request.encryptionKey = spec.encryptionKey;
  if (!spec.fromSnapshot.empty()) request.fromSnapshotId = resolveSnapshot(spec.fromSnapshot).id;
  if (!spec.fromVolume.empty()) request.fromVolumeId = resolve(spec.fromVolume, all).id;
  const bool hasSource = !request.fromSnapshotId.empty() || !request.fromVolumeId.empty();
  // A copy or restore takes its source's size unless one is asked for.
  request.sizeGiB = spec.sizeGiB.value_or(hasSource ? 0 : _settings.defaultSizeGiB);

  Volume created = _driver->createVolume(request, callDeadline());
  log::info("{}: created volume {} ({}, {} GiB)", _name, created.name, created.id, created.sizeGiB);
  if (!spec.newFsType.empty()) {
    try {
      _pipeline.format(created, instanceId(), spec.newFsType, spec.overwriteFs);
    } catch (const Error &e) {
      log::error("{}: formatting new volume {} failed, removing it: {}", _name, created.name,
                 e.what());
      _driver->removeVolume(created.id, true, callDeadline());
      throw;
    }
  }
  return created;
}

void VolumeService::remove(const std::string &ref, bool force) {
  if (_settings.removeDisable) {
    log::info("{}: volume.remove.disable is set; not removing {}", _name, ref);
    return;
  }
  force = force || _settings.removeForce;
  Volume v = resolve(ref, _driver->volumes(callDeadline()));
  auto lock = lockVolume(v.name);
  const auto users = _state.mounts(_name, v.id);
  if (!users.empty() && !force)
    throw Error(ErrorKind::Busy, "volume '" + v.name + "' is mounted (" +
                                     std::to_string(users.size()) +
                                     " users); unmount it first or force the removal");
  if (users.empty() && v.attached() && !force)
    throw Error(ErrorKind::Busy, "volume '" + v.name + "' is attached to instance " +
                                     v.attachedInstanceId +
                                     "; detach it first or force the removal");
  if (!users.empty() || v.attachedInstanceId == instanceId()) {
    _pipeline.unmount(v, instanceId());
    _state.removeMounts(_name, v.id);
  }
  _driver->removeVolume(v.id, force, callDeadline());
  _state.removeAttachment(_name, v.id);
  log::info("{}: removed volume {} ({})", _name, v.name, v.id);
}

Volume VolumeService::attach(const std::string &ref, bool force) {
  Volume v = resolve(ref, _driver->volumes(callDeadline()));
  auto lock = lockVolume(v.name);
  const std::string device = _pipeline.attach(v, instanceId(), force || _settings.preempt);
  v.attachedInstanceId = instanceId();
  v.attachedDevice = device;
  return v;
}

void VolumeService::detach(const std::string &ref, bool force) {
  Volume v = resolve(ref, _driver->volumes(callDeadline()));
  auto lock = lockVolume(v.name);
  const auto users = _state.mounts(_name, v.id);
  if (!users.empty() && !force)
    throw Error(ErrorKind::Busy, "volume '" + v.name + "' is mounted; unmount it first");
  if (!users.empty()) {
    _pipeline.unmount(v, instanceId());
    _state.removeMounts(_name, v.id);
    return;
  }
  if (!v.attached()) return;
  _pipeline.detach(v, force);
}

std::string VolumeService::mount(const std::string &ref, const std::string &callerId,
                                 const MountOptions &options) {
  auto refLock = lockVolume(ref);
  Volume v;
  try {
    v = resolve(ref, _driver->volumes(callDeadline()));
  } catch (const Error &e) {
    if (e.kind() != ErrorKind::NotFound || !_settings.createImplicit) throw;
    validateName(ref);
    log::info("{}: volume {} does not exist; creating it (volume.create.implicit)", _name, ref);
    CreateSpec spec;
    spec.name = ref;
    refLock.unlock(); // create takes the same lock
    v = create(spec);
    refLock.lock();
  }
  std::unique_lock<std::mutex> nameLock;
  if (toLower(v.name) != toLower(ref)) nameLock = lockVolume(v.name);

  const std::string caller = callerId.empty() ? v.name : callerId;
  MountResult result;
  for (int64_t attempt = 0;; ++attempt) {
    try {
      result = _pipeline.mount(v, instanceId(), options, _settings.preempt);
      break;
    } catch (const Error &e) {
      if (attempt >= _settings.mountRetryCount || e.kind() == ErrorKind::Invalid ||
          e.kind() == ErrorKind::Busy)
        throw;
      log::warn("{}: mounting {} failed (attempt {}), retrying: {}", _name, v.name, attempt + 1,
                e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(_settings.mountRetryWaitMs));
      v = resolve(v.id, _driver->volumes(callDeadline()));
    }
  }
  _state.addMount({_name, v.id, v.name, caller, result.mountPoint, result.device,
                   static_cast<int64_t>(std::time(nullptr))});
  log::info("{}: volume {} mounted at {} for {} ({} users)", _name, v.name, result.path, caller,
            _state.mountCount(_name, v.id));
  return result.path;
}

void VolumeService::unmount(const std::string &ref, const std::string &callerId) {
  Volume v = resolve(ref, _driver->volumes(callDeadline()));
  auto lock = lockVolume(v.name);
  const std::string caller = callerId.empty() ? v.name : callerId;
  if (!_state.removeMount(_name, v.id, caller))
    log::info("{}: unmount of {} by {} which had not mounted it", _name, v.name, caller);
  const int64_t remaining = _state.mountCount(_name, v.id);
  if (remaining > 0 && !_settings.ignoreUsedCount) {
    log::info("{}: volume {} still has {} users; leaving it mounted", _name, v.name, remaining);
    return;
  }
  _pipeline.unmount(v, instanceId());
  _state.removeMounts(_name, v.id);
}

std::string VolumeService::path(const std::string &ref) {
  Volume v = inspect(ref);
  return v.mountPath;
}

Snapshot VolumeService::resolveSnapshot(const std::string &ref) {
  const auto all = _driver->snapshots("", callDeadline());
  std::vector<const Snapshot *> matches;
  for (const auto &s : all)
    if (s.id == ref) return s;
  for (const auto &s : all)
    if (s.name == ref) matches.push_back(&s);
  if (matches.size() == 1) return *matches.front();
  if (matches.size() > 1) {
    std::string ids;
    for (const auto *s : matches) ids += (ids.empty() ? "" : ", ") + s->id;
    throw Error(ErrorKind::Ambiguous,
                "snapshot name '" + ref + "' is ambiguous: it matches snapshots " + ids);
  }
  throw Error(ErrorKind::NotFound, "snapshot '" + ref + "' not found in service '" + _name + "'");
}

std::vector<Snapshot> VolumeService::snapshots(const std::string &volumeRef) {
  std::string volumeId;
  if (!volumeRef.empty()) volumeId = resolve(volumeRef, _driver->volumes(callDeadline())).id;
  auto out = _driver->snapshots(volumeId, callDeadline());
  std::sort(out.begin(), out.end(),
            [](const Snapshot &a, const Snapshot &b) { return a.name < b.name; });
  return out;
}

Snapshot VolumeService::createSnapshot(const std::string &volumeRef, const std::string &name,
                                       const std::string &description) {
  validateName(name, "snapshot name");
  Volume v = resolve(volumeRef, _driver->volumes(callDeadline()));
  auto lock = lockVolume(v.name);
  Snapshot s = _driver->createSnapshot(v.id, name, description, callDeadline());
  log::info("{}: snapshot {} ({}) of volume {}", _name, s.name, s.id, v.name);
  return s;
}

void VolumeService::removeSnapshot(const std::string &ref) {
  Snapshot s = resolveSnapshot(ref);
  _driver->removeSnapshot(s.id, callDeadline());
}

Snapshot VolumeService::copySnapshot(const std::string &ref, const std::string &destName,
                                     const std::string &destRegion) {
  validateName(destName, "snapshot name");
  Snapshot s = resolveSnapshot(ref);
  return _driver->copySnapshot(s.id, destName, destRegion, callDeadline());
}

} // namespace rexray
