#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Prometheus metrics of this process (docs/observability.md lists them).
// A series is registered once (under a mutex) and then updated with relaxed
// atomics only, so a request pays a few atomic adds and never a lock:
// callers on hot paths keep the reference they were given.
namespace rexray::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
public:
  void add(uint64_t n = 1) { _value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return _value.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> _value{0};
};

// Seconds, in buckets from 5 ms to 2 minutes (a Docker Mount's whole deadline).
class Histogram {
public:
  static constexpr std::array<double, 14> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                     1,     2.5,  5,     10,   30,  60,   120};
  void observe(std::chrono::nanoseconds elapsed);
  // Per bucket (not cumulative), the last one past every bound.
  std::array<uint64_t, kBounds.size() + 1> buckets() const;
  uint64_t count() const { return _count.load(std::memory_order_relaxed); }
  double sumSeconds() const;

private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> _buckets{};
  std::atomic<uint64_t> _count{0};
  std::atomic<uint64_t> _sumNanos{0};
};

// One sample a collector reports at scrape time (a gauge).
struct GaugeSample {
  std::string name;
  Labels labels;
  double value;
};

class Registry {
public:
  // The process's registry.
  static Registry &global();

  // The series of that family with those labels, made on first use; the
  // reference stays valid as long as the registry. `help` is kept from the
  // family's first registration.
  Counter &counter(const std::string &name, const std::string &help, const Labels &labels);
  Histogram &histogram(const std::string &name, const std::string &help, const Labels &labels);

  // Gauges whose values live elsewhere (how many volumes a service has) are
  // read when scraped: the collector is called until its handle is dropped.
  using Collector = std::function<std::vector<GaugeSample>()>;
  struct GaugeFamily {
    std::string name, help;
  };
  class CollectorHandle {
  public:
    CollectorHandle(Registry &registry, uint64_t id) : _registry(&registry), _id(id) {}
    ~CollectorHandle();
    CollectorHandle(const CollectorHandle &) = delete;
    CollectorHandle &operator=(const CollectorHandle &) = delete;

  private:
    Registry *_registry;
    uint64_t _id;
  };
  std::unique_ptr<CollectorHandle> addCollector(std::vector<GaugeFamily> families,
                                                Collector collector);

  // Prometheus text exposition format 0.0.4.
  std::string render() const;

private:
  enum class Kind { Counter, Histogram };
  struct Family {
    std::string help;
    Kind kind;
    std::map<std::string, std::pair<Labels, std::unique_ptr<Counter>>> counters;
    std::map<std::string, std::pair<Labels, std::unique_ptr<Histogram>>> histograms;
  };
  struct CollectorEntry {
    std::vector<GaugeFamily> families;
    Collector collect;
  };
  Family &family(const std::string &name, const std::string &help, Kind kind);

  mutable std::mutex _guard;
  std::map<std::string, Family> _families;
  uint64_t _nextCollector = 1;
  std::map<uint64_t, CollectorEntry> _collectors;
};

// The text content type of render()'s output.
extern const char *const kContentType;

// The duration series of one service's operations: looked up once per
// operation name, then observed lock-free. For front ends, whose operations
// are a fixed set known up front.
class OperationTimer {
public:
  OperationTimer(const std::string &service, const std::vector<std::string> &operations);
  // `operation` not among those given is counted as "other".
  void observe(std::string_view operation, bool ok, std::chrono::nanoseconds elapsed) const;

private:
  struct Series {
    std::string operation;
    Histogram *ok;
    Histogram *error;
  };
  std::vector<Series> _series; // the last is "other"
};

// rexray_operation_duration_seconds{service,operation,result}.
Histogram &operationDuration(const std::string &service, const std::string &operation, bool ok);
// rexray_backend_requests_total{service,call,code}: one DriverHandle call,
// `code` the rxr_status name.
Counter &backendRequests(const std::string &service, const std::string &call,
                         const std::string &code);

} // namespace rexray::metrics
