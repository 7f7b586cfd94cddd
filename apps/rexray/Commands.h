#pragma once

#include "CommandLine.h"
#include "runtime/Runtime.h"

#include <memory>

namespace rexray::cli {

// The Runtime for commands that need one, from the global flags.
RuntimeOptions makeRuntimeOptions(const Invocation &inv);
std::unique_ptr<Runtime> makeRuntime(const Invocation &inv);

void addVolumeCommands(CommandLine &cli);
void addSnapshotCommands(CommandLine &cli);
void addPluginCommands(CommandLine &cli);
void addServiceCommands(CommandLine &cli);
void addInfoCommands(CommandLine &cli);

} // namespace rexray::cli
