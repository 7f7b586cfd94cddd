#include "util/RequestContext.h"

#include <fmt/format.h>

#include <atomic>
#include <random>

namespace rexray::request {
namespace {

thread_local std::string current;

uint64_t processPrefix() {
  static const uint64_t prefix = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32 | device()) & 0xffffff;
  }();
  return prefix;
}

bool usable(const std::string &id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

} // namespace

const std::string &currentId() {
  return current;
}

std::string newId() {
  static std::atomic<uint64_t> counter{0};
  // 6 + 9 hex digits: unique across restarts in practice, and within the
  // small-string buffer.
  const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  return fmt::format("{:06x}{:09x}", processPrefix(), n & 0xfffffffffULL);
}

std::string acceptId(const std::string &fromClient) {
  return usable(fromClient) ? fromClient : newId();
}

Scope::Scope(std::string id) : _previous(std::move(current)) {
  current = std::move(id);
}

Scope::~Scope() {
  current = std::move(_previous);
}

EnsureScope::EnsureScope() : _started(current.empty()) {
  if (_started) current = newId();
}

EnsureScope::~EnsureScope() {
  if (_started) current.clear();
}

} // namespace rexray::request
