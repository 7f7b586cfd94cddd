#include "csi/InFlight.h"

#include "csi/CsiCall.h"

namespace rexray {

InFlight::Claim InFlight::claim(const std::string &key, const std::string &what) {
  std::lock_guard<std::mutex> lock(_mutex);
  if (!_keys.insert(key).second)
    throw CsiRefusal(grpc::StatusCode::ABORTED,
                     "an operation on " + what + " is already in progress; try again later");
  return Claim(*this, key);
}

void InFlight::release(const std::string &key) {
  std::lock_guard<std::mutex> lock(_mutex);
  _keys.erase(key);
}

} // namespace rexray
