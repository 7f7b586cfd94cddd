#include <doctest/doctest.h>

#include "LocalServer.h"

#include <rexray/sdk/support/Http.hpp>

namespace support = rexray::sdk::support;
using support::Deadline;
using support::Endpoint;
using support::HttpRequest;
using support::TlsOptions;
using support::TransportError;
using supporttest::LocalServer;
using supporttest::SelfSigned;

namespace {

void hello(Poco::Net::HTTPServerRequest &, Poco::Net::HTTPServerResponse &res) {
  res.send() << "secure hello";
}

support::HttpResponse get(const LocalServer &server, const TlsOptions &tls) {
  HttpRequest r;
  r.endpoint = Endpoint::parse(server.url("https"));
  return support::exchange(r, Deadline::in(5000), tls);
}

} // namespace

TEST_CASE("https: verify=false accepts a self-signed certificate (a gateway's 'insecure')") {
  SelfSigned pki;
  REQUIRE_MESSAGE(pki.ok, "the openssl CLI is needed to make a test certificate");
  LocalServer server(hello, pki.socket());
  TlsOptions insecure;
  insecure.verify = false;
  CHECK(get(server, insecure).body == "secure hello");
}

TEST_CASE("https: verify=true refuses a self-signed certificate") {
  SelfSigned pki;
  REQUIRE(pki.ok);
  LocalServer server(hello, pki.socket());
  try {
    get(server, TlsOptions{});
    FAIL("a self-signed certificate was trusted");
  } catch (const TransportError &e) {
    CHECK(e.kind() == TransportError::Kind::Tls);
    CHECK(std::string(e.what()).find("TLS with https://127.0.0.1:") == 0);
  }
}

TEST_CASE("https: verify=true with the certificate as caFile trusts it") {
  SelfSigned pki;
  REQUIRE(pki.ok);
  LocalServer server(hello, pki.socket());
  TlsOptions pinned;
  pinned.caFile = pki.cert();
  CHECK(get(server, pinned).body == "secure hello");
}

TEST_CASE("https: a missing CA file is a Tls error naming it") {
  TlsOptions broken;
  broken.caFile = "/nonexistent/ca.pem";
  HttpRequest r;
  r.endpoint = Endpoint::parse("https://127.0.0.1:9");
  try {
    support::exchange(r, Deadline::in(5000), broken);
    FAIL("a missing CA file was accepted");
  } catch (const TransportError &e) {
    CHECK(e.kind() == TransportError::Kind::Tls);
    CHECK(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
  }
}
