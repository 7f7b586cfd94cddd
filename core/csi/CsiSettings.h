#pragma once

#include <chrono>
#include <string>

namespace rexray {

class Config;

// The CSI front end's configuration (rexray.csi.*, declared in
// config/CoreKeys.cpp), checked once at start.
struct CsiSettings {
  enum class Mode { Controller, Node, Both };

  std::string socketPath; // "" = the CSI front end is off
  Mode mode = Mode::Both;
  std::string service; // "" = the default service
  // For a call whose client set no deadline.
  std::chrono::milliseconds defaultTimeout{0};
  // rexray.csi.maxVolumesPerNode: a node's attach limit, below the driver's
  // own (0 = the driver's alone).
  int64_t maxVolumesPerNode = 0;

  bool controller() const { return mode != Mode::Node; }
  bool node() const { return mode != Mode::Controller; }

  // Error(Config) for an endpoint that is not a unix socket path and a mode
  // other than controller, node or both.
  static CsiSettings fromConfig(const Config &config);
};

} // namespace rexray
