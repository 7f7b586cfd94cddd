#include "Commands.h"
#include "Output.h"

#include "api/JsonCodec.h"

#include "daemon/Daemon.h"
#include "daemon/PidFile.h"
#include "util/Error.h"
#include "util/Log.h"
#include "util/Paths.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

namespace rexray::cli {
namespace {

// The environment variable naming the pipe a background start reports on.
constexpr const char *kReadyFdVariable = "REXRAY_READY_FD";
constexpr std::chrono::seconds kStartTimeout{60};
constexpr std::chrono::seconds kStopTimeout{60};

int runForeground(Invocation &inv) {
  DaemonOptions options;
  options.runtime = makeRuntimeOptions(inv);
  options.runtime.defaultLogLevel = "info"; // a daemon says what it started
  options.writePidFile = !inv.flag("nopid");
  int readyFd = -1;
  if (const char *fd = std::getenv(kReadyFdVariable)) {
    readyFd = std::atoi(fd);
    ::unsetenv(kReadyFdVariable);
  }
  // Daemonized by `rexray start`, nobody reads stderr: the log file.
  options.logToFile = readyFd >= 0;
  options.onReady = [readyFd](const std::string &failure) {
    if (readyFd < 0) {
      // A failure is in the log, which goes to stderr.
      if (failure.empty())
        std::cerr << "REX-Ray is running in the foreground (PID " << ::getpid()
                  << "); press Ctrl-C to stop\n";
      return;
    }
    const std::string line = failure.empty() ? "READY\n" : "FAILED " + failure + "\n";
    ssize_t ignored = ::write(readyFd, line.data(), line.size());
    (void)ignored;
    ::close(readyFd);
  };
  // The daemon waits for its signals itself (Daemon::run), so nothing of
  // Poco::Util::ServerApplication is needed, nor the three libraries it maps.
  return Daemon(options).run();
}

// Rebuilds the global flags for the daemon process.
std::vector<std::string> daemonArguments(const Invocation &inv) {
  std::vector<std::string> args = {"rexray", "start", "-f"};
  if (inv.flag("nopid")) args.push_back("--nopid");
  for (const auto &f : inv.configFiles) args.insert(args.end(), {"-c", f});
  for (const auto &[key, value] : inv.configFlags) args.insert(args.end(), {"--" + key, value});
  return args;
}

int startBackground(const Invocation &inv) {
  const Paths paths = Paths::fromEnvironment();
  if (auto pid = PidFile(paths.pidFilePath()).runningPid()) {
    std::cerr << "REX-Ray is already running at PID " << *pid << "\n";
    return 1;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw Error(ErrorKind::Internal, std::string("pipe: ") + std::strerror(errno));
  std::cout << "Starting REX-Ray..." << std::flush;
  const auto args = daemonArguments(inv);
  const pid_t child = ::fork();
  if (child < 0) throw Error(ErrorKind::Internal, std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    ::close(fds[0]);
    ::fcntl(fds[1], F_SETFD, 0); // the daemon inherits the write end
    ::setsid();
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
    ::setenv(kReadyFdVariable, std::to_string(fds[1]).c_str(), 1);
    std::vector<char *> argv;
    for (const auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string line;
  pollfd pfd{fds[0], POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[512];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (line.rfind("READY", 0) == 0) {
    std::cout << "SUCCESS!\n\n"
              << "  The REX-Ray daemon is now running at PID " << child << ". To\n"
              << "  shut down the daemon execute the following command as a\n"
              << "  privileged user:\n\n"
              << "      rexray stop\n";
    return 0;
  }
  // The daemon exits after a failure: wait for it, so that no `status` run
  // right after this sees it still running.
  for (int i = 0; i < 500 && ::waitpid(child, nullptr, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::string reason = line.rfind("FAILED ", 0) == 0 ? line.substr(7) : "";
  while (!reason.empty() && reason.back() == '\n') reason.pop_back();
  if (reason.empty())
    reason = isRexrayProcess(child)
                 ? "the daemon did not become ready in time; see " + paths.logFilePath()
                 : "the daemon exited before it was ready; see " + paths.logFilePath();
  std::cout << "FAILED!\n\n  " << reason << "\n";
  return 1;
}

int start(Invocation &inv) {
  if (inv.flag("foreground")) return runForeground(inv);
  if (auto status = runBySystemd("start")) return *status;
  return startBackground(inv);
}

bool waitForExit(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (isRexrayProcess(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

int stopDirectly() {
  const Paths paths = Paths::fromEnvironment();
  auto pid = PidFile(paths.pidFilePath()).runningPid();
  if (!pid) {
    std::cout << "REX-Ray is already stopped\n";
    return 0;
  }
  std::cout << "Shutting down REX-Ray..." << std::flush;
  if (::kill(*pid, SIGTERM) != 0) {
    std::cout << "FAILED!\n\n  " << std::strerror(errno) << "\n";
    return 1;
  }
  if (!waitForExit(*pid, kStopTimeout)) {
    std::cout << "FAILED!\n\n  PID " << *pid << " is still running after " << kStopTimeout.count()
              << " s\n";
    return 1;
  }
  std::cout << "SUCCESS!\n";
  return 0;
}

int stop(Invocation &) {
  if (auto status = runBySystemd("stop")) return *status;
  return stopDirectly();
}

int status(Invocation &inv) {
  if (auto status = runBySystemd("status")) return *status;
  const Paths paths = Paths::fromEnvironment();
  const auto pid = PidFile(paths.pidFilePath()).runningPid();
  if (inv.format != "table") {
    auto o = json::orderedObject();
    o->set("running", pid.has_value());
    o->set("pid", pid ? Poco::Dynamic::Var(static_cast<int64_t>(*pid)) : Poco::Dynamic::Var());
    Output(std::cout, inv).record(o);
  } else if (pid) {
    std::cout << "REX-Ray is running at PID " << *pid << "\n";
  } else {
    std::cout << "REX-Ray is stopped\n";
  }
  return pid ? kExitOk : kExitNotRunning;
}

int restart(Invocation &inv) {
  if (auto status = runBySystemd("restart")) return *status;
  if (stopDirectly() != 0) return 1;
  return startBackground(inv);
}

} // namespace

void addServiceCommands(CommandLine &cli) {
  cli.add({{"start"},
           {},
           "",
           "Start REX-Ray: in the background (daemonized) unless -f",
           {{{"foreground"}, false, "stay in the foreground", 'f'},
            {{"nopid"}, false, "do not write a pid file (for containers)"}},
           start});
  cli.add({{"stop"}, {}, "", "Stop the REX-Ray daemon (SIGTERM, then wait)", {}, stop});
  cli.add({{"status"}, {}, "", "Tell whether the REX-Ray daemon is running", {}, status});
  cli.add({{"restart"},
           {"reload", "force-reload"},
           "",
           "Stop and start the REX-Ray daemon",
           {{{"nopid"}, false, "do not write a pid file"}},
           restart});
  // `rexray service start|stop|status|restart`: the same commands (0.3's tree).
  for (const char *verb : {"start", "stop", "status", "restart"}) {
    for (const CommandSpec &command : cli.commands()) {
      if (command.path != std::vector<std::string>{verb}) continue;
      CommandSpec alias = command;
      alias.path = {"service", verb};
      alias.aliases.clear();
      cli.add(std::move(alias));
      break;
    }
  }
}

static const CommandRegistration kServiceCommands(addServiceCommands);

} // namespace rexray::cli
