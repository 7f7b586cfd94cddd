#ifndef REXRAY_SCALEIO_SCALEIOSETTINGS_H
#define REXRAY_SCALEIO_SCALEIOSETTINGS_H

#include <rexray/sdk/driver.hpp>

#include <functional>
#include <optional>
#include <string>

// The driver's configuration (README.md lists the keys), read once when an
// instance is created. A missing or malformed value is an RXR_E_INVALID error
// naming the key, so a bad file fails at start rather than at first use.
namespace rexray::scaleio {

struct ScaleioSettings {
  std::string endpoint;   // as configured, e.g. https://gw:443/api
  std::string apiPrefix;  // what stands before /api in its path ("" normally)
  bool insecure = false;  // https: do not verify the gateway's certificate
  bool useCerts = true;   // https: verify against the system's CA certificates
  std::string apiVersion; // "" = ask GET /api/version
  std::string userName, password;
  std::string systemId, systemName;
  std::string protectionDomainId, protectionDomainName;
  std::string storagePoolId, storagePoolName;
  std::string thinOrThick = "ThinProvisioned";
  std::string guid; // "" = ask drvCfgPath --query_guid
  std::string drvCfgPath = "/opt/emc/scaleio/sdc/bin/drv_cfg";
  std::string deviceRoot = "/dev/disk/by-id";

  using Lookup = std::function<std::optional<std::string>(const std::string &)>;
  static ScaleioSettings load(const Lookup &lookup);
  static ScaleioSettings load(const sdk::Host &host);

  bool https() const { return endpoint.rfind("https://", 0) == 0; }
};

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_SCALEIOSETTINGS_H
