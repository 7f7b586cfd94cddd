#ifndef REXRAY_SDK_SUPPORT_DEADLINE_HPP
#define REXRAY_SDK_SUPPORT_DEADLINE_HPP

#include <rexray/sdk/driver.hpp>

#include <cstdint>

// One absolute point in time on the clock the ABI's deadlines use
// (CLOCK_MONOTONIC, milliseconds), so a plugin can carry the request's
// deadline through every retry and wait without restarting it.
namespace rexray::sdk::support {

class Deadline {
public:
  static int64_t nowMs() { return sdk::monotonicNowMs(); }
  static Deadline in(int64_t ms) { return Deadline(nowMs() + ms); }
  // The call's deadline, or `fallbackMs` from now when the call has none.
  static Deadline of(const sdk::Call &call, int64_t fallbackMs) {
    return call.hasDeadline() ? Deadline(call.deadlineMonoMs()) : in(fallbackMs);
  }

  explicit Deadline(int64_t monoMs) : _monoMs(monoMs) {}
  int64_t monoMs() const { return _monoMs; }
  int64_t remainingMs() const { return _monoMs - nowMs(); }
  bool expired() const { return remainingMs() <= 0; }
  // The earlier of this deadline and `ms` from now: a sub-step may get less
  // time than the whole request, never more.
  Deadline capped(int64_t ms) const {
    const int64_t other = nowMs() + ms;
    return Deadline(other < _monoMs ? other : _monoMs);
  }

private:
  int64_t _monoMs;
};

// Sleeps min(ms, remaining). Returns true when the whole `ms` fitted before
// the deadline; false when it did not (then it sleeps only up to the
// deadline, never past it).
bool sleepWithin(const Deadline &deadline, int64_t ms);

} // namespace rexray::sdk::support

#endif // REXRAY_SDK_SUPPORT_DEADLINE_HPP
