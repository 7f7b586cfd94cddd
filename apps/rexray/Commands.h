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

void addVolumeCommands(CommandLine &cli);
void addSnapshotCommands(CommandLine &cli);
void addPluginCommands(CommandLine &cli);
void addServiceCommands(CommandLine &cli);
void addInfoCommands(CommandLine &cli);
// install, uninstall and `service <verb>` (after addServiceCommands).
void addInstallCommands(CommandLine &cli);
// With REX-Ray installed as a systemd service, systemd running and no
// REXRAY_HOME set, `rexray <verb>` is `systemctl <verb> rexray.service`: its
// exit status; else nullopt.
std::optional<int> runBySystemd(const std::string &verb);

} // namespace rexray::cli
