#!/usr/bin/python3
"""Socket activation: the daemon restarts under a stream of Docker calls and
not one call fails.

This test plays systemd. It reads the socket unit `rexray install --root`
writes, creates each ListenStream socket itself (plus one stray socket no
service uses), and starts `rexray start -f` with them as descriptors 3.. and
LISTEN_FDS / LISTEN_PID / LISTEN_FDNAMES set, LISTEN_PID being the daemon's
own PID (a shim that execs the daemon keeps its PID). Meanwhile a client
sends `VolumeDriver.Get`, each on a new connection. The daemon is stopped
(SIGTERM) and, after a pause in which nothing serves the sockets, started
again, several times. Every call must be answered 200 with the volume, also
those that arrived while no daemon ran.

Env: REXRAY or BUILD (see testkit.rexray_binary). Needs root (vfs uses loop
devices only on mount; here it only creates a volume).
"""

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testkit import (Report, UnixHTTPConnection, detach_loops_under, diag,  # noqa: E402
                     exit_on_signals, poll, rexray_binary, unmount_under)
from testkit import scratch_dir  # noqa: E402
from docker_protocol import hermetic_env  # noqa: E402

RESTARTS = 3
STREAMS = 4  # clients, each sending one call after the other
# How long nothing serves the sockets during each restart (systemd's RestartSec).
GAP = 0.5
VOLUME = "stream"


def call(sock, method, body, timeout=60):
    conn = UnixHTTPConnection(sock, timeout=timeout)
    try:
        conn.request("POST", "/" + method, json.dumps(body),
                     {"Content-Type": "application/json", "Connection": "close"})
        reply = conn.getresponse()
        return reply.status, reply.read().decode(errors="replace")
    finally:
        conn.close()


class Holder:
    """systemd's part: the listening sockets, and the daemon's starts."""

    def __init__(self, rexray, home, paths):
        self.rexray = rexray
        self.home = home
        self.paths = paths
        self.env = hermetic_env(home)
        self.sockets = []
        self.proc = None
        self.out = os.path.join(home, "daemon.err")
        for path in paths:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(path)
            os.chmod(path, 0o660)
            s.listen(128)
            self.sockets.append(s)
        # Out of the way of the descriptors the daemon gets (3..).
        self.fds = [fcntl.fcntl(s.fileno(), fcntl.F_DUPFD_CLOEXEC, 50) for s in self.sockets]

    def start(self):
        # A shim that puts the sockets at 3.. and execs the daemon, which
        # keeps its PID: LISTEN_PID names the daemon itself.
        shim = ("import os, sys\n"
                "fds = [int(f) for f in sys.argv[1].split(',')]\n"
                "for i, fd in enumerate(fds):\n"
                "    os.dup2(fd, 3 + i)\n"
                "for fd in fds:\n"
                "    os.close(fd)\n"
                "os.environ['LISTEN_PID'] = str(os.getpid())\n"
                "os.execv(sys.argv[2], sys.argv[2:])\n")
        env = dict(self.env, LISTEN_FDS=str(len(self.fds)),
                   LISTEN_FDNAMES=":".join(["rexray"] * len(self.fds)))
        with open(self.out, "ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", shim, ",".join(map(str, self.fds)), self.rexray, "start",
                 "-f"], env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT,
                pass_fds=self.fds)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def close(self):
        self.stop()
        for s in self.sockets:
            s.close()
        for fd in self.fds:
            os.close(fd)
        self.sockets, self.fds = [], []

    def log(self):
        try:
            with open(self.out, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Stream(threading.Thread):
    """VolumeDriver.Get, one new connection each, until told to stop."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.calls = []  # (sent at, answered at, ok, detail)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            sent = time.monotonic()
            try:
                status, body = call(self.sock, "VolumeDriver.Get", {"Name": VOLUME})
                reply = json.loads(body)
                ok = status == 200 and reply.get("Volume", {}).get("Name") == VOLUME \
                    and not reply.get("Err")
                detail = "%s %s" % (status, body.strip())
            except Exception as e:  # noqa: BLE001 - a refused or cut call is the failure counted
                ok, detail = False, repr(e)
            self.calls.append((sent, time.monotonic(), ok, detail))
            time.sleep(0.005)


def main():
    report = Report()
    rexray = rexray_binary()
    if not rexray:
        report.check("REXRAY names the rexray binary", False)
        return report.finish()
    exit_on_signals()
    home = scratch_dir("rexray-sockact.")
    holder = None
    streams = []
    try:
        env = hermetic_env(home)
        units = os.path.join(home, "units")
        os.makedirs(units)
        r = subprocess.run([rexray, "install", "--root", units], env=env, capture_output=True,
                           text=True, timeout=60)
        report.check("rexray install --root writes the units, and tells systemd nothing",
                     r.returncode == 0 and "systemd was not told" in r.stdout,
                     r.stdout + r.stderr)
        with open(os.path.join(units, "etc/systemd/system/rexray.service")) as f:
            service = f.read().splitlines()
        report.check("the service unit runs this binary with start -f, in this REXRAY_HOME",
                     "ExecStart=%s start -f" % rexray in service
                     and "Environment=REXRAY_HOME=%s" % home in service, service)
        r = subprocess.run([rexray, "install", "--root", "relative/dir"], env=env,
                           capture_output=True, text=True, timeout=60)
        report.check("rexray install --root with a relative directory is refused",
                     r.returncode == 1 and "--root 'relative/dir' must be an absolute directory"
                     in r.stderr, r.stdout + r.stderr)
        r = subprocess.run([rexray, "service", "status"], env=env, capture_output=True,
                           text=True, timeout=60)
        report.check("rexray service status is rexray status (no systemd here): stopped, exit 3",
                     r.returncode == 3 and r.stdout.strip() == "REX-Ray is stopped",
                     r.stdout + r.stderr)
        with open(os.path.join(units, "etc/systemd/system/rexray.socket")) as f:
            listen = [line.split("=", 1)[1].strip() for line in f
                      if line.startswith("ListenStream=")]
        docker_sock = os.path.join(home, "run/docker/plugins/rexray.sock")
        control = os.path.join(home, "var/run/rexray/rexray.sock")
        report.check("the socket unit holds the Docker sockets and the control socket",
                     listen == [docker_sock, os.path.join(home, "run/docker/plugins/vfs.sock"),
                                control], listen)
        stray = os.path.join(home, "run/stray.sock")
        holder = Holder(rexray, home, listen + [stray])
        holder.start()
        status, body = call(docker_sock, "VolumeDriver.Create", {"Name": VOLUME,
                                                                   "Opts": {"size": "1"}})
        report.check("VolumeDriver.Create through the passed socket", status == 200
                     and json.loads(body).get("Err", "") == "", "%s %s" % (status, body))

        log = poll(lambda: "(socket activation)" in holder.log() and holder.log(), 30)
        report.check("the daemon says it serves the passed sockets",
                     log and log.count("(socket activation)") == len(listen), holder.log())
        report.check("a passed socket no service uses is named and closed",
                     "%s (descriptor %d) is not a socket this configuration serves"
                     % (stray, 3 + len(listen)) in holder.log(), holder.log())
        report.check("start -f off a terminal logs to stderr, not to the log file",
                     "REX-Ray is ready" in holder.log() and not os.path.exists(
                         os.path.join(home, "var/log/rexray/rexray.log")), holder.log())

        streams = [Stream(docker_sock) for _ in range(STREAMS)]
        for stream in streams:
            stream.start()
        gaps = []
        for i in range(RESTARTS):
            time.sleep(0.4)
            rc = holder.stop()
            stopped = time.monotonic()
            report.check("restart %d: the daemon stops on SIGTERM (exit 0)" % (i + 1), rc == 0,
                         "exit %s" % rc)
            report.check("restart %d: the socket files stay while no daemon runs" % (i + 1),
                         all(os.path.exists(p) for p in listen), listen)
            time.sleep(GAP)
            holder.start()
            gaps.append((stopped, time.monotonic()))
        time.sleep(0.5)
        for stream in streams:
            stream.stopping.set()
            stream.join(120)

        calls = [c for stream in streams for c in stream.calls]
        failures = [c for c in calls if not c[2]]
        # In flight while no daemon ran: each stream has one call waiting in
        # every gap, as it sends again as soon as it is answered.
        waited = [[c for c in calls if c[0] < started and c[1] > stopped]
                  for stopped, started in gaps]
        diag("%d Get calls, %s in flight while no daemon ran, slowest %.2f s" % (
            len(calls), "+".join(str(len(w)) for w in waited),
            max((c[1] - c[0] for c in calls), default=0)))
        report.check("every Get call during %d restarts was answered (%d calls, %d failed)"
                     % (RESTARTS, len(calls), len(failures)),
                     calls and not failures, failures[:3])
        report.check("in each restart, calls waited while no daemon ran and were answered",
                     all(len(w) >= STREAMS and all(c[2] for c in w) for w in waited),
                     [len(w) for w in waited])
        r = subprocess.run([rexray, "volume", "create", "by-cli", "--size", "1"], env=env,
                           capture_output=True, text=True, timeout=60)
        report.check("the CLI reaches the restarted daemon on the passed control socket",
                     r.returncode == 0 and "vfs: created volume by-cli" in holder.log(),
                     r.stdout + r.stderr)
        r = subprocess.run([rexray, "uninstall", "--root", units], env=env, capture_output=True,
                           text=True, timeout=60)
        report.check("rexray uninstall --root removes both units",
                     r.returncode == 0 and os.listdir(os.path.join(units, "etc/systemd/system"))
                     == [], r.stdout + r.stderr)
    finally:
        for stream in streams:
            stream.stopping.set()
            stream.join(120)
        if holder:
            holder.close()
        unmount_under(home)
        detach_loops_under(home)
        shutil.rmtree(home, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
