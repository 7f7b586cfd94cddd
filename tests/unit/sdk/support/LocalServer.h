#ifndef REXRAY_TEST_SDK_SUPPORT_LOCALSERVER_H
#define REXRAY_TEST_SDK_SUPPORT_LOCALSERVER_H

// A Poco HTTP(S) server on 127.0.0.1 for the support library's client tests.
// Each test hands it a function that answers a request with Poco's own
// objects, so a test can stall, trickle or misbehave as it likes. No test
// contacts anything but loopback.
#include <Poco/Event.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace supporttest {

using Answer = std::function<void(Poco::Net::HTTPServerRequest &, Poco::Net::HTTPServerResponse &)>;

class LocalServer {
public:
  explicit LocalServer(Answer answer)
      : LocalServer(std::move(answer), Poco::Net::ServerSocket(loopbackAnyPort())) {}
  LocalServer(Answer answer, const Poco::Net::ServerSocket &socket)
      : _answer(std::move(answer)), _port(socket.address().port()) {
    auto *params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(false);
    params->setMaxThreads(8);
    _server =
        std::make_unique<Poco::Net::HTTPServer>(new Factory(_answer, _active), socket, params);
    _server->start();
  }
  // Releases handlers stalled in wait() before stopping, and waits for every
  // handler to return: stopAll() does not join them, and a handler still
  // running would use this object after it is gone.
  ~LocalServer() {
    _release.set();
    _server->stopAll(true);
    while (_active.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  uint16_t port() const { return _port; }
  std::string url(const std::string &scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(_port);
  }
  // For handlers that stall: returns when the server is torn down (or after ms).
  void wait(long ms) { _release.tryWait(ms); }

  static Poco::Net::SocketAddress loopbackAnyPort() {
    return Poco::Net::SocketAddress("127.0.0.1", 0);
  }

private:
  struct Handler : Poco::Net::HTTPRequestHandler {
    Handler(const Answer &a, std::atomic<int> &n) : answer(a), active(n) { ++active; }
    ~Handler() override { --active; }
    void handleRequest(Poco::Net::HTTPServerRequest &req,
                       Poco::Net::HTTPServerResponse &res) override {
      answer(req, res);
    }
    const Answer &answer;
    std::atomic<int> &active;
  };
  struct Factory : Poco::Net::HTTPRequestHandlerFactory {
    Factory(const Answer &a, std::atomic<int> &n) : answer(a), active(n) {}
    Poco::Net::HTTPRequestHandler *
    createRequestHandler(const Poco::Net::HTTPServerRequest &) override {
      return new Handler(answer, active);
    }
    const Answer &answer;
    std::atomic<int> &active;
  };

  Answer _answer;
  uint16_t _port;
  std::atomic<int> _active{0}; // handlers alive
  Poco::Event _release{Poco::Event::EVENT_MANUALRESET};
  std::unique_ptr<Poco::Net::HTTPServer> _server;
};

// A self-signed certificate (by default for localhost / 127.0.0.1), made
// with the openssl CLI in a private directory that is removed afterwards.
struct SelfSigned {
  std::string dir;
  bool ok = false;
  explicit SelfSigned(const std::string &cn = "localhost",
                      const std::string &san = "DNS:localhost,IP:127.0.0.1") {
    char tmpl[] = "/tmp/rexray-support-tls-XXXXXX";
    if (!mkdtemp(tmpl)) return;
    dir = tmpl;
    const std::string cmd =
        "cd '" + dir +
        "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 "
        "-subj /CN=" +
        cn + " -addext subjectAltName=" + san + " >/dev/null 2>&1";
    ok = std::system(cmd.c_str()) == 0;
  }
  ~SelfSigned() {
    if (!dir.empty()) std::system(("rm -rf '" + dir + "'").c_str());
  }
  std::string cert() const { return dir + "/cert.pem"; }
  Poco::Net::SecureServerSocket socket() const {
    Poco::Net::Context::Ptr ctx =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, dir + "/key.pem", cert(), "",
                               Poco::Net::Context::VERIFY_NONE);
    return Poco::Net::SecureServerSocket(LocalServer::loopbackAnyPort(), 16, ctx);
  }
};

} // namespace supporttest

#endif // REXRAY_TEST_SDK_SUPPORT_LOCALSERVER_H
