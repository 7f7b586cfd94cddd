#pragma once

#include "csi.pb.h"

#include <string>

namespace rexray {

// CSI topology in rexray: one segment key, the zone, as the driver names
// zones (its instance_info and its volumes' availability zones: EC2
// availability zones for ebs). A driver that reports no zone has no
// topology, and none of this applies to it.
constexpr const char *kCsiZoneKey = "topology.rexray.io/zone";

// {kCsiZoneKey: zone}.
void fillZone(const std::string &zone, csi::v1::Topology *out);

// The zone a topology names ("" = it names none: any zone). INVALID_ARGUMENT,
// naming `field`, for a segment key other than kCsiZoneKey.
std::string zoneOf(const csi::v1::Topology &topology, const std::string &field);

// Whether a volume in `zone` satisfies the requirement's requisite
// topologies (no requisite = any zone). INVALID_ARGUMENT for an unknown
// segment key in them.
bool zoneAllowed(const csi::v1::TopologyRequirement &requirement, const std::string &zone);

// The zone CreateVolume creates in under `requirement`: the one its
// parameters name (`parameterZone`), else `controllerZone`, the zone of the
// controller's own instance, the only one it can list and serve volumes of.
// INVALID_ARGUMENT for an unknown segment key, or a parameter zone outside
// the requisite topologies; RESOURCE_EXHAUSTED (the spec's "topology
// exhausted") when the requisite topologies leave out the controller's zone.
std::string zoneForCreate(const csi::v1::TopologyRequirement &requirement,
                          const std::string &parameterZone, const std::string &controllerZone);

} // namespace rexray
