#ifndef REXRAY_VIRTUALBOX_MEDIUMLAYOUT_H
#define REXRAY_VIRTUALBOX_MEDIUMLAYOUT_H

#include <optional>
#include <string>

namespace rexray::virtualbox {

// Which hard-disk media are ours, and what they are, from their location on
// the VirtualBox host alone:
//
//   <volumePath>/<name>.<ext>                         a volume called <name>
//   <volumePath>/<snapshot>.<volume uuid>.snap.<ext>  a snapshot (a full clone)
//                                                     of that volume
//
// Media anywhere else (VM boot disks, other tools' disks) are not volumes.
// <ext> is the disk format's extension (vmdk, vdi, …); a file without one (as
// REX-Ray created them) is a volume named after the whole file name.
// volumePath is a directory on the host running vboxwebsrv, which may be
// Windows: a path with backslashes and no slashes uses '\' as separator.
class MediumLayout {
public:
  enum class Kind { Volume, Snapshot };
  struct Entry {
    Kind kind = Kind::Volume;
    std::string name;      // volume or snapshot name
    std::string volumeId;  // snapshots: the source volume's medium UUID
    std::string extension; // lower case, "" when none
  };

  // Throws std::invalid_argument when volumePath is empty or not absolute.
  explicit MediumLayout(const std::string &volumePath);

  const std::string &volumePath() const { return _dir; }
  char separator() const { return _sep; }

  std::string volumeLocation(const std::string &name, const std::string &extension) const;
  std::string snapshotLocation(const std::string &name, const std::string &volumeId,
                               const std::string &extension) const;
  // nullopt when the location is not directly inside volumePath.
  std::optional<Entry> classify(const std::string &location) const;

  // Throws std::invalid_argument unless `name` can be a file name here and is
  // not itself read back as something else. `what`: "volume name", …
  static void validateName(const std::string &name, const std::string &what);
  // A dashed 8-4-4-4-12 hex UUID.
  static bool isUuid(const std::string &text);

private:
  std::string normalize(const std::string &path) const;

  std::string _dir;
  char _sep = '/';
};

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_MEDIUMLAYOUT_H
