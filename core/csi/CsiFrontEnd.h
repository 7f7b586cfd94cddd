#pragma once

#include <memory>

namespace rexray {

class Config;
class ServiceDirectory;
struct CsiSettings;

// The running CSI front end, as the daemon holds it: destroying it stops the
// server and removes its socket.
//
// The front end links gRPC, protobuf and abseil (~60 shared libraries), so it
// is built as a module (rexray-csi.so) that the daemon loads only when
// rexray.csi.endpoint is set: every other rexray process (the CLI included)
// then neither maps nor relocates those libraries. The module is internal —
// built with this binary, resolving core's symbols from it — not a plugin
// ABI, so a C++ interface is fine here.
class CsiFrontEnd {
public:
  virtual ~CsiFrontEnd() = default;
};

// The module's one entry point (extern "C", so dlsym finds it by this name).
using CsiStartFunction = CsiFrontEnd *(const ServiceDirectory &services,
                                       const CsiSettings &settings);
constexpr const char *kCsiStartSymbol = "rexray_csi_start";

// nullptr when rexray.csi.endpoint is unset. Otherwise loads the module and
// starts the server; Error(Config) when this rexray has no CSI module or it
// cannot be loaded (the message says which file and why).
std::unique_ptr<CsiFrontEnd> startCsiFrontEnd(const Config &config,
                                              const ServiceDirectory &services);

} // namespace rexray
