#!/usr/bin/python3
"""Docker volume plugin protocol, spoken by hand to the rexray daemon.

Starts its own daemon (`rexray start`, REXRAY_HOME = a fresh temp dir) and
calls every VolumeDriver endpoint over HTTP/1.1 on the unix sockets, as
dockerd and Mesos' dvdcli do, checking the exact JSON of every reply and of
every error. Real loop devices, mkfs and mounts: run as root.

Env: REXRAY (the binary; default $BUILD/bin/rexray), BUILD (the build dir).
Python 3 standard library only.

Prints one "ok - ..." / "FAIL - ..." line per check, then "N passed, M failed";
exits non-zero when any check failed.
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testkit import (DaemonControl, Report, UnixHTTPConnection, diag, exit_on_signals,
                     loop_backing_files, mount_of, mounts, parse_rfc3339, rexray_binary)  # noqa: E402
from testkit import scratch_dir  # noqa: E402

CONTENT_TYPE = "application/vnd.docker.plugins.v1+json"
START_BANNER = "Starting REX-Ray...SUCCESS!"
ERR_OK = {"Err": ""}


class Reply:
    def __init__(self, status, raw, content_type):
        self.status = status
        self.raw = raw
        self.content_type = content_type
        try:
            self.json = json.loads(raw.decode("utf-8"))
        except ValueError:
            self.json = None

    def __repr__(self):
        return "HTTP %s %s" % (self.status, self.raw.decode("utf-8", "replace"))

    def err(self):
        return self.json.get("Err") if isinstance(self.json, dict) else None

    def is_error(self, status=500, contains=None):
        """HTTP `status` with exactly {"Err": non-empty}, optionally containing text."""
        if self.status != status or not isinstance(self.json, dict):
            return False
        if set(self.json) != {"Err"} or not isinstance(self.json["Err"], str) or not self.json["Err"]:
            return False
        return contains is None or contains in self.json["Err"]


def call(sock, method, body=None):
    """POST /<method>. body: a JSON-able value, or raw bytes/str sent as is."""
    if body is None:
        data = b"{}"
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        data = json.dumps(body).encode("utf-8")
    conn = UnixHTTPConnection(sock)
    try:
        conn.request("POST", "/" + method, body=data,
                     headers={"Accept": "application/vnd.docker.plugins.v1.2+json",
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        return Reply(r.status, r.read(), r.getheader("Content-Type"))
    finally:
        conn.close()


# ---------------------------------------------------------------- the host

def loops_of(image):
    return [d for d, b in loop_backing_files().items() if b == image or b == image + " (deleted)"]


def tree(root):
    """Every path under root, minus the log, the state db and the sockets' dirs."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if rel.startswith("var/log"):
            continue
        for n in dirnames + filenames:
            p = os.path.normpath(os.path.join(rel, n))
            if re.search(r"\.db(-wal|-shm|-journal)?$", n):
                continue
            out.add(p)
    return out


def hermetic_env(home, extra=None):
    """The caller's environment without any rexray/volume setting, plus ours."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("REXRAY_", "VOLUME_", "LIBSTORAGE_", "VFS_"))}
    env["REXRAY_HOME"] = home
    env["HOME"] = home  # no ~/.rexray/config.yml from the host
    env.update(extra or {})
    return env


class Daemon(DaemonControl):
    def __init__(self, rexray, home):
        self.rexray = rexray
        self.home = home
        self.pid = None
        self.env = hermetic_env(home)
        self.plugins = os.path.join(home, "run/docker/plugins")
        self.sock = os.path.join(self.plugins, "rexray.sock")
        self.vfs_sock = os.path.join(self.plugins, "vfs.sock")
        self.control = os.path.join(home, "var/run/rexray/rexray.sock")
        self.log = os.path.join(home, "var/log/rexray/rexray.log")

    def cli(self, *args, timeout=120):
        return subprocess.run([self.rexray, *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def start(self, extra_env=None):
        self.env = hermetic_env(self.home, extra_env)
        r = self.cli("start", timeout=90)
        m = re.search(r"running at PID (\d+)", r.stdout)
        if r.returncode != 0 or START_BANNER not in r.stdout or not m:
            raise RuntimeError("rexray start: exit %s; %s %s" % (r.returncode, r.stdout, r.stderr))
        self.pid = int(m.group(1))
        # Sockets are bound before READY; the service itself may still be
        # starting, which the front end waits for.
        return self.pid



def cleanup(daemon, home):
    try:
        daemon.stop()
    except Exception as e:  # noqa: BLE001
        diag("stopping the daemon: %s" % e)
    # Mounts under home, deepest first.
    for _, mp, _ in sorted(mounts(), key=lambda m: -len(m[1])):
        if mp == home or mp.startswith(home + "/"):
            subprocess.run(["umount", "-l", mp], capture_output=True)
    for dev, backing in loop_backing_files().items():
        if backing.startswith(home + "/"):
            subprocess.run(["losetup", "-d", dev], capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


# ---------------------------------------------------------------- the checks

class Tests:
    def __init__(self, report, daemon):
        self.r = report
        self.d = daemon
        self.home = daemon.home
        self.volumes_dir = os.path.join(self.home, "var/lib/rexray/volumes")
        self.images_dir = os.path.join(self.home, "var/lib/rexray/vfs/volumes")

    # helpers
    def req(self, method, body=None, sock=None):
        return call(sock or self.d.sock, "VolumeDriver." + method, body)

    def mp(self, name):
        return os.path.join(self.volumes_dir, name)

    def get(self, name):
        rep = self.req("Get", {"Name": name})
        if rep.status == 200 and isinstance(rep.json, dict) and isinstance(rep.json.get("Volume"), dict):
            return rep.json["Volume"]
        return None

    def image_of(self, name):
        v = self.get(name)
        if not v:
            return None
        st = v.get("Status") or {}
        return st.get("image") or os.path.join(self.images_dir, "%s.img" % st.get("id"))

    def list_names(self):
        rep = self.req("List", {})
        if rep.status != 200 or not isinstance(rep.json, dict):
            return None
        return {v.get("Name") for v in rep.json.get("Volumes") or []}

    def expect_ok(self, what, rep, exact=None):
        want = ERR_OK if exact is None else exact
        return self.r.check(what, rep.status == 200 and rep.json == want, rep)

    def expect_mount(self, what, rep, name):
        want = {"Mountpoint": self.mp(name) + "/data", "Err": ""}
        return self.r.check(what, rep.status == 200 and rep.json == want, rep)

    def create(self, name, opts=None):
        body = {"Name": name}
        if opts is not None:
            body["Opts"] = opts
        return self.req("Create", body)

    # -- sections
    def activation(self):
        r = self.r
        rep = call(self.d.sock, "Plugin.Activate", b"")
        r.check("Plugin.Activate with an empty body -> {\"Implements\": [\"VolumeDriver\"]}",
                rep.status == 200 and rep.json == {"Implements": ["VolumeDriver"]}, rep)
        r.check("replies carry Content-Type " + CONTENT_TYPE, rep.content_type == CONTENT_TYPE,
                rep.content_type)
        rep = self.req("Capabilities", {})
        r.check("Capabilities -> {\"Capabilities\": {\"Scope\": \"local\"}} for vfs",
                rep.status == 200 and rep.json == {"Capabilities": {"Scope": "local"}}, rep)
        rep = self.req("Capabilities", b"")
        r.check("Capabilities with an empty body", rep.status == 200 and
                rep.json == {"Capabilities": {"Scope": "local"}}, rep)
        for name in ("rexray.sock", "vfs.sock"):
            p = os.path.join(self.d.plugins, name)
            mode = stat.S_IMODE(os.stat(p).st_mode) if os.path.exists(p) else None
            r.check("socket %s is a socket with mode 0660" % name,
                    mode == 0o660 and stat.S_ISSOCK(os.stat(p).st_mode), oct(mode or 0))
        mode = stat.S_IMODE(os.stat(self.d.control).st_mode) if os.path.exists(self.d.control) else None
        r.check("control socket has mode 0660", mode == 0o660, oct(mode or 0))

    def create_options(self):
        r = self.r
        rep = self.create("opt-a", {"Size": "2", "volumeType": "gold", "IOPS": "100",
                                    "availabilityZone": "az-1", "encrypted": "true"})
        self.expect_ok("Create with Size, volumeType, IOPS, availabilityZone, encrypted", rep)
        v = self.get("opt-a") or {}
        st = v.get("Status") or {}
        r.check("Get: Volume has exactly Name, Mountpoint, CreatedAt, Status",
                set(v) == {"Name", "Mountpoint", "CreatedAt", "Status"}, v)
        r.check("Get: Name and empty Mountpoint while unmounted",
                v.get("Name") == "opt-a" and v.get("Mountpoint") == "", v)
        created = parse_rfc3339(v.get("CreatedAt"))
        now = datetime.now(timezone.utc)
        r.check("Get: CreatedAt is RFC 3339 and recent", created is not None and
                abs((now - created).total_seconds()) < 600, v.get("CreatedAt"))
        r.check("Get: Status has id, size, type, iops, availabilityZone, service",
                {"id", "size", "type", "iops", "availabilityZone", "service"} <= set(st), st)
        r.check("Get: Status.id is a vfs ID", str(st.get("id", "")).startswith("vfs-"), st)
        r.check("Get: Status shows size 2, type gold, iops 100, encrypted, service vfs",
                st.get("size") == 2 and st.get("type") == "gold" and st.get("iops") == 100
                and st.get("encrypted") is True and st.get("service") == "vfs", st)
        rep = self.req("Get", {"Name": "opt-a"})
        r.check("Get: reply is exactly {Volume, Err: \"\"}",
                rep.status == 200 and set(rep.json or {}) == {"Volume", "Err"}
                and rep.json.get("Err") == "", rep)

        self.expect_ok("Create with lower-case size and type",
                       self.create("opt-b", {"size": "1", "type": "silver"}))
        st = (self.get("opt-b") or {}).get("Status") or {}
        r.check("lower-case keys took effect", st.get("size") == 1 and st.get("type") == "silver", st)
        self.expect_ok("Create with upper-case SIZE and VOLUMETYPE",
                       self.create("opt-c", {"SIZE": "3", "VOLUMETYPE": "bronze"}))
        st = (self.get("opt-c") or {}).get("Status") or {}
        r.check("upper-case keys took effect", st.get("size") == 3 and st.get("type") == "bronze", st)

        self.expect_ok("Create with \"Opts\": null",
                       self.req("Create", {"Name": "opt-null", "Opts": None}))
        r.check("Opts: null made the volume", self.get("opt-null") is not None)
        self.expect_ok("Create without Opts", self.req("Create", {"Name": "opt-none"}))

        before = (self.get("opt-b") or {}).get("Status") or {}
        self.expect_ok("Create of an existing name is success",
                       self.create("opt-b", {"size": "5"}))
        after = (self.get("opt-b") or {}).get("Status") or {}
        r.check("... and leaves the volume as it was",
                before.get("id") == after.get("id") and after.get("size") == 1, after)

        rep = self.create("opt-bad", {"sise": "1"})
        r.check("an unknown option -> HTTP 500 with Err naming it",
                rep.is_error(500, "unknown option 'sise'"), rep)
        r.check("... and the options that exist: rexray's and the driver's (vfs declares none)",
                rep.is_error(500, "known: size, iops") and "driver vfs): none" in rep.err(), rep)
        for value in ("abc", "-1", "0", "1.5", "", "99999999999999999999"):
            rep = self.create("opt-bad", {"size": value})
            r.check("size %r -> Err naming the option" % value,
                    rep.is_error(500, "option size") and ("'%s'" % value in rep.err() or
                                                         "got %s" % value in rep.err()), rep)
        rep = self.create("opt-bad", {"iops": "many"})
        r.check("iops 'many' -> Err naming the option", rep.is_error(500, "option iops"), rep)
        rep = self.create("opt-bad", {"encrypted": "maybe"})
        r.check("encrypted 'maybe' -> Err naming the option",
                rep.is_error(500, "option encrypted"), rep)
        rep = self.create("opt-bad", {"newFsType": "ntfs"})
        r.check("newFsType 'ntfs' -> Err naming the option and the file system",
                rep.is_error(500, "newFsType") and "ntfs" in rep.err(), rep)
        rep = self.create("opt-bad", {"volumeID": "a", "snapshotID": "b"})
        r.check("volumeID with snapshotID -> Err", rep.is_error(500, "exclude each other"), rep)
        rep = self.create("opt-bad", {"snapshotName": "no-such-snap"})
        r.check("snapshotName of a missing snapshot -> Err naming it",
                rep.is_error(500, "no-such-snap") and "not found" in rep.err(), rep)
        rep = self.create("opt-bad", {"volumeName": "no-such-vol"})
        r.check("volumeName of a missing volume -> Err naming it",
                rep.is_error(500, "no-such-vol") and "not found" in rep.err(), rep)
        r.check("no failed Create left a volume behind", self.get("opt-bad") is None)

    def listing(self):
        r = self.r
        rep = self.req("List", {})
        vols = (rep.json or {}).get("Volumes") if isinstance(rep.json, dict) else None
        r.check("List -> exactly {Volumes: [...], Err: \"\"}",
                rep.status == 200 and set(rep.json) == {"Volumes", "Err"} and rep.json["Err"] == ""
                and isinstance(vols, list), rep)
        vols = vols or []
        r.check("every List entry is exactly {Name, Mountpoint}",
                vols and all(isinstance(v, dict) and set(v) == {"Name", "Mountpoint"} for v in vols),
                vols)
        want = {"opt-a", "opt-b", "opt-c", "opt-null", "opt-none"}
        names = [v.get("Name") for v in vols]
        r.check("List has every volume, once", sorted(names) == sorted(want), names)
        r.check("unmounted volumes have an empty Mountpoint",
                all(v.get("Mountpoint") == "" for v in vols), vols)
        cli = self.d.cli("volume", "ls", "--format", "json")
        try:
            cli_names = sorted(v["name"] for v in json.loads(cli.stdout))
        except (ValueError, LookupError, TypeError):
            cli_names = None
        r.check("the CLI (through the control API) lists the same volumes",
                cli_names == sorted(want), cli.stdout + cli.stderr)
        rep = self.req("List", b"")
        r.check("List with an empty body", rep.status == 200 and
                sorted(v.get("Name") for v in rep.json.get("Volumes", [])) == sorted(want), rep)

    def invalid_names(self):
        r = self.r
        before_tree = tree(self.home)
        before_names = self.list_names()
        cases = [("a/b", "invalid volume name 'a/b'"), ("..", "invalid volume name '..'"),
                 ("../x", "invalid volume name '../x'"), ("", "must not be empty"),
                 ("a\u0000b", "invalid volume name 'a\\x00b'"),
                 ("n" * 256, "longer than 255"), ("m" * 1000000, "longer than 255"),
                 ("-x", "invalid volume name '-x'"),
                 (".hidden", "invalid volume name '.hidden'")]
        for name, text in cases:
            shown = repr(name) if len(name) < 20 else "%d characters" % len(name)
            rep = self.create(name, {"size": "1"})
            r.check("Create name %s -> Err (%s)" % (shown, text), rep.is_error(500, text), rep)
            for method in ("Mount", "Remove", "Get", "Path", "Unmount"):
                body = {"Name": name}
                if method in ("Mount", "Unmount"):
                    body["ID"] = "c1"
                rep = self.req(method, body)
                r.check("%s name %s -> Err" % (method, shown), rep.is_error(500, text), rep)
        r.check("an invalid name reached no driver: List unchanged",
                self.list_names() == before_names, self.list_names())
        after = tree(self.home)
        r.check("an invalid name reached no driver: no file or directory appeared",
                after == before_tree, sorted(after ^ before_tree))
        # One rule, one message: the CLI (through the daemon's control API)
        # says what Docker's Err says, to the letter.
        docker_err = self.create("a/b", {"size": "1"}).err() or ""
        cli = self.d.cli("volume", "create", "a/b", "--size", "1")
        r.check("the CLI through the control API gives Docker's message for 'a/b'",
                cli.returncode != 0 and docker_err.startswith("invalid volume name 'a/b': ")
                and docker_err in cli.stderr, (docker_err, cli.stderr))
        long_ok = "l" * 255
        self.expect_ok("a name of 255 characters is fine", self.create(long_ok, {"size": "1"}))
        self.expect_ok("... and can be removed", self.req("Remove", {"Name": long_ok}))

    def mount_cycle(self):
        r = self.r
        name = "cycle"
        self.expect_ok("Create cycle", self.create(name, {"size": "1"}))
        image = self.image_of(name)
        r.check("the image file exists", image and os.path.isfile(image), image)
        rep_a = self.req("Mount", {"Name": name, "ID": "a"})
        self.expect_mount("Mount ID a -> {Mountpoint: <volumes>/cycle/data, Err: \"\"}", rep_a, name)
        rep_b = self.req("Mount", {"Name": name, "ID": "b"})
        self.expect_mount("Mount ID b -> the same Mountpoint", rep_b, name)
        m = mount_of(self.mp(name))
        r.check("a real ext4 mount at <volumes>/cycle (/proc/self/mounts)",
                m is not None and m[1] == "ext4" and m[0].startswith("/dev/loop"), m)
        r.check("the mount's loop device is backed by the image",
                m is not None and m[0] in loops_of(image), (m, loop_backing_files()))
        r.check("one mount only after two Mounts",
                sum(1 for _, mp, _ in mounts() if mp == self.mp(name)) == 1)
        path = (rep_a.json or {}).get("Mountpoint", "")
        try:
            with open(os.path.join(path, "hello.txt"), "w") as f:
                f.write("hello\n")
            wrote = True
        except OSError as e:
            wrote = e
        r.check("write a file in the Mountpoint", wrote is True, wrote)
        self.expect_mount("Path -> the Mountpoint", self.req("Path", {"Name": name}), name)
        v = self.get(name) or {}
        r.check("Get shows the Mountpoint", v.get("Mountpoint") == self.mp(name) + "/data", v)
        rep = self.req("List", {})
        entry = [x for x in (rep.json or {}).get("Volumes", []) if x.get("Name") == name]
        r.check("List shows the Mountpoint", entry == [{"Name": name, "Mountpoint": path}], entry)

        rep = self.req("Remove", {"Name": name})
        r.check("Remove of a mounted volume -> Err", rep.is_error(500, "mounted"), rep)
        r.check("... it is still mounted", mount_of(self.mp(name)) is not None)

        self.expect_ok("Unmount ID a", self.req("Unmount", {"Name": name, "ID": "a"}))
        r.check("still mounted after Unmount a (b holds it)", mount_of(self.mp(name)) is not None)
        self.expect_mount("Path still answers the Mountpoint", self.req("Path", {"Name": name}), name)
        self.expect_ok("Unmount ID b", self.req("Unmount", {"Name": name, "ID": "b"}))
        r.check("unmounted after Unmount b", mount_of(self.mp(name)) is None)
        r.check("the loop device is detached", loops_of(image) == [], loops_of(image))
        self.expect_ok("Path after the last Unmount -> empty Mountpoint",
                       self.req("Path", {"Name": name}), {"Mountpoint": "", "Err": ""})
        self.expect_ok("an Unmount by an ID that holds nothing is success",
                       self.req("Unmount", {"Name": name, "ID": "nobody"}))

        # dvdcli: no ID, counted under the volume's name.
        self.expect_mount("Mount without ID (dvdcli)", self.req("Mount", {"Name": name}), name)
        with open(os.path.join(self.mp(name), "data", "hello.txt")) as f:
            r.check("the file survived the remount", f.read() == "hello\n")
        self.expect_mount("Mount ID x as well", self.req("Mount", {"Name": name, "ID": "x"}), name)
        self.expect_ok("Unmount without ID", self.req("Unmount", {"Name": name}))
        r.check("still mounted: x holds it", mount_of(self.mp(name)) is not None)
        self.expect_ok("Unmount ID x", self.req("Unmount", {"Name": name, "ID": "x"}))
        r.check("unmounted", mount_of(self.mp(name)) is None)
        self.expect_mount("Mount without ID again", self.req("Mount", {"Name": name}), name)
        self.expect_ok("Unmount with ID = the volume's name",
                       self.req("Unmount", {"Name": name, "ID": name}))
        r.check("a Mount without ID counts under the name: unmounted",
                mount_of(self.mp(name)) is None and loops_of(image) == [])

        self.expect_ok("Remove after unmount", self.req("Remove", {"Name": name}))
        names = self.list_names() or set()
        r.check("gone from List", name not in names, names)
        r.check("the image file is gone", not os.path.exists(image), image)
        rep = self.req("Get", {"Name": name})
        r.check("Get of the removed volume -> 500 Err containing \"not found\"",
                rep.is_error(500, "not found"), rep)
        rep = self.req("Remove", {"Name": name})
        r.check("Remove of a missing volume -> Err containing \"not found\"",
                rep.is_error(500, "not found"), rep)
        rep = self.req("Get", {"Name": "never-made"})
        r.check("Get of a missing volume -> 500 Err containing \"not found\"",
                rep.is_error(500, "not found"), rep)

        # Implicit create.
        rep = self.req("Mount", {"Name": "implicit", "ID": "i1"})
        self.expect_mount("Mount of an unknown name creates it (implicit create)", rep, "implicit")
        r.check("... and it is mounted", mount_of(self.mp("implicit")) is not None)
        r.check("... and listed", "implicit" in (self.list_names() or set()))
        self.expect_ok("Unmount implicit", self.req("Unmount", {"Name": "implicit", "ID": "i1"}))
        self.expect_ok("Remove implicit", self.req("Remove", {"Name": "implicit"}))

    def idless_counts(self):
        """Mesos dvdcli mounts without an ID: each Mount is one more user, across a restart."""
        r = self.r
        name = "dvd"
        self.expect_ok("Create dvd", self.create(name, {"size": "1"}))
        image = self.image_of(name)
        self.expect_mount("Mount dvd without ID", self.req("Mount", {"Name": name}), name)
        self.expect_mount("Mount dvd without ID again", self.req("Mount", {"Name": name}), name)
        self.expect_ok("Unmount dvd without ID", self.req("Unmount", {"Name": name}))
        r.check("still mounted after one of two ID-less Unmounts",
                mount_of(self.mp(name)) is not None and loops_of(image) != [],
                (mount_of(self.mp(name)), loops_of(image)))
        self.d.stop()
        self.d.start()
        r.check("the daemon restarted", self.d.alive())
        r.check("still mounted after the restart", mount_of(self.mp(name)) is not None)
        self.expect_mount("Path after the restart -> the Mountpoint",
                          self.req("Path", {"Name": name}), name)
        self.expect_ok("the second Unmount without ID", self.req("Unmount", {"Name": name}))
        r.check("unmounted after the second ID-less Unmount", mount_of(self.mp(name)) is None)
        r.check("... and detached", loops_of(image) == [], loops_of(image))
        self.expect_ok("Remove dvd", self.req("Remove", {"Name": name}))

    def create_from_sources(self):
        r = self.r
        self.expect_ok("Create src", self.create("src", {"size": "1"}))
        rep = self.req("Mount", {"Name": "src", "ID": "w"})
        path = (rep.json or {}).get("Mountpoint", "")
        try:
            with open(os.path.join(path, "seed.txt"), "w") as f:
                f.write("seed\n")
        except OSError as e:
            r.check("write the seed file", False, e)
        self.expect_ok("Unmount src", self.req("Unmount", {"Name": "src", "ID": "w"}))
        src_id = ((self.get("src") or {}).get("Status") or {}).get("id")
        snap = self.d.cli("snapshot", "create", "src", "snap1", "--format", "json")
        snap_id = None
        try:
            snap_id = json.loads(snap.stdout)[0]["id"]
        except (ValueError, LookupError, TypeError):
            pass
        r.check("snapshot of src made through the daemon", snap.returncode == 0 and snap_id,
                snap.stdout + snap.stderr)

        def holds_seed(name, fs="ext4"):
            rep = self.req("Mount", {"Name": name, "ID": "chk"})
            p = (rep.json or {}).get("Mountpoint", "")
            m = mount_of(self.mp(name))
            ok = rep.status == 200 and m is not None and m[1] == fs
            try:
                with open(os.path.join(p, "seed.txt")) as f:
                    has = f.read() == "seed\n"
            except OSError:
                has = False
            self.req("Unmount", {"Name": name, "ID": "chk"})
            return ok, has, (rep, m)

        for key, ref, name in (("snapshotName", "snap1", "from-snapname"),
                               ("snapshotID", snap_id, "from-snapid"),
                               ("volumeName", "src", "copy-name"),
                               ("volumeID", src_id, "copy-id")):
            self.expect_ok("Create with %s" % key, self.create(name, {key: ref or "?"}))
            ok, has, detail = holds_seed(name)
            r.check("the %s volume mounts and holds the source's file" % key, ok and has, detail)

        self.expect_ok("Create with newFsType=ext3", self.create("fs-ext3", {"size": "1", "newFsType": "ext3"}))
        ok, _, detail = holds_seed("fs-ext3", "ext3")
        r.check("... formatted ext3 at create: it mounts as ext3", ok, detail)
        self.expect_ok("Create with fsType=xfs", self.create("fs-xfs", {"size": "1", "fsType": "xfs"}))
        ok, _, detail = holds_seed("fs-xfs", "xfs")
        r.check("... it mounts as xfs", ok, detail)
        self.expect_ok("Create a copy with newFsType=ext3 (no overwriteFs)",
                       self.create("copy-keep", {"volumeName": "src", "newFsType": "ext3"}))
        ok, has, detail = holds_seed("copy-keep", "ext4")
        r.check("... keeps the copied ext4 file system and its file", ok and has, detail)
        self.expect_ok("Create a copy with newFsType=ext3, overwriteFs=true",
                       self.create("copy-wipe", {"volumeName": "src", "newFsType": "ext3",
                                                 "overwriteFs": "true"}))
        ok, has, detail = holds_seed("copy-wipe", "ext3")
        r.check("... reformatted ext3, the file is gone", ok and not has, detail)

    def bad_requests(self):
        r = self.r
        for body, what in ((b"{", "truncated JSON"), (b"not json", "text"),
                           (b"\xff\xfe", "bytes that are not UTF-8")):
            rep = self.req("Get", body)
            r.check("undecodable body (%s) -> 400 with Err" % what, rep.is_error(400), rep)
        for body in (b"[]", b"\"Name\"", b"5", b"null"):
            rep = self.req("Create", body)
            r.check("JSON that is not an object (%s) -> 400 with Err" % body.decode(),
                    rep.is_error(400, "JSON object"), rep)
        rep = call(self.d.sock, "VolumeDriver.Frobnicate", {})
        r.check("unknown method -> 404 with Err naming it",
                rep.is_error(404, "VolumeDriver.Frobnicate"), rep)
        rep = call(self.d.sock, "Plugin.Deactivate", {})
        r.check("unknown Plugin method -> 404", rep.is_error(404), rep)
        before = self.list_names()
        for body, field in (({"Name": 5}, "Name"), ({"Name": True}, "Name"),
                            ({"Name": {"x": 1}}, "Name"), ({"Name": "t", "Opts": [1]}, "Opts"),
                            ({"Name": "t", "Opts": "size=1"}, "Opts"),
                            ({"Name": "t", "Opts": {"size": 1}}, "size")):
            rep = self.req("Create", body)
            r.check("Create %s (wrong type) -> 400 naming %s" % (json.dumps(body), field),
                    rep.is_error(400, field), rep)
        rep = self.req("Mount", {"Name": "t", "ID": 7})
        r.check("Mount with a numeric ID -> 400 naming ID", rep.is_error(400, "ID"), rep)
        r.check("no badly typed request made a volume", self.list_names() == before,
                self.list_names())
        rep = self.req("Get", {})
        r.check("Get without Name -> 500 Err", rep.is_error(500, "Name"), rep)

    def service_socket(self):
        r = self.r
        for method, body in (("Capabilities", {}), ("List", {}), ("Get", {"Name": "src"}),
                             ("Path", {"Name": "src"}), ("Get", {"Name": "never-made"})):
            a = self.req(method, body)
            b = self.req(method, body, sock=self.d.vfs_sock)
            r.check("vfs.sock answers %s %s like rexray.sock" % (method, json.dumps(body)),
                    a.status == b.status and a.json == b.json, (a, b))
        a = call(self.d.vfs_sock, "Plugin.Activate", b"")
        r.check("vfs.sock answers Plugin.Activate", a.json == {"Implements": ["VolumeDriver"]}, a)
        self.expect_ok("Create on vfs.sock", self.create_on("viavfs"))
        r.check("... visible on rexray.sock (the same service)", self.get("viavfs") is not None)

    def create_on(self, name):
        return self.req("Create", {"Name": name, "Opts": {"size": "1"}}, sock=self.d.vfs_sock)

    def settings(self):
        """Restarted with ignoreusedcount, create.disable and remove.disable."""
        r = self.r
        self.d.stop()
        r.check("the daemon stopped", not os.path.exists(self.d.sock))
        self.d.start({"VOLUME_UNMOUNT_IGNOREUSEDCOUNT": "true", "VOLUME_CREATE_DISABLE": "true",
                      "VOLUME_REMOVE_DISABLE": "true"})
        r.check("restarted with VOLUME_UNMOUNT_IGNOREUSEDCOUNT, VOLUME_CREATE_DISABLE and "
                "VOLUME_REMOVE_DISABLE", self.d.alive())
        image = self.image_of("src")
        self.expect_mount("Mount src ID a", self.req("Mount", {"Name": "src", "ID": "a"}), "src")
        self.expect_mount("Mount src ID b", self.req("Mount", {"Name": "src", "ID": "b"}), "src")
        self.expect_ok("Unmount ID a", self.req("Unmount", {"Name": "src", "ID": "a"}))
        r.check("ignoreusedcount: one Unmount unmounts at once",
                mount_of(self.mp("src")) is None and loops_of(image) == [],
                (mount_of(self.mp("src")), loops_of(image)))
        self.expect_ok("the later Unmount of ID b is success too",
                       self.req("Unmount", {"Name": "src", "ID": "b"}))

        names = self.list_names()
        images = set(os.listdir(self.images_dir))
        self.expect_ok("create.disable: Create answers success", self.create("nocreate", {"size": "1"}))
        r.check("... and nothing was created", self.list_names() == names and
                set(os.listdir(self.images_dir)) == images and self.get("nocreate") is None)
        rep = self.req("Mount", {"Name": "nocreate", "ID": "a"})
        r.check("create.disable: Mount of an unknown name -> Err, no implicit create",
                rep.is_error(500, "not found"), rep)
        self.expect_ok("remove.disable: Remove answers success", self.req("Remove", {"Name": "src"}))
        r.check("... and the volume is still there", self.get("src") is not None and
                os.path.exists(image))


def main():
    rexray = rexray_binary()
    if not rexray:
        return 2
    report = Report()
    home = scratch_dir("rexray-dp.")
    daemon = Daemon(os.path.abspath(rexray), home)

    exit_on_signals()
    started = time.monotonic()
    try:
        try:
            daemon.start()
            report.check("rexray start (PID %s)" % daemon.pid, True)
        except Exception as e:  # noqa: BLE001
            report.check("rexray start", False, e)
            diag(daemon.log_tail())
            return report.finish() or 1
        t = Tests(report, daemon)
        for section in (t.activation, t.create_options, t.listing, t.invalid_names, t.mount_cycle,
                        t.idless_counts, t.create_from_sources, t.bad_requests, t.service_socket,
                        t.settings):
            try:
                section()
            except Exception as e:  # noqa: BLE001 - one broken section must not hide the rest
                report.check("%s ran to the end" % section.__name__, False, repr(e))
        report.check("the daemon is still running", daemon.alive())
        if report.failed:
            diag("last lines of %s:" % daemon.log)
            diag(daemon.log_tail())
        cleanup(daemon, home)
        leftovers = [mp for _, mp, _ in mounts() if mp.startswith(home + "/")]
        loops = [d for d, b in loop_backing_files().items() if b.startswith(home + "/")]
        report.check("cleanup left no mount, loop device or file", not leftovers and not loops
                     and not os.path.exists(home), (leftovers, loops))
        diag("%.1f s" % (time.monotonic() - started))
        return report.finish()
    finally:
        cleanup(daemon, home)  # again, for every other way out; harmless when done


if __name__ == "__main__":
    sys.exit(main())
