#include "api/DockerFrontend.h"

#include "api/DockerCreateOptions.h"
#include "api/JsonCodec.h"
#include "util/Error.h"
#include "util/Log.h"
#include "util/Names.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSONString.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StreamCopier.h>

namespace rexray {
namespace {

const std::string kContentType = "application/vnd.docker.plugins.v1+json";

// Poco::toJSON leaves "/" alone (UTF8::escape would write "\\/" in every path).
std::string quoted(const std::string &s) {
  return Poco::toJSON(s);
}

DockerFrontend::Reply ok(std::string body) {
  return {200, std::move(body)};
}
DockerFrontend::Reply mountpoint(const std::string &path) {
  return ok("{\"Mountpoint\":" + quoted(path) + ",\"Err\":\"\"}");
}

std::string requiredName(const Poco::JSON::Object::Ptr &request) {
  if (!request->has("Name") || request->isNull("Name"))
    throw Error(ErrorKind::Invalid, "the request has no Name");
  std::string name = request->getValue<std::string>("Name");
  validateName(name);
  return name;
}

std::string optionalString(const Poco::JSON::Object::Ptr &request, const char *key) {
  return request->has(key) && !request->isNull(key) ? request->getValue<std::string>(key) : "";
}

Poco::JSON::Object::Ptr statusOf(const Volume &v) {
  auto status = json::orderedObject();
  status->set("id", v.id);
  status->set("size", v.sizeGiB);
  status->set("type", v.type);
  status->set("iops", v.iops);
  status->set("availabilityZone", v.availabilityZone);
  status->set("status", v.status);
  status->set("encrypted", v.encrypted);
  status->set("attachedInstanceID", v.attachedInstanceId);
  status->set("service", v.service);
  for (const auto &f : v.fields) status->set(f.first, f.second);
  return status;
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
  explicit Handler(const DockerFrontend &frontend) : _frontend(frontend) {}
  void handleRequest(Poco::Net::HTTPServerRequest &request,
                     Poco::Net::HTTPServerResponse &response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    DockerFrontend::Reply reply = _frontend.handle(request.getURI(), body);
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    response.setContentType(kContentType);
    response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
    response.send() << reply.body;
  }

private:
  const DockerFrontend &_frontend;
};

} // namespace

DockerFrontend::DockerFrontend(const ServiceDirectory &services, std::string service)
    : _services(services), _service(std::move(service)) {}

Poco::Net::HTTPRequestHandler *
DockerFrontend::createRequestHandler(const Poco::Net::HTTPServerRequest &) {
  return new Handler(*this);
}

DockerFrontend::Reply DockerFrontend::handle(const std::string &path,
                                             const std::string &body) const {
  if (path == "/Plugin.Activate") return ok("{\"Implements\":[\"VolumeDriver\"]}");
  Poco::JSON::Object::Ptr request;
  try {
    request = json::parseObject(body);
  } catch (const Error &e) {
    return {400, "{\"Err\":" + quoted(e.what()) + "}"};
  }
  try {
    if (path == "/VolumeDriver.Capabilities") {
      const std::string scope = _services.get(_service).driver().scope();
      return ok("{\"Capabilities\":{\"Scope\":" + quoted(scope) + "}}");
    }
    if (path == "/VolumeDriver.Path") {
      const std::string name = requiredName(request);
      auto v = _services.get(_service).cachedFind(name);
      return mountpoint(v ? v->mountPath : "");
    }
    if (path == "/VolumeDriver.Get") {
      const std::string name = requiredName(request);
      auto v = _services.get(_service).cachedFind(name);
      if (!v)
        throw Error(ErrorKind::NotFound,
                    "volume '" + name + "' not found in service '" + _service + "'");
      auto volume = json::orderedObject();
      volume->set("Name", v->name);
      volume->set("Mountpoint", v->mountPath);
      if (v->createdUnix > 0) volume->set("CreatedAt", json::rfc3339(v->createdUnix));
      volume->set("Status", statusOf(*v));
      auto reply = json::orderedObject();
      reply->set("Volume", volume);
      reply->set("Err", "");
      return ok(json::stringify(reply));
    }
    if (path == "/VolumeDriver.List") {
      Poco::JSON::Array::Ptr volumes = new Poco::JSON::Array;
      for (const auto &v : _services.get(_service).cachedList()) {
        auto entry = json::orderedObject();
        entry->set("Name", v.name);
        entry->set("Mountpoint", v.mountPath);
        volumes->add(entry);
      }
      auto reply = json::orderedObject();
      reply->set("Volumes", volumes);
      reply->set("Err", "");
      return ok(json::stringify(reply));
    }
    if (path == "/VolumeDriver.Mount") {
      const std::string name = requiredName(request);
      const std::string id = optionalString(request, "ID");
      return mountpoint(_services.get(_service).mount(name, id, MountOptions{}));
    }
    if (path == "/VolumeDriver.Unmount") {
      const std::string name = requiredName(request);
      _services.get(_service).unmount(name, optionalString(request, "ID"));
      return ok("{\"Err\":\"\"}");
    }
    if (path == "/VolumeDriver.Create") {
      const std::string name = requiredName(request);
      std::map<std::string, std::string> options;
      if (auto opts = request->getObject("Opts"))
        for (const auto &key : opts->getNames()) options[key] = opts->get(key).toString();
      CreateSpec spec = parseDockerCreateOptions(name, options);
      VolumeService &service = _services.get(_service);
      // Docker creates before every first use of a name; an existing volume is
      // success, as in REX-Ray.
      auto existing = service.cachedFind(name);
      if (!existing || existing->name != name) {
        try {
          service.create(spec);
        } catch (const Error &e) {
          if (e.kind() != ErrorKind::Exists) throw;
        }
      }
      return ok("{\"Err\":\"\"}");
    }
    if (path == "/VolumeDriver.Remove") {
      _services.get(_service).remove(requiredName(request), false);
      return ok("{\"Err\":\"\"}");
    }
    return {404, "{\"Err\":" + quoted("unknown method " + path) + "}"};
  } catch (const Error &e) {
    log::info("docker {} {}: {}", _service, path, e.what());
    return {500, "{\"Err\":" + quoted(e.what()) + "}"};
  } catch (const Poco::Exception &e) {
    log::error("docker {} {}: {}", _service, path, e.displayText());
    return {500, "{\"Err\":" + quoted(e.displayText()) + "}"};
  } catch (const std::exception &e) {
    log::error("docker {} {}: {}", _service, path, e.what());
    return {500, "{\"Err\":" + quoted(e.what()) + "}"};
  }
}

} // namespace rexray
