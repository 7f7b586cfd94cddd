"""AWS Signature Version 4: signing helpers and a server-side verifier.

Standard library only.  The canonicalisation follows the AWS General Reference
(and botocore, which is what the AWS CLI uses):

  CanonicalRequest = METHOD '\n' CanonicalURI '\n' CanonicalQuery '\n'
                     (lowercase-name ':' trimmed-value '\n')* '\n'
                     signed;header;names '\n' hex(sha256(payload))
  StringToSign     = 'AWS4-HMAC-SHA256\n' amzdate '\n' scope '\n' hex(sha256(CanonicalRequest))
  scope            = yyyymmdd '/' region '/' service '/aws4_request'

The verifier checks the signature over exactly the headers the request lists
in SignedHeaders (never a fixed set), like AWS does.
"""

import calendar
import hashlib
import hmac
import re
import time
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_SKEW_SECONDS = 300

_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")


def sha256_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key, msg):
    if isinstance(msg, str):
        msg = msg.encode("utf-8")
    return hmac.new(key, msg, hashlib.sha256).digest()


def signing_key(secret, datestamp, region, service):
    k_date = hmac_sha256(("AWS4" + secret).encode("utf-8"), datestamp)
    k_region = hmac_sha256(k_date, region)
    k_service = hmac_sha256(k_region, service)
    return hmac_sha256(k_service, "aws4_request")


def _uri_encode(s, safe):
    return urllib.parse.quote(s, safe=safe)


def canonical_uri(raw_path):
    """Canonical URI for every service but S3: dot segments removed, then each
    (already percent-encoded) character encoded once more, '/' kept."""
    path = raw_path or "/"
    if not path.startswith("/"):
        path = "/" + path
    trailing = path.endswith("/") and path != "/"
    segs = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segs:
                segs.pop()
            continue
        segs.append(seg)
    norm = "/" + "/".join(segs)
    if trailing and norm != "/":
        norm += "/"
    return _uri_encode(norm, safe="/~")


def canonical_query(raw_query, exclude=()):
    """Sorted, RFC 3986 encoded query string.  raw_query is the text after '?'
    as received (percent-encoded)."""
    if not raw_query:
        return ""
    pairs = []
    for part in raw_query.split("&"):
        if part == "":
            continue
        k, _, v = part.partition("=")
        k = urllib.parse.unquote(k)
        v = urllib.parse.unquote(v)
        if k in exclude:
            continue
        pairs.append((_uri_encode(k, safe="-_.~"), _uri_encode(v, safe="-_.~")))
    pairs.sort()
    return "&".join("%s=%s" % kv for kv in pairs)


def _trimall(value):
    return " ".join(value.split())


def canonical_headers(headers, signed_names):
    """headers: list of (name, value) pairs as received (repeats allowed).
    Returns the canonical header block (each line ending in '\n') or raises
    KeyError(name) if a signed header is absent."""
    by_name = {}
    for name, value in headers:
        by_name.setdefault(name.lower(), []).append(_trimall(str(value)))
    out = []
    for name in signed_names:
        if name not in by_name:
            raise KeyError(name)
        out.append("%s:%s\n" % (name, ",".join(by_name[name])))
    return "".join(out)


def canonical_request(method, raw_path, raw_query, headers, signed_names, payload_hash,
                      query_exclude=()):
    return "\n".join([
        method.upper(),
        canonical_uri(raw_path),
        canonical_query(raw_query, exclude=query_exclude),
        canonical_headers(headers, signed_names),
        ";".join(signed_names),
        payload_hash,
    ])


def string_to_sign(amz_date, scope, creq):
    return "\n".join([ALGORITHM, amz_date, scope, sha256_hex(creq)])


def signature(secret, amz_date, region, service, creq):
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    sts = string_to_sign(amz_date, scope, creq)
    return hmac.new(signing_key(secret, amz_date[:8], region, service),
                    sts.encode("utf-8"), hashlib.sha256).hexdigest()


def amz_now():
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def sign_request(method, url, body, access_key, secret, region, service="ec2",
                 headers=None, amz_date=None, signed_headers=None, session_token=None):
    """Client-side helper (used by the self-tests): returns the header dict to
    send.  signed_headers defaults to every header given plus host/x-amz-date."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    body = body or b""
    u = urllib.parse.urlsplit(url)
    hdrs = dict(headers or {})
    hdrs.setdefault("Host", u.netloc)
    hdrs["X-Amz-Date"] = amz_date or amz_now()
    if session_token:
        hdrs["X-Amz-Security-Token"] = session_token
    if method.upper() != "GET" or body:
        hdrs.setdefault("Content-Length", str(len(body)))
    lower = {k.lower(): v for k, v in hdrs.items()}
    names = sorted(signed_headers or lower.keys())
    creq = canonical_request(method, u.path, u.query, list(hdrs.items()), names, sha256_hex(body))
    sig = signature(secret, hdrs["X-Amz-Date"], region, service, creq)
    scope = "%s/%s/%s/aws4_request" % (hdrs["X-Amz-Date"][:8], region, service)
    hdrs["Authorization"] = "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, access_key, scope, ";".join(names), sig)
    return hdrs


# --------------------------------------------------------------------------
# Verification


class AuthError(Exception):
    """code/http_status/message ready for the EC2 error envelope; detail is
    for logs only (the canonical request we computed, etc.)."""

    def __init__(self, code, status, message, detail=None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.detail = detail


AUTH_FAILURE_MSG = "AWS was not able to validate the provided access credentials"
SIG_MISMATCH_MSG = ("The request signature we calculated does not match the signature you provided. "
                    "Check your AWS Secret Access Key and signing method. "
                    "Consult the service documentation for details.")

_AUTH_FIELD_RE = re.compile(r"\s*([A-Za-z]+)\s*=\s*([^,\s]*)\s*")


def parse_authorization(value):
    if not value.startswith(ALGORITHM + " "):
        if value.startswith("AWS4-") or value.startswith("AWS "):
            raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG,
                            "unsupported algorithm in Authorization: %r" % value[:40])
        raise AuthError("IncompleteSignature", 400,
                        "Authorization header requires 'Credential' parameter. Authorization header "
                        "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
                        "parameter.")
    fields = {}
    for part in value[len(ALGORITHM) + 1:].split(","):
        m = _AUTH_FIELD_RE.fullmatch(part)
        if not m:
            raise AuthError("IncompleteSignature", 400,
                            "Authorization header is malformed: %r" % part.strip())
        fields[m.group(1)] = m.group(2)
    missing = [f for f in ("Credential", "SignedHeaders", "Signature") if not fields.get(f)]
    if missing:
        raise AuthError("IncompleteSignature", 400, " ".join(
            "Authorization header requires '%s' parameter." % f for f in missing))
    return fields


def parse_amz_date(s):
    try:
        return calendar.timegm(time.strptime(s, "%Y%m%dT%H%M%SZ"))
    except (ValueError, TypeError):
        return None


class VerifiedRequest:
    def __init__(self, access_key, region, service, session_token, amz_date):
        self.access_key = access_key
        self.region = region
        self.service = service
        self.session_token = session_token
        self.amz_date = amz_date


def verify(method, raw_path, raw_query, headers, body, lookup_secret, service="ec2",
           now=None, check_token=None):
    """Verify a SigV4-signed request (Authorization header or presigned query).

    headers: list of (name, value) as received.  lookup_secret(access_key) ->
    secret or None (unknown key) or raises AuthError itself (revoked key).
    check_token(access_key, token) -> None or raises AuthError.
    Returns VerifiedRequest, raises AuthError."""
    now = time.time() if now is None else now
    hmap = {}
    for name, value in headers:
        hmap.setdefault(name.lower(), value)
    query = urllib.parse.parse_qs(raw_query or "", keep_blank_values=True)
    presigned = "X-Amz-Signature" in query or "X-Amz-Credential" in query

    if "authorization" in hmap:
        fields = parse_authorization(hmap["authorization"])
        credential = fields["Credential"]
        signed = fields["SignedHeaders"]
        provided = fields["Signature"]
        amz_date = hmap.get("x-amz-date")
        if amz_date is None and "date" in hmap:
            amz_date = None  # RFC 1123 Date is not supported by EC2 SigV4 clients we test
        token = hmap.get("x-amz-security-token")
        expires = None
        qexclude = ()
    elif presigned:
        def q(name):
            v = query.get(name)
            return v[0] if v else None
        if q("X-Amz-Algorithm") != ALGORITHM:
            raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG, "X-Amz-Algorithm missing or unsupported")
        credential, signed, provided = q("X-Amz-Credential"), q("X-Amz-SignedHeaders"), q("X-Amz-Signature")
        if not credential or not signed or not provided:
            raise AuthError("IncompleteSignature", 400, "Presigned URL is missing X-Amz-Credential, "
                            "X-Amz-SignedHeaders or X-Amz-Signature")
        amz_date = q("X-Amz-Date")
        token = q("X-Amz-Security-Token")
        try:
            expires = int(q("X-Amz-Expires") or "0")
        except ValueError:
            raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG, "bad X-Amz-Expires")
        qexclude = ("X-Amz-Signature",)
    else:
        raise AuthError("MissingAuthenticationToken", 401,
                        "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.")

    cparts = credential.split("/")
    if len(cparts) != 5:
        raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG,
                        "Credential must be <key>/<date>/<region>/<service>/aws4_request, got %r" % credential)
    access_key, cdate, region, csvc, term = cparts
    secret = lookup_secret(access_key)
    if secret is None:
        raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG, "unknown access key %r" % access_key)
    if term != "aws4_request":
        raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG,
                        "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'." % term)
    if csvc != service:
        raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG,
                        "Credential should be scoped to correct service: '%s'." % service)
    if not _REGION_RE.match(region):
        raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG,
                        "Credential should be scoped to a valid region, not '%s'." % region)
    if amz_date is None:
        raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG, "missing X-Amz-Date")
    t = parse_amz_date(amz_date)
    if t is None:
        raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG, "unparseable X-Amz-Date %r" % amz_date)
    if cdate != amz_date[:8]:
        raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG,
                        "Date in Credential scope does not match YYYYMMDD from X-Amz-Date")
    if expires is not None:
        if expires < 1 or expires > 604800:
            raise AuthError("AuthFailure", 401, AUTH_FAILURE_MSG, "X-Amz-Expires out of range")
        if now > t + expires or t - now > MAX_SKEW_SECONDS:
            raise AuthError("RequestExpired", 400, "Request has expired.",
                            "presigned URL expired at %s" % (t + expires))
    elif abs(now - t) > MAX_SKEW_SECONDS:
        raise AuthError("RequestExpired", 400,
                        "Request has expired." if t < now else "Request is not yet valid.",
                        "X-Amz-Date %s is %+d s from server time" % (amz_date, int(t - now)))

    names = signed.split(";")
    if names != sorted(names) or any(n != n.lower() or not n for n in names):
        raise AuthError("SignatureDoesNotMatch", 403, SIG_MISMATCH_MSG,
                        "SignedHeaders must be lowercase and sorted: %r" % signed)
    if "host" not in names:
        raise AuthError("SignatureDoesNotMatch", 403, SIG_MISMATCH_MSG, "'Host' must be a 'SignedHeader'")

    body = body or b""
    actual_hash = sha256_hex(body)
    payload_hash = actual_hash
    if "x-amz-content-sha256" in hmap:
        payload_hash = hmap["x-amz-content-sha256"].strip()
        if payload_hash != actual_hash:
            raise AuthError("SignatureDoesNotMatch", 403, SIG_MISMATCH_MSG,
                            "x-amz-content-sha256 does not match the body")
    try:
        creq = canonical_request(method, raw_path, raw_query, headers, names, payload_hash,
                                 query_exclude=qexclude)
    except KeyError as e:
        raise AuthError("SignatureDoesNotMatch", 403, SIG_MISMATCH_MSG,
                        "signed header %s is not in the request" % e)
    expected = signature(secret, amz_date, region, service, creq)
    if not hmac.compare_digest(expected, provided.lower()):
        scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
        raise AuthError("SignatureDoesNotMatch", 403, SIG_MISMATCH_MSG,
                        "canonical request:\n%s\nstring to sign:\n%s" % (creq, string_to_sign(amz_date, scope, creq)))
    if check_token is not None:
        check_token(access_key, token)
    return VerifiedRequest(access_key, region, service, token, amz_date)
