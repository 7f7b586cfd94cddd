#include <doctest/doctest.h>

#include <rexray/sdk/support/Deadline.hpp>

using rexray::sdk::support::Deadline;
using rexray::sdk::support::sleepWithin;

TEST_CASE("deadline: arithmetic on the monotonic clock") {
  const int64_t before = Deadline::nowMs();
  const Deadline d = Deadline::in(1000);
  CHECK(d.monoMs() >= before + 1000);
  CHECK(d.remainingMs() > 900);
  CHECK(d.remainingMs() <= 1000);
  CHECK_FALSE(d.expired());
  CHECK(Deadline(Deadline::nowMs() - 1).expired());
  CHECK(Deadline(Deadline::nowMs()).expired()); // nothing left is expired

  // capped(): the earlier of the two, never later than the original.
  CHECK(d.capped(100).remainingMs() <= 100);
  CHECK(d.capped(5000).monoMs() == d.monoMs());
}

TEST_CASE("deadline: of() takes the call's deadline, or the fallback from now") {
  rxr_call raw{};
  raw.struct_size = sizeof raw;
  raw.deadline_mono_ms = Deadline::nowMs() + 4242;
  CHECK(Deadline::of(rexray::sdk::Call(&raw), 10).monoMs() == raw.deadline_mono_ms);

  raw.deadline_mono_ms = 0; // none
  const Deadline fallback = Deadline::of(rexray::sdk::Call(&raw), 2000);
  CHECK(fallback.remainingMs() > 1900);
  CHECK(fallback.remainingMs() <= 2000);
  CHECK(Deadline::of(rexray::sdk::Call(nullptr), 300).remainingMs() <= 300);
}

TEST_CASE("deadline: sleepWithin sleeps the whole wait only when it fits") {
  const Deadline roomy = Deadline::in(5000);
  int64_t t0 = Deadline::nowMs();
  CHECK(sleepWithin(roomy, 50));
  CHECK(Deadline::nowMs() - t0 >= 50);

  const Deadline tight = Deadline::in(80);
  t0 = Deadline::nowMs();
  CHECK_FALSE(sleepWithin(tight, 10000));
  const int64_t slept = Deadline::nowMs() - t0;
  CHECK(slept >= 70);  // up to the deadline ...
  CHECK(slept < 5000); // ... and not the full wait
  CHECK(tight.expired());

  t0 = Deadline::nowMs();
  CHECK_FALSE(sleepWithin(tight, 100)); // already past: no sleep at all
  CHECK(sleepWithin(tight, 0));         // a zero wait always fits
  CHECK(Deadline::nowMs() - t0 < 5000);
}
