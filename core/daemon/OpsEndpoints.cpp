#include "daemon/OpsEndpoints.h"

#include <rexray/sdk/driver.h>

#include <fmt/format.h>

namespace rexray {
namespace {

std::string pathOf(const std::string &uri) {
  return uri.substr(0, uri.find_first_of("?#"));
}

HttpReply text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

} // namespace

bool isOpsPath(const std::string &uri) {
  const std::string path = pathOf(uri);
  return path == "/metrics" || path == "/healthz" || path == "/readyz";
}

std::optional<HttpReply> serveOps(const std::string &method, const std::string &uri,
                                  const ServiceDirectory &services) {
  if (!isOpsPath(uri)) return std::nullopt;
  if (method != "GET" && method != "HEAD") {
    HttpReply reply = text(405, "method " + method + " not allowed: GET only\n");
    reply.headers.emplace_back("Allow", "GET, HEAD");
    return reply;
  }
  const std::string path = pathOf(uri);
  if (path == "/metrics")
    return HttpReply{200, metrics::kContentType, metrics::Registry::global().render(), {}};
  if (path == "/healthz") return text(200, "ok\n");
  bool ready = true;
  std::string body;
  for (const auto &s : services.statuses()) {
    ready = ready && s.state == ServiceDirectory::State::Ready;
    body += fmt::format("{}: {}{}\n", s.name, stateName(s.state),
                        s.error.empty() ? "" : " (" + s.error + ")");
  }
  return text(ready ? 200 : 503, body);
}

std::unique_ptr<metrics::Registry::CollectorHandle>
collectServiceGauges(const ServiceDirectory &services) {
  using metrics::GaugeSample;
  std::vector<metrics::Registry::GaugeFamily> families = {
      {"rexray_build_info", "The running build: version, commit and plugin ABI (always 1)."},
      {"rexray_service_ready", "1 when the service is ready, 0 while it starts or has failed."},
      {"rexray_volumes", "Volumes the service knows (its cache, refreshed from the backend)."},
      {"rexray_mounts", "Volumes of the service mounted on this host."},
  };
  return metrics::Registry::global().addCollector(std::move(families), [&services] {
    std::vector<GaugeSample> out;
    out.push_back({"rexray_build_info",
                   {{"version", REXRAY_VERSION},
                    {"commit", REXRAY_GIT_COMMIT},
                    {"abi", fmt::format("{}.{}", RXR_ABI_MAJOR, RXR_ABI_MINOR)}},
                   1});
    for (const auto &s : services.statuses())
      out.push_back({"rexray_service_ready",
                     {{"service", s.name}},
                     s.state == ServiceDirectory::State::Ready ? 1.0 : 0.0});
    for (VolumeService *service : services.readyServices()) {
      const auto volumes = service->cachedListing(); // shared, not copied
      size_t mounted = 0;
      for (const auto &v : *volumes) mounted += v->mountPath.empty() ? 0 : 1;
      out.push_back(
          {"rexray_volumes", {{"service", service->name()}}, static_cast<double>(volumes->size())});
      out.push_back(
          {"rexray_mounts", {{"service", service->name()}}, static_cast<double>(mounted)});
    }
    return out;
  });
}

} // namespace rexray
