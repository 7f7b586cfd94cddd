#pragma once

#include "volume/VolumeService.h"

#include <optional>
#include <string>

namespace rexray {

// A CSI volume_id names a backend ID, and only that (never a name): one
// that could not even be a name (a "/" in it) is simply not found, as CSI
// wants, rather than invalid.
std::optional<Volume> findVolume(VolumeService &service, const std::string &volumeId,
                                 const Deadline &deadline);
// The volume of exactly this name (CreateVolume's idempotency).
std::optional<Volume> findVolumeNamed(VolumeService &service, const std::string &name,
                                      const Deadline &deadline);
// NOT_FOUND naming the ID when there is none.
Volume requireVolume(VolumeService &service, const std::string &volumeId, const Deadline &deadline);

} // namespace rexray
