#include <doctest/doctest.h>

#include <rexray/sdk/support/Http.hpp>

#include <cstdlib>
#include <optional>
#include <string>

using rexray::sdk::support::Endpoint;
using rexray::sdk::support::proxyFor;

namespace {

// Sets (or clears) one environment variable for a scope.
class Env {
public:
  Env(const char *name, const char *value) : _name(name) {
    if (const char *old = std::getenv(name)) _old = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~Env() {
    if (_old)
      setenv(_name, _old->c_str(), 1);
    else
      unsetenv(_name);
  }

private:
  const char *_name;
  std::optional<std::string> _old;
};

} // namespace

TEST_CASE("proxy: chosen by scheme, bypassed by NO_PROXY and for loopback") {
  Env a("HTTPS_PROXY", nullptr), b("https_proxy", nullptr), c("HTTP_PROXY", nullptr),
      d("http_proxy", nullptr), e("NO_PROXY", "internal.example, .corp"), f("no_proxy", nullptr);
  const auto cloud = Endpoint::parse("https://api.cloud.example");
  CHECK_FALSE(proxyFor(cloud).has_value());

  Env p("HTTPS_PROXY", "http://proxy.example:3128");
  const auto via = proxyFor(cloud);
  REQUIRE(via.has_value());
  CHECK(via->first == "proxy.example");
  CHECK(via->second == 3128);
  CHECK_FALSE(
      proxyFor(Endpoint::parse("http://api.cloud.example")).has_value()); // HTTP_PROXY unset
  CHECK_FALSE(proxyFor(Endpoint::parse("https://127.0.0.1:9")).has_value());
  CHECK_FALSE(proxyFor(Endpoint::parse("https://gw.internal.example")).has_value());
  CHECK_FALSE(proxyFor(Endpoint::parse("https://x.corp")).has_value());

  Env bare("http_proxy", "plain.example");
  const auto plain = proxyFor(Endpoint::parse("http://api.cloud.example"));
  REQUIRE(plain.has_value());
  CHECK(plain->first == "plain.example");
  CHECK(plain->second == 80);

  Env all("NO_PROXY", "*");
  CHECK_FALSE(proxyFor(cloud).has_value());
}
