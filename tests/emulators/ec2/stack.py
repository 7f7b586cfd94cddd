#!/usr/bin/env python3
"""EC2/EBS test backend: moto_server + instance metadata emulator + SigV4
front proxy with fault injection and device hot-plug.  127.0.0.1 only.

CLI:
    python3 tests/emulators/ec2/stack.py --state-dir DIR [--nitro]
        runs until SIGTERM/SIGINT; prints DIR/stack.json once everything answers.
    python3 tests/emulators/ec2/stack.py --cleanup DIR
        removes what a killed (SIGKILL) stack left behind in DIR.

Library:
    sys.path.insert(0, "tests/emulators/ec2"); from stack import Ec2Stack
    with Ec2Stack(state_dir, nitro=False) as s:
        s.info["ec2_endpoint"], s.control("GET", "/calls"), ...

See README.md in this directory.
"""

import argparse
import atexit
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import hotplug  # noqa: E402
import imds  # noqa: E402
import proxy  # noqa: E402

REGION = "us-east-1"
AZ = "us-east-1a"
ACCOUNT_ID = "123456789012"
ACCESS_KEY = "AKIDREXRAYTEST"
SECRET_KEY = "rexrayTestSecretKey/K7MDENG+bPxRfiCYEXAMPLE"
IMAGE_ID = "ami-12c6146b"
INSTANCE_TYPE = "m5.large"
ROLE_NAME = "rexray-test-role"

_live = []
_live_lock = threading.Lock()
_handlers_installed = False
_prev_handlers = {}


def _stop_all():
    with _live_lock:
        stacks = list(_live)
    for s in stacks:
        try:
            s.stop()
        except Exception as e:  # noqa: BLE001
            sys.stderr.write("ec2 stack: cleanup error: %s\n" % e)


def _on_signal(signum, frame):
    prev = _prev_handlers.get(signum)
    if callable(prev):
        _stop_all()
        prev(signum, frame)
        return
    # unwind: `with` blocks, finally clauses and atexit do the cleanup
    raise SystemExit(128 + signum)


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_stop_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        prev = signal.getsignal(sig)
        if prev in (signal.SIG_IGN,):
            continue
        _prev_handlers[sig] = prev if callable(prev) and prev is not _on_signal else None
        signal.signal(sig, _on_signal)


def _pdeathsig():
    """moto_server dies with us even on SIGKILL."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001
        pass


def _moto_version():
    try:
        import moto
        return moto.__version__
    except Exception:  # noqa: BLE001
        return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _moto_command(port):
    script = os.path.join(os.path.dirname(sys.executable), "moto_server")
    if os.path.exists(script):
        return [sys.executable, script, "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


class Ec2Stack:
    def __init__(self, state_dir, nitro=False, nitro_xvd_links=False, hotplug_delay_ms=200,
                 keep_backing=False, access_key=ACCESS_KEY, secret_key=SECRET_KEY, verbose=False):
        self.state_dir = os.path.abspath(state_dir)
        self.nitro = bool(nitro)
        self.nitro_xvd_links = nitro_xvd_links
        self.hotplug_delay_ms = hotplug_delay_ms
        self.keep_backing = keep_backing
        self.access_key = access_key
        self.secret_key = secret_key
        self.verbose = verbose
        self.region = REGION
        self.json_path = os.path.join(self.state_dir, "stack.json")
        self.info = {}
        self.moto_proc = None
        self.moto_port = None
        self.imds = None
        self.proxy = None
        self.hotplug = None
        self.credentials = None
        self.instance_id = None
        self.other_instance_id = None
        self._clients = {}
        self._clients_lock = threading.Lock()
        self._stop_lock = threading.RLock()
        self._started = False
        self._stopped = False
        self._logf = None
        self._log_lock = threading.Lock()

    # ---- logging
    def log(self, msg):
        line = "%s %s\n" % (time.strftime("%H:%M:%S"), msg)
        with self._log_lock:
            if self._logf is not None:
                try:
                    self._logf.write(line)
                    self._logf.flush()
                except ValueError:
                    pass
        if self.verbose:
            sys.stderr.write(line)

    # ---- moto
    def moto_client(self, region=REGION):
        with self._clients_lock:
            c = self._clients.get(region)
            if c is None:
                import botocore.config
                import botocore.session
                sess = botocore.session.Session()
                c = sess.create_client(
                    "ec2", region_name=region, endpoint_url="http://127.0.0.1:%d" % self.moto_port,
                    aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                    config=botocore.config.Config(retries={"total_max_attempts": 1},
                                                  connect_timeout=10, read_timeout=120))
                self._clients[region] = c
            return c

    def _start_moto(self):
        env = dict(os.environ)
        env["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"   # no 1000+ public AMI snapshots in DescribeSnapshots
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                  "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "MOTO_ACCOUNT_ID"):
            env.pop(k, None)
        last = None
        for _ in range(5):
            port = _free_port()
            logf = open(os.path.join(self.state_dir, "moto.log"), "ab")
            self.moto_proc = subprocess.Popen(_moto_command(port), stdout=logf, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, env=env,
                                              preexec_fn=_pdeathsig if threading.current_thread()
                                              is threading.main_thread() else None,
                                              close_fds=True)
            logf.close()
            deadline = time.time() + 30
            while time.time() < deadline:
                if self.moto_proc.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen("http://127.0.0.1:%d/moto-api/" % port, timeout=2) as r:
                        r.read()
                    self.moto_port = port
                    self.log("stack: moto_server pid %d on port %d" % (self.moto_proc.pid, port))
                    return
                except (urllib.error.URLError, OSError):
                    time.sleep(0.1)
            last = "moto_server exited with %s" % self.moto_proc.poll()
            self._stop_moto()
        raise RuntimeError("could not start moto_server: %s (see %s/moto.log)" % (last, self.state_dir))

    def _stop_moto(self):
        p, self.moto_proc = self.moto_proc, None
        if p is None:
            return
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        self.log("stack: moto_server stopped (%s)" % p.returncode)

    def _launch(self, name):
        c = self.moto_client(REGION)
        r = c.run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1, InstanceType=INSTANCE_TYPE,
                            Placement={"AvailabilityZone": AZ},
                            TagSpecifications=[{"ResourceType": "instance",
                                                "Tags": [{"Key": "Name", "Value": name}]}])
        inst = r["Instances"][0]
        inst["_reservation"] = r.get("ReservationId", "r-0")
        return inst

    # ---- lifecycle
    def start(self):
        if self._started:
            return self
        self._started = True
        with _live_lock:
            _live.append(self)
        _install_handlers()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        os.makedirs(self.state_dir, exist_ok=True)
        try:
            os.unlink(self.json_path)
        except FileNotFoundError:
            pass
        self._logf = open(os.path.join(self.state_dir, "stack.log"), "a")
        # leftovers of a previous run in the same dir
        hotplug.detach_loops_backed_by(os.path.join(self.state_dir, "backing"), self.log)
        for d in ("dev", "sys", "backing"):
            shutil.rmtree(os.path.join(self.state_dir, d), ignore_errors=True)

        self._start_moto()
        me = self._launch("rexray-test-host")
        other = self._launch("rexray-other-host")
        self.instance_id = me["InstanceId"]
        self.other_instance_id = other["InstanceId"]
        root_dev = me.get("RootDeviceName") or "/dev/sda1"
        root_vol = None
        for m in me.get("BlockDeviceMappings", []):
            if m.get("DeviceName") == root_dev:
                root_vol = m["Ebs"]["VolumeId"]

        self.credentials = proxy.Credentials(self.access_key, self.secret_key)
        self.hotplug = hotplug.Hotplug(self.state_dir, nitro=self.nitro, nitro_xvd_links=self.nitro_xvd_links,
                                       delay_ms=self.hotplug_delay_ms, log=self.log)
        self.hotplug.setup()
        if root_vol:
            self.hotplug.plug_root(root_vol, root_dev, 8)

        mac = "0e:00:00:00:00:01"
        nics = me.get("NetworkInterfaces") or []
        if nics and nics[0].get("MacAddress"):
            mac = nics[0]["MacAddress"]
        launch = me.get("LaunchTime")
        self.imds = imds.Imds({
            "instance_id": self.instance_id, "region": REGION, "availability_zone": AZ,
            "account_id": ACCOUNT_ID, "image_id": IMAGE_ID, "instance_type": me.get("InstanceType", INSTANCE_TYPE),
            "private_ip": me.get("PrivateIpAddress", "10.0.0.10"),
            "hostname": me.get("PrivateDnsName") or "ip-10-0-0-10.ec2.internal", "mac": mac,
            "launch_time": launch.strftime("%Y-%m-%dT%H:%M:%SZ") if launch else imds.rfc3339(time.time()),
            "root_device": root_dev, "role_name": ROLE_NAME, "reservation_id": me.get("_reservation"),
        }, self.credentials, log=self.log).start()
        self.proxy = proxy.Proxy(self).start()

        self.info = {
            "ec2_endpoint": "http://127.0.0.1:%d" % self.proxy.port,
            "metadata_endpoint": self.imds.endpoint,
            "control_endpoint": "http://127.0.0.1:%d/__control" % self.proxy.port,
            "moto_endpoint": "http://127.0.0.1:%d" % self.moto_port,
            "region": REGION,
            "availability_zone": AZ,
            "account_id": ACCOUNT_ID,
            "instance_id": self.instance_id,
            "other_instance_id": self.other_instance_id,
            "root_volume_id": root_vol,
            "root_device": root_dev,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "role_name": ROLE_NAME,
            "device_root": os.path.join(self.state_dir, "dev"),
            "sysfs_root": os.path.join(self.state_dir, "sys"),
            "backing_dir": os.path.join(self.state_dir, "backing"),
            "state_dir": self.state_dir,
            "mode": "nitro" if self.nitro else "xen",
            "nitro_xvd_links": bool(self.nitro and self.nitro_xvd_links),
            "hotplug_delay_ms": self.hotplug_delay_ms,
            "moto_version": _moto_version(),
            "pid": os.getpid(),
            "moto_pid": self.moto_proc.pid,
        }
        tmp = self.json_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.info, f, indent=2)
            f.write("\n")
        os.replace(tmp, self.json_path)
        self.log("stack: ready %s" % json.dumps(self.info))

    def stop(self):
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
            try:
                os.unlink(self.json_path)
            except OSError:
                pass
            for step in (lambda: self.proxy and self.proxy.stop(),
                         lambda: self.imds and self.imds.stop(),
                         lambda: self.hotplug and self.hotplug.cleanup(remove_backing=not self.keep_backing),
                         lambda: hotplug.detach_loops_backed_by(os.path.join(self.state_dir, "backing"), self.log),
                         self._stop_moto):
                try:
                    step()
                except Exception as e:  # noqa: BLE001 - keep cleaning
                    self.log("stack: cleanup step failed: %s" % e)
                    sys.stderr.write("ec2 stack: cleanup step failed: %s\n" % e)
            self.log("stack: stopped")
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

    # ---- conveniences for tests
    def control(self, method, path, body=None, timeout=30):
        url = self.info["control_endpoint"] + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read().decode() or "null")
        except urllib.error.HTTPError as e:
            raise RuntimeError("control %s %s -> %d %s" % (method, path, e.code, e.read().decode()))

    def ec2_client(self, region=REGION, access_key=None, secret_key=None, session_token=None, retries=1):
        import botocore.config
        import botocore.session
        return botocore.session.Session().create_client(
            "ec2", region_name=region, endpoint_url=self.info["ec2_endpoint"],
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key, aws_session_token=session_token,
            config=botocore.config.Config(retries={"total_max_attempts": retries}))


def cleanup_dir(state_dir):
    """For a stack that was SIGKILLed: loop devices, mounts, links, moto."""
    state_dir = os.path.abspath(state_dir)
    info = {}
    try:
        with open(os.path.join(state_dir, "stack.json")) as f:
            info = json.load(f)
    except (OSError, ValueError):
        pass
    hotplug._unmount_all(lambda src, tgt: tgt.startswith(state_dir + "/"), lambda m: print(m))
    loops = hotplug.detach_loops_backed_by(os.path.join(state_dir, "backing"), lambda m: print(m))
    for d in ("dev", "sys", "backing"):
        shutil.rmtree(os.path.join(state_dir, d), ignore_errors=True)
    pid = info.get("moto_pid")
    if pid:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read()
            if b"moto" in cmd:
                os.kill(pid, signal.SIGTERM)
                print("stopped moto_server pid %d" % pid)
        except OSError:
            pass
    try:
        os.unlink(os.path.join(state_dir, "stack.json"))
    except OSError:
        pass
    print("cleaned %s (%d loop devices)" % (state_dir, len(loops)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", help="directory for stack.json, dev/, sys/, backing/, logs")
    ap.add_argument("--nitro", action="store_true", help="NVMe device naming (default: Xen xvdX)")
    ap.add_argument("--nitro-xvd-links", action="store_true",
                    help="nitro: also create dev/xvdX -> nvmeKn1 like Amazon Linux's ec2-utils udev rules")
    ap.add_argument("--hotplug-delay-ms", type=int, default=200)
    ap.add_argument("--keep-backing", action="store_true", help="keep backing files on exit")
    ap.add_argument("--verbose", action="store_true", help="log to stderr as well as DIR/stack.log")
    ap.add_argument("--cleanup", metavar="DIR", help="clean up after a killed stack and exit")
    a = ap.parse_args(argv)
    if a.cleanup:
        cleanup_dir(a.cleanup)
        return 0
    if not a.state_dir:
        ap.error("--state-dir is required")
    stack = Ec2Stack(a.state_dir, nitro=a.nitro, nitro_xvd_links=a.nitro_xvd_links,
                     hotplug_delay_ms=a.hotplug_delay_ms, keep_backing=a.keep_backing, verbose=a.verbose)
    # SIGINT as well as SIGTERM/SIGHUP end the stack cleanly
    def _sigint(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGINT, _sigint)
    try:
        stack.start()
        print(stack.json_path, flush=True)
        while True:
            time.sleep(3600)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
