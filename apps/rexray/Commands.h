#pragma once

#include "CommandLine.h"
#include "runtime/Runtime.h"

#include <memory>
#include <optional>
#include <string>

namespace rexray::cli {

// The Runtime for commands that need one, from the global flags.
RuntimeOptions makeRuntimeOptions(const Invocation &inv);
std::unique_ptr<Runtime> makeRuntime(const Invocation &inv);

// Flags several commands share, REX-Ray 0.11's spellings.
extern const OptionSpec kDryRunOption;          // -n/--dryRun: say what would be done
extern const OptionSpec kContinueOnErrorOption; // --continueOnError: go on after a failure
extern const OptionSpec kIdempotentOption;      // -i/--idempotent: already so is success
// With REX-Ray installed as a systemd service, systemd running and no
// REXRAY_HOME set, `rexray <verb>` is `systemctl <verb> rexray.service`: its
// exit status; else nullopt.
std::optional<int> runBySystemd(const std::string &verb);

} // namespace rexray::cli
