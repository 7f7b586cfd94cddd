// A driver whose volumes are the lines of <endpoint>/volumes, fetched with
// the SDK's support library: enough to show an outside plugin reaching an
// HTTP backend through rexray::sdk_support, within the call's deadline.
#include <rexray/sdk/driver.hpp>
#include <rexray/sdk/support/Http.hpp>
#include <rexray/sdk/support/Retry.hpp>

#include <sstream>

namespace {

namespace support = rexray::sdk::support;

class ProbeDriver : public rexray::sdk::Driver {
public:
  ProbeDriver(const rexray::sdk::Host &host, std::string service)
      : Driver(host, std::move(service)),
        _endpoint(support::Endpoint::parse(host.config("endpoint", ""))) {}

  std::string instanceId(const rexray::sdk::Call &) override { return _endpoint.origin; }

  std::vector<rexray::sdk::Volume> volumes(const rexray::sdk::Call &call) override {
    const auto deadline = support::Deadline::of(call, 10000);
    support::RetryPolicy policy;
    policy.maxAttempts = 3;
    support::HttpRequest request;
    request.endpoint = _endpoint;
    request.path = "/volumes";
    const auto response = support::retryWithin(
        deadline, policy, [&] { return support::exchange(request, deadline); },
        [](std::exception_ptr) { return true; });
    if (response.status != 200)
      throw rexray::sdk::Error(RXR_E_BACKEND, "probe: HTTP " + std::to_string(response.status));
    std::vector<rexray::sdk::Volume> out;
    std::istringstream lines(response.body);
    for (std::string id; std::getline(lines, id);) {
      if (id.empty()) continue;
      rexray::sdk::Volume v;
      v.id = v.name = id;
      v.sizeGiB = 1;
      v.status = "available";
      out.push_back(v);
    }
    return out;
  }

private:
  support::Endpoint _endpoint;
};

constexpr rxr_config_key kKeys[] = {
    rexray::sdk::key("endpoint", RXR_TYPE_STRING, "http://127.0.0.1:1", "where the list is"),
};

constexpr auto kPlugin = rexray::sdk::Plugin("io.rexray.test.probe", "probe", "1.0.0")
                             .vendor("rexray tests")
                             .description("Volumes listed by an HTTP endpoint (support test)")
                             .configKeys(kKeys);

} // namespace

RXR_EXPORT_DRIVER(ProbeDriver, kPlugin);
