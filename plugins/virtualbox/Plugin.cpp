// The plugin's one exported symbol. RXR_FLAG_SERIALIZE: the host serializes
// calls into an instance, as VirtualBox's machine lock (taken through the
// driver's one ISession) and the shared websession need.
#include "VirtualBoxDriver.h"

RXR_EXPORT_DRIVER(rexray::virtualbox::VirtualBoxDriver, "io.rexray.virtualbox", "virtualbox",
                  "1.0.0", "rexray", "VirtualBox media over vboxwebsrv SOAP", "block,snapshots",
                  RXR_FLAG_SERIALIZE);
