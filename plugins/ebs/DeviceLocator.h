#ifndef REXRAY_EBS_DEVICELOCATOR_H
#define REXRAY_EBS_DEVICELOCATOR_H

#include <optional>
#include <set>
#include <string>
#include <vector>

// Finds the local block device of an attached EBS volume without trusting the
// requested name alone (specs/ec2-ebs.md §7 quirk 2):
//  - Nitro: the NVMe disk whose <sysfsRoot>/block/nvme*/device/serial is the
//    volume id without its dash → <deviceRoot>/<nvmeXnY>; else the udev link
//    <deviceRoot>/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol…;
//  - Xen: <deviceRoot>/xvdX (the requested name with sd→xvd) that is a block
//    device, and, if it resolves to an NVMe disk, one with our serial.
// Both roots are configurable so tests can build a fake tree. Read-only,
// stateless, thread-safe.
namespace rexray::ebs {

class DeviceLocator {
public:
  DeviceLocator(std::string deviceRoot, std::string sysfsRoot);

  const std::string &deviceRoot() const { return _deviceRoot; }
  const std::string &sysfsRoot() const { return _sysfsRoot; }

  // "vol-049df61146c4d7901" → "vol049df61146c4d7901".
  static std::string nvmeSerial(const std::string &volumeId);

  struct Found {
    std::string path; // what the host mounts
    std::string how;  // "nvme serial", "by-id link", "xen name"
  };
  // One look; nullopt when the device is not (yet) there.
  std::optional<Found> locate(const std::string &volumeId,
                              const std::string &requestedDevice) const;

  // The NVMe disk (e.g. "nvme1n1") with the volume's serial, if any.
  std::optional<std::string> nvmeDiskFor(const std::string &volumeId) const;

  // Whether a candidate name (normalized "/dev/xvdf") is taken locally: the
  // node exists under deviceRoot as xvdX or sdX, or sysfs knows the disk.
  bool nameTaken(const std::string &device) const;
  // The subset of `candidates` taken locally.
  std::set<std::string> takenNames(const std::vector<std::string> &candidates) const;

  // A sentence for timeouts: what was looked for and what was there.
  std::string describeMiss(const std::string &volumeId, const std::string &requestedDevice) const;

private:
  std::string _deviceRoot, _sysfsRoot;
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_DEVICELOCATOR_H
