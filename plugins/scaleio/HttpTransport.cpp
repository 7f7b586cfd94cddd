#include "GatewayTransport.h"

namespace rexray::scaleio {

namespace {

class HttpTransport : public GatewayTransport {
public:
  explicit HttpTransport(const ScaleioSettings &settings)
      : _endpoint(sdk::support::Endpoint::parse(settings.endpoint)) {
    // The gateway's hrefs start at /api: only what stands before it stays.
    _endpoint.path = settings.apiPrefix;
    _tls.verify = !settings.insecure;
  }

  GatewayReply send(const GatewayRequest &request,
                    const sdk::support::Deadline &deadline) override {
    sdk::support::HttpRequest http;
    http.method = request.method;
    http.endpoint = _endpoint;
    http.path = request.path;
    http.headers = request.headers;
    http.body = request.body;
    const auto response = sdk::support::exchange(http, deadline, _tls);
    return {response.status, response.body};
  }

private:
  sdk::support::Endpoint _endpoint;
  sdk::support::TlsOptions _tls;
};

} // namespace

std::unique_ptr<GatewayTransport> makeHttpTransport(const ScaleioSettings &settings) {
  return std::make_unique<HttpTransport>(settings);
}

} // namespace rexray::scaleio
