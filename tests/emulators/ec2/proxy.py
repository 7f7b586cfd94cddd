"""Front proxy between the `ebs` plugin and moto_server.

  plugin --SigV4--> proxy (127.0.0.1:P) --> moto_server (127.0.0.1:M)

* verifies every SigV4 signature (sigv4.verify), session tokens and key
  revocation (Credentials);
* counts calls per Action, injects faults (throttle / 500 / 503 / delay /
  stuck attach / stuck detach / expired credentials);
* fills moto's gaps so it answers like EC2 (see README "AWS fidelity");
* performs device hot-plug on AttachVolume/DetachVolume for "this host" and
  keeps backing files in step with snapshots;
* serves the control API under /__control (unsigned, JSON).
"""

import collections
import datetime
import http.client
import http.server
import json
import re
import secrets
import threading

import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape as xml_escape

import sigv4
from loopback import LoopbackService

DEFAULT_VERSION = "2016-11-15"

VOLUME_TYPES = ("standard", "gp2", "gp3", "io1", "io2", "st1", "sc1")
SIZE_LIMITS = {"standard": (1, 1024), "gp2": (1, 16384), "gp3": (1, 16384), "io1": (4, 16384),
               "io2": (4, 65536), "st1": (125, 16384), "sc1": (125, 16384)}
IOPS_LIMITS = {"gp3": (3000, 16000), "io1": (100, 64000), "io2": (100, 256000)}
VOL_ID_RE = re.compile(r"^vol-[0-9a-f]{8,17}$")
SNAP_ID_RE = re.compile(r"^snap-[0-9a-f]{8,17}$")
INST_ID_RE = re.compile(r"^i-[0-9a-f]{8,17}$")
DEVICE_RE = re.compile(r"^/dev/(sd[a-z]{1,2}|xvd[a-z]{1,2})$")


# Filter names EC2 documents for these calls (tag:<key> always allowed).
# moto answers an unknown filter with an HTML 500; EC2 answers 400.
VOLUME_FILTERS = {"attachment.attach-time", "attachment.delete-on-termination", "attachment.device",
                  "attachment.instance-id", "attachment.status", "availability-zone", "create-time",
                  "encrypted", "fast-restored", "multi-attach-enabled", "operator.managed", "operator.principal",
                  "size", "snapshot-id", "status", "tag-key", "tag-value", "volume-id", "volume-type"}
SNAPSHOT_FILTERS = {"description", "encrypted", "owner-alias", "owner-id", "progress", "snapshot-id",
                    "start-time", "status", "storage-tier", "tag-key", "tag-value", "volume-id", "volume-size",
                    "transfer-type", "kms-key-id"}


class Ec2Error(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def error_xml(code, message, request_id):
    return ('<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code>'
            '<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>'
            % (xml_escape(code), xml_escape(message or ""), request_id)).encode("utf-8")


# ---------------------------------------------------------------------------
# Credentials


class Credentials:
    """The stack's key pair plus instance-role session credentials.

    * the static key (stack.json access_key/secret_key) works with or without a token;
    * role credentials (IMDS) carry a Token that must be one we issued, for that
      key, and unexpired;
    * expire(): every key in use so far is revoked (401 AuthFailure); IMDS then
      hands out a fresh key/secret/token so instance-role clients can recover;
    * restore(): un-revoke everything (faults/clear)."""

    def __init__(self, access_key, secret_key):
        self.lock = threading.Lock()
        self.access_key = access_key
        self.secret_key = secret_key
        self.keys = {access_key: secret_key}
        self.revoked = set()
        self.tokens = {}  # token -> (access_key, expiration)
        self.role = None
        self.generation = 0

    def lookup_secret(self, access_key):
        with self.lock:
            if access_key in self.revoked:
                raise sigv4.AuthError("AuthFailure", 401, sigv4.AUTH_FAILURE_MSG,
                                      "access key %s was expired by the expire_credentials fault" % access_key)
            return self.keys.get(access_key)

    def check_token(self, access_key, token):
        if token is None:
            with self.lock:
                if access_key != self.access_key and access_key in self.keys:
                    raise sigv4.AuthError("AuthFailure", 401, sigv4.AUTH_FAILURE_MSG,
                                          "role credentials need their X-Amz-Security-Token")
            return
        with self.lock:
            ent = self.tokens.get(token)
        if ent is None or ent[0] != access_key:
            raise sigv4.AuthError("AuthFailure", 401, "The security token included in the request is invalid.",
                                  "unknown session token for %s" % access_key)
        if ent[1] < time.time():
            raise sigv4.AuthError("AuthFailure", 401, "The security token included in the request is expired",
                                  "session token expired at %s" % time.strftime("%H:%M:%S", time.gmtime(ent[1])))

    def role_credentials(self, ttl):
        now = time.time()
        with self.lock:
            r = self.role
            refresh_window = min(300, ttl / 2.0)
            if r is None or r["access_key"] in self.revoked or r["expiration"] - now < refresh_window:
                if self.generation == 0:
                    ak, sk = self.access_key, self.secret_key
                else:
                    ak = "ASIAREXRAYROTATED%03d" % self.generation
                    sk = self.keys.get(ak) or secrets.token_urlsafe(30)
                self.keys[ak] = sk
                token = "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(96)
                r = {"access_key": ak, "secret_key": sk, "token": token,
                     "issued": now, "expiration": now + ttl}
                self.tokens[token] = (ak, now + ttl)
                self.role = r
            return dict(r)

    def rotate_role(self):
        with self.lock:
            self.role = None

    def expire(self):
        with self.lock:
            self.revoked.update(self.keys.keys())
            self.generation += 1
            self.role = None

    def restore(self):
        with self.lock:
            self.revoked.clear()

    def describe(self):
        with self.lock:
            return {"static_access_key": self.access_key, "keys": sorted(self.keys),
                    "revoked": sorted(self.revoked), "live_tokens": len(self.tokens),
                    "role_access_key": self.role["access_key"] if self.role else None,
                    "role_expiration": self.role["expiration"] if self.role else None}


# ---------------------------------------------------------------------------
# Faults


class Faults:
    FIELDS = ("throttle", "error500", "unavailable", "delay_ms", "stuck_attach", "stuck_detach",
              "expire_credentials", "snapshot_error", "actions")

    def __init__(self, credentials):
        self.lock = threading.Lock()
        self.credentials = credentials
        self.clear()

    def clear(self):
        with self.lock:
            self.throttle = 0
            self.error500 = 0
            self.unavailable = 0
            self.delay_ms = 0
            self.stuck_attach = False
            self.stuck_detach = False
            self.expire_credentials = False
            self.snapshot_error = 0
            self.actions = None  # None = every Action; else the counters apply only to these
        self.credentials.restore()

    def update(self, body):
        unknown = set(body) - set(self.FIELDS)
        if unknown:
            raise ValueError("unknown fault(s): %s" % ", ".join(sorted(unknown)))
        with self.lock:
            for k in ("throttle", "error500", "unavailable", "delay_ms", "snapshot_error"):
                if k in body:
                    v = int(body[k])
                    if v < 0:
                        raise ValueError("%s must be >= 0" % k)
                    setattr(self, k, v)
            for k in ("stuck_attach", "stuck_detach"):
                if k in body:
                    setattr(self, k, bool(body[k]))
            if "actions" in body:
                a = body["actions"]
                self.actions = None if not a else set([a] if isinstance(a, str) else a)
            expire = bool(body.get("expire_credentials", False))
            if expire:
                self.expire_credentials = True
        if expire:
            self.credentials.expire()

    def describe(self):
        with self.lock:
            return {"throttle": self.throttle, "error500": self.error500,
                    "unavailable": self.unavailable, "delay_ms": self.delay_ms,
                    "stuck_attach": self.stuck_attach, "stuck_detach": self.stuck_detach,
                    "expire_credentials": self.expire_credentials,
                    "snapshot_error": self.snapshot_error,
                    "actions": sorted(self.actions) if self.actions else None}

    def take_snapshot_error(self):
        with self.lock:
            if self.snapshot_error > 0:
                self.snapshot_error -= 1
                return True
        return False

    def take(self, action):
        """-> Ec2Error to answer with, or None."""
        with self.lock:
            if self.actions is not None and action not in self.actions:
                return None
            if self.throttle > 0:
                self.throttle -= 1
                return Ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503)
            if self.error500 > 0:
                self.error500 -= 1
                return Ec2Error("InternalError", "An internal error has occurred", 500)
            if self.unavailable > 0:
                self.unavailable -= 1
                return Ec2Error("Unavailable", "The server is overloaded and can't handle the request.", 503)
        return None


# ---------------------------------------------------------------------------
# Response rewriting


def normalize(body, status, version, request_id):
    """Make moto's XML look like EC2's: namespace with trailing slash, a real
    request id, the error envelope without a namespace, moto's Python-set
    repr in InvalidVolume.NotFound fixed, HTML crash pages turned into
    InternalError."""
    text = body.decode("utf-8", "replace")
    if status >= 400:
        if "<Errors>" not in text:
            snippet = re.sub(r"<[^>]+>", " ", text)
            snippet = " ".join(snippet.split())[:200]
            return error_xml("InternalError", "An internal error has occurred (moto %d: %s)"
                             % (status, snippet), request_id), 500
        code = re.search(r"<Code>(.*?)</Code>", text, re.S)
        msg = re.search(r"<Message>(.*?)</Message>|<Message/>", text, re.S)
        code = code.group(1) if code else "InternalError"
        msg = (msg.group(1) or "") if msg else ""
        msg = re.sub(r"'\{'([^}]*)'\}'", lambda m: "'" + m.group(1).split("', '")[0] + "'", msg)
        out = ('<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code>'
               '<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>'
               % (code, msg, request_id))
        return out.encode("utf-8"), status
    text = re.sub(r'^<\?xml version="1.0" encoding="utf-8"\?>', '<?xml version="1.0" encoding="UTF-8"?>', text)
    text = re.sub(r'xmlns="http://ec2\.amazonaws\.com/doc/[0-9-]+/?"',
                  'xmlns="http://ec2.amazonaws.com/doc/%s/"' % version, text, count=1)
    text = text.replace("<requestId>request-id</requestId>", "<requestId>%s</requestId>" % request_id)
    return text.encode("utf-8"), status


def rewrite_items(body, set_tag, id_tag, fn):
    """Parse a Describe* reply, call fn(item, id, q) for every <set_tag>/item
    (q qualifies a tag with the namespace); fn returns True when it changed
    something.  Returns the (re-serialised if changed) body."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return body
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""

    def q(t):
        return "{%s}%s" % (ns, t) if ns else t

    container = root.find(q(set_tag))
    if container is None:
        return body
    changed = False
    for item in container.findall(q("item")):
        if fn(item, item.findtext(q(id_tag)), q):
            changed = True
    if not changed:
        return body
    if ns:
        ET.register_namespace("", ns)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")


def _set_child(item, q, tag, text):
    el = item.find(q(tag))
    if el is None:
        el = ET.SubElement(item, q(tag))
    el.text = text


def rewrite_volumes(body, volume_status, attachment_status):
    """DescribeVolumes: override volume status ({vid: 'creating'}) and the
    attachmentSet/item/status ({vid: 'attaching'|'detaching'})."""
    def fn(item, vid, q):
        changed = False
        if vid in volume_status:
            _set_child(item, q, "status", volume_status[vid])
            changed = True
        if vid in attachment_status:
            aset = item.find(q("attachmentSet"))
            for att in (aset.findall(q("item")) if aset is not None else []):
                _set_child(att, q, "status", attachment_status[vid])
                changed = True
        return changed
    return rewrite_items(body, "volumeSet", "volumeId", fn)


def rewrite_snapshots(body, states):
    """DescribeSnapshots: {sid: (status, progress, statusMessage or None)}."""
    def fn(item, sid, q):
        if sid not in states:
            return False
        st, progress, message = states[sid]
        _set_child(item, q, "status", st)
        _set_child(item, q, "progress", progress)
        if message:
            _set_child(item, q, "statusMessage", message)
        return True
    return rewrite_items(body, "snapshotSet", "snapshotId", fn)


# EC2 answers these with <return>true</return>; moto's replies stop at the requestId.
RETURNS_TRUE = ("CreateTags", "DeleteTags", "DeleteVolume", "DeleteSnapshot")


def add_return_true(body, action):
    text = body.decode("utf-8", "replace")
    if "<return>" in text:
        return body
    return text.replace("</%sResponse>" % action, "<return>true</return></%sResponse>" % action, 1).encode("utf-8")


def add_delete_on_termination(body, root_volume_ids):
    """DescribeVolumes: every attachment carries <deleteOnTermination> as EC2
    sends it (moto omits it): true for an instance's root volume, false for a
    volume attached later."""
    def fn(item, vid, q):
        changed = False
        aset = item.find(q("attachmentSet"))
        for att in (aset.findall(q("item")) if aset is not None else []):
            if att.find(q("deleteOnTermination")) is None:
                _set_child(att, q, "deleteOnTermination", "true" if vid in root_volume_ids else "false")
                changed = True
        return changed
    return rewrite_items(body, "volumeSet", "volumeId", fn)


def _xml_field(body, name):
    m = re.search(r"<%s>([^<]*)</%s>" % (name, name), body.decode("utf-8", "replace"))
    return m.group(1) if m else None


# ---------------------------------------------------------------------------


class Proxy(LoopbackService):
    thread_name = "ec2-proxy"

    def __init__(self, stack, port=0):
        self.stack = stack
        self.moto_host = "127.0.0.1"
        self.moto_port = stack.moto_port
        self.credentials = stack.credentials
        self.faults = Faults(self.credentials)
        self.hotplug = stack.hotplug
        self.log = stack.log
        self.lock = threading.Lock()
        self.attach_lock = threading.RLock()
        self.calls = collections.Counter()
        self.recent = collections.deque(maxlen=1000)
        self.stuck = {}                 # volume_id -> "attaching" | "detaching"
        self.config = {"aws_validation": True, "create_delay_ms": 0, "snapshot_delay_ms": 0}
        self.vol_ready = {}             # volume_id -> time 'creating' ends (create_delay_ms)
        self.snap_state = {}            # snapshot_id -> {start, ready, error} (snapshot_delay_ms / snapshot_error)
        self.port = port
        self.server = None
        self.thread = None
        self._zones = {}

    # ---- lifecycle

    # ---- moto helpers (direct, uncounted)
    def moto(self, region):
        return self.stack.moto_client(region)

    def _moto_call(self, region, op, **kw):
        import botocore.exceptions
        try:
            return getattr(self.moto(region), op)(**kw)
        except botocore.exceptions.ClientError as e:
            err = e.response.get("Error", {})
            msg = err.get("Message") or ""
            msg = re.sub(r"'\{'([^}]*)'\}'", lambda m: "'" + m.group(1).split("', '")[0] + "'", msg)
            raise Ec2Error(err.get("Code", "InternalError"), msg,
                           e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))

    def _volume(self, region, volume_id):
        return self._moto_call(region, "describe_volumes", VolumeIds=[volume_id])["Volumes"][0]

    def _instance(self, region, instance_id):
        r = self._moto_call(region, "describe_instances", InstanceIds=[instance_id])
        return r["Reservations"][0]["Instances"][0]

    def _zone_names(self, region):
        if region not in self._zones:
            zs = self._moto_call(region, "describe_availability_zones")["AvailabilityZones"]
            self._zones[region] = [z["ZoneName"] for z in zs]
        return self._zones[region]

    def is_this_host(self, region, instance_id):
        return region == self.stack.region and instance_id == self.stack.instance_id

    # ---- forwarding
    def forward(self, ctx, extra_params=None):
        """POST the request's parameters to moto (EC2 Query is the same over GET
        and POST).  -> (status, body)"""
        pairs = list(ctx.pairs) + list((extra_params or {}).items())
        body = urllib.parse.urlencode(pairs).encode("utf-8")
        # moto does not check signatures: hand it a well-formed header that
        # carries the region (moto reads it from the scope) and always the
        # stack's key, so rotated/role keys map to the same moto account.
        auth = "%s Credential=%s/%s/%s/ec2/aws4_request, SignedHeaders=host, Signature=%s" % (
            sigv4.ALGORITHM, self.stack.access_key, time.strftime("%Y%m%d", time.gmtime()),
            ctx.region, "0" * 64)
        headers = {"Host": "%s:%d" % (self.moto_host, self.moto_port),
                   "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                   "Content-Length": str(len(body)), "Authorization": auth,
                   "X-Amz-Date": sigv4.amz_now(), "User-Agent": "rexray-ec2-test-proxy"}
        conn = http.client.HTTPConnection(self.moto_host, self.moto_port, timeout=120)
        try:
            conn.request("POST", "/", body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    # ---- validation (what EC2 checks and moto does not)
    def _check_id(self, value, regex, code, prefix):
        if value is not None and not regex.match(value):
            raise Ec2Error(code, 'Invalid id: "%s" (expecting "%s-...")' % (value, prefix))

    def validate_ids(self, params):
        for k, v in params.items():
            base = k.split(".", 1)[0]
            if base == "VolumeId":
                self._check_id(v, VOL_ID_RE, "InvalidVolumeID.Malformed", "vol")
            elif base in ("SnapshotId", "SourceSnapshotId"):
                self._check_id(v, SNAP_ID_RE, "InvalidSnapshotID.Malformed", "snap")
            elif base == "InstanceId":
                self._check_id(v, INST_ID_RE, "InvalidInstanceID.Malformed", "i")

    def validate_filters(self, params, allowed):
        for k, v in params.items():
            if re.fullmatch(r"Filter\.\d+\.Name", k) and not v.startswith("tag:") and v not in allowed:
                raise Ec2Error("InvalidParameterValue", "The filter '%s' is invalid" % v)

    def validate_create_volume(self, region, p):
        az = p.get("AvailabilityZone")
        if not az:
            raise Ec2Error("MissingParameter", "The request must contain the parameter AvailabilityZone")
        if az not in self._zone_names(region):
            raise Ec2Error("InvalidParameterValue", "Invalid availability zone: [%s]" % az)
        vtype = p.get("VolumeType", "gp2")
        if vtype not in VOLUME_TYPES:
            raise Ec2Error("InvalidParameterValue", "Value (%s) for parameter volumeType is invalid. "
                           "Valid values: %s" % (vtype, ", ".join(VOLUME_TYPES)))
        size = p.get("Size")
        snap = p.get("SnapshotId")
        snap_size = None
        if snap:
            s = self._moto_call(region, "describe_snapshots", SnapshotIds=[snap])["Snapshots"][0]
            snap_size = s.get("VolumeSize")
        if size is None and not snap:
            raise Ec2Error("MissingParameter", "The request must contain the parameter size or snapshotId")
        if size is not None:
            try:
                n = int(size)
            except ValueError:
                raise Ec2Error("InvalidParameterValue", "Value (%s) for parameter size is invalid." % size)
            lo, hi = SIZE_LIMITS[vtype]
            if n < lo:
                raise Ec2Error("InvalidParameterValue",
                               "Volume of %dGiB is too small; minimum is %dGiB." % (n, lo))
            if n > hi:
                raise Ec2Error("InvalidParameterValue",
                               "Volume of %dGiB is too large for volume type %s; maximum is %dGiB." % (n, vtype, hi))
            if snap_size is not None and n < int(snap_size):
                raise Ec2Error("InvalidParameterValue",
                               "Volume of %dGiB is smaller than snapshot '%s', expect size >= %dGiB"
                               % (n, snap, int(snap_size)))
        iops = p.get("Iops")
        if iops is not None:
            if vtype not in IOPS_LIMITS:
                raise Ec2Error("InvalidParameterCombination",
                               "The parameter iops is not supported for %s volumes." % vtype)
            try:
                i = int(iops)
            except ValueError:
                raise Ec2Error("InvalidParameterValue", "Value (%s) for parameter iops is invalid." % iops)
            lo, hi = IOPS_LIMITS[vtype]
            if not lo <= i <= hi:
                raise Ec2Error("InvalidParameterValue",
                               "Volume iops of %d is %s for volume type %s; %s is %d."
                               % (i, "too low" if i < lo else "too high", vtype,
                                  "minimum" if i < lo else "maximum", lo if i < lo else hi))
        elif vtype in ("io1", "io2"):
            raise Ec2Error("MissingParameter", "The request must contain the parameter iops")
        tp = p.get("Throughput")
        if tp is not None:
            if vtype != "gp3":
                raise Ec2Error("InvalidParameterCombination",
                               "The parameter throughput is not supported for %s volumes." % vtype)
            try:
                t = int(tp)
            except ValueError:
                raise Ec2Error("InvalidParameterValue", "Value (%s) for parameter throughput is invalid." % tp)
            if not 125 <= t <= 1000:
                raise Ec2Error("InvalidParameterValue",
                               "Throughput of %d MiB/s is out of range for gp3 volumes; valid range is 125-1000." % t)
        enc = p.get("Encrypted", "false").lower()
        if enc not in ("true", "false"):
            raise Ec2Error("InvalidParameterValue", "Value (%s) for parameter encrypted is invalid." % enc)
        if p.get("KmsKeyId") and enc != "true":
            raise Ec2Error("InvalidParameterDependency",
                           "The parameter KmsKeyId requires the parameter Encrypted to be set.")

    def check_presigned_url(self, url, source_region):
        """CopySnapshot's PresignedUrl: a GET CopySnapshot request presigned for
        the source region (the SDK adds it).  Verified like any request."""
        u = urllib.parse.urlsplit(url)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        try:
            v = sigv4.verify("GET", u.path or "/", u.query, [("Host", u.netloc)], b"",
                             self.credentials.lookup_secret, check_token=self.credentials.check_token)
        except sigv4.AuthError as e:
            self.log("proxy: CopySnapshot PresignedUrl rejected: %s %s" % (e.message, e.detail or ""))
            raise Ec2Error("InvalidParameterValue", "The PresignedUrl is invalid: %s" % (e.detail or e.message))
        if q.get("Action") != "CopySnapshot" or v.region != source_region:
            raise Ec2Error("InvalidParameterValue",
                           "The PresignedUrl must be a CopySnapshot request signed for the source region %s"
                           % source_region)

    # ---- action handlers
    def handle(self, ctx):
        """-> (status, xml bytes).  Raises Ec2Error."""
        if self.config["aws_validation"]:
            self.validate_ids(ctx.params)
        h = getattr(self, "do_" + ctx.action, None)
        if h is None:
            status, out = self.forward(ctx)
        else:
            status, out = h(ctx, ctx.params)
        out, status = normalize(out, status, ctx.version, ctx.request_id)
        if status == 200 and ctx.action in RETURNS_TRUE:
            out = add_return_true(out, ctx.action)
        if status == 200 and ctx.action == "DescribeVolumes":
            out = add_delete_on_termination(out, {getattr(self.stack, "info", {}).get("root_volume_id")})
        return out, status

    def do_DescribeVolumes(self, ctx, params):
        region, validate = ctx.region, ctx.validate
        if validate:
            self.validate_filters(params, VOLUME_FILTERS)
        status, out = self.forward(ctx)
        if status == 200 and region == self.stack.region:
            now = time.time()
            with self.lock:
                att = dict(self.stuck)
                vol = {v: "creating" for v, ready in self.vol_ready.items() if ready > now}
            for vid in self.hotplug.unplugged_volumes():
                att.setdefault(vid, "attaching")
            if att or vol:
                out = rewrite_volumes(out, vol, att)
        return status, out

    def snapshot_state(self, sid, now=None):
        """-> (status, progress, message) while the emulated snapshot is not plainly completed, else None."""
        now = time.time() if now is None else now
        with self.lock:
            st = self.snap_state.get(sid)
        if st is None:
            return None
        if st["error"]:
            return ("error", "0%", "Internal error: emulated snapshot failure")
        if st["ready"] > now:
            frac = (now - st["start"]) / max(st["ready"] - st["start"], 1e-3)
            return ("pending", "%d%%" % min(99, int(frac * 100)), None)
        return None

    def _track_snapshot(self, sid):
        now = time.time()
        delay = self.config["snapshot_delay_ms"] / 1000.0
        err = self.faults.take_snapshot_error()
        if delay > 0 or err:
            with self.lock:
                self.snap_state[sid] = {"start": now, "ready": now + delay, "error": err}

    def _snapshot_reply(self, out, sid):
        st = self.snapshot_state(sid)
        if st is None:
            return out
        text = out.decode("utf-8")
        text = re.sub(r"<status>[^<]*</status>", "<status>%s</status>" % st[0], text, count=1)
        text = re.sub(r"<progress>[^<]*</progress>", "<progress>%s</progress>" % st[1], text, count=1)
        return text.encode("utf-8")

    def _check_snapshot_usable(self, sid):
        st = self.snapshot_state(sid)
        if st is not None:
            raise Ec2Error("IncorrectState", "Snapshot is in invalid state - %s" % st[0])

    def do_DescribeSnapshots(self, ctx, params):
        if ctx.validate:
            self.validate_filters(params, SNAPSHOT_FILTERS)
        status, out = self.forward(ctx)
        if status == 200:
            with self.lock:
                sids = list(self.snap_state)
            states = {}
            for sid in sids:
                st = self.snapshot_state(sid)
                if st is not None:
                    states[sid] = st
            if states:
                out = rewrite_snapshots(out, states)
        return status, out

    def do_CreateVolume(self, ctx, params):
        region, validate = ctx.region, ctx.validate
        if validate:
            self.validate_create_volume(region, params)
        if params.get("SnapshotId"):
            self._check_snapshot_usable(params["SnapshotId"])
        status, out = self.forward(ctx)
        vid = _xml_field(out, "volumeId") if status == 200 else None
        if vid and params.get("SnapshotId"):
            size = _xml_field(out, "size")
            self.hotplug.volume_from_snapshot(params["SnapshotId"], vid, int(size or 0))
        delay = self.config["create_delay_ms"] / 1000.0
        if vid and delay > 0:
            with self.lock:
                self.vol_ready[vid] = time.time() + delay
            out = out.replace(b"<status>available</status>", b"<status>creating</status>", 1)
        return status, out

    def do_DeleteVolume(self, ctx, params):
        with self.attach_lock:
            status, out = self.forward(ctx)
            if status == 200 and params.get("VolumeId"):
                self.hotplug.remove_backing(params["VolumeId"])
                with self.lock:
                    self.stuck.pop(params["VolumeId"], None)
                    self.vol_ready.pop(params["VolumeId"], None)
        return status, out

    def do_ModifyVolume(self, ctx, params):
        # EBS grows a volume online: the attached disk shows its new size.
        status, out = self.forward(ctx)
        if status == 200 and params.get("VolumeId") and params.get("Size"):
            self.hotplug.grow(params["VolumeId"], int(params["Size"]))
        return status, out

    def do_CreateSnapshot(self, ctx, params):
        status, out = self.forward(ctx)
        if status == 200:
            sid = _xml_field(out, "snapshotId")
            if sid and params.get("VolumeId"):
                self.hotplug.snapshot_created(params["VolumeId"], sid)
                self._track_snapshot(sid)
                out = self._snapshot_reply(out, sid)
        return status, out

    def do_CopySnapshot(self, ctx, params):
        validate = ctx.validate
        if validate and not params.get("SourceRegion"):
            raise Ec2Error("MissingParameter", "The request must contain the parameter SourceRegion")
        if validate and not params.get("SourceSnapshotId"):
            raise Ec2Error("MissingParameter", "The request must contain the parameter SourceSnapshotId")
        if validate and params.get("PresignedUrl"):
            self.check_presigned_url(params["PresignedUrl"], params.get("SourceRegion"))
        if params.get("SourceSnapshotId"):
            self._check_snapshot_usable(params["SourceSnapshotId"])
        status, out = self.forward(ctx)
        if status == 200:
            sid = _xml_field(out, "snapshotId")
            if sid:
                self.hotplug.snapshot_copied(params["SourceSnapshotId"], sid)
                self._track_snapshot(sid)
        return status, out

    def do_DeleteSnapshot(self, ctx, params):
        status, out = self.forward(ctx)
        if status == 200 and params.get("SnapshotId"):
            self.hotplug.remove_backing(params["SnapshotId"])
            with self.lock:
                self.snap_state.pop(params["SnapshotId"], None)
        return status, out

    def do_AttachVolume(self, ctx, params):
        region, validate = ctx.region, ctx.validate
        vid, iid, dev = params.get("VolumeId"), params.get("InstanceId"), params.get("Device")
        for name, val in (("VolumeId", vid), ("InstanceId", iid), ("Device", dev)):
            if not val:
                raise Ec2Error("MissingParameter", "The request must contain the parameter %s" % name)
        if params.get("DryRun", "").lower() == "true":
            return self.forward(ctx)
        with self.attach_lock:
            vol = self._volume(region, vid)
            inst = self._instance(region, iid)
            if validate:
                if not DEVICE_RE.match(dev):
                    raise Ec2Error("InvalidParameterValue",
                                   "Value (%s) for parameter device is invalid. %s is not a valid EBS device name."
                                   % (dev, dev))
                if vol.get("Attachments") or vid in self.stuck:
                    raise Ec2Error("VolumeInUse", "%s is already attached to an instance" % vid)
                with self.lock:
                    creating = self.vol_ready.get(vid, 0) > time.time()
                if creating:
                    raise Ec2Error("IncorrectState", "Volume '%s' is in the 'creating' state." % vid)
                inst_az = inst.get("Placement", {}).get("AvailabilityZone")
                if vol.get("AvailabilityZone") != inst_az:
                    raise Ec2Error("InvalidVolume.ZoneMismatch",
                                   "The volume '%s' is not in the same availability zone as instance '%s'"
                                   % (vid, iid))
                want = _dev_key(dev)
                for m in inst.get("BlockDeviceMappings", []):
                    if _dev_key(m.get("DeviceName", "")) == want:
                        raise Ec2Error("InvalidParameterValue",
                                       "Invalid value '%s' for unixDevice. Attachment point %s is already in use"
                                       % (dev, dev))
                if self.is_this_host(region, iid):
                    if self.hotplug.plugged(vid) is not None:
                        raise Ec2Error("VolumeInUse", "%s is already attached to an instance" % vid)
            status, out = self.forward(ctx)
            if status == 200 and self.is_this_host(region, iid):
                if self.faults.stuck_attach:
                    with self.lock:
                        self.stuck[vid] = "attaching"
                    self.log("proxy: stuck_attach: %s stays attaching" % vid)
                else:
                    self.hotplug.attach_async(vid, dev, vol.get("Size") or 1)
            return status, out

    def do_DetachVolume(self, ctx, params):
        region = ctx.region
        vid = params.get("VolumeId")
        if not vid:
            raise Ec2Error("MissingParameter", "The request must contain the parameter VolumeId")
        if params.get("DryRun", "").lower() == "true":
            return self.forward(ctx)
        force = params.get("Force", "false").lower() == "true"
        with self.attach_lock:
            vol = self._volume(region, vid)
            atts = vol.get("Attachments") or []
            if not atts:
                raise Ec2Error("IncorrectState", "Volume '%s' is in the 'available' state." % vid)
            att = atts[0]
            holder = att["InstanceId"]
            iid = params.get("InstanceId")
            if iid and iid != holder:
                raise Ec2Error("InvalidAttachment.NotFound",
                               "Volume %s can not be detached from %s because it is not attached" % (vid, iid))
            d = params.get("Device")
            if d and d != att.get("Device"):
                raise Ec2Error("InvalidAttachment.NotFound",
                               "The volume %s is not attached to instance %s as device %s" % (vid, holder, d))
            with self.lock:
                stuck = self.stuck.get(vid)
            if not force and (stuck == "detaching" or (
                    self.faults.stuck_detach and self.is_this_host(region, holder) and stuck is None)):
                with self.lock:
                    self.stuck[vid] = "detaching"
                self.log("proxy: stuck_detach: %s stays detaching" % vid)
                return 200, _detach_reply(vid, holder, att.get("Device", ""), att.get("AttachTime"),
                                          ctx.version, ctx.request_id)
            extra = {} if iid else {"InstanceId": holder}
            status, out = self.forward(ctx, extra_params=extra)
            if status == 200:
                with self.lock:
                    self.stuck.pop(vid, None)
                if self.is_this_host(region, holder):
                    self.hotplug.detach(vid)
            return status, out

    # ---- control API
    def control(self, method, path, body):
        """-> (status, json-able)"""
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError as e:
            return 400, {"error": "bad JSON: %s" % e}
        if not isinstance(data, dict):
            return 400, {"error": "JSON object expected"}
        p = path.split("?", 1)[0].rstrip("/")
        q = urllib.parse.parse_qs(path.split("?", 1)[1]) if "?" in path else {}
        try:
            if p == "/__control" or p == "/__control/health":
                return 200, {"ok": True, "stack": self.stack.info}
            if p == "/__control/calls" and method == "GET":
                with self.lock:
                    return 200, dict(self.calls)
            if p == "/__control/calls/reset" and method == "POST":
                with self.lock:
                    self.calls.clear()
                return 200, {"ok": True}
            if p == "/__control/faults" and method == "GET":
                return 200, self.faults.describe()
            if p == "/__control/faults" and method == "POST":
                self.faults.update(data)
                return 200, self.faults.describe()
            if p == "/__control/faults/clear" and method == "POST":
                self.faults.clear()
                return 200, self.faults.describe()
            if p == "/__control/config" and method == "GET":
                return 200, dict(self.config, hotplug_delay_ms=self.hotplug.delay_ms)
            if p == "/__control/config" and method == "POST":
                if "aws_validation" in data:
                    self.config["aws_validation"] = bool(data["aws_validation"])
                if "hotplug_delay_ms" in data:
                    self.hotplug.delay_ms = max(0, int(data["hotplug_delay_ms"]))
                for k in ("create_delay_ms", "snapshot_delay_ms"):
                    if k in data:
                        self.config[k] = max(0, int(data[k]))
                return 200, dict(self.config, hotplug_delay_ms=self.hotplug.delay_ms)
            if p == "/__control/attach-other" and method == "POST":
                return self.attach_other(data)
            if p == "/__control/detach" and method == "POST":
                return self.control_detach(data)
            if p == "/__control/state" and method == "GET":
                with self.lock:
                    stuck = dict(self.stuck)
                return 200, {"devices": self.hotplug.describe(), "stuck": stuck,
                             "credentials": self.credentials.describe(),
                             "faults": self.faults.describe()}
            if p == "/__control/log" and method == "GET":
                n = int(q.get("n", ["100"])[0])
                with self.lock:
                    items = list(self.recent)[-n:]
                return 200, items
            if p == "/__control/wait-hotplug" and method == "POST":
                plug = self.hotplug.wait(data.get("volume_id", ""), float(data.get("timeout", 10)))
                return 200, plug.describe() if plug else {"state": "none"}
            if p == "/__control/imds" and method == "GET":
                return 200, self.stack.imds.status()
            if p == "/__control/imds" and method == "POST":
                out = self.stack.imds.set_knobs(data)
                st = self.stack.imds.status()
                st.update(out)
                return 200, st
            if p == "/__control/imds/reset" and method == "POST":
                self.stack.imds.reset()
                return 200, self.stack.imds.status()
        except Ec2Error as e:
            return e.status if e.status >= 400 else 400, {"error": e.message, "code": e.code}
        except (ValueError, TypeError, KeyError) as e:
            return 400, {"error": str(e)}
        return 404, {"error": "unknown control endpoint %s %s" % (method, p)}

    def attach_other(self, data):
        vid = data.get("volume_id")
        if not vid:
            return 400, {"error": "volume_id required"}
        region = self.stack.region
        with self.attach_lock:
            vol = self._volume(region, vid)
            if vol.get("Attachments"):
                a = vol["Attachments"][0]
                return 409, {"error": "%s is already attached to %s as %s" % (vid, a["InstanceId"], a["Device"])}
            other = self.stack.other_instance_id
            inst = self._instance(region, other)
            used = {_dev_key(m.get("DeviceName", "")) for m in inst.get("BlockDeviceMappings", [])}
            dev = data.get("device")
            if not dev:
                for c in "fghijklmnop":
                    if _dev_key("/dev/xvd" + c) not in used:
                        dev = "/dev/xvd" + c
                        break
            if not dev or _dev_key(dev) in used:
                return 409, {"error": "no free device name on %s" % other}
            a = self._moto_call(region, "attach_volume", VolumeId=vid, InstanceId=other, Device=dev)
            return 200, {"volume_id": vid, "instance_id": other, "device": a.get("Device", dev)}

    def control_detach(self, data):
        vid = data.get("volume_id")
        if not vid:
            return 400, {"error": "volume_id required"}
        region = self.stack.region
        with self.attach_lock:
            vol = self._volume(region, vid)
            if not vol.get("Attachments"):
                self.hotplug.detach(vid)
                with self.lock:
                    self.stuck.pop(vid, None)
                return 200, {"volume_id": vid, "detached": False}
            a = vol["Attachments"][0]
            self._moto_call(region, "detach_volume", VolumeId=vid, InstanceId=a["InstanceId"], Device=a["Device"])
            with self.lock:
                self.stuck.pop(vid, None)
            if a["InstanceId"] == self.stack.instance_id:
                self.hotplug.detach(vid)
            return 200, {"volume_id": vid, "detached": True, "instance_id": a["InstanceId"]}

    # ---- bookkeeping
    def record(self, entry):
        with self.lock:
            self.recent.append(entry)

    def count(self, action):
        with self.lock:
            self.calls[action] += 1

    # ---- HTTP
    def _make_handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "AmazonEC2"
            sys_version = ""

            def version_string(self):
                return "AmazonEC2"

            def log_message(self, fmt, *args):
                pass

            def _read_body(self):
                te = (self.headers.get("Transfer-Encoding") or "").lower()
                if "chunked" in te:
                    chunks = []
                    while True:
                        line = self.rfile.readline(65537)
                        size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline(65537)
                    return b"".join(chunks)
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n > 0 else b""

            def _send(self, status, data, ctype, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _json(self, status, obj):
                self._send(status, (json.dumps(obj, indent=1, default=str) + "\n").encode(), "application/json")

            def _handle(self):
                try:
                    body = self._read_body()
                except (ValueError, OSError):
                    self.close_connection = True
                    return self._send(400, b"bad request body\n", "text/plain")
                raw_path, _, raw_query = self.path.partition("?")
                if raw_path.startswith("/__control"):
                    status, obj = proxy.control(self.command, self.path, body)
                    return self._json(status, obj)
                proxy.ec2_request(self, raw_path, raw_query, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        return Handler

    def ec2_request(self, h, raw_path, raw_query, body):
        t0 = time.time()
        ctx = _Ctx()
        ctx.request_id = rid = str(uuid.uuid4())
        pairs = []
        for k, v in urllib.parse.parse_qsl(raw_query, keep_blank_values=True):
            if not k.startswith("X-Amz-"):
                pairs.append((k, v))
        ctype = (h.headers.get("Content-Type") or "").lower()
        if body and ("x-www-form-urlencoded" in ctype or not ctype):
            try:
                pairs.extend(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                pass
        params = {}
        for k, v in pairs:
            params.setdefault(k, v)
        ctx.pairs, ctx.params = pairs, params
        ctx.action = action = params.get("Action") or "(none)"
        version = params.get("Version", DEFAULT_VERSION)
        ctx.version = version if re.fullmatch(r"\d{4}-\d{2}-\d{2}", version) else DEFAULT_VERSION
        ctx.validate = self.config["aws_validation"]
        self.count(action)
        entry = {"time": round(t0, 3), "action": action, "request_id": rid,
                 "volume_id": params.get("VolumeId"), "instance_id": params.get("InstanceId"),
                 "device": params.get("Device")}
        delay = self.faults.delay_ms
        if delay and (self.faults.actions is None or action in self.faults.actions):
            time.sleep(delay / 1000.0)
        status, code, msg = 200, None, None
        try:
            ctx.verified = sigv4.verify(h.command, raw_path, raw_query, list(h.headers.items()), body,
                                        self.credentials.lookup_secret,
                                        check_token=self.credentials.check_token)
            ctx.region = ctx.verified.region
            entry["access_key"] = ctx.verified.access_key
            entry["region"] = ctx.region
            if action == "(none)":
                raise Ec2Error("MissingAction", "The request must contain the parameter Action")
            fault = self.faults.take(action)
            if fault is not None:
                entry["fault"] = fault.code
                raise fault
            out, status = self.handle(ctx)
            if status >= 400:
                code = _xml_field(out, "Code")
                msg = _xml_field(out, "Message")
        except sigv4.AuthError as e:
            status, code, msg = e.status, e.code, e.message
            out = error_xml(e.code, e.message, rid)
            if e.detail:
                entry["auth_detail"] = e.detail
                self.log("proxy: %s %s: %s\n%s" % (action, e.code, e.message, e.detail))
        except Ec2Error as e:
            status, code, msg = e.status, e.code, e.message
            out = error_xml(e.code, e.message, rid)
        except Exception as e:  # noqa: BLE001 - the plugin must get an EC2-shaped 500
            import traceback
            self.log("proxy: internal error on %s: %s\n%s" % (action, e, traceback.format_exc()))
            status, code, msg = 500, "InternalError", "An internal error has occurred (%s)" % e
            out = error_xml(code, msg, rid)
        entry.update({"status": status, "code": code, "message": msg,
                      "ms": int((time.time() - t0) * 1000)})
        self.record(entry)
        self.log("proxy: %s %s %d%s" % (action, params.get("VolumeId") or "", status,
                                        " " + code if code else ""))
        h._send(status, out, "text/xml;charset=UTF-8", {"x-amzn-RequestId": rid})


class _Ctx:
    request_id = action = version = region = verified = None
    pairs = ()
    params = None
    validate = True


def _dev_key(dev):
    """/dev/sdf and /dev/xvdf name the same attachment point."""
    b = dev.rsplit("/", 1)[-1]
    if b.startswith("xvd"):
        b = "sd" + b[3:]
    return b


def _detach_reply(vid, iid, device, attach_time, version, rid):
    if hasattr(attach_time, "strftime"):
        if attach_time.tzinfo is not None:
            attach_time = attach_time.astimezone(datetime.timezone.utc)
        attach_time = attach_time.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<DetachVolumeResponse xmlns="http://ec2.amazonaws.com/doc/%s/">'
            "<requestId>%s</requestId><volumeId>%s</volumeId><instanceId>%s</instanceId><device>%s</device>"
            "<status>detaching</status><attachTime>%s</attachTime></DetachVolumeResponse>"
            % (version, rid, vid, iid, device, attach_time or "")).encode("utf-8")
