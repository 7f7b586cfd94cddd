#include "api/DockerFrontend.h"

#include "api/JsonCodec.h"
#include "util/Error.h"
#include "util/Log.h"
#include "util/Names.h"
#include "volume/CreateOptions.h"

#include <algorithm>

namespace rexray {
namespace {

const std::string kContentType = "application/vnd.docker.plugins.v1+json";

using json::quote;

DockerFrontend::Reply ok(std::string body) {
  return {200, std::move(body)};
}
DockerFrontend::Reply mountpoint(const std::string &path) {
  return ok("{\"Mountpoint\":" + quote(path) + ",\"Err\":\"\"}");
}

// A request that does not decode into Docker's types (a Go client could not
// have sent it): HTTP 400, like an undecodable body.
class BadRequest : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

std::string optionalString(const Poco::JSON::Object::Ptr &request, const std::string &key) {
  if (!request->has(key) || request->isNull(key)) return "";
  const Poco::Dynamic::Var value = request->get(key);
  if (!value.isString()) throw BadRequest(key + " must be a JSON string");
  return value.extract<std::string>();
}

std::string requiredName(const Poco::JSON::Object::Ptr &request) {
  if (!request->has("Name") || request->isNull("Name"))
    throw Error(ErrorKind::Invalid, "the request has no Name");
  std::string name = optionalString(request, "Name");
  validateName(name);
  return name;
}

// Opts is null or an object of strings (Go's map[string]string).
std::map<std::string, std::string> createOptions(const Poco::JSON::Object::Ptr &request) {
  std::map<std::string, std::string> options;
  if (!request->has("Opts") || request->isNull("Opts")) return options;
  const auto opts = request->getObject("Opts");
  if (!opts) throw BadRequest("Opts must be a JSON object of strings");
  for (const auto &key : opts->getNames()) {
    if (!opts->isNull(key) && !opts->get(key).isString())
      throw BadRequest("option " + key + " must be a JSON string");
    options[key] = optionalString(opts, key);
  }
  return options;
}

// Get and List are Docker's hottest calls (every `docker volume ls` and
// `inspect`); their replies are written directly rather than through
// Poco::JSON::Object, which costs more than the lookup they answer.
void appendMember(std::string &out, const char *key, const std::string &value) {
  out += '"';
  out += key;
  out += "\":";
  out += quote(value);
  out += ',';
}

void appendMember(std::string &out, const char *key, int64_t value) {
  out += '"';
  out += key;
  out += "\":";
  out += std::to_string(value);
  out += ',';
}

std::string getReply(const Volume &v) {
  std::string out = "{\"Volume\":{";
  appendMember(out, "Name", v.name);
  appendMember(out, "Mountpoint", v.mountPath);
  if (v.createdUnix > 0) appendMember(out, "CreatedAt", json::rfc3339(v.createdUnix));
  out += "\"Status\":{";
  appendMember(out, "id", v.id);
  appendMember(out, "size", v.sizeGiB);
  appendMember(out, "type", v.type);
  appendMember(out, "iops", v.iops);
  appendMember(out, "availabilityZone", v.availabilityZone);
  appendMember(out, "status", v.status);
  out += v.encrypted ? "\"encrypted\":true," : "\"encrypted\":false,";
  appendMember(out, "attachedInstanceID", v.attachedInstanceId);
  for (const auto &f : v.fields) // a plugin's keys: escape them too
    out += quote(f.first) + ":" + quote(f.second) + ",";
  appendMember(out, "service", v.service);
  out.back() = '}';
  out += "},\"Err\":\"\"}";
  return out;
}

std::string renderList(const std::vector<VolumeCache::Shared> &volumes) {
  std::string out = "{\"Volumes\":[";
  for (const auto &v : volumes) {
    out += "{\"Name\":";
    out += quote(v->name);
    out += ",\"Mountpoint\":";
    out += quote(v->mountPath);
    out += "},";
  }
  if (!volumes.empty()) out.pop_back();
  out += "],\"Err\":\"\"}";
  return out;
}

} // namespace

std::string DockerFrontend::getReplyFor(const VolumeCache::Shared &volume) const {
  std::lock_guard<std::mutex> guard(_getMemoGuard);
  auto &slot = _getMemo[volume->id];
  if (slot.first != volume) {
    // Entries of volumes changed or gone are dropped now and then; a Get is
    // rendered again only after its volume changed.
    if (_getMemo.size() > kGetMemoLimit) {
      _getMemo.clear();
      return getReply(*volume);
    }
    slot = {volume, getReply(*volume)};
  }
  return slot.second;
}

std::string DockerFrontend::listReply(const VolumeCache::Listing &listing) const {
  return *_listMemo.text(listing, renderList);
}

DockerFrontend::DockerFrontend(const ServiceDirectory &services, std::string service,
                               RequestTimeouts timeouts)
    : _services(services), _service(std::move(service)), _timeouts(timeouts),
      _durations(_service, {"Plugin.Activate", "VolumeDriver.Capabilities", "VolumeDriver.Create",
                            "VolumeDriver.Remove", "VolumeDriver.Mount", "VolumeDriver.Unmount",
                            "VolumeDriver.Path", "VolumeDriver.Get", "VolumeDriver.List"}) {}

Deadline DockerFrontend::deadlineFor(const std::string &path,
                                     Deadline::Clock::time_point arrival) const {
  const bool slow = path == "/VolumeDriver.Create" || path == "/VolumeDriver.Mount";
  return Deadline::at(arrival + (slow ? _timeouts.dockerLong : _timeouts.dockerShort));
}

bool DockerFrontend::answersFromMemory(const Poco::Net::HTTPRequest &head) const {
  const std::string &path = head.getURI();
  return path == "/Plugin.Activate" || path == "/VolumeDriver.Capabilities" ||
         path == "/VolumeDriver.Get" || path == "/VolumeDriver.List" ||
         path == "/VolumeDriver.Path";
}

bool DockerFrontend::answersAtOnce(const Poco::Net::HTTPRequest &head) const {
  return answersFromMemory(head) && _services.ready(_service);
}

HttpReply DockerFrontend::serve(const Poco::Net::HTTPRequest &head, const std::string &body,
                                Deadline::Clock::time_point arrival) const {
  if (head.getMethod() != Poco::Net::HTTPRequest::HTTP_POST) {
    HttpReply reply = refuse(405, "method " + head.getMethod() +
                                      " not allowed: the volume plugin protocol is POST only");
    reply.headers.emplace_back("Allow", "POST");
    return reply;
  }
  Reply reply = handle(head.getURI(), body, arrival);
  std::string_view operation(head.getURI()); // "/VolumeDriver.Mount"
  if (!operation.empty()) operation.remove_prefix(1);
  _durations.observe(operation, reply.status == 200, Deadline::Clock::now() - arrival);
  return {reply.status, kContentType, std::move(reply.body), {}};
}

HttpReply DockerFrontend::refuse(int status, const std::string &message) const {
  return {status, kContentType, "{\"Err\":" + quote(message) + "}", {}};
}

DockerFrontend::Reply DockerFrontend::handle(const std::string &path, const std::string &body,
                                             Deadline::Clock::time_point arrival) const {
  const Deadline deadline = deadlineFor(path, arrival);
  if (path == "/Plugin.Activate") return ok("{\"Implements\":[\"VolumeDriver\"]}");
  Poco::JSON::Object::Ptr request;
  try {
    request = json::parseObject(body);
  } catch (const Error &e) {
    log::warn("docker {} {}: {}", _service, path, e.what());
    return {400, "{\"Err\":" + quote(e.what()) + "}"};
  }
  try {
    if (path == "/VolumeDriver.Capabilities") {
      const std::string scope = _services.get(_service, deadline).driver().scope();
      return ok("{\"Capabilities\":{\"Scope\":" + quote(scope) + "}}");
    }
    if (path == "/VolumeDriver.Path") {
      const std::string name = requiredName(request);
      auto v = _services.get(_service, deadline).cachedShared(name);
      return mountpoint(v ? v->mountPath : "");
    }
    if (path == "/VolumeDriver.Get") {
      const std::string name = requiredName(request);
      auto v = _services.get(_service, deadline).cachedShared(name);
      if (!v)
        throw Error(ErrorKind::NotFound,
                    "volume '" + name + "' not found in service '" + _service + "'");
      return ok(getReplyFor(v));
    }
    if (path == "/VolumeDriver.List")
      return ok(listReply(_services.get(_service, deadline).cachedListing()));
    if (path == "/VolumeDriver.Mount") {
      const std::string name = requiredName(request);
      const std::string id = optionalString(request, "ID");
      return mountpoint(
          _services.get(_service, deadline).mount(name, id, MountOptions{}, deadline));
    }
    if (path == "/VolumeDriver.Unmount") {
      const std::string name = requiredName(request);
      _services.get(_service, deadline).unmount(name, optionalString(request, "ID"), deadline);
      return ok("{\"Err\":\"\"}");
    }
    if (path == "/VolumeDriver.Create") {
      const std::string name = requiredName(request);
      CreateSpec spec = parseCreateOptions(name, createOptions(request));
      _services.get(_service, deadline).ensure(spec, deadline);
      return ok("{\"Err\":\"\"}");
    }
    if (path == "/VolumeDriver.Remove") {
      _services.get(_service, deadline).remove(requiredName(request), false, deadline);
      return ok("{\"Err\":\"\"}");
    }
    return {404, "{\"Err\":" + quote("unknown method " + path) + "}"};
  } catch (const BadRequest &e) {
    log::warn("docker {} {}: {}", _service, path, e.what());
    return {400, "{\"Err\":" + quote(e.what()) + "}"};
  } catch (const Error &e) {
    // The answer Docker gets, with this request's ID (the logger adds it).
    log::warn("docker {} {}: {}", _service, path, e.what());
    return {500, "{\"Err\":" + quote(e.what()) + "}"};
  } catch (const Poco::Exception &e) {
    log::error("docker {} {}: {}", _service, path, e.displayText());
    return {500, "{\"Err\":" + quote(e.displayText()) + "}"};
  } catch (const std::exception &e) {
    log::error("docker {} {}: {}", _service, path, e.what());
    return {500, "{\"Err\":" + quote(e.what()) + "}"};
  }
}

} // namespace rexray
