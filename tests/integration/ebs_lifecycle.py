#!/usr/bin/python3
"""The `ebs` driver end to end: the real rexray binary and its plugin against
moto behind the EC2 test backend (tests/emulators/ec2/: a SigV4-checking
proxy, an instance-metadata emulator and loop-device hot-plug), with real
mkfs and mounts, in Xen and then Nitro device mode.

Sections (each mode):
  options   create with every option (types, iops, gp3 throughput, encryption
            with a request key and with ebs.kmsKeyID, another zone); refused
            combinations; each checked with `aws ec2 describe-volumes` on moto
  cli       through the CLI (no daemon): mount (mkfs), write, unmount and
            detach, mount again and read, snapshot, restore and read, copy the
            snapshot (same region and to us-west-2), copy a volume, attach and
            detach by hand, remove; the backend checked with the aws CLI
  preempt   a volume attached to the other instance: mount fails naming it;
            with VOLUME_MOUNT_PREEMPT=true it is force-detached and mounted here
  faults    throttling bursts, 500s and 503s converge; a stuck attach ends in
            a clear error inside device.attachTimeout and is force-detached;
            bad keys give AuthFailure / SignatureDoesNotMatch; instance-role
            credentials from the metadata service, also after they are revoked
  docker    the Docker volume plugin socket of `rexray start`: Create with
            options, Mount/Unmount/Mount again, snapshot + restore via Create
            options, List/Get/Path without EC2 calls, Remove; the EC2 calls of a
            warm mount counted by the proxy

Env: REXRAY (the binary; default $BUILD/bin/rexray; its plugin directory must
hold librexray-ebs.so, as a build tree does). Needs root, losetup, mkfs.ext4,
a python3 on PATH with moto (the stack runs under it) and the aws CLI.
Only 127.0.0.1 is contacted: every EBS_* endpoint points at the stack.
This script itself uses the Python standard library only.

Prints one "ok - ..." / "FAIL - ..." line per check, then "N passed, M failed";
exits non-zero when any check failed. Every exit path stops the daemon and the
stack, unmounts, detaches loop devices and removes temporary files.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from testkit import (Report, UnixHTTPConnection, diag, exit_on_signals, leftovers_under,  # noqa: E402
                     loop_backing_files, mounts, poll, rexray_binary)
from testkit import scratch_dir  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
STACK = os.path.join(REPO, "tests", "emulators", "ec2", "stack.py")
START_BANNER = "Starting REX-Ray...SUCCESS!"
TAG = "it"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/abcd1234-a123-456a-a12b-a123b4cd56ef"
DEFAULT_KMS = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-b111-2222-c333-444455556666"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ---------------------------------------------------------------- the host

def is_mounted(mp):
    return any(m == mp for _, m, _ in mounts())


def backing_of_mount(mp):
    """The backing file of the loop device mounted at mp (by device number)."""
    try:
        st = os.stat(mp)
        with open("/sys/dev/block/%d:%d/loop/backing_file" % (os.major(st.st_dev), os.minor(st.st_dev))) as f:
            return f.read().strip()
    except OSError:
        return None


def python_with_moto():
    for cand in [shutil.which("python3"), "/usr/bin/python3", sys.executable]:
        if cand and subprocess.run([cand, "-c", "import moto, botocore"], capture_output=True).returncode == 0:
            return cand
    return None


def out_of(r):
    return "exit %s; stdout: %s; stderr: %s" % (r.returncode, r.stdout.strip()[-600:], r.stderr.strip()[-600:])


# ---------------------------------------------------------------- the stack

class Stack:
    def __init__(self, python, state_dir, nitro):
        self.python = python
        self.dir = state_dir
        self.nitro = nitro
        self.proc = None
        self.info = {}

    def start(self):
        args = [self.python, STACK, "--state-dir", self.dir] + (["--nitro"] if self.nitro else [])
        self.log = open(os.path.join(os.path.dirname(self.dir), "stack-%s.out" % ("nitro" if self.nitro else "xen")), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        path = os.path.join(self.dir, "stack.json")
        ok = poll(lambda: os.path.exists(path) or self.proc.poll() is not None, 90, 0.1)
        if not ok or not os.path.exists(path):
            raise RuntimeError("the EC2 stack did not start (exit %s); see %s" % (self.proc.poll(), self.log.name))
        with open(path) as f:
            self.info = json.load(f)
        return self.info

    def stop(self):
        if self.proc is None:
            return
        p, self.proc = self.proc, None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
                subprocess.run([self.python, STACK, "--cleanup", self.dir], capture_output=True)
        if p.returncode not in (0, None):
            subprocess.run([self.python, STACK, "--cleanup", self.dir], capture_output=True)
        self.log.close()

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.info["control_endpoint"] + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with NO_PROXY.open(req, timeout=60) as r:
            return json.loads(r.read().decode() or "null")

    def calls(self):
        return self.control("GET", "/calls")

    def reset_calls(self):
        self.control("POST", "/calls/reset", {})


# ---------------------------------------------------------------- the checks

class Mode:
    def __init__(self, report, rexray, python, aws, tmp, nitro):
        self.r = report
        self.rexray = rexray
        self.aws_bin = aws
        self.tmp = tmp
        self.nitro = nitro
        self.name = "nitro" if nitro else "xen"
        self.home = os.path.join(tmp, "home-" + self.name)
        os.makedirs(self.home)
        self.stack = Stack(python, os.path.join(tmp, "stack-" + self.name), nitro)
        self.daemon_pid = None
        self.volumes_dir = os.path.join(self.home, "var/lib/rexray/volumes")
        self.sock = os.path.join(self.home, "run/docker/plugins/rexray.sock")

    # -- environment
    def env(self, extra=None, drop=()):
        i = self.stack.info
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("REXRAY_", "VOLUME_", "LIBSTORAGE_", "DEVICE_", "EBS_", "EC2_", "AWS_"))}
        env.update({
            "REXRAY_HOME": self.home, "HOME": self.home, "REXRAY_STORAGEDRIVERS": "ebs",
            "REXRAY_LOGLEVEL": "info",
            "EBS_ENDPOINT": i["ec2_endpoint"], "EBS_METADATAENDPOINT": i["metadata_endpoint"],
            "EBS_ACCESSKEY": i["access_key"], "EBS_SECRETKEY": i["secret_key"], "EBS_REGION": i["region"],
            "EBS_DEVICEROOT": i["device_root"], "EBS_SYSFSROOT": i["sysfs_root"], "EBS_TAG": TAG,
            "EBS_KMSKEYID": DEFAULT_KMS, "EBS_THROUGHPUT": "250",
        })
        for k in drop:
            env.pop(k, None)
        env.update(extra or {})
        return env

    def rx(self, *args, extra=None, drop=(), timeout=120):
        return subprocess.run([self.rexray, *args], env=self.env(extra, drop), capture_output=True,
                              text=True, timeout=timeout)

    def rx_json(self, *args, **kw):
        r = self.rx("--format", "json", *args, **kw)
        if r.returncode != 0:
            raise RuntimeError("rexray %s: %s" % (" ".join(args), out_of(r)))
        return json.loads(r.stdout)

    def rx_obj(self, *args, **kw):
        """The one object a create/copy prints (the CLI prints a list of one)."""
        out = self.rx_json(*args, **kw)
        return out[0] if isinstance(out, list) and len(out) == 1 else out

    def aws(self, *args, region=None):
        i = self.stack.info
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": i["access_key"], "AWS_SECRET_ACCESS_KEY": i["secret_key"],
                    "AWS_DEFAULT_REGION": region or i["region"], "AWS_CONFIG_FILE": "/dev/null",
                    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "NO_PROXY": "127.0.0.1",
                    "AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "1"})
        r = subprocess.run([self.aws_bin, "--endpoint-url", i["moto_endpoint"], "--output", "json",
                            "ec2", *args], env=env, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("aws ec2 %s: %s" % (" ".join(args), out_of(r)))
        return json.loads(r.stdout or "null")

    def ec2_volume(self, vid):
        vols = self.aws("describe-volumes", "--filters", "Name=volume-id,Values=" + vid)["Volumes"]
        return vols[0] if vols else None

    def ec2_snapshots(self, region=None, **filters):
        args = ["describe-snapshots", "--owner-ids", "self"]
        for k, v in filters.items():
            args += ["--filters", "Name=%s,Values=%s" % (k.replace("_", "-"), v)]
        return self.aws(*args, region=region)["Snapshots"]

    @staticmethod
    def tags(obj):
        return {t["Key"]: t["Value"] for t in obj.get("Tags", [])}

    def volume(self, name):
        for v in self.rx_json("volume", "ls"):
            if v["name"] == name:
                return v
        return None

    def mountpoint(self, name):
        return os.path.join(self.volumes_dir, name)

    def check(self, what, cond, detail=""):
        return self.r.check("%s: %s" % (self.name, what), cond, detail)

    def expect_ok(self, what, r):
        return self.check(what, r.returncode == 0, out_of(r))

    def expect_error(self, what, r, *patterns):
        err = (r.stderr or "").strip()
        ok = r.returncode != 0 and all(re.search(p, err) for p in patterns)
        return self.check(what, ok, out_of(r))

    def hotplug_clean(self):
        st = self.stack.control("GET", "/state")
        return st["devices"].get("errors") or []

    # -- sections
    def options(self):
        cases = [
            ("o-gp2", ["--size", "1", "--volumeType", "gp2"], {"VolumeType": "gp2", "Size": 1}),
            ("o-gp3", ["--size", "2", "--volumeType", "gp3", "--iops", "4000"],
             {"VolumeType": "gp3", "Size": 2, "Iops": 4000, "Throughput": 250}),
            ("o-io1", ["--size", "4", "--volumeType", "io1", "--iops", "200"],
             {"VolumeType": "io1", "Size": 4, "Iops": 200}),
            ("o-io2", ["--size", "4", "--volumeType", "io2", "--iops", "1000"],
             {"VolumeType": "io2", "Size": 4, "Iops": 1000}),
            ("o-st1", ["--size", "125", "--volumeType", "st1"], {"VolumeType": "st1", "Size": 125}),
            ("o-sc1", ["--size", "125", "--volumeType", "sc1"], {"VolumeType": "sc1", "Size": 125}),
            ("o-std", ["--size", "1", "--volumeType", "standard"], {"VolumeType": "standard", "Size": 1}),
            ("o-enc", ["--size", "1", "--encrypted", "--encryptionKey", KMS_KEY],
             {"Encrypted": True, "KmsKeyId": KMS_KEY}),
            ("o-enc-default", ["--size", "1", "--encrypted"], {"Encrypted": True, "KmsKeyId": DEFAULT_KMS}),
            # The plugin's own create options through --opt, as Docker's -o.
            ("o-opt", ["--size", "2", "--volumeType", "gp3", "--opt", "throughput=400", "--opt",
                       "kmsKeyID=" + KMS_KEY, "--encrypted"],
             {"VolumeType": "gp3", "Throughput": 400, "Encrypted": True, "KmsKeyId": KMS_KEY}),
        ]
        for name, args, want in cases:
            r = self.rx_obj("volume", "create", name, *args)
            vid = r.get("id", "")
            v = self.ec2_volume(vid) if vid else None
            got = {k: (v or {}).get(k) for k in want}
            self.check("create %s %s → EC2 has %s" % (name, " ".join(args), want),
                       v is not None and got == want and self.tags(v).get("Name") == TAG + "/" + name
                       and v["AvailabilityZone"] == self.stack.info["availability_zone"] and r["name"] == name,
                       (r, v))
        # Another zone: created there (the Name tag too), invisible to this zone's list.
        r = self.rx_obj("volume", "create", "o-zone-b", "--size", "1", "--availabilityZone", "us-east-1b")
        v = self.ec2_volume(r.get("id", "-"))
        self.check("create in us-east-1b lands there", v is not None and v["AvailabilityZone"] == "us-east-1b"
                   and self.tags(v).get("Name") == TAG + "/o-zone-b", v)
        self.check("... and the list stays scoped to this instance's zone", self.volume("o-zone-b") is None)
        if v:
            self.aws("delete-volume", "--volume-id", v["VolumeId"])
        # Refused before EC2 is asked, with the reason.
        self.expect_error("io1 without iops is refused", self.rx("volume", "create", "o-bad1", "--size", "4",
                                                               "--volumeType", "io1"), "io1 needs iops")
        self.expect_error("iops with gp2 is refused", self.rx("volume", "create", "o-bad2", "--size", "4",
                                                            "--volumeType", "gp2", "--iops", "300"),
                          "iops only applies")
        self.expect_error("an unknown type is refused", self.rx("volume", "create", "o-bad3", "--volumeType", "gp9"),
                          "unknown volume type 'gp9'")
        # EC2 refuses, and says why (the proxy's EC2 size limits).
        self.expect_error("st1 below 125 GiB: EC2's InvalidParameterValue is passed on",
                          self.rx("volume", "create", "o-bad4", "--size", "1", "--volumeType", "st1"),
                          "CreateVolume", "InvalidParameter")
        self.expect_error("a duplicate name is refused naming the holder",
                          self.rx("volume", "create", "o-gp2", "--size", "1"), "already exists")
        # Tagged scope: a volume named without our prefix is invisible; ours list without it.
        other = self.aws("create-volume", "--availability-zone", "us-east-1a", "--size", "1",
                         "--tag-specifications", "ResourceType=volume,Tags=[{Key=Name,Value=o-gp2}]")
        names = [v["name"] for v in self.rx_json("volume", "ls")]
        self.check("the list shows tagged volumes by their short names only",
                   "o-gp2" in names and names.count("o-gp2") == 1 and all(not n.startswith(TAG + "/") for n in names),
                   names)
        r = self.rx("volume", "ls", other["VolumeId"])
        self.check("a volume outside the tag scope is not found by id", r.returncode != 0, out_of(r))
        self.aws("delete-volume", "--volume-id", other["VolumeId"])
        for name, _, _ in cases:
            self.expect_ok("remove %s" % name, self.rx("volume", "rm", name))
        left = self.aws("describe-volumes", "--filters", "Name=tag:Name,Values=%s/o-*" % TAG)["Volumes"]
        self.check("EC2 has none of them left", not left, left)

    def cli(self):
        i = self.stack.info
        r = self.rx_obj("volume", "create", "data01", "--size", "1", "--volumeType", "gp2")
        vid = r["id"]
        self.check("create data01 (%s)" % vid, vid.startswith("vol-"), r)
        r = self.rx("volume", "mount", "data01")
        self.expect_ok("mount data01 (attach, mkfs, mount)", r)
        mp = self.mountpoint("data01")
        data = os.path.join(mp, "data")
        self.check("mounted at %s" % mp, is_mounted(mp) and r.stdout.strip() == data, r.stdout)
        backing = os.path.join(i["backing_dir"], vid + ".img")
        self.check("the mounted disk is the volume's own (%s)" % os.path.basename(backing),
                   backing_of_mount(mp) == backing, backing_of_mount(mp))
        v = self.ec2_volume(vid)
        att = (v or {}).get("Attachments") or [{}]
        self.check("EC2: attached to this instance as /dev/xvd?",
                   att[0].get("InstanceId") == i["instance_id"] and att[0].get("State") == "attached"
                   and re.match(r"^/dev/xvd[f-p]$", att[0].get("Device", "")), v)
        if self.nitro:
            self.check("nitro: no xvd name exists, the disk is an NVMe one",
                       not any(n.startswith("xvd") and n != "xvda1" for n in os.listdir(i["device_root"]))
                       and any(re.match(r"nvme[1-9]\d*n1$", n) for n in os.listdir(i["device_root"])),
                       os.listdir(i["device_root"]))
        with open(os.path.join(data, "hello.txt"), "w") as f:
            f.write("hello from %s\n" % self.name)
        ls = self.volume("data01")
        self.check("volume ls: attached here with its device", ls and ls["attachedInstanceID"] == i["instance_id"]
                   and ls["attachedDevice"] == att[0].get("Device"), ls)
        self.expect_ok("unmount data01", self.rx("volume", "unmount", "data01"))
        v = self.ec2_volume(vid)
        self.check("unmounted and detached (EC2: no attachment, state available)",
                   not is_mounted(mp) and v and not v.get("Attachments") and v["State"] == "available", v)
        self.check("the hot-plugged device is gone", not os.path.exists(backing) or
                   backing not in loop_backing_files().values(), loop_backing_files())
        self.expect_ok("mount data01 again", self.rx("volume", "mount", "data01"))
        try:
            with open(os.path.join(data, "hello.txt")) as f:
                content = f.read()
        except OSError as e:
            content = repr(e)
        self.check("the data is still there", content == "hello from %s\n" % self.name, content)

        # Snapshot of the mounted volume (the backend syncs first), restore, read.
        s = self.rx_obj("snapshot", "create", "data01", "snap01", "--description", "integration")
        snaps = self.ec2_snapshots(snapshot_id=s.get("id", "-"))
        self.check("snapshot snap01 (%s): EC2 has it completed, tagged %s/snap01" % (s.get("id"), TAG),
                   snaps and snaps[0]["State"] == "completed" and self.tags(snaps[0]).get("Name") == TAG + "/snap01"
                   and snaps[0]["VolumeId"] == vid and s.get("name") == "snap01", (s, snaps))
        self.check("snapshot ls shows it", any(x["id"] == s.get("id") for x in self.rx_json("snapshot", "ls", "data01")))
        self.expect_ok("unmount data01", self.rx("volume", "unmount", "data01"))
        r = self.rx_obj("volume", "create", "restored01", "--snapshotID", "snap01")
        rv = self.ec2_volume(r.get("id", "-"))
        self.check("restore from snap01: EC2 volume from that snapshot, its size",
                   rv and rv.get("SnapshotId") == s.get("id") and rv["Size"] == 1, rv)
        self.expect_ok("mount restored01", self.rx("volume", "mount", "restored01"))
        try:
            with open(os.path.join(self.mountpoint("restored01"), "data", "hello.txt")) as f:
                content = f.read()
        except OSError as e:
            content = repr(e)
        self.check("the restored volume has the data", content == "hello from %s\n" % self.name, content)
        self.expect_ok("unmount restored01", self.rx("volume", "unmount", "restored01"))

        # Copies of the snapshot: here and in another region.
        c = self.rx_obj("snapshot", "copy", "snap01", "snap01-copy")
        here = self.ec2_snapshots(snapshot_id=c.get("id", "-"))
        self.check("snapshot copy in the same region, tagged", here and self.tags(here[0]).get("Name") == TAG + "/snap01-copy"
                   and c.get("name") == "snap01-copy", (c, here))
        w = self.rx_obj("snapshot", "copy", "snap01", "snap01-west", "--destinationRegion", "us-west-2")
        west = self.ec2_snapshots(region="us-west-2", snapshot_id=w.get("id", "-"))
        self.check("snapshot copy to us-west-2 (CopySnapshot sent there with SourceRegion and a presigned URL)",
                   west and self.tags(west[0]).get("Name") == TAG + "/snap01-west" and west[0]["State"] == "completed",
                   (w, west))
        self.check("... and not in us-east-1", not self.ec2_snapshots(snapshot_id=w.get("id", "-")))
        if west:
            self.aws("delete-snapshot", "--snapshot-id", west[0]["SnapshotId"], region="us-west-2")

        # A volume copied from another (through a temporary snapshot).
        before = {x["SnapshotId"] for x in self.ec2_snapshots()}
        r = self.rx_obj("volume", "create", "copy01", "--volumeID", "data01")
        after = {x["SnapshotId"] for x in self.ec2_snapshots()}
        self.check("copy a volume: created, the temporary snapshot removed",
                   r.get("id", "").startswith("vol-") and after == before, (r, before ^ after))
        self.expect_ok("mount copy01", self.rx("volume", "mount", "copy01"))
        try:
            with open(os.path.join(self.mountpoint("copy01"), "data", "hello.txt")) as f:
                content = f.read()
        except OSError as e:
            content = repr(e)
        self.check("the copy has the data", content == "hello from %s\n" % self.name, content)
        self.expect_ok("unmount copy01", self.rx("volume", "unmount", "copy01"))

        # Attach and detach by hand.
        r = self.rx("volume", "attach", "data01")
        dev = r.stdout.strip()
        self.check("volume attach prints the identified local device", r.returncode == 0 and dev.startswith(
            i["device_root"] + "/" + ("nvme" if self.nitro else "xvd")), out_of(r))
        self.expect_ok("volume detach", self.rx("volume", "detach", "data01"))
        v = self.ec2_volume(vid)
        self.check("EC2: detached", v and not v.get("Attachments"), v)

        for snap in ("snap01", "snap01-copy"):
            self.expect_ok("snapshot rm %s" % snap, self.rx("snapshot", "rm", snap))
        for name in ("data01", "restored01", "copy01"):
            self.expect_ok("volume rm %s" % name, self.rx("volume", "rm", name))
        self.check("EC2: no volume or snapshot of ours left",
                   not self.aws("describe-volumes", "--filters", "Name=tag:Name,Values=%s/*" % TAG)["Volumes"]
                   and not self.ec2_snapshots(tag_Name=TAG + "/*"))
        self.check("hot-plug saw no device yanked while mounted", not self.hotplug_clean(), self.hotplug_clean())

    def preempt(self):
        i = self.stack.info
        vid = self.rx_obj("volume", "create", "pre01", "--size", "1")["id"]
        other = self.stack.control("POST", "/attach-other", {"volume_id": vid})
        self.check("attached to the other instance %s" % i["other_instance_id"],
                   other.get("instance_id") == i["other_instance_id"], other)
        ls = self.volume("pre01")
        self.check("volume ls reports the other instance", ls and ls["attachedInstanceID"] == i["other_instance_id"], ls)
        r = self.rx("volume", "mount", "pre01")
        self.expect_error("mount without preempt fails naming the other instance", r,
                          re.escape(i["other_instance_id"]), "preempt")
        v = self.ec2_volume(vid)
        self.check("... and leaves it attached there", v and v["Attachments"] and
                   v["Attachments"][0]["InstanceId"] == i["other_instance_id"], v)
        r = self.rx("volume", "mount", "pre01", extra={"VOLUME_MOUNT_PREEMPT": "true"})
        self.expect_ok("mount with VOLUME_MOUNT_PREEMPT=true", r)
        v = self.ec2_volume(vid)
        self.check("force-detached there and attached here", v and v["Attachments"] and
                   v["Attachments"][0]["InstanceId"] == i["instance_id"] and is_mounted(self.mountpoint("pre01")), v)
        log = self.stack.control("GET", "/log?n=60")
        detaches = [e for e in log if e.get("action") == "DetachVolume" and e.get("volume_id") == vid]
        self.check("the driver sent the DetachVolume itself (no InstanceId: whoever holds it)",
                   detaches and detaches[-1].get("status") == 200 and not detaches[-1].get("instance_id"), detaches)
        self.expect_ok("unmount pre01", self.rx("volume", "unmount", "pre01"))
        self.expect_ok("remove pre01", self.rx("volume", "rm", "pre01"))

    def faults(self):
        i = self.stack.info
        st = self.stack
        vid = self.rx_obj("volume", "create", "flt01", "--size", "1")["id"]
        # Throttling bursts, 500s and 503s converge.
        st.reset_calls()
        st.control("POST", "/faults", {"throttle": 3})
        r = self.rx("volume", "ls")
        calls = st.calls()
        self.check("3 throttled DescribeVolumes are retried until they succeed",
                   r.returncode == 0 and "flt01" in r.stdout and calls.get("DescribeVolumes", 0) >= 4,
                   (out_of(r), calls))
        st.control("POST", "/faults", {"error500": 2, "unavailable": 2})
        r = self.rx("volume", "mount", "flt01")
        self.expect_ok("a mount through two 500s and two 503s succeeds", r)
        st.control("POST", "/faults/clear", {})
        self.expect_ok("unmount flt01", self.rx("volume", "unmount", "flt01"))

        # A stuck attach ends in a clear error inside the attach deadline.
        st.control("POST", "/faults", {"stuck_attach": True})
        t0 = time.monotonic()
        r = self.rx("volume", "mount", "flt01", extra={"DEVICE_ATTACHTIMEOUT": "5s"})
        took = time.monotonic() - t0
        self.expect_error("a stuck attach fails clearly", r, "stuck", re.escape(vid), "force-detach")
        self.check("... within the 5 s attach deadline (%.1f s)" % took, took < 6.5, took)
        st.control("POST", "/faults/clear", {})
        v = poll(lambda: (lambda x: x if x and not x.get("Attachments") else None)(self.ec2_volume(vid)), 10)
        self.check("... and the stuck attachment was force-detached", v is not None, self.ec2_volume(vid))
        self.expect_ok("after the fault, mount works (another device name)", self.rx("volume", "mount", "flt01"))
        self.expect_ok("unmount flt01", self.rx("volume", "unmount", "flt01"))

        # Bad credentials.
        r = self.rx("volume", "ls", extra={"EBS_ACCESSKEY": "AKIDNOSUCHKEY"})
        self.expect_error("an unknown access key: AuthFailure, clearly", r, "AuthFailure",
                          "not able to validate", "DescribeVolumes")
        r = self.rx("volume", "ls", extra={"EBS_SECRETKEY": "wrong-secret"})
        self.expect_error("a wrong secret: SignatureDoesNotMatch", r, "SignatureDoesNotMatch")

        # No keys configured: the chain ends at the instance role (IMDS).
        r = self.rx("volume", "ls", drop=("EBS_ACCESSKEY", "EBS_SECRETKEY"))
        self.check("no keys: instance-role credentials from the metadata service work",
                   r.returncode == 0 and "flt01" in r.stdout, out_of(r))
        # Keys in the environment (AWS_*) and the shared credentials file.
        r = self.rx("volume", "ls", drop=("EBS_ACCESSKEY", "EBS_SECRETKEY"),
                    extra={"AWS_ACCESS_KEY_ID": i["access_key"], "AWS_SECRET_ACCESS_KEY": i["secret_key"]})
        self.check("keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY work", r.returncode == 0, out_of(r))
        cred = os.path.join(self.tmp, "credentials-" + self.name)
        with open(cred, "w") as f:
            f.write("[other]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (i["access_key"], i["secret_key"]))
        r = self.rx("volume", "ls", drop=("EBS_ACCESSKEY", "EBS_SECRETKEY"),
                    extra={"AWS_SHARED_CREDENTIALS_FILE": cred, "EBS_PROFILE": "other",
                           "EBS_METADATAENDPOINT": i["metadata_endpoint"]})
        self.check("keys from a credentials file profile work", r.returncode == 0, out_of(r))
        # Revoked role credentials within one process: the daemon's next call
        # fetches new ones (tested in the docker section, which keeps a process).
        self.expect_ok("remove flt01", self.rx("volume", "rm", "flt01"))

    def docker(self):
        i = self.stack.info
        st = self.stack

        def req(method, body):
            conn = UnixHTTPConnection(self.sock, timeout=150)
            try:
                conn.request("POST", "/VolumeDriver." + method, body=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                try:
                    return resp.status, json.loads(raw.decode() or "{}")
                except ValueError:
                    return resp.status, {"Err": raw.decode(errors="replace")}
            finally:
                conn.close()

        # The daemon runs on role credentials (no keys) to show they are refreshed.
        r = subprocess.run([self.rexray, "start"], env=self.env(drop=("EBS_ACCESSKEY", "EBS_SECRETKEY")),
                           capture_output=True, text=True, timeout=90)
        m = re.search(r"running at PID (\d+)", r.stdout)
        if not self.check("rexray start", r.returncode == 0 and START_BANNER in r.stdout and m, out_of(r)):
            return
        self.daemon_pid = int(m.group(1))
        status, caps = req("Capabilities", {})
        self.check("Capabilities: scope global", status == 200 and caps.get("Capabilities", {}).get("Scope") == "global",
                   caps)
        # throughput is the ebs plugin's own create option (it declares it);
        # Docker's -o passes it through, overriding ebs.throughput (250).
        status, rep = req("Create", {"Name": "dk01", "Opts": {"size": "2", "volumeType": "gp3", "iops": "3000",
                                                              "Throughput": "300"}})
        self.check("Create dk01 with options, the driver's own throughput among them",
                   status == 200 and not rep.get("Err"), rep)
        vols = self.aws("describe-volumes", "--filters", "Name=tag:Name,Values=%s/dk01" % TAG)["Volumes"]
        self.check("EC2: gp3, 2 GiB, 3000 IOPS, 300 MiB/s, tagged", len(vols) == 1 and vols[0]["VolumeType"] == "gp3"
                   and vols[0]["Size"] == 2 and vols[0]["Iops"] == 3000 and vols[0].get("Throughput") == 300, vols)
        status, rep = req("Create", {"Name": "dk09", "Opts": {"thinOrThick": "thin"}})
        self.check("an option no ebs plugin declares is refused, naming the ones that exist",
                   status == 500 and "unknown option 'thinOrThick'" in rep.get("Err", "")
                   and "throughput, kmsKeyID" in rep.get("Err", ""), rep)
        vid = vols[0]["VolumeId"] if vols else "-"
        status, rep = req("Mount", {"Name": "dk01", "ID": "c1"})
        mp = rep.get("Mountpoint", "")
        self.check("Mount dk01", status == 200 and not rep.get("Err") and is_mounted(self.mountpoint("dk01")), rep)
        try:
            with open(os.path.join(mp, "docker.txt"), "w") as f:
                f.write("from docker\n")
            wrote = True
        except OSError as e:
            wrote = repr(e)
        self.check("write through the mount", wrote is True, wrote)
        status, rep = req("Unmount", {"Name": "dk01", "ID": "c1"})
        v = self.ec2_volume(vid)
        self.check("Unmount dk01: unmounted and detached", status == 200 and not is_mounted(self.mountpoint("dk01"))
                   and v and not v.get("Attachments"), (rep, v))

        # A warm mount of an existing, detached volume: EC2 calls counted at the proxy.
        st.reset_calls()
        status, rep = req("Mount", {"Name": "dk01", "ID": "c2"})
        calls = st.calls()
        total = sum(calls.values())
        self.check("Mount again (%d EC2 calls: %s)" % (total, calls), status == 200 and not rep.get("Err"), rep)
        self.check("a warm mount makes at most 4 EC2 calls", total <= 4, calls)
        try:
            with open(os.path.join(rep.get("Mountpoint", "/nonexistent"), "docker.txt")) as f:
                content = f.read()
        except OSError as e:
            content = repr(e)
        self.check("the data is there", content == "from docker\n", content)

        st.reset_calls()
        status, lst = req("List", {})
        status2, get = req("Get", {"Name": "dk01"})
        status3, path = req("Path", {"Name": "dk01"})
        calls = st.calls()
        self.check("List/Get/Path answer from the cache: 0 EC2 calls",
                   status == 200 and any(v["Name"] == "dk01" for v in lst.get("Volumes", []))
                   and get.get("Volume", {}).get("Mountpoint") == rep.get("Mountpoint")
                   and path.get("Mountpoint") == rep.get("Mountpoint") and sum(calls.values()) == 0,
                   (lst, get, path, calls))

        # 50 concurrent lookups: the driver coalesces every lookup in flight
        # into one DescribeVolumes. The control API serves 16 requests at a
        # time, so 50 inspects arrive in about four waves.
        names = ["dkc%02d" % n for n in range(10)]
        for n in names:
            status, rep = req("Create", {"Name": n, "Opts": {"size": "1"}})
        self.check("Create 10 more volumes", status == 200 and not rep.get("Err"), rep)
        st.reset_calls()
        results = []
        barrier = threading.Barrier(50)

        def inspect(name):
            conn = UnixHTTPConnection(os.path.join(self.home, "var/run/rexray/rexray.sock"), timeout=60)
            try:
                conn.connect()
                barrier.wait(30)
                conn.request("GET", "/volumes/ebs/" + name)
                resp = conn.getresponse()
                results.append((resp.status, json.loads(resp.read().decode() or "{}").get("name")))
            except Exception as e:  # noqa: BLE001
                results.append((0, repr(e)))
            finally:
                conn.close()

        threads = [threading.Thread(target=inspect, args=(names[k % 10],)) for k in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        calls = st.calls()
        self.check("50 concurrent inspects answered", len(results) == 50 and all(r[0] == 200 for r in results),
                   results)
        self.check("... with %d DescribeVolumes (coalesced per wave of the control API's 16 threads)"
                   % calls.get("DescribeVolumes", 0),
                   calls.get("DescribeVolumes", 0) <= 5 and sum(calls.values()) == calls.get("DescribeVolumes", 0),
                   calls)
        for n in names:
            req("Remove", {"Name": n})

        # Snapshot through the daemon's CLI; restore through Create options.
        r = self.rx("snapshot", "create", "dk01", "dksnap", drop=("EBS_ACCESSKEY", "EBS_SECRETKEY"))
        self.expect_ok("snapshot create dk01 dksnap (CLI through the daemon)", r)
        status, rep = req("Unmount", {"Name": "dk01", "ID": "c2"})
        self.check("Unmount dk01", status == 200 and not rep.get("Err"), rep)

        # The role credentials are revoked: the daemon fetches new ones and goes on.
        st.control("POST", "/faults", {"expire_credentials": True})
        status, rep = req("Create", {"Name": "dk02", "Opts": {"snapshotName": "dksnap"}})
        self.check("Create dk02 from snapshot dksnap (after the role credentials were revoked)",
                   status == 200 and not rep.get("Err"), rep)
        st.control("POST", "/faults/clear", {})
        status, rep = req("Mount", {"Name": "dk02", "ID": "c3"})
        try:
            with open(os.path.join(rep.get("Mountpoint", "/nonexistent"), "docker.txt")) as f:
                content = f.read()
        except OSError as e:
            content = repr(e)
        self.check("Mount dk02: the restored data", status == 200 and content == "from docker\n", (rep, content))
        status, rep = req("Unmount", {"Name": "dk02", "ID": "c3"})
        self.check("Unmount dk02", status == 200 and not rep.get("Err"), rep)

        # A volume attached elsewhere: Docker's mount error names the instance.
        vid3 = self.rx_obj("volume", "create", "dk03", "--size", "1", drop=("EBS_ACCESSKEY", "EBS_SECRETKEY"))["id"]
        st.control("POST", "/attach-other", {"volume_id": vid3})
        status, rep = req("Mount", {"Name": "dk03", "ID": "c4"})
        self.check("Mount of a volume attached elsewhere: Err names %s" % i["other_instance_id"],
                   status == 500 and i["other_instance_id"] in rep.get("Err", ""), rep)
        st.control("POST", "/detach", {"volume_id": vid3})

        for name in ("dk01", "dk02", "dk03"):
            status, rep = req("Remove", {"Name": name})
            self.check("Remove %s" % name, status == 200 and not rep.get("Err"), rep)
        self.expect_ok("snapshot rm dksnap", self.rx("snapshot", "rm", "dksnap", drop=("EBS_ACCESSKEY", "EBS_SECRETKEY")))
        self.check("EC2: nothing of ours left",
                   not self.aws("describe-volumes", "--filters", "Name=tag:Name,Values=%s/*" % TAG)["Volumes"]
                   and not self.ec2_snapshots(tag_Name=TAG + "/*"))
        self.stop_daemon()

    def stop_daemon(self):
        if not self.daemon_pid:
            return
        pid, self.daemon_pid = self.daemon_pid, None
        try:
            subprocess.run([self.rexray, "stop"], env=self.env(), capture_output=True, timeout=70)
        except Exception:  # noqa: BLE001
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

    def cleanup(self):
        self.stop_daemon()
        for _, mp, _ in sorted(mounts(), key=lambda m: -len(m[1])):
            if mp.startswith(self.home + "/") or mp.startswith(self.stack.dir + "/"):
                subprocess.run(["umount", "-l", mp], capture_output=True)
        self.stack.stop()  # detaches its loop devices, removes dev/ sys/ backing/
        for dev, backing in loop_backing_files().items():
            if backing.startswith(self.tmp + "/"):
                subprocess.run(["losetup", "-d", dev], capture_output=True)

    def run(self):
        try:
            info = self.stack.start()
            self.check("EC2 stack up (%s mode, instance %s)" % (info["mode"], info["instance_id"]), True)
        except Exception as e:  # noqa: BLE001
            self.check("EC2 stack up", False, e)
            return
        for section in (self.options, self.cli, self.preempt, self.faults, self.docker):
            try:
                section()
            except Exception as e:  # noqa: BLE001 - one broken section must not hide the rest
                self.check("%s ran to the end" % section.__name__, False, repr(e))
                try:
                    self.stack.control("POST", "/faults/clear", {})
                except Exception:  # noqa: BLE001
                    pass
        self.stop_daemon()
        if self.r.failed:
            self.show_log_tail()

    def show_log_tail(self):
        log = os.path.join(self.home, "var/log/rexray/rexray.log")
        if os.path.exists(log):
            diag("last lines of %s:" % log)
            with open(log) as f:
                diag("".join(f.readlines()[-25:]))


def main_in_one_mode(run, tmp_prefix):
    """main() of a test that calls run(mode) once, in Xen mode, against its
    own EC2 stack: checks for the tools first, shows the daemon's last log
    lines when a check failed, and cleans up on every way out."""
    rexray = rexray_binary()
    if not rexray:
        return 2
    report = Report()
    python = python_with_moto()
    aws = shutil.which("aws")
    if not report.check("a python3 with moto and the aws CLI", python is not None and aws is not None):
        return report.finish()
    exit_on_signals()
    tmp = scratch_dir(tmp_prefix)
    m = Mode(report, rexray, python, aws, tmp, nitro=False)
    try:
        try:
            run(m)
        except Exception as e:  # noqa: BLE001
            report.check("the test ran to the end", False, repr(e))
        if report.failed:
            m.show_log_tail()
    finally:
        m.cleanup()
        leftovers, loops = leftovers_under(tmp)
        report.check("cleanup left no mount or loop device", not leftovers and not loops, (leftovers, loops))
        shutil.rmtree(tmp, ignore_errors=True)
    return report.finish()


def main():
    rexray = rexray_binary()
    if not rexray:
        return 2
    rexray = os.path.abspath(rexray)
    report = Report()
    python = python_with_moto()
    aws = shutil.which("aws")
    plugins = subprocess.run([rexray, "plugins", "ls"], capture_output=True, text=True)
    ok = report.check("the ebs plugin loads (rexray plugins ls)",
                      re.search(r"^ebs\s.*loaded", plugins.stdout, re.M) is not None, plugins.stdout + plugins.stderr)
    ok = report.check("a python3 with moto and botocore (for the EC2 stack)", python is not None) and ok
    ok = report.check("the aws CLI", aws is not None) and ok
    if not ok:
        return report.finish() or 1

    tmp = scratch_dir("rexray-ebs-it.")
    modes = []

    exit_on_signals()
    started = time.monotonic()
    try:
        for nitro in (False, True):
            m = Mode(report, rexray, python, aws, tmp, nitro)
            modes.append(m)
            try:
                m.run()
            finally:
                m.cleanup()
        leftovers = [mp for _, mp, _ in mounts() if mp.startswith(tmp + "/")]
        loops = [d for d, b in loop_backing_files().items() if b.startswith(tmp + "/")]
        report.check("cleanup left no mount or loop device", not leftovers and not loops, (leftovers, loops))
        diag("%.1f s" % (time.monotonic() - started))
        return report.finish()
    finally:
        for m in modes:
            try:
                m.cleanup()
            except Exception as e:  # noqa: BLE001
                diag("cleanup: %s" % e)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
