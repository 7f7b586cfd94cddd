#!/usr/bin/python3
"""The Docker managed plugin: packaging/docker-plugin/make_plugin.py builds
the `vfs` plugin from this build, and a private dockerd (dockerd_harness.py)
creates and enables it, makes a volume with it, writes from one container,
restarts the plugin (with a setting changed through `docker plugin set`),
reads the data back from another, then disables and removes it. With the
ebs plugin built, it also enables that one with a secret set and its backend
unreachable, and finds the secret in none of the log lines.

Env: BUILD (the build directory). Needs root, dockerd/containerd/runc,
/bin/busybox (static), unshare/nsenter, losetup. Never pulls images.
"""

import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerd_harness as harness  # noqa: E402
from testkit import Report, diag, poll  # noqa: E402

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAKE_PLUGIN = os.path.join(SOURCE, "packaging", "docker-plugin", "make_plugin.py")
PLUGIN = "rexray/vfs:test"
EBS_PLUGIN = "rexray/ebs:test"
CANARY = "canary-secret-0123456789"  # set with docker plugin set
FILE_CANARY = "canary-file-secret-9876543210"  # in a config.yml the plugin mounts
IMAGE = "rexray-plugin-busybox"


def out_of(r):
    return "exit %s; stdout: %s; stderr: %s" % (r.returncode, r.stdout.strip(), r.stderr.strip())


def mount_type(pd, volume):
    """The filesystem type a container sees at /data for the volume."""
    r = pd.docker("run", "--rm", "-v", volume + ":/data", IMAGE, "cat", "/proc/mounts")
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) > 2 and f[1] == "/data":
            return f[2]
    return out_of(r)


def assemble(report, pd, build, driver):
    """(plugin dir, its config.json) from make_plugin.py; None if it failed."""
    plugin_dir = os.path.join(pd.tmp, "plugin-" + driver)
    r = subprocess.run([sys.executable, MAKE_PLUGIN, "--build", build, "--driver", driver,
                        "--out", plugin_dir], capture_output=True, text=True, timeout=120)
    if not report.check("make_plugin.py assembles the %s plugin" % driver, r.returncode == 0,
                        out_of(r)):
        return None
    with open(os.path.join(plugin_dir, "config.json")) as f:
        return plugin_dir, json.load(f)


def run(report, pd, build):
    pd.start()
    assembled = assemble(report, pd, build, "vfs")
    if not assembled:
        return
    plugin_dir, config = assembled
    settable = {e["name"] for e in config["env"] if "value" in e.get("settable", [])}
    report.check("config.json: socket, propagated mount, CAP_SYS_ADMIN, /dev",
                 config["interface"]["socket"] == "rexray.sock"
                 and config["propagatedMount"] == "/var/lib/rexray"
                 and config["linux"]["capabilities"] == ["CAP_SYS_ADMIN"]
                 and any(m["source"] == "/dev" for m in config["mounts"]), json.dumps(config))
    report.check("config.json: REXRAY_LOGLEVEL, REXRAY_FSTYPE, REXRAY_PREEMPT and VFS_ROOT "
                 "are settable", {"REXRAY_LOGLEVEL", "REXRAY_FSTYPE", "REXRAY_PREEMPT",
                                  "VFS_ROOT"} <= settable, sorted(settable))
    for name in ("usr/bin/rexray", "usr/sbin/mkfs.ext4", "usr/sbin/mkfs.xfs"):
        report.check("the rootfs has /%s" % name,
                     os.access(os.path.join(plugin_dir, "rootfs", name), os.X_OK))

    r = pd.docker("plugin", "create", PLUGIN, plugin_dir, timeout=300)
    if not report.check("docker plugin create", r.returncode == 0, out_of(r)):
        return
    r = pd.docker("plugin", "enable", PLUGIN, timeout=120)
    if not report.check("docker plugin enable", r.returncode == 0, out_of(r)):
        return
    pd.import_busybox(IMAGE)

    r = pd.docker("volume", "create", "-d", PLUGIN, "--opt", "size=1", "--name", "pv")
    report.check("docker volume create -d %s" % PLUGIN, r.returncode == 0
                 and r.stdout.strip() == "pv", out_of(r))
    r = pd.docker("run", "--rm", "-v", "pv:/data", IMAGE, "sh", "-c",
                  "echo managed > /data/f && cat /data/f")
    report.check("a container writes to the volume", r.returncode == 0
                 and r.stdout.strip() == "managed", out_of(r))
    report.check("new volumes are ext4 by default", mount_type(pd, "pv") == "ext4",
                 mount_type(pd, "pv"))

    r = pd.docker("plugin", "disable", "-f", PLUGIN, timeout=120)
    report.check("docker plugin disable", r.returncode == 0, out_of(r))
    r = pd.docker("plugin", "set", PLUGIN, "REXRAY_FSTYPE=xfs")
    report.check("docker plugin set REXRAY_FSTYPE=xfs", r.returncode == 0, out_of(r))
    r = pd.docker("plugin", "enable", PLUGIN, timeout=120)
    report.check("docker plugin enable again", r.returncode == 0, out_of(r))

    r = pd.docker("run", "--rm", "-v", "pv:/data", IMAGE, "cat", "/data/f")
    report.check("after the restart a container reads the data back",
                 r.returncode == 0 and r.stdout.strip() == "managed", out_of(r))
    r = pd.docker("volume", "create", "-d", PLUGIN, "--opt", "size=1", "--name", "pv2")
    report.check("a second volume is created", r.returncode == 0, out_of(r))
    report.check("... as xfs, the setting made with docker plugin set",
                 mount_type(pd, "pv2") == "xfs", mount_type(pd, "pv2"))

    log = harness._read(pd.log_path)
    report.check("the plugin's log reaches Docker's (stderr, not a file in the plugin)",
                 "REX-Ray is ready" in log, pd.log_tail(20))

    for volume in ("pv", "pv2"):
        r = pd.docker("volume", "rm", volume)
        report.check("docker volume rm %s" % volume, r.returncode == 0, out_of(r))
    r = pd.docker("plugin", "disable", PLUGIN, timeout=120)
    report.check("docker plugin disable (no volume left)", r.returncode == 0, out_of(r))
    r = pd.docker("plugin", "rm", PLUGIN, timeout=120)
    report.check("docker plugin rm", r.returncode == 0, out_of(r))
    if os.path.exists(os.path.join(build, "lib/rexray/plugins/librexray-ebs.so")):
        secrets(report, pd, build)
    r = pd.docker("plugin", "ls", "--format", "{{.Name}}")
    report.check("no plugin left", r.returncode == 0 and r.stdout.strip() == "", out_of(r))


def secrets(report, pd, build):
    """The ebs plugin with one secret set through `docker plugin set` and one
    in a config.yml of a mounted host directory, its backend unreachable
    (loopback only) so that it logs errors while it retries, at debug level:
    neither secret is in any of its log lines."""
    assembled = assemble(report, pd, build, "ebs")
    if not assembled:
        return
    plugin_dir, config = assembled
    env = {e["name"]: e for e in config["env"]}
    report.check("the ebs plugin's secret key is settable and described as redacted",
                 "value" in env.get("EBS_SECRETKEY", {}).get("settable", [])
                 and "redacted" in env["EBS_SECRETKEY"]["description"], sorted(env))
    r = pd.docker("plugin", "create", EBS_PLUGIN, plugin_dir, timeout=300)
    if not report.check("docker plugin create %s" % EBS_PLUGIN, r.returncode == 0, out_of(r)):
        return
    etc = os.path.join(pd.tmp, "ebs-etc")
    os.makedirs(etc)
    with open(os.path.join(etc, "config.yml"), "w") as f:
        f.write("ebs:\n  accessKey: AKIDEXAMPLE\n  secretKey: %s\n" % FILE_CANARY)
    r = pd.docker("plugin", "set", EBS_PLUGIN, "config.source=" + etc, "REXRAY_LOGLEVEL=debug",
                  "EBS_ENDPOINT=http://127.0.0.1:9", "EBS_METADATAENDPOINT=http://127.0.0.1:9",
                  "EBS_REGION=us-east-1", "EBS_SESSIONTOKEN=" + CANARY)
    report.check("docker plugin set: a secret, and the directory of a config.yml with another",
                 r.returncode == 0, out_of(r))
    r = pd.docker("plugin", "enable", EBS_PLUGIN, timeout=120)
    report.check("docker plugin enable %s" % EBS_PLUGIN, r.returncode == 0, out_of(r))
    # Once it has logged a failed attempt, its log has had the chance to leak.
    logged = poll(lambda: "service ebs is not available" in harness._read(pd.log_path), 60)
    report.check("the ebs plugin logs its unreachable backend", logged, pd.log_tail(20))
    log = harness._read(pd.log_path)
    report.check("the plugin read the mounted /etc/rexray/config.yml",
                 "configuration read from /etc/rexray/config.yml" in log, pd.log_tail(20))
    report.check("neither secret is in any of its log lines",
                 CANARY not in log and FILE_CANARY not in log, "found in dockerd.log")
    for args in (("disable", "-f", EBS_PLUGIN), ("rm", EBS_PLUGIN)):
        r = pd.docker("plugin", *args, timeout=120)
        report.check("docker plugin %s" % " ".join(args), r.returncode == 0, out_of(r))


def main():
    report = Report()
    build = os.environ.get("BUILD")
    if not build or not os.access(os.path.join(build, "bin", "rexray"), os.X_OK):
        report.check("BUILD names a build directory with bin/rexray", False, repr(build))
        return report.finish()
    if os.geteuid() != 0:
        report.check("running as root", False, "euid %d" % os.geteuid())
        return report.finish()
    pd = harness.PrivateDocker(prefix="rexray-plugin.")

    def dump_logs():
        diag("--- dockerd log (tail) ---")
        diag(pd.log_tail(40))
    return harness.run_test(report, pd, lambda: run(report, pd, os.path.abspath(build)), dump_logs)

if __name__ == "__main__":
    sys.exit(main())
