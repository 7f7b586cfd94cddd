#pragma once

#include <mutex>
#include <set>
#include <string>

namespace rexray {

// The CSI rule "one operation per volume at a time; another one meanwhile
// is ABORTED at once" (the orchestrator retries it later), where the Docker
// front end would wait its turn. Keys are volume IDs, volume names and
// snapshot names: whatever a call is about.
class InFlight {
public:
  class Claim {
  public:
    Claim(InFlight &owner, std::string key) : _owner(&owner), _key(std::move(key)) {}
    Claim(Claim &&other) noexcept : _owner(other._owner), _key(std::move(other._key)) {
      other._owner = nullptr;
    }
    Claim(const Claim &) = delete;
    Claim &operator=(const Claim &) = delete;
    Claim &operator=(Claim &&) = delete;
    ~Claim() {
      if (_owner) _owner->release(_key);
    }

  private:
    InFlight *_owner;
    std::string _key;
  };

  // Throws CsiRefusal(ABORTED) naming `what` while another call holds `key`.
  Claim claim(const std::string &key, const std::string &what);

private:
  void release(const std::string &key);

  std::mutex _mutex;
  std::set<std::string> _keys;
};

} // namespace rexray
