#include "daemon/PidFile.h"

#include "util/Error.h"
#include "util/Log.h"

#include <Poco/File.h>
#include <Poco/Path.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

namespace rexray {

bool isRexrayProcess(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  char exe[PATH_MAX];
  const std::string link = "/proc/" + std::to_string(pid) + "/exe";
  ssize_t n = ::readlink(link.c_str(), exe, sizeof exe - 1);
  if (n <= 0) return false;
  exe[n] = '\0';
  std::string name = Poco::Path(exe).getFileName();
  return name.rfind("rexray", 0) == 0; // "rexray", or "rexray (deleted)" after a rebuild
}

std::optional<pid_t> PidFile::runningPid() const {
  std::ifstream in(_path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  if (!isRexrayProcess(static_cast<pid_t>(pid))) return std::nullopt;
  return static_cast<pid_t>(pid);
}

void PidFile::acquire() {
  if (auto pid = runningPid(); pid && *pid != ::getpid())
    throw Error(ErrorKind::Busy, "REX-Ray is already running at PID " + std::to_string(*pid));
  Poco::File(Poco::Path(_path).parent()).createDirectories();
  if (Poco::File(_path).exists()) log::info("replacing stale pid file {}", _path);
  const std::string temp = _path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << ::getpid() << "\n";
    if (!out) throw Error(ErrorKind::Internal, "cannot write pid file " + temp);
  }
  if (::rename(temp.c_str(), _path.c_str()) != 0)
    throw Error(ErrorKind::Internal,
                "cannot write pid file " + _path + ": " + std::strerror(errno));
  _held = true;
}

void PidFile::release() {
  if (!_held) return;
  _held = false;
  std::ifstream in(_path);
  long pid = 0;
  if (in >> pid && pid == ::getpid()) ::unlink(_path.c_str());
}

} // namespace rexray
