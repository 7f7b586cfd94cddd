#include "daemon/ServiceDirectory.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>

using namespace rexray;
using namespace std::chrono_literals;

namespace {

// The error get() throws, with its kind.
std::pair<ErrorKind, std::string> failureOf(const ServiceDirectory &d, const Deadline &deadline) {
  try {
    d.get("svc", deadline);
  } catch (const Error &e) {
    return {e.kind(), e.what()};
  }
  FAIL("get() did not throw");
  return {};
}

} // namespace

TEST_CASE("ServiceDirectory: a starting service holds a request until its own deadline") {
  ServiceDirectory d({"svc"});
  const Deadline deadline = Deadline::in(50ms);
  const auto [kind, message] = failureOf(d, deadline);
  CHECK(kind == ErrorKind::Timeout);
  CHECK(message.find("still starting") != std::string::npos);
  CHECK(deadline.expired()); // it waited, rather than refusing at once
}

TEST_CASE("ServiceDirectory: a request held for a starting service hears how the start ended") {
  ServiceDirectory d({"svc"});
  const Deadline deadline = Deadline::in(60s);
  std::thread starter([&] {
    std::this_thread::sleep_for(20ms);
    d.markFailed("svc", "driver init failed");
  });
  const auto [kind, message] = failureOf(d, deadline);
  starter.join();
  CHECK(kind == ErrorKind::Backend);
  CHECK(message.find("driver init failed") != std::string::npos);
  CHECK_FALSE(deadline.expired());
}

TEST_CASE("ServiceDirectory: an unavailable service answers at once with the last error") {
  ServiceDirectory d({"svc"});
  d.markUnavailable("svc", "cannot connect: Connection refused");
  // A request with a long deadline is not held for the next attempt: the
  // bound is the ("requests must not wait past their own deadline").
  const Deadline deadline = Deadline::in(60s);
  const auto [kind, message] = failureOf(d, deadline);
  CHECK(deadline.remaining() > 30s);
  CHECK(kind == ErrorKind::Backend);
  CHECK(message == "service 'svc' is not available yet (retrying): cannot connect: Connection "
                   "refused");
  d.markUnavailable("svc", "a newer error");
  CHECK(failureOf(d, deadline).second.find("a newer error") != std::string::npos);
  const auto statuses = d.statuses();
  REQUIRE(statuses.size() == 1);
  CHECK(std::string(stateName(statuses[0].state)) == "unavailable");
  CHECK(statuses[0].error == "a newer error");
  CHECK(d.readyServices().empty());
}

TEST_CASE("ServiceDirectory: a failed service names its failure") {
  ServiceDirectory d({"svc"});
  d.markFailed("svc", "bad configuration");
  const auto [kind, message] = failureOf(d, Deadline::in(60s));
  CHECK(kind == ErrorKind::Backend);
  CHECK(message == "service 'svc' failed to start: bad configuration");
  CHECK_THROWS_AS(d.get("other", Deadline::in(1s)), Error);
}
