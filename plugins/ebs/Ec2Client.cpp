#include "Ec2Client.h"

#include "Ec2Error.h"
#include "Ec2Xml.h"
#include "Retry.h"
#include "SigV4.h"
#include "Text.h"

#include <rexray/sdk/support/Retry.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

namespace rexray::ebs {

namespace {

constexpr const char kContentType[] = "application/x-www-form-urlencoded; charset=utf-8";

std::string masked(const std::string &accessKey) {
  return accessKey.size() > 8
             ? accessKey.substr(0, 4) + "…" + accessKey.substr(accessKey.size() - 4)
             : accessKey;
}

// What went wrong with one attempt.
struct Failure {
  int http = 0; // 0 = no response
  std::string code, message, requestId;
  std::optional<int64_t> retryAfterMs;
  std::string describe(const std::string &action) const {
    std::string s = "EC2 " + action + ": ";
    if (!code.empty())
      s += code + ": " + (message.empty() ? "(no message)" : message);
    else
      s += message;
    if (http) {
      s += " (HTTP " + std::to_string(http);
      if (!requestId.empty()) s += ", request " + requestId;
      s += ")";
    }
    return s;
  }
};

// Thrown by one attempt, caught by the retry decision and, when no retry
// follows, turned into the Ec2Error the caller sees. Not an exception type
// of the driver's: it never leaves Ec2Client::call.
struct AttemptFailed {
  Failure failure;
  std::string credentialsSource, accessKeyId;
  bool credentialsExpire = false;
};

} // namespace

Ec2Client::Ec2Client(Options options, CredentialsProvider &credentials, sdk::Host host)
    : _options(std::move(options)), _endpoint(support::Endpoint::parse(_options.endpoint)),
      _credentials(credentials), _host(host), _rng(std::random_device{}()),
      _sleep([](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }) {
  if (_options.region.empty()) throw std::invalid_argument("ebs: no region for the EC2 client");
}

std::string Ec2Client::call(const sdk::Call &call, const std::string &action,
                            const support::Headers &params) const {
  support::Headers form = params;
  form.emplace_back("Action", action);
  form.emplace_back("Version", kVersion);
  const std::string body = sigv4::canonicalQuery(form);
  const int maxRetries = std::max(0, _options.maxRetries);
  // A call without a deadline is bounded by maxRetries alone.
  const auto deadline = support::Deadline::of(call, INT64_MAX / 4);

  // One signed attempt: the body on 2xx, else an AttemptFailed for the
  // retry decision below (or an Ec2Error that is never retried).
  const auto attempt = [&]() -> std::string {
    if (deadline.expired())
      throw Ec2Error(RXR_E_TIMEOUT, "ebs: EC2 " + action + ": the call's deadline passed", action,
                     "", "deadline exceeded", 0);
    AttemptFailed failed;
    const Credentials creds = _credentials.get(call);
    failed.credentialsSource = creds.source;
    failed.accessKeyId = creds.accessKeyId;
    failed.credentialsExpire = creds.expiresUnixMs != 0;
    Failure &f = failed.failure;
    sigv4::Request req;
    req.method = "POST";
    req.path = _endpoint.path.empty() ? "/" : _endpoint.path + "/";
    req.body = body;
    const std::string date = sigv4::amzDate(std::time(nullptr));
    req.headers = {{"Content-Type", kContentType},
                   {"Content-Length", std::to_string(body.size())},
                   {"Host", _endpoint.hostHeader},
                   {"X-Amz-Date", date}};
    if (!creds.sessionToken.empty())
      req.headers.emplace_back("X-Amz-Security-Token", creds.sessionToken);
    const auto signature =
        sigv4::sign(req, {creds.accessKeyId, creds.secretAccessKey, creds.sessionToken},
                    _options.region, "ec2", date);

    support::HttpRequest hr;
    hr.method = "POST";
    hr.endpoint = _endpoint;
    hr.path = "/";
    hr.headers = req.headers;
    hr.headers.emplace_back("Authorization", signature.authorization);
    hr.headers.emplace_back("User-Agent", "rexray-ebs/1.0.0");
    hr.body = body;
    hr.allowProxy = true;

    const int64_t started = support::Deadline::nowMs();
    ++_sent;
    try {
      const support::HttpResponse res =
          support::exchange(hr, deadline.capped(_options.attemptTimeoutMs));
      const int64_t ms = support::Deadline::nowMs() - started;
      if (res.status >= 200 && res.status < 300) {
        if (_host.logEnabled(RXR_LOG_DEBUG))
          _host.debug("ebs: EC2 " + action + " → HTTP " + std::to_string(res.status) + " in " +
                      std::to_string(ms) + "ms");
        return res.body;
      }
      f.http = res.status;
      if (auto err = xml::parseError(res.body)) {
        f.code = err->code;
        f.message = err->message;
        f.requestId = err->requestId;
      } else {
        f.message =
            "HTTP " + std::to_string(res.status) + " " + res.reason +
            (text::trim(res.body).empty() ? "" : ": " + text::trim(res.body).substr(0, 200));
      }
      if (auto ra = res.header("Retry-After")) f.retryAfterMs = retry::retryAfterMs(*ra);
      _host.debug("ebs: EC2 " + action + " → HTTP " + std::to_string(res.status) + " " + f.code +
                  " in " + std::to_string(ms) + "ms");
    } catch (const support::TransportError &e) {
      if (e.kind() == support::TransportError::Kind::Tls)
        throw Ec2Error(RXR_E_BACKEND, "ebs: EC2 " + action + ": " + e.what(), action, "", e.what(),
                       0);
      f.message = e.what();
    }
    throw failed;
  };

  // aws-sdk-go's rules decide; the support library keeps the count and the
  // deadline. Expired instance-role credentials are fetched again once and
  // resent at once, without counting as a retry.
  bool credentialsRefreshed = false;
  int retries = 0;
  bool outOfTime = false; // the last wanted retry did not fit the deadline
  retry::Kind lastKind = retry::Kind::None;
  const auto decide = [&](std::exception_ptr error) -> support::RetryDecision {
    const AttemptFailed *failed = nullptr;
    try {
      std::rethrow_exception(error);
    } catch (const AttemptFailed &a) {
      failed = &a;
    } catch (...) {
      return {false, std::nullopt};
    }
    const Failure &f = failed->failure;
    const rxr_status mapped = statusForEc2Code(f.code, f.http);
    if (mapped == RXR_E_AUTH && !credentialsRefreshed && failed->credentialsExpire &&
        (f.code == "AuthFailure" || f.code == "ExpiredToken" || f.code == "InvalidClientTokenId" ||
         f.code == "RequestExpired")) {
      credentialsRefreshed = true;
      _credentials.invalidate();
      outOfTime = deadline.expired();
      return {true, 0};
    }
    lastKind = retry::classify(f.http, f.code);
    if (lastKind == retry::Kind::None || retries >= maxRetries) return {false, std::nullopt};
    int64_t delay = 0;
    {
      std::lock_guard<std::mutex> guard(_rngMu);
      delay = retry::backoffMs(lastKind, retries, _rng);
    }
    if (f.retryAfterMs) delay = std::max(delay, *f.retryAfterMs);
    ++retries;
    outOfTime = delay >= deadline.remainingMs();
    if (!outOfTime)
      _host.debug("ebs: retrying EC2 " + action + " in " + std::to_string(delay) + "ms (" +
                  f.describe(action) + ")");
    return {true, delay};
  };

  support::RetryPolicy policy; // unbounded here: `decide` applies maxRetries
  try {
    return support::retryWithin(deadline, policy, attempt, decide, [this](int64_t ms) {
      if (ms > 0) _sleep(ms);
    });
  } catch (const AttemptFailed &failed) {
    const Failure &f = failed.failure;
    if (outOfTime)
      throw Ec2Error(
          RXR_E_TIMEOUT,
          "ebs: " + f.describe(action) + " — the call's deadline leaves no time for retry " +
              std::to_string(retries) + " (after " + std::to_string(retries) + " attempts)",
          action, f.code, f.message, f.http);
    const rxr_status mapped = statusForEc2Code(f.code, f.http);
    std::string msg = "ebs: " + f.describe(action);
    if (mapped == RXR_E_AUTH)
      msg += " — the credentials from " + failed.credentialsSource + " (access key " +
             masked(failed.accessKeyId) + ") were refused for region " + _options.region;
    if (lastKind != retry::Kind::None)
      msg += " — gave up after " + std::to_string(retries + 1) + " attempts";
    const rxr_status st =
        lastKind == retry::Kind::None ? mapped : (f.http == 0 ? RXR_E_BACKEND : mapped);
    throw Ec2Error(st, msg, action, f.code, f.message, f.http);
  }
}

} // namespace rexray::ebs
