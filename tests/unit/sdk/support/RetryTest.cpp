#include <doctest/doctest.h>

#include <rexray/sdk/support/Retry.hpp>

#include <set>
#include <stdexcept>
#include <vector>

using rexray::sdk::support::backoffDelayMs;
using rexray::sdk::support::Deadline;
using rexray::sdk::support::RetryDecision;
using rexray::sdk::support::RetryPolicy;
using rexray::sdk::support::retryWithin;

namespace {

bool always(std::exception_ptr) {
  return true;
}

// An operation that fails `failures` times, then returns 7.
struct Flaky {
  int failures;
  int calls = 0;
  int operator()() {
    if (++calls <= failures) throw std::runtime_error("failure " + std::to_string(calls));
    return 7;
  }
};

} // namespace

TEST_CASE("retry: back-off grows, stays within its bounds and is jittered") {
  std::mt19937_64 rng(7);
  RetryPolicy p; // 100 ms, ×2, at most 5 s, jittered
  for (int retry = 0; retry < 40; ++retry) {
    const int64_t full = std::min<int64_t>(int64_t(100) << std::min(retry, 20), 5000);
    for (int i = 0; i < 20; ++i) {
      const int64_t d = backoffDelayMs(p, retry, rng);
      CHECK(d >= full / 2);
      CHECK(d <= full);
    }
  }
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(backoffDelayMs(p, 3, rng));
  CHECK(seen.size() > 5);

  p.jitter = false;
  CHECK(backoffDelayMs(p, 0, rng) == 100);
  CHECK(backoffDelayMs(p, 2, rng) == 400);
  CHECK(backoffDelayMs(p, 1000, rng) == 5000); // no overflow on long runs
  p.multiplier = 1.0;
  CHECK(backoffDelayMs(p, 9, rng) == 100);
}

TEST_CASE("retry: retryWithin retries until op succeeds") {
  Flaky op{2};
  std::vector<int64_t> waits;
  RetryPolicy p;
  p.jitter = false;
  CHECK(retryWithin(Deadline::in(60000), p, op, always, [&](int64_t ms) { waits.push_back(ms); }) ==
        7);
  CHECK(op.calls == 3);
  CHECK(waits == std::vector<int64_t>{100, 200});
}

TEST_CASE("retry: retryWithin never retries past maxAttempts") {
  Flaky op{100};
  RetryPolicy p;
  p.maxAttempts = 3;
  p.initialDelayMs = 1;
  try {
    retryWithin(Deadline::in(60000), p, op, always);
    FAIL("no error");
  } catch (const std::runtime_error &e) {
    CHECK(std::string(e.what()) == "failure 3"); // the last error, as thrown
  }
  CHECK(op.calls == 3);
}

TEST_CASE("retry: retryWithin gives up when the next wait does not fit the deadline") {
  Flaky op{100};
  RetryPolicy p; // until the deadline
  p.initialDelayMs = 40;
  p.jitter = false;
  const Deadline d = Deadline::in(400);
  CHECK_THROWS_AS(retryWithin(d, p, op, always), std::runtime_error);
  // 40 + 80 + 160 = 280 fits in 400 ms; the next 320 does not: rethrown at once.
  CHECK(op.calls <= 4); // fewer when a loaded machine oversleeps
  CHECK(op.calls >= 2);

  // A wait that does not fit is never started, even the first.
  Flaky once{1};
  std::vector<int64_t> waits;
  CHECK_THROWS(
      retryWithin(Deadline::in(30), p, once, always, [&](int64_t ms) { waits.push_back(ms); }));
  CHECK(waits.size() == 0);
  CHECK(once.calls == 1);
}

TEST_CASE("retry: no retry when shouldRetry says no, and it sees the error") {
  int calls = 0;
  std::string seen;
  auto op = [&]() -> void {
    ++calls;
    throw std::invalid_argument("bad request");
  };
  auto judge = [&](std::exception_ptr error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception &e) {
      seen = e.what();
    }
    return false;
  };
  CHECK_THROWS_AS(retryWithin(Deadline::in(60000), RetryPolicy{}, op, judge),
                  std::invalid_argument);
  CHECK(calls == 1);
  CHECK(seen == "bad request");
}

TEST_CASE("retry: a RetryDecision may set the wait (Retry-After)") {
  Flaky op{1};
  std::vector<int64_t> waits;
  auto judge = [](std::exception_ptr) { return RetryDecision{true, 1234}; };
  CHECK(retryWithin(Deadline::in(60000), RetryPolicy{}, op, judge,
                    [&](int64_t ms) { waits.push_back(ms); }) == 7);
  CHECK(waits == std::vector<int64_t>{1234});
  // ... and is still bound by the deadline.
  Flaky again{1};
  CHECK_THROWS(retryWithin(Deadline::in(1000), RetryPolicy{}, again, judge));
  CHECK(again.calls == 1);
}
