#!/usr/bin/python3
"""Nothing lost, nobody locked out: the daemon SIGKILLed at random moments.

N callers speak Docker's volume plugin protocol to `rexray start -f` (private
REXRAY_HOME, the daemon's own socket under it, no dockerd) and create, mount,
unmount and remove `vfs` volumes. The first mount of a volume writes a file
of random bytes; every later mount checks it. Meanwhile the daemon is
SIGKILLed, either at a random moment or a few milliseconds after a chosen
request went out (the first milliseconds of a Mount, its mkfs, a Create, a
Remove, an Unmount), and started again.

The rule for a request cut by a kill: its outcome is unknown, so the caller
re-issues the same request (same mount ID) until it gets an answer, as
Docker's own retry does. Mount and Unmount by ID are idempotent, a repeated
Create finds the volume, and a repeated Remove may answer "not found". Only
answered requests change what a caller believes it holds.

Every answer must be a success (callers remove only volumes nobody holds), and
at the end:
- each volume's refcount, in the state database and in Docker's Get, equals
  the mounts the callers hold;
- every file written is intact;
- after the callers unmount and remove everything and the daemon stops, no
  mount, loop device or image file is left.

A failure prints the seed that replays the same choices (thread timing
aside): crashtest.py --seed N --kills K.

Env: REXRAY (the binary; default $BUILD/bin/rexray), BUILD. Root only (loop
devices, mkfs, mount). Python 3 standard library only.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testkit import (Report, UnixHTTPConnection, diag, exit_on_signals,  # noqa: E402
                     leftovers_under, detach_loops_under, poll, rexray_binary, unmount_under)
from testkit import scratch_dir  # noqa: E402
from docker_protocol import hermetic_env  # noqa: E402

PAYLOAD = "payload"
# How long one request may take before the test calls it hung: dockerd's own
# limit for Create and Mount.
REQUEST_TIMEOUT = 120
# How long the callers may take to finish their last requests after the last
# kill (a healthy daemon answers in milliseconds).
CALLERS_FINISH_BUDGET = 90


class Cut(Exception):
    """The connection failed: the daemon died before (or while) answering."""


class Daemon:
    """`rexray start -f --nopid`, killed and started again at will."""

    def __init__(self, rexray, home):
        self.rexray = rexray
        self.home = home
        self.sock = os.path.join(home, "run/docker/plugins/rexray.sock")
        self.out = os.path.join(home, "daemon.out")
        # Small volumes keep mkfs short; implicit creates (a Mount of an
        # unknown name) get the same size.
        self.env = hermetic_env(home, {"VOLUME_CREATE_DEFAULT_SIZE": "1"})
        self.proc = None
        self.starts = 0

    def start(self):
        with open(self.out, "ab") as out:
            self.proc = subprocess.Popen([self.rexray, "start", "-f", "--nopid"], env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)
        self.starts += 1

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                # SIGKILL waits for the system call it interrupts: say which.
                raise RuntimeError("the daemon (PID %d) did not die within 60 s of SIGKILL:\n%s"
                                   % (self.proc.pid, threads_of(self.proc.pid)))

    def stop(self):
        """SIGTERM (a clean stop), then SIGKILL if it does not go."""
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, n=40):
        try:
            with open(self.out, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"


def call(sock, method, body):
    """One POST; Cut when the daemon is not there or dies before answering."""
    conn = UnixHTTPConnection(sock, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("POST", "/VolumeDriver." + method, body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        raw = r.read()
    except socket.timeout:
        raise
    except (OSError, ConnectionError, EOFError) as e:  # refused, reset, no socket file
        raise Cut(str(e))
    except Exception as e:  # http.client's RemoteDisconnected and BadStatusLine
        if type(e).__module__ == "http.client":
            raise Cut(str(e))
        raise
    finally:
        conn.close()
    return json.loads(raw.decode() or "{}")


class World:
    """What the callers know: answered requests only."""

    def __init__(self, volumes):
        self.guard = threading.Lock()
        self.locks = {v: threading.Lock() for v in volumes}
        self.exists = {v: False for v in volumes}
        self.expected = {v: None for v in volumes}  # sha256 of the payload, or None
        self.held = {v: set() for v in volumes}  # mount IDs acknowledged
        self.failures = []
        self.sent = {op: threading.Event() for op in ("Create", "Mount", "Unmount", "Remove")}
        self.counts = {}

    def fail(self, what):
        with self.guard:
            self.failures.append(what)

    def count(self, what):
        with self.guard:
            self.counts[what] = self.counts.get(what, 0) + 1


class Caller(threading.Thread):
    def __init__(self, index, seed, daemon, world, stop):
        super().__init__(name="caller-%d" % index, daemon=True)
        self.index = index
        self.rng = random.Random(seed * 1000 + index)
        self.daemon_ = daemon
        self.world = world
        self.stop = stop
        self.mine = []  # (volume, mount ID) this caller holds
        self.serial = 0
        self.inflight = None  # (method, body, monotonic start) while a request is out

    def request(self, method, body):
        """Re-issued until answered (the rule for a cut request)."""
        first = True
        while True:
            if first:
                self.world.sent[method].set()
            self.inflight = (method, body, time.monotonic())
            try:
                return call(self.daemon_.sock, method, body), first
            except Cut:
                self.world.count("re-issued " + method)
                first = False
                time.sleep(0.02)
            finally:
                self.inflight = None

    def expect_ok(self, method, body, reply):
        if reply.get("Err"):
            self.world.fail("%s %s answered %r" % (method, json.dumps(body), reply["Err"]))
            return False
        return True

    def mount(self, vol):
        w = self.world
        reply, _ = self.request("Create", {"Name": vol, "Opts": {"size": "1"}})
        if not self.expect_ok("Create", {"Name": vol}, reply):
            return
        w.exists[vol] = True
        self.serial += 1
        mount_id = "c%d-%d" % (self.index, self.serial)
        body = {"Name": vol, "ID": mount_id}
        reply, _ = self.request("Mount", body)
        if not self.expect_ok("Mount", body, reply):
            return
        w.held[vol].add(mount_id)
        self.mine.append((vol, mount_id))
        w.count("mounts")
        self.check_payload(vol, reply.get("Mountpoint", ""))

    def check_payload(self, vol, path):
        w = self.world
        if not path or not os.path.isdir(path):
            w.fail("Mount of %s gave %r, not a directory" % (vol, path))
            return
        f = os.path.join(path, PAYLOAD)
        if w.expected[vol] is None:
            if os.path.exists(f):
                w.fail("%s: a fresh volume already holds %s" % (vol, PAYLOAD))
            data = self.rng.randbytes(64 * 1024)
            with open(f, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            w.expected[vol] = hashlib.sha256(data).hexdigest()
            return
        try:
            with open(f, "rb") as src:
                got = hashlib.sha256(src.read()).hexdigest()
        except OSError as e:
            got = "unreadable: %s" % e
        if got != w.expected[vol]:
            w.fail("%s: %s at %s is %s, expected %s" % (vol, PAYLOAD, path, got, w.expected[vol]))
        else:
            w.count("checksums verified")

    def unmount(self, vol, mount_id):
        body = {"Name": vol, "ID": mount_id}
        reply, _ = self.request("Unmount", body)
        if self.expect_ok("Unmount", body, reply):
            self.world.held[vol].discard(mount_id)
            self.mine.remove((vol, mount_id))

    def remove(self, vol):
        w = self.world
        reply, first = self.request("Remove", {"Name": vol})
        err = reply.get("Err", "")
        # A re-issued Remove whose first try went through finds nothing.
        if err and not (not first and "not found" in err):
            w.fail("Remove %s (nobody holds it) answered %r" % (vol, err))
            return
        w.exists[vol] = False
        w.expected[vol] = None
        w.count("removes")

    def step(self, volumes):
        w = self.world
        # A caller holds a few mounts at most, so volumes fall free and get
        # removed and created again (each new one is formatted: mkfs).
        if len(self.mine) >= 2 or (self.mine and self.rng.random() < 0.5):
            vol, mount_id = self.rng.choice(self.mine)
            with w.locks[vol]:
                self.unmount(vol, mount_id)
            return
        vol = self.rng.choice(volumes)
        with w.locks[vol]:
            if w.exists[vol] and not w.held[vol] and self.rng.random() < 0.3:
                self.remove(vol)
            else:
                self.mount(vol)

    def run(self):
        volumes = sorted(self.world.locks)
        try:
            while not self.stop.is_set():
                self.step(volumes)
        except Exception as e:  # noqa: BLE001 - a broken caller is a failure, not a hang
            self.world.fail("%s stopped: %r" % (self.name, e))


def killer(rng, daemon, world, kills):
    """Kills `kills` times: at a random moment, or a few ms after a chosen
    request went out, and starts the daemon again each time."""
    modes = [("Mount", 0.005), ("Mount", 0.25), ("Create", 0.02), ("Remove", 0.02),
             ("Unmount", 0.02), (None, 0.4)]
    for n in range(kills):
        op, spread = rng.choice(modes)
        if op:
            world.sent[op].clear()
            world.sent[op].wait(3)  # a rare op need not come: kill anyway
        time.sleep(rng.uniform(0, spread))
        daemon.kill()
        world.count("kills after %s" % (op or "a random wait"))
        if (n + 1) % max(1, kills // 10) == 0:
            diag("kill %d/%d" % (n + 1, kills))
        daemon.start()


def threads_of(pid):
    """Each thread of a process, with what the kernel has it waiting in (its
    state, wchan and kernel stack): for a daemon that stopped answering."""
    out = []
    for tid in sorted(os.listdir("/proc/%d/task" % pid)) if pid and os.path.isdir("/proc/%d" % pid) else []:
        base = "/proc/%d/task/%s/" % (pid, tid)
        parts = []
        for name in ("comm", "wchan", "stat", "stack"):
            try:
                with open(base + name) as f:
                    text = f.read().strip()
            except OSError:
                continue
            if name == "stat":
                text = "state " + text.split(")")[-1].split()[0]
            parts.append(text.replace("\n", " | "))
        out.append("thread %s: %s" % (tid, "; ".join(parts)))
    return "\n".join(out) or "(no daemon process)"


def db_counts(home):
    """{volume name: set of caller IDs} from the state database."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(home, "var/lib/rexray/rexray.db"),
                         uri=True, timeout=30)
    try:
        out = {}
        for name, caller in db.execute("SELECT volume_name, caller_id FROM mounts"):
            out.setdefault(name, set()).add(caller)
        return out
    finally:
        db.close()


def vfs_files(home):
    d = os.path.join(home, "var/lib/rexray/vfs/volumes")
    return sorted(n for n in os.listdir(d) if n != ".lock") if os.path.isdir(d) else []


def final_checks(report, daemon, world, home):
    w = world
    # Another start after the last kill: reconcile must keep what is held.
    daemon.kill()
    daemon.start()
    ready = poll(lambda: os.path.exists(daemon.sock) and _capabilities(daemon.sock), 30, 0.05)
    report.check("the daemon answers after the last restart", ready)
    got = db_counts(home)
    want = {v: set(ids) for v, ids in w.held.items() if ids}
    report.check("refcounts in the state database equal the mounts the callers hold",
                 got == want, "db %s, callers %s" % (got, want))
    wrong = []
    for vol in sorted(w.locks):
        if not w.exists[vol]:
            continue
        reply = call(daemon.sock, "Get", {"Name": vol})
        mp = (reply.get("Volume") or {}).get("Mountpoint", "")
        if bool(mp) != bool(w.held[vol]):
            wrong.append((vol, mp, sorted(w.held[vol])))
    report.check("Docker Get shows a mount point exactly for the volumes held", not wrong, wrong)
    before = len(w.failures)
    for vol in sorted(w.locks):
        if w.held[vol]:
            reply = call(daemon.sock, "Mount", {"Name": vol, "ID": next(iter(w.held[vol]))})
            Caller(0, 0, daemon, w, None).check_payload(vol, reply.get("Mountpoint", ""))
    report.check("every payload is intact at the end", len(w.failures) == before,
                 w.failures[before:])
    # Everyone leaves: unmount all, remove all; each must succeed.
    errors = []
    for vol in sorted(w.locks):
        for mount_id in sorted(w.held[vol]):
            err = call(daemon.sock, "Unmount", {"Name": vol, "ID": mount_id}).get("Err")
            if err:
                errors.append(("Unmount", vol, err))
        if w.exists[vol]:
            err = call(daemon.sock, "Remove", {"Name": vol}).get("Err")
            if err:
                errors.append(("Remove", vol, err))
    report.check("after the run every volume unmounts and removes", not errors, errors)
    listed = call(daemon.sock, "List", {}).get("Volumes")
    report.check("no volume is left", listed == [], listed)
    daemon.stop()
    mounts, loops = leftovers_under(home)
    report.check("no mount or loop device is left", not mounts and not loops, (mounts, loops))
    files = vfs_files(home)
    report.check("no image or metadata file is left", not files, files)


def _capabilities(sock):
    try:
        return "Capabilities" in call(sock, "Capabilities", {})
    except Cut:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--callers", type=int, default=4)
    parser.add_argument("--volumes", type=int, default=6)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    replay = "replay: %s --seed %d --kills %d --callers %d --volumes %d" % (
        sys.argv[0], seed, args.kills, args.callers, args.volumes)
    rexray = rexray_binary()
    if not rexray:
        return 2
    report = Report()
    home = scratch_dir("rexray-crash.")
    daemon = Daemon(rexray, home)
    exit_on_signals()
    started = time.monotonic()
    diag("seed %d" % seed)
    try:
        world = World(["crash%d" % i for i in range(args.volumes)])
        stop = threading.Event()
        daemon.start()
        callers = [Caller(i + 1, seed, daemon, world, stop) for i in range(args.callers)]
        for c in callers:
            c.start()
        killer(random.Random(seed), daemon, world, args.kills)
        stop.set()
        # One budget for all callers, well inside ctest's timeout, so that a
        # request stuck in the daemon is reported here with what it was
        # waiting for, not cut off silently.
        deadline = time.monotonic() + CALLERS_FINISH_BUDGET
        for c in callers:
            c.join(max(0.0, deadline - time.monotonic()))
        stuck = [c for c in callers if c.is_alive()]
        report.check("every caller finished", not stuck, [
            "%s: %s %s for %.0f s" % (c.name, c.inflight[0], json.dumps(c.inflight[1]),
                                      time.monotonic() - c.inflight[2])
            for c in stuck if c.inflight])
        if stuck:
            diag(daemon.log_tail())
            diag(threads_of(daemon.proc.pid if daemon.proc else 0))
            diag(replay)
            return report.finish()
        report.check("every request was answered with success (%d kills)" % args.kills,
                     not world.failures, world.failures[:20])
        report.check("kills cut requests that were then sent again",
                     any(k.startswith("re-issued") for k in world.counts), world.counts)
        report.check("payloads were verified after mounts",
                     world.counts.get("checksums verified", 0) > 0, world.counts)
        final_checks(report, daemon, world, home)
        diag("counts: %s" % json.dumps(world.counts, sort_keys=True))
        diag("%d kills in %.1f s" % (args.kills, time.monotonic() - started))
        if report.failed:
            diag(daemon.log_tail())
            diag(replay)
        return report.finish()
    except BaseException:
        diag(replay)
        raise
    finally:
        daemon.kill()
        unmount_under(home)
        detach_loops_under(home)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
