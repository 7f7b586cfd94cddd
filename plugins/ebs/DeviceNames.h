#ifndef REXRAY_EBS_DEVICENAMES_H
#define REXRAY_EBS_DEVICENAMES_H

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

// The device names an EBS attach may ask for, and which one to ask for next
// (specs/ec2-ebs.md §4 NextDevice, §7 quirk 1; rexray-reference pain points
// #1 and #2). Names rotate: the next pick starts after the last one, so a
// name that was just released (and may still be settling in the hypervisor)
// is the last to come back. A name that failed ("already in use", a stuck
// attach) is poisoned for a while. Not thread-safe: the driver holds its
// attach lock around choose() and the AttachVolume that follows.
namespace rexray::ebs {

class DeviceNames {
public:
  explicit DeviceNames(bool largeRange);

  // "/dev/xvdf" … "/dev/xvdp", or "/dev/xvdba" … "/dev/xvdcz".
  const std::vector<std::string> &candidates() const { return _candidates; }
  bool isCandidate(const std::string &device) const;

  // "/dev/sdf", "sdf", "xvdf", "/dev/xvdf" → "/dev/xvdf" (EC2 reports what
  // was asked; Xen guests see xvd). Anything else is returned unchanged.
  static std::string normalize(const std::string &device);

  // A free candidate: not in `used` (normalized names), not poisoned at
  // `nowMs`. `preferred` wins when it is a free candidate. nullopt when every
  // name is taken. Advances the rotation.
  std::optional<std::string> choose(const std::set<std::string> &used, const std::string &preferred,
                                    int64_t nowMs);
  // Same choice without advancing the rotation (next_device hints).
  std::optional<std::string> peek(const std::set<std::string> &used, int64_t nowMs) const;

  void poison(const std::string &device, int64_t untilMs);
  bool poisoned(const std::string &device, int64_t nowMs) const;

private:
  std::optional<size_t> pick(const std::set<std::string> &used, int64_t nowMs) const;

  std::vector<std::string> _candidates;
  size_t _next = 0;
  std::map<std::string, int64_t> _poisonedUntil;
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_DEVICENAMES_H
