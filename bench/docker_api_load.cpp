// docker_api_load: a small, cheap load client for Docker's volume-plugin HTTP
// protocol (POST /<Method>, JSON body) on a unix socket.
//
// It holds N keep-alive HTTP/1.1 connections, one std::thread per connection
// with a blocking socket, sends a pre-built request and reads the response
// fully (Content-Length framing, or Transfer-Encoding: chunked, or body until
// EOF), for a fixed duration or a fixed request count, then prints req/s,
// p50/p99 latency (µs) and the error count (non-200 statuses, socket and
// protocol errors, and with --check-err a 200 whose JSON "Err" is non-empty).
//
// A load generator that measures a server must not be the bottleneck, so the
// HTTP framing is written by hand here: requests are built once up front, each
// request is a single send(), responses are parsed in place in a per-connection
// buffer that is reused (no allocation per request once warm), latencies go
// into per-thread vectors that are merged only at the end, and the only state
// shared between threads on the hot path is read-only (plus one relaxed
// counter in --requests mode). No Poco, no iostreams on the hot path.
//
// It only ever connects to the unix socket it is given, and always stops by
// itself: every run is bounded by warmup + duration (or --max-seconds in
// --requests mode) plus one socket I/O timeout.
//
// Second mode, --wait-ready: poll the socket until a request (by default
// POST /VolumeDriver.Capabilities {}) gets a 200, print the elapsed time in ms
// and exit 0, or exit 1 after --timeout-ms. Used to measure daemon start-up.
//
// Third mode, --once: send one request, print the status code and the body.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int64_t toNs(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

struct Options {
  std::string socketPath;
  std::string method = "VolumeDriver.Capabilities";
  std::string body = "{}";
  std::string bodyTemplate = "{\"Name\":\"vol-%d\"}";
  int bodiesFromNames = 0;
  int connections = 1;
  double seconds = 5;
  double warmupSeconds = 1;
  long long requests = 0;    // > 0: fixed total request count instead of a duration
  double maxSeconds = 60;    // cap for --requests mode
  int ioTimeoutMs = 5000;    // per send/recv
  bool checkErr = false;
  bool kv = false;
  bool waitReady = false;
  int timeoutMs = 5000;      // --wait-ready
  int pollUs = 1000;         // --wait-ready poll interval
  long long sinceUs = -1;    // --wait-ready: CLOCK_REALTIME µs to measure from
  long long watchPid = 0;    // --wait-ready: give up as soon as this process is gone
  bool once = false;
};

void usage(FILE* out) {
  std::fputs(
      "usage: docker_api_load --socket PATH [options]\n"
      "  --method M              plugin method, POST /M (default VolumeDriver.Capabilities)\n"
      "  --body JSON             request body (default {})\n"
      "  --bodies-from-names N   cycle bodies over Names vol-0..vol-N-1 using --body-template\n"
      "  --body-template T       template for --bodies-from-names, %d is the index\n"
      "                          (default {\"Name\":\"vol-%d\"})\n"
      "  --connections N         keep-alive connections, one thread each (default 1)\n"
      "  --seconds S             measured duration (default 5)\n"
      "  --warmup-seconds S      unmeasured warm-up before it (default 1)\n"
      "  --requests N            send exactly N requests in total instead of a duration\n"
      "                          (bounded by --max-seconds, default 60)\n"
      "  --io-timeout-ms MS      per send/recv timeout (default 5000)\n"
      "  --check-err             also count a 200 whose JSON \"Err\" is non-empty as an error\n"
      "  --kv                    print one key=value line instead of the human summary\n"
      "  --once                  send one request, print status and body; exit 0 on 200\n"
      "  --wait-ready            poll until a request gets a 200; print elapsed ms\n"
      "    --timeout-ms MS       give up after MS (default 5000), exit 1\n"
      "    --poll-us US          retry interval (default 1000)\n"
      "    --since-us US         measure from this CLOCK_REALTIME time in µs\n"
      "                          (e.g. bash ${EPOCHREALTIME/./}) instead of from our start\n"
      "    --watch-pid PID       give up (exit 1) as soon as process PID has exited\n",
      out);
}

[[noreturn]] void die(const char* fmt, const char* arg) {
  std::fprintf(stderr, "docker_api_load: ");
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n");
  std::exit(64);
}

double parseNum(const char* name, const char* s, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) die("bad value for %s", name);
  return v;
}

Options parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> const char* {
      if (i + 1 >= argc) die("%s needs a value", a.c_str());
      return argv[++i];
    };
    if (a == "--socket") o.socketPath = val();
    else if (a == "--method") o.method = val();
    else if (a == "--body") o.body = val();
    else if (a == "--body-template") o.bodyTemplate = val();
    else if (a == "--bodies-from-names") o.bodiesFromNames = int(parseNum("--bodies-from-names", val(), 1, 10000000));
    else if (a == "--connections") o.connections = int(parseNum("--connections", val(), 1, 4096));
    else if (a == "--seconds") o.seconds = parseNum("--seconds", val(), 0.001, 86400);
    else if (a == "--warmup-seconds") o.warmupSeconds = parseNum("--warmup-seconds", val(), 0, 3600);
    else if (a == "--requests") o.requests = (long long)parseNum("--requests", val(), 1, 1e12);
    else if (a == "--max-seconds") o.maxSeconds = parseNum("--max-seconds", val(), 0.001, 86400);
    else if (a == "--io-timeout-ms") o.ioTimeoutMs = int(parseNum("--io-timeout-ms", val(), 1, 3600000));
    else if (a == "--check-err") o.checkErr = true;
    else if (a == "--kv") o.kv = true;
    else if (a == "--once") o.once = true;
    else if (a == "--wait-ready") o.waitReady = true;
    else if (a == "--timeout-ms") o.timeoutMs = int(parseNum("--timeout-ms", val(), 1, 3600000));
    else if (a == "--poll-us") o.pollUs = int(parseNum("--poll-us", val(), 1, 10000000));
    else if (a == "--since-us") o.sinceUs = (long long)parseNum("--since-us", val(), 0, 1e18);
    else if (a == "--watch-pid") o.watchPid = (long long)parseNum("--watch-pid", val(), 1, 4194304);
    else if (a == "-h" || a == "--help") { usage(stdout); std::exit(0); }
    else die("unknown argument %s (see --help)", a.c_str());
  }
  if (o.socketPath.empty()) { usage(stderr); std::exit(64); }
  if (o.socketPath.size() >= sizeof(sockaddr_un{}.sun_path)) die("socket path too long: %s", o.socketPath.c_str());
  if (o.method.empty() || o.method.find_first_of(" \r\n/") != std::string::npos)
    die("bad --method %s", o.method.c_str());
  if (o.bodiesFromNames > 0 && o.bodyTemplate.find("%d") == std::string::npos)
    die("--body-template needs %%d: %s", o.bodyTemplate.c_str());
  return o;
}

// ---- HTTP framing, by hand -------------------------------------------------

std::string buildRequest(const std::string& method, const std::string& body) {
  // What dockerd's plugin client sends, minus the Go User-Agent.
  std::string r;
  r.reserve(200 + body.size());
  r += "POST /";
  r += method;
  r += " HTTP/1.1\r\nHost: plugin\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n"
       "Content-Type: application/json\r\nContent-Length: ";
  r += std::to_string(body.size());
  r += "\r\n\r\n";
  r += body;
  return r;
}

std::vector<std::string> buildRequests(const Options& o) {
  std::vector<std::string> out;
  if (o.bodiesFromNames <= 0) {
    out.push_back(buildRequest(o.method, o.body));
    return out;
  }
  size_t pos = o.bodyTemplate.find("%d");
  out.reserve(size_t(o.bodiesFromNames));
  for (int i = 0; i < o.bodiesFromNames; ++i) {
    std::string b = o.bodyTemplate;
    b.replace(pos, 2, std::to_string(i));
    out.push_back(buildRequest(o.method, b));
  }
  return out;
}

enum class Rc { Ok, SocketError, ProtocolError, Timeout };

int connectUnix(const std::string& path, int ioTimeoutMs) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{};
  tv.tv_sec = ioTimeoutMs / 1000;
  tv.tv_usec = (ioTimeoutMs % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

bool ieq(const char* a, size_t n, const char* lit) {
  size_t m = std::strlen(lit);
  if (n != m) return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != lit[i]) return false;
  return true;
}

bool icontains(const char* a, size_t n, const char* lit) {
  size_t m = std::strlen(lit);
  for (size_t i = 0; i + m <= n; ++i)
    if (ieq(a + i, m, lit)) return true;
  return false;
}

// One keep-alive connection. The buffer holds [beg, end) unread bytes; a
// response is parsed with offsets relative to `beg`, which stay valid when
// readMore() compacts (moves [beg, end) to the front) or grows the buffer.
struct Conn {
  int fd = -1;
  std::vector<char> buf = std::vector<char>(64 * 1024);
  size_t beg = 0, end = 0;
  static constexpr size_t kMaxResponse = 64u << 20;

  ~Conn() { closeFd(); }
  void closeFd() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    beg = end = 0;
  }

  Rc sendAll(const std::string& req) {
    const char* p = req.data();
    size_t left = req.size();
    while (left > 0) {
      ssize_t n = ::send(fd, p, left, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? Rc::Timeout : Rc::SocketError;
      }
      p += n;
      left -= size_t(n);
    }
    return Rc::Ok;
  }

  size_t avail() const { return end - beg; }
  const char* at(size_t rel) const { return buf.data() + beg + rel; }

  // Appends bytes from the socket. Ok, or SocketError on EOF/error, Timeout
  // when SO_RCVTIMEO expired, ProtocolError when the response is too large.
  Rc readMore() {
    if (beg > 0 && (end == buf.size() || beg > buf.size() / 2)) {
      std::memmove(buf.data(), buf.data() + beg, end - beg);
      end -= beg;
      beg = 0;
    }
    if (end == buf.size()) {
      if (buf.size() >= kMaxResponse) return Rc::ProtocolError;
      buf.resize(buf.size() * 2);
    }
    for (;;) {
      ssize_t n = ::recv(fd, buf.data() + end, buf.size() - end, 0);
      if (n > 0) {
        end += size_t(n);
        return Rc::Ok;
      }
      if (n == 0) {
        eof = true;
        return Rc::SocketError;
      }
      if (errno == EINTR) continue;
      return (errno == EAGAIN || errno == EWOULDBLOCK) ? Rc::Timeout : Rc::SocketError;
    }
  }
  bool eof = false;

  // Finds the CRLF at or after relative offset `from`; `eol` is its offset.
  Rc needLine(size_t from, size_t& eol) {
    size_t scan = from;
    for (;;) {
      if (avail() > scan) {
        const void* p = ::memmem(at(scan), avail() - scan, "\r\n", 2);
        if (p) {
          eol = size_t(static_cast<const char*>(p) - at(0));
          return Rc::Ok;
        }
        scan = std::max(from, avail() - 1);
      }
      if (avail() - from > 64 * 1024) return Rc::ProtocolError;  // absurd line
      Rc rc = readMore();
      if (rc != Rc::Ok) return rc;
    }
  }

  Rc needBytes(size_t upTo) {
    if (upTo > kMaxResponse) return Rc::ProtocolError;
    while (avail() < upTo) {
      Rc rc = readMore();
      if (rc != Rc::Ok) return rc;
    }
    return Rc::Ok;
  }

  // Reads one full response into the buffer. On Ok: status, closeAfter (the
  // server asked to close, or the body ended at EOF), and the body as
  // [bodyBeg, bodyEnd), absolute offsets into buf, valid until the next call
  // (chunked bodies are de-chunked in place, so the body is always contiguous).
  Rc readResponse(int& status, bool& closeAfter, size_t& bodyBeg, size_t& bodyEnd) {
    eof = false;
    for (;;) {  // loops over 1xx interim responses
      // Header block.
      size_t hlen = 0, scan = 0;
      for (;;) {
        if (avail() > scan) {
          const void* p = ::memmem(at(scan), avail() - scan, "\r\n\r\n", 4);
          if (p) {
            hlen = size_t(static_cast<const char*>(p) - at(0)) + 4;
            break;
          }
          scan = avail() >= 3 ? avail() - 3 : 0;
        }
        if (avail() > 256 * 1024) return Rc::ProtocolError;
        Rc rc = readMore();
        if (rc != Rc::Ok) return rc;
      }
      const char* h = at(0);
      if (hlen < 16 || std::memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ') return Rc::ProtocolError;
      const bool http10 = h[7] == '0';
      if (!(h[9] >= '0' && h[9] <= '9' && h[10] >= '0' && h[10] <= '9' && h[11] >= '0' && h[11] <= '9'))
        return Rc::ProtocolError;
      status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');

      long long contentLength = -1;
      bool chunked = false;
      bool connClose = http10, keepAlive = false;
      const char* hend = h + hlen - 2;  // the final empty line
      const char* line = static_cast<const char*>(std::memchr(h, '\n', hlen)) + 1;
      while (line < hend) {
        const char* eol = static_cast<const char*>(std::memchr(line, '\n', size_t(hend - line)));
        if (!eol) eol = hend;
        const char* colon = static_cast<const char*>(std::memchr(line, ':', size_t(eol - line)));
        if (colon) {
          const char* v = colon + 1;
          const char* ve = eol;
          while (v < ve && (*v == ' ' || *v == '\t')) ++v;
          while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) --ve;
          const size_t nlen = size_t(colon - line);
          if (ieq(line, nlen, "content-length")) {
            long long n = 0;
            if (v == ve || ve - v > 18) return Rc::ProtocolError;
            for (const char* q = v; q < ve; ++q) {
              if (*q < '0' || *q > '9') return Rc::ProtocolError;
              n = n * 10 + (*q - '0');
            }
            contentLength = n;
          } else if (ieq(line, nlen, "transfer-encoding")) {
            chunked = icontains(v, size_t(ve - v), "chunked");
          } else if (ieq(line, nlen, "connection")) {
            if (icontains(v, size_t(ve - v), "close")) connClose = true;
            if (icontains(v, size_t(ve - v), "keep-alive")) keepAlive = true;
          }
        }
        line = eol + 1;
      }
      if (http10 && keepAlive) connClose = false;
      closeAfter = connClose;

      if (status >= 100 && status < 200) {  // interim; the real response follows
        beg += hlen;
        continue;
      }
      if (status == 204 || status == 304) {
        bodyBeg = bodyEnd = beg + hlen;
        beg += hlen;
        return Rc::Ok;
      }
      if (chunked) {  // takes precedence over Content-Length (RFC 9112 6.3)
        size_t pos = hlen;   // next raw byte to parse
        size_t wpos = hlen;  // end of the de-chunked body so far (wpos <= pos)
        for (;;) {
          size_t eol;
          Rc rc = needLine(pos, eol);
          if (rc != Rc::Ok) return rc;
          unsigned long long size = 0;
          size_t digits = 0;
          for (size_t i = pos; i < eol; ++i, ++digits) {
            char ch = *at(i);
            int d = (ch >= '0' && ch <= '9') ? ch - '0'
                    : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                    : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10
                    : -1;
            if (d < 0) {
              if (ch != ';' && ch != ' ' && ch != '\t') return Rc::ProtocolError;
              break;  // chunk extension
            }
            size = size * 16 + unsigned(d);
            if (size > kMaxResponse) return Rc::ProtocolError;
          }
          if (digits == 0) return Rc::ProtocolError;
          pos = eol + 2;
          if (size == 0) {  // last chunk: trailers, then an empty line
            for (;;) {
              rc = needLine(pos, eol);
              if (rc != Rc::Ok) return rc;
              bool empty = eol == pos;
              pos = eol + 2;
              if (empty) break;
            }
            bodyBeg = beg + hlen;
            bodyEnd = beg + wpos;
            beg += pos;
            return Rc::Ok;
          }
          rc = needBytes(pos + size_t(size) + 2);
          if (rc != Rc::Ok) return rc;
          if (wpos != pos) std::memmove(buf.data() + beg + wpos, at(pos), size_t(size));
          wpos += size_t(size);
          pos += size_t(size);
          if (*at(pos) != '\r' || *at(pos + 1) != '\n') return Rc::ProtocolError;
          pos += 2;
        }
      }
      if (contentLength >= 0) {
        Rc rc = needBytes(hlen + size_t(contentLength));
        if (rc != Rc::Ok) return rc;
        bodyBeg = beg + hlen;
        bodyEnd = bodyBeg + size_t(contentLength);
        beg = bodyEnd;
        return Rc::Ok;
      }
      // Neither: the body runs to EOF, and the connection is done.
      for (;;) {
        Rc rc = readMore();
        if (rc == Rc::SocketError && eof) break;
        if (rc != Rc::Ok) return rc;
      }
      bodyBeg = beg + hlen;
      bodyEnd = end;
      beg = end;
      closeAfter = true;
      return Rc::Ok;
    }
  }
};

// True when the body holds "Err" with a non-empty string value.
bool bodyHasErr(const char* b, size_t n) {
  const char* p = b;
  const char* e = b + n;
  while (p < e) {
    const void* hit = ::memmem(p, size_t(e - p), "\"Err\"", 5);
    if (!hit) return false;
    p = static_cast<const char*>(hit) + 5;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
    if (p >= e || *p != ':') continue;
    ++p;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
    if (p + 1 < e && *p == '"' && p[1] != '"') return true;
  }
  return false;
}

// ---- load mode -------------------------------------------------------------

struct ThreadResult {
  std::vector<uint32_t> latNs;  // measured, complete responses (any status)
  long long ok = 0;
  long long statusErrors = 0;   // non-200
  long long errBodies = 0;      // 200 with non-empty Err (--check-err)
  long long socketErrors = 0;   // connect/send/recv failures, EOF mid-response, timeouts
  long long protocolErrors = 0; // unparseable responses
  long long warmupErrors = 0;
  long long reconnects = 0;     // server closed a keep-alive connection cleanly
  Clock::time_point lastDone{};
};

struct Shared {
  const Options* o;
  const std::vector<std::string>* reqs;
  Clock::time_point start, measureFrom, stopAt;
  std::atomic<long long> issued{0};  // --requests mode
};

void worker(Shared& sh, int idx, ThreadResult& res) {
  const Options& o = *sh.o;
  const auto& reqs = *sh.reqs;
  const size_t nreq = reqs.size();
  size_t next = size_t(idx) % nreq;
  Conn c;
  res.latNs.reserve(o.requests > 0 ? size_t(o.requests / o.connections + 16) : 1 << 16);
  const bool countMode = o.requests > 0;

  for (;;) {
    Clock::time_point t0 = Clock::now();
    if (t0 >= sh.stopAt) break;
    size_t ri;
    if (countMode && t0 >= sh.measureFrom) {
      long long k = sh.issued.fetch_add(1, std::memory_order_relaxed);
      if (k >= o.requests) break;
      ri = size_t(k % (long long)nreq);
    } else {
      ri = next;
      next += size_t(o.connections);
      if (next >= nreq) next %= nreq;
    }
    const bool measured = t0 >= sh.measureFrom;
    auto fail = [&](long long& counter) {
      if (measured) ++counter;
      else ++res.warmupErrors;
    };

    if (c.fd < 0) {
      c.fd = connectUnix(o.socketPath, o.ioTimeoutMs);
      if (c.fd < 0) {
        fail(res.socketErrors);
        // Don't spin on a dead socket: back off a little, within the bound.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      t0 = Clock::now();  // don't charge connect() to the request
    }
    if (c.sendAll(reqs[ri]) != Rc::Ok) {
      fail(res.socketErrors);
      c.closeFd();
      continue;
    }
    int status = 0;
    bool closeAfter = false;
    size_t bb = 0, be = 0;
    Rc rc = c.readResponse(status, closeAfter, bb, be);
    Clock::time_point t1 = Clock::now();
    if (rc != Rc::Ok) {
      fail(rc == Rc::ProtocolError ? res.protocolErrors : res.socketErrors);
      c.closeFd();
      continue;
    }
    bool good = status == 200;
    bool errBody = good && o.checkErr && bodyHasErr(c.buf.data() + bb, be - bb);
    if (closeAfter) {
      c.closeFd();
      ++res.reconnects;
    } else if (c.beg == c.end) {
      c.beg = c.end = 0;  // reuse the buffer from the start
    }
    if (!measured) {
      if (!good || errBody) ++res.warmupErrors;
      continue;
    }
    int64_t ns = toNs(t1 - t0);
    res.latNs.push_back(uint32_t(std::min<int64_t>(ns, UINT32_MAX)));
    res.lastDone = t1;
    if (!good) ++res.statusErrors;
    else if (errBody) ++res.errBodies;
    else ++res.ok;
  }
}

double percentileUs(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  // Nearest rank.
  size_t k = size_t(std::max(1.0, std::ceil(p * double(v.size())))) - 1;
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return double(v[k]) / 1000.0;
}

int runLoad(const Options& o) {
  std::vector<std::string> reqs = buildRequests(o);
  Shared sh;
  sh.o = &o;
  sh.reqs = &reqs;
  sh.start = Clock::now();
  auto dur = [](double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
  sh.measureFrom = sh.start + dur(o.warmupSeconds);
  sh.stopAt = sh.measureFrom + dur(o.requests > 0 ? o.maxSeconds : o.seconds);

  std::vector<ThreadResult> results(size_t(o.connections));
  std::vector<std::thread> threads;
  threads.reserve(size_t(o.connections));
  for (int i = 0; i < o.connections; ++i)
    threads.emplace_back(worker, std::ref(sh), i, std::ref(results[size_t(i)]));
  for (auto& t : threads) t.join();
  Clock::time_point joined = Clock::now();

  std::vector<uint32_t> all;
  size_t total = 0;
  for (auto& r : results) total += r.latNs.size();
  all.reserve(total);
  ThreadResult sum;
  Clock::time_point lastDone = sh.measureFrom;
  for (auto& r : results) {
    all.insert(all.end(), r.latNs.begin(), r.latNs.end());
    sum.ok += r.ok;
    sum.statusErrors += r.statusErrors;
    sum.errBodies += r.errBodies;
    sum.socketErrors += r.socketErrors;
    sum.protocolErrors += r.protocolErrors;
    sum.warmupErrors += r.warmupErrors;
    sum.reconnects += r.reconnects;
    if (r.lastDone > lastDone) lastDone = r.lastDone;
  }
  // The measured window: the fixed duration, or in --requests mode until the
  // last response. A response in flight at the deadline still counts.
  Clock::time_point windowEnd = o.requests > 0 ? lastDone : std::max(sh.stopAt, std::min(lastDone, joined));
  double window = std::max(1e-9, double(toNs(windowEnd - sh.measureFrom)) / 1e9);
  long long responses = (long long)all.size();
  long long errors = sum.statusErrors + sum.errBodies + sum.socketErrors + sum.protocolErrors;
  double rps = double(responses) / window;
  double p50 = percentileUs(all, 0.50);
  double p99 = percentileUs(all, 0.99);
  double pmax = all.empty() ? 0 : double(*std::max_element(all.begin(), all.end())) / 1000.0;

  if (o.kv) {
    std::printf(
        "method=%s connections=%d seconds=%.3f responses=%lld rps=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f "
        "errors=%lld status_errors=%lld err_bodies=%lld socket_errors=%lld protocol_errors=%lld "
        "warmup_errors=%lld reconnects=%lld\n",
        o.method.c_str(), o.connections, window, responses, rps, p50, p99, pmax, errors, sum.statusErrors,
        sum.errBodies, sum.socketErrors, sum.protocolErrors, sum.warmupErrors, sum.reconnects);
  } else {
    std::printf("%s, %d connection(s), %.2f s measured (%.2f s warm-up)\n", o.method.c_str(), o.connections,
                window, o.warmupSeconds);
    std::printf("  requests/s  %12.0f   (%lld responses)\n", rps, responses);
    std::printf("  latency     p50 %.1f us   p99 %.1f us   max %.1f us\n", p50, p99, pmax);
    std::printf("  errors      %lld  (non-200 %lld, 200 with Err %lld, socket %lld, protocol %lld)\n", errors,
                sum.statusErrors, sum.errBodies, sum.socketErrors, sum.protocolErrors);
    if (sum.warmupErrors || sum.reconnects)
      std::printf("  note        %lld error(s) during warm-up, %lld server-closed keep-alive connection(s)\n",
                  sum.warmupErrors, sum.reconnects);
  }
  if (o.requests > 0 && responses < o.requests) {
    std::fprintf(stderr, "docker_api_load: only %lld of %lld requests answered within %.0f s\n", responses,
                 o.requests, o.maxSeconds);
    return 1;
  }
  return responses > 0 ? 0 : 1;
}

// ---- --once and --wait-ready ----------------------------------------------

// One request on a fresh connection. Returns the HTTP status, or -1.
int oneRequest(const Options& o, const std::string& req, int ioTimeoutMs, std::string* body) {
  Conn c;
  c.fd = connectUnix(o.socketPath, ioTimeoutMs);
  if (c.fd < 0) return -1;
  if (c.sendAll(req) != Rc::Ok) return -1;
  int status = 0;
  bool closeAfter = false;
  size_t bb = 0, be = 0;
  if (c.readResponse(status, closeAfter, bb, be) != Rc::Ok) return -1;
  if (body) body->assign(c.buf.data() + bb, be - bb);
  return status;
}

int runOnce(const Options& o) {
  std::vector<std::string> reqs = buildRequests(o);
  std::string body;
  int status = oneRequest(o, reqs[0], o.ioTimeoutMs, &body);
  if (status < 0) {
    std::fprintf(stderr, "docker_api_load: %s: request failed: %s\n", o.socketPath.c_str(), std::strerror(errno));
    return 1;
  }
  std::printf("%d %s\n", status, body.c_str());
  return status == 200 && !(o.checkErr && bodyHasErr(body.data(), body.size())) ? 0 : 1;
}

long long realtimeUs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

// True when pid no longer runs: gone, or a zombie its parent hasn't reaped yet.
bool processGone(long long pid) {
  if (::kill(pid_t(pid), 0) != 0) return errno == ESRCH;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%lld/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return true;
  char line[512];
  size_t n = std::fread(line, 1, sizeof line - 1, f);
  std::fclose(f);
  line[n] = '\0';
  const char* p = std::strrchr(line, ')');
  return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

int runWaitReady(const Options& o) {
  const long long from = o.sinceUs >= 0 ? o.sinceUs : realtimeUs();
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(o.timeoutMs);
  std::string req = buildRequest(o.method, o.body);
  int attempts = 0;
  int lastStatus = -1;
  for (;;) {
    ++attempts;
    int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (left > 0) {
      lastStatus = oneRequest(o, req, std::max(1, left), nullptr);
      if (lastStatus == 200) {
        long long now = realtimeUs();
        std::printf("%.3f\n", double(now - from) / 1000.0);
        std::fprintf(stderr, "docker_api_load: ready after %d attempt(s)\n", attempts);
        return 0;
      }
    }
    if (Clock::now() >= deadline) break;
    if (o.watchPid > 0 && processGone(o.watchPid)) {
      std::fprintf(stderr, "docker_api_load: process %lld exited before %s was ready\n", o.watchPid,
                   o.socketPath.c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(o.pollUs));
  }
  std::fprintf(stderr, "docker_api_load: %s not ready after %d ms (%d attempts, last status %d)\n",
               o.socketPath.c_str(), o.timeoutMs, attempts, lastStatus);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  Options o = parseArgs(argc, argv);
  if (o.waitReady) return runWaitReady(o);
  if (o.once) return runOnce(o);
  return runLoad(o);
}
