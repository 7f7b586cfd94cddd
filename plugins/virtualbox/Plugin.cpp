// The plugin's one exported symbol and its configuration section.
// RXR_FLAG_SERIALIZE: the host serializes calls into an instance, as
// VirtualBox's machine lock (taken through the driver's one ISession) and the
// shared websession need.
#include "VirtualBoxDriver.h"

namespace {

constexpr const char *kFeatures[] = {"block", "snapshots", nullptr};

using rexray::sdk::key;
constexpr rxr_config_key kKeys[] = {
    key("endpoint", RXR_TYPE_STRING, "http://10.0.2.2:18083",
        "vboxwebsrv URL (the default is the host as seen through VirtualBox NAT)"),
    key("volumePath", RXR_TYPE_STRING, nullptr,
        "directory on the VirtualBox host that holds the volumes (required)"),
    key("localMachineNameOrId", RXR_TYPE_STRING, nullptr,
        "this VM's name or UUID (default: found by DMI UUID, then MAC addresses)"),
    key("username", RXR_TYPE_STRING, nullptr, "vboxwebsrv user"),
    rexray::sdk::secret("password", "vboxwebsrv password"),
    key("tls", RXR_TYPE_BOOL, "false", "with an https endpoint: do not verify the certificate"),
    key("controllerName", RXR_TYPE_STRING, "SATA", "the storage controller to attach to"),
    key("diskIDPath", RXR_TYPE_STRING, "/dev/disk/by-id", "where the guest's by-id links appear"),
    key("mediumFormat", RXR_TYPE_STRING, "vmdk", "format of new volumes: vmdk or vdi"),
};

constexpr auto kPlugin = rexray::sdk::Plugin("io.rexray.virtualbox", "virtualbox", "1.1.0")
                             .vendor("rexray")
                             .description("VirtualBox media over vboxwebsrv SOAP")
                             .features(kFeatures)
                             .flags(RXR_FLAG_SERIALIZE)
                             .configKeys(kKeys);

} // namespace

RXR_EXPORT_DRIVER(rexray::virtualbox::VirtualBoxDriver, kPlugin);
