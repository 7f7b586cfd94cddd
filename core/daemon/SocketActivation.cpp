#include "daemon/SocketActivation.h"

#include "util/Error.h"
#include "util/Log.h"

#include <Poco/NumberParser.h>
#include <Poco/StringTokenizer.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>

namespace rexray {
namespace {

// The protocol's first descriptor (SD_LISTEN_FDS_START).
constexpr int kFirstFd = 3;

int parseCount(const char *text, const char *variable) {
  int value = 0;
  if (!Poco::NumberParser::tryParse(text, value) || value < 0)
    throw Error(ErrorKind::Invalid,
                std::string(variable) + "='" + text + "' is not a number of descriptors");
  return value;
}

// Why fd cannot serve as a listening unix stream socket ("" when it can),
// and its path.
std::string check(int fd, std::string &path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::string("not open: ") + std::strerror(errno);
  if (!S_ISSOCK(st.st_mode)) return "not a socket";
  sockaddr_un address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
    return std::string("getsockname: ") + std::strerror(errno);
  if (address.sun_family != AF_UNIX) return "not a unix socket";
  const size_t pathBytes = length - offsetof(sockaddr_un, sun_path);
  path.assign(address.sun_path, ::strnlen(address.sun_path, pathBytes));
  int type = 0;
  int listening = 0;
  socklen_t size = sizeof type;
  ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size);
  size = sizeof listening;
  ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size);
  if (type != SOCK_STREAM) return "not a stream socket";
  if (!listening) return "not listening";
  if (path.empty()) return "an unnamed (abstract) socket";
  return "";
}

// The path with its directory resolved (/var/run is /run), so that a unit
// that names either spelling matches.
std::string canonical(const std::string &path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return path;
  char resolved[PATH_MAX];
  const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  if (!::realpath(dir.c_str(), resolved)) return path;
  const std::string base(resolved);
  return (base == "/" ? "" : base) + path.substr(slash);
}

} // namespace

std::optional<std::pair<int, int>> ActivatedSockets::parse(const char *listenPid,
                                                           const char *listenFds, long pid) {
  if (!listenFds || !*listenFds) return std::nullopt;
  // Without LISTEN_PID the descriptors may be meant for whoever set them
  // (systemd always sets it): only a PID that is ours counts.
  if (!listenPid || !*listenPid) return std::nullopt;
  Poco::Int64 intended = 0;
  if (!Poco::NumberParser::tryParse64(listenPid, intended))
    throw Error(ErrorKind::Invalid, std::string("LISTEN_PID='") + listenPid + "' is not a PID");
  if (intended != pid) return std::nullopt;
  const int count = parseCount(listenFds, "LISTEN_FDS");
  if (count == 0) return std::nullopt;
  return std::make_pair(kFirstFd, count);
}

ActivatedSockets ActivatedSockets::inspect(int first, int count, const std::string &names) {
  ActivatedSockets sockets;
  Poco::StringTokenizer tokens(names, ":");
  for (int i = 0; i < count; ++i) {
    Passed p{first + i, static_cast<size_t>(i) < tokens.count() ? tokens[i] : "", "", ""};
    p.problem = check(p.fd, p.path);
    sockets._passed.push_back(p);
    sockets._taken.push_back(false);
  }
  return sockets;
}

ActivatedSockets ActivatedSockets::fromEnvironment() {
  const char *names = std::getenv("LISTEN_FDNAMES");
  const auto range = parse(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"), ::getpid());
  const std::string nameList = names ? names : "";
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  if (!range) return {};
  for (int fd = range->first; fd < range->first + range->second; ++fd)
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ActivatedSockets sockets = inspect(range->first, range->second, nameList);
  for (const auto &p : sockets._passed)
    log::info("socket activation: descriptor {}{} {}", p.fd,
              p.name.empty() ? "" : " (" + p.name + ")",
              p.problem.empty() ? "listens on " + p.path : "cannot be used: " + p.problem);
  return sockets;
}

ActivatedSockets::~ActivatedSockets() {
  closeUnused();
}

int ActivatedSockets::take(const std::string &path) {
  const std::string wanted = canonical(path);
  for (size_t i = 0; i < _passed.size(); ++i) {
    if (_taken[i] || !_passed[i].problem.empty() || canonical(_passed[i].path) != wanted) continue;
    _taken[i] = true;
    return _passed[i].fd;
  }
  return -1;
}

void ActivatedSockets::closeUnused() {
  for (size_t i = 0; i < _passed.size(); ++i) {
    if (_taken[i]) continue;
    _taken[i] = true;
    const Passed &p = _passed[i];
    if (p.problem.empty())
      log::warn("socket activation: {} (descriptor {}) is not a socket this configuration serves; "
                "closing it (run `rexray install` again after changing rexray.storageDrivers)",
                p.path, p.fd);
    ::close(p.fd);
  }
}

} // namespace rexray
