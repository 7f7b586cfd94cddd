#pragma once

#include "CommandLine.h"
#include "runtime/Runtime.h"

#include <memory>

namespace rexray::cli {

// Builds the Runtime for commands that need one, from the global flags.
std::unique_ptr<Runtime> makeRuntime(const Invocation &inv);

void addVolumeCommands(CommandLine &cli);
void addSnapshotCommands(CommandLine &cli);
void addPluginCommands(CommandLine &cli);
void addServiceCommands(CommandLine &cli);
void addInfoCommands(CommandLine &cli);

} // namespace rexray::cli
