#include "csi/CsiTopology.h"

#include "csi/CsiCall.h"

#include <vector>

namespace rexray {
namespace {

// The zones of the requisite topologies; nullopt-like `any` when one of
// them names no zone (or there is none).
struct Requisite {
  std::vector<std::string> zones;
  bool any = true;
};

Requisite requisiteOf(const csi::v1::TopologyRequirement &requirement) {
  Requisite r;
  for (const auto &t : requirement.requisite()) {
    const std::string zone = zoneOf(t, "accessibility_requirements.requisite");
    if (zone.empty()) return Requisite{};
    r.zones.push_back(zone);
    r.any = false;
  }
  return r;
}

std::string listed(const std::vector<std::string> &zones) {
  std::string out;
  for (const auto &z : zones) out += (out.empty() ? "" : ", ") + z;
  return "[" + out + "]";
}

} // namespace

void fillZone(const std::string &zone, csi::v1::Topology *out) {
  (*out->mutable_segments())[kCsiZoneKey] = zone;
}

std::string zoneOf(const csi::v1::Topology &topology, const std::string &field) {
  std::string zone;
  for (const auto &[key, value] : topology.segments()) {
    if (key != kCsiZoneKey)
      throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT,
                       field + ": topology key '" + key + "' is not one this plugin reports (" +
                           kCsiZoneKey + ")");
    zone = value;
  }
  return zone;
}

bool zoneAllowed(const csi::v1::TopologyRequirement &requirement, const std::string &zone) {
  const Requisite r = requisiteOf(requirement);
  if (r.any) return true;
  for (const auto &z : r.zones)
    if (z == zone) return true;
  return false;
}

std::string zoneForCreate(const csi::v1::TopologyRequirement &requirement,
                          const std::string &parameterZone, const std::string &controllerZone) {
  // Preferred topologies are checked for their keys; with one zone to
  // create in there is nothing to prefer among.
  for (const auto &t : requirement.preferred()) zoneOf(t, "accessibility_requirements.preferred");
  const Requisite r = requisiteOf(requirement);
  const std::string zone = parameterZone.empty() ? controllerZone : parameterZone;
  if (zoneAllowed(requirement, zone)) return zone;
  if (!parameterZone.empty())
    throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "parameter availabilityZone " + parameterZone +
                         " lies outside the requisite topology " + listed(r.zones));
  throw CsiRefusal(grpc::StatusCode::RESOURCE_EXHAUSTED,
                   "no volume can be made in the requisite topology " + listed(r.zones) +
                       ": this controller creates volumes in zone " + controllerZone +
                       ", its own instance's, only (run a controller in one of those zones)");
}

} // namespace rexray
