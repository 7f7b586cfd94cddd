#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// Listening sockets handed over by systemd (or anything speaking its socket
// activation protocol): descriptors 3 .. 3+LISTEN_FDS-1, meant for the process
// whose PID is LISTEN_PID, named by LISTEN_FDNAMES. Such a socket exists
// before the daemon and outlives it, so a client that connects while the
// daemon restarts waits in the listen backlog instead of being refused.
//
// Descriptors are matched to the sockets the daemon would bind by their path
// (getsockname), not by position or name: a socket unit written for another
// configuration cannot hand a service someone else's socket.
class ActivatedSockets {
public:
  struct Passed {
    int fd;
    std::string name;    // from LISTEN_FDNAMES ("" when not given)
    std::string path;    // the unix socket's path ("" when it is not one)
    std::string problem; // why it cannot be used ("" when it can)
  };

  // The descriptors passed to this process. Reads and unsets LISTEN_PID,
  // LISTEN_FDS and LISTEN_FDNAMES (children must not take them for their
  // own), and marks each descriptor close-on-exec. None passed: empty.
  static ActivatedSockets fromEnvironment();
  // The first and the count of passed descriptors, from the variables'
  // values, for the process `pid`; nullopt when they are not for it. Throws
  // Error(Invalid) when they are malformed.
  static std::optional<std::pair<int, int>> parse(const char *listenPid, const char *listenFds,
                                                  long pid);
  // Describes each descriptor (fd, path, whether it is a listening unix
  // stream socket).
  static ActivatedSockets inspect(int first, int count, const std::string &names);

  ActivatedSockets() = default;
  ActivatedSockets(ActivatedSockets &&) = default;
  ActivatedSockets &operator=(ActivatedSockets &&) = default;
  ~ActivatedSockets();

  bool empty() const { return _passed.empty(); }
  // The usable listening descriptor bound to `path`, or -1 (then the daemon
  // binds the path itself). Each descriptor is handed out once; the caller
  // owns it from then on.
  int take(const std::string &path);
  // Closes, with a warning each, the descriptors nobody took or could use:
  // a socket unit that lists a socket this configuration does not serve.
  void closeUnused();
  const std::vector<Passed> &passed() const { return _passed; }

private:
  std::vector<Passed> _passed;
  std::vector<bool> _taken;
};

} // namespace rexray
