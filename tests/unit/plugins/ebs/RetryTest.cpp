#include <doctest/doctest.h>

#include "EbsTestSupport.h"
#include "ebs/Credentials.h"
#include "ebs/Ec2Client.h"
#include "ebs/Ec2Error.h"
#include "ebs/Retry.h"
#include "ebs/SigV4.h"

#include <atomic>

namespace retry = rexray::ebs::retry;
using rexray::ebs::Credentials;
using rexray::ebs::Ec2Client;
using rexray::ebs::Ec2Error;
using rexray::ebs::StaticCredentials;

TEST_CASE("retry: classification") {
  CHECK(retry::classify(503, "RequestLimitExceeded") == retry::Kind::Throttled);
  CHECK(retry::classify(400, "Throttling") == retry::Kind::Throttled);
  CHECK(retry::classify(400, "RequestThrottled") == retry::Kind::Throttled);
  CHECK(retry::classify(429, "") == retry::Kind::Throttled);
  CHECK(retry::classify(503, "") == retry::Kind::Throttled);
  CHECK(retry::classify(503, "Unavailable") == retry::Kind::Throttled);
  CHECK(retry::classify(500, "InternalError") == retry::Kind::Transient);
  CHECK(retry::classify(502, "") == retry::Kind::Transient);
  CHECK(retry::classify(0, "") == retry::Kind::Transient); // no response at all
  CHECK(retry::classify(400, "RequestExpired") == retry::Kind::Resign);
  // Client errors are never retried.
  for (const char *code : {"InvalidParameterValue", "InvalidVolume.NotFound", "VolumeInUse",
                           "AuthFailure", "SignatureDoesNotMatch", "IncorrectState", ""})
    CHECK(retry::classify(400, code) == retry::Kind::None);
  CHECK(retry::classify(401, "AuthFailure") == retry::Kind::None);
  CHECK(retry::classify(403, "UnauthorizedOperation") == retry::Kind::None);
}

TEST_CASE("retry: jittered exponential back-off stays in its bounds") {
  std::mt19937_64 rng(42);
  for (int n = 0; n < 12; ++n) {
    for (int i = 0; i < 50; ++i) {
      const int64_t t = retry::backoffMs(retry::Kind::Transient, n, rng);
      CHECK(t >= std::min<int64_t>((int64_t(1) << n) * 30, 20000));
      CHECK(t <= std::min<int64_t>((int64_t(1) << n) * 59, 20000));
      const int64_t th = retry::backoffMs(retry::Kind::Throttled, n, rng);
      CHECK(th >= std::min<int64_t>((int64_t(1) << std::min(n, 8)) * 500, 20000));
      CHECK(th <= std::min<int64_t>((int64_t(1) << std::min(n, 8)) * 999, 20000));
    }
  }
  CHECK(retry::backoffMs(retry::Kind::None, 3, rng) == 0);
  CHECK(retry::backoffMs(retry::Kind::Throttled, 0, rng, 100) <= 100);
  // Jitter: not every delay is the same.
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(retry::backoffMs(retry::Kind::Throttled, 1, rng));
  CHECK(seen.size() > 5);
  CHECK(retry::retryAfterMs("3") == 3000);
  CHECK_FALSE(retry::retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
}

namespace {

const char *kOk =
    R"(<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><volumeSet/></DescribeVolumesResponse>)";

struct Fixture {
  ebstest::CleanAwsEnv env;
  StaticCredentials creds{Credentials{"AKIDTEST", "secret/key", "", 0, "test"}};
  std::vector<int64_t> sleeps;
  std::unique_ptr<Ec2Client> client(const std::string &url, int maxRetries = 10) {
    Ec2Client::Options o;
    o.endpoint = url;
    o.region = "us-east-1";
    o.maxRetries = maxRetries;
    auto c = std::make_unique<Ec2Client>(o, creds, rexray::sdk::Host(nullptr));
    c->setSleeper([this](int64_t ms) { sleeps.push_back(ms); });
    return c;
  }
};

} // namespace

TEST_CASE("ec2 client: a signed form POST the server can verify") {
  Fixture f;
  ebstest::FakeServer server([](const ebstest::SeenRequest &) {
    return ebstest::Reply{200, kOk, {}};
  });
  auto c = f.client(server.url());
  ebstest::TestCall call(10000);
  c->call(call.call(), "DescribeVolumes", {{"VolumeId.1", "vol-049df61146c4d7901"}});
  auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  const auto &r = seen[0];
  CHECK(r.method == "POST");
  CHECK(r.uri == "/");
  CHECK(r.body == "Action=DescribeVolumes&Version=2016-11-15&VolumeId.1=vol-049df61146c4d7901");
  CHECK(r.headers.at("content-type") == "application/x-www-form-urlencoded; charset=utf-8");
  CHECK(r.headers.count("x-amz-security-token") == 0);
  // Recompute the signature from what arrived, as the proxy in front of moto does.
  rexray::ebs::sigv4::Request again;
  again.body = r.body;
  again.headers = {{"content-length", r.headers.at("content-length")},
                   {"content-type", r.headers.at("content-type")},
                   {"host", r.headers.at("host")},
                   {"x-amz-date", r.headers.at("x-amz-date")}};
  const auto s = rexray::ebs::sigv4::sign(again, {"AKIDTEST", "secret/key", ""}, "us-east-1", "ec2",
                                          r.headers.at("x-amz-date"));
  CHECK(r.headers.at("authorization") == s.authorization);
  CHECK(r.headers.at("host") == server.url().substr(7));
}

TEST_CASE("ec2 client: throttling and 5xx are retried with back-off, then succeed") {
  Fixture f;
  std::atomic<int> n{0};
  ebstest::FakeServer server([&](const ebstest::SeenRequest &) {
    switch (n++) {
    case 0:
    case 1:
      return ebstest::Reply{
          503, ebstest::ec2Error("RequestLimitExceeded", "Request limit exceeded."), {}};
    case 2:
      return ebstest::Reply{
          500, ebstest::ec2Error("InternalError", "An internal error has occurred"), {}};
    case 3: return ebstest::Reply{502, "<html>bad gateway</html>", {}};
    default: return ebstest::Reply{200, kOk, {}};
    }
  });
  auto c = f.client(server.url());
  ebstest::TestCall call(600000);
  CHECK(c->call(call.call(), "DescribeVolumes", {}) == kOk);
  CHECK(server.count() == 5);
  REQUIRE(f.sleeps.size() == 4);
  CHECK(f.sleeps[0] >= 500); // throttled: long back-off
  CHECK(f.sleeps[1] >= 1000);
  CHECK(f.sleeps[2] >= 120); // transient: 2^2 × [30,60)
  CHECK(f.sleeps[2] < 240);
  CHECK(f.sleeps[3] >= 240);
}

TEST_CASE("ec2 client: Retry-After is honoured") {
  Fixture f;
  std::atomic<int> n{0};
  ebstest::FakeServer server([&](const ebstest::SeenRequest &) {
    if (n++ == 0)
      return ebstest::Reply{
          503, ebstest::ec2Error("RequestLimitExceeded", "slow down"), {{"Retry-After", "7"}}};
    return ebstest::Reply{200, kOk, {}};
  });
  auto c = f.client(server.url());
  ebstest::TestCall call(600000);
  c->call(call.call(), "DescribeVolumes", {});
  REQUIRE(f.sleeps.size() == 1);
  CHECK(f.sleeps[0] == 7000);
}

TEST_CASE("ec2 client: other 4xx are never retried and keep EC2's code and message") {
  Fixture f;
  ebstest::FakeServer server([](const ebstest::SeenRequest &) {
    return ebstest::Reply{400,
                          ebstest::ec2Error("InvalidParameterValue",
                                            "Invalid value '/dev/xvdf' for unixDevice. "
                                            "Attachment point /dev/xvdf is already in use"),
                          {}};
  });
  auto c = f.client(server.url());
  ebstest::TestCall call(10000);
  try {
    c->call(call.call(), "AttachVolume", {{"Device", "/dev/xvdf"}});
    FAIL("expected an error");
  } catch (const Ec2Error &e) {
    CHECK(e.status() == RXR_E_INVALID);
    CHECK(e.code() == "InvalidParameterValue");
    CHECK(e.httpStatus() == 400);
    const std::string msg = e.what();
    CHECK(msg.find("AttachVolume") != std::string::npos);
    CHECK(msg.find("InvalidParameterValue") != std::string::npos);
    CHECK(msg.find("already in use") != std::string::npos);
    CHECK(msg.find("b4c1-test") != std::string::npos);
  }
  CHECK(server.count() == 1);
  CHECK(f.sleeps.empty());
}

TEST_CASE("ec2 client: AuthFailure is RXR_E_AUTH with a clear message, not retried") {
  Fixture f;
  ebstest::FakeServer server([](const ebstest::SeenRequest &) {
    return ebstest::Reply{
        401,
        ebstest::ec2Error("AuthFailure",
                          "AWS was not able to validate the provided access credentials"),
        {}};
  });
  auto c = f.client(server.url());
  ebstest::TestCall call(10000);
  try {
    c->call(call.call(), "DescribeVolumes", {});
    FAIL("expected an error");
  } catch (const Ec2Error &e) {
    CHECK(e.status() == RXR_E_AUTH);
    const std::string msg = e.what();
    CHECK(msg.find("AuthFailure") != std::string::npos);
    CHECK(msg.find("not able to validate") != std::string::npos);
    CHECK(msg.find("AKID") != std::string::npos); // which key was refused (masked)
    CHECK(msg.find("secret/key") == std::string::npos);
  }
  CHECK(server.count() == 1);
}

TEST_CASE("ec2 client: retries are bounded by maxRetries and by the deadline") {
  Fixture f;
  ebstest::FakeServer server([](const ebstest::SeenRequest &) {
    return ebstest::Reply{
        500, ebstest::ec2Error("InternalError", "An internal error has occurred"), {}};
  });
  {
    auto c = f.client(server.url(), 3);
    ebstest::TestCall call(600000);
    try {
      c->call(call.call(), "DescribeVolumes", {});
      FAIL("expected an error");
    } catch (const Ec2Error &e) {
      CHECK(e.status() == RXR_E_BACKEND);
      CHECK(std::string(e.what()).find("gave up after 4 attempts") != std::string::npos);
    }
    CHECK(server.count() == 4);
  }
  {
    // Throttled with a deadline shorter than the first back-off: TIMEOUT at once.
    ebstest::FakeServer throttling([](const ebstest::SeenRequest &) {
      return ebstest::Reply{
          503, ebstest::ec2Error("RequestLimitExceeded", "Request limit exceeded."), {}};
    });
    auto c = f.client(throttling.url(), 10);
    ebstest::TestCall call(300);
    try {
      c->call(call.call(), "DescribeVolumes", {});
      FAIL("expected an error");
    } catch (const Ec2Error &e) {
      CHECK(e.status() == RXR_E_TIMEOUT);
      CHECK(std::string(e.what()).find("RequestLimitExceeded") != std::string::npos);
      CHECK(std::string(e.what()).find("deadline") != std::string::npos);
    }
    CHECK(throttling.count() == 1);
  }
}

TEST_CASE("ec2 client: a refused connection is retried, then reported") {
  Fixture f;
  // A port nobody listens on: bind, remember, close.
  std::string url;
  {
    ebstest::FakeServer s([](const ebstest::SeenRequest &) { return ebstest::Reply{}; });
    url = s.url();
  }
  auto c = f.client(url, 2);
  ebstest::TestCall call(600000);
  try {
    c->call(call.call(), "DescribeVolumes", {});
    FAIL("expected an error");
  } catch (const Ec2Error &e) {
    CHECK(e.status() == RXR_E_BACKEND);
    CHECK(std::string(e.what()).find("connection refused") != std::string::npos);
  }
  CHECK(f.sleeps.size() == 2);
}
