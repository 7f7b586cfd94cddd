#ifndef REXRAY_EBS_CREDENTIALS_H
#define REXRAY_EBS_CREDENTIALS_H

#include <rexray/sdk/driver.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

// AWS credentials and the chain that finds them, in REX-Ray's order:
// ebs.accessKey/secretKey → AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (+
// AWS_SESSION_TOKEN) → the shared credentials file (profile) → the instance
// role from the metadata service, refreshed before it expires.
namespace rexray::ebs {

class InstanceMetadata;

struct Credentials {
  std::string accessKeyId, secretAccessKey, sessionToken;
  int64_t expiresUnixMs = 0; // 0 = does not expire
  std::string source;        // "config", "environment", "file /root/.aws/credentials [p]", …
};

class CredentialsProvider {
public:
  virtual ~CredentialsProvider() = default;
  // Valid credentials or sdk::Error (RXR_E_AUTH / RXR_E_INVALID) saying what
  // was tried.
  virtual Credentials get(const sdk::Call &call) = 0;
  // EC2 refused what get() returned (expired role credentials): fetch anew.
  virtual void invalidate() {}
};

// Fixed credentials (tests, and the resolved static sources).
class StaticCredentials : public CredentialsProvider {
public:
  explicit StaticCredentials(Credentials c) : _c(std::move(c)) {}
  Credentials get(const sdk::Call &) override { return _c; }

private:
  Credentials _c;
};

class CredentialsChain : public CredentialsProvider {
public:
  struct Settings {
    std::string accessKey, secretKey, sessionToken; // ebs.* keys
    std::string profile;                            // ebs.profile, else AWS_PROFILE, else default
  };
  // `imds` may be null (no instance-role source). It must outlive the chain.
  CredentialsChain(Settings settings, InstanceMetadata *imds, sdk::Host host);

  Credentials get(const sdk::Call &call) override;
  void invalidate() override;

  // The sources one by one (for tests). Each returns nullopt when it has
  // nothing and throws sdk::Error(RXR_E_INVALID) when half-configured.
  static std::optional<Credentials> fromSettings(const Settings &s);
  static std::optional<Credentials> fromEnvironment();
  // `why` receives the reason when nothing was found.
  static std::optional<Credentials> fromSharedFile(const std::string &path,
                                                   const std::string &profile, std::string *why);
  // AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials ("" without HOME).
  static std::string sharedFilePath();
  // The profile: settings, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
  static std::string profileName(const Settings &s);

  // Instance-role credentials are refreshed this long before they expire.
  static constexpr int64_t kRefreshMarginMs = 5 * 60 * 1000;

private:
  Settings _settings;
  InstanceMetadata *_imds;
  sdk::Host _host;
  std::mutex _mu;
  std::optional<Credentials> _cached;
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_CREDENTIALS_H
