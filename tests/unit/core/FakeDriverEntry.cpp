// The one definition of the fake driver's entries (FakeDriver.h), linked
// into every test binary that uses the fake.
#include "core/FakeDriver.h"

namespace {
constexpr const char *kFakeFeatures[] = {"block", nullptr};
constexpr auto kFakePlugin = rexray::sdk::Plugin("io.rexray.test.fake", "fake", "1.0.0")
                                 .vendor("tests")
                                 .description("in-memory")
                                 .features(kFakeFeatures);
} // namespace
RXR_DEFINE_DRIVER_ENTRY(rxr_test_entry_fake, rexray::testing::FakeDriver, kFakePlugin);
// The same fake, declaring that its create refuses a name in use.
namespace {
constexpr const char *kUniqueFeatures[] = {"block", RXR_FEATURE_UNIQUE_NAMES, nullptr};
constexpr auto kUniquePlugin = rexray::sdk::Plugin("io.rexray.test.unique", "unique", "1.0.0")
                                   .vendor("tests")
                                   .description("in-memory, unique names")
                                   .features(kUniqueFeatures);
} // namespace
RXR_DEFINE_DRIVER_ENTRY(rxr_test_entry_unique, rexray::testing::FakeDriver, kUniquePlugin);
// The fake with zones, an attach limit and capacity (ABI 1.3).
namespace {
constexpr const char *kZonedFeatures[] = {"block", nullptr};
constexpr auto kZonedPlugin = rexray::sdk::Plugin("io.rexray.test.zoned", "zoned", "1.0.0")
                                  .vendor("tests")
                                  .description("in-memory, with zones")
                                  .features(kZonedFeatures);
} // namespace
RXR_DEFINE_DRIVER_ENTRY(rxr_test_entry_zoned, rexray::testing::FakeZonedDriver, kZonedPlugin);
