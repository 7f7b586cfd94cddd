#include "csi/CsiTranslate.h"

#include "csi/CsiCall.h"
#include "csi/CsiTopology.h"

#include <Poco/NumberParser.h>

namespace rexray {

using csi::v1::VolumeCapability;

int64_t sizeForRange(const csi::v1::CapacityRange &range, int64_t fallbackGiB) {
  const int64_t required = range.required_bytes();
  const int64_t limit = range.limit_bytes();
  if (required < 0 || limit < 0)
    throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "capacity_range must not hold negative byte counts");
  int64_t gib = fallbackGiB;
  if (required > 0)
    gib = required / kGiBBytes + (required % kGiBBytes ? 1 : 0);
  else if (limit > 0 && gib * kGiBBytes > limit)
    gib = limit / kGiBBytes;
  if (gib <= 0 || (limit > 0 && gib > limit / kGiBBytes))
    throw CsiRefusal(
        grpc::StatusCode::OUT_OF_RANGE,
        "no whole number of GiB lies within the capacity range [" + std::to_string(required) +
            ", " + (limit > 0 ? std::to_string(limit) : std::string("unlimited")) + "] bytes");
  return gib;
}

bool sizeFits(int64_t sizeGiB, const csi::v1::CapacityRange &range) {
  const int64_t bytes = sizeGiB * kGiBBytes;
  return bytes >= range.required_bytes() &&
         (range.limit_bytes() == 0 || bytes <= range.limit_bytes());
}

bool checkCapability(const VolumeCapability &capability) {
  if (!capability.has_block() && !capability.has_mount())
    throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "volume_capability needs an access type (mount or block)");
  if (!capability.has_access_mode() ||
      capability.access_mode().mode() == VolumeCapability::AccessMode::UNKNOWN)
    throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT, "volume_capability needs an access mode");
  return capability.has_block();
}

bool supportedMode(const VolumeCapability &capability) {
  switch (capability.access_mode().mode()) {
  case VolumeCapability::AccessMode::SINGLE_NODE_WRITER:
  case VolumeCapability::AccessMode::SINGLE_NODE_READER_ONLY:
  case VolumeCapability::AccessMode::SINGLE_NODE_SINGLE_WRITER:
  case VolumeCapability::AccessMode::SINGLE_NODE_MULTI_WRITER: return true;
  default: return false;
  }
}

bool readerOnly(const VolumeCapability &capability) {
  const auto mode = capability.access_mode().mode();
  return mode == VolumeCapability::AccessMode::SINGLE_NODE_READER_ONLY ||
         mode == VolumeCapability::AccessMode::MULTI_NODE_READER_ONLY;
}

void fillVolume(const Volume &volume, bool zoned, csi::v1::Volume *out) {
  out->set_volume_id(volume.id);
  out->set_capacity_bytes(volume.sizeGiB * kGiBBytes);
  auto &context = *out->mutable_volume_context();
  context["name"] = volume.name;
  if (!volume.type.empty()) context["type"] = volume.type;
  if (!volume.availabilityZone.empty()) context["availabilityZone"] = volume.availabilityZone;
  if (zoned && !volume.availabilityZone.empty())
    fillZone(volume.availabilityZone, out->add_accessible_topology());
}

void fillSnapshot(const Snapshot &snapshot, csi::v1::Snapshot *out) {
  out->set_snapshot_id(snapshot.id);
  out->set_source_volume_id(snapshot.volumeId);
  out->set_size_bytes(snapshot.sizeGiB * kGiBBytes);
  out->mutable_creation_time()->set_seconds(snapshot.startTimeUnix);
  // Backends say "pending" (EBS) or "creating" while the copy is cut.
  const bool processing = snapshot.status == "pending" || snapshot.status == "creating";
  out->set_ready_to_use(!processing && snapshot.status != "error");
}

Page pageOf(std::size_t total, const std::string &startingToken, int32_t maxEntries) {
  if (maxEntries < 0)
    throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "max_entries must not be negative, got " + std::to_string(maxEntries));
  Page page;
  if (!startingToken.empty()) {
    Poco::UInt64 offset = 0;
    if (!Poco::NumberParser::tryParseUnsigned64(startingToken, offset) || offset > total)
      throw CsiRefusal(grpc::StatusCode::ABORTED,
                       "starting_token '" + startingToken + "' is not one this plugin gave");
    page.begin = static_cast<std::size_t>(offset);
  }
  page.end = total;
  if (maxEntries > 0 && total - page.begin > static_cast<std::size_t>(maxEntries))
    page.end = page.begin + static_cast<std::size_t>(maxEntries);
  if (page.end < total) page.next = std::to_string(page.end);
  return page;
}

} // namespace rexray
