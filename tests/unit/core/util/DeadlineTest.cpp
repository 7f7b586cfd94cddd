#include "util/Deadline.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <time.h>

using namespace rexray;
using namespace std::chrono_literals;

TEST_CASE("Deadline: on CLOCK_MONOTONIC, as the ABI carries it") {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const int64_t before = int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  const Deadline d = Deadline::in(10s);
  CHECK(d.monoMs() >= before + 10000);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  CHECK(d.monoMs() <= int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000 + 10000);
  CHECK(d.remaining() > 9s);
  CHECK_FALSE(d.expired());
}

TEST_CASE("Deadline: a step may shorten it, never extend it") {
  const Deadline d = Deadline::in(10s);
  CHECK(d.atMost(1s).when() < d.when());
  CHECK(d.atMost(1h).when() == d.when());
  CHECK(d.reserving(2s).when() == d.when() - 2s);
  // Reserving more than is left ends the forward part now, not in the past.
  const Deadline near = Deadline::in(100ms);
  CHECK(near.reserving(1s).when() >= Deadline::Clock::now() - 1ms);
  CHECK(near.reserving(1s).when() <= near.when());
}

TEST_CASE("Deadline: an expired one says so and refuses to wait") {
  const Deadline past = Deadline::at(Deadline::Clock::now() - 1ms);
  CHECK(past.expired());
  CHECK(past.remaining() < 0ms);
  CHECK_FALSE(past.sleepWithin(1ms));
  try {
    past.check("listing volumes");
    FAIL("check must throw once the deadline passed");
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Timeout);
    CHECK(std::string(e.what()) == "listing volumes: the request's deadline passed");
  }
  CHECK_NOTHROW(Deadline::in(1s).check("x"));
  CHECK(Deadline::in(1s).sleepWithin(1ms));
  CHECK_FALSE(Deadline::in(50ms).sleepWithin(1s));
}
