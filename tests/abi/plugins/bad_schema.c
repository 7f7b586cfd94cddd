/* Declares a configuration key without a name: refused, saying which. */
#include "common.h"

static const rxr_driver_vtable table = TEST_MINIMAL_VTABLE;

static const rxr_config_key keys[] = {
    {.struct_size = sizeof(rxr_config_key), .type = RXR_TYPE_STRING, .key = "endpoint"},
    {.struct_size = sizeof(rxr_config_key), .type = RXR_TYPE_INT, .key = NULL}};

RXR_EXPORT const rxr_plugin_entry rxr_plugin_entry_v1 = {.struct_size = sizeof(rxr_plugin_entry),
                                                         .abi_major = RXR_ABI_MAJOR,
                                                         .abi_minor = RXR_ABI_MINOR,
                                                         .id = "io.rexray.test.badschema",
                                                         .name = "badschema",
                                                         .version = "1.0.0",
                                                         .vendor = "tests",
                                                         .description = "a key without a name",
                                                         .init = NULL,
                                                         .driver = &table,
                                                         .config_keys = keys,
                                                         .config_key_count = 2};
