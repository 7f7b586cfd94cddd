#ifndef REXRAY_EBS_INSTANCEMETADATA_H
#define REXRAY_EBS_INSTANCEMETADATA_H

#include <rexray/sdk/support/Http.hpp>

#include <rexray/sdk/driver.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

// The EC2 instance metadata service (specs/ec2-ebs.md §2): IMDSv2 (a session
// token from PUT /latest/api/token, sent with every GET) with a fallback to
// IMDSv1 plain GETs when the token PUT is refused or times out. Only the
// configured endpoint is ever contacted. Thread-safe; the identity document
// is cached for the life of the instance.
namespace rexray::ebs {

// HTTP, endpoints, deadlines and retry come from the SDK's support library.
namespace support = sdk::support;

struct IdentityDocument {
  std::string instanceId, region, availabilityZone, accountId, instanceType, imageId;
};

struct RoleCredentials {
  std::string role, accessKeyId, secretAccessKey, token;
  int64_t expirationUnixMs = 0; // 0 = unknown
};

class InstanceMetadata {
public:
  // Throws std::invalid_argument for a malformed endpoint.
  InstanceMetadata(const std::string &endpoint, sdk::Host host);

  const std::string &endpoint() const { return _endpoint.origin; }

  // GET <path> ("/latest/meta-data/instance-id"): the body, or nullopt on 404.
  // Throws sdk::Error (RXR_E_BACKEND, or RXR_E_TIMEOUT past the deadline)
  // naming the endpoint when the service cannot be reached or refuses.
  std::optional<std::string> get(const sdk::Call &call, const std::string &path);

  // /latest/dynamic/instance-identity/document, parsed; cached after the
  // first success.
  IdentityDocument identity(const sdk::Call &call);

  // /latest/meta-data/block-device-mapping/: name → device ("ephemeral0" →
  // "sdb", "root" → "/dev/xvda"). Empty when the service has none.
  std::map<std::string, std::string> blockDeviceMapping(const sdk::Call &call);

  // The instance role's temporary credentials
  // (/latest/meta-data/iam/security-credentials/<role>).
  RoleCredentials roleCredentials(const sdk::Call &call);

  // Which protocol the last request used: "v2", "v1" or "" (none yet).
  std::string mode() const;

private:
  std::optional<std::string> token(const sdk::Call &call, bool refresh);
  support::HttpResponse exchange(const sdk::Call &call, const std::string &method,
                                 const std::string &path, const support::Headers &headers);

  support::Endpoint _endpoint;
  sdk::Host _host;
  mutable std::mutex _mu;
  std::string _token;
  int64_t _tokenExpiresMs = 0;
  int64_t _v1UntilMs = 0; // after a refused token PUT, use v1 until then
  std::string _mode;
  std::optional<IdentityDocument> _identity;
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_INSTANCEMETADATA_H
