#include "metrics/Metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace rexray::metrics {

const char *const kContentType = "text/plain; version=0.0.4; charset=utf-8";

namespace {

const char *kOperationDuration = "rexray_operation_duration_seconds";
const char *kOperationHelp =
    "Time to answer one request, by service, operation and result (ok or error).";
const char *kBackendRequests = "rexray_backend_requests_total";
const char *kBackendHelp =
    "Calls into a storage driver (one DriverHandle call), by service, call and rxr_status code.";

// The exposition format's escapes: a label value escapes '"' as well, HELP
// text only backslash and newline.
std::string escape(const std::string &text, bool isLabelValue) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && isLabelValue)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// {a="x",b="y"} with `extra` appended (a histogram's le), "" when empty.
std::string labelText(const Labels &labels, const std::string &extra = "") {
  std::string out;
  for (const auto &[name, value] : labels)
    out += (out.empty() ? "" : ",") + name + "=\"" + escape(value, true) + "\"";
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

std::string labelKey(const Labels &labels) {
  std::string key;
  for (const auto &[name, value] : labels) key += name + '\0' + value + '\0';
  return key;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

} // namespace

void Histogram::observe(std::chrono::nanoseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  _buckets[i].fetch_add(1, std::memory_order_relaxed);
  _sumNanos.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, elapsed.count())),
                      std::memory_order_relaxed);
  _count.fetch_add(1, std::memory_order_relaxed);
}

std::array<uint64_t, Histogram::kBounds.size() + 1> Histogram::buckets() const {
  std::array<uint64_t, kBounds.size() + 1> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = _buckets[i].load(std::memory_order_relaxed);
  return out;
}

double Histogram::sumSeconds() const {
  return static_cast<double>(_sumNanos.load(std::memory_order_relaxed)) / 1e9;
}

Registry &Registry::global() {
  static Registry registry;
  return registry;
}

Registry::Family &Registry::family(const std::string &name, const std::string &help, Kind kind) {
  auto [it, added] = _families.try_emplace(name);
  if (added) {
    it->second.help = help;
    it->second.kind = kind;
  }
  return it->second;
}

Counter &Registry::counter(const std::string &name, const std::string &help, const Labels &labels) {
  std::lock_guard<std::mutex> lock(_guard);
  auto &series = family(name, help, Kind::Counter).counters[labelKey(labels)];
  if (!series.second) series = {labels, std::make_unique<Counter>()};
  return *series.second;
}

Histogram &Registry::histogram(const std::string &name, const std::string &help,
                               const Labels &labels) {
  std::lock_guard<std::mutex> lock(_guard);
  auto &series = family(name, help, Kind::Histogram).histograms[labelKey(labels)];
  if (!series.second) series = {labels, std::make_unique<Histogram>()};
  return *series.second;
}

Registry::CollectorHandle::~CollectorHandle() {
  std::lock_guard<std::mutex> lock(_registry->_guard);
  _registry->_collectors.erase(_id);
}

std::unique_ptr<Registry::CollectorHandle> Registry::addCollector(std::vector<GaugeFamily> families,
                                                                  Collector collector) {
  std::lock_guard<std::mutex> lock(_guard);
  const uint64_t id = _nextCollector++;
  _collectors[id] = {std::move(families), std::move(collector)};
  return std::make_unique<CollectorHandle>(*this, id);
}

std::string Registry::render() const {
  std::lock_guard<std::mutex> lock(_guard);
  std::string out;
  for (const auto &[name, f] : _families) {
    out += "# HELP " + name + " " + escape(f.help, false) + "\n";
    out += "# TYPE " + name + (f.kind == Kind::Counter ? " counter\n" : " histogram\n");
    for (const auto &[key, series] : f.counters)
      out += name + labelText(series.first) + " " + std::to_string(series.second->value()) + "\n";
    for (const auto &[key, series] : f.histograms) {
      const Histogram &h = *series.second;
      const auto counts = h.buckets();
      uint64_t cumulative = 0;
      for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        const std::string le =
            i < Histogram::kBounds.size() ? number(Histogram::kBounds[i]) : "+Inf";
        out += name + "_bucket" + labelText(series.first, "le=\"" + le + "\"") + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_sum" + labelText(series.first) + " " + number(h.sumSeconds()) + "\n";
      // The count is the +Inf bucket, read in the same pass: consistent.
      out += name + "_count" + labelText(series.first) + " " + std::to_string(cumulative) + "\n";
    }
  }
  for (const auto &[id, c] : _collectors) {
    const auto samples = c.collect();
    for (const auto &family : c.families) {
      out += "# HELP " + family.name + " " + escape(family.help, false) + "\n";
      out += "# TYPE " + family.name + " gauge\n";
      for (const auto &s : samples)
        if (s.name == family.name)
          out += s.name + labelText(s.labels) + " " + number(s.value) + "\n";
    }
  }
  return out;
}

OperationTimer::OperationTimer(const std::string &service,
                               const std::vector<std::string> &operations) {
  for (const auto &op : operations)
    _series.push_back(
        {op, &operationDuration(service, op, true), &operationDuration(service, op, false)});
  _series.push_back({"other", &operationDuration(service, "other", true),
                     &operationDuration(service, "other", false)});
}

void OperationTimer::observe(std::string_view operation, bool ok,
                             std::chrono::nanoseconds elapsed) const {
  const Series *s = &_series.back();
  for (const auto &candidate : _series)
    if (candidate.operation == operation) {
      s = &candidate;
      break;
    }
  (ok ? s->ok : s->error)->observe(elapsed);
}

Histogram &operationDuration(const std::string &service, const std::string &operation, bool ok) {
  return Registry::global().histogram(
      kOperationDuration, kOperationHelp,
      {{"service", service}, {"operation", operation}, {"result", ok ? "ok" : "error"}});
}

Counter &backendRequests(const std::string &service, const std::string &call,
                         const std::string &code) {
  return Registry::global().counter(kBackendRequests, kBackendHelp,
                                    {{"service", service}, {"call", call}, {"code", code}});
}

} // namespace rexray::metrics
