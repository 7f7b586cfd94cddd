#include "metrics/Metrics.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace rexray::metrics;

namespace {

// The value of the sample line that starts with `series` ("name{labels}").
std::string sample(const std::string &text, const std::string &series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
  return "(none)";
}

} // namespace

TEST_CASE("Metrics: a histogram renders cumulative buckets, sum and count in seconds") {
  Registry registry;
  Histogram &h = registry.histogram("test_duration_seconds", "How long.",
                                    {{"service", "s1"}, {"operation", "Mount"}});
  h.observe(std::chrono::milliseconds(3));   // <= 0.005
  h.observe(std::chrono::milliseconds(300)); // <= 0.5
  h.observe(std::chrono::seconds(200));      // past every bound
  const std::string text = registry.render();
  CHECK(text.find("# HELP test_duration_seconds How long.\n") != std::string::npos);
  CHECK(text.find("# TYPE test_duration_seconds histogram\n") != std::string::npos);
  const std::string labels = "service=\"s1\",operation=\"Mount\"";
  CHECK(sample(text, "test_duration_seconds_bucket{" + labels + ",le=\"0.005\"}") == "1");
  CHECK(sample(text, "test_duration_seconds_bucket{" + labels + ",le=\"0.25\"}") == "1");
  CHECK(sample(text, "test_duration_seconds_bucket{" + labels + ",le=\"0.5\"}") == "2");
  CHECK(sample(text, "test_duration_seconds_bucket{" + labels + ",le=\"120\"}") == "2");
  CHECK(sample(text, "test_duration_seconds_bucket{" + labels + ",le=\"+Inf\"}") == "3");
  CHECK(sample(text, "test_duration_seconds_count{" + labels + "}") == "3");
  CHECK(sample(text, "test_duration_seconds_sum{" + labels + "}") == "200.303");
}

TEST_CASE("Metrics: counters keep one series per label set, values escaped") {
  Registry registry;
  Counter &a = registry.counter("test_total", "Calls.", {{"code", "ok"}});
  Counter &again = registry.counter("test_total", "ignored", {{"code", "ok"}});
  CHECK(&a == &again);
  registry.counter("test_total", "", {{"code", "say \"hi\"\\\n"}}).add(2);
  a.add();
  a.add(4);
  const std::string text = registry.render();
  CHECK(text.find("# HELP test_total Calls.\n# TYPE test_total counter\n") != std::string::npos);
  CHECK(sample(text, "test_total{code=\"ok\"}") == "5");
  CHECK(sample(text, "test_total{code=\"say \\\"hi\\\"\\\\\\n\"}") == "2");
}

TEST_CASE("Metrics: counts from many threads add up (relaxed atomics, no lock)") {
  Registry registry;
  Counter &c = registry.counter("test_total", "Calls.", {});
  Histogram &h = registry.histogram("test_seconds", "Time.", {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.add();
        h.observe(std::chrono::microseconds(1));
      }
    });
  for (auto &t : threads) t.join();
  CHECK(c.value() == 40000);
  CHECK(h.count() == 40000);
  CHECK(sample(registry.render(), "test_seconds_bucket{le=\"0.005\"}") == "40000");
}

TEST_CASE("Metrics: a collector's gauges appear while its handle lives") {
  Registry registry;
  auto handle = registry.addCollector({{"test_volumes", "Volumes."}}, [] {
    return std::vector<GaugeSample>{{"test_volumes", {{"service", "a"}}, 3},
                                    {"test_volumes", {{"service", "b"}}, 0.5}};
  });
  std::string text = registry.render();
  CHECK(text.find("# TYPE test_volumes gauge\n") != std::string::npos);
  CHECK(sample(text, "test_volumes{service=\"a\"}") == "3");
  CHECK(sample(text, "test_volumes{service=\"b\"}") == "0.5");
  handle.reset();
  CHECK(registry.render().find("test_volumes") == std::string::npos);
}

TEST_CASE("Metrics: an operation timer counts unknown operations as 'other'") {
  OperationTimer timer("timer-test", {"VolumeDriver.Mount"});
  timer.observe("VolumeDriver.Mount", true, std::chrono::milliseconds(1));
  timer.observe("VolumeDriver.Mount", false, std::chrono::milliseconds(1));
  timer.observe("made-up", true, std::chrono::milliseconds(1));
  CHECK(operationDuration("timer-test", "VolumeDriver.Mount", true).count() == 1);
  CHECK(operationDuration("timer-test", "VolumeDriver.Mount", false).count() == 1);
  CHECK(operationDuration("timer-test", "other", true).count() == 1);
  const std::string text = Registry::global().render();
  CHECK(text.find("operation=\"made-up\"") == std::string::npos);
}
