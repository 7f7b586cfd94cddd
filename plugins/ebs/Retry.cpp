#include "Retry.h"

#include "Text.h"

#include <algorithm>

namespace rexray::ebs::retry {

bool isThrottleCode(const std::string &code) {
  return code == "RequestLimitExceeded" || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestThrottled" || code == "RequestThrottledException" ||
         code == "TooManyRequestsException" || code == "ProvisionedThroughputExceededException" ||
         code == "TransactionInProgressException" || code == "SlowDown" ||
         code == "BandwidthLimitExceeded" || code == "PriorRequestNotComplete" ||
         code == "EC2ThrottledException";
}

Kind classify(int httpStatus, const std::string &code) {
  if (isThrottleCode(code)) return Kind::Throttled;
  if (code == "RequestExpired" || code == "RequestTimeTooSkewed") return Kind::Resign;
  if (httpStatus == 0) return Kind::Transient;
  if (httpStatus == 429) return Kind::Throttled;
  if (httpStatus == 503 && (code.empty() || code == "Unavailable" || code == "ServiceUnavailable"))
    return Kind::Throttled;
  if (httpStatus >= 500) return Kind::Transient;
  if (code == "InternalError" || code == "InternalFailure" || code == "ServiceUnavailable" ||
      code == "Unavailable")
    return Kind::Transient;
  return Kind::None;
}

int64_t backoffMs(Kind kind, int retry, std::mt19937_64 &rng, int64_t capMs) {
  if (kind == Kind::None) return 0;
  if (kind == Kind::Resign) return 0;
  retry = std::max(retry, 0);
  int64_t ms = 0;
  if (kind == Kind::Throttled) {
    std::uniform_int_distribution<int64_t> jitter(500, 999);
    ms = (int64_t(1) << std::min(retry, 8)) * jitter(rng);
  } else {
    std::uniform_int_distribution<int64_t> jitter(30, 59);
    ms = (int64_t(1) << std::min(retry, 20)) * jitter(rng);
  }
  return std::min(ms, capMs);
}

std::optional<int64_t> retryAfterMs(const std::string &value) {
  auto n = text::parseInt(value);
  if (!n || *n < 0 || *n > 3600) return std::nullopt;
  return *n * 1000;
}

} // namespace rexray::ebs::retry
