// The vfs driver is linked into the host statically (it is the embedded
// default), so its entry has its own name instead of rxr_plugin_entry_v1.
#include "VfsDriver.h"

RXR_DEFINE_DRIVER_ENTRY(rxr_static_entry_vfs, rexray::vfs::VfsDriver, "io.rexray.vfs", "vfs",
                        "1.0.0", "rexray", "Sparse files on loop devices (local block storage)",
                        "block,snapshots,local", RXR_FLAG_NONE);
