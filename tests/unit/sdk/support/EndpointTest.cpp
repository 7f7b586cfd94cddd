#include <doctest/doctest.h>

#include <rexray/sdk/support/Endpoint.hpp>

#include <stdexcept>
#include <string>

using rexray::sdk::support::Endpoint;

TEST_CASE("endpoint: URLs taken apart") {
  const auto e = Endpoint::parse("https://gateway.example/");
  CHECK(e.scheme == "https");
  CHECK(e.host == "gateway.example");
  CHECK(e.port == 443);
  CHECK(e.path == "");
  CHECK(e.hostHeader == "gateway.example");
  CHECK(e.origin == "https://gateway.example");
  CHECK_FALSE(e.loopback());

  const auto l = Endpoint::parse(" HTTP://127.0.0.1:8788/api/ ");
  CHECK(l.scheme == "http");
  CHECK(l.port == 8788);
  CHECK(l.path == "/api");
  CHECK(l.hostHeader == "127.0.0.1:8788");
  CHECK(l.loopback());

  const auto v6 = Endpoint::parse("http://[::1]:18083");
  CHECK(v6.host == "::1");
  CHECK(v6.hostHeader == "[::1]:18083");
  CHECK(v6.loopback());
  CHECK(Endpoint::parse("http://localhost").loopback());
  CHECK(Endpoint::parse("http://h:80").hostHeader == "h"); // the scheme's port is implied
}

TEST_CASE("endpoint: what is refused, with a message naming the URL and why") {
  const auto why = [](const std::string &url) {
    try {
      Endpoint::parse(url);
    } catch (const std::invalid_argument &e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(why("ftp://h") == "invalid URL 'ftp://h': the scheme must be http or https");
  CHECK(why("gateway.example") != "accepted");
  CHECK(why("http://") == "invalid URL 'http://': no host");
  CHECK(why("http://h/?q=1") == "invalid URL 'http://h/?q=1': no query or fragment allowed");
  CHECK(why("http://h/#top") != "accepted");
  CHECK(why("http://h:99999").find("invalid URL 'http://h:99999'") == 0);
}
