#ifndef REXRAY_EBS_EC2TYPES_H
#define REXRAY_EBS_EC2TYPES_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// EC2 objects as the 2016-11-15 Query API returns them (specs/ec2-ebs.md §3).
namespace rexray::ebs {

struct Ec2Attachment {
  std::string volumeId, instanceId, device, status; // status: attaching|attached|detaching|busy
  int64_t attachTime = 0;
  bool deleteOnTermination = false;
};

struct Ec2Volume {
  std::string id, snapshotId, availabilityZone, status, type, kmsKeyId;
  int64_t sizeGiB = 0, iops = 0, throughput = 0, createTime = 0;
  bool encrypted = false;
  std::vector<Ec2Attachment> attachments;
  std::map<std::string, std::string> tags;

  std::string tag(const std::string &key) const {
    auto it = tags.find(key);
    return it == tags.end() ? std::string() : it->second;
  }
};

struct Ec2Snapshot {
  std::string id, volumeId, status, statusMessage, progress, ownerId, description, kmsKeyId;
  int64_t volumeSizeGiB = 0, startTime = 0;
  bool encrypted = false;
  std::map<std::string, std::string> tags;

  std::string tag(const std::string &key) const {
    auto it = tags.find(key);
    return it == tags.end() ? std::string() : it->second;
  }
};

struct Ec2BlockDevice {
  std::string deviceName, volumeId, status;
};

struct Ec2Instance {
  std::string id, availabilityZone, state;
  std::vector<Ec2BlockDevice> blockDevices;
};

// An EC2 error reply: <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>.
struct Ec2ErrorReply {
  std::string code, message, requestId;
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_EC2TYPES_H
