#ifndef REXRAY_TESTS_EBS_TESTSUPPORT_H
#define REXRAY_TESTS_EBS_TESTSUPPORT_H

// Helpers for the ebs plugin's unit tests: temporary directories, scoped
// environment variables, and a tiny HTTP server on 127.0.0.1 whose answers
// the test scripts (a fake EC2 endpoint or metadata service).

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>

#include <rexray/sdk/driver.hpp>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace ebstest {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/rexray-ebs-test-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
};

inline void mkdirs(const std::string &path) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      cur = path.substr(0, i);
      ::mkdir(cur.c_str(), 0755);
    }
  }
}

inline void writeFile(const std::string &path, const std::string &content) {
  const auto slash = path.find_last_of('/');
  if (slash != std::string::npos) mkdirs(path.substr(0, slash));
  std::ofstream out(path, std::ios::trunc);
  out << content;
}

// Sets (or unsets, with nullopt) an environment variable for a scope.
class EnvVar {
public:
  EnvVar(const char *name, std::optional<std::string> value) : _name(name) {
    if (const char *old = std::getenv(name)) _old = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~EnvVar() {
    if (_old)
      ::setenv(_name.c_str(), _old->c_str(), 1);
    else
      ::unsetenv(_name.c_str());
  }
  EnvVar(const EnvVar &) = delete;
  EnvVar &operator=(const EnvVar &) = delete;

private:
  std::string _name;
  std::optional<std::string> _old;
};

// Every AWS credential variable unset for a scope.
struct CleanAwsEnv {
  EnvVar a{"AWS_ACCESS_KEY_ID", std::nullopt}, b{"AWS_SECRET_ACCESS_KEY", std::nullopt},
      c{"AWS_SESSION_TOKEN", std::nullopt}, d{"AWS_ACCESS_KEY", std::nullopt},
      e{"AWS_SECRET_KEY", std::nullopt}, f{"AWS_PROFILE", std::nullopt},
      g{"AWS_DEFAULT_PROFILE", std::nullopt}, h{"AWS_SHARED_CREDENTIALS_FILE", std::nullopt},
      i{"HTTP_PROXY", std::nullopt}, j{"HTTPS_PROXY", std::nullopt}, k{"http_proxy", std::nullopt},
      l{"https_proxy", std::nullopt};
};

struct SeenRequest {
  std::string method, uri, body;
  std::map<std::string, std::string> headers; // lower-case names
};

struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// An HTTP server on 127.0.0.1 (a free port) answering with `handler`.
class FakeServer {
public:
  using Handler = std::function<Reply(const SeenRequest &)>;

  explicit FakeServer(Handler handler)
      : FakeServer(std::move(handler),
                   Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0))) {}
  // On a socket of the caller's (e.g. a SecureServerSocket for HTTPS).
  FakeServer(Handler handler, const Poco::Net::ServerSocket &socket)
      : _handler(std::move(handler)) {
    _port = socket.address().port();
    auto *params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(64);
    params->setMaxQueued(256);
    params->setKeepAlive(false);
    _server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    _server->start();
  }
  ~FakeServer() { _server->stopAll(true); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(_port); }
  std::vector<SeenRequest> requests() {
    std::lock_guard<std::mutex> g(_mu);
    return _seen;
  }
  size_t count() {
    std::lock_guard<std::mutex> g(_mu);
    return _seen.size();
  }
  size_t count(const std::string &needle) {
    std::lock_guard<std::mutex> g(_mu);
    size_t n = 0;
    for (const auto &r : _seen) n += r.body.find(needle) != std::string::npos;
    return n;
  }

private:
  class Handler_ : public Poco::Net::HTTPRequestHandler {
  public:
    explicit Handler_(FakeServer &s) : _s(s) {}
    void handleRequest(Poco::Net::HTTPServerRequest &req,
                       Poco::Net::HTTPServerResponse &res) override {
      SeenRequest seen;
      seen.method = req.getMethod();
      seen.uri = req.getURI();
      for (const auto &h : req) {
        std::string n = h.first;
        for (auto &c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        seen.headers[n] = h.second;
      }
      std::ostringstream body;
      Poco::StreamCopier::copyStream(req.stream(), body);
      seen.body = body.str();
      Reply r;
      {
        std::lock_guard<std::mutex> g(_s._mu);
        _s._seen.push_back(seen);
      }
      r = _s._handler(seen);
      res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
      for (const auto &[k, v] : r.headers) res.set(k, v);
      res.setContentLength(static_cast<std::streamsize>(r.body.size()));
      res.send() << r.body;
    }

  private:
    FakeServer &_s;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit Factory(FakeServer &s) : _s(s) {}
    Poco::Net::HTTPRequestHandler *
    createRequestHandler(const Poco::Net::HTTPServerRequest &) override {
      return new Handler_(_s);
    }

  private:
    FakeServer &_s;
  };

  Handler _handler;
  uint16_t _port = 0;
  std::unique_ptr<Poco::Net::HTTPServer> _server;
  std::mutex _mu;
  std::vector<SeenRequest> _seen;
};

// An rxr_call with a deadline `ms` from now (0 = none).
struct TestCall {
  rxr_call raw{};
  explicit TestCall(int64_t ms = 0) {
    raw.struct_size = sizeof raw;
    raw.request_id = "test";
    if (ms > 0) raw.deadline_mono_ms = rexray::sdk::monotonicNowMs() + ms;
  }
  rexray::sdk::Call call() const { return rexray::sdk::Call(&raw); }
};

// An EC2 error envelope as EC2 (and the spec) writes it.
inline std::string ec2Error(const std::string &code, const std::string &message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>" + code +
         "</Code><Message>" + message +
         "</Message></Error></Errors><RequestID>b4c1-test</RequestID></Response>";
}

} // namespace ebstest

#endif // REXRAY_TESTS_EBS_TESTSUPPORT_H
