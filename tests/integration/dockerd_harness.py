"""A private Docker daemon for end-to-end tests, leaving nothing behind.

Everything lives in one fresh temp dir (<tmp>):

  <tmp>/state.json       what teardown() needs, also after a crash
  <tmp>/data, <tmp>/exec dockerd --data-root / --exec-root (managed containerd
                         keeps its root/state/socket below these)
  <tmp>/docker.sock      the API socket (reachable from the host view too)
  <tmp>/plugins          bind-mounted over /etc/docker/plugins in the namespace
  <tmp>/cli              DOCKER_CONFIG for the docker CLI
  <tmp>/dockerd.log      dockerd's (and its containerd's) output

Docker finds legacy volume plugins only at fixed paths (/run/docker/plugins,
/etc/docker/plugins, /usr/lib/docker/plugins) and itself writes to fixed
host paths (/run/docker/plugins for managed plugins, /etc/docker/key.json,
containerd shim sockets in /run/containerd/s, containerd's /opt/containerd).
So dockerd, the plugin daemon and every command that must share their view of
mounts run inside one private mount namespace, held open by
`unshare --mount --propagation private sleep infinity`, in which fresh tmpfs
are mounted over /run, /etc/docker and /opt (should one of them be missing on
the host, its parent, e.g. /etc, gets an overlay whose upper layer is in <tmp>,
so nothing is created on the host).  <tmp>/plugins is then bind-mounted over
/etc/docker/plugins.  Nothing of that reaches the host: when the holder and
everything started in the namespace are gone, so are its mounts.

The docker CLI runs outside the namespace (it only needs <tmp>/docker.sock);
ns()/ns_cmd() run anything that must see the namespace's mounts.

Containers get the cgroup parent /<tmp basename>, so their processes can be
found (and their cgroup dirs removed) even if dockerd died.

teardown(tmp) works from <tmp>/state.json alone: it is used by the harness on
every normal exit path, and by a detached watchdog process when the test
process itself is killed with SIGKILL (e.g. a ctest timeout).  By hand:
`python3 dockerd_harness.py --teardown /tmp/rexray-e2e.XXXX`.

Env: DOCKERD, DOCKER override the binaries (default: found on PATH, to which
the sbin dirs are added).
"""

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import time

# ctest may run us with a short PATH; dockerd, containerd, runc, losetup, mkfs
# and mount live in the sbin dirs.
os.environ["PATH"] = ":".join(
    [d for d in os.environ.get("PATH", "").split(":") if d] +
    [d for d in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
     if d not in os.environ.get("PATH", "").split(":")])

DOCKERD = os.environ.get("DOCKERD", shutil.which("dockerd") or "/usr/bin/dockerd")
DOCKER = os.environ.get("DOCKER", shutil.which("docker") or "/usr/bin/docker")
NSENTER = shutil.which("nsenter") or "/usr/bin/nsenter"
UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"
LOSETUP = shutil.which("losetup") or "/usr/sbin/losetup"
UMOUNT = shutil.which("umount") or "/usr/bin/umount"
CGROUP_ROOT = "/sys/fs/cgroup"

# Host paths covered by a private tmpfs inside the namespace.
PRIVATE_TMPFS = ["/run", "/etc/docker", "/opt"]


class HarnessError(Exception):
    pass


def _log(msg):
    sys.stderr.write("# harness: %s\n" % msg)
    sys.stderr.flush()


# ---------------------------------------------------------------- processes

def _read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def _pids():
    for name in os.listdir("/proc"):
        if name.isdigit():
            yield int(name)


def _cmdline(pid):
    return _read("/proc/%d/cmdline" % pid).replace("\0", " ").strip()


def _mntns(pid):
    try:
        return os.readlink("/proc/%d/ns/mnt" % pid)
    except OSError:
        return None


def _alive(pid):
    if not pid or pid <= 0:
        return False
    stat = _read("/proc/%d/stat" % pid)
    if not stat:
        return False
    # state field follows the parenthesised comm; a zombie is as good as dead
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def pid_alive(pid):
    """True while pid runs (a zombie counts as gone)."""
    return _alive(pid)


def _wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [p for p in pids if _alive(p)]
        if not pids:
            return True
        _reap_children()
        time.sleep(0.1)
    return not [p for p in pids if _alive(p)]


def _reap_children():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _stop(pids, term_timeout=20.0):
    """SIGTERM, wait, SIGKILL, wait."""
    pids = [p for p in pids if _alive(p)]
    if not pids:
        return
    _kill(pids, signal.SIGTERM)
    if not _wait_gone(pids, term_timeout):
        _kill(pids, signal.SIGKILL)
        _wait_gone(pids, 10)


def _pid_from_file(path):
    try:
        return int(_read(path).strip() or 0)
    except ValueError:
        return 0


def _cgroup_dirs(cgparent):
    """Our containers' parent cgroup dir in every mounted hierarchy."""
    if not cgparent:
        return []
    name = cgparent.strip("/")
    out = []
    candidates = [os.path.join(CGROUP_ROOT, name)]
    try:
        candidates += [os.path.join(CGROUP_ROOT, h, name) for h in os.listdir(CGROUP_ROOT)]
    except OSError:
        pass
    for d in candidates:
        if os.path.isdir(d) and os.path.exists(os.path.join(d, "cgroup.procs")):
            out.append(d)
    return out


def _cgroup_pids(cgparent):
    pids = set()
    for top in _cgroup_dirs(cgparent):
        for root, _dirs, files in os.walk(top):
            if "cgroup.procs" in files:
                for line in _read(os.path.join(root, "cgroup.procs")).split():
                    if line.isdigit():
                        pids.add(int(line))
    return sorted(pids)


def _remove_cgroups(cgparent):
    for top in _cgroup_dirs(cgparent):
        for root, dirs, _files in os.walk(top, topdown=False):
            try:
                os.rmdir(root)
            except OSError:
                pass


def _loop_devices_under(tmp):
    devs = []
    for name in os.listdir("/sys/block"):
        backing = _read("/sys/block/%s/loop/backing_file" % name).strip()
        if backing.startswith(tmp + "/"):
            devs.append("/dev/" + name)
    return sorted(devs)


def _mounts_under(tmp, mounts_text):
    points = []
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) > 1:
            mp = fields[1].replace("\\040", " ")
            if mp == tmp or mp.startswith(tmp + "/"):
                points.append(mp)
    return sorted(set(points), key=len, reverse=True)


# ---------------------------------------------------------------- teardown

def teardown(tmp, docker_timeout=30):
    """Remove everything a PrivateDocker under tmp made. Idempotent."""
    tmp = os.path.realpath(tmp)
    state_path = os.path.join(tmp, "state.json")
    try:
        with open(state_path) as f:
            st = json.load(f)
    except (OSError, ValueError):
        st = {}
    if not os.path.isdir(tmp):
        return
    holder = st.get("holder_pid", 0)
    ns = st.get("mntns")
    if holder and ns and _mntns(holder) != ns:
        holder = 0  # gone, or the pid was reused
    sock = os.path.join(tmp, "docker.sock")
    env = dict(os.environ, DOCKER_CONFIG=os.path.join(tmp, "cli"),
               DOCKER_HOST="unix://" + sock)
    env.pop("DOCKER_CONTEXT", None)

    def ns_run(cmd, timeout=30, extra_env=None):
        if not holder:
            return None
        e = dict(os.environ)
        e.update(extra_env or {})
        try:
            return subprocess.run([NSENTER, "--target", str(holder), "--mount", "--"] + cmd,
                                  env=e, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout, text=True)
        except (subprocess.TimeoutExpired, OSError):
            return None

    dockerd_pid = st.get("dockerd_pid", 0)
    dockerd_up = _alive(dockerd_pid) and _mntns(dockerd_pid) == ns

    # 1. containers.  With a volume plugin down, Docker retries it on every
    #    unmount, so give up sooner: the sweeps below stop what is left.
    services_up = all(_alive(_pid_from_file(svc.get("pidfile", "")))
                      for svc in st.get("services", []))
    if not services_up:
        docker_timeout = min(docker_timeout, 10)
    if dockerd_up and os.path.exists(sock):
        try:
            ids = subprocess.run([DOCKER, "ps", "-aq"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, timeout=10,
                                 text=True).stdout.split()
            if ids:
                subprocess.run([DOCKER, "rm", "-f"] + ids, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=docker_timeout)
        except (subprocess.TimeoutExpired, OSError):
            pass

    # 2. services (the plugin daemon): their stop command, else kill by pid
    for svc in st.get("services", []):
        pid = _pid_from_file(svc.get("pidfile", ""))
        if svc.get("stop_cmd") and pid and _alive(pid) and _mntns(pid) == ns:
            ns_run(svc["stop_cmd"], timeout=30, extra_env=svc.get("env"))
        pid = _pid_from_file(svc.get("pidfile", ""))
        if pid and _mntns(pid) == ns:
            _stop([pid], term_timeout=10)

    # 3. dockerd (it stops its managed containerd)
    if dockerd_up:
        _stop([dockerd_pid], term_timeout=30)

    # 4. whatever is left: container processes (by cgroup), then containerd,
    #    shims and anything else started in the namespace or naming tmp.
    _kill(_cgroup_pids(st.get("cgroup_parent")), signal.SIGKILL)
    leftovers = []
    me = os.getpid()
    for pid in _pids():
        if pid in (me, holder):
            continue
        cmdline = _cmdline(pid)
        if "dockerd_harness.py --" in cmdline:
            continue  # the watchdog (or a manual --teardown)
        if (ns and _mntns(pid) == ns) or (tmp + "/") in cmdline:
            leftovers.append(pid)
    _stop(leftovers, term_timeout=5)

    # 5. unmount everything under tmp in the namespace, then drop the namespace
    if holder:
        r = ns_run(["cat", "/proc/self/mounts"])
        for mp in _mounts_under(tmp, r.stdout if r else ""):
            r2 = ns_run([UMOUNT, mp])
            if r2 is None or r2.returncode != 0:
                ns_run([UMOUNT, "-l", mp])
        _stop([holder], term_timeout=5)
    if ns:
        stragglers = [p for p in _pids() if _mntns(p) == ns and p != me]
        _kill(stragglers, signal.SIGKILL)
        _wait_gone(stragglers, 10)

    # 6. loop devices backed by files under tmp (autoclear may lag a little)
    deadline = time.monotonic() + 15
    while True:
        devs = _loop_devices_under(tmp)
        if not devs:
            break
        for dev in devs:
            subprocess.run([LOSETUP, "-d", dev], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if time.monotonic() > deadline:
            _log("loop devices still attached: %s" % devs)
            break
        time.sleep(0.2)

    # 7. host mounts under tmp (there should be none), cgroups, the dir
    for mp in _mounts_under(tmp, _read("/proc/self/mounts")):
        subprocess.run([UMOUNT, "-l", mp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _remove_cgroups(st.get("cgroup_parent"))
    shutil.rmtree(tmp, ignore_errors=True)
    if os.path.exists(tmp):
        # immutable files or busy mounts: one more lazy pass
        for mp in _mounts_under(tmp, _read("/proc/self/mounts")):
            subprocess.run([UMOUNT, "-l", mp], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    if os.path.exists(tmp):
        _log("could not remove %s" % tmp)


def _watchdog_main(tmp):
    """Detached from the test: wait for its pipe to close, then clean up."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    if os.path.isdir(tmp):
        teardown(tmp)


def _spawn_watchdog(tmp):
    """A grandchild re-parented away from us, so that a tree-kill of the test
    (ctest timeout) misses it; it cleans up when our end of the pipe closes."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(w)
            os.setsid()
            if os.fork() != 0:
                os._exit(0)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(r, 0)
            os.dup2(devnull, 1)
            log = os.open(os.path.join(tmp, "watchdog.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            os.dup2(log, 2)
            os.closerange(3, 65536)  # nothing of the test's (e.g. ctest's pipes) stays open
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), "--watchdog", tmp])
        except BaseException:
            os._exit(1)
    os.close(r)
    os.waitpid(pid, 0)
    os.set_inheritable(w, False)
    return w


# ---------------------------------------------------------------- harness

class PrivateDocker:
    """start(): namespace, private dockerd, plugin specs. close(): teardown."""

    def __init__(self, prefix="rexray-e2e."):
        from testkit import scratch_dir  # beside this file
        self.tmp = scratch_dir(prefix)
        os.chmod(self.tmp, 0o755)
        self.sock = os.path.join(self.tmp, "docker.sock")
        self.log_path = os.path.join(self.tmp, "dockerd.log")
        self.state = {"tmp": self.tmp, "cgroup_parent": "/" + os.path.basename(self.tmp),
                      "services": []}
        self.holder = None
        self.dockerd = None
        self._watchdog_fd = None
        self._closed = False
        self._save()
        self.env = dict(os.environ, DOCKER_CONFIG=os.path.join(self.tmp, "cli"),
                        DOCKER_HOST="unix://" + self.sock)
        self.env.pop("DOCKER_CONTEXT", None)
        os.makedirs(os.path.join(self.tmp, "cli"))
        atexit.register(self.close)

    # -- state
    def _save(self):
        path = os.path.join(self.tmp, "state.json")
        with open(path + ".new", "w") as f:
            json.dump(self.state, f)
        os.replace(path + ".new", path)

    def register_service(self, name, pidfile, stop_cmd=None, env=None):
        """A daemon started in the namespace; teardown runs stop_cmd (in the
        namespace, with env), then kills the pid in pidfile if still alive."""
        self.state["services"].append({"name": name, "pidfile": pidfile,
                                       "stop_cmd": stop_cmd, "env": env or {}})
        self._save()

    # -- running things
    def ns_cmd(self, cmd):
        return [NSENTER, "--target", str(self.holder.pid), "--mount", "--"] + list(cmd)

    def ns(self, cmd, env=None, timeout=120, input=None):
        """Run cmd inside the namespace; returns CompletedProcess (text)."""
        e = dict(os.environ)
        e.update(env or {})
        return _run(self.ns_cmd(cmd), env=e, timeout=timeout, input=input)

    def docker(self, *args, timeout=120, input=None):
        return _run([DOCKER] + list(args), env=self.env, timeout=timeout, input=input)

    def ns_mounts(self):
        """The namespace's /proc/self/mounts."""
        r = self.ns(["cat", "/proc/self/mounts"], timeout=30)
        return r.stdout

    def log_tail(self, n=40):
        lines = _read(self.log_path).splitlines()
        return "\n".join(lines[-n:])

    def _private_paths_script(self, paths):
        """Shell lines (run in the namespace) putting a fresh tmpfs on each path.
        A path missing on the host cannot be a mount point without creating it
        there, so its nearest existing ancestor gets an overlay (host dir below,
        upper layer in tmp) first, and the path is created in that overlay."""
        lines, mounts, overlaid = [], [], set()
        for path in paths:
            if not os.path.isdir(path):
                parent = os.path.dirname(path)
                while parent != "/" and not os.path.isdir(parent):
                    parent = os.path.dirname(parent)
                if parent == "/":
                    raise HarnessError("%s is missing on the host; cannot keep it private" % path)
                if parent not in overlaid:
                    overlaid.add(parent)
                    base = os.path.join(self.tmp, "overlay", parent.strip("/").replace("/", "_"))
                    os.makedirs(base + "/upper")
                    os.makedirs(base + "/work")
                    lines.append("mount -t overlay rexray-e2e -o lowerdir=%s,upperdir=%s/upper,"
                                 "workdir=%s/work %s" % (parent, base, base, parent))
                lines.append("mkdir -p %s" % path)
            mounts.append("mount -t tmpfs -o mode=0755 rexray-e2e %s" % path)
        return lines + mounts  # overlays first: they would hide tmpfs below them

    # -- lifecycle
    def start(self, plugin_specs=None, info_timeout=60):
        """plugin_specs: {name: 'unix:///path.sock'} written as
        /etc/docker/plugins/<name>.spec inside the namespace."""
        plugins = os.path.join(self.tmp, "plugins")
        os.makedirs(plugins)
        open(os.path.join(plugins, ".rexray-e2e"), "w").close()
        for name, addr in (plugin_specs or {}).items():
            with open(os.path.join(plugins, name + ".spec"), "w") as f:
                f.write(addr + "\n")

        self._watchdog_fd = _spawn_watchdog(self.tmp)

        self.holder = subprocess.Popen([UNSHARE, "--mount", "--propagation", "private",
                                        "sleep", "infinity"],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        self.state["holder_pid"] = self.holder.pid
        deadline = time.monotonic() + 10
        # wait for the exec of sleep: unshare has made every mount private by then
        while (_read("/proc/%d/comm" % self.holder.pid).strip() != "sleep"
               or _mntns(self.holder.pid) == _mntns(os.getpid())):
            if self.holder.poll() is not None or time.monotonic() > deadline:
                raise HarnessError("unshare --mount failed (exit %s)" % self.holder.poll())
            time.sleep(0.02)
        self.state["mntns"] = _mntns(self.holder.pid)
        self._save()

        script = ["set -e"] + self._private_paths_script(PRIVATE_TMPFS) + [
            "mkdir -p /run/lock /etc/docker/plugins",
            "chmod 1777 /run/lock",
            "mount --bind %s /etc/docker/plugins" % plugins]
        r = self.ns(["/bin/sh", "-c", "\n".join(script)], timeout=30)
        if r.returncode != 0:
            raise HarnessError("namespace setup failed: %s %s" % (r.stdout, r.stderr))
        r = self.ns(["/bin/sh", "-c", "test -f /etc/docker/plugins/.rexray-e2e"], timeout=30)
        if r.returncode != 0:
            raise HarnessError("the namespace's /etc/docker/plugins is not ours")

        config = os.path.join(self.tmp, "daemon.json")
        with open(config, "w") as f:
            json.dump({"cgroup-parent": self.state["cgroup_parent"]}, f)
        for d in ("data", "exec"):
            os.makedirs(os.path.join(self.tmp, d))
        cmd = [DOCKERD, "--iptables=false", "--ip-masq=false", "--bridge=none",
               "--storage-driver=vfs", "--data-root", os.path.join(self.tmp, "data"),
               "--exec-root", os.path.join(self.tmp, "exec"),
               "--pidfile", os.path.join(self.tmp, "docker.pid"),
               "--config-file", config, "-H", "unix://" + self.sock]
        logf = open(self.log_path, "ab")
        try:
            self.dockerd = subprocess.Popen(self.ns_cmd(cmd), stdin=subprocess.DEVNULL,
                                            stdout=logf, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        finally:
            logf.close()
        # nsenter execs dockerd, so this pid is dockerd's
        self.state["dockerd_pid"] = self.dockerd.pid
        self._save()

        deadline = time.monotonic() + info_timeout
        while True:
            if self.dockerd.poll() is not None:
                raise HarnessError("dockerd exited with %s; log tail:\n%s"
                                   % (self.dockerd.returncode, self.log_tail()))
            if os.path.exists(self.sock):
                r = self.docker("info", "--format", "{{.ServerVersion}}", timeout=20)
                if r.returncode == 0 and r.stdout.strip():
                    self.server_version = r.stdout.strip()
                    return self
            if time.monotonic() > deadline:
                raise HarnessError("dockerd not ready after %ss; log tail:\n%s"
                                   % (info_timeout, self.log_tail()))
            time.sleep(0.25)

    def import_busybox(self, image):
        """An image with /bin/busybox and a few applet links; no registry."""
        rootfs = os.path.join(self.tmp, "rootfs")
        os.makedirs(os.path.join(rootfs, "bin"))
        for d in ("tmp", "proc", "sys", "dev", "etc"):
            os.makedirs(os.path.join(rootfs, d))
        shutil.copy2("/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
        for applet in ("sh", "cat", "echo", "sleep", "ls", "mount", "test", "true"):
            os.symlink("busybox", os.path.join(rootfs, "bin", applet))
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        try:
            r = subprocess.run([DOCKER, "import", "-", image], env=self.env, stdin=tar.stdout,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=120)
        finally:
            tar.stdout.close()
            tar.wait()
        if r.returncode != 0 or tar.returncode != 0:
            raise HarnessError("docker import failed: %s" % r.stdout)
        return r.stdout.strip()

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:  # a second Ctrl-C must not cut the teardown short
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
        except ValueError:
            pass  # not the main thread
        try:
            teardown(self.tmp)
        finally:
            for p in (self.dockerd, self.holder):
                if p is not None:
                    try:
                        p.wait(timeout=1)
                    except (subprocess.TimeoutExpired, OSError):
                        pass
            if self._watchdog_fd is not None:
                os.close(self._watchdog_fd)  # the watchdog sees EOF, finds no dir, exits
                self._watchdog_fd = None


def _run(cmd, env=None, timeout=120, input=None):
    try:
        return subprocess.run(cmd, env=env, input=input, text=True,
                              stdin=None if input is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return subprocess.CompletedProcess(cmd, 124, out, err + "\n(timed out after %ss)" % timeout)


def install_signal_handlers(cleanup):
    """SIGINT/SIGTERM/SIGHUP: clean up, then exit 128+sig."""
    def handler(signum, _frame):
        _log("signal %d: cleaning up" % signum)
        try:
            cleanup()
        finally:
            os._exit(128 + signum)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


def run_test(report, pd, body, dump_logs):
    """Runs body() against pd for a test that reports to report (testkit's
    Report): a signal, a harness failure or a bug in the test is a failed
    check; dump_logs() runs when anything failed; pd is torn down whatever
    happened. Returns the test's exit status."""
    from testkit import diag  # noqa: E402 - testkit lives beside this file
    t0 = time.monotonic()

    def on_signal():
        report.check("not interrupted", False, "stopped by a signal; cleaning up")
        pd.close()
        report.finish()
    install_signal_handlers(on_signal)
    try:
        body()
    except HarnessError as exc:
        report.check("harness", False, str(exc).splitlines()[0])
        diag(str(exc))
    except Exception as exc:  # a bug here must still fail and clean up
        import traceback
        report.check("no unexpected exception", False, "%s: %s" % (type(exc).__name__, exc))
        diag(traceback.format_exc())
    finally:
        if report.failed:
            dump_logs()
        pd.close()
        diag("cleaned up %s; %.1fs in all" % (pd.tmp, time.monotonic() - t0))
    return report.finish()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--watchdog":
        _watchdog_main(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--teardown":
        teardown(sys.argv[2])
    else:
        sys.stderr.write("usage: %s --teardown <tmp>\n" % sys.argv[0])
        sys.exit(2)
