#!/usr/bin/env python3
"""ScaleIO / PowerFlex REST gateway emulator (specs/scaleio-rest.md), Python 3
standard library only, listening on 127.0.0.1 only.

    python3 tests/emulators/scaleio/server.py --port 0 --device-root DIR --state-dir DIR
            [--https] [--seed FILE] [--host-guid GUID] [--ready-file FILE] [more options: --help]

Once listening it prints one JSON line (also written to --ready-file) and runs
until SIGTERM/SIGINT/SIGHUP, then removes every loop device and link it made.
Importable:

    sys.path.insert(0, "tests/emulators/scaleio"); from server import ScaleioEmulator
    with ScaleioEmulator(state_dir, device_root=dev) as emu:
        emu.url, emu.info, emu.set_faults(fail_next=2), emu.calls(), emu.state()

See README.md in this directory.
"""

import argparse
import atexit
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import auth  # noqa: E402
import devices  # noqa: E402  (also puts ../ec2 on sys.path)
import errors  # noqa: E402
import faults  # noqa: E402
import handler  # noqa: E402
import model  # noqa: E402
import tlscert  # noqa: E402
from loopback import ThreadedServer  # noqa: E402  (tests/emulators/ec2)

DEFAULT_USER = "admin"
DEFAULT_PASSWORD = "Scaleio123"
DEFAULT_API_VERSION = "2.0"

_live = []
_live_lock = threading.Lock()


def _stop_all():
    with _live_lock:
        emus = list(_live)
    for e in emus:
        try:
            e.stop()
        except Exception as ex:  # noqa: BLE001
            sys.stderr.write("scaleio emulator: cleanup error: %s\n" % ex)


atexit.register(_stop_all)


class GatewayServer(ThreadedServer):
    """127.0.0.1 only; with a TLS context the handshake runs in the connection's thread."""

    ssl_context = None

    def finish_request(self, request, client_address):
        if self.ssl_context is None:
            return super().finish_request(request, client_address)
        request.settimeout(30)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return None
        try:
            return super().finish_request(tls, client_address)
        finally:
            tls.close()


class ScaleioEmulator:
    def __init__(self, state_dir, device_root=None, port=0, https=False, seed=None, host_guid=None,
                 user=DEFAULT_USER, password=DEFAULT_PASSWORD, api_version=DEFAULT_API_VERSION,
                 token_lifetime=auth.DEFAULT_LIFETIME, token_idle=auth.DEFAULT_IDLE, device_delay=0.0,
                 faults_spec=None, ready_file=None, keep_backing=False, verbose=False):
        """seed: a dict or a JSON file path (default: default_seed.json).  faults_spec:
        a list of fault dicts applied at start (same keys as POST /_emulator/fault)."""
        self.state_dir = os.path.abspath(state_dir)
        self.device_root = os.path.abspath(device_root or os.path.join(self.state_dir, "dev", "disk", "by-id"))
        self.port = int(port)
        self.https = bool(https)
        self.seed = seed
        self.host_guid = host_guid
        self.user, self.password = user, password
        self.api_version = api_version
        self.token_limits = (token_lifetime, token_idle)
        self.device_delay = float(device_delay)
        self.faults_spec = list(faults_spec or [])
        self.ready_file = os.path.abspath(ready_file) if ready_file else None
        self.keep_backing = keep_backing
        self.verbose = verbose
        self.info = {}
        self.server = self.thread = self.cert = self.devices = None
        self._logf = None
        self._log_lock = threading.Lock()
        self._stop_lock = threading.Lock()
        self._started = self._stopped = False

    # ---- logging
    def log(self, msg):
        line = "%s %s\n" % (time.strftime("%H:%M:%S"), msg)
        with self._log_lock:
            if self._logf is not None:
                self._logf.write(line)
                self._logf.flush()
        if self.verbose:
            sys.stderr.write(line)

    # ---- lifecycle
    def start(self):
        if self._started:
            return self
        self._started = True
        with _live_lock:
            _live.append(self)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        os.makedirs(self.state_dir, exist_ok=True)
        self._unlink(self.ready_file)
        self._logf = open(os.path.join(self.state_dir, "emulator.log"), "a")
        seed = self.seed if isinstance(self.seed, dict) else model.load_seed(self.seed)
        self.errors = errors.ErrorTable(seed.get("errors"))
        self.model = model.Model(seed, self.errors, host_guid=self.host_guid)
        self.tokens = auth.TokenStore(self.user, self.password, *self.token_limits)
        self.faults = faults.Faults()
        self.calls = faults.CallLog()
        self.devices = devices.HostDevices(self.device_root, self.state_dir, self.model.system["id"],
                                           delay=self.device_delay, log=self.log)
        self.devices.setup()
        self.model.devices = self.devices
        for spec in self.faults_spec:
            self.apply_faults(spec)

        host = self.model.sdcs[self.model.host_sdc_id]
        self.guid_file = os.path.join(self.state_dir, "drv_cfg.guid")
        with open(self.guid_file, "w") as f:
            f.write((self.host_guid or host["sdcGuid"]) + "\n")
        self.drv_cfg = os.path.join(self.state_dir, "drv_cfg")
        self._unlink(self.drv_cfg)
        os.symlink(os.path.join(HERE, "drv_cfg"), self.drv_cfg)

        if self.https:
            self.cert = tlscert.SelfSignedCert()
        self.server = GatewayServer(("127.0.0.1", self.port), handler.make_handler(self))
        if self.cert is not None:
            self.server.ssl_context = self.cert.server_context()
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="scaleio-gateway",
                                       kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()

        m = self.model
        other = next((s for s in m.sdcs.values() if s["id"] != m.host_sdc_id), None)
        scheme = "https" if self.https else "http"
        self.info = {
            "url": "%s://127.0.0.1:%d/api" % (scheme, self.port),
            "control_url": "%s://127.0.0.1:%d/_emulator" % (scheme, self.port),
            "port": self.port,
            "https": self.https,
            "cert": self.cert.cert if self.cert else None,
            "system_id": m.system["id"],
            "system_name": m.system["name"],
            "host_sdc_id": m.host_sdc_id,
            "host_guid": host["sdcGuid"],
            "other_sdc_id": other["id"] if other else None,
            "other_sdc_guid": other["sdcGuid"] if other else None,
            "protection_domains": [{"id": p["id"], "name": p["name"]} for p in m.pds.values()],
            "storage_pools": [{"id": p["id"], "name": p["name"], "protection_domain_id": p["protectionDomainId"],
                               "protection_domain_name": m.pds[p["protectionDomainId"]]["name"]}
                              for p in m.pools.values()],
            "user": self.user,
            "password": self.password,
            "api_version": self.api_version,
            "device_root": self.device_root,
            "state_dir": self.state_dir,
            "drv_cfg": self.drv_cfg,
            "guid_file": self.guid_file,
            "pid": os.getpid(),
        }
        if self.ready_file:
            tmp = self.ready_file + ".tmp"
            with open(tmp, "w") as f:
                f.write(json.dumps(self.info) + "\n")
            os.replace(tmp, self.ready_file)
        self.log("ready %s" % json.dumps(self.info))

    @staticmethod
    def _unlink(path):
        if path:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def stop(self):
        with self._stop_lock:
            if self._stopped or not self._started:
                return
            self._stopped = True
            self._unlink(self.ready_file)
            srv, self.server = self.server, None
            steps = [lambda: srv and (srv.shutdown(), srv.server_close()),
                     lambda: self.thread and self.thread.join(5),
                     lambda: self.devices and self.devices.cleanup(remove_backing=not self.keep_backing),
                     lambda: self.cert and self.cert.remove(),
                     lambda: (self._unlink(getattr(self, "drv_cfg", None)),
                              self._unlink(getattr(self, "guid_file", None)))]
            for step in steps:
                try:
                    step()
                except Exception as e:  # noqa: BLE001 - keep cleaning
                    self.log("cleanup step failed: %s" % e)
                    sys.stderr.write("scaleio emulator: cleanup step failed: %s\n" % e)
            self.log("stopped")
            with self._log_lock:
                if self._logf is not None:
                    self._logf.close()
                    self._logf = None
        with _live_lock:
            if self in _live:
                _live.remove(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def url(self):
        return self.info.get("url")

    # ---- faults and introspection (also served under /_emulator)
    def apply_faults(self, spec):
        rest = self.faults.update(spec)
        if spec.get("clear"):
            self.tokens.set_limits(*self.token_limits)
            self.devices.delay = self.device_delay
        if rest.get("expire_tokens"):
            n = self.tokens.expire_all()
            self.log("faults: expired %d token(s)" % n)
        if "token_lifetime" in rest or "token_idle" in rest:
            self.tokens.set_limits(rest.get("token_lifetime"), rest.get("token_idle"))
        if "device_delay" in rest:
            self.devices.delay = float(rest["device_delay"] or 0)
        self.log("faults: %s" % json.dumps(spec))

    def fault_state(self):
        return dict(self.faults.describe(), tokens=self.tokens.describe(), device_delay=self.devices.delay)

    def set_faults(self, **spec):
        self.apply_faults(spec)
        return self.fault_state()

    def state(self):
        return dict(self.model.dump(), tokens=self.tokens.describe(), faults=self.faults.describe(),
                    calls=self.calls.describe())

    def call_counts(self):
        return self.calls.describe()

    def control(self, method, path, body=None, timeout=30):
        """The control API over HTTP, as another process would use it."""
        return control_request(self.info["control_url"], method, path, body, timeout)


def control_request(control_url, method, path, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(control_url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    ctx = ssl._create_unverified_context() if control_url.startswith("https") else None
    with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
        return json.loads(r.read().decode() or "null")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = any free port)")
    ap.add_argument("--device-root", help="where emc-vol-<systemId>-<volumeId> links appear "
                                          "(default STATE_DIR/dev/disk/by-id)")
    ap.add_argument("--state-dir", required=True, help="backing files, drv_cfg + its GUID file, emulator.log")
    ap.add_argument("--https", action="store_true", help="serve HTTPS with a fresh self-signed certificate")
    ap.add_argument("--seed", help="seed JSON (default: default_seed.json next to this script)")
    ap.add_argument("--host-guid", help="GUID of this host's SDC (overrides the seed)")
    ap.add_argument("--ready-file", help="write the ready JSON line here (atomically; removed at exit)")
    ap.add_argument("--user", default=DEFAULT_USER)
    ap.add_argument("--password", default=DEFAULT_PASSWORD)
    ap.add_argument("--api-version", default=DEFAULT_API_VERSION, help="what GET /api/version answers")
    ap.add_argument("--token-lifetime", type=float, default=auth.DEFAULT_LIFETIME,
                    help="seconds a token lives after login (0 = forever; default 8 h)")
    ap.add_argument("--token-idle", type=float, default=auth.DEFAULT_IDLE,
                    help="seconds a token lives without use (0 = forever; default 10 min)")
    ap.add_argument("--device-delay", type=float, default=0.0,
                    help="seconds between a map to this host and its emc-vol link appearing")
    ap.add_argument("--fault", action="append", default=[], metavar="JSON",
                    help="fault settings as for POST /_emulator/fault (repeatable)")
    ap.add_argument("--fail-next", type=int, help="the next N /api requests fail (500 unless --fault says)")
    ap.add_argument("--fail-match", help="... only requests whose call key contains this")
    ap.add_argument("--delay", action="append", default=[], metavar="MATCH=SECONDS",
                    help="sleep before handling matching requests, e.g. addMappedSdc=3 (repeatable)")
    ap.add_argument("--fail-sdc-list", action="store_true", help="SDC listings fail with 500")
    ap.add_argument("--keep-backing", action="store_true", help="keep the backing files at exit")
    ap.add_argument("--verbose", action="store_true", help="log to stderr too")
    a = ap.parse_args(argv)

    specs = []
    try:
        specs = [json.loads(f) for f in a.fault]
        for d in a.delay:
            match, _, secs = d.rpartition("=")
            specs.append({"delay": {match: float(secs)}})
    except ValueError as e:
        ap.error("bad --fault/--delay: %s" % e)
    if a.fail_next is not None:
        specs.append({"fail_next": a.fail_next, "fail_match": a.fail_match})
    if a.fail_sdc_list:
        specs.append({"fail_sdc_list": True})

    def _exit(signum, frame):
        raise SystemExit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _exit)
    emu = ScaleioEmulator(a.state_dir, device_root=a.device_root, port=a.port, https=a.https, seed=a.seed,
                          host_guid=a.host_guid, user=a.user, password=a.password, api_version=a.api_version,
                          token_lifetime=a.token_lifetime, token_idle=a.token_idle, device_delay=a.device_delay,
                          faults_spec=specs, ready_file=a.ready_file, keep_backing=a.keep_backing,
                          verbose=a.verbose)
    try:
        try:
            emu.start()
        except (ValueError, OSError, RuntimeError) as e:
            sys.stderr.write("scaleio emulator: %s\n" % e)
            return 1
        print(json.dumps(emu.info), flush=True)
        while True:
            time.sleep(3600)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
