// The entry point of rexray-csi.so (see csi/CsiFrontEnd.h).
#include "csi/CsiFrontEnd.h"
#include "csi/CsiServer.h"

#include <type_traits>

extern "C" __attribute__((visibility("default"))) rexray::CsiFrontEnd *
rexray_csi_start(const rexray::ServiceDirectory &services, const rexray::CsiSettings &settings) {
  return new rexray::CsiServer(services, settings.service, settings);
}

static_assert(std::is_same_v<decltype(rexray_csi_start), rexray::CsiStartFunction>,
              "the module's entry point must have the type the daemon calls it by");
