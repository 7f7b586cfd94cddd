#include <doctest/doctest.h>

#include "scaleio/ScaleioSettings.h"

#include <map>

using rexray::scaleio::ScaleioSettings;

namespace {

ScaleioSettings load(std::map<std::string, std::string> values) {
  return ScaleioSettings::load([values](const std::string &key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

const std::map<std::string, std::string> kMinimal = {
    {"endpoint", "https://gw.example:443/api"}, {"userName", "admin"}, {"password", "pw"}};

std::string refusal(std::map<std::string, std::string> values) {
  try {
    load(values);
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_INVALID);
    return e.what();
  }
  return "accepted";
}

} // namespace

TEST_CASE("settings: defaults") {
  const auto s = load(kMinimal);
  CHECK(s.apiPrefix.empty());
  CHECK_FALSE(s.insecure);
  CHECK(s.useCerts);
  CHECK(s.thinOrThick == "ThinProvisioned");
  CHECK(s.drvCfgPath == "/opt/emc/scaleio/sdc/bin/drv_cfg");
  CHECK(s.deviceRoot == "/dev/disk/by-id");
}

TEST_CASE("settings: values are normalised") {
  auto v = kMinimal;
  v["endpoint"] = "http://127.0.0.1:8080/gateway/api/";
  v["thinOrThick"] = "thick";
  v["guid"] = "9e56672f-2f4b";
  v["insecure"] = "yes";
  const auto s = load(v);
  CHECK(s.apiPrefix == "/gateway");
  CHECK(s.thinOrThick == "ThickProvisioned");
  CHECK(s.guid == "9E56672F-2F4B");
  CHECK(s.insecure);
}

TEST_CASE("settings: every refusal names its key") {
  auto v = kMinimal;
  v.erase("endpoint");
  CHECK(refusal(v).find("scaleio.endpoint: not set") != std::string::npos);
  v = kMinimal;
  v["endpoint"] = "https://gw/rest";
  CHECK(refusal(v).find("must end in /api") != std::string::npos);
  v["endpoint"] = "ftp://gw/api";
  CHECK(refusal(v).find("scaleio.endpoint: 'ftp://gw/api'") != std::string::npos);
  v = kMinimal;
  v.erase("password");
  CHECK(refusal(v).find("scaleio.password") != std::string::npos);
  v = kMinimal;
  v["useCerts"] = "false";
  CHECK(refusal(v).find("scaleio.useCerts") != std::string::npos);
  v["insecure"] = "maybe";
  CHECK(refusal(v).find("scaleio.insecure") != std::string::npos);
  v = kMinimal;
  v["thinOrThick"] = "fat";
  CHECK(refusal(v).find("scaleio.thinOrThick") != std::string::npos);
  v = kMinimal;
  v["apiVersion"] = "two";
  CHECK(refusal(v).find("scaleio.apiVersion") != std::string::npos);
}
