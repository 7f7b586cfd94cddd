#include "VolumeKind.h"

namespace rexray::scaleio {

bool isSnapshot(const Volume &v, const std::map<std::string, const Volume *> &byId) {
  // Walks up to the root; the limit only guards against a malformed cycle.
  bool snapshot = false;
  const Volume *at = &v;
  for (int depth = 0; depth < 256 && !at->ancestorVolumeId.empty(); ++depth) {
    snapshot = !snapshot;
    const auto it = byId.find(at->ancestorVolumeId);
    if (it == byId.end()) break;
    at = it->second;
  }
  return snapshot;
}

std::map<std::string, const Volume *> indexById(const std::vector<Volume> &all) {
  std::map<std::string, const Volume *> out;
  for (const auto &v : all) out.emplace(v.id, &v);
  return out;
}

} // namespace rexray::scaleio
