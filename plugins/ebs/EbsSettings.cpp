#include "EbsSettings.h"

#include "Text.h"

#include <type_traits>

namespace rexray::ebs {

namespace {

[[noreturn]] void bad(const std::string &key, const std::string &value, const std::string &want) {
  throw sdk::Error(RXR_E_INVALID, "ebs: configuration key ebs." + key + ": expected " + want +
                                      ", got '" + value + "'");
}

} // namespace

EbsSettings EbsSettings::load(const sdk::Host &host) {
  return load([&host](const std::string &key) { return host.config(key); });
}

EbsSettings
EbsSettings::load(const std::function<std::optional<std::string>(const std::string &)> &lookup) {
  EbsSettings s;
  auto str = [&](const char *key, std::string &out) {
    if (auto v = lookup(key)) out = text::trim(*v);
  };
  auto integer = [&](const char *key, auto &out, int64_t min, int64_t max) {
    if (auto v = lookup(key)) {
      if (text::trim(*v).empty()) return;
      auto n = text::parseInt(*v);
      if (!n || *n < min || *n > max)
        bad(key, *v, "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      out = static_cast<std::decay_t<decltype(out)>>(*n);
    }
  };
  auto duration = [&](const char *key, int64_t &out) {
    if (auto v = lookup(key)) {
      if (text::trim(*v).empty()) return;
      auto ms = text::parseDurationMs(*v);
      if (!ms || *ms <= 0) bad(key, *v, "a positive duration such as 100ms, 30s or 2m");
      out = *ms;
    }
  };
  str("accessKey", s.accessKey);
  str("secretKey", s.secretKey);
  str("sessionToken", s.sessionToken);
  str("profile", s.profile);
  str("region", s.region);
  str("endpoint", s.endpoint);
  str("metadataEndpoint", s.metadataEndpoint);
  if (s.metadataEndpoint.empty()) s.metadataEndpoint = "http://169.254.169.254";
  integer("maxRetries", s.maxRetries, 0, 100);
  str("tag", s.tag);
  if (s.tag.empty()) str("rexrayTag", s.tag); // REX-Ray 0.3's name
  while (!s.tag.empty() && s.tag.back() == '/') s.tag.pop_back();
  str("kmsKeyID", s.kmsKeyId);
  if (auto v = lookup("useLargeDeviceRange")) {
    if (!text::trim(*v).empty()) {
      auto b = text::parseBool(*v);
      if (!b) bad("useLargeDeviceRange", *v, "true or false");
      s.useLargeDeviceRange = *b;
    }
  }
  integer("statusMaxAttempts", s.statusMaxAttempts, 1, 1000);
  duration("statusInitialDelay", s.statusInitialDelayMs);
  duration("statusTimeout", s.statusTimeoutMs);
  str("deviceRoot", s.deviceRoot);
  if (s.deviceRoot.empty()) s.deviceRoot = "/dev";
  str("sysfsRoot", s.sysfsRoot);
  if (s.sysfsRoot.empty()) s.sysfsRoot = "/sys";
  integer("throughput", s.throughput, 0, 100000);
  return s;
}

std::string EbsSettings::endpointFor(const std::string &forRegion) const {
  if (!endpoint.empty()) return endpoint;
  return "https://ec2." + forRegion + ".amazonaws.com";
}

} // namespace rexray::ebs
