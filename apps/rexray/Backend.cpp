#include "Backend.h"

#include "Commands.h"
#include "api/ApiClient.h"
#include "api/JsonCodec.h"
#include "api/RequestTimeouts.h"
#include "api/UnixHttpServer.h"
#include "util/Error.h"
#include "util/Log.h"
#include "util/Paths.h"

#include <Poco/JSON/Array.h>
#include <Poco/URI.h>

namespace rexray::cli {
namespace {

class LocalBackend : public Backend {
public:
  LocalBackend(const Invocation &inv, const Deadline &deadline)
      : _deadline(deadline), _runtime(makeRuntime(inv)), _service(_runtime->service(inv.service)) {}

  std::string instanceId() override { return _service.instanceId(_deadline); }
  std::vector<Volume> list() override { return _service.list(_deadline); }
  Volume inspect(const std::string &ref) override { return _service.inspect(ref, _deadline); }
  Volume create(const CreateSpec &spec) override { return _service.create(spec, _deadline); }
  void remove(const std::string &ref, bool force) override {
    _service.remove(ref, force, _deadline);
  }
  Volume attach(const std::string &ref, bool force) override {
    return _service.attach(ref, force, _deadline);
  }
  void detach(const std::string &ref, bool force) override {
    _service.detach(ref, force, _deadline);
  }
  std::string mount(const std::string &ref, const MountOptions &options) override {
    return _service.mount(ref, "", options, _deadline);
  }
  void unmount(const std::string &ref) override { _service.unmount(ref, "", _deadline); }
  std::string path(const std::string &ref) override { return _service.path(ref, _deadline); }
  std::vector<Snapshot> snapshots(const std::string &volumeRef) override {
    return _service.snapshots(volumeRef, _deadline);
  }
  Snapshot createSnapshot(const std::string &volumeRef, const std::string &name,
                          const std::string &description) override {
    return _service.createSnapshot(volumeRef, name, description, _deadline);
  }
  void removeSnapshot(const std::string &ref) override { _service.removeSnapshot(ref, _deadline); }
  Snapshot copySnapshot(const std::string &ref, const std::string &name,
                        const std::string &region) override {
    return _service.copySnapshot(ref, name, region, _deadline);
  }

private:
  const Deadline _deadline;
  std::unique_ptr<Runtime> _runtime;
  VolumeService &_service;
};

class RemoteBackend : public Backend {
public:
  RemoteBackend(const std::string &socket, const std::string &service, const Deadline &deadline)
      : _client(socket), _deadline(deadline) {
    _service = service;
    if (_service.empty()) {
      auto services = _client.call("GET", "/services", _deadline).extract<Poco::JSON::Array::Ptr>();
      if (services->size() == 0) throw Error(ErrorKind::Config, "the daemon has no services");
      _service = services->getObject(0)->getValue<std::string>("name");
    }
  }

  std::string instanceId() override {
    return object("GET", "/instance/" + esc(_service))->getValue<std::string>("instanceID");
  }
  std::vector<Volume> list() override {
    return json::parseVolumes(_client.callText("GET", volumes(), _deadline));
  }
  Volume inspect(const std::string &ref) override {
    return json::toVolume(object("GET", volumes(ref)));
  }
  Volume create(const CreateSpec &spec) override {
    return json::toVolume(object("POST", volumes(), json::fromCreateSpec(spec)));
  }
  void remove(const std::string &ref, bool force) override {
    _client.call("DELETE", volumes(ref) + (force ? "?force=true" : ""), _deadline);
  }
  Volume attach(const std::string &ref, bool force) override {
    return json::toVolume(object("POST", volumes(ref) + "/attach", forceBody(force)));
  }
  void detach(const std::string &ref, bool force) override {
    _client.call("POST", volumes(ref) + "/detach", _deadline, forceBody(force));
  }
  std::string mount(const std::string &ref, const MountOptions &options) override {
    auto body = json::orderedObject();
    body->set("fsType", options.fsType);
    body->set("overwriteFs", options.overwriteFs);
    return object("POST", volumes(ref) + "/mount", body)->getValue<std::string>("path");
  }
  void unmount(const std::string &ref) override {
    _client.call("POST", volumes(ref) + "/unmount", _deadline, json::orderedObject());
  }
  std::string path(const std::string &ref) override {
    return object("GET", volumes(ref) + "/path")->getValue<std::string>("path");
  }
  std::vector<Snapshot> snapshots(const std::string &volumeRef) override {
    std::string uri = "/snapshots/" + esc(_service);
    if (!volumeRef.empty()) uri += "?volume=" + esc(volumeRef);
    std::vector<Snapshot> out;
    auto arr = _client.call("GET", uri, _deadline).extract<Poco::JSON::Array::Ptr>();
    for (size_t i = 0; i < arr->size(); ++i)
      out.push_back(json::toSnapshot(arr->getObject(static_cast<unsigned>(i))));
    return out;
  }
  Snapshot createSnapshot(const std::string &volumeRef, const std::string &name,
                          const std::string &description) override {
    auto body = json::orderedObject();
    body->set("volume", volumeRef);
    body->set("name", name);
    body->set("description", description);
    return json::toSnapshot(object("POST", "/snapshots/" + esc(_service), body));
  }
  void removeSnapshot(const std::string &ref) override {
    _client.call("DELETE", "/snapshots/" + esc(_service) + "/" + esc(ref), _deadline);
  }
  Snapshot copySnapshot(const std::string &ref, const std::string &name,
                        const std::string &region) override {
    auto body = json::orderedObject();
    body->set("name", name);
    body->set("region", region);
    return json::toSnapshot(
        object("POST", "/snapshots/" + esc(_service) + "/" + esc(ref) + "/copy", body));
  }

private:
  static std::string esc(const std::string &s) {
    std::string out;
    Poco::URI::encode(s, "/?#%&=+ ", out);
    return out;
  }
  std::string volumes() const { return "/volumes/" + esc(_service); }
  std::string volumes(const std::string &ref) const {
    if (ref.empty()) throw Error(ErrorKind::Invalid, "a volume name or ID is required");
    return volumes() + "/" + esc(ref);
  }
  static Poco::JSON::Object::Ptr forceBody(bool force) {
    auto body = json::orderedObject();
    body->set("force", force);
    return body;
  }
  Poco::JSON::Object::Ptr object(const std::string &method, const std::string &uri,
                                 const Poco::JSON::Object::Ptr &body = nullptr) {
    return _client.call(method, uri, _deadline, body).extract<Poco::JSON::Object::Ptr>();
  }

  ApiClient _client;
  const Deadline _deadline;
  std::string _service;
};

} // namespace

std::unique_ptr<Backend> makeBackend(const Invocation &inv) {
  // The command's one deadline, counted from its start.
  const Deadline deadline = Deadline::in(inv.timeout.value_or(RequestTimeouts{}.api));
  const std::string socket = Paths::fromEnvironment().controlSocketPath();
  if (unixSocketAnswers(socket)) {
    log::debug("using the daemon at {}", socket);
    return std::make_unique<RemoteBackend>(socket, inv.service, deadline);
  }
  return std::make_unique<LocalBackend>(inv, deadline);
}

} // namespace rexray::cli
