// rexray: one binary for the daemon and the CLI.
#include "CommandLine.h"
#include "Commands.h"

#include "util/Error.h"

#include <Poco/Exception.h>

#include <iostream>

#ifdef REXRAY_HAVE_VFS
extern "C" const rxr_plugin_entry rxr_static_entry_vfs;
#endif

namespace rexray::cli {

RuntimeOptions makeRuntimeOptions(const Invocation &inv) {
  RuntimeOptions options;
  options.configFiles = inv.configFiles;
  options.flags = inv.configFlags;
#ifdef REXRAY_HAVE_VFS
  options.builtins.push_back(&rxr_static_entry_vfs);
#endif
  return options;
}

std::unique_ptr<Runtime> makeRuntime(const Invocation &inv) {
  return std::make_unique<Runtime>(makeRuntimeOptions(inv));
}

} // namespace rexray::cli

int main(int argc, char **argv) {
  using namespace rexray;
  cli::CommandLine cli;
  cli::addServiceCommands(cli);
  cli::addInstallCommands(cli);
  cli::addVolumeCommands(cli);
  cli::addSnapshotCommands(cli);
  cli::addPluginCommands(cli);
  cli::addInfoCommands(cli);

  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && args.front() == "help") {
      args.erase(args.begin());
      args.push_back("--help");
    }
    cli::Invocation inv = cli.parse(args);
    if (!inv.command) {
      const bool group =
          inv.args.size() == 1 && (inv.args[0] == "volume" || inv.args[0] == "snapshot" ||
                                   inv.args[0] == "plugins" || inv.args[0] == "service");
      if (group) {
        std::cout << cli.groupHelp(inv.args[0]);
        return inv.help ? 0 : 1;
      }
      if (inv.args.empty()) {
        std::cout << cli.help(nullptr);
        return inv.help ? 0 : 1;
      }
      std::cerr << "rexray: unknown command '" << inv.args[0] << "'; see rexray --help\n";
      return 1;
    }
    if (inv.help) {
      std::cout << cli.help(inv.command);
      return 0;
    }
    return inv.command->run(inv);
  } catch (const Error &e) {
    std::cerr << "rexray: " << e.what() << "\n";
  } catch (const Poco::Exception &e) {
    std::cerr << "rexray: " << e.displayText() << "\n";
  } catch (const std::exception &e) {
    std::cerr << "rexray: " << e.what() << "\n";
  }
  return 1;
}
