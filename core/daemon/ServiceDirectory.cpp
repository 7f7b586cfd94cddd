#include "daemon/ServiceDirectory.h"

#include "util/Error.h"

namespace rexray {

const char *stateName(ServiceDirectory::State state) {
  switch (state) {
  case ServiceDirectory::State::Starting: return "starting";
  case ServiceDirectory::State::Ready: return "ready";
  case ServiceDirectory::State::Unavailable: return "unavailable";
  case ServiceDirectory::State::Failed: return "failed";
  }
  return "unknown";
}

ServiceDirectory::ServiceDirectory(std::vector<std::string> names) : _names(std::move(names)) {
  if (_names.empty()) throw Error(ErrorKind::Config, "no services are configured");
  for (const auto &n : _names) _entries[n];
}

void ServiceDirectory::markReady(const std::string &name, VolumeService &service) {
  {
    std::lock_guard<std::mutex> lock(_mutex);
    auto &e = _entries.at(name);
    e.state = State::Ready;
    e.error.clear();
    e.service = &service;
  }
  _changed.notify_all();
}

void ServiceDirectory::markUnavailable(const std::string &name, const std::string &reason) {
  mark(name, State::Unavailable, reason);
}

void ServiceDirectory::markFailed(const std::string &name, const std::string &reason) {
  mark(name, State::Failed, reason);
}

void ServiceDirectory::mark(const std::string &name, State state, const std::string &reason) {
  {
    std::lock_guard<std::mutex> lock(_mutex);
    auto &e = _entries.at(name);
    e.state = state;
    e.error = reason;
  }
  _changed.notify_all();
}

VolumeService &ServiceDirectory::get(const std::string &name, const Deadline &deadline) const {
  std::unique_lock<std::mutex> lock(_mutex);
  auto it = _entries.find(name);
  if (it == _entries.end()) throw Error(ErrorKind::NotFound, "service '" + name + "' not found");
  const Entry &e = it->second;
  if (!_changed.wait_until(lock, deadline.when(), [&] { return e.state != State::Starting; }))
    throw Error(ErrorKind::Timeout, "service '" + name + "' is still starting");
  if (e.state == State::Failed)
    throw Error(ErrorKind::Backend, "service '" + name + "' failed to start: " + e.error);
  if (e.state == State::Unavailable)
    throw Error(ErrorKind::Backend,
                "service '" + name + "' is not available yet (retrying): " + e.error);
  return *e.service;
}

std::vector<ServiceDirectory::Status> ServiceDirectory::statuses() const {
  std::lock_guard<std::mutex> lock(_mutex);
  std::vector<Status> out;
  for (const auto &n : _names) out.push_back({n, _entries.at(n).state, _entries.at(n).error});
  return out;
}

bool ServiceDirectory::ready(const std::string &name) const {
  std::lock_guard<std::mutex> lock(_mutex);
  auto it = _entries.find(name);
  return it != _entries.end() && it->second.state == State::Ready;
}

std::vector<VolumeService *> ServiceDirectory::readyServices() const {
  std::lock_guard<std::mutex> lock(_mutex);
  std::vector<VolumeService *> out;
  for (const auto &n : _names)
    if (_entries.at(n).state == State::Ready) out.push_back(_entries.at(n).service);
  return out;
}

} // namespace rexray
