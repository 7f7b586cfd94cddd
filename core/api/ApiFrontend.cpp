#include "api/ApiFrontend.h"

#include "api/ApiErrors.h"
#include "api/JsonCodec.h"
#include "config/ValueParsers.h"
#include "daemon/OpsEndpoints.h"
#include "metrics/Metrics.h"
#include "util/Error.h"
#include "util/Log.h"

#include <Poco/JSON/Array.h>
#include <Poco/StringTokenizer.h>
#include <Poco/URI.h>

#include <algorithm>

namespace rexray {
namespace {

using Reply = ApiFrontend::Reply;

Reply object(const Poco::JSON::Object::Ptr &o, int status = 200) {
  return {status, json::stringify(o)};
}

Reply array(const Poco::JSON::Array::Ptr &a) {
  std::ostringstream out;
  a->stringify(out);
  return {200, out.str()};
}

Reply empty() {
  return {200, "{}"};
}

bool flagIn(const Poco::JSON::Object::Ptr &o, const char *key) {
  return o->has(key) && !o->isNull(key) && o->getValue<bool>(key);
}

std::string stringIn(const Poco::JSON::Object::Ptr &o, const char *key) {
  return o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : "";
}

} // namespace

bool ApiFrontend::answersFromMemory(const Poco::Net::HTTPRequest &head) const {
  if (head.getMethod() != Poco::Net::HTTPRequest::HTTP_GET) return false;
  if (isOpsPath(head.getURI())) return true;
  try {
    const Poco::URI uri(head.getURI());
    if (uri.getPath() == "/services") return true;
    for (const auto &parameter : uri.getQueryParameters())
      if (parameter.first == "cached") return true;
  } catch (const Poco::Exception &) {
    // Not a URI: handle() answers it, on a worker like any other request.
  }
  return false;
}

HttpReply ApiFrontend::serve(const Poco::Net::HTTPRequest &head, const std::string &body,
                             Deadline::Clock::time_point arrival) const {
  const auto started = Deadline::Clock::now();
  if (auto ops = serveOps(head.getMethod(), head.getURI(), _services)) return std::move(*ops);
  Reply reply;
  try {
    const Deadline deadline = deadlineFor(head.get(kTimeoutHeader, ""), arrival);
    reply = handle(head.getMethod(), head.getURI(), body, deadline);
  } catch (const Error &e) {
    reply = {api::statusFor(e.kind()), json::stringify(api::errorBody(e))};
  }
  observe(head.getMethod(), head.getURI(), reply.status < 400, Deadline::Clock::now() - started);
  return {reply.status, "application/json", std::move(reply.body), {}};
}

// The control API's operations, named by method and route with the service
// left out: "GET /volumes", "GET /volumes/{ref}", "POST /volumes/{ref}/mount".
// Any other path counts as "other", so that no client can make up series.
std::string ApiFrontend::volumesReply(const std::string &service,
                                      const VolumeCache::Listing &listing) const {
  const ListingMemo *memo;
  {
    std::lock_guard<std::mutex> guard(_memoGuard);
    memo = &_volumesMemo[service]; // std::map: the element stays where it is
  }
  return *memo->text(listing, [](const auto &volumes) { return json::volumesArray(volumes); });
}

void ApiFrontend::observe(const std::string &method, const std::string &uri, bool ok,
                          std::chrono::nanoseconds elapsed) const {
  std::vector<std::string> parts;
  const std::string path = uri.substr(0, uri.find_first_of("?#"));
  for (const auto &p : Poco::StringTokenizer(path, "/", Poco::StringTokenizer::TOK_IGNORE_EMPTY))
    parts.push_back(p);
  std::string service;
  if (parts.size() >= 2) {
    const auto &names = _services.names();
    if (std::find(names.begin(), names.end(), parts[1]) != names.end()) service = parts[1];
  }
  const bool routed = !parts.empty() && parts.size() <= 4 &&
                      (parts.size() == 1 ? parts[0] == "services" : !service.empty());
  std::string operation = "other";
  if (routed) {
    operation = method + " /" + parts[0];
    if (parts.size() >= 3) operation += "/{ref}";
    if (parts.size() == 4)
      operation += parts[3] == "path" || parts[3] == "copy" || parts[3] == "attach" ||
                           parts[3] == "detach" || parts[3] == "mount" || parts[3] == "unmount"
                       ? "/" + parts[3]
                       : "/other";
  }
  metrics::operationDuration(service, operation, ok).observe(elapsed);
}

HttpReply ApiFrontend::refuse(int status, const std::string &message) const {
  const ErrorKind kind = status == 408   ? ErrorKind::Timeout
                         : status >= 500 ? ErrorKind::Internal
                                         : ErrorKind::Invalid;
  return {status, "application/json", json::stringify(api::errorBody(Error(kind, message))), {}};
}

Deadline ApiFrontend::deadlineFor(const std::string &timeoutHeader,
                                  Deadline::Clock::time_point arrival) const {
  if (timeoutHeader.empty()) return Deadline::at(arrival + _timeouts.api);
  const auto ms = parseInt(timeoutHeader);
  if (!ms || *ms <= 0)
    throw Error(ErrorKind::Invalid, std::string(kTimeoutHeader) +
                                        ": expected a positive number of milliseconds, got '" +
                                        timeoutHeader + "'");
  return Deadline::at(arrival + std::chrono::milliseconds(*ms));
}

ApiFrontend::Reply ApiFrontend::handle(const std::string &method, const std::string &uri,
                                       const std::string &body, const Deadline &deadline) const {
  try {
    Poco::URI parsed(uri);
    // Split the raw path before decoding, so that a name holding an encoded
    // "/" stays one segment and reaches the name check.
    std::vector<std::string> parts;
    const std::string rawPath = uri.substr(0, uri.find_first_of("?#"));
    for (const auto &raw :
         Poco::StringTokenizer(rawPath, "/", Poco::StringTokenizer::TOK_IGNORE_EMPTY)) {
      std::string segment;
      Poco::URI::decode(raw, segment);
      parts.push_back(segment);
    }
    std::map<std::string, std::string> query;
    for (const auto &[k, v] : parsed.getQueryParameters()) query[k] = v;
    const Poco::JSON::Object::Ptr request = json::parseObject(body);
    const size_t n = parts.size();
    const auto is = [&](size_t count, const char *first) {
      return n == count && parts[0] == first;
    };

    if (method == "GET" && is(1, "services")) {
      Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
      for (const auto &s : _services.statuses()) {
        auto o = json::orderedObject();
        o->set("name", s.name);
        o->set("state", stateName(s.state));
        o->set("error", s.error);
        if (s.state == ServiceDirectory::State::Ready) {
          auto &svc = _services.get(s.name, deadline);
          o->set("driver", svc.driver().plugin().name);
          o->set("scope", svc.driver().scope());
        }
        out->add(o);
      }
      return array(out);
    }
    if (n < 2) throw Error(ErrorKind::NotFound, "no such API route: " + method + " " + uri);
    VolumeService &svc = _services.get(parts[1], deadline);

    if (method == "GET" && is(2, "instance")) {
      auto o = json::orderedObject();
      o->set("instanceID", svc.instanceId(deadline));
      return object(o);
    }
    if (parts[0] == "volumes") {
      if (n == 2 && method == "GET") {
        return {200, volumesReply(parts[1], query.count("cached") ? svc.cachedListing()
                                                                  : svc.listing(deadline))};
      }
      if (n == 2 && method == "POST")
        return object(json::fromVolume(svc.create(json::toCreateSpec(request), deadline)), 201);
      const std::string &ref = n >= 3 ? parts[2] : "";
      if (n == 3 && method == "GET") return object(json::fromVolume(svc.inspect(ref, deadline)));
      if (n == 3 && method == "DELETE") {
        svc.remove(ref, query.count("force") && query["force"] != "false", deadline);
        return empty();
      }
      if (n == 4 && method == "GET" && parts[3] == "path") {
        auto o = json::orderedObject();
        o->set("path", svc.path(ref, deadline));
        return object(o);
      }
      if (n == 4 && method == "POST") {
        const std::string &action = parts[3];
        if (action == "attach")
          return object(json::fromVolume(svc.attach(ref, flagIn(request, "force"), deadline)));
        if (action == "detach") {
          svc.detach(ref, flagIn(request, "force"), deadline);
          return empty();
        }
        if (action == "mount") {
          MountOptions options;
          options.fsType = stringIn(request, "fsType");
          options.overwriteFs = flagIn(request, "overwriteFs");
          auto o = json::orderedObject();
          o->set("path", svc.mount(ref, stringIn(request, "callerID"), options, deadline));
          return object(o);
        }
        if (action == "unmount") {
          svc.unmount(ref, stringIn(request, "callerID"), deadline);
          return empty();
        }
      }
    }
    if (parts[0] == "snapshots") {
      if (n == 2 && method == "GET") {
        Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
        for (const auto &s : svc.snapshots(query.count("volume") ? query["volume"] : "", deadline))
          out->add(json::fromSnapshot(s));
        return array(out);
      }
      if (n == 2 && method == "POST")
        return object(json::fromSnapshot(
                          svc.createSnapshot(stringIn(request, "volume"), stringIn(request, "name"),
                                             stringIn(request, "description"), deadline)),
                      201);
      if (n == 3 && method == "DELETE") {
        svc.removeSnapshot(parts[2], deadline);
        return empty();
      }
      if (n == 4 && method == "POST" && parts[3] == "copy")
        return object(json::fromSnapshot(svc.copySnapshot(parts[2], stringIn(request, "name"),
                                                          stringIn(request, "region"), deadline)),
                      201);
    }
    throw Error(ErrorKind::NotFound, "no such API route: " + method + " " + uri);
  } catch (const Error &e) {
    return {api::statusFor(e.kind()), json::stringify(api::errorBody(e))};
  } catch (const Poco::Exception &e) {
    log::error("api {} {}: {}", method, uri, e.displayText());
    return {500, json::stringify(api::errorBody(Error(ErrorKind::Internal, e.displayText())))};
  } catch (const std::exception &e) {
    log::error("api {} {}: {}", method, uri, e.what());
    return {500, json::stringify(api::errorBody(Error(ErrorKind::Internal, e.what())))};
  }
}

} // namespace rexray
