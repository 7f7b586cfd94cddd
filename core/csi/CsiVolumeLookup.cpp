#include "csi/CsiVolumeLookup.h"

#include "csi/CsiCall.h"
#include "util/Error.h"

namespace rexray {

namespace {

// What inspect finds by `ref` (an ID, else a name, else a name in any case)
// when `matches` it; none when it finds nothing or nothing that matches.
template <typename Matches>
std::optional<Volume> inspectIf(VolumeService &service, const std::string &ref,
                                const Deadline &deadline, Matches matches) {
  try {
    Volume v = service.inspect(ref, deadline);
    if (!matches(v)) return std::nullopt;
    return v;
  } catch (const Error &e) {
    if (e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::Invalid) return std::nullopt;
    throw;
  }
}

} // namespace

std::optional<Volume> findVolume(VolumeService &service, const std::string &volumeId,
                                 const Deadline &deadline) {
  return inspectIf(service, volumeId, deadline, [&](const Volume &v) { return v.id == volumeId; });
}

std::optional<Volume> findVolumeNamed(VolumeService &service, const std::string &name,
                                      const Deadline &deadline) {
  return inspectIf(service, name, deadline, [&](const Volume &v) { return v.name == name; });
}

Volume requireVolume(VolumeService &service, const std::string &volumeId,
                     const Deadline &deadline) {
  if (auto v = findVolume(service, volumeId, deadline)) return *v;
  throw CsiRefusal(grpc::StatusCode::NOT_FOUND,
                   "volume '" + volumeId + "' not found in service '" + service.name() + "'");
}

} // namespace rexray
