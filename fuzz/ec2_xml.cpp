// EC2 Query API reply bodies: every Ec2Xml parser on the same fuzzed body,
// since a server may answer any call with any document. Ec2Xml.h promises
// std::runtime_error for a body that is not XML or not the expected reply;
// any other exception escaping is a bug the driver would not catch.
#include "ebs/Ec2Xml.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

template <typename Parse> void attempt(Parse parse) {
  try {
    parse();
  } catch (const std::runtime_error &) {
    // The documented answer to a body that is not the reply expected.
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  namespace xml = rexray::ebs::xml;
  const std::string body(reinterpret_cast<const char *>(data), size);
  attempt([&] { xml::parseDescribeVolumes(body); });
  attempt([&] { xml::parseCreateVolume(body); });
  attempt([&] { xml::parseDescribeSnapshots(body); });
  attempt([&] { xml::parseCreateSnapshot(body); });
  attempt([&] { xml::parseCopySnapshot(body); });
  attempt([&] { xml::parseAttachment(body); });
  attempt([&] { xml::parseDescribeInstances(body); });
  attempt([&] { xml::parseError(body); });
  return 0;
}
