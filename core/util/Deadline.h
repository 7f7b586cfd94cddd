#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace rexray {

// The moment one request must be answered by, on CLOCK_MONOTONIC (what the
// ABI's rxr_call.deadline_mono_ms carries; std::chrono::steady_clock on
// Linux), so an NTP step cannot move it. The front end that receives a
// request makes it once; every layer below takes it as given and may only
// shorten it for a step of its own, never extend or restart it.
class Deadline {
public:
  using Clock = std::chrono::steady_clock;

  static Deadline in(std::chrono::milliseconds fromNow);
  static Deadline at(Clock::time_point when) { return Deadline(when); }

  Clock::time_point when() const { return _when; }
  // Milliseconds on CLOCK_MONOTONIC, as the ABI takes them.
  int64_t monoMs() const;
  // Negative once passed.
  std::chrono::milliseconds remaining() const;
  bool expired() const { return Clock::now() >= _when; }

  // The earlier of this deadline and `limit` from now: a step with a ceiling
  // of its own (device.attachTimeout) still ends with the request.
  Deadline atMost(std::chrono::milliseconds limit) const;
  // This deadline moved earlier by `reserve`, but never before now: the
  // forward steps stop there so that undoing them fits before the request's
  // own deadline.
  Deadline reserving(std::chrono::milliseconds reserve) const;

  // Throws Error(Timeout) "<what>: <duration> deadline passed" once expired.
  void check(const std::string &what) const;
  // Sleeps `pause`, or returns false at once when the deadline would pass
  // during it.
  bool sleepWithin(std::chrono::milliseconds pause) const;

private:
  explicit Deadline(Clock::time_point when) : _when(when) {}
  Clock::time_point _when;
};

} // namespace rexray
