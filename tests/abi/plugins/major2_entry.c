/* Exports the v1 symbol but claims ABI major 2: refused by its abi_major. */
#include "common.h"

static const rxr_driver_vtable table = TEST_MINIMAL_VTABLE;

RXR_EXPORT const rxr_plugin_entry rxr_plugin_entry_v1 = {.struct_size = sizeof(rxr_plugin_entry),
                                                         .abi_major = 2,
                                                         .abi_minor = 0,
                                                         .id = "io.rexray.test.major2",
                                                         .name = "major2",
                                                         .version = "1.0.0",
                                                         .vendor = "tests",
                                                         .description = "claims ABI major 2",
                                                         .init = NULL,
                                                         .driver = &table};
