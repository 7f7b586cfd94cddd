"""EC2 instance metadata service emulator (IMDSv2 tokens + IMDSv1), 127.0.0.1 only.

Serves the "this host" instance created in moto.  Knobs (see Imds.set_knobs):
  require_token  GETs without a token get 401 (IMDSv2 "required")
  disabled       every request gets 403 (metadata endpoint disabled)
  down           the listener is closed: connection refused ("not on EC2")
  no_role        no instance profile: iam/ paths are 404
  role_ttl_s     lifetime of the role credentials handed out (default 21600)
  expire_tokens  (action) forget every issued token: next GET with one is 401
"""

import http.server
import json
import secrets
import threading
import time

from loopback import LoopbackService


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Imds(LoopbackService):
    thread_name = "imds"

    def __init__(self, instance, credentials, port=0, log=None):
        """instance: dict with instance_id, region, availability_zone, account_id,
        image_id, instance_type, private_ip, launch_time, root_device, role_name.
        credentials: object with role_credentials(ttl) -> dict (see stack.Credentials)."""
        self.instance = instance
        self.credentials = credentials
        self.log = log or (lambda *a: None)
        self.lock = threading.Lock()
        self.tokens = {}  # token -> expiry (epoch)
        self.knobs = {"require_token": False, "disabled": False, "down": False,
                      "no_role": False, "role_ttl_s": 21600}
        self.requests = {}
        self.port = port
        self.server = None
        self.thread = None

    # ---- lifecycle

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    # ---- control
    def set_knobs(self, body):
        out = {}
        with self.lock:
            for k in ("require_token", "disabled", "no_role"):
                if k in body:
                    self.knobs[k] = bool(body[k])
            if "role_ttl_s" in body:
                ttl = int(body["role_ttl_s"])
                if ttl < 1:
                    raise ValueError("role_ttl_s must be >= 1")
                self.knobs["role_ttl_s"] = ttl
                self.credentials.rotate_role()  # the next fetch gets credentials with the new lifetime
            if body.get("expire_tokens"):
                out["expired_tokens"] = len(self.tokens)
                self.tokens.clear()
        if "down" in body:
            down = bool(body["down"])
            if down and self.server is not None:
                self.stop()
            elif not down and self.server is None:
                self.start()
            self.knobs["down"] = down
        return out

    def reset(self):
        self.set_knobs({"require_token": False, "disabled": False, "no_role": False,
                        "role_ttl_s": 21600, "down": False})

    def status(self):
        with self.lock:
            return {"knobs": dict(self.knobs), "live_tokens": len(self.tokens),
                    "requests": dict(self.requests), "endpoint": self.endpoint}

    # ---- content
    def _tree(self):
        i = self.instance
        role = None if self.knobs["no_role"] else i["role_name"]
        md = {
            "ami-id": i["image_id"],
            "ami-launch-index": "0",
            "hostname": i["hostname"],
            "instance-id": i["instance_id"],
            "instance-type": i["instance_type"],
            "local-hostname": i["hostname"],
            "local-ipv4": i["private_ip"],
            "mac": i["mac"],
            "placement/availability-zone": i["availability_zone"],
            "placement/availability-zone-id": i.get("availability_zone_id", "use1-az6"),
            "placement/region": i["region"],
            "block-device-mapping/ami": i["root_device"].replace("/dev/", ""),
            "block-device-mapping/root": i["root_device"],
            "block-device-mapping/ephemeral0": "sdb",
            "reservation-id": i.get("reservation_id", "r-0"),
            "security-groups": "default",
            "services/domain": "amazonaws.com",
            "services/partition": "aws",
        }
        if role:
            md["iam/info"] = None  # dynamic
            md["iam/security-credentials/" + role] = None  # dynamic
        return md

    def _identity_document(self):
        i = self.instance
        return json.dumps({
            "accountId": i["account_id"],
            "architecture": "x86_64",
            "availabilityZone": i["availability_zone"],
            "billingProducts": None,
            "devpayProductCodes": None,
            "marketplaceProductCodes": None,
            "imageId": i["image_id"],
            "instanceId": i["instance_id"],
            "instanceType": i["instance_type"],
            "kernelId": None,
            "pendingTime": i["launch_time"],
            "privateIp": i["private_ip"],
            "ramdiskId": None,
            "region": i["region"],
            "version": "2017-09-30",
        }, indent=2)

    def lookup(self, path):
        """-> (status, content_type, body_text)"""
        i = self.instance
        if path in ("/", ""):
            return 200, "text/plain", "latest"
        if path in ("/latest", "/latest/"):
            return 200, "text/plain", "dynamic\nmeta-data\nuser-data"
        if path == "/latest/user-data" or path == "/latest/user-data/":
            return 404, "text/html", _not_found()
        if path in ("/latest/dynamic", "/latest/dynamic/"):
            return 200, "text/plain", "instance-identity/"
        if path in ("/latest/dynamic/instance-identity", "/latest/dynamic/instance-identity/"):
            return 200, "text/plain", "document\npkcs7\nsignature"
        if path == "/latest/dynamic/instance-identity/document":
            return 200, "text/plain", self._identity_document()
        if path in ("/latest/dynamic/instance-identity/pkcs7", "/latest/dynamic/instance-identity/signature"):
            return 200, "text/plain", "TUlJRXXXXX-emulated-signature-not-verifiable"
        prefix = "/latest/meta-data"
        if not (path == prefix or path.startswith(prefix + "/")):
            return 404, "text/html", _not_found()
        rel = path[len(prefix):].strip("/")
        with self.lock:
            tree = self._tree()
        role = i["role_name"]
        if rel in tree:
            if rel == "iam/info":
                return 200, "text/plain", json.dumps({
                    "Code": "Success", "LastUpdated": rfc3339(time.time()),
                    "InstanceProfileArn": "arn:aws:iam::%s:instance-profile/%s" % (i["account_id"], role),
                    "InstanceProfileId": "AIPAREXRAYTESTPROFILE"}, indent=2)
            if rel.startswith("iam/security-credentials/"):
                c = self.credentials.role_credentials(self.knobs["role_ttl_s"])
                return 200, "text/plain", json.dumps({
                    "Code": "Success", "LastUpdated": rfc3339(c["issued"]), "Type": "AWS-HMAC",
                    "AccessKeyId": c["access_key"], "SecretAccessKey": c["secret_key"],
                    "Token": c["token"], "Expiration": rfc3339(c["expiration"])}, indent=2)
            return 200, "text/plain", tree[rel]
        # directory listing
        children = []
        pre = rel + "/" if rel else ""
        for key in tree:
            if key.startswith(pre):
                rest = key[len(pre):]
                head, sep, _ = rest.partition("/")
                entry = head + ("/" if sep else "")
                if entry not in children:
                    children.append(entry)
        if children:
            return 200, "text/plain", "\n".join(children)
        return 404, "text/html", _not_found()

    # ---- HTTP
    def _count(self, key):
        with self.lock:
            self.requests[key] = self.requests.get(key, 0) + 1

    def _make_handler(self):
        imds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "EC2ws"
            sys_version = ""

            def version_string(self):
                return "EC2ws"

            def log_message(self, fmt, *args):
                imds.log("imds: " + fmt % args)

            def _send(self, status, body="", ctype="text/plain", extra=None, head=False):
                data = body.encode("utf-8") if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if not head:
                    self.wfile.write(data)

            def _drain(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)

            def do_PUT(self):
                self._drain()
                path = self.path.split("?", 1)[0]
                imds._count("PUT " + path)
                if imds.knobs["disabled"]:
                    return self._send(403, _forbidden(), "text/html")
                if path != "/latest/api/token":
                    return self._send(405, _status_page(405, "Method Not Allowed"), "text/html")
                if self.headers.get("X-Forwarded-For") is not None:
                    return self._send(403, _forbidden(), "text/html")
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
                try:
                    ttl_i = int(ttl)
                except (TypeError, ValueError):
                    ttl_i = 0
                if not (1 <= ttl_i <= 21600) or str(ttl_i) != str(ttl).strip():
                    return self._send(400, _status_page(400, "Bad Request"), "text/html")
                token = secrets.token_urlsafe(42)
                with imds.lock:
                    now = time.time()
                    for t, exp in list(imds.tokens.items()):
                        if exp < now:
                            del imds.tokens[t]
                    imds.tokens[token] = now + ttl_i
                self._send(200, token, "text/plain",
                           {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl_i)})

            def _get(self, head):
                path = self.path.split("?", 1)[0]
                imds._count(("HEAD " if head else "GET ") + path)
                if imds.knobs["disabled"]:
                    return self._send(403, _forbidden(), "text/html", head=head)
                token = self.headers.get("X-aws-ec2-metadata-token")
                if token is not None:
                    with imds.lock:
                        exp = imds.tokens.get(token)
                    if exp is None or exp < time.time():
                        return self._send(401, _status_page(401, "Unauthorized"), "text/html", head=head)
                elif imds.knobs["require_token"]:
                    return self._send(401, _status_page(401, "Unauthorized"), "text/html", head=head)
                if path == "/latest/api/token":
                    return self._send(405, _status_page(405, "Method Not Allowed"), "text/html", head=head)
                status, ctype, body = imds.lookup(path)
                self._send(status, body, ctype, head=head)

            def do_GET(self):
                self._get(False)

            def do_HEAD(self):
                self._get(True)

            def do_POST(self):
                self._drain()
                imds._count("POST " + self.path)
                self._send(405, _status_page(405, "Method Not Allowed"), "text/html")

            do_DELETE = do_POST

        return Handler


def _status_page(code, text):
    return ('<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 '
            'Transitional//EN"\n\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n <head>\n'
            '  <title>%d - %s</title>\n </head>\n <body>\n  <h1>%d - %s</h1>\n </body>\n</html>\n'
            % (code, text, code, text))


def _not_found():
    return _status_page(404, "Not Found")


def _forbidden():
    return _status_page(403, "Forbidden")
