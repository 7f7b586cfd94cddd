/* A plugin whose init fails (say, a missing credential): refused with the
 * plugin's own reason. */
#include "common.h"

#include <stdio.h>

static rxr_status failing_init(const rxr_host *host, rxr_call *call) {
  (void)host;
  snprintf(call->error.message, sizeof call->error.message, "backend endpoint is not configured");
  return RXR_E_INVALID;
}

static const rxr_driver_vtable table = TEST_MINIMAL_VTABLE;

RXR_EXPORT const rxr_plugin_entry rxr_plugin_entry_v1 = {sizeof(rxr_plugin_entry),
                                                         RXR_ABI_MAJOR,
                                                         RXR_ABI_MINOR,
                                                         0,
                                                         "io.rexray.test.initfails",
                                                         "initfails",
                                                         "1.0.0",
                                                         "tests",
                                                         "init always fails",
                                                         "",
                                                         failing_init,
                                                         NULL,
                                                         &table};
