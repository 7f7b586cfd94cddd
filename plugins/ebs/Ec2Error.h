#ifndef REXRAY_EBS_EC2ERROR_H
#define REXRAY_EBS_EC2ERROR_H

#include <rexray/sdk/driver.hpp>

#include <string>

// An EC2 error reply, carried as the rxr status it maps to. The message
// always names the action, the EC2 code and EC2's own message.
namespace rexray::ebs {

class Ec2Error : public sdk::Error {
public:
  Ec2Error(rxr_status status, const std::string &message, std::string action, std::string code,
           std::string ec2Message, int httpStatus)
      : sdk::Error(status, message, httpStatus), _action(std::move(action)), _code(std::move(code)),
        _ec2Message(std::move(ec2Message)), _httpStatus(httpStatus) {}
  const std::string &action() const { return _action; }
  const std::string &code() const { return _code; } // "" for transport failures
  const std::string &ec2Message() const { return _ec2Message; }
  int httpStatus() const { return _httpStatus; } // 0 when no response arrived

private:
  std::string _action, _code, _ec2Message;
  int _httpStatus;
};

// The rxr status for an EC2 error code (and HTTP status when the code says
// nothing): NotFound codes → NOT_FOUND, in-use/state conflicts → BUSY,
// credential and permission failures → AUTH, parameter errors → INVALID,
// everything else (limits, 5xx, throttling) → BACKEND.
rxr_status statusForEc2Code(const std::string &code, int httpStatus);

} // namespace rexray::ebs

#endif // REXRAY_EBS_EC2ERROR_H
