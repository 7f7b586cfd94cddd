#include "Commands.h"
#include "Output.h"

#include "util/Error.h"
#include "util/Paths.h"

#include <fmt/format.h>

#include <iostream>

namespace rexray::cli {
namespace {

int version(Invocation &inv) {
  if (inv.format == "table") {
    std::cout << fmt::format("Binary: rexray\nSemVer: {}\nOsArch: Linux-x86_64\nCommit: {}\n"
                             "Formed: {}\nABI:    {}.{}\n",
                             REXRAY_VERSION, REXRAY_GIT_COMMIT, REXRAY_BUILD_DATE, RXR_ABI_MAJOR,
                             RXR_ABI_MINOR);
    return 0;
  }
  Output out(std::cout, inv.format);
  out.value("version", REXRAY_VERSION);
  return 0;
}

int env(Invocation &inv) {
  auto rt = makeRuntime(inv);
  for (const auto &line : rt->config()->environmentLines()) std::cout << line << "\n";
  const Paths &p = rt->paths();
  std::cout << "REXRAY_HOME=" << p.home << "\n";
  return 0;
}

int listPlugins(Invocation &inv) {
  auto rt = makeRuntime(inv);
  const auto &plugins = rt->plugins().plugins();
  Output(std::cout, inv.format).plugins({plugins.begin(), plugins.end()});
  return 0;
}

int inspectPlugin(Invocation &inv) {
  if (inv.args.size() != 1) throw Error(ErrorKind::Invalid, "usage: rexray plugins inspect FILE");
  PluginInfo info = PluginLoader::inspect(inv.args.front());
  Output(std::cout, inv.format).plugin(info);
  if (info.refusal.empty()) return 0;
  std::cerr << "rexray: plugin " << info.path << " refused: " << info.refusal << "\n";
  return 1;
}

} // namespace

void addInfoCommands(CommandLine &cli) {
  cli.add(
      {{"version"}, {}, "", "Print the version, commit, build date and ABI version", {}, version});
  cli.add({{"env"}, {}, "", "Print the effective configuration as environment variables", {}, env});
}

void addPluginCommands(CommandLine &cli) {
  cli.add({{"plugins", "ls"},
           {"list"},
           "",
           "List the plugins found and why any was refused",
           {},
           listPlugins});
  cli.add({{"plugins", "inspect"},
           {},
           "FILE",
           "Show a plugin file's metadata without initialising it",
           {},
           inspectPlugin});
}

} // namespace rexray::cli
