#include "Ec2Client.h"

#include "Ec2Error.h"
#include "Ec2Xml.h"
#include "Retry.h"
#include "SigV4.h"
#include "Text.h"

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

} // namespace

Ec2Client::Ec2Client(Options options, CredentialsProvider &credentials, sdk::Host host)
    : _options(std::move(options)), _endpoint(http::Endpoint::parse(_options.endpoint)),
      _credentials(credentials), _host(host), _rng(std::random_device{}()),
      _sleep([](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }) {
  if (_options.region.empty()) throw std::invalid_argument("ebs: no region for the EC2 client");
}

std::string Ec2Client::call(const sdk::Call &call, const std::string &action,
                            const http::Pairs &params) const {
  http::Pairs form = params;
  form.emplace_back("Action", action);
  form.emplace_back("Version", kVersion);
  const std::string body = sigv4::canonicalQuery(form);
  const int maxRetries = std::max(0, _options.maxRetries);
  bool credentialsRefreshed = false;
  int retries = 0;

  for (int attempt = 0;; ++attempt) {
    const int64_t remaining = call.remainingMs();
    if (remaining <= 0)
      throw Ec2Error(RXR_E_TIMEOUT, "ebs: EC2 " + action + ": the call's deadline passed", action,
                     "", "deadline exceeded", 0);

    const Credentials creds = _credentials.get(call);
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

    http::Request hr;
    hr.method = "POST";
    hr.endpoint = _endpoint;
    hr.path = "/";
    hr.headers = req.headers;
    hr.headers.emplace_back("Authorization", signature.authorization);
    hr.headers.emplace_back("User-Agent", "rexray-ebs/1.0.0");
    hr.body = body;
    hr.timeoutMs = std::min(remaining, _options.attemptTimeoutMs);
    hr.allowProxy = true;

    Failure f;
    const auto started = std::chrono::steady_clock::now();
    ++_sent;
    try {
      const http::Response res = http::send(hr);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
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
    } catch (const http::TransportError &e) {
      if (e.kind() == http::TransportError::Kind::Tls)
        throw Ec2Error(RXR_E_BACKEND, "ebs: EC2 " + action + ": " + e.what(), action, "", e.what(),
                       0);
      f.message = e.what();
    }

    // Expired instance-role credentials: fetch new ones once and resend.
    const rxr_status mapped = statusForEc2Code(f.code, f.http);
    if (mapped == RXR_E_AUTH && !credentialsRefreshed && creds.expiresUnixMs != 0 &&
        (f.code == "AuthFailure" || f.code == "ExpiredToken" || f.code == "InvalidClientTokenId" ||
         f.code == "RequestExpired")) {
      credentialsRefreshed = true;
      _credentials.invalidate();
      continue;
    }

    const retry::Kind kind = retry::classify(f.http, f.code);
    if (kind == retry::Kind::None || retries >= maxRetries) {
      std::string msg = "ebs: " + f.describe(action);
      if (mapped == RXR_E_AUTH)
        msg += " — the credentials from " + creds.source + " (access key " +
               masked(creds.accessKeyId) + ") were refused for region " + _options.region;
      if (kind != retry::Kind::None)
        msg += " — gave up after " + std::to_string(retries + 1) + " attempts";
      const rxr_status st =
          kind == retry::Kind::None ? mapped : (f.http == 0 ? RXR_E_BACKEND : mapped);
      throw Ec2Error(st, msg, action, f.code, f.message, f.http);
    }

    int64_t delay = 0;
    {
      std::lock_guard<std::mutex> guard(_rngMu);
      delay = retry::backoffMs(kind, retries, _rng);
    }
    if (f.retryAfterMs) delay = std::max(delay, *f.retryAfterMs);
    ++retries;
    const int64_t left = call.remainingMs();
    if (delay >= left)
      throw Ec2Error(
          RXR_E_TIMEOUT,
          "ebs: " + f.describe(action) + " — the call's deadline leaves no time for retry " +
              std::to_string(retries) + " (after " + std::to_string(retries) + " attempts)",
          action, f.code, f.message, f.http);
    _host.debug("ebs: retrying EC2 " + action + " in " + std::to_string(delay) + "ms (" +
                f.describe(action) + ")");
    if (delay > 0) _sleep(delay);
  }
}

} // namespace rexray::ebs
