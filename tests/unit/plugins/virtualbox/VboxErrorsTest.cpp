#include <doctest/doctest.h>

#include "virtualbox/VboxErrors.h"

using namespace rexray::virtualbox;

namespace {
SoapFault runtime(uint32_t code, const std::string &text) {
  SoapFault f;
  f.kind = SoapFault::Kind::Runtime;
  f.resultCode = static_cast<int32_t>(code);
  f.faultString = text;
  return f;
}
} // namespace

TEST_CASE("virtualbox errors: faults map to statuses") {
  CHECK(statusFor(runtime(hresult::kObjectNotFound, "x")) == RXR_E_NOT_FOUND);
  CHECK(statusFor(runtime(hresult::kObjectInUse, "x")) == RXR_E_BUSY);
  CHECK(statusFor(runtime(hresult::kInvalidObjectState, "x")) == RXR_E_BUSY);
  CHECK(statusFor(runtime(hresult::kInvalidSessionState, "x")) == RXR_E_BUSY);
  CHECK(statusFor(runtime(hresult::kInvalidArg, "x")) == RXR_E_INVALID);
  CHECK(statusFor(runtime(hresult::kFileError, "x")) == RXR_E_BACKEND);
  CHECK(statusFor(runtime(hresult::kFail, "x")) == RXR_E_BACKEND);
  SoapFault other;
  CHECK(statusFor(other) == RXR_E_BACKEND);
  CHECK(statusFor(other, true) == RXR_E_AUTH); // a failed logon
  SoapFault io;
  io.kind = SoapFault::Kind::InvalidObject;
  CHECK(statusFor(io) == RXR_E_BACKEND);
}

TEST_CASE("virtualbox errors: messages keep VirtualBox's faultstring and name the code") {
  CHECK(describeHresult(0x80BB000C) == "VBOX_E_OBJECT_IN_USE 0x80BB000C");
  CHECK(describeHresult(0x80BB00FF) == "0x80BB00FF");
  VboxFault f("IMedium_deleteStorage",
              runtime(hresult::kObjectInUse,
                      "VirtualBox error: apirc=0x80bb000c Cannot delete storage: medium is "
                      "still attached (0x80bb000c)"));
  CHECK(f.is(hresult::kObjectInUse));
  CHECK_FALSE(f.is(hresult::kObjectNotFound));
  // The faultstring carries the number already: only the name is added.
  CHECK(f.detail() == "VirtualBox error: apirc=0x80bb000c Cannot delete storage: medium is still "
                      "attached (0x80bb000c) [VBOX_E_OBJECT_IN_USE]");
  const auto e = toError(f, "removing volume 'v'");
  CHECK(e.status() == RXR_E_BUSY);
  CHECK(e.backendCode() == static_cast<int32_t>(0x80BB000C));
  CHECK(std::string(e.what()) ==
        "removing volume 'v': IMedium_deleteStorage failed: VirtualBox error: apirc=0x80bb000c "
        "Cannot delete storage: medium is still attached (0x80bb000c) [VBOX_E_OBJECT_IN_USE]");

  VboxFault bare("IMachine_attachDevice", runtime(hresult::kInvalidArg, "port out of range"));
  CHECK(bare.detail() == "port out of range (E_INVALIDARG 0x80070057)");
}
