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

RXR_EXPORT const rxr_plugin_entry rxr_plugin_entry_v1 = {.struct_size = sizeof(rxr_plugin_entry),
                                                         .abi_major = RXR_ABI_MAJOR,
                                                         .abi_minor = RXR_ABI_MINOR,
                                                         .id = "io.rexray.test.initfails",
                                                         .name = "initfails",
                                                         .version = "1.0.0",
                                                         .vendor = "tests",
                                                         .description = "init always fails",
                                                         .init = failing_init,
                                                         .driver = &table};
