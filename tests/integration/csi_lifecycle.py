#!/usr/bin/python3
"""The CSI front end of `rexray start`, end to end, on vfs and on ebs against
the EC2 test stack (moto behind our SigV4 proxy, with loop-device hot-plug):

  vfs      rexray start with CSI_ENDPOINT binds the socket (mode 0660); the
           CSI client (rexray_csi_check) takes a volume through create,
           ControllerPublish, stage, publish, data written and read back,
           stats, ControllerExpand + NodeExpand (xfs_growfs), unpublish,
           unstage, ControllerUnpublish, snapshot, delete, each step 10 times,
           and provokes every error code the spec names for them
           (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION,
           RESOURCE_EXHAUSTED at the attach limit, ABORTED, OUT_OF_RANGE);
           GetCapacity is offered (the free space of the vfs root), topology
           is not; rexray stop removes the socket. A bad rexray.csi.mode
           refuses to start, naming the key.
  ebs      the same client against rexray.ebs: topology (the node's zone
           us-east-1a, the volume created with it as its requisite topology
           and accessible there; another zone RESOURCE_EXHAUSTED), publishing
           to the stack's other instance (and FAILED_PRECONDITION naming the
           node that holds it), the attach limit on that instance, every
           code as on vfs, GetCapacity UNIMPLEMENTED; EC2 (moto) saw
           ModifyVolume and an AttachVolume to the other instance, and the
           volume is gone afterwards.

Env: REXRAY (the binary), CSI_CHECK (the client; default
$BUILD/bin/rexray_csi_check). Needs root, mkfs.xfs, a python3 with moto and
the aws CLI for the ebs part. Only 127.0.0.1 is contacted. Every exit path
stops the daemons and the stack and removes what it made.
"""

import os
import re
import shutil
import stat
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ebs_lifecycle import START_BANNER, Mode, out_of, python_with_moto  # noqa: E402
from testkit import Report, diag, exit_on_signals, leftovers_under, poll, rexray_binary  # noqa: E402
from testkit import scratch_dir  # noqa: E402


def csi_check_binary():
    path = os.environ.get("CSI_CHECK") or os.path.join(os.environ.get("BUILD", "build"), "bin",
                                                       "rexray_csi_check")
    return os.path.abspath(path) if os.path.exists(path) else None


# The attach limit both daemons run with (rexray.csi.maxVolumesPerNode): the
# client publishes one volume more than this to one node.
MAX_VOLUMES_PER_NODE = "2"


def run_client(report, client, endpoint, work, plugin, extra_args=()):
    """Runs the CSI client; each of its lines becomes a check. Returns the volume ID."""
    os.makedirs(work, exist_ok=True)
    r = subprocess.run([client, "--endpoint", endpoint, "--work", work, "--plugin", plugin,
                        "--fs", "xfs", *extra_args], capture_output=True, text=True, timeout=900)
    volume = None
    for line in r.stdout.splitlines():
        if line.startswith("ok - ") or line.startswith("FAIL - "):
            report.check("%s: %s" % (plugin, line.split(" - ", 1)[1]), line.startswith("ok - "))
        elif line.startswith("volume-id: "):
            volume = line.split(": ", 1)[1].strip()
    last = (r.stdout.strip().splitlines() or [""])[-1]
    report.check("%s: the CSI client ran to the end" % plugin, re.match(r"^\d+ failed$", last) is not None,
                 out_of(r))
    return volume


def socket_mode(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISSOCK(st.st_mode) else None


class VfsDaemon:
    def __init__(self, rexray, tmp):
        self.rexray = rexray
        self.home = os.path.join(tmp, "home-vfs")
        self.socket = os.path.join(tmp, "csi", "vfs.sock")
        os.makedirs(self.home)

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("REXRAY_", "VOLUME_", "LIBSTORAGE_", "DEVICE_", "CSI_"))}
        env.update({"REXRAY_HOME": self.home, "HOME": self.home, "REXRAY_STORAGEDRIVERS": "vfs",
                    "REXRAY_LOGLEVEL": "info", "CSI_ENDPOINT": "unix://" + self.socket,
                    "REXRAY_CSI_MAXVOLUMESPERNODE": MAX_VOLUMES_PER_NODE})
        env.update(extra or {})
        return env

    def rx(self, *args, extra=None, timeout=120):
        return subprocess.run([self.rexray, *args], env=self.env(extra), capture_output=True,
                              text=True, timeout=timeout)

    def stop(self):
        self.rx("stop", timeout=70)


def vfs_section(report, rexray, client, tmp):
    d = VfsDaemon(rexray, tmp)
    bad = d.rx("start", extra={"REXRAY_CSI_MODE": "sideways"})
    report.check("vfs: rexray.csi.mode sideways refuses the start, naming the key",
                 bad.returncode != 0 and "rexray.csi.mode" in bad.stdout + bad.stderr, out_of(bad))
    report.check("... and leaves no CSI socket", not os.path.exists(d.socket))
    started = d.rx("start")
    try:
        if not report.check("vfs: rexray start with CSI_ENDPOINT",
                            started.returncode == 0 and START_BANNER in started.stdout, out_of(started)):
            return
        report.check("vfs: the CSI socket is there with mode 0660", socket_mode(d.socket) == 0o660,
                     socket_mode(d.socket))
        run_client(report, client, d.socket, os.path.join(tmp, "work-vfs"), "rexray.vfs",
                   ("--capacity", "yes"))
    finally:
        d.stop()
    report.check("vfs: rexray stop removes the CSI socket",
                 poll(lambda: not os.path.exists(d.socket), 10, 0.05))


def ebs_section(report, rexray, client, tmp):
    python = python_with_moto()
    aws = shutil.which("aws")
    if not report.check("ebs: a python3 with moto and the aws CLI", python is not None and aws is not None):
        return
    m = Mode(report, rexray, python, aws, tmp, nitro=True)
    socket = os.path.join(tmp, "csi", "ebs.sock")
    try:
        info = m.stack.start()
        report.check("ebs: EC2 stack up (instance %s)" % info["instance_id"], True)
        started = m.rx("start", extra={"CSI_ENDPOINT": socket,
                                       "REXRAY_CSI_MAXVOLUMESPERNODE": MAX_VOLUMES_PER_NODE},
                       timeout=90)
        pid = re.search(r"running at PID (\d+)", started.stdout)
        if not report.check("ebs: rexray start with CSI_ENDPOINT",
                            started.returncode == 0 and pid is not None, out_of(started)):
            return
        m.daemon_pid = int(pid.group(1))
        m.stack.reset_calls()
        volume = run_client(report, client, socket, os.path.join(tmp, "work-ebs"), "rexray.ebs",
                            ("--zone", info["availability_zone"], "--capacity", "no",
                             "--other-node", info["other_instance_id"]))
        calls = m.stack.calls()
        report.check("ebs: EC2 saw ModifyVolume (the expansion)", calls.get("ModifyVolume", 0) >= 1, calls)
        attached_other = [e for e in m.stack.control("GET", "/log?n=1000")
                          if e.get("action") == "AttachVolume" and e.get("status") == 200
                          and e.get("instance_id") == info["other_instance_id"]]
        report.check("ebs: EC2 attached a volume to the other instance", len(attached_other) >= 1,
                     len(attached_other))
        report.check("ebs: the volume is gone from EC2 afterwards",
                     volume is not None and m.ec2_volume(volume) is None, volume)
        m.stop_daemon()
        report.check("ebs: rexray stop removes the CSI socket",
                     poll(lambda: not os.path.exists(socket), 10, 0.05))
    finally:
        m.cleanup()


def main():
    rexray = rexray_binary()
    client = csi_check_binary()
    if not rexray:
        return 2
    report = Report()
    if not report.check("the CSI client (rexray_csi_check) is built", client is not None):
        return report.finish()
    exit_on_signals()
    tmp = scratch_dir("rexray-csi-it.")
    try:
        for section in (vfs_section, ebs_section):
            try:
                section(report, rexray, client, tmp)
            except Exception as e:  # noqa: BLE001 - one broken section must not hide the other
                report.check("%s ran to the end" % section.__name__, False, repr(e))
    finally:
        leftovers, loops = leftovers_under(tmp)
        for mp in sorted(leftovers, key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True)
        report.check("cleanup left no mount or loop device", not leftovers and not loops,
                     (leftovers, loops))
        if report.failed:
            for log in ("home-vfs/var/log/rexray/rexray.log", "home-nitro/var/log/rexray/rexray.log"):
                path = os.path.join(tmp, log)
                if os.path.exists(path):
                    diag("last lines of %s:" % path)
                    with open(path) as f:
                        diag("".join(f.readlines()[-25:]))
        shutil.rmtree(tmp, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
