#pragma once

#include "volume/VolumeService.h"

#include "util/Deadline.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace rexray {

// The daemon's services by name, each starting, ready, unavailable or
// failed. Front ends are up before any driver initialises, so a request may
// arrive while its service starts: it waits (bounded by its own deadline). A
// service whose backend could not be reached yet is tried again in the
// background; meanwhile it answers at once with the last error, since the
// next attempt may be many seconds away. A service that failed for good (its
// configuration, not its backend) answers every request with that failure.
class ServiceDirectory {
public:
  enum class State { Starting, Ready, Unavailable, Failed };
  struct Status {
    std::string name;
    State state;
    std::string error;
  };

  explicit ServiceDirectory(std::vector<std::string> names);

  void markReady(const std::string &name, VolumeService &service);
  // Not reachable yet, to be tried again: `reason` is the last attempt's error.
  void markUnavailable(const std::string &name, const std::string &reason);
  void markFailed(const std::string &name, const std::string &reason);

  // Throws NotFound for an unknown name, the failure for a failed service,
  // the last error for an unavailable one, and Timeout when it is still
  // starting at the request's deadline.
  VolumeService &get(const std::string &name, const Deadline &deadline) const;
  const std::vector<std::string> &names() const { return _names; }
  const std::string &defaultName() const { return _names.front(); }
  std::vector<Status> statuses() const;
  // Whether the service is ready now (never waits).
  bool ready(const std::string &name) const;
  // Every service that is ready now.
  std::vector<VolumeService *> readyServices() const;

private:
  void mark(const std::string &name, State state, const std::string &reason);

  struct Entry {
    State state = State::Starting;
    std::string error;
    VolumeService *service = nullptr;
  };
  std::vector<std::string> _names;
  mutable std::mutex _mutex;
  mutable std::condition_variable _changed;
  std::map<std::string, Entry> _entries;
};

const char *stateName(ServiceDirectory::State state);

} // namespace rexray
