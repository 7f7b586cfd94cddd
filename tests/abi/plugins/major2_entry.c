/* Exports the v1 symbol but claims ABI major 2: refused by its abi_major. */
#include "common.h"

static const rxr_driver_vtable table = TEST_MINIMAL_VTABLE;

RXR_EXPORT const rxr_plugin_entry rxr_plugin_entry_v1 = {sizeof(rxr_plugin_entry),
                                                         2,
                                                         0,
                                                         0,
                                                         "io.rexray.test.major2",
                                                         "major2",
                                                         "2.0.0",
                                                         "tests",
                                                         "claims ABI major 2",
                                                         "",
                                                         NULL,
                                                         NULL,
                                                         &table};
