#include "VboxConfig.h"

#include <cctype>
#include <stdexcept>

namespace rexray::virtualbox {

namespace {

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

} // namespace

std::string VboxConfig::parseFormat(const std::string &value, const std::string &key) {
  const std::string v = lower(trim(value));
  if (v == "vmdk" || v == "vdi") return v;
  throw std::invalid_argument(key + " must be vmdk or vdi, got '" + value + "'");
}

bool VboxConfig::parseBool(const std::string &value, const std::string &key) {
  const std::string v = lower(trim(value));
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0" || v.empty()) return false;
  throw std::invalid_argument(key + " must be true or false, got '" + value + "'");
}

VboxConfig VboxConfig::load(const sdk::Host &host) {
  VboxConfig c;
  auto get = [&](const char *key, std::string &out) {
    if (auto v = host.config(key)) out = trim(*v);
  };
  get("endpoint", c.endpoint);
  get("volumePath", c.volumePath);
  get("localMachineNameOrId", c.localMachineNameOrId);
  if (auto v = host.config("username")) c.username = *v;
  if (auto v = host.config("password")) c.password = *v;
  if (auto v = host.config("tls")) c.tls = parseBool(*v, "virtualbox.tls");
  get("controllerName", c.controllerName);
  get("diskIDPath", c.diskIdPath);
  if (auto v = host.config("mediumFormat"))
    c.mediumFormat = parseFormat(*v, "virtualbox.mediumFormat");
  if (c.endpoint.empty()) throw std::invalid_argument("virtualbox.endpoint must not be empty");
  if (c.controllerName.empty()) c.controllerName = "SATA";
  if (c.diskIdPath.empty()) c.diskIdPath = "/dev/disk/by-id";
  return c;
}

} // namespace rexray::virtualbox
