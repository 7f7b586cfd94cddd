"""Shared pieces of the Python benchmarks: a private daemon, a keep-alive
Docker plugin client on its unix socket, medians and the result records that
bench/report.py turns into bench/results.md."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=120):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


class Docker:
    """Docker's side of the volume plugin protocol over one keep-alive connection."""

    def __init__(self, sock):
        self._conn = UnixConnection(sock)

    def call(self, method, **body):
        self._conn.request("POST", "/VolumeDriver." + method, json.dumps(body),
                           {"Content-Type": "application/json"})
        reply = self._conn.getresponse()
        data = json.loads(reply.read() or b"{}")
        if reply.status != 200 or data.get("Err"):
            raise RuntimeError(f"{method} {body}: HTTP {reply.status} {data.get('Err')}")
        return data

    def timed(self, method, **body):
        t0 = time.perf_counter()
        self.call(method, **body)
        return time.perf_counter() - t0

    def timed_unparsed(self, method, **body):
        """The time to the whole reply, without decoding it here (a List of 10,000
        volumes is 600 KB, which json.loads takes longer to read than the daemon
        to send); the reply is still checked for success."""
        t0 = time.perf_counter()
        self._conn.request("POST", "/VolumeDriver." + method, json.dumps(body),
                           {"Content-Type": "application/json"})
        reply = self._conn.getresponse()
        data = reply.read()
        elapsed = time.perf_counter() - t0
        if reply.status != 200 or not data.endswith(b'"Err":""}'):
            raise RuntimeError(f"{method}: HTTP {reply.status} {data[-200:]!r}")
        return elapsed

    def close(self):
        self._conn.close()


class Daemon:
    """`rexray start -f` on vfs in a private REXRAY_HOME, stopped and cleaned up on exit."""

    def __init__(self, rexray, env=None):
        self.rexray = rexray
        self.home = tempfile.mkdtemp(prefix="rexray-bench-")
        self.env = dict(os.environ, REXRAY_HOME=self.home, REXRAY_STORAGEDRIVERS="vfs")
        self.env.update(env or {})
        self.sock = os.path.join(self.home, "run/docker/plugins/rexray.sock")
        self.proc = None

    def __enter__(self):
        log = open(os.path.join(self.home, "daemon.log"), "w")
        self.proc = subprocess.Popen([self.rexray, "start", "-f", "--nopid"], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                Docker(self.sock).call("Capabilities")
                return self
            except (OSError, RuntimeError):
                time.sleep(0.01)
        raise RuntimeError("the daemon did not answer within 30 s")

    def cli(self, *args):
        return subprocess.run([self.rexray, *args], env=self.env, check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True).stdout

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def memory(self):
        """VmRSS and its anonymous part (the heap; the rest is shared code pages), KiB."""
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "Threads"):
                    out[key] = int(value.split()[0])
        return out

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        leftovers = [l.split()[1] for l in open("/proc/self/mounts") if self.home in l.split()[1]]
        for mp in sorted(leftovers, reverse=True):
            subprocess.run(["umount", "-l", mp], check=False)
        for f in os.listdir("/sys/block"):
            backing = f"/sys/block/{f}/loop/backing_file"
            if os.path.exists(backing) and open(backing).read().startswith(self.home):
                subprocess.run(["losetup", "-d", "/dev/" + f], check=False)
        shutil.rmtree(self.home, ignore_errors=True)


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def record(path, **fields):
    """Appends one measured figure (name, command, target, value, unit, met) to a JSON-lines file."""
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(fields) + "\n")
    met = fields.get("met")
    mark = "" if met is None else ("  met" if met else "  NOT met")
    print(f"  {fields['name']}: {fields['value']}{fields.get('unit', '')}"
          f" (target {fields.get('target', '-')}){mark}", flush=True)
