#include "daemon/Daemon.h"

#include "api/ApiFrontend.h"
#include "api/DockerFrontend.h"
#include "api/UnixHttpServer.h"
#include "csi/CsiFrontEnd.h"
#include "daemon/MetricsServer.h"
#include "daemon/OpsEndpoints.h"
#include "daemon/PidFile.h"
#include "daemon/ServiceDirectory.h"
#include "daemon/SocketActivation.h"
#include "util/Error.h"
#include "util/Log.h"

#include <Poco/File.h>

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <thread>

namespace rexray {
namespace {

// How often the caches are refreshed from the backends in the background, so
// that volumes made elsewhere show up without any request waiting on a backend.
constexpr std::chrono::seconds kCacheRefreshInterval{30};
// A background refresh must end before the next one is due.
constexpr std::chrono::seconds kCacheRefreshTimeout{25};
// Starting one service (the driver's first calls, reconciling mounts and
// attachments left from before) may wait on a slow backend for this long.
constexpr std::chrono::minutes kServiceStartTimeout{5};
// A backend that cannot be reached at start (a hypervisor's web service still
// booting with the host) is tried again, 1 s doubling to 30 s: ready soon
// after its backend is, and one log line per attempt stays readable.
constexpr std::chrono::seconds kFirstRetryDelay{1};
constexpr std::chrono::seconds kMaxRetryDelay{30};

sigset_t daemonSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

class Stopper {
public:
  void stop() {
    {
      std::lock_guard<std::mutex> lock(_mutex);
      _stopped = true;
    }
    _cv.notify_all();
  }
  // Returns false once stopped.
  bool sleepFor(std::chrono::seconds d) { return sleepUntil(std::chrono::steady_clock::now() + d); }
  bool sleepUntil(std::chrono::steady_clock::time_point t) {
    std::unique_lock<std::mutex> lock(_mutex);
    return !_cv.wait_until(lock, t, [&] { return _stopped; });
  }

private:
  std::mutex _mutex;
  std::condition_variable _cv;
  bool _stopped = false;
};

// Every client connection holds a descriptor; the usual soft limit (1024)
// would lock everyone out long before memory runs short, so the daemon takes
// what the hard limit allows.
void raiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
    log::warn("cannot raise the open file limit: {}", std::strerror(errno));
}

// Errors no later attempt can cure: the configuration is wrong, not the
// backend late. Everything else (refused or silent connections, 5xx, expired
// credentials) is worth trying again.
bool isPermanent(const std::exception &e) {
  const auto *error = dynamic_cast<const Error *>(&e);
  if (!error) return false;
  switch (error->kind()) {
  case ErrorKind::Timeout:
  case ErrorKind::Auth:
  case ErrorKind::Backend:
  case ErrorKind::Busy: return false;
  default: return true;
  }
}

// One attempt to start a service; false when it should be tried again.
bool startService(Runtime &runtime, ServiceDirectory &directory, const std::string &name,
                  int attempt, std::chrono::seconds retryIn) {
  try {
    const Deadline deadline = Deadline::in(kServiceStartTimeout);
    VolumeService &service = runtime.service(name);
    service.reconcile(deadline);
    directory.markReady(name, service);
    log::info("service {} ready on driver {} (instance {}, {} volumes{})", name,
              service.driver().plugin().name, service.instanceId(deadline),
              service.cachedListing()->size(),
              attempt > 1 ? ", attempt " + std::to_string(attempt) : std::string());
    return true;
  } catch (const std::exception &e) {
    if (isPermanent(e)) {
      log::error("service {} failed to start: {}", name, e.what());
      directory.markFailed(name, e.what());
      return true;
    }
    log::warn("service {} is not available (attempt {}): {}; trying again in {} s", name, attempt,
              e.what(), retryIn.count());
    directory.markUnavailable(name, e.what());
    return false;
  }
}

// Starts every service, then keeps trying those whose backend was not
// reachable, each on its own backoff, until all are up or the daemon stops.
void startServices(Runtime &runtime, ServiceDirectory &directory, Stopper &stopper) {
  using Clock = std::chrono::steady_clock;
  struct Pending {
    int attempt = 0;
    std::chrono::seconds delay = kFirstRetryDelay;
    Clock::time_point next = Clock::now();
  };
  std::map<std::string, Pending> pending;
  for (const auto &name : runtime.serviceNames()) pending[name];
  while (!pending.empty()) {
    Clock::time_point wake = Clock::time_point::max();
    for (auto it = pending.begin(); it != pending.end();) {
      Pending &p = it->second;
      if (Clock::now() >= p.next) {
        if (startService(runtime, directory, it->first, ++p.attempt, p.delay)) {
          it = pending.erase(it);
          continue;
        }
        p.next = Clock::now() + p.delay;
        p.delay = std::min(p.delay * 2, kMaxRetryDelay);
      }
      wake = std::min(wake, p.next);
      ++it;
    }
    if (!pending.empty() && !stopper.sleepUntil(wake)) return;
  }
}

} // namespace

std::vector<DockerSocket> dockerSockets(const Paths &paths,
                                        const std::vector<std::string> &services) {
  if (services.empty()) return {};
  std::vector<DockerSocket> sockets = {{paths.dockerPluginsDir + "/rexray.sock", services.front()}};
  for (const auto &name : services)
    if (name != "rexray") sockets.push_back({paths.dockerPluginsDir + "/" + name + ".sock", name});
  return sockets;
}

Daemon::Daemon(DaemonOptions options) : _options(std::move(options)) {}

int Daemon::run() {
  // Whatever umask started us: the state, the logs and the directories the
  // daemon makes are its own (0750 at most), and its sockets get 0660
  // explicitly; under this umask they are never wider while being bound.
  ::umask(027);
  raiseOpenFileLimit();
  // Before any thread exists, so that only sigwait below sees these.
  const sigset_t signals = daemonSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<PidFile> pidFile;
  std::unique_ptr<ServiceDirectory> directory;
  std::vector<std::unique_ptr<UnixHttpServer>> servers;
  std::unique_ptr<CsiFrontEnd> csi;
  std::unique_ptr<metrics::Registry::CollectorHandle> gauges;
  std::unique_ptr<MetricsServer> metricsServer;
  try {
    runtime = std::make_unique<Runtime>(_options.runtime);
    const Paths &paths = runtime->paths();
    if (_options.logToFile) {
      Poco::File(paths.logDir).createDirectories();
      log::setFile(paths.logFilePath());
    }
    if (_options.writePidFile) {
      pidFile = std::make_unique<PidFile>(paths.pidFilePath());
      pidFile->acquire();
    }
    directory = std::make_unique<ServiceDirectory>(runtime->serviceNames());
    // A driver no plugin provides will never work: refuse to start (the
    // lookup is cheap) rather than bind a socket that can only say so.
    runtime->checkServices();

    const RequestTimeouts timeouts = RequestTimeouts::fromConfig(*runtime->config());
    // Sockets first: Docker gives a plugin about ten seconds to appear. One
    // that systemd holds (socket activation) is served as it is; any other
    // is bound here.
    ActivatedSockets activated = ActivatedSockets::fromEnvironment();
    auto serve = [&](const std::string &path, std::shared_ptr<const HttpService> service,
                     UnixHttpServer::Options options) {
      const int fd = activated.take(path);
      if (fd >= 0)
        servers.push_back(std::make_unique<UnixHttpServer>(fd, path, std::move(service), options));
      else
        servers.push_back(std::make_unique<UnixHttpServer>(path, std::move(service), options));
      return fd >= 0 ? " (socket activation)" : "";
    };
    for (const auto &socket : dockerSockets(paths, runtime->serviceNames())) {
      const char *how =
          serve(socket.path, std::make_shared<DockerFrontend>(*directory, socket.service, timeouts),
                UnixHttpServer::Options());
      log::info("docker volume plugin for service {} on {}{}", socket.service, socket.path, how);
    }
    UnixHttpServer::Options control;
    control.workers = 16;
    const char *how = serve(paths.controlSocketPath(),
                            std::make_shared<ApiFrontend>(*directory, timeouts), control);
    log::info("control API on {}{}", paths.controlSocketPath(), how);
    activated.closeUnused();
    gauges = collectServiceGauges(*directory);
    const std::string metricsAddress = runtime->config()->string("rexray.metrics.address", "");
    if (!metricsAddress.empty()) {
      metricsServer = std::make_unique<MetricsServer>(metricsAddress, *directory);
      log::info("metrics, health and readiness on http://{}", metricsServer->address());
    }
    for (auto &s : servers) s->start();
    csi = startCsiFrontEnd(*runtime->config(), *directory);
  } catch (const std::exception &e) {
    log::error("REX-Ray failed to start: {}", e.what());
    // Clean up before saying so: whoever waits for the answer may look next.
    csi.reset();
    metricsServer.reset();
    servers.clear();
    if (pidFile) pidFile->release();
    if (_options.onReady) _options.onReady(e.what());
    return 1;
  }
  log::info("REX-Ray is ready (PID {})", ::getpid());
  if (_options.onReady) _options.onReady("");

  Stopper stopper;
  std::thread starter([&] { startServices(*runtime, *directory, stopper); });
  std::thread refresher([&] {
    while (stopper.sleepFor(kCacheRefreshInterval)) {
      for (VolumeService *service : directory->readyServices()) {
        try {
          service->refreshCache(Deadline::in(kCacheRefreshTimeout));
        } catch (const std::exception &e) {
          log::warn("refreshing the volume cache of {} failed: {}", service->name(), e.what());
        }
      }
    }
  });

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      try {
        // Not waiting for the starter: it may retry a late backend for
        // hours, and the runtime applies a reload to services started later.
        runtime->reload();
      } catch (const std::exception &e) {
        log::error("reloading the configuration failed, keeping the old one: {}", e.what());
      }
      continue;
    }
    log::info("received {}; shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  {
    // Each server's accept loop notices a stop only at its next poll; stop
    // them side by side rather than one after another.
    std::vector<std::thread> stopping;
    for (auto &s : servers) stopping.emplace_back([&s] { s->stop(); });
    for (auto &t : stopping) t.join();
  }
  csi.reset(); // stops it and removes its socket
  metricsServer.reset();
  gauges.reset();
  stopper.stop();
  refresher.join();
  starter.join();
  if (pidFile) pidFile->release();
  log::info("REX-Ray stopped");
  return 0;
}

} // namespace rexray
