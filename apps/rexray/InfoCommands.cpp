#include "Commands.h"
#include "Output.h"

#include "util/Error.h"
#include "util/Log.h"
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
  // Each configured service's plugin tells which keys are its own and which
  // are secret (its sections are checked on the way, warnings to stderr). A
  // service without a plugin is still listed, its secrets found by name.
  std::vector<std::pair<std::string, DriverSections>> services;
  for (const auto &name : rt->serviceNames()) {
    try {
      services.emplace_back(name, rt->configSections(name));
    } catch (const Error &e) {
      if (e.kind() != ErrorKind::NotFound) throw;
      log::warn("{}", e.what());
    }
  }
  const auto config = rt->config();
  if (inv.flag("all")) {
    for (const auto &s : config->settings(services))
      std::cout << fmt::format("{}={}  # {}\n", s.name, s.value,
                               s.origin.empty() ? "default" : "set: " + s.origin);
  } else {
    std::vector<DriverSections> drivers;
    for (const auto &[name, sections] : services) drivers.push_back(sections);
    for (const auto &line : config->environmentLines(drivers)) std::cout << line << "\n";
  }
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
  cli.add({{"env"},
           {},
           "",
           "Print the effective configuration as environment variables (secrets as ******)",
           {{{"all"},
             false,
             "every key instead: core's and each configured service's plugin's, with its value "
             "or default, marked '# default' or '# set: FILE:LINE | env VAR | flag --X'"}},
           env});
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
