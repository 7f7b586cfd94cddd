#pragma once

#include "csi/CsiSettings.h"
#include "csi/InFlight.h"
#include "daemon/ServiceDirectory.h"
#include "util/Deadline.h"

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace rexray {

// A request the front end refuses itself (a missing field, a bad token), with
// the CSI status code the spec names for it.
class CsiRefusal : public std::runtime_error {
public:
  CsiRefusal(grpc::StatusCode code, const std::string &message)
      : std::runtime_error(message), _code(code) {}
  grpc::StatusCode code() const { return _code; }

private:
  grpc::StatusCode _code;
};

// The spec's limit for names, IDs and paths' single strings: 128 bytes.
constexpr std::size_t kCsiMaxStringBytes = 128;
constexpr int64_t kGiBBytes = int64_t(1) << 30;

// INVALID_ARGUMENT "<field> is required" when empty, or longer than the spec
// allows (`limit` 0 = no limit: paths).
void requireField(const std::string &value, const char *field,
                  std::size_t limit = kCsiMaxStringBytes);

// What every CSI call shares: the service it serves, its settings, the
// in-flight guard, and the translation of a call's outcome into a status.
class CsiContext {
public:
  CsiContext(const ServiceDirectory &services, std::string service, CsiSettings settings)
      : _services(services), _service(std::move(service)), _settings(std::move(settings)) {}

  const std::string &serviceName() const { return _service; }
  const CsiSettings &settings() const { return _settings; }
  InFlight &inFlight() { return _inFlight; }
  VolumeService &service(const Deadline &deadline) const {
    return _services.get(_service, deadline);
  }

  // The call's one deadline: the client's when it set one, else
  // rexray.csi.timeout from the call's arrival.
  Deadline deadlineOf(const grpc::ServerContext &context) const;

  // How many volumes one node may have attached (NodeGetInfo's
  // max_volumes_per_node, enforced by ControllerPublish): the driver's
  // limit (its instance_info), lowered by rexray.csi.maxVolumesPerNode;
  // 0 = no limit.
  int64_t maxVolumesPerNode(VolumeService &service, const Deadline &deadline) const;

  // Runs body(deadline) and turns what it throws into the status the spec
  // names; logs failures (never a request: it may carry secrets).
  template <typename Body>
  grpc::Status serve(const char *method, const grpc::ServerContext *context, Body &&body) {
    try {
      body(deadlineOf(*context));
      return grpc::Status::OK;
    } catch (...) {
      return failure(method);
    }
  }

private:
  // The current exception as a status.
  grpc::Status failure(const char *method) const;

  const ServiceDirectory &_services;
  std::string _service;
  CsiSettings _settings;
  InFlight _inFlight;
};

} // namespace rexray
