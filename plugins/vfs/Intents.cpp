#include "Intents.h"

#include "DurableFile.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace rexray::vfs {
namespace {

constexpr const char kBootIdFile[] = "settled-boot";

// The process's start time (clock ticks after boot): with the PID it names
// one process, even after the PID is reused.
std::string startTimeOf(const std::string &pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return "";
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  for (int i = 0; i < 20 && fields >> field; ++i) {
  }
  return field;
}

// "<pid>-<start time>-": this process's marker prefix.
const std::string &ownPrefix() {
  static const std::string prefix = [] {
    const std::string pid = std::to_string(::getpid());
    return pid + "-" + startTimeOf(pid) + "-";
  }();
  return prefix;
}

bool ownerAlive(const std::string &marker) {
  const auto dash = marker.find('-');
  const auto dash2 = dash == std::string::npos ? dash : marker.find('-', dash + 1);
  if (dash2 == std::string::npos) return false;
  const std::string pid = marker.substr(0, dash);
  return startTimeOf(pid) == marker.substr(dash + 1, dash2 - dash - 1);
}

std::string bootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

std::vector<std::string> markersIn(const std::string &dir) {
  std::vector<std::string> out;
  if (DIR *d = ::opendir(dir.c_str())) {
    while (const dirent *e = ::readdir(d))
      if (e->d_name[0] != '.' && std::string(e->d_name) != kBootIdFile) out.emplace_back(e->d_name);
    ::closedir(d);
  }
  return out;
}

} // namespace

Intents::Marker::Marker(const Intents &intents) {
  static std::atomic<unsigned long> sequence{0};
  _path = intents._dir + "/" + ownPrefix() + std::to_string(++sequence);
  int fd = ::open(_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ENOENT) {
    durable::makeDirectories(intents._dir, 0700);
    fd = ::open(_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "cannot record an intent in " + _path);
  ::close(fd);
}

Intents::Marker::~Marker() {
  ::unlink(_path.c_str());
}

bool Intents::settlingNeeded() const {
  const auto settledBoot = durable::read(_dir + "/" + kBootIdFile);
  if (!settledBoot || *settledBoot != bootId()) return true;
  for (const auto &marker : markersIn(_dir))
    if (!ownerAlive(marker)) return true;
  return false;
}

void Intents::settled() const {
  for (const auto &marker : markersIn(_dir))
    if (!ownerAlive(marker)) ::unlink((_dir + "/" + marker).c_str());
  durable::makeDirectories(_dir, 0700);
  durable::writeAtomicUnsynced(_dir + "/" + kBootIdFile, bootId(), 0600);
}

} // namespace rexray::vfs
