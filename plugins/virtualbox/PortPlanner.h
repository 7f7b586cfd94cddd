#ifndef REXRAY_VIRTUALBOX_PORTPLANNER_H
#define REXRAY_VIRTUALBOX_PORTPLANNER_H

#include <cstdint>
#include <set>

namespace rexray::virtualbox {

// Where a new disk goes on a storage controller.
struct PortChoice {
  int32_t port = -1;        // -1: the controller is full at its maximum port count
  int32_t newPortCount = 0; // > 0: raise the controller's port count to this first
};

// The lowest port in [0, portCount) with nothing attached (device slots are
// not considered: SATA has one device per port). When every port is used and
// the controller allows more (maxPortCount), the port count is raised by one
// and the new last port is chosen — REX-Ray instead picked a port beyond
// portCount and attachDevice failed with E_INVALIDARG.
PortChoice choosePort(int32_t portCount, int32_t maxPortCount, const std::set<int32_t> &usedPorts);

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_PORTPLANNER_H
