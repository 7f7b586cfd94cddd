#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace rexray {

// /var/run/rexray/rexray.pid. A file naming a process that is gone (or is
// not rexray) is stale and gets replaced.
class PidFile {
public:
  explicit PidFile(std::string path) : _path(std::move(path)) {}

  // The PID of a running rexray recorded in the file, if any.
  std::optional<pid_t> runningPid() const;
  // Writes our PID; throws Busy when another rexray is running.
  void acquire();
  // Removes the file if it still names us.
  void release();
  const std::string &path() const { return _path; }

private:
  std::string _path;
  bool _held = false;
};

// True when pid is alive and its executable is a rexray.
bool isRexrayProcess(pid_t pid);

} // namespace rexray
