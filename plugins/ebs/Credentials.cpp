#include "Credentials.h"

#include "InstanceMetadata.h"
#include "Text.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rexray::ebs {

namespace {

std::string env(const char *name) {
  const char *v = std::getenv(name);
  return v ? text::trim(v) : std::string();
}

std::string masked(const std::string &accessKey) {
  return accessKey.size() > 8
             ? accessKey.substr(0, 4) + "…" + accessKey.substr(accessKey.size() - 4)
             : accessKey;
}

// Role credentials without an Expiration are fetched again after this long.
constexpr int64_t kUnknownExpiryRefreshMs = 10 * 60 * 1000;

} // namespace

CredentialsChain::CredentialsChain(Settings settings, InstanceMetadata *imds, sdk::Host host)
    : _settings(std::move(settings)), _imds(imds), _host(host) {}

std::optional<Credentials> CredentialsChain::fromSettings(const Settings &s) {
  if (s.accessKey.empty() && s.secretKey.empty()) return std::nullopt;
  if (s.accessKey.empty() || s.secretKey.empty())
    throw sdk::Error(RXR_E_INVALID, std::string("ebs: ") +
                                        (s.accessKey.empty() ? "ebs.secretKey" : "ebs.accessKey") +
                                        " is set but " +
                                        (s.accessKey.empty() ? "ebs.accessKey" : "ebs.secretKey") +
                                        " is not; set both or neither");
  return Credentials{s.accessKey, s.secretKey, s.sessionToken, 0, "config (ebs.accessKey)"};
}

std::optional<Credentials> CredentialsChain::fromEnvironment() {
  std::string id = env("AWS_ACCESS_KEY_ID");
  std::string secret = env("AWS_SECRET_ACCESS_KEY");
  // aws-sdk-go also reads the older names.
  if (id.empty()) id = env("AWS_ACCESS_KEY");
  if (secret.empty()) secret = env("AWS_SECRET_KEY");
  if (id.empty() && secret.empty()) return std::nullopt;
  if (id.empty() || secret.empty())
    throw sdk::Error(RXR_E_INVALID,
                     std::string("ebs: ") +
                         (id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                         " is set in the environment but " +
                         (id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is not");
  return Credentials{id, secret, env("AWS_SESSION_TOKEN"), 0, "environment (AWS_ACCESS_KEY_ID)"};
}

std::string CredentialsChain::sharedFilePath() {
  const std::string file = env("AWS_SHARED_CREDENTIALS_FILE");
  if (!file.empty()) return file;
  const std::string home = env("HOME");
  return home.empty() ? std::string() : home + "/.aws/credentials";
}

std::string CredentialsChain::profileName(const Settings &s) {
  if (!s.profile.empty()) return s.profile;
  for (const char *name : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"})
    if (!env(name).empty()) return env(name);
  return "default";
}

std::optional<Credentials> CredentialsChain::fromSharedFile(const std::string &path,
                                                            const std::string &profile,
                                                            std::string *why) {
  auto fail = [&](const std::string &reason) -> std::optional<Credentials> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (path.empty()) return fail("no shared credentials file (HOME is not set)");
  std::ifstream in(path);
  if (!in) return fail(path + " does not exist or cannot be read");
  std::string line, section;
  bool found = false;
  Credentials c;
  while (std::getline(in, line)) {
    line = text::trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      const auto close = line.find(']');
      section =
          text::trim(line.substr(1, close == std::string::npos ? std::string::npos : close - 1));
      // The config file spells sections "[profile name]"; accept it here too.
      if (text::startsWith(section, "profile ")) section = text::trim(section.substr(8));
      if (section == profile) found = true;
      continue;
    }
    if (section != profile) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = text::lower(text::trim(line.substr(0, eq)));
    const std::string value = text::trim(line.substr(eq + 1));
    if (key == "aws_access_key_id")
      c.accessKeyId = value;
    else if (key == "aws_secret_access_key")
      c.secretAccessKey = value;
    else if (key == "aws_session_token")
      c.sessionToken = value;
  }
  if (!found) return fail(path + " has no profile [" + profile + "]");
  if (c.accessKeyId.empty() || c.secretAccessKey.empty())
    return fail("profile [" + profile + "] in " + path +
                " lacks aws_access_key_id or aws_secret_access_key");
  c.source = "file " + path + " [" + profile + "]";
  return c;
}

void CredentialsChain::invalidate() {
  std::lock_guard<std::mutex> guard(_mu);
  // Only the instance role changes under us; the other sources are what the
  // operator configured, and asking again would give the same answer.
  if (_cached && _cached->expiresUnixMs != 0) _cached.reset();
}

Credentials CredentialsChain::get(const sdk::Call &call) {
  std::lock_guard<std::mutex> guard(_mu);
  const int64_t now = text::nowUnixMs();
  if (_cached && (_cached->expiresUnixMs == 0 || now < _cached->expiresUnixMs - kRefreshMarginMs))
    return *_cached;

  std::vector<std::string> tried;
  if (!_cached || _cached->expiresUnixMs == 0) {
    if (auto c = fromSettings(_settings)) return *(_cached = c);
    tried.push_back("ebs.accessKey/ebs.secretKey are not set");
    if (auto c = fromEnvironment()) return *(_cached = c);
    tried.push_back("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
    std::string why;
    if (auto c = fromSharedFile(sharedFilePath(), profileName(_settings), &why)) {
      _host.debug("ebs: using credentials from " + c->source);
      return *(_cached = c);
    }
    tried.push_back(why);
  }
  if (!_imds) {
    tried.push_back("no instance metadata service");
    throw sdk::Error(RXR_E_AUTH, "ebs: no AWS credentials found: " + text::join(tried, "; "));
  }
  try {
    const RoleCredentials r = _imds->roleCredentials(call);
    Credentials c;
    c.accessKeyId = r.accessKeyId;
    c.secretAccessKey = r.secretAccessKey;
    c.sessionToken = r.token;
    c.expiresUnixMs =
        r.expirationUnixMs ? r.expirationUnixMs : now + kUnknownExpiryRefreshMs + kRefreshMarginMs;
    c.source = "instance role '" + r.role + "' via " + _imds->endpoint();
    _host.debug("ebs: using credentials of " + c.source + " (access key " + masked(c.accessKeyId) +
                ")");
    _cached = c;
    return c;
  } catch (const sdk::Error &e) {
    // Expiring role credentials that cannot be renewed are still good until
    // they actually expire.
    if (_cached && now < _cached->expiresUnixMs) {
      _host.warn(std::string("ebs: cannot refresh instance-role credentials, using the current "
                             "ones until they expire: ") +
                 e.what());
      return *_cached;
    }
    tried.push_back(std::string("instance role: ") + e.what());
    throw sdk::Error(e.status() == RXR_E_TIMEOUT ? RXR_E_TIMEOUT : RXR_E_AUTH,
                     "ebs: no AWS credentials found: " + text::join(tried, "; "));
  }
}

} // namespace rexray::ebs
