#include "csi/CsiSettings.h"

#include "config/Config.h"
#include "config/CoreKeys.h"
#include "util/Error.h"

#include <Poco/String.h>

namespace rexray {
namespace {

// Orchestrators write the endpoint as unix:///path (Kubernetes) or
// unix:/path; a plain absolute path is taken as it is.
std::string socketPathOf(const std::string &endpoint) {
  std::string path = endpoint;
  if (path.rfind("unix://", 0) == 0)
    path = path.substr(7);
  else if (path.rfind("unix:", 0) == 0)
    path = path.substr(5);
  if (path.empty() || path[0] != '/' || path.find('\0') != std::string::npos)
    throw Error(ErrorKind::Config, "rexray.csi.endpoint must be a unix socket path "
                                   "(/path or unix:///path), got '" +
                                       endpoint + "'");
  return path;
}

} // namespace

CsiSettings CsiSettings::fromConfig(const Config &config) {
  CsiSettings s;
  const std::string endpoint =
      Poco::trim(config.string("rexray.csi.endpoint", coreDefaultString("rexray.csi.endpoint")));
  if (!endpoint.empty()) s.socketPath = socketPathOf(endpoint);
  const std::string mode =
      Poco::toLower(config.string("rexray.csi.mode", coreDefaultString("rexray.csi.mode")));
  if (mode == "controller")
    s.mode = Mode::Controller;
  else if (mode == "node")
    s.mode = Mode::Node;
  else if (mode == "both" || mode.empty())
    s.mode = Mode::Both;
  else
    throw Error(ErrorKind::Config,
                "rexray.csi.mode must be controller, node or both, got '" + mode + "'");
  s.service = config.string("rexray.csi.service", coreDefaultString("rexray.csi.service"));
  const int64_t timeoutMs =
      config.durationMs("rexray.csi.timeout", coreDefaultDurationMs("rexray.csi.timeout"));
  if (timeoutMs <= 0)
    throw Error(ErrorKind::Config, "rexray.csi.timeout must be a positive duration, got " +
                                       std::to_string(timeoutMs) + "ms");
  s.defaultTimeout = std::chrono::milliseconds(timeoutMs);
  s.maxVolumesPerNode = config.integer("rexray.csi.maxVolumesPerNode",
                                       coreDefaultInt("rexray.csi.maxVolumesPerNode"));
  if (s.maxVolumesPerNode < 0)
    throw Error(ErrorKind::Config, "rexray.csi.maxVolumesPerNode must not be negative, got " +
                                       std::to_string(s.maxVolumesPerNode));
  return s;
}

} // namespace rexray
