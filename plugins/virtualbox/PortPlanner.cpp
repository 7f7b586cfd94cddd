#include "PortPlanner.h"

namespace rexray::virtualbox {

PortChoice choosePort(int32_t portCount, int32_t maxPortCount, const std::set<int32_t> &usedPorts) {
  PortChoice choice;
  if (portCount < 0) portCount = 0;
  if (maxPortCount < portCount) maxPortCount = portCount;
  for (int32_t p = 0; p < portCount; ++p) {
    if (!usedPorts.count(p)) {
      choice.port = p;
      return choice;
    }
  }
  // Every configured port is taken (attachments beyond portCount, which a
  // controller should not have, do not block the new one).
  for (int32_t p = portCount; p < maxPortCount; ++p) {
    if (!usedPorts.count(p)) {
      choice.port = p;
      choice.newPortCount = p + 1;
      return choice;
    }
  }
  return choice;
}

} // namespace rexray::virtualbox
