#include "volume/VolumeService.h"

#include "volume/CreateOptions.h"

#include "util/Error.h"
#include "util/Log.h"
#include "util/Names.h"

#include <algorithm>
#include <ctime>
#include <set>
#include <thread>

namespace rexray {
namespace {

// What the backend told us this recently is taken as current.
constexpr std::chrono::milliseconds kFreshFor{1000};

int64_t nowUnix() {
  return static_cast<int64_t>(std::time(nullptr));
}

// A size asked for at create or expand.
void requirePositiveSize(int64_t sizeGiB) {
  if (sizeGiB <= 0)
    throw Error(ErrorKind::Invalid,
                "size must be a positive number of GiB, got " + std::to_string(sizeGiB));
}

} // namespace

VolumeService::VolumeService(std::string name, std::unique_ptr<DriverHandle> driver,
                             ServiceSettings settings, StateStore &state, OsLayer &os)
    : _name(std::move(name)), _driver(std::move(driver)), _settings(std::move(settings)),
      _state(state), _os(os), _cache(_name) {}

ServiceSettings VolumeService::settings() const {
  std::lock_guard<std::mutex> guard(_settingsGuard);
  return _settings;
}

void VolumeService::updateSettings(const ServiceSettings &settings) {
  std::lock_guard<std::mutex> guard(_settingsGuard);
  _settings = settings;
}

MountPipeline VolumeService::pipeline(const ServiceSettings &settings) {
  return MountPipeline(*_driver, _os, _state, settings, _knownFilesystems);
}

std::string VolumeService::instanceId(const Deadline &deadline) {
  std::lock_guard<std::mutex> guard(_instanceGuard);
  if (_instanceId.empty()) _instanceId = _driver->instanceId(deadline);
  return _instanceId;
}

InstanceInfo VolumeService::instanceInfo(const Deadline &deadline) {
  std::lock_guard<std::mutex> guard(_instanceGuard);
  if (!_instanceInfo)
    _instanceInfo =
        _driver->supportsInstanceInfo() ? _driver->instanceInfo(deadline) : InstanceInfo{};
  return *_instanceInfo;
}

std::unique_lock<std::timed_mutex> VolumeService::lockVolume(const std::string &key,
                                                             const Deadline &deadline,
                                                             const std::string &what) {
  std::shared_ptr<std::timed_mutex> m;
  {
    std::lock_guard<std::mutex> guard(_locksGuard);
    auto &slot = _locks[toLower(key)];
    if (!slot) slot = std::make_shared<std::timed_mutex>();
    m = slot;
  }
  std::unique_lock<std::timed_mutex> lock(*m, std::defer_lock);
  if (!lock.try_lock_until(deadline.when()))
    throw Error(ErrorKind::Timeout, (what.empty() ? "volume '" + key + "'" : what) +
                                        " in service '" + _name +
                                        "': another operation on it did not finish before "
                                        "this request's deadline");
  return lock;
}

void VolumeService::decorate(Volume &volume, const ServiceSettings &settings) const {
  // The mount record knows where the volume really is (a device found
  // mounted elsewhere, or mount.path changed since).
  const auto records = _state.mounts(_name, volume.id);
  volume.mountPath = records.empty() ? "" : settings.pathIn(records.front().mountPoint);
}

void VolumeService::refreshCache(const Deadline &deadline) {
  // Single flight: callers that miss the cache together (50 Docker Gets of
  // new names) share one backend list instead of making one each.
  std::unique_lock<std::mutex> lock(_refreshGuard);
  if (_refreshing) {
    const uint64_t joined = _refreshes;
    if (!_refreshDone.wait_until(lock, deadline.when(), [&] { return _refreshes != joined; }))
      throw Error(ErrorKind::Timeout, _name + ": listing the volumes did not finish before this "
                                              "request's deadline");
    if (_refreshFailure) std::rethrow_exception(_refreshFailure);
    return;
  }
  _refreshing = true;
  lock.unlock();
  std::exception_ptr failure;
  try {
    listIntoCache(deadline);
  } catch (...) {
    failure = std::current_exception();
  }
  lock.lock();
  _refreshing = false;
  _refreshFailure = failure;
  ++_refreshes;
  _refreshDone.notify_all();
  if (failure) std::rethrow_exception(failure);
}

void VolumeService::listIntoCache(const Deadline &deadline) {
  const uint64_t startedAt = _cache.version();
  auto volumes = _driver->volumes(deadline);
  std::map<std::string, std::string> mountPoints; // volume ID -> where it is mounted
  for (const auto &m : _state.allMounts())
    if (m.service == _name) mountPoints.emplace(m.volumeId, m.mountPoint);
  const auto s = settings();
  for (auto &v : volumes)
    if (auto it = mountPoints.find(v.id); it != mountPoints.end())
      v.mountPath = s.pathIn(it->second);
  _cache.replace(std::move(volumes), startedAt);
}

Volume VolumeService::lookup(const std::string &ref, const Deadline &deadline, bool *listedNow) {
  if (ref.empty()) throw Error(ErrorKind::Invalid, "a volume name or ID is required");
  if (listedNow) *listedNow = false;
  // A looser cached match could hide an exact one made since on another host.
  if (_cache.loaded())
    if (auto v = _cache.findExact(ref)) return *v;
  refreshCache(deadline);
  if (listedNow) *listedNow = true;
  if (auto v = _cache.find(ref)) return *v;
  // A ref may be a backend ID of any shape, so only a miss is checked: a
  // bad name then gets the same message from every front end as from Docker.
  validateName(ref);
  throw Error(ErrorKind::NotFound, "volume '" + ref + "' not found in service '" + _name + "'");
}

Volume VolumeService::fresh(const Volume &volume, const Deadline &deadline, bool listedNow) {
  if (listedNow) return volume; // the backend was just asked
  // Fifty lookups arriving together need not each ask the backend again what
  // it said a moment ago; a decision on stale state still meets the
  // backend's own check (an attach of a volume in use fails there).
  if (auto age = _cache.age(volume.id); age && *age < kFreshFor)
    if (auto cached = _cache.findExact(volume.id)) return *cached;
  return describe(volume, deadline);
}

Volume VolumeService::describe(const Volume &volume, const Deadline &deadline) {
  try {
    Volume v = _driver->volume(volume.id, deadline);
    decorate(v, settings());
    _cache.put(v);
    return v;
  } catch (const Error &e) {
    if (e.kind() == ErrorKind::NotFound) _cache.erase(volume.id);
    throw;
  }
}

std::vector<Volume> VolumeService::list(const Deadline &deadline) {
  refreshCache(deadline);
  return _cache.all();
}

VolumeCache::Listing VolumeService::listing(const Deadline &deadline) {
  refreshCache(deadline);
  return _cache.listing();
}

Volume VolumeService::inspect(const std::string &ref, const Deadline &deadline) {
  bool listed = false;
  Volume v = lookup(ref, deadline, &listed);
  return fresh(v, deadline, listed);
}

Volume VolumeService::create(const CreateSpec &spec, const Deadline &deadline) {
  validateName(spec.name);
  if (spec.sizeGiB) requirePositiveSize(*spec.sizeGiB);
  if (spec.iops && *spec.iops < 0)
    throw Error(ErrorKind::Invalid, "iops must not be negative, got " + std::to_string(*spec.iops));
  const ServiceSettings s = settings();
  if (s.createDisable) {
    log::info("{}: volume.create.disable is set; not creating {}", _name, spec.name);
    Volume v;
    v.name = spec.name;
    v.service = _name;
    return v;
  }
  auto lock = lockVolume(spec.name, deadline);
  // A name made elsewhere since the last list is only in the backend. A
  // driver that refuses duplicates itself need not be asked for every volume
  // it has (10,000 of them made each create cost 476 ms); any other is.
  if (!_driver->refusesDuplicateNames() || !_cache.loaded()) refreshCache(deadline);
  if (_cache.hasName(spec.name)) {
    const auto existing = _cache.findExact(spec.name);
    throw Error(ErrorKind::Exists, "volume '" + spec.name + "' already exists in service '" +
                                       _name + "'" +
                                       (existing ? " (ID " + existing->id + ")" : std::string()));
  }

  DriverCreateRequest request;
  request.name = spec.name;
  request.type = spec.type.empty() ? s.defaultType : spec.type;
  request.availabilityZone =
      spec.availabilityZone.empty() ? s.defaultAvailabilityZone : spec.availabilityZone;
  request.iops = spec.iops.value_or(s.defaultIops);
  request.encrypted = spec.encrypted;
  request.encryptionKey = spec.encryptionKey;
  request.extra = declaredDriverOptions(_name, _driver->plugin(), spec.driverOptions);
  if (!spec.fromSnapshot.empty())
    request.fromSnapshotId = resolveSnapshot(spec.fromSnapshot, deadline).id;
  if (!spec.fromVolume.empty()) request.fromVolumeId = lookup(spec.fromVolume, deadline).id;
  const bool hasSource = !request.fromSnapshotId.empty() || !request.fromVolumeId.empty();
  // A copy or restore takes its source's size unless one is asked for.
  request.sizeGiB = spec.sizeGiB.value_or(hasSource ? 0 : s.defaultSizeGiB);

  Volume created = _driver->createVolume(request, deadline);
  log::info("{}: created volume {} ({}, {} GiB)", _name, created.name, created.id, created.sizeGiB);
  if (!spec.newFsType.empty()) {
    try {
      pipeline(s).format(created, instanceId(deadline), spec.newFsType, spec.overwriteFs, deadline);
    } catch (const Error &e) {
      log::error("{}: formatting new volume {} failed, removing it: {}", _name, created.name,
                 e.what());
      _driver->removeVolume(created.id, true, deadline);
      throw;
    }
  }
  _cache.put(created);
  return created;
}

void VolumeService::refuseIfAttachedElsewhere(const Volume &volume, bool preempt,
                                              const Deadline &deadline, const std::string &target) {
  const bool here = target.empty() || target == instanceId(deadline);
  if (preempt || !volume.attached() ||
      volume.attachedInstanceId == (here ? instanceId(deadline) : target))
    return;
  // Preemption takes a volume over for this host only.
  throw Error(ErrorKind::Busy, "volume '" + volume.name + "' is attached to instance " +
                                   volume.attachedInstanceId +
                                   (here ? "; set volume.mount.preempt to take it over" : ""));
}

Volume VolumeService::ensure(const CreateSpec &spec, const Deadline &deadline) {
  if (auto existing = _cache.findExact(spec.name); existing && existing->name == spec.name)
    return *existing;
  try {
    return create(spec, deadline);
  } catch (const Error &e) {
    if (e.kind() != ErrorKind::Exists) throw;
    if (auto existing = _cache.findExact(spec.name)) return *existing;
    // Made by another process since our last list: learn it.
    refreshCache(deadline);
    if (auto existing = _cache.findExact(spec.name); existing && existing->name == spec.name)
      return *existing;
    throw;
  }
}

void VolumeService::remove(const std::string &ref, bool force, const Deadline &deadline) {
  const ServiceSettings s = settings();
  if (s.removeDisable) {
    log::info("{}: volume.remove.disable is set; not removing {}", _name, ref);
    return;
  }
  force = force || s.removeForce;
  bool listed = false;
  Volume v = lookup(ref, deadline, &listed);
  auto lock = lockVolume(v.name, deadline);
  v = fresh(v, deadline, listed);
  const int64_t users = _state.mountCount(_name, v.id);
  if (users > 0 && !force)
    throw Error(ErrorKind::Busy, "volume '" + v.name + "' is mounted (" + std::to_string(users) +
                                     " users); unmount it first or force the removal");
  if (users == 0 && v.attached() && !force)
    throw Error(ErrorKind::Busy, "volume '" + v.name + "' is attached to instance " +
                                     v.attachedInstanceId +
                                     "; detach it first or force the removal");
  if (users > 0 || v.attachedInstanceId == instanceId(deadline)) {
    pipeline(s).unmount(v, instanceId(deadline), deadline);
    _state.removeMounts(_name, v.id);
  }
  _driver->removeVolume(v.id, force, deadline);
  pipeline(s).forget(v.id);
  _knownFilesystems.forget(v.id);
  _cache.erase(v.id);
  log::info("{}: removed volume {} ({})", _name, v.name, v.id);
}

Volume VolumeService::attach(const std::string &ref, bool force, const Deadline &deadline) {
  const ServiceSettings s = settings();
  bool listed = false;
  Volume v = lookup(ref, deadline, &listed);
  auto lock = lockVolume(v.name, deadline);
  v = fresh(v, deadline, listed);
  const bool preempt = force || s.preempt;
  refuseIfAttachedElsewhere(v, preempt, deadline);
  const std::string device = pipeline(s).attach(v, instanceId(deadline), preempt, deadline);
  v.attachedInstanceId = instanceId(deadline);
  v.attachedDevice = device;
  _cache.put(v);
  return v;
}

Volume VolumeService::attachTo(const std::string &ref, const std::string &instanceId,
                               int64_t maxAttached, const Deadline &deadline) {
  const std::string target = instanceId.empty() ? this->instanceId(deadline) : instanceId;
  // Counting and attaching under one lock per node: two publishes to a node
  // one volume short of its limit cannot both pass the count here. (A
  // volume name cannot contain ':', so the key is no volume's.)
  std::unique_lock<std::timed_mutex> nodeLock;
  if (maxAttached > 0) {
    nodeLock = lockVolume("node:" + target, deadline, "instance " + target);
    int64_t onTarget = 0;
    bool already = false;
    for (const auto &v : *listing(deadline)) {
      if (v->attachedInstanceId != target) continue;
      ++onTarget;
      already = already || v->id == ref || v->name == ref;
    }
    if (!already && onTarget >= maxAttached)
      throw Error(ErrorKind::Exhausted, "instance " + target + " has " + std::to_string(onTarget) +
                                            " volumes attached, its limit (" +
                                            std::to_string(maxAttached) + ")");
  }
  if (target == this->instanceId(deadline)) return attach(ref, false, deadline);
  bool listed = false;
  Volume v = lookup(ref, deadline, &listed);
  auto lock = lockVolume(v.name, deadline);
  v = fresh(v, deadline, listed);
  if (v.attachedInstanceId == instanceId) return v;
  refuseIfAttachedElsewhere(v, false, deadline, instanceId);
  log::info("{}: attaching volume {} ({}) to instance {}", _name, v.name, v.id, instanceId);
  _driver->attachVolume(v.id, "", false, deadline, instanceId);
  return describe(v, deadline);
}

void VolumeService::detach(const std::string &ref, bool force, const Deadline &deadline) {
  const ServiceSettings s = settings();
  bool listed = false;
  Volume v = lookup(ref, deadline, &listed);
  auto lock = lockVolume(v.name, deadline);
  v = fresh(v, deadline, listed);
  const auto users = _state.mounts(_name, v.id);
  if (!users.empty() && !force)
    throw Error(ErrorKind::Busy, "volume '" + v.name + "' is mounted; unmount it first");
  if (!users.empty()) {
    pipeline(s).unmount(v, instanceId(deadline), deadline);
    _state.removeMounts(_name, v.id);
  } else if (v.attached()) {
    pipeline(s).detach(v, force, deadline);
  }
  describe(v, deadline);
}

std::string VolumeService::mount(const std::string &ref, const std::string &callerId,
                                 const MountOptions &options, const Deadline &deadline) {
  const ServiceSettings s = settings();
  auto refLock = lockVolume(ref, deadline);
  Volume v;
  bool listed = false;
  try {
    v = lookup(ref, deadline, &listed);
  } catch (const Error &e) {
    if (e.kind() != ErrorKind::NotFound || !s.createImplicit) throw;
    validateName(ref);
    log::info("{}: volume {} does not exist; creating it (volume.create.implicit)", _name, ref);
    CreateSpec spec;
    spec.name = ref;
    refLock.unlock(); // create takes the same lock
    v = create(spec, deadline);
    listed = true; // the driver just described it
    refLock = lockVolume(ref, deadline);
    if (v.id.empty()) // volume.create.disable: nothing was made
      throw Error(ErrorKind::NotFound, "volume '" + ref + "' not found in service '" + _name +
                                           "' (volume.create.disable is set)");
  }
  std::unique_lock<std::timed_mutex> nameLock;
  if (toLower(v.name) != toLower(ref)) nameLock = lockVolume(v.name, deadline);
  v = fresh(v, deadline, listed);

  const std::string caller = callerId.empty() ? v.name : callerId;
  MountResult result;
  for (int64_t attempt = 0;; ++attempt) {
    try {
      refuseIfAttachedElsewhere(v, s.preempt, deadline);
      result = pipeline(s).mount(v, instanceId(deadline), options, s.preempt, deadline);
      break;
    } catch (const Error &e) {
      if (attempt >= s.mountRetryCount || e.kind() == ErrorKind::Invalid ||
          e.kind() == ErrorKind::Busy || e.kind() == ErrorKind::Timeout)
        throw;
      // A retry that cannot finish before the deadline is not started.
      if (!deadline.sleepWithin(std::chrono::milliseconds(s.mountRetryWaitMs))) throw;
      log::warn("{}: mounting {} failed (attempt {}), retrying: {}", _name, v.name, attempt + 1,
                e.what());
      v = describe(v, deadline);
    }
  }
  // A Docker mount ID is unique to one mount, so a repeat is Docker
  // retrying; callers without one (dvdcli, the CLI) share the name's record
  // and each mount is one more use.
  const MountUse use = callerId.empty() ? MountUse::Counted : MountUse::Once;
  _state.addMount({_name, v.id, v.name, caller, result.mountPoint, result.device, nowUnix(), 1},
                  use);
  v.attachedInstanceId = instanceId(deadline);
  v.attachedDevice = result.device;
  v.mountPath = result.path;
  learn(v, deadline);
  log::info("{}: volume {} mounted at {} for {} ({} users)", _name, v.name, result.path, caller,
            _state.mountCount(_name, v.id));
  return result.path;
}

void VolumeService::unmount(const std::string &ref, const std::string &callerId,
                            const Deadline &deadline) {
  const ServiceSettings s = settings();
  bool listed = false;
  Volume v = lookup(ref, deadline, &listed);
  auto lock = lockVolume(v.name, deadline);
  const std::string caller = callerId.empty() ? v.name : callerId;
  if (!_state.releaseMount(_name, v.id, caller))
    log::info("{}: unmount of {} by {} which had not mounted it", _name, v.name, caller);
  const int64_t remaining = _state.mountCount(_name, v.id);
  if (remaining > 0 && !s.ignoreUsedCount) {
    log::info("{}: volume {} still has {} users; leaving it mounted", _name, v.name, remaining);
    return;
  }
  v = fresh(v, deadline, listed);
  pipeline(s).unmount(v, instanceId(deadline), deadline);
  // Only volume.unmount.ignoreUsedCount leaves other callers' records to drop.
  if (remaining > 0) _state.removeMounts(_name, v.id);
  v.attachedInstanceId.clear();
  v.attachedDevice.clear();
  v.mountPath.clear();
  learn(v, deadline);
}

void VolumeService::learn(const Volume &expected, const Deadline &deadline) {
  // The backend's own words (its status text, its device name) after a
  // change, so Docker's Get shows them; what we expect if it cannot say.
  try {
    describe(expected, deadline);
  } catch (const Error &e) {
    log::warn("{}: cannot describe {} after a change: {}", _name, expected.name, e.what());
    _cache.put(expected);
  }
}

std::string VolumeService::path(const std::string &ref, const Deadline &deadline) {
  return lookup(ref, deadline).mountPath;
}

void VolumeService::reconcile(const Deadline &deadline) {
  const std::string me = instanceId(deadline);
  const ServiceSettings s = settings();
  refreshCache(deadline);
  // Volumes with a user here, and volumes another service on this host
  // (over the same backend, so seeing the same volumes) has a record of.
  std::set<std::string> inUse, claimedElsewhere;
  for (const auto &m : _state.allMounts()) {
    if (m.service != _name) {
      claimedElsewhere.insert(m.volumeId);
    } else if (_os.isMountPoint(m.mountPoint)) {
      log::info("reconcile {}: adopting the mount of {} at {} for caller {} ({} uses)", _name,
                m.volumeName, m.mountPoint, m.callerId, m.uses);
      inUse.insert(m.volumeId);
    } else {
      log::info("reconcile {}: dropping the record of {} for caller {}: {} is no longer mounted",
                _name, m.volumeName, m.callerId, m.mountPoint);
      _state.removeMount(_name, m.volumeId, m.callerId);
    }
  }
  std::set<std::string> recorded;
  for (const auto &a : _state.allAttachments()) {
    if (a.service != _name) claimedElsewhere.insert(a.volumeId);
    if (a.service != _name || inUse.count(a.volumeId)) continue;
    recorded.insert(a.volumeId);
    auto v = _cache.find(a.volumeId);
    if (!v || v->attachedInstanceId != me) {
      log::info("reconcile {}: forgetting attachment of {}: no longer attached here", _name,
                a.volumeName);
      pipeline(s).forget(a.volumeId);
      continue;
    }
    log::info("reconcile {}: detaching {} ({}): attached by us with no mount left", _name,
              a.volumeName, v->attachedDevice);
    release(*v, me, s, deadline);
  }
  // Every attach of ours is recorded before it is made, so a volume the
  // driver reports attached here without a record is not ours (the
  // instance's boot disk, another tool's volume) and stays; unless it is
  // mounted at our own mount point, the trace of a record lost with its
  // mount, which nobody could otherwise ever remove.
  for (const auto &v : _cache.all()) {
    if (v.attachedInstanceId != me || inUse.count(v.id) || recorded.count(v.id)) continue;
    if (claimedElsewhere.count(v.id)) {
      log::info("reconcile {}: leaving {} attached: another service on this host holds it", _name,
                v.name);
      continue;
    }
    if (!_os.isMountPoint(s.mountPointFor(v.name))) {
      log::info("reconcile {}: leaving {} ({}) attached: rexray has no record of attaching it",
                _name, v.name.empty() ? v.id : v.name, v.attachedDevice);
      continue;
    }
    log::info("reconcile {}: detaching {} ({}): the driver reports it attached here, and "
              "nobody uses it",
              _name, v.name, v.attachedDevice);
    release(v, me, s, deadline);
  }
  refreshCache(deadline);
}

void VolumeService::release(const Volume &volume, const std::string &instanceId,
                            const ServiceSettings &settings, const Deadline &deadline) {
  try {
    pipeline(settings).unmount(volume, instanceId, deadline);
  } catch (const Error &e) {
    log::error("reconcile {}: detaching {} failed: {}", _name, volume.name, e.what());
  }
}

Snapshot VolumeService::resolveSnapshot(const std::string &ref, const Deadline &deadline) {
  const auto all = _driver->snapshots("", deadline);
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

std::vector<Snapshot> VolumeService::snapshots(const std::string &volumeRef,
                                               const Deadline &deadline) {
  std::string volumeId;
  if (!volumeRef.empty()) volumeId = lookup(volumeRef, deadline).id;
  auto out = _driver->snapshots(volumeId, deadline);
  std::sort(out.begin(), out.end(),
            [](const Snapshot &a, const Snapshot &b) { return a.name < b.name; });
  return out;
}

Snapshot VolumeService::createSnapshot(const std::string &volumeRef, const std::string &name,
                                       const std::string &description, const Deadline &deadline) {
  validateName(name, "snapshot name");
  Volume v = lookup(volumeRef, deadline);
  auto lock = lockVolume(v.name, deadline);
  Snapshot s = _driver->createSnapshot(v.id, name, description, deadline);
  log::info("{}: snapshot {} ({}) of volume {}", _name, s.name, s.id, v.name);
  return s;
}

void VolumeService::removeSnapshot(const std::string &ref, const Deadline &deadline) {
  Snapshot s = resolveSnapshot(ref, deadline);
  _driver->removeSnapshot(s.id, deadline);
}

Snapshot VolumeService::copySnapshot(const std::string &ref, const std::string &destName,
                                     const std::string &destRegion, const Deadline &deadline) {
  validateName(destName, "snapshot name");
  Snapshot s = resolveSnapshot(ref, deadline);
  return _driver->copySnapshot(s.id, destName, destRegion, deadline);
}

// ---- CSI -------------------------------------------------------------------

namespace {
std::string stageCaller(const std::string &path) {
  return "csi-stage:" + path;
}
std::string publishCaller(const std::string &path) {
  return "csi-publish:" + path;
}
} // namespace

std::string VolumeService::stage(const std::string &ref, const std::string &stagingPath,
                                 const MountOptions &options, bool block,
                                 const Deadline &deadline) {
  const ServiceSettings s = settings();
  bool listed = false;
  Volume v = lookup(ref, deadline, &listed);
  auto lock = lockVolume(v.name, deadline);
  v = fresh(v, deadline, listed);
  refuseIfAttachedElsewhere(v, false, deadline);
  const std::string me = instanceId(deadline);
  const std::string device = pipeline(s).stageAt(v, me, stagingPath, options, block, deadline);
  _state.addMount(
      {_name, v.id, v.name, stageCaller(stagingPath), stagingPath, device, nowUnix(), 1},
      MountUse::Once);
  v.attachedInstanceId = me;
  v.attachedDevice = device;
  learn(v, deadline);
  return device;
}

void VolumeService::unstage(const std::string &ref, const std::string &stagingPath,
                            const Deadline &deadline) {
  Volume v = lookup(ref, deadline);
  auto lock = lockVolume(v.name, deadline);
  pipeline(settings()).unstageFrom(stagingPath);
  _state.removeMount(_name, v.id, stageCaller(stagingPath));
}

void VolumeService::publish(const std::string &ref, const std::string &source,
                            const std::string &target, bool readOnly, bool block,
                            const Deadline &deadline) {
  Volume v = lookup(ref, deadline);
  auto lock = lockVolume(v.name, deadline);
  pipeline(settings()).bindPublish(source, target, readOnly, block);
  _state.addMount(
      {_name, v.id, v.name, publishCaller(target), target, v.attachedDevice, nowUnix(), 1},
      MountUse::Once);
}

void VolumeService::unpublish(const std::string &ref, const std::string &target,
                              const Deadline &deadline) {
  Volume v = lookup(ref, deadline);
  auto lock = lockVolume(v.name, deadline);
  pipeline(settings()).bindUnpublish(target);
  _state.removeMount(_name, v.id, publishCaller(target));
}

Volume VolumeService::expand(const std::string &ref, int64_t sizeGiB, const Deadline &deadline) {
  requirePositiveSize(sizeGiB);
  bool listed = false;
  Volume v = lookup(ref, deadline, &listed);
  auto lock = lockVolume(v.name, deadline);
  v = fresh(v, deadline, listed);
  if (v.sizeGiB >= sizeGiB) return v;
  Volume grown = _driver->expandVolume(v.id, sizeGiB, deadline);
  decorate(grown, settings());
  _cache.put(grown);
  log::info("{}: grew volume {} ({}) from {} to {} GiB", _name, v.name, v.id, v.sizeGiB,
            grown.sizeGiB);
  return grown;
}

std::string VolumeService::localDevice(const std::string &ref, const Deadline &deadline) {
  Volume v = inspect(ref, deadline);
  return pipeline(settings()).localDevice(v, instanceId(deadline), deadline);
}

void VolumeService::growFilesystem(const std::string &ref, const std::string &mountPoint,
                                   const Deadline &deadline) {
  Volume v = inspect(ref, deadline);
  auto lock = lockVolume(v.name, deadline);
  const std::string device = pipeline(settings()).localDevice(v, instanceId(deadline), deadline);
  if (device.empty())
    throw Error(ErrorKind::Busy, "volume '" + v.name + "' is not attached to this host");
  pipeline(settings()).growFilesystem(device, mountPoint);
}

bool VolumeService::isStagedAt(const std::string &ref, const std::string &stagingPath,
                               const Deadline &deadline) {
  const Volume v = lookup(ref, deadline);
  for (const auto &m : _state.mounts(_name, v.id))
    if (m.callerId == stageCaller(stagingPath))
      return pipeline(settings()).isMountedAt(stagingPath);
  return false;
}

VolumeUsage VolumeService::usage(const std::string &ref, const std::string &path,
                                 const Deadline &deadline) {
  lookup(ref, deadline); // NotFound for a volume that is not there
  return pipeline(settings()).usageAt(path);
}

} // namespace rexray
