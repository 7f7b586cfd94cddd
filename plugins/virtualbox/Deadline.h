#ifndef REXRAY_VIRTUALBOX_DEADLINE_H
#define REXRAY_VIRTUALBOX_DEADLINE_H

#include <rexray/sdk/driver.hpp>

#include <chrono>
#include <cstdint>

namespace rexray::virtualbox {

// An absolute deadline in unix milliseconds, as rxr_call carries it.
class Deadline {
public:
  static int64_t nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  static Deadline in(int64_t ms) { return Deadline(nowMs() + ms); }
  // The call's deadline, or `fallbackMs` from now when the call has none.
  static Deadline of(const sdk::Call &call, int64_t fallbackMs) {
    return call.deadlineUnixMs() > 0 ? Deadline(call.deadlineUnixMs()) : in(fallbackMs);
  }

  explicit Deadline(int64_t unixMs) : _unixMs(unixMs) {}
  int64_t unixMs() const { return _unixMs; }
  int64_t remainingMs() const { return _unixMs - nowMs(); }
  bool expired() const { return remainingMs() <= 0; }
  // The earlier of this deadline and `ms` from now.
  Deadline capped(int64_t ms) const {
    const int64_t other = nowMs() + ms;
    return Deadline(other < _unixMs ? other : _unixMs);
  }

private:
  int64_t _unixMs;
};

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_DEADLINE_H
