"""Shared by the Python integration tests: TAP-like reporting, strict RFC 3339
parsing, and HTTP/1.1 over a unix socket (how Docker talks to a plugin)."""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone


class Report:
    """One `ok - …`/`FAIL - …` line per check, then `N passed, M failed`."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, what, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok - %s" % what, flush=True)
        else:
            self.failed += 1
            detail = " ".join(str(detail).split())
            if len(detail) > 700:
                detail = detail[:700] + "..."
            print("FAIL - %s%s" % (what, ": " + detail if detail else ""), flush=True)
        return bool(cond)

    def skip_as_failed(self, names, why):
        for name in names:
            self.check(name, False, why)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 else 1


def diag(text):
    for line in str(text).splitlines():
        print("# " + line, flush=True)


def poll(fn, timeout, interval=0.2):
    """fn() until truthy or timeout; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(s):
    """A datetime, or None when s is not RFC 3339 (strict, as Go's time.RFC3339)."""
    m = RFC3339.match(s if isinstance(s, str) else "")
    if not m:
        return None
    try:
        dt = datetime.strptime(m.group(1) + "T" + m.group(2), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    zone = m.group(4)
    if zone in ("Z", "z"):
        return dt.replace(tzinfo=timezone.utc)
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours > 23 or minutes > 59:
        return None
    off = timedelta(hours=hours, minutes=minutes)
    return dt.replace(tzinfo=timezone(off if zone[0] == "+" else -off))


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 over a unix socket, as Docker's plugin client."""

    def __init__(self, path, timeout=130):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def mounts():
    """[(device, mountpoint, fstype)] from /proc/self/mounts."""
    out = []
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                mp = parts[1].encode().decode("unicode_escape")  # \040 and friends
                out.append((parts[0], mp, parts[2]))
    return out


def mount_of(mountpoint):
    """(device, fstype) mounted at mountpoint, or None."""
    for dev, mp, fs in mounts():
        if mp == mountpoint:
            return dev, fs
    return None


def loop_backing_files():
    """{"/dev/loopN": backing file} for every bound loop device."""
    out = {}
    try:
        names = os.listdir("/sys/block")
    except OSError:
        return out
    for name in names:
        if not name.startswith("loop"):
            continue
        try:
            with open("/sys/block/%s/loop/backing_file" % name) as f:
                b = f.read().strip()
        except OSError:
            continue
        out["/dev/" + name] = b[:-len(" (deleted)")] if b.endswith(" (deleted)") else b
    return out


def process_alive(pid):
    """True while pid runs (a zombie does not count)."""
    if not pid:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class DaemonControl:
    """Stopping and inspecting a rexray daemon, for a test helper class that
    has .pid, .log (the daemon's log file) and .cli(*args, timeout=...)."""

    def alive(self):
        return process_alive(self.pid)

    def stop(self):
        """`rexray stop`, then SIGKILL if it is still there after 10 s."""
        if not self.pid:
            return
        try:
            self.cli("stop", timeout=70)
        except Exception:  # noqa: BLE001 - fall through to SIGKILL
            pass
        poll(lambda: not self.alive(), 10, 0.05)
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        self.pid = None

    def log_tail(self, n=30):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"


def rexray_binary():
    """$REXRAY, else $BUILD/bin/rexray, as an absolute path; None (after
    saying what to set) when it is not an executable."""
    binary = os.environ.get("REXRAY") or os.path.join(os.environ.get("BUILD", ""), "bin/rexray")
    if not os.access(binary, os.X_OK):
        print("set REXRAY to the rexray binary (or BUILD to the build dir)", file=sys.stderr)
        return None
    return os.path.abspath(binary)


def exit_on_signals():
    """SIGINT, SIGTERM and SIGHUP raise SystemExit, so that every `finally`
    runs and a killed test still cleans up."""
    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)


def unmount_under(root):
    """Lazily unmounts every mount below root, deepest first."""
    for _, mp, _ in sorted(mounts(), key=lambda m: -len(m[1])):
        if mp.startswith(root + "/"):
            subprocess.run(["umount", "-l", mp], capture_output=True)


def detach_loops_under(root):
    """Detaches every loop device whose backing file lies below root."""
    for dev, backing in loop_backing_files().items():
        if backing.startswith(root + "/"):
            subprocess.run(["losetup", "-d", dev], capture_output=True)


def leftovers_under(root):
    """(mounts, loop devices) still below root."""
    return ([mp for _, mp, _ in mounts() if mp.startswith(root + "/")],
            [d for d, b in loop_backing_files().items() if b.startswith(root + "/")])


def stop_all(things, what):
    """thing.stop() for each that is set; a failure is reported, not raised,
    so that the rest still stop."""
    for thing in things:
        if not thing:
            continue
        try:
            thing.stop()
        except Exception as e:  # noqa: BLE001
            diag("stopping the %s: %s" % (what, e))


def run_sections(report, sections, after_failure=None):
    """Runs each section; one that raises is a failed check, and the rest
    still run. after_failure() is called then (to show logs)."""
    for section in sections:
        try:
            section()
        except Exception as e:  # noqa: BLE001 - one broken section must not hide the rest
            report.check("section %s ran to the end" % section.__name__, False, repr(e))
            if after_failure:
                after_failure()


# ---- scratch directories that outlive a killed run ---------------------------
# ctest ends a test that runs past its timeout with SIGKILL, so no `finally`
# runs: its daemon, emulators, mounts and loop devices stay. Every scratch
# directory is therefore tagged with its owner (PID and start time, so a
# reused PID does not pass for it), and the next test that makes one cleans up
# after any owner that is gone.

OWNER_FILE = ".rexray-test-owner"


def _start_time(pid):
    """The process's start time in clock ticks since boot, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[19]
    except (OSError, IndexError):
        return None


def _processes_using(root):
    """PIDs of processes (other than this one) whose command line or
    environment names a path below root: a daemon's REXRAY_HOME, an
    emulator's state directory."""
    needle = (root + "/").encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                with open("/proc/%s/%s" % (entry, part), "rb") as f:
                    text = f.read().replace(b"\0", b" ") + b" "
            except OSError:
                continue
            if needle in text or (root.encode() + b" ") in text:
                found.append(int(entry))
                break
    return found


def sweep_abandoned(base="/tmp"):
    """Removes the scratch directories (see scratch_dir) whose owner is gone,
    with what they left: processes, mounts, loop devices. Returns their paths."""
    swept = []
    try:
        names = os.listdir(base)
    except OSError:
        return swept
    for name in names:
        root = os.path.join(base, name)
        try:
            with open(os.path.join(root, OWNER_FILE)) as f:
                pid, started = f.read().split()
        except (OSError, ValueError):
            continue
        if _start_time(int(pid)) == started:
            continue  # its owner still runs (another test, in parallel)
        for p in _processes_using(root):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        unmount_under(root)
        detach_loops_under(root)
        subprocess.run(["rm", "-rf", "--one-file-system", root], capture_output=True)
        swept.append(root)
    return swept


def scratch_dir(prefix, base="/tmp"):
    """A new directory for one test run (its REXRAY_HOME, its emulators'
    state), after sweeping those of runs that were killed."""
    for root in sweep_abandoned(base):
        diag("removed %s, left by a run that was killed" % root)
    root = os.path.realpath(tempfile.mkdtemp(prefix=prefix, dir=base))
    with open(os.path.join(root, OWNER_FILE), "w") as f:
        f.write("%d %s\n" % (os.getpid(), _start_time(os.getpid())))
    return root
