/* Shared by the C test plugins: a trivial instance and a copy helper. */
#ifndef TEST_PLUGIN_COMMON_H
#define TEST_PLUGIN_COMMON_H

#include <rexray/sdk/driver.h>

#include <stdlib.h>
#include <string.h>

struct rxr_driver {
  int unused;
};

static inline rxr_status test_create(const rxr_host *host, const char *service, rxr_driver **out,
                                     rxr_call *call) {
  (void)host;
  (void)service;
  (void)call;
  *out = (rxr_driver *)calloc(1, sizeof(rxr_driver));
  return *out ? RXR_OK : RXR_E_INTERNAL;
}

static inline void test_destroy(rxr_driver *d) {
  free(d);
}

static inline rxr_status test_instance_id(rxr_driver *d, rxr_call *call,
                                          const rxr_string_sink *out) {
  (void)d;
  (void)call;
  return out->emit(out->ctx, "test-instance");
}

/* The smallest driver table: create, destroy and instance_id; every other op
 * NULL ("unsupported"). */
#define TEST_MINIMAL_VTABLE                                                                        \
  {                                                                                                \
    .struct_size = sizeof(rxr_driver_vtable), .create = test_create, .destroy = test_destroy,      \
    .instance_id = test_instance_id                                                                \
  }

#endif
