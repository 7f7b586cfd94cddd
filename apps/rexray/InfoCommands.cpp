#include "Backend.h"
#include "Commands.h"
#include "Output.h"

#include "api/JsonCodec.h"
#include "util/Error.h"
#include "util/Log.h"
#include "util/Paths.h"

#include <fmt/format.h>

#include <iostream>

namespace rexray::cli {
namespace {

int version(Invocation &inv) {
  auto o = json::orderedObject();
  o->set("binary", "rexray");
  o->set("semVer", REXRAY_VERSION);
  o->set("osArch", "Linux-x86_64");
  o->set("commit", REXRAY_GIT_COMMIT);
  o->set("formed", REXRAY_BUILD_DATE);
  o->set("abi", fmt::format("{}.{}", RXR_ABI_MAJOR, RXR_ABI_MINOR));
  if (inv.format != "table") {
    Output(std::cout, inv).record(o);
    return kExitOk;
  }
  // REX-Ray's own layout.
  std::cout << fmt::format("Binary: rexray\nSemVer: {}\nOsArch: Linux-x86_64\nCommit: {}\n"
                           "Formed: {}\nABI:    {}.{}\n",
                           REXRAY_VERSION, REXRAY_GIT_COMMIT, REXRAY_BUILD_DATE, RXR_ABI_MAJOR,
                           RXR_ABI_MINOR);
  return kExitOk;
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
  Output out(std::cout, inv);
  const std::string home = rt->paths().home;
  if (inv.flag("all")) {
    auto settings = config->settings(services);
    settings.push_back({"REXRAY_HOME", home, ""});
    if (out.isTable()) {
      for (const auto &s : settings)
        std::cout << fmt::format("{}={}  # {}\n", s.name, s.value,
                                 s.origin.empty() ? "default" : "set: " + s.origin);
      return kExitOk;
    }
    Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
    for (const auto &s : settings) {
      auto o = json::orderedObject();
      o->set("name", s.name);
      o->set("value", s.value);
      o->set("origin", s.origin.empty() ? std::string("default") : s.origin);
      arr->add(o);
    }
    out.structured(arr);
    return kExitOk;
  }
  std::vector<DriverSections> drivers;
  for (const auto &[name, sections] : services) drivers.push_back(sections);
  auto lines = config->environmentLines(drivers);
  lines.push_back("REXRAY_HOME=" + home);
  if (out.isTable()) {
    for (const auto &line : lines) std::cout << line << "\n";
    return kExitOk;
  }
  auto o = json::orderedObject();
  for (const auto &line : lines) {
    const auto eq = line.find('=');
    o->set(line.substr(0, eq), eq == std::string::npos ? "" : line.substr(eq + 1));
  }
  out.structured(o);
  return kExitOk;
}

int listPlugins(Invocation &inv) {
  auto rt = makeRuntime(inv);
  const auto &plugins = rt->plugins().plugins();
  Output(std::cout, inv).plugins({plugins.begin(), plugins.end()});
  return kExitOk;
}

int inspectPlugin(Invocation &inv) {
  if (inv.args.size() != 1) throw UsageError("usage: rexray plugins inspect FILE");
  PluginInfo info = PluginLoader::inspect(inv.args.front());
  Output(std::cout, inv).plugin(info);
  if (info.refusal.empty()) return kExitOk;
  std::cerr << "rexray: plugin " << info.path << " refused: " << info.refusal << "\n";
  return kExitFailed;
}

// REX-Ray's `adapter types`: the storage drivers this host can use.
int adapterTypes(Invocation &inv) {
  auto rt = makeRuntime(inv);
  std::vector<PluginInfo> loaded;
  for (const auto &p : rt->plugins().plugins())
    if (p.refusal.empty()) loaded.push_back(p);
  Output out(std::cout, inv);
  if (!out.isTable() || out.quiet()) {
    out.plugins(loaded);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto &p : loaded) rows.push_back({p.name, p.description});
  out.grid({"Name", "Driver"}, rows);
  return kExitOk;
}

// REX-Ray's `adapter instances`: this host as each configured service's
// driver knows it.
int adapterInstances(Invocation &inv) {
  auto rt = makeRuntime(inv);
  Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
  int status = kExitOk;
  for (const auto &name : rt->serviceNames()) {
    Invocation one = inv;
    one.service = name;
    try {
      auto backend = makeBackend(one);
      auto o = json::orderedObject();
      o->set("id", backend->instanceId());
      o->set("service", name);
      arr->add(o);
    } catch (const Error &e) {
      std::cerr << "rexray: " << name << ": " << e.what() << "\n";
      status = kExitFailed;
    }
  }
  Output out(std::cout, inv);
  if (out.quiet()) {
    for (size_t i = 0; i < arr->size(); ++i)
      std::cout << arr->getObject(static_cast<unsigned>(i))->getValue<std::string>("id") << "\n";
  } else if (!out.isTable()) {
    out.structured(arr);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < arr->size(); ++i) {
      const auto o = arr->getObject(static_cast<unsigned>(i));
      rows.push_back({o->getValue<std::string>("id"), o->getValue<std::string>("service")});
    }
    out.grid({"ID", "Service"}, rows);
  }
  return status;
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
  cli.add({{"adapter", "types"},
           {"ls", "list"},
           "",
           "List the storage drivers this host can use",
           {},
           adapterTypes});
  cli.add({{"adapter", "instances"},
           {},
           "",
           "Show this host's instance ID in each configured service",
           {},
           adapterInstances});
}

static const CommandRegistration kInfoCommands(addInfoCommands);

} // namespace rexray::cli
