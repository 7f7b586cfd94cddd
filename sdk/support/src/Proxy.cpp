// Which proxy, if any, carries a request: the conventions curl and Go share
// (HTTPS_PROXY / HTTP_PROXY by the target's scheme, either case, and
// NO_PROXY as a comma-separated list of host suffixes or "*").
#include <rexray/sdk/support/Http.hpp>

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <Poco/URI.h>

#include <cstdlib>
#include <initializer_list>

namespace rexray::sdk::support {

namespace {

std::string firstSet(std::initializer_list<const char *> names) {
  for (const char *name : names)
    if (const char *value = std::getenv(name); value && *value) return value;
  return "";
}

bool bypassed(const std::string &host, const std::string &noProxy) {
  const std::string h = Poco::toLower(host);
  const Poco::StringTokenizer items(
      noProxy, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  for (const auto &item : items) {
    std::string entry = Poco::toLower(item);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    // "host:port" entries match the host on any port: one client, few ports.
    if (const auto colon = entry.find(':'); colon != std::string::npos && entry[0] != '[')
      entry.resize(colon);
    if (entry[0] == '.') entry.erase(0, 1);
    if (h == entry || Poco::endsWith(h, "." + entry)) return true;
  }
  return false;
}

} // namespace

std::optional<std::pair<std::string, uint16_t>> proxyFor(const Endpoint &endpoint) {
  if (endpoint.loopback()) return std::nullopt;
  const std::string proxy = endpoint.scheme == "https" ? firstSet({"HTTPS_PROXY", "https_proxy"})
                                                       : firstSet({"HTTP_PROXY", "http_proxy"});
  if (proxy.empty() || bypassed(endpoint.host, firstSet({"NO_PROXY", "no_proxy"})))
    return std::nullopt;
  try {
    const Poco::URI uri(proxy.find("://") == std::string::npos ? "http://" + proxy : proxy);
    if (uri.getHost().empty()) return std::nullopt;
    return std::make_pair(uri.getHost(), uri.getPort() ? uri.getPort() : uint16_t(80));
  } catch (const Poco::Exception &) {
    // A proxy setting that is not a URL is ignored, as curl does.
    return std::nullopt;
  }
}

} // namespace rexray::sdk::support
