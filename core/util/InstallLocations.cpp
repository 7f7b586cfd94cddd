#include "util/InstallLocations.h"

#include <Poco/Path.h>

#include <climits>
#include <unistd.h>

namespace rexray {

std::vector<std::string> installLocations(const std::string &belowPrefix) {
  std::vector<std::string> locations = {std::string(REXRAY_INSTALL_PREFIX) + "/" + belowPrefix};
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    Poco::Path prefix(exe);
    prefix.makeParent(); // bin/
    prefix.makeParent(); // the prefix
    const std::string besideBinary = prefix.toString() + belowPrefix;
    if (besideBinary != locations.front()) locations.push_back(besideBinary);
  }
  return locations;
}

} // namespace rexray
