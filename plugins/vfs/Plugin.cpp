// The vfs driver is linked into the host statically (it is the embedded
// default), so its entry has its own name instead of rxr_plugin_entry_v1.
#include "VfsDriver.h"

namespace {

constexpr const char *kFeatures[] = {"block", "snapshots", "local", RXR_FEATURE_UNIQUE_NAMES,
                                     nullptr};

constexpr rxr_config_key kKeys[] = {
    rexray::sdk::key("root", RXR_TYPE_STRING, nullptr,
                     "directory for images and metadata (default: the service's state "
                     "directory, <state dir>/<service>)"),
};

constexpr auto kPlugin = rexray::sdk::Plugin("io.rexray.vfs", "vfs", "1.1.0")
                             .vendor("rexray")
                             .description("Sparse files on loop devices (local block storage)")
                             .features(kFeatures)
                             .configKeys(kKeys);

} // namespace

RXR_DEFINE_DRIVER_ENTRY(rxr_static_entry_vfs, rexray::vfs::VfsDriver, kPlugin);
