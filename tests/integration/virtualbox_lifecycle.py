#!/usr/bin/python3
"""The `virtualbox` driver end to end: the real rexray binary and its plugin
against the vboxwebsrv emulator (tests/emulators/vboxweb/server.py), with real
loop devices, mkfs and mounts.

Sections:
  cli       the whole life of a volume through the CLI (no daemon): create,
            mount, write, unmount, mount again and read, snapshot (a medium
            clone), restore from it, remove; every CLI process logs off
  docker    the same through the Docker socket of `rexray start`, plus an
            expired websession and a briefly held machine lock mid-run
  preempt   a medium attached to node1: mount fails naming node1's UUID, and
            works with VOLUME_MOUNT_PREEMPT=true; removal of an attached
            medium, and VirtualBox refusing a delete as "in use"
  faults    machine lock held past the deadline, reset connections, an empty
            reply, an unreachable endpoint, a failing and a slow IProgress
  https     vboxwebsrv behind TLS (a self-signed front on 127.0.0.1):
            virtualbox.tls=true skips verification, without it the
            certificate is refused with a clear error
  late      `rexray start` while nothing listens at the endpoint yet (a host
            booting before vboxwebsrv): Docker requests get the connection
            error at once, the service retries in the background, and once an
            emulator comes up on that port it becomes ready by itself and a
            Create/Mount works
  silent    an endpoint that accepts connections and never answers: the
            CLI's --timeout and the Docker front end's deadline both end the
            request in time, with a timeout error
  ports     a second emulator (--ports 1 --mimic-host): the machine is found
            by its MAC / DMI UUID without localMachineNameOrId, the SATA port
            count is raised when every port is used, and a port count
            VirtualBox refuses to raise is a clear error

Env: REXRAY (the binary; default $BUILD/bin/rexray), BUILD. The plugin must
sit where that binary loads plugins from (a build tree does). Needs root,
losetup and mkfs.ext4. Only 127.0.0.1 is contacted. Python 3 standard library.

Prints one "ok - ..." / "FAIL - ..." line per check, then "N passed, M failed";
exits non-zero when any check failed. Every exit path stops the daemon and the
emulators and removes mounts, loop devices and temporary files.
"""

import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from testkit import (DaemonControl, Report, UnixHTTPConnection, detach_loops_under, diag,
                     exit_on_signals, leftovers_under, loop_backing_files, mount_of, mounts, poll,
                     rexray_binary, run_sections, stop_all, unmount_under)  # noqa: E402
from testkit import scratch_dir  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
EMULATOR = os.path.join(REPO, "tests", "emulators", "vboxweb", "server.py")
START_BANNER = "Starting REX-Ray...SUCCESS!"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GREETING = "hello from a VirtualBox medium\n"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ---------------------------------------------------------------- the host

def one_line(text):
    return len([l for l in text.splitlines() if l.strip()]) == 1


# ---------------------------------------------------------------- the emulator

class Emulator:
    def __init__(self, root, name, *args):
        self.dir = os.path.join(root, name)
        self.args = list(args)
        self.proc = None
        self.info = None
        self.logfile = self.dir + ".log"

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        with open(self.logfile, "w") as log:
            self.proc = subprocess.Popen(["/usr/bin/python3", EMULATOR, "--state-dir", self.dir] + self.args,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        path = os.path.join(self.dir, "vbox.json")

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("the emulator exited with %s: %s" % (self.proc.returncode, self.log_tail()))
            try:
                with open(path) as f:
                    return json.load(f)
            except (OSError, ValueError):
                return None

        self.info = poll(ready, 60, 0.1)
        if not self.info:
            raise RuntimeError("the emulator wrote no vbox.json in 60 s: %s" % self.log_tail())
        return self.info

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.info["control_endpoint"] + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with NO_PROXY.open(req, timeout=30) as r:
            return json.loads(r.read().decode() or "{}")

    def control(self, path, body=None):
        return self._request("POST", path, body if body is not None else {})

    def faults(self, **kw):
        return self.control("/faults", kw)

    def clear(self):
        return self.control("/faults/clear")

    def state(self):
        return self._request("GET", "/state")

    def medium(self, uuid):
        for m in self.state()["media"]:
            if m["uuid"] == uuid:
                return m
        return None

    def machine(self, name):
        for m in self.state()["machines"]:
            if m["name"] == name:
                return m
        return None

    def calls(self, method):
        return self.state()["calls"].get(method, 0)

    def log_tail(self, n=20):
        try:
            with open(self.logfile) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


# ---------------------------------------------------------------- TLS front

class TlsFront:
    """https://127.0.0.1:<port> with a fresh self-signed certificate, passing
    every POST on to `target` (the emulator's plain-HTTP endpoint)."""

    def __init__(self, root, target):
        cert, key = os.path.join(root, "tls.crt"), os.path.join(root, "tls.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                req = urllib.request.Request(target, data=body, method="POST",
                                             headers={"Content-Type": "text/xml; charset=utf-8"})
                try:
                    with NO_PROXY.open(req, timeout=60) as resp:
                        status, data = resp.status, resp.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.endpoint = "https://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------- rexray

def config_yaml(info, machine=True, extra=""):
    """The seed's example configuration, pointed at the emulator."""
    lines = ["rexray:", "  storageDrivers:", "  - virtualbox", "virtualbox:",
             "  endpoint: %s" % json.dumps(info["endpoint"]),
             "  volumePath: %s" % json.dumps(info["volume_path"]),
             "  controllerName: SATA",
             "  diskIDPath: %s" % json.dumps(info["disk_id_path"])]
    if machine:
        lines.append("  localMachineNameOrId: %s" % info["machine_name"])
    return "\n".join(lines) + "\n" + extra


class Rexray(DaemonControl):
    def __init__(self, binary, home, config):
        self.binary = binary
        self.home = home
        self.config = config
        self.pid = None
        self.sock = os.path.join(home, "run/docker/plugins/rexray.sock")
        self.log = os.path.join(home, "var/log/rexray/rexray.log")
        os.makedirs(home, exist_ok=True)

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("REXRAY_", "VOLUME_", "LIBSTORAGE_", "VIRTUALBOX_", "VFS_", "DEVICE_"))}
        env["REXRAY_HOME"] = self.home
        env["HOME"] = self.home
        env.update(extra or {})
        return env

    def cli(self, *args, env=None, timeout=120):
        return subprocess.run([self.binary, "-c", self.config] + list(args), env=self.env(env),
                              capture_output=True, text=True, timeout=timeout)

    def volumes(self):
        r = self.cli("volume", "ls", "--format", "json")
        return {v["name"]: v for v in json.loads(r.stdout)} if r.returncode == 0 else None

    def start(self, env=None):
        r = self.cli("start", env=env, timeout=90)
        m = re.search(r"running at PID (\d+)", r.stdout)
        if r.returncode != 0 or START_BANNER not in r.stdout or not m:
            raise RuntimeError("rexray start: exit %s; %s %s" % (r.returncode, r.stdout, r.stderr))
        self.pid = int(m.group(1))

    def docker(self, method, body=None):
        conn = UnixHTTPConnection(self.sock)
        try:
            conn.request("POST", "/" + method, body=json.dumps(body or {}).encode(),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            raw = r.read()
            try:
                return r.status, json.loads(raw.decode())
            except ValueError:
                return r.status, raw.decode("utf-8", "replace")
        finally:
            conn.close()


def out_of(r):
    return "exit %s; stdout: %s; stderr: %s" % (r.returncode, r.stdout.strip(), r.stderr.strip())


# ---------------------------------------------------------------- the checks

class Tests:
    def __init__(self, report, root, binary):
        self.r = report
        self.root = root
        self.binary = binary
        self.emu = None
        self.emu2 = None
        self.rx = None
        self.rx2 = None
        self.rx_late = None
        self.rx_silent = None
        self.emu_late = None
        self.tls = None

    # helpers
    def mountpoint(self, rx, name):
        return os.path.join(rx.home, "var/lib/rexray/volumes", name)

    def check_mounted(self, rx, emu, name, vid):
        """The volume is mounted from the loop device the emulator attached."""
        r, mp = self.r, self.mountpoint(rx, name)
        m = mount_of(mp)
        if not r.check("%s is mounted at %s" % (name, mp), m is not None):
            return None
        dev, fs = m
        r.check("%s: the filesystem is ext4" % name, fs == "ext4", fs)
        backing = loop_backing_files().get(dev)
        r.check("%s: %s is a loop device backed by the medium's file" % (name, dev),
                backing == os.path.join(emu.info["volume_path"], name + ".vmdk"), backing)
        md = emu.medium(vid) or {}
        r.check("%s: VirtualBox lists it attached to node0 only" % name,
                md.get("machine_ids") == [emu.info["machine_uuid"]], md.get("machine_ids"))
        link = os.path.join(emu.info["disk_id_path"], md.get("by_id_name", "?"))
        r.check("%s: the by-id link %s leads to the mounted device" % (name, os.path.basename(link)),
                os.path.realpath(link) == dev, link)
        return dev

    def check_released(self, rx, emu, name, vid, dev):
        r = self.r
        r.check("%s is no longer mounted" % name, mount_of(self.mountpoint(rx, name)) is None)
        md = emu.medium(vid) or {}
        r.check("%s: detached from every machine" % name, md.get("machine_ids") == [], md.get("machine_ids"))
        link = os.path.join(emu.info["disk_id_path"], md.get("by_id_name", "?"))
        r.check("%s: its by-id link is gone and %s released" % (name, dev),
                poll(lambda: not os.path.lexists(link) and dev not in loop_backing_files(), 10),
                (link, dev, loop_backing_files().get(dev)))

    def create(self, rx, name, *extra):
        r = rx.cli("volume", "create", name, *extra)
        vols = rx.volumes() or {}
        vid = (vols.get(name) or {}).get("id", "")
        self.r.check("create %s %s (%s)" % (name, " ".join(extra), vid),
                     r.returncode == 0 and bool(UUID_RE.match(vid)), out_of(r))
        return vid

    def expect_error(self, what, r, *needles):
        err = r.stderr.strip()
        ok = r.returncode != 0 and one_line(err) and all(n in err for n in needles)
        return self.r.check("%s: %s" % (what, err if ok else ""), ok, out_of(r))

    # -- sections
    def setup(self):
        self.emu = Emulator(self.root, "vbox")
        self.emu.start()
        cfg = os.path.join(self.root, "config.yml")
        with open(cfg, "w") as f:
            f.write(config_yaml(self.emu.info))
        self.rx = Rexray(self.binary, os.path.join(self.root, "home"), cfg)
        r = self.rx.cli("plugins", "ls")
        self.r.check("rexray loads the virtualbox plugin", r.returncode == 0 and "virtualbox" in r.stdout,
                     out_of(r))

    def cli(self):
        r, rx, emu = self.r, self.rx, self.emu
        ls = rx.cli("volume", "ls")
        r.check("volume ls lists no volume (the VMs' boot disks are not volumes)",
                ls.returncode == 0 and len(ls.stdout.strip().splitlines()) == 1, out_of(ls))
        vid = self.create(rx, "pgdata", "--size", "1")
        vol = (rx.volumes() or {}).get("pgdata", {})
        r.check("the new volume has 1 GiB, type vmdk, and is available",
                vol.get("size") == 1 and vol.get("type") == "vmdk" and vol.get("status") == "available", vol)
        md = emu.medium(vid) or {}
        r.check("VirtualBox has the medium as VOLUMEPATH/pgdata.vmdk, VMDK, 1 GiB",
                md.get("location") == os.path.join(emu.info["volume_path"], "pgdata.vmdk")
                and md.get("format") == "VMDK" and md.get("logical_size") == 1 << 30, md)

        m = rx.cli("volume", "mount", "pgdata")
        path = m.stdout.strip()
        r.check("volume mount prints <mount.path>/pgdata/data",
                m.returncode == 0 and path == self.mountpoint(rx, "pgdata") + "/data", out_of(m))
        dev = self.check_mounted(rx, emu, "pgdata", vid)
        vol = (rx.volumes() or {}).get("pgdata", {})
        r.check("ls shows it attached to this instance, node0",
                vol.get("status") == "attached" and vol.get("attachedInstanceID") == emu.info["machine_uuid"],
                vol)
        with open(os.path.join(path, "greeting"), "w") as f:
            f.write(GREETING)
        u = rx.cli("volume", "unmount", "pgdata")
        r.check("volume unmount", u.returncode == 0, out_of(u))
        self.check_released(rx, emu, "pgdata", vid, dev)

        m = rx.cli("volume", "mount", "pgdata")
        path = m.stdout.strip()
        r.check("mount again", m.returncode == 0, out_of(m))
        self.check_mounted(rx, emu, "pgdata", vid)
        try:
            with open(os.path.join(path, "greeting")) as f:
                got = f.read()
        except OSError as e:
            got = repr(e)
        r.check("the file written before survived detach and re-attach", got == GREETING, got)
        r.check("unmount again", rx.cli("volume", "unmount", "pgdata").returncode == 0)

        s = rx.cli("snapshot", "create", "pgdata", "nightly", "--format", "json")
        try:
            snap = json.loads(s.stdout)[0]
        except (ValueError, IndexError, KeyError):
            snap = {}
        r.check("snapshot create (a clone of the medium)", s.returncode == 0 and UUID_RE.match(snap.get("id", "")),
                out_of(s))
        clone = os.path.join(emu.info["volume_path"], "nightly.%s.snap.vmdk" % vid)
        r.check("the snapshot is the medium %s" % os.path.basename(clone),
                (emu.medium(snap.get("id", "")) or {}).get("location") == clone)
        sl = rx.cli("snapshot", "ls", "pgdata")
        row = sl.stdout.strip().splitlines()[1:] if sl.returncode == 0 else []
        r.check("snapshot ls pgdata lists it with the volume's ID",
                len(row) == 1 and row[0].split()[1] == "nightly" and row[0].split()[3] == vid, out_of(sl))
        r.check("snapshots are not volumes", set(rx.volumes() or {}) == {"pgdata"}, rx.volumes())

        c = rx.cli("volume", "create", "--volumename", "restored", "--snapshotid", "nightly")
        r.check("create a volume from the snapshot", c.returncode == 0, out_of(c))
        rid = ((rx.volumes() or {}).get("restored") or {}).get("id", "")
        m = rx.cli("volume", "mount", "restored")
        r.check("mount the restored volume", m.returncode == 0, out_of(m))
        self.check_mounted(rx, emu, "restored", rid)
        try:
            with open(os.path.join(m.stdout.strip(), "greeting")) as f:
                got = f.read()
        except OSError as e:
            got = repr(e)
        r.check("the restored volume has the file", got == GREETING, got)
        r.check("unmount the restored volume", rx.cli("volume", "unmount", "restored").returncode == 0)

        c = rx.cli("volume", "create", "--volumename", "bigger", "--snapshotid", "nightly", "--size", "3")
        big = (rx.volumes() or {}).get("bigger", {})
        r.check("restore into a larger volume grows the clone to 3 GiB",
                c.returncode == 0 and big.get("size") == 3 and
                (emu.medium(big.get("id", "")) or {}).get("logical_size") == 3 << 30, out_of(c))
        c = rx.cli("volume", "create", "image", "--size", "1", "--volumeType", "vdi")
        vdi = (rx.volumes() or {}).get("image", {})
        r.check("--volumeType vdi makes a VDI medium", c.returncode == 0 and vdi.get("type") == "vdi" and
                (emu.medium(vdi.get("id", "")) or {}).get("location") ==
                os.path.join(emu.info["volume_path"], "image.vdi"), out_of(c))
        self.expect_error("an unknown volume type is refused", rx.cli("volume", "create", "odd", "--size", "1",
                                                                       "--volumeType", "qcow"),
                          "volume type 'qcow' is not vmdk or vdi")
        self.expect_error("an existing name is refused", rx.cli("volume", "create", "image", "--size", "1"),
                          "already exists")
        r.check("remove the snapshot", rx.cli("snapshot", "rm", "nightly").returncode == 0)
        rm = rx.cli("volume", "rm", "pgdata", "restored", "bigger", "image")
        r.check("remove both volumes", rm.returncode == 0, out_of(rm))
        r.check("no volume and no snapshot left", rx.volumes() == {} and
                rx.cli("snapshot", "ls").stdout.strip().count("\n") == 0)
        r.check("no medium file left in volumePath", os.listdir(emu.info["volume_path"]) == [],
                os.listdir(emu.info["volume_path"]))
        st = emu.state()
        r.check("every CLI process logged off: no websession left (logons %d, logoffs %d)" % (
            st["calls"].get("IWebsessionManager_logon", 0), st["calls"].get("IWebsessionManager_logoff", 0)),
                st["sessions"] == 0 and st["calls"].get("IWebsessionManager_logon") ==
                st["calls"].get("IWebsessionManager_logoff"), st["sessions"])
        r.check("no machine lock left behind", st["locked_sessions"] == 0, st["locked_sessions"])

    def docker(self):
        r, rx, emu = self.r, self.rx, self.emu
        rx.start()
        r.check("rexray start with the virtualbox service (PID %s)" % rx.pid, rx.alive())
        st, body = rx.docker("Plugin.Activate")
        r.check("Plugin.Activate", st == 200 and body == {"Implements": ["VolumeDriver"]}, body)
        st, body = rx.docker("VolumeDriver.Capabilities")
        r.check("Capabilities: scope global (VirtualBox media are not local)",
                st == 200 and body == {"Capabilities": {"Scope": "global"}}, body)
        st, body = rx.docker("VolumeDriver.Create", {"Name": "dvol", "Opts": {"size": "1"}})
        r.check("Create dvol", st == 200 and body == {"Err": ""}, body)
        st, body = rx.docker("VolumeDriver.Get", {"Name": "dvol"})
        status = (body.get("Volume") or {}).get("Status", {}) if isinstance(body, dict) else {}
        vid = status.get("id", "")
        r.check("Get dvol: a medium UUID, 1 GiB, service virtualbox",
                st == 200 and UUID_RE.match(vid) and status.get("size") == 1
                and status.get("service") == "virtualbox", body)
        mp = self.mountpoint(rx, "dvol")

        st, body = rx.docker("VolumeDriver.Mount", {"Name": "dvol", "ID": "c1"})
        r.check("Mount dvol", st == 200 and body == {"Mountpoint": mp + "/data", "Err": ""}, body)
        dev = self.check_mounted(rx, emu, "dvol", vid)
        with open(os.path.join(mp, "data", "greeting"), "w") as f:
            f.write(GREETING)
        st, body = rx.docker("VolumeDriver.Unmount", {"Name": "dvol", "ID": "c1"})
        r.check("Unmount dvol", st == 200 and body == {"Err": ""}, body)
        self.check_released(rx, emu, "dvol", vid, dev)

        # The daemon keeps one websession; expire it under its feet.
        logons = emu.calls("IWebsessionManager_logon")
        r.check("the daemon holds one websession", emu.state()["sessions"] == 1, emu.state()["sessions"])
        emu.faults(expire_sessions=True)
        r.check("the emulator expired every websession", emu.state()["sessions"] == 0)
        # ... and hold the machine lock for the next three attempts.
        locks = emu.calls("IMachine_lockMachine")
        emu.faults(lock_held=3)
        st, body = rx.docker("VolumeDriver.Mount", {"Name": "dvol", "ID": "c2"})
        r.check("Mount after the websession expired and with the lock briefly held",
                st == 200 and body == {"Mountpoint": mp + "/data", "Err": ""}, body)
        r.check("the driver logged on again once", emu.calls("IWebsessionManager_logon") == logons + 1,
                emu.calls("IWebsessionManager_logon") - logons)
        r.check("lockMachine was retried past the held lock",
                emu.calls("IMachine_lockMachine") - locks >= 4, emu.calls("IMachine_lockMachine") - locks)
        with open(rx.log) as f:
            log = f.read()
        r.check("the daemon log says it logged on again", "logging on again" in log)
        try:
            with open(os.path.join(mp, "data", "greeting")) as f:
                got = f.read()
        except OSError as e:
            got = repr(e)
        r.check("the file is there", got == GREETING, got)
        dev = self.check_mounted(rx, emu, "dvol", vid)
        st, body = rx.docker("VolumeDriver.Unmount", {"Name": "dvol", "ID": "c2"})
        r.check("Unmount dvol again", st == 200 and body == {"Err": ""}, body)
        self.check_released(rx, emu, "dvol", vid, dev)

        s = rx.cli("snapshot", "create", "dvol", "dsnap")
        r.check("snapshot dvol through the daemon", s.returncode == 0, out_of(s))
        st, body = rx.docker("VolumeDriver.Create", {"Name": "drestored", "Opts": {"snapshotName": "dsnap"}})
        r.check("Create drestored from the snapshot", st == 200 and body == {"Err": ""}, body)
        st, body = rx.docker("VolumeDriver.Mount", {"Name": "drestored", "ID": "c3"})
        r.check("Mount drestored", st == 200 and body.get("Err") == "", body)
        try:
            with open(os.path.join(self.mountpoint(rx, "drestored"), "data", "greeting")) as f:
                got = f.read()
        except OSError as e:
            got = repr(e)
        r.check("the restored volume has the file", got == GREETING, got)
        st, body = rx.docker("VolumeDriver.Unmount", {"Name": "drestored", "ID": "c3"})
        r.check("Unmount drestored", st == 200 and body == {"Err": ""}, body)
        for name in ("drestored", "dvol"):
            st, body = rx.docker("VolumeDriver.Remove", {"Name": name})
            r.check("Remove %s" % name, st == 200 and body == {"Err": ""}, body)
        r.check("remove the snapshot", rx.cli("snapshot", "rm", "dsnap").returncode == 0)
        st, body = rx.docker("VolumeDriver.List")
        r.check("List is empty", st == 200 and body == {"Volumes": [], "Err": ""}, body)
        rx.stop()
        r.check("the daemon stopped", not rx.alive())
        st = emu.state()
        r.check("the daemon logged off on its way out: no websession left", st["sessions"] == 0, st["sessions"])

    def preempt(self):
        r, rx, emu = self.r, self.rx, self.emu
        node1 = emu.info["other_machine_uuid"]
        vid = self.create(rx, "shared", "--size", "1")
        out = emu.control("/attach-other", {"medium_uuid": vid})
        r.check("the emulator attached it to node1", out.get("machine_uuid") == node1, out)
        vol = (rx.volumes() or {}).get("shared", {})
        r.check("ls shows it attached elsewhere (node1)", vol.get("attachedInstanceID") == node1
                and vol.get("status") == "unavailable", vol)
        self.expect_error("mount without preemption names node1", rx.cli("volume", "mount", "shared"),
                          "attached to instance " + node1, "preempt")
        r.check("... and leaves it on node1", (emu.medium(vid) or {}).get("machine_ids") == [node1])
        self.expect_error("rm of a medium attached to node1 names node1", rx.cli("volume", "rm", "shared"),
                          node1)
        r.check("... and leaves it in place", (emu.medium(vid) or {}).get("state") == "Created")

        m = rx.cli("volume", "mount", "shared", env={"VOLUME_MOUNT_PREEMPT": "true"})
        r.check("mount with VOLUME_MOUNT_PREEMPT=true", m.returncode == 0, out_of(m))
        dev = self.check_mounted(rx, emu, "shared", vid)
        node1_atts = [a["medium_uuid"] for a in emu.machine("node1")["attachments"]]
        r.check("node1 no longer has it", vid not in node1_atts, node1_atts)
        r.check("unmount", rx.cli("volume", "unmount", "shared").returncode == 0)
        self.check_released(rx, emu, "shared", vid, dev)

        # VirtualBox itself refusing the delete (another client attached it
        # between our look and the delete): the driver reports it as busy.
        emu.faults(fail_calls=[{"method": "IMedium_deleteStorage", "result_code": "0x80BB000C",
                                "text": "Cannot delete storage: medium is still attached to the following "
                                        "1 virtual machine(s): " + node1}])
        self.expect_error("VirtualBox refusing the delete as in use is a clear error",
                          rx.cli("volume", "rm", "shared"), "is in use", "Cannot delete storage",
                          "VBOX_E_OBJECT_IN_USE")
        r.check("... and the medium is still there", (emu.medium(vid) or {}).get("state") == "Created")
        emu.clear()
        # rm --force of a medium attached elsewhere detaches it first.
        emu.control("/attach-other", {"medium_uuid": vid})
        rm = rx.cli("volume", "rm", "--force", "shared")
        gone = (emu.medium(vid) or {}).get("state") in (None, "NotCreated")
        r.check("rm --force of a medium on node1 detaches and deletes it", rm.returncode == 0 and gone
                and not os.path.exists(os.path.join(emu.info["volume_path"], "shared.vmdk")), out_of(rm))
        r.check("node1 is left with its boot disk only",
                len(emu.machine("node1")["attachments"]) == 1, emu.machine("node1")["attachments"])

    def faults(self):
        r, rx, emu = self.r, self.rx, self.emu
        vid = self.create(rx, "locked", "--size", "1")
        emu.faults(lock_held=1000)
        t0 = time.monotonic()
        a = rx.cli("--deviceAttachTimeout", "6s", "volume", "attach", "locked")
        took = time.monotonic() - t0
        self.expect_error("a machine lock held past the deadline ends in a clear error",
                          a, "machine 'node0' (%s) is locked by another VirtualBox client" % emu.info["machine_uuid"],
                          "Failed to get a console object from the direct session", "attempts")
        r.check("... within the attach timeout (%.1f s)" % took, took < 15, took)
        emu.clear()
        r.check("... leaving nothing attached or locked", (emu.medium(vid) or {}).get("machine_ids") == []
                and emu.state()["locked_sessions"] == 0)
        a = rx.cli("volume", "attach", "locked")
        dev = a.stdout.strip()
        r.check("attach once the lock is free prints the loop device",
                a.returncode == 0 and dev in loop_backing_files(), out_of(a))
        d = rx.cli("volume", "detach", "locked")
        r.check("detach", d.returncode == 0 and (emu.medium(vid) or {}).get("machine_ids") == [], out_of(d))
        r.check("remove", rx.cli("volume", "rm", "locked").returncode == 0)

        # The network between us and vboxwebsrv.
        emu.faults(drop_connections=1)
        ls = rx.cli("volume", "ls")
        r.check("a connection reset before the reply: the call is sent again",
                ls.returncode == 0 and emu.state()["faults"]["drop_connections"] == 0, out_of(ls))
        emu.faults(empty_reply=1)
        self.expect_error("an empty reply is an error, not a silent success", rx.cli("volume", "ls"),
                          "sent an empty reply")
        emu.clear()
        unreachable = os.path.join(self.root, "config-unreachable.yml")
        with open(unreachable, "w") as f:
            f.write(config_yaml(dict(emu.info, endpoint="http://127.0.0.1:1")))
        self.expect_error("an unreachable endpoint is a clear error",
                          Rexray(self.binary, rx.home, unreachable).cli("volume", "ls"),
                          "cannot talk to vboxwebsrv at http://127.0.0.1:1", "Connection refused")

        emu.faults(fail_next_progress="Could not create the medium storage unit (VERR_DISK_FULL)")
        c = rx.cli("volume", "create", "full", "--size", "1")
        self.expect_error("a failed IProgress carries VirtualBox's error text", c, "VERR_DISK_FULL",
                          "VBOX_E_FILE_ERROR")
        r.check("... and leaves no volume and no file", "full" not in (rx.volumes() or {}) and
                not os.path.exists(os.path.join(emu.info["volume_path"], "full.vmdk")))
        emu.clear()
        emu.faults(slow_progress_ms=2500)
        t0 = time.monotonic()
        vid = self.create(rx, "slow", "--size", "1")
        took = time.monotonic() - t0
        r.check("a slow IProgress is waited for (%.1f s)" % took, bool(vid) and took >= 2.4, took)
        emu.clear()
        r.check("remove it", rx.cli("volume", "rm", "slow").returncode == 0)

    def https(self):
        r, emu = self.r, self.emu
        self.tls = TlsFront(self.root, emu.info["endpoint"])
        info = dict(emu.info, endpoint=self.tls.endpoint)
        insecure = os.path.join(self.root, "config-tls.yml")
        with open(insecure, "w") as f:
            f.write(config_yaml(info) + "  tls: true\n")
        rx = Rexray(self.binary, os.path.join(self.root, "home3"), insecure)
        vid = self.create(rx, "overtls", "--size", "1")
        r.check("an https endpoint with virtualbox.tls=true works", bool(vid) and
                (emu.medium(vid) or {}).get("state") == "Created")
        strict = os.path.join(self.root, "config-tls-verify.yml")
        with open(strict, "w") as f:
            f.write(config_yaml(info))
        self.expect_error("a self-signed certificate without virtualbox.tls is refused clearly",
                          Rexray(self.binary, rx.home, strict).cli("volume", "ls"),
                          "TLS with vboxwebsrv at " + self.tls.endpoint, "virtualbox.tls=true")
        r.check("remove the volume over TLS", rx.cli("volume", "rm", "overtls").returncode == 0)

    def late(self):
        r = self.r
        with socket.socket() as s:  # a port nothing listens on (yet)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        emu = self.emu_late = Emulator(self.root, "late", "--port", str(port))
        # What the emulator will report in vbox.json, known before it runs.
        info = {"endpoint": "http://127.0.0.1:%d" % port, "volume_path": os.path.join(emu.dir, "volumes"),
                "disk_id_path": os.path.join(emu.dir, "disk", "by-id"), "machine_name": "node0"}
        cfg = os.path.join(self.root, "config-late.yml")
        with open(cfg, "w") as f:
            f.write(config_yaml(info))
        rx = self.rx_late = Rexray(self.binary, os.path.join(self.root, "home-late"), cfg)
        rx.start(env={"DOCKER_TIMEOUT_LONG": "10s"})
        r.check("rexray start succeeds while vboxwebsrv is not up (PID %s)" % rx.pid, rx.alive())

        def log():
            try:
                with open(rx.log) as f:
                    return f.read()
            except OSError:
                return ""

        r.check("the daemon logs the failed attempt and when it tries again",
                poll(lambda: "service virtualbox is not available (attempt 1)" in log(), 20), rx.log_tail())
        t0 = time.monotonic()
        st, body = rx.docker("VolumeDriver.Create", {"Name": "late1", "Opts": {"size": "1"}})
        took = time.monotonic() - t0
        err = body.get("Err", "") if isinstance(body, dict) else str(body)
        r.check("Docker Create meanwhile answers with the last error", st == 500 and
                "not available yet" in err and "Connection refused" in err, body)
        r.check("... long before its 10 s deadline (%.2f s)" % took, took < 5, took)
        st, body = rx.docker("VolumeDriver.Capabilities")
        r.check("so does Capabilities", st == 500 and "not available yet" in str(body), body)

        emu.start()
        r.check("the emulator came up on port %d" % port, emu.info["endpoint"] == info["endpoint"], emu.info)
        # Backoff doubles from 1 s to at most 30 s; by now the wait is at most 16 s.
        ready = poll(lambda: rx.docker("VolumeDriver.Capabilities")[0] == 200, 45, 0.5)
        r.check("the service becomes ready by itself once vboxwebsrv answers", ready, rx.log_tail())
        r.check("... and says so in the log", re.search(r"service virtualbox ready .*attempt \d+", log()),
                rx.log_tail())
        st, body = rx.docker("VolumeDriver.Create", {"Name": "late1", "Opts": {"size": "1"}})
        r.check("Create late1", st == 200 and body == {"Err": ""}, body)
        st, body = rx.docker("VolumeDriver.Mount", {"Name": "late1", "ID": "c1"})
        mp = self.mountpoint(rx, "late1")
        r.check("Mount late1", st == 200 and body == {"Mountpoint": mp + "/data", "Err": ""} and
                mount_of(mp) is not None, body)
        st, body = rx.docker("VolumeDriver.Unmount", {"Name": "late1", "ID": "c1"})
        r.check("Unmount late1", st == 200 and body == {"Err": ""} and mount_of(mp) is None, body)
        st, body = rx.docker("VolumeDriver.Remove", {"Name": "late1"})
        r.check("Remove late1", st == 200 and body == {"Err": ""}, body)
        rx.stop()
        r.check("the daemon stopped", not rx.alive())
        emu.stop()

    def silent(self):
        r = self.r
        quiet = socket.socket()
        quiet.bind(("127.0.0.1", 0))
        quiet.listen(16)  # the kernel accepts; nobody ever reads or answers
        try:
            cfg = os.path.join(self.root, "config-silent.yml")
            with open(cfg, "w") as f:
                f.write(config_yaml(dict(self.emu.info, endpoint="http://127.0.0.1:%d" % quiet.getsockname()[1])))
            silent = self.rx_silent = Rexray(self.binary, os.path.join(self.root, "home-silent"), cfg)
            t0 = time.monotonic()
            c = silent.cli("volume", "create", "quiet", "--size", "1", "--timeout", "3s")
            took = time.monotonic() - t0
            r.check("CLI --timeout 3s against a silent vboxwebsrv fails with a timeout (%.2f s)" % took,
                    c.returncode != 0 and re.search(r"time|deadline", c.stderr, re.I) is not None and
                    took < 3 + 1.5, (took, out_of(c)))
            silent.start(env={"DOCKER_TIMEOUT_LONG": "3s", "DOCKER_TIMEOUT_SHORT": "3s"})
            t0 = time.monotonic()
            st, body = silent.docker("VolumeDriver.Create", {"Name": "quiet", "Opts": {"size": "1"}})
            took = time.monotonic() - t0
            r.check("a Docker Create while the silent backend holds the service's start fails in its 3 s (%.2f s)"
                    % took, st == 500 and re.search(r"time|deadline|starting", str(body), re.I) is not None and
                    took < 3 + 1, (took, body))
        finally:
            quiet.close()  # resets the waiting connection: the start attempt ends, so does the daemon
        silent.stop()

    def ports(self):
        r = self.r
        self.emu2 = emu = Emulator(self.root, "vbox-ports", "--ports", "1", "--mimic-host")
        emu.start()
        cfg = os.path.join(self.root, "config-ports.yml")
        with open(cfg, "w") as f:
            f.write(config_yaml(emu.info, machine=False))
        self.rx2 = rx = Rexray(self.binary, os.path.join(self.root, "home2"), cfg)
        r.check("node0's SATA controller starts with 1 port, used by the boot disk",
                emu.machine("node0")["ports"]["SATA"] == {"port_count": 1, "used": [0], "free": []},
                emu.machine("node0")["ports"])
        ids = {}
        for name in ("e1", "e2", "e3"):
            ids[name] = self.create(rx, name, "--size", "1")
        devs = {}
        for n, name in enumerate(("e1", "e2"), start=2):
            m = rx.cli("volume", "mount", name)
            r.check("mount %s with every port in use" % name, m.returncode == 0, out_of(m))
            devs[name] = self.check_mounted(rx, emu, name, ids[name])
            ports = emu.machine("node0")["ports"]["SATA"]
            r.check("the driver raised the port count to %d" % n, ports["port_count"] == n, ports)
        vol = (rx.volumes() or {}).get("e1", {})
        r.check("without localMachineNameOrId the driver found node0 by MAC / DMI UUID",
                vol.get("attachedInstanceID") == emu.info["machine_uuid"], vol)

        emu.faults(strict_port_count=True)  # as real VirtualBox on a running VM
        self.expect_error("a port count VirtualBox will not raise is a clear error",
                          rx.cli("volume", "mount", "e3"), "all 3 ports of storage controller 'SATA'",
                          "raising its port count to 4 failed", "not mutable")
        r.check("... and e3 is not attached", (emu.medium(ids["e3"]) or {}).get("machine_ids") == [])
        r.check("... nor e3 mounted", mount_of(self.mountpoint(rx, "e3")) is None)
        emu.clear()
        m = rx.cli("volume", "mount", "e3")
        r.check("mount e3 once VirtualBox allows it", m.returncode == 0, out_of(m))
        devs["e3"] = self.check_mounted(rx, emu, "e3", ids["e3"])
        for name in ("e1", "e2", "e3"):
            r.check("unmount %s" % name, rx.cli("volume", "unmount", name).returncode == 0)
            self.check_released(rx, emu, name, ids[name], devs[name])
        rm = rx.cli("volume", "rm", "e1", "e2", "e3")
        r.check("remove them", rm.returncode == 0 and rx.volumes() == {}, out_of(rm))
        r.check("no websession or lock left", emu.state()["sessions"] == 0 and emu.state()["locked_sessions"] == 0)

    # -- cleanup
    def cleanup(self):
        stop_all((self.rx, self.rx2, self.rx_late, self.rx_silent), "daemon")
        unmount_under(self.root)
        if self.tls:
            self.tls.stop()
            self.tls = None
        stop_all((self.emu, self.emu2, self.emu_late), "emulator")
        detach_loops_under(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def main():
    binary = rexray_binary()
    if not binary:
        return 2
    report = Report()
    root = scratch_dir("rexray-vbox-it.")
    t = Tests(report, root, binary)

    exit_on_signals()
    started = time.monotonic()
    try:
        try:
            t.setup()
        except Exception as e:  # noqa: BLE001
            report.check("start the emulator", False, e)
            return report.finish() or 1
        run_sections(report, (t.cli, t.docker, t.preempt, t.faults, t.late, t.silent, t.https, t.ports),
                     lambda: t.rx and t.rx.alive() and diag(t.rx.log_tail()))
        if report.failed:
            for emu in (t.emu, t.emu2):
                if emu:
                    diag("emulator log %s:" % emu.logfile)
                    diag(emu.log_tail())
        t.cleanup()
        leftovers, loops = leftovers_under(root)
        report.check("cleanup left no mount, loop device or file",
                     not leftovers and not loops and not os.path.exists(root), (leftovers, loops))
        diag("%.1f s" % (time.monotonic() - started))
        return report.finish()
    finally:
        t.cleanup()  # again, for every other way out; harmless when done


if __name__ == "__main__":
    sys.exit(main())
