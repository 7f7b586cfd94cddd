#include <rexray/sdk/support/Http.hpp>

#include <Poco/Base64Encoder.h>

#include <sstream>

namespace rexray::sdk::support {

std::string basicAuthorization(const std::string &user, const std::string &password) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  // One line: a wrapped value would end the header early.
  encoder.rdbuf()->setLineLength(0);
  encoder << user << ':' << password;
  encoder.close();
  return "Basic " + out.str();
}

} // namespace rexray::sdk::support
