#pragma once

#include "volume/Types.h"

#include "csi.pb.h"

#include <cstdint>
#include <string>

namespace rexray {

// The field-by-field translation between CSI messages and core's types,
// shared by the controller and node services.

// The size in GiB a capacity range asks for: the smallest whole GiB at
// least required_bytes; no range (or an empty one) is `fallbackGiB`. OUT_OF_RANGE
// when no whole GiB lies within [required_bytes, limit_bytes], INVALID_ARGUMENT
// for negative bytes.
int64_t sizeForRange(const csi::v1::CapacityRange &range, int64_t fallbackGiB);
// Whether `sizeGiB` lies within the range (both bounds optional).
bool sizeFits(int64_t sizeGiB, const csi::v1::CapacityRange &range);

// INVALID_ARGUMENT unless the capability names an access type (mount or
// block) and an access mode; true when block.
bool checkCapability(const csi::v1::VolumeCapability &capability);
// Whether one host can serve the mode: rexray attaches a volume to one host
// at a time, so every MULTI_NODE mode is refused.
bool supportedMode(const csi::v1::VolumeCapability &capability);
// The reader-only modes: a publish must be read-only then.
bool readerOnly(const csi::v1::VolumeCapability &capability);

// `zoned`: the driver has zones, so a volume's zone is its accessible topology.
void fillVolume(const Volume &volume, bool zoned, csi::v1::Volume *out);
void fillSnapshot(const Snapshot &snapshot, csi::v1::Snapshot *out);

// ListVolumes' and ListSnapshots' paging: the token is the offset of the
// next entry. ABORTED for a token that is not one we gave; INVALID_ARGUMENT
// for negative max_entries. Returns [begin, end) and sets *next ("" at the
// end).
struct Page {
  std::size_t begin = 0, end = 0;
  std::string next;
};
Page pageOf(std::size_t total, const std::string &startingToken, int32_t maxEntries);

} // namespace rexray
