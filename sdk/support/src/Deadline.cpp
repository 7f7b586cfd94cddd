#include <rexray/sdk/support/Deadline.hpp>

#include <chrono>
#include <thread>

namespace rexray::sdk::support {

bool sleepWithin(const Deadline &deadline, int64_t ms) {
  if (ms <= 0) return true;
  const int64_t remaining = deadline.remainingMs();
  const bool fits = ms <= remaining;
  const int64_t wait = fits ? ms : remaining;
  if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  return fits;
}

} // namespace rexray::sdk::support
