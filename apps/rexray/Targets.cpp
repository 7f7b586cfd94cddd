#include "Targets.h"

#include "util/Error.h"

#include <iostream>
#include <regex>

namespace rexray::cli {

std::vector<std::string> expandVolumeRefs(Backend &backend, const std::vector<std::string> &refs) {
  std::vector<std::string> out;
  std::optional<std::vector<Volume>> all; // listed once, when a regex needs it
  for (const auto &ref : refs) {
    if (ref.size() < 2 || ref.front() != '/' || ref.back() != '/') {
      out.push_back(ref);
      continue;
    }
    std::regex pattern;
    try {
      pattern = std::regex(ref.substr(1, ref.size() - 2));
    } catch (const std::regex_error &e) {
      throw Error(ErrorKind::Invalid, "invalid regular expression " + ref + ": " + e.what());
    }
    if (!all) all = backend.list();
    size_t matched = 0;
    for (const auto &v : *all)
      if (std::regex_search(v.name, pattern) || std::regex_search(v.id, pattern)) {
        out.push_back(v.id);
        ++matched;
      }
    if (matched == 0) throw Error(ErrorKind::NotFound, "no volume matches " + ref);
  }
  return out;
}

std::optional<Volume> findVolume(Backend &backend, const std::string &ref) {
  try {
    return backend.inspect(ref);
  } catch (const Error &e) {
    if (e.kind() == ErrorKind::NotFound) return std::nullopt;
    throw;
  }
}

int forEachTarget(const std::vector<std::string> &targets, bool keepGoing,
                  const std::function<void(const std::string &)> &action) {
  int status = 0;
  for (const auto &target : targets) {
    try {
      action(target);
    } catch (const std::exception &e) {
      // One line per failure; the message names the volume already when the
      // service wrote it, else say which one.
      const std::string message = e.what();
      std::cerr << "rexray: " << (message.find(target) == std::string::npos ? target + ": " : "")
                << message << "\n";
      status = 1;
      if (!keepGoing) break;
    }
  }
  return status;
}

std::vector<PlannedAction> planFor(Backend &backend, const std::string &action,
                                   const std::vector<std::string> &targets) {
  std::vector<PlannedAction> plan;
  for (const auto &t : targets) {
    const Volume v = backend.inspect(t);
    plan.push_back({action, v.id, v.name});
  }
  return plan;
}

} // namespace rexray::cli
