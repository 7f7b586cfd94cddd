#ifndef REXRAY_VIRTUALBOX_VBOXERRORS_H
#define REXRAY_VIRTUALBOX_VBOXERRORS_H

#include "SoapEnvelope.h"

#include <rexray/sdk/driver.hpp>

#include <cstdint>
#include <string>

namespace rexray::virtualbox {

// COM result codes VirtualBox reports (VirtualBox.xidl), as unsigned values.
namespace hresult {
constexpr uint32_t kObjectNotFound = 0x80BB0001;      // VBOX_E_OBJECT_NOT_FOUND
constexpr uint32_t kInvalidVmState = 0x80BB0002;      // VBOX_E_INVALID_VM_STATE
constexpr uint32_t kVmError = 0x80BB0003;             // VBOX_E_VM_ERROR
constexpr uint32_t kFileError = 0x80BB0004;           // VBOX_E_FILE_ERROR
constexpr uint32_t kIprtError = 0x80BB0005;           // VBOX_E_IPRT_ERROR
constexpr uint32_t kPdmError = 0x80BB0006;            // VBOX_E_PDM_ERROR
constexpr uint32_t kInvalidObjectState = 0x80BB0007;  // VBOX_E_INVALID_OBJECT_STATE
constexpr uint32_t kHostError = 0x80BB0008;           // VBOX_E_HOST_ERROR
constexpr uint32_t kNotSupported = 0x80BB0009;        // VBOX_E_NOT_SUPPORTED
constexpr uint32_t kXmlError = 0x80BB000A;            // VBOX_E_XML_ERROR
constexpr uint32_t kInvalidSessionState = 0x80BB000B; // VBOX_E_INVALID_SESSION_STATE
constexpr uint32_t kObjectInUse = 0x80BB000C;         // VBOX_E_OBJECT_IN_USE
constexpr uint32_t kAccessDenied = 0x80070005;        // E_ACCESSDENIED
constexpr uint32_t kInvalidArg = 0x80070057;          // E_INVALIDARG
constexpr uint32_t kFail = 0x80004005;                // E_FAIL
constexpr uint32_t kNotImpl = 0x80004001;             // E_NOTIMPL
} // namespace hresult

// "VBOX_E_OBJECT_IN_USE", or "" for a code we have no name for.
const char *hresultName(uint32_t code);
// "VBOX_E_OBJECT_IN_USE 0x80BB000C", or "0x........" without a name.
std::string describeHresult(uint32_t code);

// A SOAP fault raised by vboxwebsrv for one call.
class VboxFault : public std::runtime_error {
public:
  VboxFault(std::string method, SoapFault fault);
  const std::string &method() const { return _method; }
  const SoapFault &fault() const { return _fault; }
  bool isRuntime() const { return _fault.kind == SoapFault::Kind::Runtime; }
  bool isInvalidObject() const { return _fault.kind == SoapFault::Kind::InvalidObject; }
  uint32_t hresult() const { return static_cast<uint32_t>(_fault.resultCode); }
  bool is(uint32_t code) const { return isRuntime() && hresult() == code; }
  // The faultstring, with the result code appended when it is not in it.
  std::string detail() const;

private:
  std::string _method;
  SoapFault _fault;
};

// Thrown by the client when the websession expired (every reference it handed
// out is gone). Drivers log on again and repeat the whole operation.
class SessionExpired : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The status a fault maps to: NOT_FOUND for VBOX_E_OBJECT_NOT_FOUND; BUSY for
// objects in use, locked machines and bad object / session states; INVALID for
// E_INVALIDARG; AUTH for E_ACCESSDENIED and failed logons; BACKEND otherwise.
rxr_status statusFor(const SoapFault &fault, bool duringLogon = false);

// The SDK error for a fault: "<context>: <faultstring> (<code>)",
// with the HRESULT as the backend code.
sdk::Error toError(const VboxFault &fault, const std::string &context);

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_VBOXERRORS_H
