#include <doctest/doctest.h>

#include "ScaleioTestSupport.h"
#include "scaleio/Gateway.h"
#include "scaleio/GatewayError.h"

using namespace rexray::scaleio;
using rexray::sdk::support::Deadline;
using siotest::FakeGateway;

namespace {

struct Fixture {
  FakeGateway *fake;
  Gateway gateway;
  explicit Fixture(std::string password = "pw")
      : fake(new FakeGateway),
        gateway(std::unique_ptr<GatewayTransport>(fake),
                Credentials{"admin", std::move(password), "", "http://gw:1/api"}, fastRetry()) {
    fake->reply("GET /api/types/System/instances", 200, "[]");
    fake->reply("POST /api/types/System/instances", 200, "{}");
  }
  static rexray::sdk::support::RetryPolicy fastRetry() {
    auto p = Gateway::defaultRetry();
    p.initialDelayMs = 1;
    p.maxDelayMs = 1;
    return p;
  }
};

} // namespace

TEST_CASE("gateway: login, version, then Basic \":\"+token with the version") {
  Fixture f;
  CHECK(f.gateway.get("/api/types/System/instances", Deadline::in(5000)) == "[]");
  REQUIRE(f.fake->requests.size() == 3);
  CHECK(f.fake->requests[0].path == "/api/login");
  CHECK(f.fake->requests[1].path == "/api/version");
  const auto &call = f.fake->requests[2];
  CHECK(FakeGateway::header(call, "Authorization") ==
        rexray::sdk::support::basicAuthorization("", "token-1"));
  CHECK(FakeGateway::header(call, "Accept") == "application/json;version=2.5");
  f.gateway.post("/api/types/System/instances", "{}", Deadline::in(5000));
  CHECK(FakeGateway::header(f.fake->requests.back(), "Content-Type") ==
        "application/json;version=2.5");
  CHECK(f.gateway.logins() == 1);
}

TEST_CASE("gateway: an expired token means one new login and a replay") {
  Fixture f;
  f.gateway.get("/api/types/System/instances", Deadline::in(5000));
  f.fake->rejectNextTokens = 1;
  CHECK(f.gateway.get("/api/types/System/instances", Deadline::in(5000)) == "[]");
  CHECK(f.gateway.logins() == 2);
  CHECK(f.fake->count("GET", "/api/version") == 1); // the version is kept
  CHECK(FakeGateway::header(f.fake->requests.back(), "Authorization") ==
        rexray::sdk::support::basicAuthorization("", "token-2"));
}

TEST_CASE("gateway: a second 401 after the new login is an auth error, not a loop") {
  Fixture f;
  f.gateway.get("/api/types/System/instances", Deadline::in(5000));
  f.fake->rejectNextTokens = 2;
  try {
    f.gateway.get("/api/types/System/instances", Deadline::in(5000));
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_AUTH);
  }
  CHECK(f.gateway.logins() == 2);
}

TEST_CASE("gateway: wrong credentials name the gateway and user, never the password") {
  Fixture f("wrong-secret");
  try {
    f.gateway.get("/api/types/System/instances", Deadline::in(5000));
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_AUTH);
    CHECK(std::string(e.what()).find("'admin'") != std::string::npos);
    CHECK(std::string(e.what()).find("http://gw:1/api") != std::string::npos);
    CHECK(std::string(e.what()).find("wrong-secret") == std::string::npos);
  }
}

TEST_CASE("gateway: 503 is retried, other errors are not") {
  Fixture f;
  int calls = 0;
  f.fake->routes["GET /api/flaky"] = [&](const GatewayRequest &) {
    return ++calls < 3 ? GatewayReply{503, siotest::errorBody(503, 0, "MDM unreachable")}
                       : GatewayReply{200, "\"ok\""};
  };
  CHECK(f.gateway.get("/api/flaky", Deadline::in(5000)) == "\"ok\"");
  CHECK(calls == 3);
  f.fake->reply("GET /api/instances/Volume::x", 500,
                siotest::errorBody(500, 79, "Could not find the volume"));
  try {
    f.gateway.get("/api/instances/Volume::x", Deadline::in(5000));
    FAIL("no error");
  } catch (const GatewayError &e) {
    CHECK(e.status() == RXR_E_NOT_FOUND);
    CHECK(e.errorCode() == 79);
  }
  CHECK(f.fake->count("GET", "/api/instances/Volume::x") == 1);
}

TEST_CASE("gateway: an unreachable gateway is retried until the deadline, then a timeout") {
  struct Refusing : GatewayTransport {
    int attempts = 0;
    GatewayReply send(const GatewayRequest &, const Deadline &) override {
      ++attempts;
      throw rexray::sdk::support::TransportError(
          rexray::sdk::support::TransportError::Kind::Connect, "connection refused");
    }
  };
  auto *t = new Refusing;
  auto policy = Gateway::defaultRetry();
  policy.maxAttempts = 0; // until the deadline
  policy.initialDelayMs = 20;
  Gateway g(std::unique_ptr<GatewayTransport>(t),
            Credentials{"admin", "pw", "2.0", "http://gw:1/api"}, policy);
  const auto started = Deadline::nowMs();
  try {
    g.get("/api/types/System/instances", Deadline::in(300));
    FAIL("no error");
  } catch (const rexray::sdk::Error &e) {
    CHECK((e.status() == RXR_E_TIMEOUT || e.status() == RXR_E_BACKEND));
  }
  CHECK(Deadline::nowMs() - started < 1500);
  CHECK(t->attempts > 1);
}
