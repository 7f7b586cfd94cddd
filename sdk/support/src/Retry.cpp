#include <rexray/sdk/support/Retry.hpp>

#include <chrono>
#include <cmath>
#include <thread>

namespace rexray::sdk::support {

int64_t backoffDelayMs(const RetryPolicy &policy, int retry, std::mt19937_64 &rng) {
  const int64_t cap = std::max<int64_t>(policy.maxDelayMs, 0);
  const double grown = static_cast<double>(std::max<int64_t>(policy.initialDelayMs, 0)) *
                       std::pow(std::max(policy.multiplier, 1.0), std::max(retry, 0));
  // Compared as a double first: a long run of retries overflows int64_t.
  const int64_t full = grown >= static_cast<double>(cap) ? cap : static_cast<int64_t>(grown);
  if (!policy.jitter || full < 2) return full;
  std::uniform_int_distribution<int64_t> pick(full / 2, full);
  return pick(rng);
}

namespace detail {

std::mt19937_64 &threadRng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

void sleepMs(int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

} // namespace detail

} // namespace rexray::sdk::support
