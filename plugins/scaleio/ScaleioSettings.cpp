#include "ScaleioSettings.h"

#include "VolumeRules.h"

#include <rexray/sdk/support/Endpoint.hpp>
#include <rexray/sdk/values.hpp>

#include <Poco/String.h>

#include <algorithm>
#include <cctype>

namespace rexray::scaleio {

namespace {

[[noreturn]] void bad(const std::string &key, const std::string &why) {
  throw sdk::Error(RXR_E_INVALID, "configuration key scaleio." + key + ": " + why);
}

// The host has checked the type already, with this same reading.
bool boolean(const std::string &key, const std::string &value) {
  if (auto v = sdk::values::parseBool(value)) return *v;
  bad(key, "expected true or false, got '" + value + "'");
}

// Splits the endpoint into what stands before "/api", which every href the
// gateway returns starts with.
std::string apiPrefixOf(const std::string &endpoint) {
  sdk::support::Endpoint parsed;
  try {
    parsed = sdk::support::Endpoint::parse(endpoint);
  } catch (const std::exception &e) {
    bad("endpoint", "'" + endpoint + "' is not a URL: " + e.what());
  }
  if (parsed.scheme != "http" && parsed.scheme != "https")
    bad("endpoint", "'" + endpoint + "' is neither http:// nor https://");
  std::string path = parsed.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.empty()) return "";
  const std::string suffix = "/api";
  if (path.size() < suffix.size() || path.compare(path.size() - 4, 4, suffix) != 0)
    bad("endpoint", "'" + endpoint + "' must end in /api, e.g. https://gateway:443/api");
  return path.substr(0, path.size() - suffix.size());
}

} // namespace

ScaleioSettings ScaleioSettings::load(const sdk::Host &host) {
  return load([&host](const std::string &key) { return host.config(key); });
}

ScaleioSettings ScaleioSettings::load(const Lookup &lookup) {
  ScaleioSettings s;
  auto str = [&](const char *key, std::string &out) {
    if (auto v = lookup(key)) {
      const std::string t = Poco::trim(*v);
      if (!t.empty()) out = t;
    }
  };
  auto flag = [&](const char *key, bool &out) {
    if (auto v = lookup(key); v && !Poco::trim(*v).empty()) out = boolean(key, *v);
  };
  str("endpoint", s.endpoint);
  if (s.endpoint.empty()) bad("endpoint", "not set: the gateway URL, e.g. https://gateway:443/api");
  s.apiPrefix = apiPrefixOf(s.endpoint);
  flag("insecure", s.insecure);
  flag("useCerts", s.useCerts);
  if (s.https() && !s.insecure && !s.useCerts)
    bad("useCerts", "false leaves no certificate to verify the gateway against: set "
                    "scaleio.insecure: true to skip verification, or keep useCerts");
  str("apiVersion", s.apiVersion);
  if (!s.apiVersion.empty() &&
      !std::all_of(s.apiVersion.begin(), s.apiVersion.end(),
                   [](unsigned char c) { return std::isdigit(c) || c == '.'; }))
    bad("apiVersion", "expected a version such as 2.0, got '" + s.apiVersion + "'");
  str("userName", s.userName);
  if (s.userName.empty()) bad("userName", "not set: the gateway user");
  if (auto v = lookup("password")) s.password = *v; // a password may have spaces
  if (s.password.empty()) bad("password", "not set");
  str("systemID", s.systemId);
  str("systemName", s.systemName);
  str("protectionDomainID", s.protectionDomainId);
  str("protectionDomainName", s.protectionDomainName);
  str("storagePoolID", s.storagePoolId);
  str("storagePoolName", s.storagePoolName);
  if (auto v = lookup("thinOrThick"); v && !Poco::trim(*v).empty()) {
    try {
      s.thinOrThick = provisioningType(*v, "value");
    } catch (const std::invalid_argument &e) {
      bad("thinOrThick", e.what());
    }
  }
  str("guid", s.guid);
  std::transform(s.guid.begin(), s.guid.end(), s.guid.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  str("drvCfgPath", s.drvCfgPath);
  str("deviceRoot", s.deviceRoot);
  return s;
}

} // namespace rexray::scaleio
