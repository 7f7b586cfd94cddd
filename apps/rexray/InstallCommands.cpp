// rexray install / uninstall (systemd units), `rexray service <verb>`, and
// handing start/stop/status/restart to systemctl when REX-Ray is a systemd
// service.
#include "Commands.h"

#include "daemon/SystemdUnits.h"
#include "util/Error.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/Process.h>

#include <climits>
#include <iostream>
#include <unistd.h>

namespace rexray::cli {
namespace {

// The directory units are written to, below --root ("" for /).
std::string unitDir(const std::string &root) {
  return root + systemd::kAdminUnitDir;
}

// --root without its trailing slashes; "" for / (the real system).
std::string rootOption(const Invocation &inv) {
  std::string root = inv.get("root", "/");
  if (root.empty() || root[0] != '/')
    throw Error(ErrorKind::Invalid, "--root '" + root + "' must be an absolute directory");
  if (!Poco::File(root).exists() || !Poco::File(root).isDirectory())
    throw Error(ErrorKind::Invalid, "--root '" + root + "' is not a directory");
  while (!root.empty() && root.back() == '/') root.pop_back();
  return root;
}

std::string thisBinary() {
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) throw Error(ErrorKind::Internal, "cannot tell where the rexray binary is");
  return std::string(exe, static_cast<size_t>(n));
}

// Written whole or not at all: a unit read half-written would not load.
void writeAtomically(const std::string &path, const std::string &content) {
  Poco::File(Poco::Path(path).parent()).createDirectories();
  const std::string temporary = path + ".rexray-new";
  {
    Poco::FileOutputStream out(temporary);
    out << content;
    out.close();
    if (!out.good()) throw Error(ErrorKind::Internal, "cannot write " + temporary);
  }
  Poco::File(temporary).setWriteable(true);
  Poco::File(temporary).renameTo(path);
}

int systemctl(const std::vector<std::string> &args) {
  try {
    return Poco::Process::launch("systemctl", args).wait();
  } catch (const Poco::Exception &e) {
    throw Error(ErrorKind::Internal, "cannot run systemctl: " + e.displayText());
  }
}

bool unitInstalled() {
  std::vector<std::string> dirs = {systemd::kAdminUnitDir};
  dirs.insert(dirs.end(), systemd::vendorUnitDirs().begin(), systemd::vendorUnitDirs().end());
  for (const auto &dir : dirs)
    if (Poco::File(dir + "/" + systemd::kServiceUnit).exists()) return true;
  return false;
}

int install(Invocation &inv) {
  const std::string root = rootOption(inv);
  const auto runtime = makeRuntime(inv);
  systemd::UnitSettings settings;
  settings.binary = inv.get("bin", thisBinary());
  settings.home = runtime->paths().home;
  settings.sockets = systemd::daemonSockets(runtime->paths(), runtime->serviceNames());
  const std::string dir = unitDir(root);
  const std::string service = dir + "/" + systemd::kServiceUnit;
  const std::string socket = dir + "/" + systemd::kSocketUnit;
  writeAtomically(service, systemd::serviceUnit(settings));
  writeAtomically(socket, systemd::socketUnit(settings));
  std::cout << "wrote " << service << "\nwrote " << socket << "\n";
  if (!root.empty()) {
    std::cout << "(below --root " << root << ": systemd was not told)\n";
    return 0;
  }
  if (!systemd::running()) {
    std::cout << "systemd is not running here (no /run/systemd/system): the units were not "
                 "enabled; start REX-Ray with `rexray start`\n";
    return 0;
  }
  if (systemctl({"daemon-reload"}) != 0 ||
      systemctl({"enable", systemd::kSocketUnit, systemd::kServiceUnit}) != 0)
    throw Error(ErrorKind::Internal, "systemctl could not enable the units (see above)");
  std::cout << "enabled " << systemd::kSocketUnit << " and " << systemd::kServiceUnit
            << "; `rexray start` starts the service\n";
  return 0;
}

int uninstall(Invocation &inv) {
  const std::string root = rootOption(inv);
  const bool tellSystemd = root.empty() && systemd::running();
  if (tellSystemd) systemctl({"disable", "--now", systemd::kServiceUnit, systemd::kSocketUnit});
  bool removed = false;
  for (const char *unit : {systemd::kServiceUnit, systemd::kSocketUnit}) {
    Poco::File file(unitDir(root) + "/" + unit);
    if (!file.exists()) continue;
    file.remove();
    removed = true;
    std::cout << "removed " << file.path() << "\n";
  }
  if (!removed) std::cout << "no REX-Ray units in " << unitDir(root) << "\n";
  if (tellSystemd) systemctl({"daemon-reload"});
  return 0;
}

} // namespace

std::optional<int> runBySystemd(const std::string &verb) {
  // REXRAY_HOME names a private instance (a test, a second daemon), never
  // the system's service.
  if (!Paths::fromEnvironment().home.empty()) return std::nullopt;
  if (!systemd::running() || !unitInstalled()) return std::nullopt;
  return systemctl({verb, systemd::kServiceUnit});
}

void addInstallCommands(CommandLine &cli) {
  const OptionSpec root{{"root"}, true, "write under this directory instead of / (no systemctl)"};
  cli.add({{"install"},
           {},
           "",
           "Install REX-Ray as a systemd service (rexray.service and rexray.socket in "
           "/etc/systemd/system), enabled when systemd runs",
           {root, {{"bin"}, true, "the rexray binary the service runs (default: this one)"}},
           install});
  cli.add({{"uninstall"},
           {},
           "",
           "Disable and remove the systemd units `rexray install` wrote",
           {root},
           uninstall});
}

static const CommandRegistration kInstallCommands(addInstallCommands);

} // namespace rexray::cli
