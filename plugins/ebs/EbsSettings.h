#ifndef REXRAY_EBS_EBSSETTINGS_H
#define REXRAY_EBS_EBSSETTINGS_H

#include <rexray/sdk/driver.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

// Every configuration key of the driver with its default (README.md lists
// them). Read once when the driver is created; a malformed value is an
// RXR_E_INVALID error naming the key.
namespace rexray::ebs {

struct EbsSettings {
  std::string accessKey, secretKey, sessionToken, profile;
  std::string region;   // "" = from the instance identity document
  std::string endpoint; // "" = https://ec2.<region>.amazonaws.com
  std::string metadataEndpoint = "http://169.254.169.254";
  int maxRetries = 10;
  std::string tag; // Name = <tag>/<name> when set
  std::string kmsKeyId;
  bool useLargeDeviceRange = false;
  int statusMaxAttempts = 10;
  int64_t statusInitialDelayMs = 100;
  int64_t statusTimeoutMs = 120000;
  std::string deviceRoot = "/dev";
  std::string sysfsRoot = "/sys";
  int64_t throughput = 0; // default gp3 throughput in MiB/s, 0 = AWS default

  // Reads the keys through `lookup` (the host's config_get).
  static EbsSettings
  load(const std::function<std::optional<std::string>(const std::string &)> &lookup);
  static EbsSettings load(const sdk::Host &host);

  // The EC2 endpoint for `forRegion`: the configured one, else the public one.
  std::string endpointFor(const std::string &forRegion) const;
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_EBSSETTINGS_H
