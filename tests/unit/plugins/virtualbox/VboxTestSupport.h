// Shared fixtures for the virtualbox driver tests: a fake host, a scripted
// SOAP transport (a tiny in-memory vboxwebsrv), and a temporary directory.
#ifndef REXRAY_TESTS_VIRTUALBOX_TESTSUPPORT_H
#define REXRAY_TESTS_VIRTUALBOX_TESTSUPPORT_H

#include "virtualbox/SoapEnvelope.h"
#include "virtualbox/SoapTransport.h"

#include <rexray/sdk/driver.hpp>

#include <ftw.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace vboxtest {

// An rxr_host whose config_get answers from a map and whose log keeps lines.
struct FakeHost {
  rxr_host raw{};
  std::map<std::string, std::string> config;
  std::vector<std::string> logs;

  FakeHost() {
    raw.struct_size = sizeof raw;
    raw.abi_minor = RXR_ABI_MINOR;
    raw.host_data = this;
    raw.log = [](const rxr_host *h, rxr_log_level, const char *msg) {
      static_cast<FakeHost *>(h->host_data)->logs.emplace_back(msg);
    };
    raw.log_enabled = [](const rxr_host *, rxr_log_level) { return 1; };
    raw.config_get = &FakeHost::configGet;
    raw.get_extension = [](const rxr_host *, const char *) -> const void * { return nullptr; };
  }
  FakeHost(const FakeHost &) = delete;
  FakeHost &operator=(const FakeHost &) = delete;

  static rxr_status configGet(const rxr_host *h, const char *key, char *buf, size_t cap,
                              size_t *needed) {
    auto &me = *static_cast<FakeHost *>(h->host_data);
    const auto it = me.config.find(key);
    if (it == me.config.end()) return RXR_E_NOT_FOUND;
    if (needed) *needed = it->second.size() + 1;
    if (cap < it->second.size() + 1) return RXR_E_TOO_SMALL;
    std::copy(it->second.begin(), it->second.end(), buf);
    buf[it->second.size()] = '\0';
    return RXR_OK;
  }
  bool logged(const std::string &needle) const {
    for (const auto &l : logs)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

// ---- reply builders (gSOAP style, as vboxwebsrv answers)

inline std::string envelope(const std::string &body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" "
         "xmlns:vbox=\"http://www.virtualbox.org/\"><SOAP-ENV:Body>" +
         body + "</SOAP-ENV:Body></SOAP-ENV:Envelope>";
}

// A response with one <returnval> per value (raw XML inside each).
inline rexray::virtualbox::HttpReply ok(const std::string &method,
                                        const std::vector<std::string> &values = {}) {
  std::string inner;
  for (const auto &v : values) inner += "<returnval>" + v + "</returnval>";
  return {200,
          envelope("<vbox:" + method + "Response>" + inner + "</vbox:" + method + "Response>")};
}

inline rexray::virtualbox::HttpReply runtimeFault(uint32_t code, const std::string &text,
                                                  const std::string &errorInfo = "") {
  const auto s = static_cast<int32_t>(code);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", code);
  return {500, envelope("<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>"
                        "VirtualBox error: apirc=" +
                        std::string(hex) + " " + text + " (" + hex +
                        ")</faultstring><detail><vbox:RuntimeFault><resultCode>" +
                        std::to_string(s) + "</resultCode><returnval>" + errorInfo +
                        "</returnval></vbox:RuntimeFault></detail></SOAP-ENV:Fault>")};
}

inline rexray::virtualbox::HttpReply invalidObject(const std::string &ref) {
  return {500,
          envelope("<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>"
                   "VirtualBox error: Invalid managed object reference \"" +
                   ref + "\"</faultstring><detail><vbox:InvalidObjectFault><badObjectID>" + ref +
                   "</badObjectID></vbox:InvalidObjectFault></detail></SOAP-ENV:Fault>")};
}

// One decoded request.
struct Request {
  std::string method;
  std::map<std::string, std::vector<std::string>> args;
  std::string arg(const std::string &name) const {
    auto it = args.find(name);
    return it == args.end() || it->second.empty() ? std::string() : it->second.front();
  }
};

inline Request decode(const std::string &body) {
  using rexray::virtualbox::parseXml;
  const auto root = parseXml(body);
  const auto *b = root.child("Body");
  if (!b || b->children.empty()) throw std::runtime_error("no SOAP body in request");
  Request r;
  r.method = b->children.front().name;
  for (const auto &c : b->children.front().children) r.args[c.name].push_back(c.text);
  return r;
}

// A scripted transport: each method name maps to a handler. Unknown methods
// answer E_NOTIMPL. Every request is recorded. Shared state lives in the
// FakeVbox object, which outlives the transport handed to the client.
struct FakeVbox {
  using Handler = std::function<rexray::virtualbox::HttpReply(const Request &)>;
  std::map<std::string, Handler> handlers;
  std::vector<Request> requests;
  std::vector<std::string> bodies;
  int dropNext = 0;    // the next N posts fail as a lost connection would
  bool refuse = false; // every post fails as a refused connection would

  int count(const std::string &method) const {
    int n = 0;
    for (const auto &r : requests) n += r.method == method;
    return n;
  }

  std::unique_ptr<rexray::virtualbox::SoapTransport> transport() {
    struct T : rexray::virtualbox::SoapTransport {
      FakeVbox *fake;
      explicit T(FakeVbox *f) : fake(f) {}
      rexray::virtualbox::HttpReply post(const std::string &body,
                                         rexray::virtualbox::Deadline) override {
        fake->bodies.push_back(body);
        Request r = decode(body);
        fake->requests.push_back(r);
        if (fake->refuse)
          throw rexray::sdk::Error(RXR_E_BACKEND, "cannot talk to vboxwebsrv at http://fake:18083: "
                                                  "Connection refused");
        if (fake->dropNext > 0) {
          --fake->dropNext;
          throw rexray::virtualbox::ConnectionLost(
              "vboxwebsrv at http://fake:18083 reset the connection: "
              "Connection reset by peer");
        }
        auto it = fake->handlers.find(r.method);
        if (it == fake->handlers.end()) return runtimeFault(0x80004001, r.method + " not scripted");
        return it->second(r);
      }
      std::string endpoint() const override { return "http://fake:18083"; }
    };
    return std::make_unique<T>(this);
  }
};

// A mkdtemp directory under /tmp, deleted with everything in it.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/rexray-vbox-test-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    char real[PATH_MAX];
    path = ::realpath(tmpl, real) ? real : tmpl;
  }
  ~TempDir() {
    ::nftw(
        path.c_str(),
        [](const char *p, const struct stat *, int, struct FTW *) { return ::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
};

} // namespace vboxtest

#endif // REXRAY_TESTS_VIRTUALBOX_TESTSUPPORT_H
