#include "api/UnixHttpServer.h"

#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/TemporaryFile.h>

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace rexray;

namespace {

// "/slow" blocks until released; everything else answers at once, from memory.
class FakeService : public HttpService {
public:
  bool answersFromMemory(const Poco::Net::HTTPRequest &head) const override {
    return head.getURI() != "/slow";
  }
  HttpReply serve(const Poco::Net::HTTPRequest &head, const std::string &body,
                  Deadline::Clock::time_point) const override {
    if (head.getURI() == "/slow") {
      std::unique_lock<std::mutex> lock(_mutex);
      _released.wait(lock, [&] { return _release; });
    }
    return {200,
            "application/json",
            "{\"uri\":\"" + head.getURI() + "\",\"body\":\"" + body + "\"}",
            {}};
  }
  HttpReply refuse(int status, const std::string &message) const override {
    return {status, "application/json", "{\"refused\":\"" + message + "\"}", {}};
  }
  void release() {
    std::lock_guard<std::mutex> lock(_mutex);
    _release = true;
    _released.notify_all();
  }

private:
  mutable std::mutex _mutex;
  mutable std::condition_variable _released;
  bool _release = false;
};

Poco::Net::StreamSocket connectTo(const std::string &path) {
  Poco::Net::StreamSocket s;
  s.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path));
  s.setReceiveTimeout(Poco::Timespan(20, 0));
  return s;
}

// Everything until the server closes the connection.
std::string readAll(Poco::Net::StreamSocket &s) {
  std::string out;
  char buffer[4096];
  for (int n; (n = s.receiveBytes(buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  return out;
}

// One reply on a kept-alive connection (FakeService's bodies end with '}').
std::string readReply(Poco::Net::StreamSocket &s) {
  std::string out;
  char buffer[4096];
  for (int n;
       (out.empty() || out.back() != '}') && (n = s.receiveBytes(buffer, sizeof buffer)) > 0;)
    out.append(buffer, n);
  return out;
}

std::string roundTrip(const std::string &path, const std::string &request) {
  auto s = connectTo(path);
  s.sendBytes(request.data(), static_cast<int>(request.size()));
  return readAll(s);
}

struct Fixture {
  Fixture() : socket(Poco::TemporaryFile::tempName() + ".sock") {
    UnixHttpServer::Options options;
    options.idleTimeout = std::chrono::milliseconds(300);
    options.headTimeout = std::chrono::milliseconds(300);
    options.workers = 2;
    server = std::make_unique<UnixHttpServer>(socket, service, options);
    server->start();
  }
  std::string socket;
  std::shared_ptr<FakeService> service = std::make_shared<FakeService>();
  std::unique_ptr<UnixHttpServer> server;
};

} // namespace

TEST_CASE("UnixHttpServer: idle, trickling and busy clients leave the others answered") {
  Fixture f;
  struct stat st {};
  REQUIRE(::stat(f.socket.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);

  std::vector<Poco::Net::StreamSocket> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(connectTo(f.socket));
  auto partial = connectTo(f.socket);
  partial.sendBytes("POST /x HTTP/1.1\r\nHost:", 23);
  // Both workers for long requests busy: requests answered from memory still go.
  auto slow1 = connectTo(f.socket);
  auto slow2 = connectTo(f.socket);
  slow1.sendBytes("POST /slow HTTP/1.1\r\nConnection: close\r\n\r\n", 42);
  slow2.sendBytes("POST /slow HTTP/1.1\r\nConnection: close\r\n\r\n", 42);

  const std::string reply = roundTrip(
      f.socket, "POST /fast HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  CHECK(reply.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(reply.find("{\"uri\":\"/fast\",\"body\":\"hi\"}") != std::string::npos);
  f.service->release();
  CHECK(readAll(slow1).find("\"/slow\"") != std::string::npos);
  CHECK(readAll(slow2).find("\"/slow\"") != std::string::npos);

  // Past the idle timeout the server closes idle connections (a read sees
  // the end), and refuses the trickled head with 408.
  CHECK(readAll(idle.front()).empty());
  CHECK(readAll(partial).rfind("HTTP/1.1 408", 0) == 0);
}

TEST_CASE("UnixHttpServer: keep-alive, pipelining and refusals in the service's words") {
  Fixture f;
  const std::string two =
      roundTrip(f.socket, "POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\nPOST /b HTTP/1.1\r\n"
                          "Connection: close\r\n\r\n");
  CHECK(two.find("\"/a\"") != std::string::npos);
  CHECK(two.find("\"/b\"") < std::string::npos);
  CHECK(two.find("\"/a\"") < two.find("\"/b\""));

  const std::string bad = roundTrip(f.socket, "NONSENSE\r\n\r\n");
  CHECK(bad.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(bad.find("{\"refused\":\"malformed request line") != std::string::npos);

  const std::string big =
      roundTrip(f.socket, "POST /a HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n");
  CHECK(big.rfind("HTTP/1.1 413", 0) == 0);

  // A client that shuts its sending side after the request is still answered.
  auto s = connectTo(f.socket);
  s.sendBytes("POST /c HTTP/1.1\r\n\r\n", 20);
  s.shutdownSend();
  CHECK(readAll(s).find("\"/c\"") != std::string::npos);
}

TEST_CASE("UnixHttpServer: a socket handed over (socket activation) outlives the server, and "
          "stopping still answers what was accepted") {
  const std::string path = Poco::TemporaryFile::tempName() + ".sock";
  // The owner (systemd) binds and listens; each server gets a descriptor of it.
  Poco::Net::ServerSocket owner;
  owner.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path));
  owner.listen(16);
  auto service = std::make_shared<FakeService>();
  auto server = std::make_unique<UnixHttpServer>(::dup(owner.impl()->sockfd()), path, service,
                                                 UnixHttpServer::Options());
  server->start();
  CHECK(roundTrip(path, "POST /a HTTP/1.1\r\nConnection: close\r\n\r\n").find("\"/a\"") !=
        std::string::npos);

  auto kept = connectTo(path); // kept alive, idle between requests when the stop comes
  kept.sendBytes("POST /k HTTP/1.1\r\n\r\n", 20);
  CHECK(readReply(kept).find("\"/k\"") != std::string::npos);
  auto arriving = connectTo(path); // its request is on its way when the stop comes
  arriving.sendBytes("POST /late HTTP/1.1\r\n", 21);

  std::thread stopper([&] { server->stop(); });
  CHECK(readAll(kept).empty()); // closed: the stop has begun
  arriving.sendBytes("Connection: close\r\n\r\n", 21);
  stopper.join();
  CHECK(Poco::File(path).exists()); // the owner's, left in place

  // Meanwhile a client waits in the owner's backlog. Every client that
  // connected is answered, by the server that accepted it or by the next.
  auto waiting = connectTo(path);
  waiting.sendBytes("POST /next HTTP/1.1\r\nConnection: close\r\n\r\n", 42);
  UnixHttpServer next(::dup(owner.impl()->sockfd()), path, service, UnixHttpServer::Options());
  next.start();
  CHECK(readAll(arriving).find("\"/late\"") != std::string::npos);
  CHECK(readAll(waiting).find("\"/next\"") != std::string::npos);
  next.stop();
  owner.close();
  ::unlink(path.c_str());
}
