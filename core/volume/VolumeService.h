#pragma once

#include "mount/MountPipeline.h"
#include "os/OsLayer.h"
#include "plugin/DriverHandle.h"
#include "state/StateStore.h"
#include "volume/ServiceSettings.h"
#include "volume/Types.h"
#include "volume/VolumeCache.h"

#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// One configured service (a driver instance plus its settings). The only
// place that decides: name lookup, per-volume locking, refcounts (persisted
// in the StateStore), preemption, ignoreUsedCount, create/remove policy.
// Lookups go to the cache first and to the backend only when the cache does
// not know the name; every mutation updates the cache. Every operation takes
// the deadline its front end set for the request and passes it on to each
// wait, retry and driver call, whatever it does.
class VolumeService {
public:
  VolumeService(std::string name, std::unique_ptr<DriverHandle> driver, ServiceSettings settings,
                StateStore &state, OsLayer &os);

  const std::string &name() const { return _name; }
  DriverHandle &driver() { return *_driver; }
  ServiceSettings settings() const;
  // A configuration reload: operations that start later use these.
  void updateSettings(const ServiceSettings &settings);
  // This host's identity as the driver knows it (cached after the first call).
  std::string instanceId(const Deadline &deadline);
  // This host's zone and attach limit (the driver's instance_info, cached
  // after the first call); empty when the driver reports none.
  InstanceInfo instanceInfo(const Deadline &deadline);

  // From the backend (refreshes the cache).
  std::vector<Volume> list(const Deadline &deadline);
  // Exact ID, then exact name, then case-insensitive name. Two matches is
  // ErrorKind::Ambiguous naming both IDs; none is NotFound. Fresh from the
  // backend.
  Volume inspect(const std::string &ref, const Deadline &deadline);
  Volume create(const CreateSpec &spec, const Deadline &deadline);
  // Create unless a volume of exactly that name exists, which is returned
  // instead: Docker creates before every first use of a name (as REX-Ray).
  Volume ensure(const CreateSpec &spec, const Deadline &deadline);
  void remove(const std::string &ref, bool force, const Deadline &deadline);
  // Returns the volume with the local device in attachedDevice.
  Volume attach(const std::string &ref, bool force, const Deadline &deadline);
  // Attaches to instance `instanceId`: this host's is attach(); another
  // host's is the driver's attach to it (its node plugin finds the device),
  // with nothing recorded here. Attached to a third instance is Busy naming
  // it; attached there already is done. `maxAttached` > 0: an instance with
  // that many volumes of this service attached already is Exhausted (the
  // backend's view; attaches to one node through this service are counted
  // one at a time, and another host's attach is left to the backend's own
  // limit). Returns the backend's view.
  Volume attachTo(const std::string &ref, const std::string &instanceId, int64_t maxAttached,
                  const Deadline &deadline);
  void detach(const std::string &ref, bool force, const Deadline &deadline);
  // Returns the path callers use (<mount.path>/<name><rootPath>). callerId ""
  // counts under the volume's name (Mesos dvdcli, the CLI).
  std::string mount(const std::string &ref, const std::string &callerId,
                    const MountOptions &options, const Deadline &deadline);
  void unmount(const std::string &ref, const std::string &callerId, const Deadline &deadline);
  // The mount path when mounted here, else "".
  std::string path(const std::string &ref, const Deadline &deadline);

  // Answers from memory only, never waiting on the backend.
  std::vector<Volume> cachedList() const { return _cache.all(); }
  VolumeCache::Listing cachedListing() const { return _cache.listing(); }
  // list() without copying: the backend's volumes as the cache holds them.
  VolumeCache::Listing listing(const Deadline &deadline);
  std::optional<Volume> cachedFind(const std::string &ref) const { return _cache.find(ref); }
  VolumeCache::Shared cachedShared(const std::string &ref) const { return _cache.findShared(ref); }
  void refreshCache(const Deadline &deadline);

  // After a restart: adopt mounts still present, drop records of mounts that
  // are gone, and detach whatever the driver reports attached to this host
  // that no mount uses, recorded or not. Logs each decision.
  void reconcile(const Deadline &deadline);

  std::vector<Snapshot> snapshots(const std::string &volumeRef, const Deadline &deadline);
  Snapshot createSnapshot(const std::string &volumeRef, const std::string &name,
                          const std::string &description, const Deadline &deadline);
  void removeSnapshot(const std::string &ref, const Deadline &deadline);
  Snapshot copySnapshot(const std::string &ref, const std::string &destName,
                        const std::string &destRegion, const Deadline &deadline);

  // ---- CSI: the orchestrator chooses the paths and the steps ----------------
  // Each holds the volume's lock; a use of the volume (a staging, a publish)
  // is recorded under the caller ID csi-stage:<path> / csi-publish:<path>, so
  // that remove and detach refuse while it lasts and a restart adopts it.

  // Attaches here when needed, formats when empty and mounts at stagingPath
  // (block: attaches only). A repeat finds it done. Returns the device.
  std::string stage(const std::string &ref, const std::string &stagingPath,
                    const MountOptions &options, bool block, const Deadline &deadline);
  // Unmounts stagingPath; the volume stays attached. Not staged is done.
  void unstage(const std::string &ref, const std::string &stagingPath, const Deadline &deadline);
  // Bind-mounts the staged `source` (block: the volume's device) at target.
  void publish(const std::string &ref, const std::string &source, const std::string &target,
               bool readOnly, bool block, const Deadline &deadline);
  void unpublish(const std::string &ref, const std::string &target, const Deadline &deadline);
  // Bytes the driver can still give new volumes in `zone` ("" = its
  // default); Unsupported when it cannot tell, NotFound for a zone it does
  // not serve.
  int64_t availableBytes(const std::string &zone, const Deadline &deadline) {
    return _driver->capacityBytes(zone, deadline);
  }
  // Grows the volume to at least sizeGiB (the driver's volume_expand).
  Volume expand(const std::string &ref, int64_t sizeGiB, const Deadline &deadline);
  // Grows the file system mounted at mountPoint to the volume's new size.
  void growFilesystem(const std::string &ref, const std::string &mountPoint,
                      const Deadline &deadline);
  // The local device of a volume attached here, else "".
  std::string localDevice(const std::string &ref, const Deadline &deadline);
  // Whether stage() put the volume at stagingPath and it is still mounted.
  bool isStagedAt(const std::string &ref, const std::string &stagingPath, const Deadline &deadline);
  // The usage of the volume at `path` (a staging or publish path).
  VolumeUsage usage(const std::string &ref, const std::string &path, const Deadline &deadline);

private:
  // Cache first; on a miss, refresh from the backend and try again.
  // *listedNow tells whether the answer comes from that refresh.
  Volume lookup(const std::string &ref, const Deadline &deadline, bool *listedNow = nullptr);
  // The backend's current view of one volume (unless it was listedNow);
  // updates the cache.
  Volume fresh(const Volume &volume, const Deadline &deadline, bool listedNow = false);
  // Always asks the backend; updates the cache.
  Volume describe(const Volume &volume, const Deadline &deadline);
  // Preemption is a policy: without it, a volume attached to another
  // instance is a clear error naming that instance. `target` "" = this host.
  void refuseIfAttachedElsewhere(const Volume &volume, bool preempt, const Deadline &deadline,
                                 const std::string &target = "");
  // After a mount or unmount: the cache gets the backend's view.
  void learn(const Volume &expected, const Deadline &deadline);
  void listIntoCache(const Deadline &deadline);
  // Reconcile's undo of an unused attachment: unmounts whatever is left,
  // detaches, and logs a failure instead of stopping the start.
  void release(const Volume &volume, const std::string &instanceId, const ServiceSettings &settings,
               const Deadline &deadline);
  Snapshot resolveSnapshot(const std::string &ref, const Deadline &deadline);
  // Waits for the volume's lock until the deadline (then Error(Timeout),
  // naming `what`, "volume '<key>'" when empty).
  std::unique_lock<std::timed_mutex> lockVolume(const std::string &key, const Deadline &deadline,
                                                const std::string &what = "");
  void decorate(Volume &volume, const ServiceSettings &settings) const;
  MountPipeline pipeline(const ServiceSettings &settings);

  std::string _name;
  std::unique_ptr<DriverHandle> _driver;
  mutable std::mutex _settingsGuard;
  ServiceSettings _settings;
  StateStore &_state;
  OsLayer &_os;
  VolumeCache _cache;
  KnownFilesystems _knownFilesystems;
  std::mutex _refreshGuard;
  std::condition_variable _refreshDone;
  bool _refreshing = false;
  uint64_t _refreshes = 0;
  std::exception_ptr _refreshFailure;
  std::mutex _locksGuard;
  std::map<std::string, std::shared_ptr<std::timed_mutex>> _locks;
  std::mutex _instanceGuard;
  std::string _instanceId;
  std::optional<InstanceInfo> _instanceInfo;
};

} // namespace rexray
