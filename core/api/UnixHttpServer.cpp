#include "api/UnixHttpServer.h"

#include "api/WorkerPool.h"
#include "util/Error.h"
#include "util/Log.h"
#include "util/RequestContext.h"

#include <Poco/File.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Path.h>
#include <Poco/Timestamp.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <vector>

namespace rexray {

bool unixSocketAnswers(const std::string &path) {
  try {
    Poco::Net::StreamSocket probe;
    probe.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path),
                  Poco::Timespan(0, 200000));
    return true;
  } catch (const Poco::Exception &) {
    return false;
  }
}

namespace {

using Clock = Deadline::Clock;

const std::string kRequestIdHeader = "X-Request-Id";

// epoll data of the two descriptors that are not connections.
constexpr uint64_t kListenerId = 0;
constexpr uint64_t kWakeId = 1;
// How often deadlines are checked: one pass over all connections each time,
// rather than a timer per connection.
constexpr std::chrono::milliseconds kSweepInterval{250};
// Read per wake-up of one connection, so that one fast sender cannot keep
// the loop from the others.
constexpr size_t kReadChunk = 64 * 1024;
// Stopping, a connection accepted just before waits this long for its first
// request (its client connected, so the bytes are on their way).
constexpr std::chrono::milliseconds kStopGrace{1000};

std::string serialize(const HttpReply &reply, const std::string &version, bool keepAlive) {
  Poco::Net::HTTPResponse response(version,
                                   static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  response.setContentType(reply.contentType);
  response.setContentLength64(static_cast<Poco::Int64>(reply.body.size()));
  response.setKeepAlive(keepAlive);
  response.setDate(Poco::Timestamp());
  for (const auto &[name, value] : reply.headers) response.set(name, value);
  std::ostringstream out;
  response.write(out);
  out << reply.body;
  return out.str();
}

// Poco 1.11 has no public way to wrap a descriptor it did not open
// (ServerSocket::fromFileDescriptor came in 1.12); its protected members do.
class AdoptedServerSocketImpl : public Poco::Net::ServerSocketImpl {
public:
  explicit AdoptedServerSocketImpl(int fd) { reset(fd); }
};
class AdoptedServerSocket : public Poco::Net::ServerSocket {
public:
  explicit AdoptedServerSocket(int fd) : ServerSocket(new AdoptedServerSocketImpl(fd), true) {}
};

} // namespace

// Poco 1.11's PollSet cannot be woken from another thread (wakeUp() came in
// 1.12), and SocketReactor sends its timeout only when no socket at all is
// ready, so a busy server would never time out its idle connections; the
// loop therefore drives epoll itself, with an eventfd through which workers
// hand their replies back, and a sweep that enforces each connection's
// deadline. Connections are plain non-blocking descriptors for the same
// reason; Poco binds the listening socket and parses the heads.
class UnixHttpServer::Loop {
public:
  Loop(Poco::Net::ServerSocket listener, std::shared_ptr<const HttpService> service,
       Options options)
      : _listener(std::move(listener)), _service(std::move(service)), _options(options),
        _workers(options.workers), _memoryWorkers(options.memoryWorkers) {
    _epoll = ::epoll_create1(EPOLL_CLOEXEC);
    _wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (_epoll < 0 || _wake < 0)
      throw Error(ErrorKind::Internal,
                  std::string("cannot set up the HTTP server: ") + std::strerror(errno));
    _listener.setBlocking(false);
    control(EPOLL_CTL_ADD, _listener.impl()->sockfd(), EPOLLIN, kListenerId);
    control(EPOLL_CTL_ADD, _wake, EPOLLIN, kWakeId);
  }

  ~Loop() {
    stop();
    for (auto &entry : _connections) ::close(entry.second.fd);
    ::close(_wake);
    ::close(_epoll);
  }

  void start() {
    _thread = std::thread([this] { run(); });
  }

  // Returns once every request in flight has been answered.
  void stop() {
    _stopping = true;
    wake();
    if (_thread.joinable()) _thread.join();
  }

private:
  enum class Phase { Reading, Working, Writing };
  struct Connection {
    Connection(int descriptor, const HttpLimits &limits) : fd(descriptor), reader(limits) {}
    int fd;
    HttpRequestReader reader;
    Phase phase = Phase::Reading;
    uint32_t watched = 0; // epoll events registered, 0 = not registered
    std::string out;
    size_t written = 0;
    bool closeAfterWrite = false;
    bool peerDone = false; // the client shut down its sending side
    bool served = false;   // at least one reply went out on it
    Clock::time_point idleSince;
    Clock::time_point writeSince;
  };
  struct Done {
    uint64_t id;
    std::string bytes;
    bool close;
  };

  void control(int op, int fd, uint32_t events, uint64_t id) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = id;
    ::epoll_ctl(_epoll, op, fd, &e);
  }

  void watch(uint64_t id, Connection &c, uint32_t events) {
    if (c.watched == events) return;
    if (events == 0)
      control(EPOLL_CTL_DEL, c.fd, 0, id);
    else
      control(c.watched == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, events, id);
    c.watched = events;
  }

  void wake() {
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(_wake, &one, sizeof one);
  }

  void run() {
    std::vector<epoll_event> events(256);
    auto nextSweep = Clock::now() + kSweepInterval;
    bool listening = true;
    for (;;) {
      if (_stopping && listening) {
        control(EPOLL_CTL_DEL, _listener.impl()->sockfd(), 0, kListenerId);
        _listener.close();
        listening = false;
        closeReading();
      }
      if (!listening && _connections.empty()) return;
      const auto wait =
          std::chrono::duration_cast<std::chrono::milliseconds>(nextSweep - Clock::now());
      const int n = ::epoll_wait(_epoll, events.data(), static_cast<int>(events.size()),
                                 static_cast<int>(std::max<int64_t>(0, wait.count())));
      for (int i = 0; i < n; ++i) {
        const uint64_t id = events[i].data.u64;
        if (id == kListenerId)
          accept();
        else if (id == kWakeId)
          collectReplies();
        else
          readyOrDropped(id);
      }
      if (Clock::now() >= nextSweep) {
        sweep(listening);
        nextSweep = Clock::now() + kSweepInterval;
      }
    }
  }

  void accept() {
    for (;;) {
      const int fd =
          ::accept4(_listener.impl()->sockfd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        const uint64_t id = _nextId++;
        Connection &c = _connections.try_emplace(id, fd, _options.limits).first->second;
        c.idleSince = Clock::now();
        watch(id, c, EPOLLIN);
        continue;
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && closeOldestIdle()) continue;
      if (errno == EMFILE || errno == ENFILE) {
        // Nothing idle to give up: stop taking connections until the next
        // sweep, rather than spin on a listener that stays readable.
        control(EPOLL_CTL_DEL, _listener.impl()->sockfd(), 0, kListenerId);
        _listenerPaused = true;
        log::warn("HTTP server: out of file descriptors; not accepting for a moment");
      }
      return;
    }
  }

  // Out of descriptors, the connection that has waited longest without a
  // request in progress gives way: an idle client costs only itself.
  bool closeOldestIdle() {
    auto oldest = _connections.end();
    for (auto it = _connections.begin(); it != _connections.end(); ++it) {
      const Connection &c = it->second;
      if (c.phase != Phase::Reading || c.reader.state() != HttpRequestReader::State::Idle) continue;
      if (oldest == _connections.end() || c.idleSince < oldest->second.idleSince) oldest = it;
    }
    if (oldest == _connections.end()) return false;
    close(oldest->first);
    return true;
  }

  void close(uint64_t id) {
    auto it = _connections.find(id);
    if (it == _connections.end()) return;
    ::close(it->second.fd); // also takes it out of epoll
    _connections.erase(it);
  }

  // Stopping: requests in flight are still answered. A kept-alive
  // connection idle between requests is closed (HTTP lets its client retry);
  // one that was accepted but has not had its first request yet, or whose
  // request is arriving, is answered: its client already sent, or is
  // sending, to a socket that stays open for the next daemon (socket
  // activation), and must not see its connection cut.
  void closeReading() {
    std::vector<uint64_t> ids;
    for (const auto &entry : _connections) {
      const Connection &c = entry.second;
      if (c.phase == Phase::Reading && c.served &&
          c.reader.state() == HttpRequestReader::State::Idle && !bytesWaiting(c.fd))
        ids.push_back(entry.first);
    }
    for (uint64_t id : ids) close(id);
  }

  static bool bytesWaiting(int fd) {
    char byte;
    return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
  }

  // One connection's failure (no memory for its body) ends that connection,
  // never the loop that serves all the others.
  void readyOrDropped(uint64_t id) {
    try {
      onReady(id);
    } catch (const std::exception &e) {
      log::error("HTTP server: dropping a connection: {}", e.what());
      close(id);
    }
  }

  void onReady(uint64_t id) {
    auto it = _connections.find(id);
    if (it == _connections.end()) return;
    Connection &c = it->second;
    if (c.phase == Phase::Writing) {
      write(id, c);
      return;
    }
    if (c.phase != Phase::Reading) return;
    char buffer[16 * 1024];
    for (size_t total = 0; total < kReadChunk;) {
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        c.reader.append(buffer, static_cast<size_t>(n));
        total += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      // The client is done sending (or failed). A request it sent in full is
      // still answered (`printf ... | nc -N`); anything less has no one to
      // answer.
      c.peerDone = true;
      if (c.reader.advance(Clock::now()) != HttpRequestReader::State::Complete) {
        close(id);
        return;
      }
      break;
    }
    read(id, c);
  }

  // Parses what came; hands a whole request to a worker, or answers a
  // refusal and closes.
  void read(uint64_t id, Connection &c) {
    const auto state = c.reader.advance(Clock::now());
    if (c.reader.takeContinue())
      sendNow(c, "HTTP/1.1 100 Continue\r\n\r\n"); // a few bytes into an empty socket buffer
    if (state == HttpRequestReader::State::Refused) {
      log::debug("HTTP {}: {}", c.reader.refusalStatus(), c.reader.refusalReason());
      reply(id, c,
            serialize(_service->refuse(c.reader.refusalStatus(), c.reader.refusalReason()),
                      "HTTP/1.1", false),
            true);
      return;
    }
    if (state != HttpRequestReader::State::Complete) return;
    auto request = std::make_shared<ReceivedRequest>(c.reader.take());
    if (_service->answersAtOnce(*request->head)) {
      Done done = answer(id, *request);
      reply(id, c, std::move(done.bytes), done.close);
      return;
    }
    c.phase = Phase::Working;
    watch(id, c, 0);
    WorkerPool &pool = _service->answersFromMemory(*request->head) ? _memoryWorkers : _workers;
    pool.post([this, id, request] { work(id, *request); });
  }

  Done answer(uint64_t id, const ReceivedRequest &request) {
    // Every line logged while serving it names the request; the client's
    // own ID when it sent a usable one, echoed either way.
    const request::Scope requestId(request::acceptId(request.head->get(kRequestIdHeader, "")));
    HttpReply reply;
    try {
      reply = _service->serve(*request.head, request.body, request.arrival);
    } catch (const std::exception &e) {
      log::error("HTTP {} {}: {}", request.head->getMethod(), request.head->getURI(), e.what());
      reply = _service->refuse(500, e.what());
    }
    reply.headers.emplace_back(kRequestIdHeader, request::currentId());
    const bool keepAlive = request.head->getKeepAlive() && !_stopping;
    return Done{id, serialize(reply, request.head->getVersion(), keepAlive), !keepAlive};
  }

  // On a worker.
  void work(uint64_t id, const ReceivedRequest &request) {
    Done done = answer(id, request);
    {
      std::lock_guard<std::mutex> lock(_doneMutex);
      _done.push_back(std::move(done));
    }
    wake();
  }

  void collectReplies() {
    uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(_wake, &count, sizeof count);
    std::vector<Done> done;
    {
      std::lock_guard<std::mutex> lock(_doneMutex);
      done.swap(_done);
    }
    for (auto &d : done) {
      auto it = _connections.find(d.id);
      if (it != _connections.end()) reply(d.id, it->second, std::move(d.bytes), d.close);
    }
  }

  void reply(uint64_t id, Connection &c, std::string bytes, bool closeAfter) {
    c.phase = Phase::Writing;
    c.out = std::move(bytes);
    c.written = 0;
    c.closeAfterWrite = closeAfter || c.peerDone || _stopping;
    c.writeSince = Clock::now();
    write(id, c);
  }

  void write(uint64_t id, Connection &c) {
    while (c.written < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        watch(id, c, EPOLLOUT);
        return;
      }
      close(id);
      return;
    }
    if (c.closeAfterWrite) {
      // Refused requests may leave unread bytes (a body never read); what was
      // written stays readable by the client after the close.
      ::shutdown(c.fd, SHUT_WR);
      close(id);
      return;
    }
    c.out.clear();
    c.out.shrink_to_fit();
    c.served = true;
    c.phase = Phase::Reading;
    c.idleSince = Clock::now();
    watch(id, c, EPOLLIN);
    read(id, c); // a request may already be waiting behind the last one
  }

  static void sendNow(Connection &c, const std::string &bytes) {
    [[maybe_unused]] auto n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  void sweep(bool listening) {
    if (_listenerPaused && listening) {
      control(EPOLL_CTL_ADD, _listener.impl()->sockfd(), EPOLLIN, kListenerId);
      _listenerPaused = false;
    }
    const auto now = Clock::now();
    std::vector<uint64_t> expired;
    std::vector<uint64_t> slow;
    for (auto &[id, c] : _connections) {
      if (c.phase == Phase::Writing && now - c.writeSince > _options.writeTimeout)
        expired.push_back(id);
      if (c.phase != Phase::Reading) continue;
      switch (c.reader.state()) {
      case HttpRequestReader::State::Idle:
        if (now - c.idleSince > (listening ? _options.idleTimeout : kStopGrace))
          expired.push_back(id);
        break;
      case HttpRequestReader::State::Head:
        if (now - c.reader.arrival() > _options.headTimeout) slow.push_back(id);
        break;
      case HttpRequestReader::State::Body:
        if (now - c.reader.arrival() > _options.bodyTimeout) slow.push_back(id);
        break;
      default: break;
      }
    }
    for (uint64_t id : expired) close(id);
    for (uint64_t id : slow) {
      // Told why, best effort, then closed: a slow client costs itself only.
      Connection &c = _connections.at(id);
      sendNow(c, serialize(_service->refuse(408, "the request did not arrive in time"), "HTTP/1.1",
                           false));
      ::shutdown(c.fd, SHUT_WR);
      close(id);
    }
  }

  Poco::Net::ServerSocket _listener;
  std::shared_ptr<const HttpService> _service;
  Options _options;
  int _epoll = -1;
  int _wake = -1;
  std::unordered_map<uint64_t, Connection> _connections;
  uint64_t _nextId = 2;
  bool _listenerPaused = false;
  std::atomic<bool> _stopping{false};
  std::mutex _doneMutex;
  std::vector<Done> _done;
  std::thread _thread;
  // Declared last: destroyed (joined) first, while everything their jobs use exists.
  WorkerPool _workers;
  WorkerPool _memoryWorkers;
};

UnixHttpServer::UnixHttpServer(const std::string &socketPath,
                               std::shared_ptr<const HttpService> service, Options options)
    : _path(socketPath) {
  Poco::File(Poco::Path(_path).parent()).createDirectories();
  if (Poco::File(_path).exists()) {
    if (unixSocketAnswers(_path))
      throw Error(ErrorKind::Busy, "socket " + _path + " is in use by another process");
    ::unlink(_path.c_str()); // left behind by a process that died
  }
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, _path));
    socket.listen(1024);
  } catch (const Poco::Exception &e) {
    throw Error(ErrorKind::Internal, "cannot listen on " + _path + ": " + e.displayText());
  }
  if (::chmod(_path.c_str(), options.mode) != 0)
    throw Error(ErrorKind::Internal,
                "cannot set the mode of " + _path + ": " + std::strerror(errno));
  _loop = std::make_unique<Loop>(std::move(socket), std::move(service), options);
}

UnixHttpServer::UnixHttpServer(int listeningFd, const std::string &socketPath,
                               std::shared_ptr<const HttpService> service, Options options)
    : _path(socketPath), _ownsPath(false) {
  _loop = std::make_unique<Loop>(AdoptedServerSocket(listeningFd), std::move(service), options);
}

UnixHttpServer::~UnixHttpServer() {
  try {
    stop();
  } catch (...) {
  }
}

void UnixHttpServer::start() {
  _loop->start();
}

void UnixHttpServer::stop() {
  if (_stopped) return;
  _stopped = true;
  _loop->stop();
  if (_ownsPath) ::unlink(_path.c_str());
}

} // namespace rexray
