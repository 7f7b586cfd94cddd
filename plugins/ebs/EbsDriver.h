#ifndef REXRAY_EBS_EBSDRIVER_H
#define REXRAY_EBS_EBSDRIVER_H

#include "Credentials.h"
#include "DescribeBatcher.h"
#include "DeviceLocator.h"
#include "DeviceNames.h"
#include "EbsSettings.h"
#include "Ec2Client.h"
#include "Ec2Types.h"
#include "InstanceMetadata.h"

#include <rexray/sdk/driver.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

// AWS Elastic Block Store through the EC2 Query API (README.md describes the
// behaviour and every key). Thread-safe: the host calls from a pool. The only
// waits are polls inside the calling thread, bounded by the call's deadline.
namespace rexray::ebs {

class EbsDriver : public sdk::Driver {
public:
  EbsDriver(const sdk::Host &host, std::string service);
  // With explicit settings (tests).
  EbsDriver(const sdk::Host &host, std::string service, EbsSettings settings);
  ~EbsDriver() override;

  std::string instanceId(const sdk::Call &) override;
  // This instance's availability zone, and as many attachments as there
  // are device names to attach under (ebs.useLargeDeviceRange).
  sdk::InstanceInfo instanceInfo(const sdk::Call &) override;
  std::string nextDevice(const sdk::Call &) override;
  std::vector<sdk::Volume> volumes(const sdk::Call &) override;
  sdk::Volume volume(const sdk::Call &, const std::string &id) override;
  sdk::Volume createVolume(const sdk::Call &, const sdk::CreateOptions &) override;
  void removeVolume(const sdk::Call &, const std::string &id, bool force) override;
  // EC2 ModifyVolume to the larger size (EBS volumes only grow); the
  // modification goes on in the background, online, while attached.
  sdk::Volume expandVolume(const sdk::Call &, const std::string &id, int64_t sizeGiB) override;
  // To this instance, or (AttachOptions::instanceId) to any instance of the
  // region: EC2 AttachVolume takes any InstanceId.
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

  // The attach token: "<device>@<volume id>" ("/dev/xvdf@vol-0abc…").
  static std::string makeToken(const std::string &device, const std::string &volumeId);
  // {device, volume id}; a bare device name (what the host falls back to when
  // it has no stored token) gives an empty volume id.
  static std::pair<std::string, std::string> parseToken(const std::string &token);
  static bool plausibleVolumeId(const std::string &id);
  static bool plausibleSnapshotId(const std::string &id);
  static bool plausibleInstanceId(const std::string &id);

  // The Name tag value for a volume or snapshot name, and back: nullopt when a
  // tag value lies outside this driver's ebs.tag scope.
  std::string nameTagFor(const std::string &name) const;
  std::optional<std::string> nameFromTag(const std::string &tagValue) const;

  const EbsSettings &settings() const { return _settings; }

private:
  struct Self {
    std::string instanceId, availabilityZone, region;
  };
  struct Attached {
    std::string volumeId;
    int64_t sinceMs = 0;
  };

  Self self(const sdk::Call &call);
  Ec2Client &ec2(const sdk::Call &call);
  Ec2Client &ec2For(const sdk::Call &call, const std::string &region);

  using Filters = std::vector<std::pair<std::string, std::vector<std::string>>>;

  // EC2 reads.
  std::vector<Ec2Volume> describeVolumes(const sdk::Call &call, const Filters &filters);
  std::optional<Ec2Volume> describeVolume(const sdk::Call &call, const std::string &id);
  Ec2Volume requireVolume(const sdk::Call &call, const std::string &id, bool allowRecent);
  std::vector<Ec2Snapshot> describeSnapshots(const sdk::Call &call, Ec2Client &client,
                                             const Filters &filters);
  Ec2Snapshot requireSnapshot(const sdk::Call &call, Ec2Client &client, const std::string &id);

  // Polls `check` on the volume (DescribeVolumes) until it returns true,
  // with back-off, at most statusMaxAttempts times, within statusTimeout and
  // `stopAtMs` (unix ms, 0 = the call's deadline). Throws TIMEOUT naming
  // `what` and the last state. `check` may throw to fail early. A true
  // `shortcut` (asked before each DescribeVolumes) ends the wait without it.
  std::optional<Ec2Volume>
  waitVolume(const sdk::Call &call, const std::string &id, const std::string &what,
             const std::function<bool(const std::optional<Ec2Volume> &)> &check,
             int64_t stopAtMs = 0, const std::function<bool()> &shortcut = nullptr);
  // Same for a snapshot; gives up quietly (returns the last state) at the
  // deadline when `returnPending`.
  Ec2Snapshot waitSnapshot(const sdk::Call &call, Ec2Client &client, const std::string &id,
                           bool returnPending);

  // Sends `action`, retrying while EC2 says the source snapshot is pending.
  std::string callWhileSnapshotPending(const sdk::Call &call, Ec2Client &client,
                                       const std::string &action, const support::Headers &params);

  void forceDetachFromOther(const sdk::Call &call, const Ec2Volume &v, const Ec2Attachment &a);
  // AttachVolume to another instance: a device name free in its mapping;
  // no local device is waited for (that host's plugin finds it).
  std::string attachToOther(const sdk::Call &call, const sdk::AttachOptions &o,
                            const std::string &instanceId);
  std::string attachUnderLock(const sdk::Call &call, const Self &me, const std::string &volumeId,
                              const std::string &hint);
  // The instance as DescribeInstances tells it; nullopt when EC2 lists no
  // such instance (an unknown ID may also be an Ec2Error).
  std::optional<Ec2Instance> describeInstance(const sdk::Call &call, const std::string &instanceId);
  std::set<std::string> usedDeviceNames(const sdk::Call &call, const Self &me, bool refresh);
  void forgetDevice(const std::string &volumeId);

  sdk::Volume toVolume(const Ec2Volume &v, const std::string &name) const;
  sdk::Snapshot toSnapshot(const Ec2Snapshot &s, const std::string &name) const;
  void remember(const Ec2Volume &v);
  void forget(const std::string &id);
  std::optional<Ec2Volume> recent(const std::string &id);

  EbsSettings _settings;
  InstanceMetadata _imds;
  CredentialsChain _credentials;
  DeviceLocator _locator;

  std::mutex _mu; // guards the lazily built state below
  std::optional<Self> _self;
  std::map<std::string, std::unique_ptr<Ec2Client>> _clients; // by region
  std::unique_ptr<DescribeBatcher> _batcher;

  std::mutex _recentMu;
  std::map<std::string, std::pair<Ec2Volume, int64_t>> _recent; // id → (volume, fetched at)

  // Device-name allocation: pick and AttachVolume under one lock.
  std::mutex _attachMu;
  DeviceNames _names;
  std::set<std::string> _mappingNames; // from DescribeInstances (normalized)
  int64_t _mappingFetchedMs = 0;
  std::optional<std::set<std::string>> _launchNames; // from IMDS block-device-mapping
  std::map<std::string, Attached> _assigned;         // device → what we attached there
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_EBSDRIVER_H
