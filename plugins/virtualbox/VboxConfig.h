#ifndef REXRAY_VIRTUALBOX_VBOXCONFIG_H
#define REXRAY_VIRTUALBOX_VBOXCONFIG_H

#include <rexray/sdk/driver.hpp>

#include <string>

namespace rexray::virtualbox {

// The driver's settings, read through the host (`<service>.<key>`, then
// `virtualbox.<key>`, from file, environment or flag). See README.md.
struct VboxConfig {
  std::string endpoint = "http://10.0.2.2:18083";
  std::string volumePath;
  std::string localMachineNameOrId;
  std::string username, password;
  bool tls = false; // https: skip certificate verification (REX-Ray's InsecureSkipVerify)
  std::string controllerName = "SATA";
  std::string diskIdPath = "/dev/disk/by-id";
  std::string mediumFormat = "vmdk"; // lower case: vmdk or vdi

  // Throws std::invalid_argument naming the key for a bad value.
  static VboxConfig load(const sdk::Host &host);
  // "vmdk"/"vdi" (any case) → lower case; anything else throws.
  static std::string parseFormat(const std::string &value, const std::string &key);
  // true/false/yes/no/on/off/1/0 (any case); anything else throws.
  static bool parseBool(const std::string &value, const std::string &key);
};

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_VBOXCONFIG_H
