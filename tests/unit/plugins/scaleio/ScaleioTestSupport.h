// For the scaleio unit tests: an in-memory gateway behind the transport
// interface (tokens, links, volumes as JSON), and settings that point at it.
#ifndef REXRAY_TESTS_SCALEIO_TESTSUPPORT_H
#define REXRAY_TESTS_SCALEIO_TESTSUPPORT_H

#include "scaleio/GatewayTransport.h"
#include "scaleio/ScaleioSettings.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace siotest {

using rexray::scaleio::GatewayReply;
using rexray::scaleio::GatewayRequest;

inline std::string errorBody(int status, int code, const std::string &message) {
  return "{\"message\":\"" + message + "\",\"httpStatusCode\":" + std::to_string(status) +
         ",\"errorCode\":" + std::to_string(code) + "}";
}

// Answers from `routes` ("GET /api/..." → reply), after checking the Basic
// token like the real gateway; counts logins and keeps every request.
struct FakeGateway : rexray::scaleio::GatewayTransport {
  std::map<std::string, std::function<GatewayReply(const GatewayRequest &)>> routes;
  std::vector<GatewayRequest> requests;
  int logins = 0;
  int rejectNextTokens = 0; // that many authorized calls get 401 (token expiry)
  std::string token;

  GatewayReply send(const GatewayRequest &r, const rexray::sdk::support::Deadline &) override {
    requests.push_back(r);
    if (r.path == "/api/login") {
      if (header(r, "Authorization") != rexray::sdk::support::basicAuthorization("admin", "pw"))
        return {401, errorBody(401, 0, "Unauthorized")};
      token = "token-" + std::to_string(++logins);
      return {200, "\"" + token + "\""};
    }
    if (header(r, "Authorization") != rexray::sdk::support::basicAuthorization("", token))
      return {401, errorBody(401, 0, "Unauthorized")};
    if (rejectNextTokens > 0) {
      --rejectNextTokens;
      token.clear(); // the token died: only a new login helps
      return {401, errorBody(401, 0, "Unauthorized")};
    }
    if (r.path == "/api/version") return {200, "\"2.5\""};
    auto it = routes.find(r.method + " " + r.path);
    if (it == routes.end()) return {404, errorBody(404, 0, "no route " + r.path)};
    return it->second(r);
  }

  static std::string header(const GatewayRequest &r, const std::string &name) {
    for (const auto &[k, v] : r.headers)
      if (k == name) return v;
    return {};
  }
  void reply(const std::string &key, int status, const std::string &body) {
    routes[key] = [status, body](const GatewayRequest &) { return GatewayReply{status, body}; };
  }
  int count(const std::string &method, const std::string &path) const {
    int n = 0;
    for (const auto &r : requests) n += r.method == method && r.path == path;
    return n;
  }
};

// One system with two protection domains and three pools. The links point at
// paths no client would build itself, so a test passes only when they are
// followed.
inline void addTopology(FakeGateway &g) {
  g.reply("GET /api/types/System/instances", 200,
          R"([{"id":"5a0c2e7f1b3d4968","name":"sys1","links":[
               {"rel":"self","href":"/api/instances/System::5a0c2e7f1b3d4968"},
               {"rel":"/api/System/relationship/ProtectionDomain","href":"/api/x/pds"},
               {"rel":"/api/System/relationship/Sdc","href":"/api/x/sdcs"}]}])");
  g.reply("GET /api/x/pds", 200,
          R"([{"id":"9300c1f900000000","name":"pd1","links":[
                {"rel":"/api/ProtectionDomain/relationship/StoragePool","href":"/api/x/pd1/pools"}]},
              {"id":"9300c1fa00000001","name":"pd2","links":[
                {"rel":"/api/ProtectionDomain/relationship/StoragePool","href":"/api/x/pd2/pools"}]}])");
  g.reply("GET /api/x/pd1/pools", 200,
          R"([{"id":"e0d8f6c900000000","name":"pool1","protectionDomainId":"9300c1f900000000"},
              {"id":"e0d8f6ca00000001","name":"pool2","protectionDomainId":"9300c1f900000000"}])");
  g.reply("GET /api/x/pd2/pools", 200,
          R"([{"id":"e0d91dd900000002","name":"pool3","protectionDomainId":"9300c1fa00000001"}])");
  g.reply("GET /api/x/sdcs", 200,
          R"([{"id":"d0f055a700000000","sdcGuid":"9E56672F-2F4B-4A42-BFF4-88B6846FBFDA",
               "sdcIp":"10.0.0.11","name":null},
              {"id":"d0f055a800000001","sdcGuid":"3B1D7E0C-58A4-4F2B-9C61-0D2E4A7B8C93",
               "sdcIp":"10.0.0.12","name":"node1"}])");
}

inline std::string volumeJson(const std::string &id, const std::string &name,
                              const std::string &ancestor = "", const std::string &sdcId = "") {
  return "{\"id\":\"" + id + "\",\"name\":\"" + name +
         "\",\"sizeInKb\":16777216,\"storagePoolId\":\"e0d8f6c900000000\","
         "\"volumeType\":\"ThinProvisioned\",\"ancestorVolumeId\":" +
         (ancestor.empty() ? "null" : "\"" + ancestor + "\"") +
         ",\"creationTime\":1631618520,\"mappedSdcInfo\":" +
         (sdcId.empty() ? "null" : "[{\"sdcId\":\"" + sdcId + "\",\"limitIops\":0}]") +
         ",\"links\":[{\"rel\":\"self\",\"href\":\"/api/instances/Volume::" + id + "\"}]}";
}

inline rexray::scaleio::ScaleioSettings settings() {
  rexray::scaleio::ScaleioSettings s;
  s.endpoint = "http://127.0.0.1:1/api";
  s.userName = "admin";
  s.password = "pw";
  s.systemName = "sys1";
  s.protectionDomainName = "pd1";
  s.storagePoolName = "pool1";
  s.guid = "9E56672F-2F4B-4A42-BFF4-88B6846FBFDA";
  s.deviceRoot = "/nonexistent-scaleio-test";
  return s;
}

} // namespace siotest

#endif // REXRAY_TESTS_SCALEIO_TESTSUPPORT_H
