#include "util/Deadline.h"

#include "util/Error.h"

#include <algorithm>
#include <thread>

namespace rexray {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

Deadline Deadline::in(milliseconds fromNow) {
  return Deadline(Clock::now() + fromNow);
}

int64_t Deadline::monoMs() const {
  return duration_cast<milliseconds>(_when.time_since_epoch()).count();
}

milliseconds Deadline::remaining() const {
  return duration_cast<milliseconds>(_when - Clock::now());
}

Deadline Deadline::atMost(milliseconds limit) const {
  return Deadline(std::min(_when, Clock::now() + limit));
}

Deadline Deadline::reserving(milliseconds reserve) const {
  return Deadline(std::max(Clock::now(), _when - reserve));
}

void Deadline::check(const std::string &what) const {
  if (expired()) throw Error(ErrorKind::Timeout, what + ": the request's deadline passed");
}

bool Deadline::sleepWithin(milliseconds pause) const {
  if (Clock::now() + pause >= _when) return false;
  std::this_thread::sleep_for(pause);
  return true;
}

} // namespace rexray
