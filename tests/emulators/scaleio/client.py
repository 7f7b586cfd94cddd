"""For Python tests: a small gateway client that behaves like goscaleio (login,
version, Basic ":"+token, one re-login and replay on 401), and EmulatorProcess,
which runs server.py as a subprocess through its command-line contract.

    from client import EmulatorProcess, GatewayClient
    with EmulatorProcess(state_dir, device_root, https=True) as emu:
        c = GatewayClient(emu.info["url"], emu.info["user"], emu.info["password"])
        c.login(); c.get("/api/types/System/instances")
"""

import base64
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from server import control_request  # noqa: E402


class GatewayHTTPError(Exception):
    def __init__(self, status, body):
        super().__init__("HTTP %d: %s" % (status, body))
        self.status = status
        self.body = body            # parsed JSON (the error object) or raw text


def basic(user, secret):
    return "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()


class GatewayClient:
    def __init__(self, url, user, password, cafile=None, timeout=60, relogin=True):
        """url ends in /api.  https: verified against cafile when given, else unverified."""
        u = urlsplit(url)
        self.https = u.scheme == "https"
        self.host, self.port = u.hostname, u.port
        self.user, self.password = user, password
        self.timeout = timeout
        self.relogin = relogin
        self.token = None
        self.version = None
        self.ssl_context = None
        if self.https:
            self.ssl_context = ssl.create_default_context(cafile=cafile) if cafile \
                else ssl._create_unverified_context()
        self.logins = 0

    def _conn(self):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def raw(self, method, path, body=None, headers=None):
        """One request, no auth logic: (status, parsed body or None, headers dict)."""
        data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
        c = self._conn()
        try:
            c.request(method, path, body=data, headers=headers or {})
            r = c.getresponse()
            text = r.read().decode()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            c.close()
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return r.status, parsed, hdrs

    def _headers(self, body):
        h = {"Authorization": basic("", self.token or "")}
        if self.version:
            h["Accept"] = "application/json;version=%s" % self.version
            if body is not None:
                h["Content-Type"] = "application/json;version=%s" % self.version
        elif body is not None:
            h["Content-Type"] = "application/json"
        return h

    def login(self):
        status, body, _ = self.raw("GET", "/api/login", headers={"Authorization": basic(self.user, self.password)})
        if status != 200:
            raise GatewayHTTPError(status, body)
        self.token = body
        self.logins += 1
        return body

    def get_version(self):
        self.version = None
        v = self.request("GET", "/api/version")
        self.version = v.strip('"')
        return self.version

    def request(self, method, path, body=None):
        """goscaleio's retry rule: on 401, log in again once and replay."""
        if self.token is None:
            self.login()
        status, parsed, _ = self.raw(method, path, body, self._headers(body))
        if status == 401 and self.relogin:
            self.login()
            status, parsed, _ = self.raw(method, path, body, self._headers(body))
        if status not in (200, 201, 202, 204):
            raise GatewayHTTPError(status, parsed)
        return parsed

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body):
        return self.request("POST", path, body)

    @staticmethod
    def link(obj, rel):
        for ln in obj.get("links") or []:
            if ln.get("rel") == rel:
                return ln["href"]
        raise KeyError("no link %r in %s" % (rel, obj.get("id")))


class EmulatorProcess:
    """server.py as a child process; start() returns once the ready file appears."""

    def __init__(self, state_dir, device_root, https=False, seed=None, host_guid=None, extra_args=(),
                 python=None):
        self.state_dir = os.path.abspath(state_dir)
        self.device_root = os.path.abspath(device_root)
        self.ready_file = os.path.join(self.state_dir, "ready.json")
        self.cmd = [python or sys.executable, os.path.join(HERE, "server.py"), "--port", "0",
                    "--device-root", self.device_root, "--state-dir", self.state_dir,
                    "--ready-file", self.ready_file]
        if https:
            self.cmd.append("--https")
        if seed:
            self.cmd += ["--seed", seed]
        if host_guid:
            self.cmd += ["--host-guid", host_guid]
        self.cmd += list(extra_args)
        self.proc = None
        self.info = None
        self.stdout_line = None

    def start(self, timeout=30):
        os.makedirs(self.state_dir, exist_ok=True)
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("emulator exited with %d: %s" % (self.proc.returncode, self.proc.stderr.read()))
            if os.path.exists(self.ready_file):
                with open(self.ready_file) as f:
                    self.info = json.loads(f.read())
                self.stdout_line = self.proc.stdout.readline().strip()
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("emulator not ready after %ds" % timeout)

    def control(self, method, path, body=None):
        return control_request(self.info["control_url"], method, path, body)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signal the emulator and wait; returns its exit status (SIGKILL after timeout)."""
        p, self.proc = self.proc, None
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        p.stdout.close()
        p.stderr.close()
        return p.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
