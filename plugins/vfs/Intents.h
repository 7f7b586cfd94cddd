#ifndef REXRAY_VFS_INTENTS_H
#define REXRAY_VFS_INTENTS_H

#include <string>
#include <utility>

namespace rexray::vfs {

// Whether a driver starting over a root must look for what an interrupted
// operation left (Reclaim.cpp), which reads every record: 0.35 s per CLI
// command at 10,000 volumes. Each operation that can leave something records
// its intent first (a marker file named after its process) and removes it when
// done, so a marker whose process is gone means a crash. A power loss may lose
// markers, and so the check also runs once per boot (the kernel's boot ID).
// Markers are never synced: a process crash keeps them, and a reboot forces
// the check anyway. Failures throw std::system_error naming the path.
class Intents {
public:
  explicit Intents(std::string dir) : _dir(std::move(dir)) {}

  // One operation's marker, removed when it goes out of scope.
  class Marker {
  public:
    explicit Marker(const Intents &intents);
    ~Marker();
    Marker(const Marker &) = delete;
    Marker &operator=(const Marker &) = delete;

  private:
    std::string _path;
  };
  Marker record() const { return Marker(*this); }

  // True when a process with markers died, or no check has settled the root
  // since this boot.
  bool settlingNeeded() const;
  // After a check: drops the dead processes' markers and notes this boot.
  void settled() const;

private:
  std::string _dir;
};

} // namespace rexray::vfs

#endif // REXRAY_VFS_INTENTS_H
