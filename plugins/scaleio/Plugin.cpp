// The scaleio plugin's one exported symbol: its configuration section (REX-
// Ray's keys, with their old spellings as aliases) and its create options.
#include "ScaleioDriver.h"

namespace {

constexpr const char *kFeatures[] = {"block", "snapshots", nullptr};
// REX-Ray read the user from userName; libStorage's docs also say userID.
constexpr const char *kUserAliases[] = {"userID", nullptr};
// The docs say apiVersion, REX-Ray's code read version (scaleio-rest.md §7.9).
constexpr const char *kVersionAliases[] = {"version", nullptr};
constexpr const char *kDrvCfgAliases[] = {"drvCfg", nullptr};

using rexray::sdk::key;
constexpr rxr_config_key kKeys[] = {
    key("endpoint", RXR_TYPE_STRING, nullptr, "REST gateway URL ending in /api (required)"),
    key("insecure", RXR_TYPE_BOOL, "false", "https: do not verify the gateway's certificate"),
    key("useCerts", RXR_TYPE_BOOL, "true",
        "https: verify the gateway against the system's CA certificates"),
    key("apiVersion", RXR_TYPE_STRING, nullptr, "API version to send (default: GET /api/version)",
        kVersionAliases),
    key("userName", RXR_TYPE_STRING, nullptr, "gateway user (required)", kUserAliases),
    rexray::sdk::secret("password", "gateway password (required)"),
    key("systemID", RXR_TYPE_STRING, nullptr, "the system's id (wins over systemName)"),
    key("systemName", RXR_TYPE_STRING, nullptr, "the system's name"),
    key("protectionDomainID", RXR_TYPE_STRING, nullptr, "limit pools to this protection domain"),
    key("protectionDomainName", RXR_TYPE_STRING, nullptr, "the same, by name"),
    key("storagePoolID", RXR_TYPE_STRING, nullptr, "default pool for new volumes"),
    key("storagePoolName", RXR_TYPE_STRING, nullptr, "the same, by name"),
    key("thinOrThick", RXR_TYPE_STRING, "ThinProvisioned",
        "provisioning of new volumes: ThinProvisioned or ThickProvisioned"),
    key("guid", RXR_TYPE_STRING, nullptr,
        "this host's SDC GUID (default: drvCfgPath --query_guid)"),
    key("drvCfgPath", RXR_TYPE_STRING, "/opt/emc/scaleio/sdc/bin/drv_cfg",
        "the SDC's drv_cfg, asked for this host's GUID", kDrvCfgAliases),
    key("deviceRoot", RXR_TYPE_STRING, "/dev/disk/by-id",
        "where the SDC's emc-vol-<system>-<volume> links appear"),
};

constexpr rxr_create_option kCreateOptions[] = {
    rexray::sdk::option("thinOrThick", RXR_TYPE_STRING,
                        "ThinProvisioned or ThickProvisioned, for this volume"),
    rexray::sdk::option("storagePool", RXR_TYPE_STRING, "storage pool name or id, for this volume"),
};

constexpr auto kPlugin = rexray::sdk::Plugin("io.rexray.scaleio", "scaleio", "1.1.0")
                             .vendor("rexray")
                             .description("Dell EMC ScaleIO / VxFlex OS / PowerFlex REST gateway")
                             .features(kFeatures)
                             .configKeys(kKeys)
                             .createOptions(kCreateOptions);

} // namespace

RXR_EXPORT_DRIVER(rexray::scaleio::ScaleioDriver, kPlugin);
