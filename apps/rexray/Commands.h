#pragma once

#include "CommandLine.h"
#include "runtime/Runtime.h"

#include <memory>

namespace rexray::cli {

// The Runtime for commands that need one, from the global flags.
RuntimeOptions makeRuntimeOptions(const Invocation &inv);
std::unique_ptr<Runtime> makeRuntime(const Invocation &inv);

// Flags several commands share, REX-Ray 0.11's spellings.
extern const OptionSpec kDryRunOption;          // -n/--dryRun: say what would be done
extern const OptionSpec kContinueOnErrorOption; // --continueOnError: go on after a failure
extern const OptionSpec kIdempotentOption;      // -i/--idempotent: already so is success

} // namespace rexray::cli
