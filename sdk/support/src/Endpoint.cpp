#include <rexray/sdk/support/Endpoint.hpp>

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <stdexcept>

namespace rexray::sdk::support {

namespace {

[[noreturn]] void refuse(const std::string &url, const std::string &why) {
  throw std::invalid_argument("invalid URL '" + url + "': " + why);
}

} // namespace

Endpoint Endpoint::parse(const std::string &url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(Poco::trim(url));
  } catch (const Poco::Exception &e) {
    refuse(url, e.displayText());
  }
  Endpoint e;
  e.scheme = Poco::toLower(uri.getScheme());
  if (e.scheme != "http" && e.scheme != "https") refuse(url, "the scheme must be http or https");
  e.host = uri.getHost();
  if (e.host.empty()) refuse(url, "no host");
  if (!uri.getQuery().empty() || !uri.getFragment().empty())
    refuse(url, "no query or fragment allowed");
  const uint16_t standard = e.scheme == "https" ? 443 : 80;
  e.port = uri.getPort() ? uri.getPort() : standard;
  e.path = uri.getPath();
  while (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
  // An IPv6 literal needs its brackets back in a Host header and a URL.
  const std::string bracketed = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  e.hostHeader = e.port == standard ? bracketed : bracketed + ":" + std::to_string(e.port);
  e.origin = e.scheme + "://" + e.hostHeader;
  return e;
}

bool Endpoint::loopback() const {
  const std::string h = Poco::toLower(host);
  return h == "localhost" || Poco::startsWith(h, std::string("127.")) || h == "::1";
}

} // namespace rexray::sdk::support
