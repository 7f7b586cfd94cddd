#include <doctest/doctest.h>

#include "LocalServer.h"

#include <rexray/sdk/support/Http.hpp>

#include <Poco/StreamCopier.h>

#include <optional>
#include <sstream>

namespace support = rexray::sdk::support;
using support::Deadline;
using support::Endpoint;
using support::exchange;
using support::HttpRequest;
using support::TransportError;
using supporttest::LocalServer;

namespace {

HttpRequest to(const std::string &url, const std::string &path = "/") {
  HttpRequest r;
  r.endpoint = Endpoint::parse(url);
  r.path = path;
  return r;
}

// The error an exchange ends with; nullopt when it got a response.
std::optional<TransportError> failure(const HttpRequest &request, const Deadline &deadline) {
  try {
    exchange(request, deadline);
  } catch (const TransportError &e) {
    return e;
  }
  return std::nullopt;
}

} // namespace

TEST_CASE("http: status, reason, headers and body both ways") {
  LocalServer server([](Poco::Net::HTTPServerRequest &req, Poco::Net::HTTPServerResponse &res) {
    std::ostringstream in;
    Poco::StreamCopier::copyStream(req.stream(), in);
    res.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_CREATED, "Made It");
    res.set("X-Echo-Method", req.getMethod());
    res.set("X-Echo-Uri", req.getURI());
    res.set("X-Echo-Host", req.getHost());
    res.set("X-Echo-Auth", req.get("Authorization", ""));
    res.setContentType("text/plain");
    res.send() << "got:" << in.str();
  });
  HttpRequest r = to(server.url() + "/api/", "/volumes?name=a");
  r.method = "POST";
  r.body = "{\"size\":1}";
  r.headers = {{"Authorization", support::basicAuthorization("admin", "s3cr:t")},
               {"Host", "ignored.example"}};
  const auto res = exchange(r, Deadline::in(5000));
  CHECK(res.status == 201);
  CHECK(res.reason == "Made It");
  CHECK(res.body == "got:{\"size\":1}");
  CHECK(res.header("x-echo-method") == "POST");
  CHECK(res.header("X-ECHO-URI") == "/api/volumes?name=a");
  CHECK(res.header("X-Echo-Host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(res.header("X-Echo-Auth") == "Basic YWRtaW46czNjcjp0"); // base64("admin:s3cr:t")
  CHECK(res.header("Content-Type") == "text/plain");
  CHECK_FALSE(res.header("X-Missing").has_value());
}

TEST_CASE("http: any status is a response, not an error") {
  LocalServer server([](Poco::Net::HTTPServerRequest &, Poco::Net::HTTPServerResponse &res) {
    res.setStatus(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
    res.send() << "busy";
  });
  const auto res = exchange(to(server.url()), Deadline::in(5000));
  CHECK(res.status == 503);
  CHECK(res.body == "busy");
}

TEST_CASE("http: basic authorization is one unwrapped line") {
  CHECK(support::basicAuthorization("", "") == "Basic Og==");
  const std::string longOne = support::basicAuthorization(std::string(200, 'u'), "p");
  CHECK(longOne.find('\n') == std::string::npos);
  CHECK(longOne.find('\r') == std::string::npos);
}

TEST_CASE("http: a server that stalls before answering is cut off at the deadline") {
  LocalServer *self = nullptr;
  LocalServer server([&](Poco::Net::HTTPServerRequest &, Poco::Net::HTTPServerResponse &res) {
    self->wait(10000);
    res.send() << "late";
  });
  self = &server;
  const int64_t t0 = Deadline::nowMs();
  const auto e = failure(to(server.url()), Deadline::in(300));
  REQUIRE_MESSAGE(e, "a stalled server answered");
  CHECK(e->kind() == TransportError::Kind::Timeout);
  CHECK(e->requestSent());
  const int64_t took = Deadline::nowMs() - t0;
  CHECK(took >= 250);
  CHECK(took < 5000); // the server would have answered after 10 s
}

TEST_CASE("http: a body that trickles is cut off at the deadline, not per read") {
  LocalServer *self = nullptr;
  LocalServer server([&](Poco::Net::HTTPServerRequest &, Poco::Net::HTTPServerResponse &res) {
    res.setContentLength(1000);
    std::ostream &out = res.send();
    for (int i = 0; i < 100; ++i) {
      out << "0123456789" << std::flush;
      self->wait(100); // each byte well inside a per-read timeout
    }
  });
  self = &server;
  // The whole body takes 10 s, each read a tenth of a second: only the
  // request's deadline can end the exchange with a Timeout.
  const auto e = failure(to(server.url()), Deadline::in(500));
  REQUIRE(e);
  CHECK(e->kind() == TransportError::Kind::Timeout);
}

TEST_CASE("http: an expired deadline fails at once, without connecting") {
  int calls = 0;
  LocalServer server([&](Poco::Net::HTTPServerRequest &, Poco::Net::HTTPServerResponse &res) {
    ++calls;
    res.send() << "ok";
  });
  const auto e = failure(to(server.url()), Deadline(Deadline::nowMs() - 1));
  REQUIRE_MESSAGE(e, "an expired deadline was ignored");
  CHECK(e->kind() == TransportError::Kind::Timeout);
  CHECK_FALSE(e->requestSent());
  CHECK(calls == 0);
}

TEST_CASE("http: a refused connection is a Connect error naming the origin") {
  // A port just freed by a server of our own: nothing listens there now.
  uint16_t port = 0;
  {
    Poco::Net::ServerSocket s(LocalServer::loopbackAnyPort());
    port = s.address().port();
  }
  const auto e = failure(to("http://127.0.0.1:" + std::to_string(port)), Deadline::in(5000));
  REQUIRE_MESSAGE(e, "connected to a closed port");
  CHECK(e->kind() == TransportError::Kind::Connect);
  CHECK(std::string(e->what()) ==
        "cannot connect to http://127.0.0.1:" + std::to_string(port) + ": connection refused");
  CHECK(e->detail().find("Connection refused") != std::string::npos);
}

TEST_CASE("http: a response larger than the limit is refused") {
  LocalServer server([](Poco::Net::HTTPServerRequest &, Poco::Net::HTTPServerResponse &res) {
    res.send() << std::string(100000, 'x');
  });
  HttpRequest r = to(server.url());
  r.maxResponseBytes = 1000;
  CHECK_THROWS_AS(exchange(r, Deadline::in(5000)), TransportError);
}

TEST_CASE("http: a body cut short of its Content-Length is an Io error") {
  LocalServer server([](Poco::Net::HTTPServerRequest &, Poco::Net::HTTPServerResponse &res) {
    res.setContentLength(100);
    res.send() << "only ten.."; // and the connection closes
  });
  const auto e = failure(to(server.url()), Deadline::in(5000));
  REQUIRE_MESSAGE(e, "a truncated body was taken for the whole");
  CHECK(e->kind() == TransportError::Kind::Io);
  CHECK(e->requestSent());
}
