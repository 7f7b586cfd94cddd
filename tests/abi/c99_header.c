/* The SDK header must be usable from strict C99 (-pedantic -Werror). */
#include <rexray/sdk/driver.h>

#include <stdio.h>

/* C99 has no _Static_assert: a negative array size fails the build. */
#define C99_ASSERT(cond, name) typedef char name[(cond) ? 1 : -1]
C99_ASSERT(RXR_ABI_MAJOR == 1, abi_major_is_1);
C99_ASSERT(offsetof(rxr_plugin_entry, driver) == 80, entry_driver_offset);
C99_ASSERT(sizeof(rxr_error) == 516, error_size);

static rxr_status emit(void *ctx, const rxr_volume *v) {
  (void)ctx;
  return v ? RXR_OK : RXR_E_INVALID;
}

int main(void) {
  rxr_volume v;
  rxr_volume_sink sink;
  v.struct_size = (uint32_t)sizeof v;
  sink.ctx = NULL;
  sink.emit = emit;
  if (!RXR_HAS(&v, rxr_volume, field_count)) return 1;
  if (sink.emit(sink.ctx, &v) != RXR_OK) return 1;
  puts("C99 header ok");
  return 0;
}
