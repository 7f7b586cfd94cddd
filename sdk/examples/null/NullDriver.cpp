// The smallest useful driver: volumes that exist only in memory. It shows
// the shape of every plugin: derive from rexray::sdk::Driver, override what
// the backend supports, declare the configuration keys it reads, export one
// entry with RXR_EXPORT_DRIVER. The host validates the `null:` section
// against the declared keys and hands back their defaults.
#include <rexray/sdk/driver.hpp>

#include <map>
#include <mutex>

namespace {

class NullDriver : public rexray::sdk::Driver {
public:
  NullDriver(const rexray::sdk::Host &host, std::string service)
      : Driver(host, std::move(service)), _prefix(host.config("prefix", "")) {
    host.info("null driver ready for service " + this->service());
  }

  std::string instanceId(const rexray::sdk::Call &) override { return "null-host"; }

  std::vector<rexray::sdk::Volume> volumes(const rexray::sdk::Call &) override {
    std::lock_guard<std::mutex> lock(_mutex);
    std::vector<rexray::sdk::Volume> out;
    for (const auto &entry : _volumes) out.push_back(entry.second);
    return out;
  }

  rexray::sdk::Volume volume(const rexray::sdk::Call &, const std::string &id) override {
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _volumes.find(id);
    if (it == _volumes.end())
      throw rexray::sdk::Error(RXR_E_NOT_FOUND, "null: volume '" + id + "' not found");
    return it->second;
  }

  rexray::sdk::Volume createVolume(const rexray::sdk::Call &,
                                   const rexray::sdk::CreateOptions &opts) override {
    if (opts.sizeGiB <= 0) throw std::invalid_argument("null: size must be positive");
    std::lock_guard<std::mutex> lock(_mutex);
    rexray::sdk::Volume v;
    v.id = _prefix + std::to_string(++_next);
    v.name = opts.name;
    v.sizeGiB = opts.sizeGiB;
    v.status = "available";
    _volumes[v.id] = v;
    return v;
  }

  void removeVolume(const rexray::sdk::Call &, const std::string &id, bool) override {
    std::lock_guard<std::mutex> lock(_mutex);
    if (_volumes.erase(id) == 0)
      throw rexray::sdk::Error(RXR_E_NOT_FOUND, "null: volume '" + id + "' not found");
  }

private:
  std::string _prefix;
  std::mutex _mutex;
  std::map<std::string, rexray::sdk::Volume> _volumes;
  int _next = 0;
};

} // namespace

namespace {

constexpr rxr_config_key kKeys[] = {
    rexray::sdk::key("prefix", RXR_TYPE_STRING, "null-", "prefix of the volume ids"),
};

constexpr auto kPlugin = rexray::sdk::Plugin("io.rexray.example.null", "null", "1.1.0")
                             .vendor("rexray examples")
                             .description("Volumes that live in memory (an SDK example)")
                             .configKeys(kKeys);

} // namespace

RXR_EXPORT_DRIVER(NullDriver, kPlugin);
