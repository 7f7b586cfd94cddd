#pragma once

#include "util/Deadline.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <memory>
#include <string>

namespace Poco::Net {
class HTTPClientSession;
}

namespace rexray {

// The CLI's side of the control API: one keep-alive connection on the
// daemon's unix socket. Errors come back as the daemon's rexray::Error.
// Every call carries what is left of the caller's deadline, which the daemon
// adopts as the request's own; the socket waits a little longer, so that the
// daemon's timeout error, not a dropped connection, is what the caller sees.
class ApiClient {
public:
  explicit ApiClient(std::string socketPath);
  ~ApiClient();

  // Returns the parsed JSON reply (object or array).
  Poco::Dynamic::Var call(const std::string &method, const std::string &path,
                          const Deadline &deadline, const Poco::JSON::Object::Ptr &body = nullptr);
  // The reply's text, for a caller that decodes it itself (a list of 10,000
  // volumes: json::parseVolumes).
  std::string callText(const std::string &method, const std::string &path, const Deadline &deadline,
                       const Poco::JSON::Object::Ptr &body = nullptr);

private:
  std::string _socketPath;
  std::unique_ptr<Poco::Net::HTTPClientSession> _session;
};

} // namespace rexray
