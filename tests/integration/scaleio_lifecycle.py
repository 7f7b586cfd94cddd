#!/usr/bin/python3
"""The `scaleio` driver end to end: the real rexray binary and its plugin
against the ScaleIO gateway emulator (tests/emulators/scaleio), which maps
volumes as real loop devices behind emc-vol-<system>-<volume> links.

Sections:
  cli     create (5 GiB becomes 8), ls, mount / write / unmount / mount again
          / read, snapshot, a volume from the snapshot with the data, names
          too long and unknown options refused, removal
  docker  the daemon's Docker socket: Create with -o thinOrThick and
          storagePool passing through to the gateway, Mount, every token
          expiring mid-run (one re-login, no error), Unmount, Remove; a
          volume's data written through one Mount read back through the next
  copy    volume create --volumeID: a copy with the source's data, listed
          as a volume (its base snapshot hidden, removed with it); snapshot
          copy refused as unsupported
  preempt a volume mapped to another SDC: mount refused naming that SDC;
          with VOLUME_MOUNT_PREEMPT=true taken from it and mounted here
  faults  a 500 is a clear error at once; a gateway answering 503 is retried
          and fails inside the CLI's --timeout; a slow mapping (addMappedSdc
          held past the deadline) ends within it with a timeout error; all
          well again afterwards
  auth    a wrong password: an auth error naming the gateway, one login try
  pools   a pool of another protection domain by configuration; pools
          outside the configured protection domain refused naming both
  https   a second emulator behind TLS: insecure: true works, without it the
          self-signed certificate is refused with a clear error

Env: REXRAY (the binary; default $BUILD/bin/rexray), BUILD. The plugin must
sit where that binary loads plugins from (a build tree does). Needs root,
losetup and mkfs.ext4. Only 127.0.0.1 is contacted.

Prints one "ok - ..." / "FAIL - ..." line per check, then "N passed, M
failed"; exits non-zero when a check failed. Every exit path stops the daemon
and the emulators and removes mounts, loop devices and temporary files.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "emulators", "scaleio"))
from testkit import (DaemonControl, Report, UnixHTTPConnection, detach_loops_under, diag,
                     exit_on_signals, leftovers_under, loop_backing_files, mount_of, poll,
                     rexray_binary, run_sections, stop_all, unmount_under)  # noqa: E402
from testkit import scratch_dir  # noqa: E402
from client import EmulatorProcess, GatewayClient  # noqa: E402

ID_RE = re.compile(r"^[0-9a-f]{16}$")
KB_PER_GIB = 1024 * 1024
GREETING = "hello from a ScaleIO volume\n"


def outcome(r):
    return "exit %s; stdout: %s; stderr: %s" % (r.returncode, r.stdout.strip(), r.stderr.strip())


def config_text(info, extra=(), pd="pd1", pool="pool1", password=None):
    """A REX-Ray 0.11 style file for the emulator's system, pool1 by default."""
    lines = ["rexray:", "  storageDrivers: [scaleio]", "scaleio:",
             "  endpoint: %s" % info["url"],
             "  userName: %s" % info["user"],
             "  password: %s" % (password or info["password"]),
             "  systemName: %s" % info["system_name"],
             "  protectionDomainName: %s" % pd,
             "  storagePoolName: %s" % pool,
             "  deviceRoot: %s" % info["device_root"]]
    return "\n".join(lines + ["  " + e for e in extra]) + "\n"


class Node(DaemonControl):
    """rexray with a private REXRAY_HOME; drv_cfg comes from the environment."""

    def __init__(self, binary, home, config_path, emulator_info):
        self.binary, self.home, self.config = binary, home, config_path
        self.drv_cfg = emulator_info["drv_cfg"]
        self.pid = None
        self.log = os.path.join(home, "var/log/rexray/rexray.log")
        self.sock = os.path.join(home, "run/docker/plugins/rexray.sock")
        os.makedirs(home, exist_ok=True)

    def cli(self, *args, timeout=120, env=None):
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("REXRAY_", "SCALEIO_", "LIBSTORAGE_", "VOLUME_"))}
        keep.update(REXRAY_HOME=self.home, HOME=self.home, SCALEIO_DRVCFGPATH=self.drv_cfg)
        keep.update(env or {})
        return subprocess.run([self.binary, "-c", self.config] + list(args), env=keep,
                              capture_output=True, text=True, timeout=timeout)

    def listing(self):
        r = self.cli("volume", "ls", "--format", "json")
        return {v["name"]: v for v in json.loads(r.stdout)} if r.returncode == 0 else {}

    def start(self):
        r = self.cli("start", timeout=90)
        found = re.search(r"running at PID (\d+)", r.stdout)
        if r.returncode != 0 or not found:
            raise RuntimeError("rexray start: " + outcome(r))
        self.pid = int(found.group(1))

    def plugin_call(self, method, body):
        conn = UnixHTTPConnection(self.sock)
        try:
            conn.request("POST", "/" + method, body=json.dumps(body).encode(),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            raw = resp.read().decode(errors="replace")
            try:
                return resp.status, json.loads(raw)
            except ValueError:
                return resp.status, {"Err": raw}
        finally:
            conn.close()

    def mountpoint(self, name):
        return os.path.join(self.home, "var/lib/rexray/volumes", name)


class Suite:
    def __init__(self, report, root, binary):
        self.r, self.root, self.binary = report, root, binary
        self.emulators = []
        self.nodes = []

    # ---- helpers
    def emulator(self, name, https=False):
        emu = EmulatorProcess(os.path.join(self.root, name, "state"), os.path.join(self.root, name, "by-id"),
                              https=https)
        self.emulators.append(emu)
        return emu.start()

    def node(self, name, emu, extra=(), **config):
        path = os.path.join(self.root, name + ".yml")
        with open(path, "w") as f:
            f.write(config_text(emu.info, extra, **config))
        n = Node(self.binary, os.path.join(self.root, name), path, emu.info)
        self.nodes.append(n)
        return n

    def gateway_volume(self, emu, vid):
        for v in emu.control("GET", "/state").get("volumes", []):
            if v.get("id") == vid:
                return v
        return {}

    def refused(self, what, r, *needles):
        err = r.stderr.strip()
        ok = r.returncode != 0 and all(n in err for n in needles)
        return self.r.check("%s: %s" % (what, err.splitlines()[-1] if ok else ""), ok, outcome(r))

    def check_mounted(self, node, emu, name, vid):
        r, mp = self.r, node.mountpoint(name)
        m = mount_of(mp)
        if not r.check("%s is mounted at %s" % (name, mp), m is not None):
            return None
        dev, fs = m
        r.check("%s: ext4 on %s" % (name, dev), fs == "ext4", fs)
        link = os.path.join(emu.info["device_root"], "emc-vol-%s-%s" % (emu.info["system_id"], vid))
        r.check("%s: the SDC link %s leads to the mounted device" % (name, os.path.basename(link)),
                os.path.realpath(link) == dev, (link, dev))
        r.check("%s: the loop device is backed by the gateway's volume" % name,
                loop_backing_files().get(dev, "").endswith("/%s.img" % vid), loop_backing_files().get(dev))
        mapped = [m["sdcId"] for m in (self.gateway_volume(emu, vid).get("mappedSdcInfo") or [])]
        r.check("%s: mapped to this host's SDC only" % name, mapped == [emu.info["host_sdc_id"]], mapped)
        return dev

    def check_released(self, node, emu, name, vid, dev):
        r = self.r
        r.check("%s is no longer mounted" % name, mount_of(node.mountpoint(name)) is None)
        r.check("%s: unmapped at the gateway" % name, not self.gateway_volume(emu, vid).get("mappedSdcInfo"))
        link = os.path.join(emu.info["device_root"], "emc-vol-%s-%s" % (emu.info["system_id"], vid))
        r.check("%s: link gone, %s released" % (name, dev),
                poll(lambda: not os.path.lexists(link) and dev not in loop_backing_files(), 10))

    def read_back(self, path):
        try:
            with open(os.path.join(path, "greeting")) as f:
                return f.read()
        except OSError as e:
            return repr(e)

    def write_greeting(self, path):
        with open(os.path.join(path, "greeting"), "w") as f:
            f.write(GREETING)

    def logins(self, emu):
        return emu.control("GET", "/calls")["calls"].get("GET /api/login", 0)

    # ---- sections
    def cli(self):
        r = self.r
        emu = self.emulator("gw")
        node = self.node("cli", emu)
        ls = node.cli("volume", "ls")
        r.check("the plugin loads and volume ls lists nothing",
                ls.returncode == 0 and len(ls.stdout.strip().splitlines()) == 1, outcome(ls))
        c = node.cli("volume", "create", "pgdata", "--size", "5")
        vol = node.listing().get("pgdata", {})
        vid = vol.get("id", "")
        r.check("create pgdata --size 5 (%s)" % vid, c.returncode == 0 and ID_RE.match(vid), outcome(c))
        r.check("5 GiB is rounded up to ScaleIO's 8 GiB and reported so", vol.get("size") == 8, vol)
        r.check("type = the pool, availability zone = the protection domain",
                vol.get("type") == "pool1" and vol.get("availabilityZone") == "pd1", vol)
        gv = self.gateway_volume(emu, vid)
        r.check("the gateway has it thin, 8 GiB, in pool1",
                gv.get("sizeInKb") == 8 * KB_PER_GIB and gv.get("volumeType") == "ThinProvisioned", gv)

        m = node.cli("volume", "mount", "pgdata")
        path = m.stdout.strip()
        r.check("volume mount prints <mount.path>/pgdata/data",
                m.returncode == 0 and path == node.mountpoint("pgdata") + "/data", outcome(m))
        dev = self.check_mounted(node, emu, "pgdata", vid)
        vol = node.listing().get("pgdata", {})
        r.check("ls shows it attached to this SDC", vol.get("attachedInstanceID") == emu.info["host_sdc_id"], vol)
        with open(os.path.join(path, "greeting"), "w") as f:
            f.write(GREETING)
        u = node.cli("volume", "unmount", "pgdata")
        r.check("volume unmount", u.returncode == 0, outcome(u))
        self.check_released(node, emu, "pgdata", vid, dev)
        m = node.cli("volume", "mount", "pgdata")
        r.check("mount again", m.returncode == 0, outcome(m))
        self.check_mounted(node, emu, "pgdata", vid)
        r.check("the file survived unmap and map", self.read_back(m.stdout.strip()) == GREETING)
        r.check("unmount again", node.cli("volume", "unmount", "pgdata").returncode == 0)

        s = node.cli("snapshot", "create", "pgdata", "nightly", "--format", "json")
        try:
            snap = json.loads(s.stdout)[0]
        except (ValueError, IndexError, KeyError):
            snap = {}
        r.check("snapshot create nightly", s.returncode == 0 and ID_RE.match(snap.get("id", "")), outcome(s))
        r.check("the gateway made it with snapshotVolumes, ancestor pgdata",
                self.gateway_volume(emu, snap.get("id", "")).get("ancestorVolumeId") == vid)
        sl = node.cli("snapshot", "ls", "pgdata")
        rows = sl.stdout.strip().splitlines()[1:] if sl.returncode == 0 else []
        r.check("snapshot ls pgdata lists it", len(rows) == 1 and "nightly" in rows[0] and vid in rows[0],
                outcome(sl))
        r.check("snapshots are not volumes", set(node.listing()) == {"pgdata"}, node.listing())
        self.refused("a second snapshot of the same name is refused",
                     node.cli("snapshot", "create", "pgdata", "nightly"), "already in use")

        c = node.cli("volume", "create", "--volumename", "restored", "--snapshotid", "nightly")
        rid = node.listing().get("restored", {}).get("id", "")
        r.check("create a volume from the snapshot", c.returncode == 0 and ID_RE.match(rid), outcome(c))
        m = node.cli("volume", "mount", "restored")
        r.check("mount the restored volume", m.returncode == 0, outcome(m))
        self.check_mounted(node, emu, "restored", rid)
        r.check("it has the file", self.read_back(m.stdout.strip()) == GREETING)
        r.check("unmount it", node.cli("volume", "unmount", "restored").returncode == 0)
        self.refused("the snapshot cannot go while a volume made from it exists",
                     node.cli("snapshot", "rm", "nightly"), "restored")

        self.refused("a name longer than 31 characters is refused, not cut",
                     node.cli("volume", "create", "x" * 32, "--size", "1"), "at most 31")
        self.refused("an unknown option is refused, naming the driver's",
                     node.cli("volume", "create", "odd", "--opt", "bogus=1"), "bogus", "thinOrThick")
        self.refused("an unknown pool is refused", node.cli("volume", "create", "odd", "--volumeType", "nopool"),
                     "nopool")
        self.refused("an unknown volume is not found", node.cli("volume", "rm", "ghost"), "ghost")

        rm = node.cli("volume", "rm", "restored", "pgdata")
        r.check("remove both volumes", rm.returncode == 0, outcome(rm))
        sr = node.cli("snapshot", "rm", "nightly")
        r.check("remove the snapshot", sr.returncode == 0, outcome(sr))
        left = [v["id"] for v in emu.control("GET", "/state").get("volumes", [])]
        r.check("the gateway has no volume left", left == [], left)

    def docker(self):
        r = self.r
        emu = self.emulators[0]
        node = self.node("daemon", emu)
        node.start()
        r.check("rexray start with the scaleio service", node.alive())
        st, rep = node.plugin_call("VolumeDriver.Create", {"Name": "thick1", "Opts": {
            "size": "1", "thinOrThick": "thickProvisioned"}})
        r.check("Docker Create -o thinOrThick=thickProvisioned", st == 200 and not rep.get("Err"), rep)
        st, rep = node.plugin_call("VolumeDriver.Create", {"Name": "thin2", "Opts": {
            "size": "9", "thinOrThick": "thinProvisioned", "storagePool": "pool2"}})
        r.check("Docker Create -o thinOrThick=thinProvisioned -o storagePool=pool2",
                st == 200 and not rep.get("Err"), rep)
        vols = node.listing()
        thick = self.gateway_volume(emu, vols.get("thick1", {}).get("id", ""))
        thin = self.gateway_volume(emu, vols.get("thin2", {}).get("id", ""))
        r.check("the gateway got ThickProvisioned", thick.get("volumeType") == "ThickProvisioned", thick)
        r.check("... and ThinProvisioned in pool2, 9 GiB as 16",
                thin.get("volumeType") == "ThinProvisioned" and thin.get("sizeInKb") == 16 * KB_PER_GIB
                and thin.get("storagePoolId") == emu.info["storage_pools"][1]["id"], thin)
        st, rep = node.plugin_call("VolumeDriver.Create", {"Name": "odd", "Opts": {"bogus": "1"}})
        r.check("Docker Create with an unknown option is refused, naming what exists",
                st == 500 and "unknown option 'bogus'" in (rep.get("Err") or "")
                and "thinOrThick" in rep.get("Err", "") and "odd" not in node.listing(), rep)

        st, rep = node.plugin_call("VolumeDriver.Mount", {"Name": "thick1", "ID": "c1"})
        r.check("Docker Mount", st == 200 and not rep.get("Err") and rep.get("Mountpoint"), rep)
        logins = emu.control("GET", "/calls")["calls"].get("GET /api/login", 0)
        emu.control("POST", "/fault", {"expire_tokens": True})
        st, rep = node.plugin_call("VolumeDriver.Unmount", {"Name": "thick1", "ID": "c1"})
        r.check("Docker Unmount after every token expired", st == 200 and not rep.get("Err"), rep)
        after = emu.control("GET", "/calls")["calls"].get("GET /api/login", 0)
        r.check("the daemon logged in again once (%d -> %d)" % (logins, after), after == logins + 1)
        r.check("and thick1 is unmapped", not self.gateway_volume(emu, thick.get("id", "")).get("mappedSdcInfo"))

        # Data through the socket: what one Mount wrote, the next one reads.
        st, rep = node.plugin_call("VolumeDriver.Create", {"Name": "dockdata", "Opts": {"size": "1"}})
        r.check("Docker Create dockdata", st == 200 and not rep.get("Err"), rep)
        did = node.listing().get("dockdata", {}).get("id", "")
        st, rep = node.plugin_call("VolumeDriver.Mount", {"Name": "dockdata", "ID": "c2"})
        mp = rep.get("Mountpoint") or ""
        r.check("Docker Mount dockdata: %s" % mp, st == 200 and not rep.get("Err") and mp, rep)
        dev = self.check_mounted(node, emu, "dockdata", did)
        if mp:
            self.write_greeting(mp)
        st, rep = node.plugin_call("VolumeDriver.Unmount", {"Name": "dockdata", "ID": "c2"})
        r.check("Docker Unmount dockdata", st == 200 and not rep.get("Err"), rep)
        self.check_released(node, emu, "dockdata", did, dev)
        st, rep = node.plugin_call("VolumeDriver.Mount", {"Name": "dockdata", "ID": "c3"})
        mp = rep.get("Mountpoint") or ""
        r.check("Docker Mount dockdata again", st == 200 and not rep.get("Err") and mp, rep)
        r.check("the file written through the first Mount is there", mp and self.read_back(mp) == GREETING)
        st, rep = node.plugin_call("VolumeDriver.Unmount", {"Name": "dockdata", "ID": "c3"})
        r.check("Docker Unmount dockdata again", st == 200 and not rep.get("Err"), rep)
        for name in ("thick1", "thin2", "dockdata"):
            st, rep = node.plugin_call("VolumeDriver.Remove", {"Name": name})
            r.check("Docker Remove %s" % name, st == 200 and not rep.get("Err"), rep)
        left = [v["id"] for v in emu.control("GET", "/state").get("volumes", [])]
        r.check("Docker Remove left the gateway no volume", left == [], left)
        node.stop()

    def copy(self):
        r = self.r
        emu = self.emulators[0]
        node = self.node("copy", emu)
        c = node.cli("volume", "create", "source", "--size", "1")
        sid = node.listing().get("source", {}).get("id", "")
        r.check("create source", c.returncode == 0 and ID_RE.match(sid), outcome(c))
        m = node.cli("volume", "mount", "source")
        r.check("mount source", m.returncode == 0, outcome(m))
        if m.returncode == 0:
            self.write_greeting(m.stdout.strip())
        r.check("unmount source", node.cli("volume", "unmount", "source").returncode == 0)

        c = node.cli("volume", "create", "copy1", "--volumeID", "source")
        vols = node.listing()
        cid = vols.get("copy1", {}).get("id", "")
        r.check("volume create copy1 --volumeID source", c.returncode == 0 and ID_RE.match(cid), outcome(c))
        r.check("volume ls lists the source and the copy, nothing else", set(vols) == {"source", "copy1"}, vols)
        copy = self.gateway_volume(emu, cid)
        base = self.gateway_volume(emu, copy.get("ancestorVolumeId") or "")
        r.check("the gateway: copy1 is a snapshot of a snapshot of source (%s)" % base.get("name"),
                base.get("ancestorVolumeId") == sid and base.get("name") == "rexray-copy-of-" + cid, (copy, base))
        sl = node.cli("snapshot", "ls")
        r.check("the base snapshot is not listed as a snapshot",
                sl.returncode == 0 and len(sl.stdout.strip().splitlines()) <= 1, outcome(sl))
        r.check("copy1 has the source's size", vols.get("copy1", {}).get("size") == 8, vols.get("copy1"))
        m = node.cli("volume", "mount", "copy1")
        r.check("mount copy1", m.returncode == 0, outcome(m))
        self.check_mounted(node, emu, "copy1", cid)
        r.check("copy1 has the source's file", m.returncode == 0 and self.read_back(m.stdout.strip()) == GREETING)
        r.check("unmount copy1", node.cli("volume", "unmount", "copy1").returncode == 0)

        s = node.cli("snapshot", "create", "source", "snapc")
        r.check("snapshot create snapc", s.returncode == 0, outcome(s))
        self.refused("snapshot copy is unsupported", node.cli("snapshot", "copy", "snapc", "snapc2"),
                     "not supported")

        rm = node.cli("volume", "rm", "copy1")
        r.check("volume rm copy1", rm.returncode == 0, outcome(rm))
        r.check("its base snapshot went with it", not self.gateway_volume(emu, base.get("id", "")), base)
        r.check("the source stays", self.gateway_volume(emu, sid).get("id") == sid)
        rm = node.cli("volume", "rm", "source")
        sr = node.cli("snapshot", "rm", "snapc")
        r.check("remove source and snapc", rm.returncode == 0 and sr.returncode == 0, (outcome(rm), outcome(sr)))
        left = [v["id"] for v in emu.control("GET", "/state").get("volumes", [])]
        r.check("the gateway has no volume left", left == [], left)

    def preempt(self):
        r = self.r
        emu = self.emulators[0]
        info = emu.info
        node = self.node("preempt", emu)
        c = node.cli("volume", "create", "shared", "--size", "1")
        vid = node.listing().get("shared", {}).get("id", "")
        r.check("create shared", c.returncode == 0 and ID_RE.match(vid), outcome(c))
        # The other node (node1 in the seed) maps it, as its rexray would.
        gw = GatewayClient(info["url"], info["user"], info["password"])
        gw.post("/api/instances/Volume::%s/action/addMappedSdc" % vid,
                {"sdcId": info["other_sdc_id"], "allowMultipleMappings": "false"})
        mapped = [m["sdcId"] for m in (self.gateway_volume(emu, vid).get("mappedSdcInfo") or [])]
        r.check("the gateway has it mapped to the other SDC", mapped == [info["other_sdc_id"]], mapped)
        self.refused("mount without preemption is refused, naming the other SDC",
                     node.cli("volume", "mount", "shared"), info["other_sdc_id"], "preempt")
        mapped = [m["sdcId"] for m in (self.gateway_volume(emu, vid).get("mappedSdcInfo") or [])]
        r.check("... and the other SDC keeps it", mapped == [info["other_sdc_id"]], mapped)
        m = node.cli("volume", "mount", "shared", env={"VOLUME_MOUNT_PREEMPT": "true"})
        r.check("VOLUME_MOUNT_PREEMPT=true: mounted here", m.returncode == 0, outcome(m))
        self.check_mounted(node, emu, "shared", vid)
        r.check("unmount shared", node.cli("volume", "unmount", "shared").returncode == 0)
        rm = node.cli("volume", "rm", "shared")
        r.check("remove shared", rm.returncode == 0, outcome(rm))

    def faults(self):
        r = self.r
        emu = self.emulators[0]
        node = self.node("faults", emu)
        c = node.cli("volume", "create", "slowmap", "--size", "1")
        vid = node.listing().get("slowmap", {}).get("id", "")
        r.check("create slowmap", c.returncode == 0 and ID_RE.match(vid), outcome(c))

        emu.control("POST", "/fault", {"fail_next": 1, "fail_message": "injected gateway failure"})
        self.refused("a 500 from the gateway is a clear error", node.cli("volume", "ls"),
                     "injected gateway failure")
        emu.control("DELETE", "/fault")

        def timed(*args):
            t0 = time.monotonic()
            out = node.cli(*args)
            return out, time.monotonic() - t0

        emu.control("POST", "/fault", {"unavailable": True})
        ls, took = timed("volume", "ls", "--timeout", "3s")
        r.check("a gateway answering 503 is retried, then fails inside --timeout 3s (%.2f s)" % took,
                ls.returncode != 0 and re.search(r"HTTP 503|time|deadline", ls.stderr, re.I) is not None and
                took < 3 + 1.5, (took, outcome(ls)))
        emu.control("DELETE", "/fault")

        emu.control("POST", "/fault", {"delay": {"addMappedSdc": 6}})
        m, took = timed("volume", "mount", "slowmap", "--timeout", "2s")
        r.check("a mapping slower than --timeout 2s fails with a timeout (%.2f s)" % took,
                m.returncode != 0 and re.search(r"time|deadline", m.stderr, re.I) is not None and
                took < 2 + 1.5, (took, outcome(m)))
        r.check("... and nothing is mounted", mount_of(node.mountpoint("slowmap")) is None)
        emu.control("DELETE", "/fault")
        # The held mapping lands after the request gave up, with no record of
        # ours: the next mount takes the volume as it finds it, mapped here.
        r.check("the held mapping landed after the request gave up",
                poll(lambda: self.gateway_volume(emu, vid).get("mappedSdcInfo"), 10))
        m = node.cli("volume", "mount", "slowmap")
        r.check("a mapping that landed late is mounted as it is", m.returncode == 0, outcome(m))
        u = node.cli("volume", "unmount", "slowmap")
        r.check("unmount slowmap unmaps it", u.returncode == 0 and
                not self.gateway_volume(emu, vid).get("mappedSdcInfo"), outcome(u))
        rm = node.cli("volume", "rm", "slowmap")
        r.check("remove slowmap", rm.returncode == 0, outcome(rm))

    def auth(self):
        r = self.r
        emu = self.emulators[0]
        node = self.node("badpw", emu, password="not-the-password")
        emu.control("DELETE", "/calls")
        ls = node.cli("volume", "ls")
        self.refused("a wrong password is an auth error naming the gateway and user",
                     ls, emu.info["url"], "refused user 'admin'")
        r.check("no crash: an error exit, no signal", ls.returncode > 0, outcome(ls))
        r.check("the password is not shown", "not-the-password" not in ls.stdout + ls.stderr)
        tries = self.logins(emu)
        r.check("no retry storm: %d login tries for volume ls" % tries, 1 <= tries <= 2, tries)

    def pools(self):
        r = self.r
        emu = self.emulators[0]
        pool3 = [p for p in emu.info["storage_pools"] if p["name"] == "pool3"][0]
        node = self.node("pd2", emu, pd="pd2", pool="pool3")
        c = node.cli("volume", "create", "inpd2", "--size", "1")
        vol = node.listing().get("inpd2", {})
        r.check("protectionDomainName pd2, storagePoolName pool3: create", c.returncode == 0, outcome(c))
        gv = self.gateway_volume(emu, vol.get("id", ""))
        r.check("the gateway placed it in pool3", gv.get("storagePoolId") == pool3["id"], gv)
        r.check("ls: type pool3, availability zone pd2",
                vol.get("type") == "pool3" and vol.get("availabilityZone") == "pd2", vol)
        r.check("remove inpd2", node.cli("volume", "rm", "inpd2").returncode == 0)

        node = self.node("pd1", emu)
        self.refused("storagePool=pool3 with pd1 configured is refused, naming both",
                     node.cli("volume", "create", "odd", "--opt", "storagePool=pool3"),
                     "protection domain 'pd1'", "pool3")
        node = self.node("nopool", emu, pool="nopool")
        self.refused("storagePoolName nopool is refused, naming pd1 and the pool",
                     node.cli("volume", "create", "odd", "--size", "1"), "protection domain 'pd1'", "nopool")
        left = [v["id"] for v in emu.control("GET", "/state").get("volumes", [])]
        r.check("the gateway has no volume left", left == [], left)

    def https(self):
        r = self.r
        emu = self.emulator("tls", https=True)
        node = self.node("tls-strict", emu)
        self.refused("https with a self-signed certificate is refused without insecure",
                     node.cli("volume", "ls"), "certificate")
        node = self.node("tls", emu, ["insecure: true"])
        c = node.cli("volume", "create", "secure", "--size", "1")
        r.check("insecure: true: create over https", c.returncode == 0 and "secure" in node.listing(), outcome(c))
        m = node.cli("volume", "mount", "secure")
        r.check("mount over https", m.returncode == 0 and mount_of(node.mountpoint("secure")) is not None,
                outcome(m))
        r.check("unmount and remove over https",
                node.cli("volume", "unmount", "secure").returncode == 0 and
                node.cli("volume", "rm", "secure").returncode == 0)

    # ---- cleanup, for every way out
    def cleanup(self):
        stop_all(self.nodes, "daemon")
        unmount_under(self.root)
        stop_all(self.emulators, "emulator")
        detach_loops_under(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def main():
    binary = rexray_binary()
    if not binary:
        return 2
    report = Report()
    root = scratch_dir("rexray-scaleio-it.")
    suite = Suite(report, root, binary)

    exit_on_signals()
    started = time.monotonic()
    try:
        run_sections(report, (suite.cli, suite.docker, suite.copy, suite.preempt, suite.faults, suite.auth,
                                     suite.pools,
                                     suite.https),
                     lambda: [diag(n.log_tail()) for n in suite.nodes if n.alive()])
        suite.cleanup()
        mounts_left, loops_left = leftovers_under(root)
        report.check("cleanup left no mount, loop device or file",
                     not mounts_left and not loops_left and not os.path.exists(root), (mounts_left, loops_left))
        diag("%.1f s" % (time.monotonic() - started))
        return report.finish()
    finally:
        suite.cleanup()


if __name__ == "__main__":
    sys.exit(main())
