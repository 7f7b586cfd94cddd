/* Calls a function no library defines (as a plugin linked without
 * -Wl,--no-undefined against a library that lacks it would). The host binds
 * with RTLD_NOW: refused at load, naming the symbol, instead of crashing at
 * the first call. */
#include "common.h"

extern int rxr_test_symbol_nobody_defines(void);

static rxr_status calls_missing(rxr_driver *d, rxr_call *call, const rxr_string_sink *out) {
  (void)d;
  (void)call;
  return rxr_test_symbol_nobody_defines() ? RXR_OK : out->emit(out->ctx, "never");
}

static const rxr_driver_vtable table = {.struct_size = sizeof(rxr_driver_vtable),
                                        .create = test_create,
                                        .destroy = test_destroy,
                                        .instance_id = test_instance_id,
                                        .next_device = calls_missing};

RXR_EXPORT const rxr_plugin_entry rxr_plugin_entry_v1 = {.struct_size = sizeof(rxr_plugin_entry),
                                                         .abi_major = RXR_ABI_MAJOR,
                                                         .abi_minor = RXR_ABI_MINOR,
                                                         .id = "io.rexray.test.unresolved",
                                                         .name = "unresolved",
                                                         .version = "1.0.0",
                                                         .vendor = "tests",
                                                         .description =
                                                             "needs a symbol nobody defines",
                                                         .init = NULL,
                                                         .driver = &table};
