#include "csi/CsiFrontEnd.h"

#include "csi/CsiSettings.h"
#include "util/Error.h"
#include "util/InstallLocations.h"
#include "util/Log.h"

#include <Poco/File.h>

#include <dlfcn.h>

namespace rexray {
namespace {

// The module's start function. The module stays mapped for the life of the
// process: gRPC keeps threads and static state that must not outlive its
// code, and the front end is started once.
CsiStartFunction *loadCsiModule() {
  std::string tried;
  for (const std::string &path : installLocations(REXRAY_CSI_MODULE_FILE)) {
    if (!Poco::File(path).exists()) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *why = ::dlerror();
      throw Error(ErrorKind::Config, "rexray.csi.endpoint is set, but the CSI module " + path +
                                         " cannot be loaded: " + (why ? why : "dlopen failed"));
    }
    auto *start = reinterpret_cast<CsiStartFunction *>(::dlsym(handle, kCsiStartSymbol));
    if (!start)
      throw Error(ErrorKind::Config, "rexray.csi.endpoint is set, but " + path + " has no " +
                                         kCsiStartSymbol + ": it is not this rexray's CSI module");
    log::debug("CSI module loaded from {}", path);
    return start;
  }
  throw Error(ErrorKind::Config,
              "rexray.csi.endpoint is set, but this rexray has no CSI module (looked for " + tried +
                  "; it is built when libgrpc++-dev is installed, and packaged in rexray)");
}

} // namespace

std::unique_ptr<CsiFrontEnd> startCsiFrontEnd(const Config &config,
                                              const ServiceDirectory &services) {
  const CsiSettings settings = CsiSettings::fromConfig(config);
  if (settings.socketPath.empty()) return nullptr;
  static CsiStartFunction *const start = loadCsiModule();
  return std::unique_ptr<CsiFrontEnd>(start(services, settings));
}

} // namespace rexray
