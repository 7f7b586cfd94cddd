#ifndef REXRAY_SDK_SUPPORT_RETRY_HPP
#define REXRAY_SDK_SUPPORT_RETRY_HPP

#include <rexray/sdk/support/Deadline.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <random>
#include <type_traits>
#include <utility>

// Retry with exponential back-off that never waits past the request's
// deadline: a wait that would end after it is not started, the last error is
// reported at once instead.
namespace rexray::sdk::support {

struct RetryPolicy {
  int maxAttempts = 0; // 0 = until the deadline
  int64_t initialDelayMs = 100;
  int64_t maxDelayMs = 5000;
  double multiplier = 2.0;
  bool jitter = true; // spread clients that failed together
};

// The wait before retry number `retry` (0 = the first retry):
// min(initialDelayMs × multiplier^retry, maxDelayMs); with jitter, a uniform
// pick from the upper half of that (never less than half, so jitter cannot
// turn a back-off into an immediate retry).
int64_t backoffDelayMs(const RetryPolicy &policy, int retry, std::mt19937_64 &rng);

// What a shouldRetry callback may return instead of a bool: whether to
// retry and, optionally, the wait to use instead of the policy's back-off
// (a server's Retry-After, or a protocol's own back-off rule).
struct RetryDecision {
  bool retry = false;
  std::optional<int64_t> delayMs;
};

namespace detail {
inline RetryDecision decide(bool retry) {
  return {retry, std::nullopt};
}
inline RetryDecision decide(const RetryDecision &decision) {
  return decision;
}
// A generator for each thread, seeded once: jitter needs no shared lock.
std::mt19937_64 &threadRng();
void sleepMs(int64_t ms);
} // namespace detail

// Calls op() until it returns. On an exception, shouldRetry(std::exception_ptr)
// (bool or RetryDecision) says whether it is worth another try; it sees every
// failure. The error is rethrown when it says no, when maxAttempts calls have
// been made, or when the wait does not fit before the deadline. `sleep(ms)`
// performs the wait (tests pass one that only records it).
template <class Op, class ShouldRetry, class Sleep>
auto retryWithin(const Deadline &deadline, const RetryPolicy &policy, Op &&op,
                 ShouldRetry &&shouldRetry, Sleep &&sleep) -> decltype(op()) {
  for (int attempt = 1;; ++attempt) {
    try {
      return op();
    } catch (...) {
      const RetryDecision decision = detail::decide(shouldRetry(std::current_exception()));
      if (!decision.retry) throw;
      if (policy.maxAttempts > 0 && attempt >= policy.maxAttempts) throw;
      const int64_t delay = decision.delayMs
                                ? std::max<int64_t>(*decision.delayMs, 0)
                                : backoffDelayMs(policy, attempt - 1, detail::threadRng());
      if (delay >= deadline.remainingMs()) throw;
      sleep(delay);
    }
  }
}

template <class Op, class ShouldRetry>
auto retryWithin(const Deadline &deadline, const RetryPolicy &policy, Op &&op,
                 ShouldRetry &&shouldRetry) -> decltype(op()) {
  return retryWithin(deadline, policy, std::forward<Op>(op), std::forward<ShouldRetry>(shouldRetry),
                     detail::sleepMs);
}

} // namespace rexray::sdk::support

#endif // REXRAY_SDK_SUPPORT_RETRY_HPP
