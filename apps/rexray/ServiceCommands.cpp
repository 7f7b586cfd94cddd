#include "Commands.h"

#include "util/Error.h"
#include "util/Log.h"

#include <csignal>
#include <iostream>

namespace rexray::cli {
namespace {

// Waits for SIGINT or SIGTERM. Blocked before any thread starts so that
// sigwait sees them rather than a random thread.
int waitForTermination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

int start(Invocation &inv) {
  if (!inv.flag("foreground"))
    throw Error(ErrorKind::Unsupported,
                "background start is not available yet; run 'rexray start -f'");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  if (!inv.configFlags.count("rexray.logLevel")) inv.configFlags["rexray.logLevel"] = "info";
  auto rt = makeRuntime(inv);
  for (const auto &p : rt->plugins().plugins())
    if (p.loaded) log::info("driver {} {} ({}) available", p.name, p.version, p.path);
  for (const auto &name : rt->serviceNames()) {
    try {
      auto &svc = rt->service(name);
      log::info("service {} ready: instance {}, {} volumes", name, svc.instanceId(),
                svc.list().size());
    } catch (const Error &e) {
      log::error("service {} failed to start: {}", name, e.what());
    }
  }
  std::cerr << "REX-Ray is running in the foreground (PID " << getpid()
            << "); press Ctrl-C to stop\n";
  const int sig = waitForTermination();
  log::info("received signal {}; shutting down", sig);
  return 0;
}

} // namespace

void addServiceCommands(CommandLine &cli) {
  cli.add({{"start"},
           {},
           "",
           "Start REX-Ray",
           {{{"foreground"}, false, "stay in the foreground", 'f'},
            {{"nopid"}, false, "do not write a pid file"}},
           start});
}

} // namespace rexray::cli
