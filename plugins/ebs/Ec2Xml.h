#ifndef REXRAY_EBS_EC2XML_H
#define REXRAY_EBS_EC2XML_H

#include "Ec2Types.h"

#include <optional>
#include <string>
#include <vector>

// Turns EC2 Query API reply bodies into Ec2Types with Poco::XML (DOM).
// Element names are matched by local name, so the namespace (with or without
// the trailing slash moto omits) does not matter. Unknown elements are
// ignored; a body that is not XML throws std::runtime_error.
namespace rexray::ebs::xml {

struct VolumePage {
  std::vector<Ec2Volume> volumes;
  std::string nextToken;
};
struct SnapshotPage {
  std::vector<Ec2Snapshot> snapshots;
  std::string nextToken;
};

VolumePage parseDescribeVolumes(const std::string &body);
// CreateVolume answers with the volume's fields at the top level.
Ec2Volume parseCreateVolume(const std::string &body);
SnapshotPage parseDescribeSnapshots(const std::string &body);
// CreateSnapshot answers with the snapshot's fields at the top level.
Ec2Snapshot parseCreateSnapshot(const std::string &body);
// CopySnapshot: the new snapshot's id.
std::string parseCopySnapshot(const std::string &body);
// AttachVolume / DetachVolume.
Ec2Attachment parseAttachment(const std::string &body);
std::vector<Ec2Instance> parseDescribeInstances(const std::string &body);
// The error envelope (also accepts <ErrorResponse><Error>… as other AWS
// services send); nullopt when the body is not one.
std::optional<Ec2ErrorReply> parseError(const std::string &body);

} // namespace rexray::ebs::xml

#endif // REXRAY_EBS_EC2XML_H
