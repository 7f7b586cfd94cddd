// Linked into the unit tests of a ThreadSanitizer build only.
//
// libstdc++ implements std::timed_mutex::try_lock_until(steady_clock) with
// pthread_mutex_clocklock, which the ThreadSanitizer runtimes on Debian 12
// (GCC 12's libtsan, LLVM 14's) do not intercept: TSan never sees such a
// lock taken, reports "unlock of an unlocked mutex" at every unlock
// (VolumeService's per-volume locks, DriverHandle's serial lock), and loses
// the happens-before those locks give. This definition, found before libc's,
// waits with pthread_mutex_timedlock, which TSan does intercept, on the
// same deadline converted to CLOCK_REALTIME.
#include <pthread.h>
#include <time.h>

#include <cstdint>

namespace {

int64_t nanos(const timespec &t) {
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

} // namespace

extern "C" int pthread_mutex_clocklock(pthread_mutex_t *mutex, clockid_t clock,
                                       const struct timespec *deadline) {
  if (clock == CLOCK_REALTIME) return pthread_mutex_timedlock(mutex, deadline);
  timespec now{}, realNow{};
  clock_gettime(clock, &now);
  clock_gettime(CLOCK_REALTIME, &realNow);
  int64_t at = nanos(realNow) + (nanos(*deadline) - nanos(now));
  if (at < 0) at = 0;
  const timespec realDeadline{static_cast<time_t>(at / 1000000000),
                              static_cast<long>(at % 1000000000)};
  return pthread_mutex_timedlock(mutex, &realDeadline);
}
