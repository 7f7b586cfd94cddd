#include "SdcIdentity.h"

#include <rexray/sdk/driver.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

extern char **environ;

namespace rexray::scaleio {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string firstLine(const std::string &out) {
  std::string line = out.substr(0, out.find('\n'));
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
    line.erase(line.begin());
  return line;
}

// A GUID: hex digits and dashes, as drv_cfg prints it.
bool looksLikeGuid(const std::string &s) {
  return s.size() >= 8 && std::all_of(s.begin(), s.end(),
                                      [](unsigned char c) { return std::isxdigit(c) || c == '-'; });
}

} // namespace

std::string queryGuid(const std::string &drvCfg, const sdk::support::Deadline &deadline) {
  const std::string what = drvCfg + " --query_guid";
  if (access(drvCfg.c_str(), X_OK) != 0)
    throw sdk::Error(RXR_E_BACKEND, "cannot run " + what + ": " + std::strerror(errno) +
                                        " (is the SDC installed? scaleio.guid sets the GUID)");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    throw sdk::Error(RXR_E_BACKEND, "pipe for " + what + ": " + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::string arg0 = drvCfg, arg1 = "--query_guid";
  char *argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, drvCfg.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw sdk::Error(RXR_E_BACKEND, "cannot run " + what + ": " + std::strerror(rc));
  }
  std::string out;
  bool timedOut = false;
  for (;;) {
    const int64_t left = deadline.remainingMs();
    if (left <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[512];
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (out.size() < 4096) out.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  if (timedOut) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) throw sdk::Error(RXR_E_TIMEOUT, what + ": deadline exceeded");
  const std::string line = firstLine(out);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw sdk::Error(RXR_E_BACKEND,
                     what + " failed" +
                         (WIFEXITED(status) ? " with status " + std::to_string(WEXITSTATUS(status))
                                            : std::string(" on a signal")) +
                         (line.empty() ? "" : ": " + line));
  if (!looksLikeGuid(line))
    throw sdk::Error(RXR_E_BACKEND, what + " printed no GUID: '" + line + "'");
  return upper(line);
}

const Sdc &sdcWithGuid(const std::vector<Sdc> &sdcs, const std::string &guid,
                       const std::string &systemLabel) {
  const std::string wanted = upper(guid);
  for (const auto &s : sdcs)
    if (upper(s.guid) == wanted) return s;
  throw sdk::Error(RXR_E_NOT_FOUND, "no SDC with GUID " + wanted + " is registered with system " +
                                        systemLabel +
                                        " (this host's SDC, from drv_cfg or "
                                        "scaleio.guid)");
}

} // namespace rexray::scaleio
