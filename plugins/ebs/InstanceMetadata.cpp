#include "InstanceMetadata.h"

#include "Text.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <sstream>

namespace rexray::ebs {

namespace {

constexpr int64_t kTokenTtlSeconds = 21600;
constexpr int64_t kRequestTimeoutMs = 2000;
constexpr int64_t kV1StickyMs = 5 * 60 * 1000;
constexpr const char kTokenPath[] = "/latest/api/token";

int64_t timeoutFor(const sdk::Call &call) {
  return std::max<int64_t>(1, std::min<int64_t>(kRequestTimeoutMs, call.remainingMs()));
}

std::string jsonString(const Poco::JSON::Object::Ptr &o, const std::string &key) {
  if (!o || !o->has(key)) return "";
  try {
    return o->getValue<std::string>(key);
  } catch (const Poco::Exception &) {
    return "";
  }
}

Poco::JSON::Object::Ptr parseObject(const std::string &body, const std::string &what) {
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(body);
    auto o = v.extract<Poco::JSON::Object::Ptr>();
    if (!o) throw Poco::Exception("not an object");
    return o;
  } catch (const Poco::Exception &e) {
    throw sdk::Error(RXR_E_BACKEND, "ebs: instance metadata " + what +
                                        " is not a JSON object: " + e.displayText());
  }
}

} // namespace

InstanceMetadata::InstanceMetadata(const std::string &endpoint, sdk::Host host)
    : _endpoint(support::Endpoint::parse(endpoint)), _host(host) {}

std::string InstanceMetadata::mode() const {
  std::lock_guard<std::mutex> guard(_mu);
  return _mode;
}

support::HttpResponse InstanceMetadata::exchange(const sdk::Call &call, const std::string &method,
                                                 const std::string &path,
                                                 const support::Headers &headers) {
  if (call.expired())
    throw sdk::Error(RXR_E_TIMEOUT, "ebs: deadline passed before the instance metadata request " +
                                        method + " " + path);
  support::HttpRequest r;
  r.method = method;
  r.endpoint = _endpoint;
  r.path = path;
  r.headers = headers;
  r.allowProxy = false; // never through a proxy: it is link-local
  return support::exchange(r, support::Deadline::in(timeoutFor(call)));
}

// The session token, or nullopt when IMDSv1 is to be used.
std::optional<std::string> InstanceMetadata::token(const sdk::Call &call, bool refresh) {
  {
    std::lock_guard<std::mutex> guard(_mu);
    const int64_t now = text::nowUnixMs();
    if (!refresh && !_token.empty() && now < _tokenExpiresMs) return _token;
    if (!refresh && now < _v1UntilMs) return std::nullopt;
  }
  try {
    const auto res =
        exchange(call, "PUT", kTokenPath,
                 {{"X-aws-ec2-metadata-token-ttl-seconds", std::to_string(kTokenTtlSeconds)}});
    std::lock_guard<std::mutex> guard(_mu);
    if (res.status == 200 && !text::trim(res.body).empty()) {
      _token = text::trim(res.body);
      _tokenExpiresMs = text::nowUnixMs() + (kTokenTtlSeconds - 60) * 1000;
      return _token;
    }
    // 403 (disabled or forwarded), 404/405 (no v2 here), 400: use v1.
    _host.debug("ebs: IMDSv2 token request answered HTTP " + std::to_string(res.status) +
                "; using IMDSv1");
  } catch (const support::TransportError &e) {
    // A refused connection means no metadata service at all; v1 would fail
    // the same way. A timeout is what a hop limit of 1 looks like from a
    // container: v1 may still work.
    if (e.kind() != support::TransportError::Kind::Timeout)
      throw sdk::Error(RXR_E_BACKEND, "ebs: instance metadata service at " + _endpoint.origin +
                                          " is unreachable: " + e.what());
    _host.debug(std::string("ebs: IMDSv2 token request failed (") + e.what() + "); using IMDSv1");
  }
  std::lock_guard<std::mutex> guard(_mu);
  _token.clear();
  _v1UntilMs = text::nowUnixMs() + kV1StickyMs;
  return std::nullopt;
}

std::optional<std::string> InstanceMetadata::get(const sdk::Call &call, const std::string &path) {
  bool refresh = false;
  for (int attempt = 0;; ++attempt) {
    support::HttpResponse res;
    std::optional<std::string> tok;
    try {
      tok = token(call, refresh);
      refresh = false;
      support::Headers headers;
      if (tok) headers.emplace_back("X-aws-ec2-metadata-token", *tok);
      res = exchange(call, "GET", path, headers);
    } catch (const support::TransportError &e) {
      if (attempt < 2 && e.kind() != support::TransportError::Kind::Connect && !call.expired())
        continue;
      throw sdk::Error(call.expired() ? RXR_E_TIMEOUT : RXR_E_BACKEND,
                       "ebs: instance metadata service at " + _endpoint.origin +
                           " is unreachable (GET " + path + "): " + e.what());
    }
    {
      std::lock_guard<std::mutex> guard(_mu);
      _mode = tok ? "v2" : "v1";
    }
    if (res.status == 200) return res.body;
    if (res.status == 404) return std::nullopt;
    // 401: the token expired or was never accepted; get a new one once.
    if (res.status == 401 && attempt == 0) {
      refresh = true;
      continue;
    }
    if (res.status >= 500 && attempt < 2) continue;
    throw sdk::Error(res.status == 401 || res.status == 403 ? RXR_E_AUTH : RXR_E_BACKEND,
                     "ebs: instance metadata service at " + _endpoint.origin + " answered GET " +
                         path + " with HTTP " + std::to_string(res.status) +
                         (res.reason.empty() ? "" : " " + res.reason));
  }
}

IdentityDocument InstanceMetadata::identity(const sdk::Call &call) {
  {
    std::lock_guard<std::mutex> guard(_mu);
    if (_identity) return *_identity;
  }
  const auto body = get(call, "/latest/dynamic/instance-identity/document");
  if (!body)
    throw sdk::Error(RXR_E_BACKEND, "ebs: instance metadata service at " + _endpoint.origin +
                                        " has no instance identity document");
  const auto o = parseObject(*body, "identity document");
  IdentityDocument doc;
  doc.instanceId = jsonString(o, "instanceId");
  doc.region = jsonString(o, "region");
  doc.availabilityZone = jsonString(o, "availabilityZone");
  doc.accountId = jsonString(o, "accountId");
  doc.instanceType = jsonString(o, "instanceType");
  doc.imageId = jsonString(o, "imageId");
  if (doc.instanceId.empty())
    throw sdk::Error(RXR_E_BACKEND, "ebs: the instance identity document from " + _endpoint.origin +
                                        " has no instanceId");
  if (doc.region.empty() && doc.availabilityZone.size() > 1)
    doc.region = doc.availabilityZone.substr(0, doc.availabilityZone.size() - 1);
  std::lock_guard<std::mutex> guard(_mu);
  _identity = doc;
  return doc;
}

std::map<std::string, std::string> InstanceMetadata::blockDeviceMapping(const sdk::Call &call) {
  std::map<std::string, std::string> out;
  const auto list = get(call, "/latest/meta-data/block-device-mapping/");
  if (!list) return out;
  for (auto name : text::split(*list, '\n')) {
    name = text::trim(name);
    if (!name.empty() && name.back() == '/') name.pop_back();
    if (name.empty()) continue;
    if (auto device = get(call, "/latest/meta-data/block-device-mapping/" + name))
      out[name] = text::trim(*device);
  }
  return out;
}

RoleCredentials InstanceMetadata::roleCredentials(const sdk::Call &call) {
  const std::string base = "/latest/meta-data/iam/security-credentials/";
  const auto roles = get(call, base);
  std::string role;
  if (roles)
    for (auto line : text::split(*roles, '\n'))
      if (!(line = text::trim(line)).empty()) {
        role = line;
        break;
      }
  if (role.empty())
    throw sdk::Error(RXR_E_AUTH, "ebs: the instance at " + _endpoint.origin +
                                     " has no IAM role (no instance-role credentials)");
  const auto body = get(call, base + role);
  if (!body)
    throw sdk::Error(RXR_E_AUTH,
                     "ebs: no credentials for instance role '" + role + "' at " + _endpoint.origin);
  const auto o = parseObject(*body, "role credentials");
  const std::string code = jsonString(o, "Code");
  if (!code.empty() && code != "Success")
    throw sdk::Error(RXR_E_AUTH,
                     "ebs: instance role '" + role + "' credentials: Code " + code +
                         (jsonString(o, "Message").empty() ? "" : ": " + jsonString(o, "Message")));
  RoleCredentials c;
  c.role = role;
  c.accessKeyId = jsonString(o, "AccessKeyId");
  c.secretAccessKey = jsonString(o, "SecretAccessKey");
  c.token = jsonString(o, "Token");
  if (auto exp = text::parseIso8601(jsonString(o, "Expiration"))) c.expirationUnixMs = *exp * 1000;
  if (c.accessKeyId.empty() || c.secretAccessKey.empty())
    throw sdk::Error(RXR_E_AUTH, "ebs: instance role '" + role + "' credentials from " +
                                     _endpoint.origin + " lack AccessKeyId/SecretAccessKey");
  return c;
}

} // namespace rexray::ebs
