#include "DeviceLocator.h"

#include <rexray/sdk/driver.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>

namespace rexray::scaleio {

std::string DeviceLocator::linkFor(const std::string &volumeId) const {
  std::string id = volumeId;
  // udev writes the ids as the gateway does: lower case.
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return _root + "/emc-vol-" + _systemId + "-" + id;
}

std::optional<std::string> DeviceLocator::find(const std::string &volumeId) const {
  char resolved[PATH_MAX];
  if (!realpath(linkFor(volumeId).c_str(), resolved)) return std::nullopt;
  struct stat st {};
  if (stat(resolved, &st) != 0 || !S_ISBLK(st.st_mode)) return std::nullopt;
  return std::string(resolved);
}

std::string DeviceLocator::wait(const std::string &volumeId,
                                const sdk::support::Deadline &deadline) const {
  // udev usually needs a few milliseconds; 50 ms keeps a mount quick without
  // spinning.
  constexpr int64_t kPollMs = 50;
  for (;;) {
    if (auto device = find(volumeId)) return *device;
    if (!sdk::support::sleepWithin(deadline, kPollMs)) {
      if (auto device = find(volumeId)) return *device;
      throw sdk::Error(RXR_E_TIMEOUT, "volume " + volumeId + ": " + linkFor(volumeId) +
                                          " did not appear before the deadline");
    }
  }
}

} // namespace rexray::scaleio
