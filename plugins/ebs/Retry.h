#ifndef REXRAY_EBS_RETRY_H
#define REXRAY_EBS_RETRY_H

#include <cstdint>
#include <optional>
#include <random>
#include <string>

// Which failed EC2 requests are worth another try, and how long to wait
// first: aws-sdk-go's DefaultRetryer (specs/ec2-ebs.md §1). Pure functions.
namespace rexray::ebs::retry {

enum class Kind {
  None,      // a client error: never retried
  Transient, // 5xx, 429, a dropped connection: short jittered back-off
  Throttled, // RequestLimitExceeded & co: long jittered back-off
  Resign,    // RequestExpired: sign again (with a fresh clock) and resend at once
};

bool isThrottleCode(const std::string &code);
// `code` is the EC2 error code ("" when the body had none); `httpStatus` 0
// means no response arrived (a connection error or timeout).
Kind classify(int httpStatus, const std::string &code);

// Delay before retry number `retry` (0 = the first retry):
// transient 2^n × rand[30,60) ms, throttled 2^min(n,8) × rand[500,1000) ms,
// each capped at capMs.
int64_t backoffMs(Kind kind, int retry, std::mt19937_64 &rng, int64_t capMs = 20000);

// A Retry-After header value in seconds ("3") → milliseconds; HTTP dates are
// not used by EC2 and give nullopt.
std::optional<int64_t> retryAfterMs(const std::string &value);

} // namespace rexray::ebs::retry

#endif // REXRAY_EBS_RETRY_H
