/* Claims ABI 1.0, the pre-release whose `features` was a string and whose
 * deadline was wall-clock time: refused, with a request to rebuild. */
#include "common.h"

static const rxr_driver_vtable table = TEST_MINIMAL_VTABLE;

RXR_EXPORT const rxr_plugin_entry rxr_plugin_entry_v1 = {.struct_size = sizeof(rxr_plugin_entry),
                                                         .abi_major = RXR_ABI_MAJOR,
                                                         .abi_minor = 0,
                                                         .id = "io.rexray.test.minor0",
                                                         .name = "minor0",
                                                         .version = "1.0.0",
                                                         .vendor = "tests",
                                                         .description =
                                                             "built against the pre-release",
                                                         .init = NULL,
                                                         .driver = &table};
