#pragma once

#include "Backend.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rexray::cli {

// What a VOLUME argument means: an exact ID, an exact name, or /regex/ (an
// ECMAScript regular expression searched in each volume's name and ID),
// never part of a name (REX-Ray's partial matches mounted vol-data-21 for
// vol-data-2). A regex that matches nothing is an error; the others are
// passed on as they are, for the service to look up.
std::vector<std::string> expandVolumeRefs(Backend &backend, const std::vector<std::string> &refs);

// The volume `ref` names, or nullopt when there is none (other errors throw).
std::optional<Volume> findVolume(Backend &backend, const std::string &ref);

// Runs `action` on each target. A failure is reported on stderr naming the
// target; with keepGoing the rest still run. kExitFailed when any failed.
int forEachTarget(const std::vector<std::string> &targets, bool keepGoing,
                  const std::function<void(const std::string &)> &action);

// One step a --dryRun would take.
struct PlannedAction {
  std::string action, id, name;
};
// Looks each target up, so that a dry run fails where the real one would.
std::vector<PlannedAction> planFor(Backend &backend, const std::string &action,
                                   const std::vector<std::string> &targets);

} // namespace rexray::cli
