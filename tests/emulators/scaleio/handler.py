"""HTTP front of the emulator: the gateway's REST paths under /api and the
emulator's own control paths under /_emulator (no authentication there).

/api routes:
  GET  /api/login                                    Basic user:password -> "token"
  GET  /api/logout                                   forgets the token
  GET  /api/version                                  "2.0"
  GET  /api/types/<Type>/instances                   list
  POST /api/types/Volume/instances                   create a volume
  POST /api/types/Volume/instances/action/queryIdByKey
  GET  /api/instances/<Type>::<id>
  GET  /api/instances/<Type>::<id>/relationships/<Rel>
  POST /api/instances/Volume::<id>/action/<action>
  POST /api/instances/System[::<id>]/action/snapshotVolumes

Order of checks for an /api request: count it; 503 when `unavailable`; an
injected failure if one is due; authentication (401); Accept (406) and
Content-Type (415); the configured delay; the operation.
"""

import json
import re
import time
import traceback
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from auth import parse_basic
from errors import GatewayError
from model import TYPES

_INSTANCE = re.compile(r"^/api/instances/([A-Za-z]+)(?:::([^/]+))?(?:/(relationships|action)/([A-Za-z]+))?$")
_TYPE = re.compile(r"^/api/types/([A-Za-z]+)/instances(?:/action/([A-Za-z]+))?$")
JSON_TYPE = "application/json;charset=UTF-8"


class _Reply(Exception):
    """Raised to answer at once: status and a JSON-able payload (None = empty body)."""

    def __init__(self, status, payload=None):
        super().__init__(status)
        self.status = status
        self.payload = payload


def make_handler(emu):
    """A handler class bound to a ScaleioEmulator (server.py)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ScaleIO-Gateway-Emulator/1.0"
        timeout = 120

        def log_message(self, fmt, *args):
            emu.log("http: %s %s" % (self.address_string(), fmt % args))

        # ---- plumbing
        def _send(self, status, payload=None, headers=None):
            body = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            if payload is not None:
                self.send_header("Content-Type", JSON_TYPE)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _read_body(self):
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                out = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass        # trailers
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n > 0 else b""

        def _dispatch(self, method):
            try:
                raw = self._read_body()
                url = urlsplit(self.path)
                path = unquote(url.path)
                if path == "/_emulator" or path.startswith("/_emulator/"):
                    self._control(method, path, parse_qs(url.query), raw)
                elif path == "/api" or path.startswith("/api/"):
                    self._api(method, path, raw)
                else:
                    self._send(*_error(emu.errors.error("UNKNOWN_PATH")))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            except Exception:  # noqa: BLE001 - an emulator bug answers 500, visibly
                emu.log("http: internal error\n" + traceback.format_exc())
                try:
                    self._send(500, {"message": "emulator internal error: " + traceback.format_exc(limit=1),
                                     "httpStatusCode": 500, "errorCode": 0})
                except OSError:
                    self.close_connection = True

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        def do_DELETE(self):
            self._dispatch("DELETE")

        def do_PUT(self):
            self._dispatch("PUT")

        # ---- /api
        def _api(self, method, path, raw):
            auth = self.headers.get("Authorization")
            cred = parse_basic(auth)
            text = raw.decode("utf-8", "replace")
            entry = emu.calls.record(method, path, self.headers, text[:2000] if text else None,
                                     cred[0] if cred else None)
            try:
                result = self._api_checked(method, path, entry["call"], auth, raw)
                status, payload = 200, result
                headers = None
            except _Reply as r:
                status, payload, headers = r.status, r.payload, None
            except GatewayError as e:
                status, payload = _error(e)
                headers = {"WWW-Authenticate": 'Basic realm="ScaleIO"'} if status == 401 else None
            entry["status"] = status
            self._send(status, payload, headers)

        def _api_checked(self, method, path, key, auth, raw):
            errs = emu.errors
            if emu.faults.unavailable:
                raise errs.error("UNAVAILABLE")
            injected = emu.faults.take_failure(key)
            if injected is not None:
                status, code, message = injected
                base = errs.error("INJECTED")
                raise GatewayError(status, message if message is not None else base.message,
                                   code if code is not None else base.code)
            if path == "/api/login":
                if method != "GET":
                    raise errs.error("METHOD_NOT_ALLOWED")
                token = emu.tokens.login(auth)
                if token is None:
                    raise errs.error("UNAUTHORIZED")
                return token
            if emu.tokens.check(auth) is None:
                raise errs.error("UNAUTHORIZED")
            accept = self.headers.get("Accept")
            if accept and not any(t in accept for t in ("application/json", "application/*", "*/*")):
                raise errs.error("NOT_ACCEPTABLE")
            ctype = self.headers.get("Content-Type") or ""
            if raw and not ctype.lower().startswith("application/json"):
                raise errs.error("UNSUPPORTED_MEDIA")
            delay = emu.faults.delay_for(key)
            if delay > 0 and not key.endswith("/removeVolume"):
                time.sleep(delay)
            if method == "GET":
                return self._api_get(path, auth)
            if method == "POST":
                body = _json_object(raw, errs)
                return self._api_post(path, body, delay)
            raise errs.error("METHOD_NOT_ALLOWED")

        def _api_get(self, path, auth):
            errs, model = emu.errors, emu.model
            if path == "/api/version":
                return emu.api_version
            if path == "/api/logout":
                emu.tokens.logout(auth)
                raise _Reply(200)
            m = _TYPE.match(path)
            if m and m.group(2) is None:
                typ = m.group(1)
                if typ not in TYPES:
                    raise errs.error("UNKNOWN_PATH", "unknown type %s" % typ)
                if typ == "Sdc":
                    self._sdc_list_fault()
                return model.list_type(typ)
            m = _INSTANCE.match(path)
            if m and (m.group(1) not in TYPES or not m.group(2)):
                raise errs.error("UNKNOWN_PATH")
            if m and m.group(3) != "action":
                typ, oid, rel = m.group(1), m.group(2), m.group(4)
                if rel is None:
                    return model.get_instance(typ, oid)
                if (typ, rel) == ("System", "Sdc"):
                    self._sdc_list_fault()
                result = model.relationship(typ, oid, rel)
                if result is None:
                    raise errs.error("UNKNOWN_PATH", "%s has no relationship %s" % (typ, rel))
                return result
            if m or _TYPE.match(path):
                raise errs.error("METHOD_NOT_ALLOWED")
            raise errs.error("UNKNOWN_PATH")

        def _sdc_list_fault(self):
            if emu.faults.fail_sdc_list:
                raise emu.errors.error("INJECTED", "SDC listing failed")

        def _api_post(self, path, body, delay):
            errs, model = emu.errors, emu.model
            m = _TYPE.match(path)
            if m:
                typ, action = m.groups()
                if typ == "Volume" and action is None:
                    return model.create_volume(body)
                if typ == "Volume" and action == "queryIdByKey":
                    return model.query_id_by_key(body)
                if typ not in TYPES:
                    raise errs.error("UNKNOWN_PATH", "unknown type %s" % typ)
                raise errs.error("UNKNOWN_PATH", "not emulated")
            m = _INSTANCE.match(path)
            if m and m.group(3) == "action":
                typ, oid, action = m.group(1), m.group(2), m.group(4)
                if typ == "Volume" and oid and action in model.VOLUME_ACTIONS:
                    model.volume_action(oid, action, body, delay)
                    raise _Reply(200)
                if typ == "System" and action == "snapshotVolumes":
                    return model.snapshot_volumes(oid, body)
                raise errs.error("UNKNOWN_PATH", "unknown action %s on %s" % (action, typ))
            if m:
                raise errs.error("METHOD_NOT_ALLOWED")
            raise errs.error("UNKNOWN_PATH")

        # ---- /_emulator
        def _control(self, method, path, query, raw):
            route = path[len("/_emulator"):].rstrip("/") or "/"
            try:
                body = json.loads(raw.decode() or "null") if raw else None
            except ValueError:
                return self._send(400, {"error": "body is not JSON"})
            try:
                if (method, route) == ("GET", "/info"):
                    return self._send(200, emu.info)
                if (method, route) == ("GET", "/state"):
                    return self._send(200, emu.state())
                if (method, route) == ("GET", "/calls"):
                    return self._send(200, emu.calls.describe())
                if (method, route) in (("DELETE", "/calls"), ("POST", "/calls/reset")):
                    emu.calls.reset()
                    return self._send(200, emu.calls.describe())
                if (method, route) == ("GET", "/requests"):
                    since = int((query.get("since") or ["0"])[0])
                    return self._send(200, emu.calls.requests(since))
                if (method, route) == ("GET", "/fault"):
                    return self._send(200, emu.fault_state())
                if (method, route) == ("POST", "/fault"):
                    emu.apply_faults(body or {})
                    return self._send(200, emu.fault_state())
                if (method, route) == ("DELETE", "/fault"):
                    emu.apply_faults({"clear": True})
                    return self._send(200, emu.fault_state())
                if (method, route) == ("GET", "/errors"):
                    return self._send(200, emu.errors.describe())
                if (method, route) == ("POST", "/errors"):
                    emu.errors.update(body or {})
                    return self._send(200, emu.errors.describe())
            except (ValueError, TypeError) as e:
                return self._send(400, {"error": str(e)})
            return self._send(404, {"error": "no control route %s %s" % (method, route)})

    return Handler


def _error(e):
    return e.status, e.body()


def _json_object(raw, errs):
    if not raw:
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:
        raise errs.error("MALFORMED")
    if not isinstance(body, dict):
        raise errs.error("MALFORMED", "expected a JSON object")
    return body
