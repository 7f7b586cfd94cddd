// rexray: one binary for the daemon and the CLI.
#include "CommandLine.h"
#include "Commands.h"

#include "util/Error.h"

#include <Poco/Exception.h>

#include <algorithm>
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

namespace {

int dispatch(const CommandLine &cli, std::vector<std::string> args) {
  if (!args.empty() && args.front() == "help") {
    args.erase(args.begin());
    args.push_back("--help");
  }
  Invocation inv = cli.parse(args);
  if (!inv.command) {
    if (inv.version && inv.args.empty()) {
      // --version: the `version` command, flags and all.
      args.erase(std::remove(args.begin(), args.end(), "--version"), args.end());
      args.insert(args.begin(), "version");
      inv = cli.parse(args);
      return inv.command->run(inv);
    }
    const auto groups = cli.groups();
    if (inv.args.size() == 1 && std::count(groups.begin(), groups.end(), inv.args[0])) {
      // A group alone shows its commands, as `docker volume` does.
      std::cout << cli.groupHelp(inv.args[0]);
      return kExitOk;
    }
    if (inv.args.empty()) {
      std::cout << cli.help(nullptr);
      return inv.help ? kExitOk : kExitUsage;
    }
    throw UsageError(cli.unknownCommand(inv.args));
  }
  if (inv.help) {
    std::cout << cli.help(inv.command);
    return kExitOk;
  }
  return inv.command->run(inv);
}

} // namespace
} // namespace rexray::cli

int main(int argc, char **argv) {
  using namespace rexray;
  const cli::CommandLine cli = cli::CommandLine::registered();
  try {
    return cli::dispatch(cli, std::vector<std::string>(argv + 1, argv + argc));
  } catch (const cli::UsageError &e) {
    std::cerr << "rexray: " << e.what() << "\n";
    return cli::kExitUsage;
  } catch (const Error &e) {
    std::cerr << "rexray: " << e.what() << "\n";
  } catch (const Poco::Exception &e) {
    std::cerr << "rexray: " << e.displayText() << "\n";
  } catch (const std::exception &e) {
    std::cerr << "rexray: " << e.what() << "\n";
  }
  return cli::kExitFailed;
}
