#ifndef REXRAY_SCALEIO_SDCIDENTITY_H
#define REXRAY_SCALEIO_SDCIDENTITY_H

#include "Model.h"

#include <rexray/sdk/support/Deadline.hpp>

#include <string>
#include <vector>

// Which SDC is this host: the SDC kernel client's GUID, as `drv_cfg
// --query_guid` prints it (or scaleio.guid), matched against the system's
// SDCs (scaleio-rest.md §4). The SDC's id is the instance id.
namespace rexray::scaleio {

// Runs `drvCfg --query_guid` and returns the GUID upper-cased. Throws
// sdk::Error: RXR_E_TIMEOUT past the deadline (the child is killed),
// RXR_E_BACKEND when it cannot run, fails or prints no GUID.
std::string queryGuid(const std::string &drvCfg, const sdk::support::Deadline &deadline);

// The SDC whose GUID is `guid` (case-insensitive); RXR_E_NOT_FOUND naming
// the GUID when the system has none.
const Sdc &sdcWithGuid(const std::vector<Sdc> &sdcs, const std::string &guid,
                       const std::string &systemLabel);

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_SDCIDENTITY_H
