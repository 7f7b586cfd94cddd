#!/usr/bin/python3
"""Docker end to end: a private dockerd uses the rexray daemon as its legacy
volume plugin ("rexray"), through the real Docker CLI, real containers, real
loop devices and mounts.

Env: REXRAY (the rexray binary; default $BUILD/bin/rexray). Optional: DOCKERD,
DOCKER (binaries, default from PATH). Needs root, dockerd/containerd/runc,
/bin/busybox (static), unshare/nsenter, losetup. Never pulls images.

See dockerd_harness.py for the private mount namespace; the rexray daemon runs
in it with REXRAY_HOME=<tmp>/home, and /etc/docker/plugins/rexray.spec there
points Docker at $REXRAY_HOME/run/docker/plugins/rexray.sock.

Prints one "ok - ..." / "FAIL - ..." line per check, then "N passed, M failed";
exits non-zero when any check failed.
"""

import json
import os
import select
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerd_harness as harness  # noqa: E402
from testkit import Report, diag, parse_rfc3339, poll  # noqa: E402

IMAGE = "rexray-e2e-busybox"
VOLUME = "test"
START_BANNER = "Starting REX-Ray...SUCCESS!"


def out_of(r):
    return "exit %s; stdout: %s; stderr: %s" % (r.returncode, r.stdout.strip(), r.stderr.strip())


class E2E:
    def __init__(self, report, rexray):
        self.r = report
        self.rexray = rexray
        self.pd = harness.PrivateDocker()
        self.home = os.path.join(self.pd.tmp, "home")
        self.rx_env = {"REXRAY_HOME": self.home}
        self.plugin_sock = os.path.join(self.home, "run/docker/plugins/rexray.sock")
        self.control_sock = os.path.join(self.home, "var/run/rexray/rexray.sock")
        self.pidfile = os.path.join(self.home, "var/run/rexray/rexray.pid")
        self.mountpoint = os.path.join(self.home, "var/lib/rexray/volumes", VOLUME)
        self.logfile = os.path.join(self.home, "var/log/rexray/rexray.log")

    # -- helpers
    def docker(self, *args, timeout=120):
        return self.pd.docker(*args, timeout=timeout)

    def rx(self, *args, timeout=60):
        return self.pd.ns([self.rexray] + list(args), env=self.rx_env, timeout=timeout)

    def mounted(self):
        for line in self.pd.ns_mounts().splitlines():
            f = line.split()
            if len(f) > 1 and f[1].replace("\\040", " ") == self.mountpoint:
                return True
        return False

    def daemon_pid(self):
        try:
            with open(self.pidfile) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def volume_names(self):
        r = self.docker("volume", "ls", "--format", "{{.Driver}} {{.Name}}")
        return r, [tuple(l.split(None, 1)) for l in r.stdout.splitlines() if l.strip()]

    def start_daemon(self, what):
        """`rexray start` in the namespace; passes when it prints the banner,
        exits 0, and does not leave its stdout open in the daemon."""
        cmd = self.pd.ns_cmd([self.rexray, "start"])
        env = dict(os.environ, **self.rx_env)
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        chunks, status, eof = [], None, False
        deadline = time.monotonic() + 90
        fd = p.stdout.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                data = os.read(fd, 65536)
                if not data:
                    eof = True
                    break
                chunks.append(data)
            if status is None:
                status = p.poll()
                if status is not None:
                    # the parent is gone: stdout should reach EOF promptly
                    deadline = min(deadline, time.monotonic() + 5)
        if status is None:
            try:
                status = p.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        p.stdout.close()
        out = b"".join(chunks).decode(errors="replace")
        ok = self.r.check("%s: exits 0 printing %r" % (what, START_BANNER),
                          status == 0 and START_BANNER in out,
                          "exit %s, output: %s" % (status, out.strip()))
        if status is not None and status == 0:
            self.r.check("%s: the daemon does not hold the caller's stdout open" % what, eof,
                         "no EOF 5 s after `rexray start` exited")
        return ok

    def wait_sockets(self):
        return poll(lambda: os.path.exists(self.plugin_sock) and os.path.exists(self.control_sock), 10)

    # -- the run
    def run(self):
        os.makedirs(self.home)
        self.pd.register_service("rexray", self.pidfile, stop_cmd=[self.rexray, "stop"],
                                 env=self.rx_env)
        t0 = time.monotonic()
        self.pd.start(plugin_specs={"rexray": "unix://" + self.plugin_sock})
        diag("dockerd %s up in %.1fs, tmp %s" % (self.pd.server_version, time.monotonic() - t0,
                                                  self.pd.tmp))
        self.pd.import_busybox(IMAGE)
        r = self.docker("run", "--rm", IMAGE, "echo", "hi")
        if not self.r.check("harness: a container runs in the private dockerd",
                            r.returncode == 0 and r.stdout.strip() == "hi", out_of(r)):
            return

        # the daemon
        started = self.start_daemon("rexray start")
        sockets = self.wait_sockets()
        self.r.check("rexray start: Docker socket and control socket exist", sockets,
                     "%s exists: %s; %s exists: %s" % (
                         self.plugin_sock, os.path.exists(self.plugin_sock),
                         self.control_sock, os.path.exists(self.control_sock)))
        if os.path.exists(self.plugin_sock):
            mode = os.stat(self.plugin_sock).st_mode & 0o777
            self.r.check("the Docker socket has mode 0660", mode == 0o660, "mode %o" % mode)
        r = self.rx("status")
        self.r.check("rexray status exits 0 while the daemon runs", r.returncode == 0, out_of(r))
        if not (started and sockets):
            self.r.skip_as_failed([
                "1 volume create", "2 write and read through containers",
                "3 two containers share the volume across a daemon restart",
                "4 volume inspect", "5 volume ls", "6 volume rm", "7 bad option",
            ], "not run: the rexray daemon did not start")
            return

        self.step1_create()
        self.step2_write_read()
        self.step3_shared()
        self.step4_inspect()
        self.step5_ls()
        self.step6_rm()
        self.step7_bad_option()
        self.step_stop()

    def step1_create(self):
        r = self.docker("volume", "create", "--driver=rexray", "--opt=size=1", "--name=" + VOLUME)
        self.r.check("1 docker volume create --driver=rexray --opt=size=1 --name=test",
                     r.returncode == 0 and r.stdout.strip() == VOLUME, out_of(r))

    def step2_write_read(self):
        r = self.docker("run", "--rm", "--volume-driver=rexray", "-v", VOLUME + ":/test", IMAGE,
                        "sh", "-c", "echo hello > /test/f")
        self.r.check("2 docker run writes /test/f on the volume", r.returncode == 0, out_of(r))
        r = self.docker("run", "--rm", "--volume-driver=rexray", "-v", VOLUME + ":/test", IMAGE,
                        "cat", "/test/f")
        self.r.check("2 a second container reads 'hello' from it",
                     r.returncode == 0 and r.stdout.strip() == "hello", out_of(r))
        gone = poll(lambda: not self.mounted(), 15)
        self.r.check("2 the volume is unmounted once no container uses it", gone,
                     "%s still in the namespace's /proc/self/mounts" % self.mountpoint)

    def step3_shared(self):
        name = "3 two containers share the volume"
        for c in ("c1", "c2"):
            r = self.docker("run", "-d", "--name", c, "--volume-driver=rexray",
                            "-v", VOLUME + ":/test", IMAGE, "sleep", "600")
            if not self.r.check("%s: %s starts" % (name, c), r.returncode == 0, out_of(r)):
                return
        self.r.check("%s: mounted while they run" % name, self.mounted(),
                     "%s not in the namespace's mounts" % self.mountpoint)

        pid = self.daemon_pid()
        if not self.r.check("3 the daemon's pid file names a live process",
                            pid and harness.pid_alive(pid), "pid file %s: %r" % (self.pidfile, pid)):
            return
        os.kill(pid, signal.SIGKILL)
        self.r.check("3 the daemon dies on SIGKILL", poll(lambda: not harness.pid_alive(pid), 10),
                     "pid %d still alive" % pid)
        if not self.start_daemon("3 rexray start after SIGKILL"):
            return
        self.wait_sockets()
        newpid = self.daemon_pid()
        self.r.check("3 the restarted daemon has a new pid", newpid and newpid != pid
                     and harness.pid_alive(newpid), "old %s, new %s" % (pid, newpid))

        r = self.docker("stop", "-t", "1", "c1", timeout=90)
        self.r.check("3 docker stop c1", r.returncode == 0, out_of(r))
        r = self.docker("rm", "c1")
        self.r.check("3 docker rm c1", r.returncode == 0, out_of(r))
        self.r.check("3 still mounted after c1 stopped (c2 uses it)", self.mounted(),
                     "%s not in the namespace's mounts" % self.mountpoint)
        r = self.docker("exec", "c2", "cat", "/test/f")
        self.r.check("3 docker exec c2 cat /test/f prints 'hello'",
                     r.returncode == 0 and r.stdout.strip() == "hello", out_of(r))
        r = self.docker("stop", "-t", "1", "c2", timeout=90)
        self.r.check("3 docker stop c2", r.returncode == 0, out_of(r))
        gone = poll(lambda: not self.mounted(), 15)
        self.r.check("3 unmounted after c2 stopped", gone,
                     "%s still in the namespace's mounts" % self.mountpoint)
        self.docker("rm", "-f", "c2")

    def step4_inspect(self):
        r = self.docker("volume", "inspect", VOLUME)
        try:
            info = json.loads(r.stdout)[0]
        except (ValueError, IndexError, KeyError, TypeError):
            self.r.check("4 docker volume inspect test", False, out_of(r))
            return
        self.r.check("4 docker volume inspect test: driver rexray",
                     r.returncode == 0 and info.get("Driver") == "rexray", json.dumps(info))
        status = info.get("Status")
        self.r.check("4 inspect shows a non-empty Status object",
                     isinstance(status, dict) and len(status) > 0, "Status: %r" % (status,))
        created = info.get("CreatedAt")
        self.r.check("4 inspect shows CreatedAt in RFC 3339 (%s)" % created,
                     parse_rfc3339(created) is not None, "CreatedAt: %r" % (created,))

    def step5_ls(self):
        r, vols = self.volume_names()
        self.r.check("5 docker volume ls lists test with driver rexray",
                     r.returncode == 0 and ("rexray", VOLUME) in vols, out_of(r))

    def step6_rm(self):
        r = self.docker("volume", "rm", VOLUME)
        self.r.check("6 docker volume rm test", r.returncode == 0 and r.stdout.strip() == VOLUME,
                     out_of(r))
        r, vols = self.volume_names()
        self.r.check("6 docker volume ls no longer lists test",
                     r.returncode == 0 and VOLUME not in [v[-1] for v in vols], out_of(r))

    def step7_bad_option(self):
        r = self.docker("volume", "create", "--driver=rexray", "--opt=bogus=1", "--name=bad")
        self.r.check("7 docker volume create --opt=bogus=1 fails", r.returncode != 0, out_of(r))
        self.r.check("7 Docker's error names the option (our Err text)", "bogus" in r.stderr,
                     out_of(r))
        self.r.check("7 the error is the Err text, not a raw JSON body",
                     '{"' not in r.stderr, out_of(r))
        _r, vols = self.volume_names()
        self.r.check("7 no volume 'bad' exists", "bad" not in [v[-1] for v in vols], vols)

    def step_stop(self):
        pid = self.daemon_pid()
        r = self.rx("stop")
        self.r.check("rexray stop exits 0", r.returncode == 0, out_of(r))
        self.r.check("rexray stop: the daemon is gone",
                     pid and poll(lambda: not harness.pid_alive(pid), 15), "pid %s" % pid)

    def dump_logs(self):
        diag("--- dockerd log (tail) ---")
        diag(self.pd.log_tail(30))
        try:
            with open(self.logfile, errors="replace") as f:
                lines = f.read().splitlines()
            diag("--- %s (tail) ---" % self.logfile)
            diag("\n".join(lines[-40:]))
        except OSError:
            diag("(no %s)" % self.logfile)


def main():
    report = Report()
    rexray = os.environ.get("REXRAY")
    if not rexray and os.environ.get("BUILD"):
        rexray = os.path.join(os.environ["BUILD"], "bin", "rexray")
    if not rexray or not os.access(rexray, os.X_OK):
        report.check("REXRAY names an executable rexray binary", False, repr(rexray))
        return report.finish()
    rexray = os.path.realpath(rexray)
    if os.geteuid() != 0:
        report.check("running as root", False, "euid %d" % os.geteuid())
        return report.finish()

    e2e = E2E(report, rexray)
    return harness.run_test(report, e2e.pd, e2e.run, e2e.dump_logs)

if __name__ == "__main__":
    sys.exit(main())
