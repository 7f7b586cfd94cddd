#ifndef REXRAY_SDK_SUPPORT_ENDPOINT_HPP
#define REXRAY_SDK_SUPPORT_ENDPOINT_HPP

#include <cstdint>
#include <string>

namespace rexray::sdk::support {

// "scheme://host[:port][/base]" taken apart once, at configuration time, so
// a bad URL is refused when the driver starts rather than at the first call.
struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string host;       // without brackets
  uint16_t port = 0;      // the scheme's when the URL names none
  std::string path;       // "" or "/base" (no trailing slash)
  std::string hostHeader; // "host" or "host:port" when the port is not the scheme's
  std::string origin;     // "scheme://hostHeader"

  // Throws std::invalid_argument naming the URL and what is wrong with it.
  static Endpoint parse(const std::string &url);
  // localhost, 127.0.0.0/8 or ::1: never reached through a proxy.
  bool loopback() const;
};

} // namespace rexray::sdk::support

#endif // REXRAY_SDK_SUPPORT_ENDPOINT_HPP
