#ifndef REXRAY_SCALEIO_VOLUMEKIND_H
#define REXRAY_SCALEIO_VOLUMEKIND_H

#include "Model.h"

#include <map>
#include <string>
#include <vector>

namespace rexray::scaleio {

// Snapshots and volumes are both volumes to ScaleIO. A snapshot is one whose
// ancestor is a volume; a volume made from a snapshot is a snapshot of that
// snapshot (ScaleIO has no other way to restore), so the kind alternates down
// a VTree. An ancestor that is gone is taken for a volume: removing a volume
// keeps its snapshots, while removing a snapshot that has volumes made from
// it is refused (see ScaleioDriver::removeSnapshot).
bool isSnapshot(const Volume &v, const std::map<std::string, const Volume *> &byId);

std::map<std::string, const Volume *> indexById(const std::vector<Volume> &all);

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_VOLUMEKIND_H
