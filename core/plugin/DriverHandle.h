#pragma once

#include "plugin/HostContext.h"
#include "plugin/PluginLoader.h"
#include "util/Deadline.h"
#include "volume/Types.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rexray {

struct DriverCreateRequest {
  std::string name, type, availabilityZone, encryptionKey, fromSnapshotId, fromVolumeId;
  int64_t sizeGiB = 0;
  int64_t iops = 0;
  bool encrypted = false;
  // The driver's own declared create options (name as declared, value).
  std::vector<std::pair<std::string, std::string>> extra;
};

// What the host gives one driver instance besides its configuration.
struct DriverInstanceSetup {
  std::string stateDir;             // <state dir>/<service>
  std::vector<std::string> secrets; // values to scrub from its logs and errors
};

// One driver instance behind the C ABI. Turns rxr_status + rxr_error into
// rexray::Error, reports missing ops as Unsupported without calling, and
// serializes calls when the plugin asks for it (RXR_FLAG_SERIALIZE), waiting
// for the lock no longer than the call's deadline. Every call carries the
// request's deadline to the driver; a call whose deadline has passed is not
// made.
class DriverHandle {
public:
  DriverHandle(const PluginInfo &plugin, const std::string &service,
               HostContext::ConfigLookup config, DriverInstanceSetup setup = {});
  ~DriverHandle();
  DriverHandle(const DriverHandle &) = delete;
  DriverHandle &operator=(const DriverHandle &) = delete;

  const std::string &service() const { return _host->service(); }
  const PluginInfo &plugin() const { return _plugin; }
  // Docker's scope: "local" when volumes exist on this host only.
  std::string scope() const { return _plugin.hasFeature("local") ? "local" : "global"; }
  bool serialized() const { return (_plugin.flags & RXR_FLAG_SERIALIZE) != 0; }
  // The driver refuses a duplicate name at create (RXR_FEATURE_UNIQUE_NAMES).
  bool refusesDuplicateNames() const { return _plugin.hasFeature(RXR_FEATURE_UNIQUE_NAMES); }

  std::string instanceId(const Deadline &deadline);
  std::string nextDevice(const Deadline &deadline);
  std::vector<Volume> volumes(const Deadline &deadline);
  Volume volume(const std::string &id, const Deadline &deadline);
  Volume createVolume(const DriverCreateRequest &request, const Deadline &deadline);
  void removeVolume(const std::string &id, bool force, const Deadline &deadline);
  // Returns the attach token for waitForDevice. `instanceId` "" = this
  // instance; another one (ABI 1.3) is NotFound for a plugin built for an
  // older minor, which would attach here whatever it is told.
  std::string attachVolume(const std::string &id, const std::string &nextDevice, bool force,
                           const Deadline &deadline, const std::string &instanceId = "");
  void detachVolume(const std::string &id, bool force, const Deadline &deadline);
  std::string waitForDevice(const std::string &volumeId, const std::string &token,
                            const Deadline &deadline);
  bool supportsWaitForDevice() const;
  std::vector<Snapshot> snapshots(const std::string &volumeId, const Deadline &deadline);
  Snapshot createSnapshot(const std::string &volumeId, const std::string &name,
                          const std::string &description, const Deadline &deadline);
  void removeSnapshot(const std::string &id, const Deadline &deadline);
  Snapshot copySnapshot(const std::string &id, const std::string &destName,
                        const std::string &destRegion, const Deadline &deadline);
  // ABI 1.2: grows the volume to at least sizeGiB; returns it afterwards.
  Volume expandVolume(const std::string &id, int64_t sizeGiB, const Deadline &deadline);
  bool supportsExpand() const;
  // ABI 1.3: this instance's zone and attach limit.
  InstanceInfo instanceInfo(const Deadline &deadline);
  bool supportsInstanceInfo() const;
  // ABI 1.3: bytes available for new volumes in `zone` ("" = the default).
  int64_t capacityBytes(const std::string &zone, const Deadline &deadline);
  bool supportsCapacity() const;

private:
  template <typename Slot> Slot slot(size_t offset, const char *op) const;
  // Whether slot() would find the op (set, and within the plugin's table).
  template <typename Slot> bool hasSlot(size_t offset, const char *op) const;
  template <typename Fn> void invoke(const char *op, const Deadline &deadline, Fn &&fn);
  template <typename Fn>
  std::string invokeString(const char *op, const Deadline &deadline, Fn &&fn);
  [[noreturn]] void fail(const char *op, rxr_status status, const rxr_call &call) const;

  PluginInfo _plugin;
  std::unique_ptr<HostContext> _host;
  const rxr_driver_vtable *_vtable;
  rxr_driver *_driver = nullptr;
  std::timed_mutex _serial;
};

} // namespace rexray
