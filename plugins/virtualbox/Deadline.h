#ifndef REXRAY_VIRTUALBOX_DEADLINE_H
#define REXRAY_VIRTUALBOX_DEADLINE_H

#include <rexray/sdk/driver.hpp>

#include <chrono>
#include <cstdint>

namespace rexray::virtualbox {

// An absolute deadline in CLOCK_MONOTONIC milliseconds, as rxr_call carries it.
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
  // The earlier of this deadline and `ms` from now.
  Deadline capped(int64_t ms) const {
    const int64_t other = nowMs() + ms;
    return Deadline(other < _monoMs ? other : _monoMs);
  }

private:
  int64_t _monoMs;
};

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_DEADLINE_H
