// vboxwebsrv's SOAP replies: parseReply for one of a few methods (the first
// input byte picks it) on the fuzzed body, then the readers the client uses
// on what it returns. SoapEnvelope.h promises SoapProtocolError (a
// std::runtime_error) for a body that is not a reply to the method; any
// other exception escaping is a bug VboxClient would not catch.
#include "virtualbox/SoapEnvelope.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

const char *const kMethods[] = {"IWebsessionManager_logon", "IVirtualBox_findMachine",
                                "IMachine_getMediumAttachments", "IMedium_createBaseStorage",
                                "IMachine_attachDevice"};

void walk(const rexray::virtualbox::XmlNode &node) {
  node.child("returnval");
  node.childText("_this");
  for (const auto &child : node.children) walk(child);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  namespace vbox = rexray::virtualbox;
  if (size == 0) return 0;
  const std::string method = kMethods[data[0] % (sizeof kMethods / sizeof kMethods[0])];
  const std::string body(reinterpret_cast<const char *>(data + 1), size - 1);
  try {
    const vbox::SoapReply reply = vbox::parseReply(method, body);
    for (const auto &value : reply.returnvals) walk(value);
  } catch (const std::runtime_error &) {
    // The documented answer to a body that is not this method's reply.
  }
  try {
    walk(vbox::parseXml(body));
  } catch (const std::runtime_error &) {
  }
  return 0;
}
