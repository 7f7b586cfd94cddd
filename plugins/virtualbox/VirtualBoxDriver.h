#ifndef REXRAY_VIRTUALBOX_VIRTUALBOXDRIVER_H
#define REXRAY_VIRTUALBOX_VIRTUALBOXDRIVER_H

#include "DiskLocator.h"
#include "MediumLayout.h"
#include "VboxClient.h"
#include "VboxConfig.h"
#include <rexray/sdk/support/Deadline.hpp>

#include <rexray/sdk/driver.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rexray::virtualbox {

// The SDK support library's deadline, as rxr_call carries it.
using sdk::support::Deadline;

// REX-Ray's `virtualbox` driver: volumes are hard-disk media in volumePath on
// the VirtualBox host, attached to this VM's storage controller through
// vboxwebsrv (SOAP). See README.md for the configuration and behaviour.
//
// Not thread-safe; the entry sets RXR_FLAG_SERIALIZE (VirtualBox's machine
// lock is taken through the one ISession of the driver's websession).
class VirtualBoxDriver : public sdk::Driver {
public:
  static constexpr int64_t kGiB = int64_t(1) << 30;

  VirtualBoxDriver(const sdk::Host &host, std::string service);
  // For tests: a driver talking through `transport`.
  VirtualBoxDriver(const sdk::Host &host, std::string service,
                   std::unique_ptr<SoapTransport> transport);
  ~VirtualBoxDriver() override; // logs off

  const VboxConfig &config() const { return _cfg; }

  // This VM's machine UUID.
  std::string instanceId(const sdk::Call &) override;
  std::vector<sdk::Volume> volumes(const sdk::Call &) override;
  sdk::Volume volume(const sdk::Call &, const std::string &id) override;
  sdk::Volume createVolume(const sdk::Call &, const sdk::CreateOptions &) override;
  void removeVolume(const sdk::Call &, const std::string &id, bool force) override;
  // Returns the medium UUID as token.
  std::string attachVolume(const sdk::Call &, const sdk::AttachOptions &) override;
  void detachVolume(const sdk::Call &, const std::string &id, bool force) override;
  std::string waitForDevice(const sdk::Call &, const std::string &volumeId,
                            const std::string &token) override;
  std::vector<sdk::Snapshot> snapshots(const sdk::Call &, const std::string &volumeId) override;
  sdk::Snapshot createSnapshot(const sdk::Call &, const std::string &volumeId,
                               const std::string &name, const std::string &description) override;
  void removeSnapshot(const sdk::Call &, const std::string &id) override;
  sdk::Snapshot copySnapshot(const sdk::Call &, const std::string &id, const std::string &destName,
                             const std::string &destRegion) override;

private:
  // A medium of ours, as far as it was read.
  struct Medium {
    std::string ref, id, location;
    MediumLayout::Entry entry;
    int64_t logicalSize = 0;
    std::vector<std::string> machineIds;
  };

  VirtualBoxDriver(const sdk::Host &host, std::string service, VboxConfig cfg,
                   std::unique_ptr<SoapTransport> transport);

  // Runs an operation with a websession (logging on again once if it expired)
  // and turns VirtualBox faults into SDK errors prefixed with `what`.
  template <typename F> auto run(const sdk::Call &call, const std::string &what, F &&body);

  void log(rxr_log_level level, const std::string &message) const;

  // ---- this machine
  const std::string &selfRef(Deadline d);
  const std::string &selfId(Deadline d);
  std::string identify(Deadline d); // IMachine reference of this VM
  std::string machineLabel(const std::string &uuid, Deadline d);

  // ---- media
  std::vector<Medium> scan(Deadline d, std::optional<MediumLayout::Kind> kind);
  void describe(Medium &m, Deadline d);
  std::optional<Medium> find(const std::string &id, MediumLayout::Kind kind, Deadline d);
  Medium require(const std::string &id, MediumLayout::Kind kind, Deadline d);
  sdk::Volume toVolume(const Medium &m, Deadline d);
  static sdk::Snapshot toSnapshot(const Medium &m);
  std::string formatOf(const Medium &m) const;
  // createMedium + createBaseStorage, or createMedium + cloneTo from `source`.
  std::string createStorage(const std::string &location, const std::string &format,
                            int64_t sizeBytes, Deadline d, const std::string &what);
  std::string cloneStorage(const Medium &source, const std::string &location,
                           const std::string &format, Deadline d, const std::string &what);
  void deleteStorage(const Medium &m, Deadline d, const std::string &what);
  void closeQuietly(const std::string &medium);

  // ---- attachments
  std::string attachedList(const Medium &m, Deadline d);
  void attachHere(const Medium &m, Deadline d);
  void detachFrom(const std::string &machineUuid, const Medium &m, Deadline d);

  VboxConfig _cfg;
  MediumLayout _layout;
  DiskLocator _disks;
  std::unique_ptr<VboxClient> _client;
  std::string _selfRef, _selfId, _selfName;
  uint64_t _selfGeneration = 0;
  std::map<std::string, std::string> _machineNames; // uuid → name
};

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_VIRTUALBOXDRIVER_H
