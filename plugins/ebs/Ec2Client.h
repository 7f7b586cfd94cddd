#ifndef REXRAY_EBS_EC2CLIENT_H
#define REXRAY_EBS_EC2CLIENT_H

#include "Credentials.h"
#include <rexray/sdk/support/Http.hpp>

#include <rexray/sdk/driver.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

// The EC2 Query API over HTTP(S): form-encoded POST of Action/Version/params,
// signed with SigV4, retried with jittered exponential back-off on
// throttling, 5xx and dropped connections (never on other 4xx), bounded by
// maxRetries and the call's deadline. Thread-safe.
namespace rexray::ebs {

// HTTP, endpoints, deadlines and retry come from the SDK's support library.
namespace support = sdk::support;

class Ec2Client {
public:
  static constexpr const char *kVersion = "2016-11-15";

  struct Options {
    std::string endpoint; // "https://ec2.us-east-1.amazonaws.com", "http://127.0.0.1:8788"
    std::string region;
    int maxRetries = 10;
    int64_t attemptTimeoutMs = 60000; // per HTTP exchange, within the deadline
  };

  // `credentials` must outlive the client. Throws std::invalid_argument for a
  // malformed endpoint.
  Ec2Client(Options options, CredentialsProvider &credentials, sdk::Host host);

  const std::string &region() const { return _options.region; }
  const support::Endpoint &endpoint() const { return _endpoint; }
  CredentialsProvider &credentials() const { return _credentials; }

  // Sends one action and returns the 2xx body. Throws Ec2Error with the
  // mapped status and "EC2 <Action>: <Code>: <Message>" in its text; a
  // deadline that passes (or would pass during a back-off) gives
  // RXR_E_TIMEOUT naming the last failure.
  std::string call(const sdk::Call &call, const std::string &action,
                   const support::Headers &params) const;

  // Requests sent so far (every attempt counts), for logs and tests.
  uint64_t requestsSent() const { return _sent.load(); }

  // Replaces sleeping between attempts (tests).
  void setSleeper(std::function<void(int64_t ms)> sleeper) { _sleep = std::move(sleeper); }

private:
  Options _options;
  support::Endpoint _endpoint;
  CredentialsProvider &_credentials;
  sdk::Host _host;
  mutable std::atomic<uint64_t> _sent{0};
  mutable std::mutex _rngMu;
  mutable std::mt19937_64 _rng;
  std::function<void(int64_t)> _sleep;
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_EC2CLIENT_H
