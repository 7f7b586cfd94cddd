// The ebs plugin's one exported symbol.
#include "EbsDriver.h"

RXR_EXPORT_DRIVER(rexray::ebs::EbsDriver, "io.rexray.ebs", "ebs", "1.0.0", "rexray",
                  "AWS Elastic Block Store", "block,snapshots", RXR_FLAG_NONE);
