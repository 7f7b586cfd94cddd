#include <doctest/doctest.h>

#include "EbsTestSupport.h"
#include "ebs/DescribeBatcher.h"

#include <atomic>
#include <thread>

using rexray::ebs::DescribeBatcher;
using rexray::ebs::Ec2Volume;

namespace {
Ec2Volume volumeWithId(const std::string &id) {
  Ec2Volume v;
  v.id = id;
  v.status = "available";
  return v;
}
} // namespace

TEST_CASE("describe batcher: 50 concurrent lookups become at most 2 requests") {
  std::atomic<int> calls{0};
  DescribeBatcher *self = nullptr;
  DescribeBatcher batcher([&](const rexray::sdk::Call &, const std::vector<std::string> &ids) {
    // The first request stays in flight until every other lookup has queued
    // behind it, however slowly the machine starts the threads: they must
    // all go together in the next request.
    if (++calls == 1)
      while (self->queued() < 50 - ids.size())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::vector<Ec2Volume> out;
    for (const auto &id : ids)
      if (id != "vol-missing") out.push_back(volumeWithId(id));
    return out;
  });
  self = &batcher;
  std::vector<std::thread> threads;
  std::atomic<int> found{0}, missing{0};
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&, i] {
      ebstest::TestCall call(60000);
      auto v = batcher.get(call.call(), i == 7 ? "vol-missing" : "vol-" + std::to_string(i));
      if (v) {
        CHECK(v->id == "vol-" + std::to_string(i));
        ++found;
      } else {
        ++missing;
      }
    });
  for (auto &t : threads) t.join();
  CHECK(found == 49);
  CHECK(missing == 1);
  CHECK(calls <= 2);
  CHECK(batcher.batchesSent() == static_cast<uint64_t>(calls.load()));
}

TEST_CASE("describe batcher: batches are capped, errors reach every waiter, deadlines hold") {
  std::atomic<int> calls{0};
  DescribeBatcher capped(
      [&](const rexray::sdk::Call &, const std::vector<std::string> &ids) {
        ++calls;
        CHECK(ids.size() <= 3);
        return std::vector<Ec2Volume>{};
      },
      2, 10, 3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 9; ++i)
    threads.emplace_back([&, i] {
      ebstest::TestCall call(10000);
      CHECK_FALSE(capped.get(call.call(), "vol-" + std::to_string(i)).has_value());
    });
  for (auto &t : threads) t.join();
  CHECK(calls >= 3);

  DescribeBatcher failing(
      [](const rexray::sdk::Call &, const std::vector<std::string> &) -> std::vector<Ec2Volume> {
        throw rexray::sdk::Error(RXR_E_AUTH, "AuthFailure: nope");
      });
  ebstest::TestCall call(10000);
  CHECK_THROWS_AS(failing.get(call.call(), "vol-1"), rexray::sdk::Error);

  // A waiter queued behind a slow request gives up at its own deadline.
  DescribeBatcher slow([](const rexray::sdk::Call &, const std::vector<std::string> &) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return std::vector<Ec2Volume>{};
  });
  std::thread first([&] {
    ebstest::TestCall c(10000);
    slow.get(c.call(), "vol-a");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ebstest::TestCall shortCall(100);
  try {
    slow.get(shortCall.call(), "vol-b");
    FAIL("expected a timeout");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_TIMEOUT);
  }
  first.join();
}
