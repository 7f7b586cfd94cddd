#ifndef REXRAY_SCALEIO_SCALEIODRIVER_H
#define REXRAY_SCALEIO_SCALEIODRIVER_H

#include "DeviceLocator.h"
#include "Gateway.h"
#include "Model.h"
#include "ScaleioSettings.h"
#include "Topology.h"
#include "VolumeKind.h"

#include <rexray/sdk/driver.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rexray::scaleio {

// REX-Ray's `scaleio` driver: volumes of a ScaleIO / VxFlex OS / PowerFlex
// system through its REST gateway, mapped to this host's SDC and found under
// /dev/disk/by-id. README.md describes configuration and behaviour.
//
// Thread-safe: the gateway session and the discovered topology are shared
// under locks, so the host may run operations concurrently.
class ScaleioDriver : public sdk::Driver {
public:
  ScaleioDriver(const sdk::Host &host, std::string service);
  // For tests: a driver talking through `transport`.
  ScaleioDriver(const sdk::Host &host, std::string service, ScaleioSettings settings,
                std::unique_ptr<GatewayTransport> transport);

  // This host's SDC id.
  std::string instanceId(const sdk::Call &) override;
  std::vector<sdk::Volume> volumes(const sdk::Call &) override;
  sdk::Volume volume(const sdk::Call &, const std::string &id) override;
  sdk::Volume createVolume(const sdk::Call &, const sdk::CreateOptions &) override;
  void removeVolume(const sdk::Call &, const std::string &id, bool force) override;
  // Maps the volume to this SDC; the token is the volume id.
  std::string attachVolume(const sdk::Call &, const sdk::AttachOptions &) override;
  void detachVolume(const sdk::Call &, const std::string &id, bool force) override;
  std::string waitForDevice(const sdk::Call &, const std::string &volumeId,
                            const std::string &token) override;
  std::vector<sdk::Snapshot> snapshots(const sdk::Call &, const std::string &volumeId) override;
  sdk::Snapshot createSnapshot(const sdk::Call &, const std::string &volumeId,
                               const std::string &name, const std::string &description) override;
  void removeSnapshot(const sdk::Call &, const std::string &id) override;

  const ScaleioSettings &settings() const { return _settings; }
  int logins() const { return _gateway.logins(); }

private:
  using Deadline = sdk::support::Deadline;

  const Topology &topology(const Deadline &d);
  const Sdc &thisSdc(const Deadline &d);
  std::optional<std::string> knownSdcId();

  std::vector<Volume> everything(const Deadline &d); // volumes and snapshots
  Volume fetch(const std::string &idOrName, const Deadline &d, const std::string &what);
  std::optional<std::string> idOfName(const std::string &name, const Deadline &d);
  std::string volumeHref(const Volume &v) const;
  void action(const Volume &v, const std::string &name, const std::string &body, const Deadline &d);
  void unmap(const Volume &v, const std::string &sdcId, const Deadline &d);
  void unmapAll(const Volume &v, const Deadline &d);
  std::string snapshotOf(const std::string &sourceId, const std::string &name, const Deadline &d);
  Volume volumeFromSnapshot(const std::string &snapshotId, const sdk::CreateOptions &opts,
                            const Deadline &d);
  Volume copyOf(const sdk::CreateOptions &opts, const Deadline &d);
  void removeCopyBase(const Volume &copy, const Deadline &d);

  sdk::Volume toVolume(const Volume &v, const Topology &t);
  static sdk::Snapshot toSnapshot(const Volume &v);

  ScaleioSettings _settings;
  Gateway _gateway;
  std::mutex _mutex; // guards the caches below; held across their discovery
  std::optional<Topology> _topology;
  std::optional<Sdc> _sdc;
  std::optional<DeviceLocator> _devices;
};

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_SCALEIODRIVER_H
