#!/usr/bin/python3
"""Assembles a Docker managed plugin (`docker plugin create NAME DIR`) for one
REX-Ray driver: DIR/rootfs holds the rexray binary, the driver's plugin .so
(none for the built-in vfs), the mkfs tools, every shared library they load
(ldd), and the few /etc files they read; DIR/config.json declares the
plugin to Docker.

  make_plugin.py --build BUILD --driver NAME --out DIR [--create NAME[:TAG]]

The daemon runs as `rexray start -f --nopid` inside the plugin and serves
/run/docker/plugins/rexray.sock there (Docker's interface.socket); it logs to
stderr, which Docker keeps in its own log. /var/lib/rexray (state database,
mounts, vfs images) is the propagated mount, so volumes mounted inside show
up for containers and everything survives plugin restarts and upgrades.

Settings are environment variables, changed with `docker plugin set`:
REXRAY_LOGLEVEL, REXRAY_FSTYPE, REXRAY_PREEMPT, and each key the driver
declares (`rexray env --all` names them: EBS_REGION, ...). A secret is set
the same way (docker plugin set rexray/ebs EBS_SECRETKEY=...); REX-Ray
redacts it in its logs and errors. A secret may instead live in a
configuration file: mount a host directory with config.yml at /etc/rexray
(the `config` mount; `docker plugin set NAME config.source=/host/dir`),
which must exist when the plugin is enabled.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

# What the mount pipeline runs, found where it looks (/usr/sbin, /sbin, ...).
TOOLS = ["mkfs.ext4", "mke2fs", "mkfs.xfs"]
TOOL_DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
# Files the tools and the HTTP clients read, when the host has them.
ETC_FILES = ["/etc/mke2fs.conf", "/etc/ssl/certs/ca-certificates.crt", "/etc/nsswitch.conf"]
PLUGIN_DIR = "usr/lib/rexray/plugins"


def fail(message):
    sys.stderr.write("make_plugin: %s\n" % message)
    sys.exit(1)


def run(cmd, env=None):
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        fail("%s failed (exit %d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
    return r.stdout


def libraries(path):
    """The shared objects path loads, the dynamic loader included (ldd)."""
    out = []
    for line in run(["ldd", path]).splitlines():
        parts = line.split()
        if "=>" in parts:
            target = parts[parts.index("=>") + 1]
            if target.startswith("/"):
                out.append(target)
        elif parts and parts[0].startswith("/"):
            out.append(parts[0])
    return out


def copy_into(rootfs, path, at=None):
    """Copies path's content to the same place (or `at`) under rootfs."""
    dest = os.path.join(rootfs, (at or path).lstrip("/"))
    if os.path.exists(dest):
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copy2(os.path.realpath(path), dest)


def find_tool(name):
    for d in TOOL_DIRS:
        if os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    return None


def driver_settings(rexray, plugin_dir, driver):
    """[(ENV_NAME, description, secret)] of the driver's own keys: their names
    as `rexray env --all` gives them for a service of that driver, described
    by the plugin's schema (`rexray plugins ls --format json`)."""
    home = tempfile.mkdtemp(prefix="rexray-plugin-env.")
    try:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("REXRAY_", "VOLUME_", "LIBSTORAGE_", driver.upper() + "_"))}
        env.update(REXRAY_HOME=home, HOME=home, REXRAY_STORAGEDRIVERS=driver)
        flags = ["--rexrayPluginsPath", plugin_dir] if plugin_dir else []
        lines = run([rexray, "env", "--all"] + flags, env=env).splitlines()
        plugins = json.loads(run([rexray, "plugins", "ls", "--format", "json"] + flags, env=env))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    schema = next((p for p in plugins if p["name"] == driver
                   or driver in p.get("aliases", "").split(",")), None)
    if not schema:
        fail("rexray plugins ls shows no plugin for the driver %s" % driver)
    keys = {}
    for key in schema["configuration"]:
        # How the key is spelled as a variable: the name env --all prints.
        keys[("%s_%s" % (driver, key["key"])).upper().replace(".", "_")] = key
    out = []
    for line in lines:
        name = line.partition("=")[0]
        if name in keys:
            out.append((name, keys[name]["description"], keys[name]["secret"]))
    return out


def config_json(driver, settings):
    env = [
        {"name": "REXRAY_STORAGEDRIVERS", "description": "the driver this plugin serves",
         "settable": [], "value": driver},
        {"name": "REXRAY_LOGLEVEL", "description": "debug, info, warn or error",
         "settable": ["value"], "value": "info"},
        {"name": "REXRAY_FSTYPE", "description": "filesystem made on new volumes (ext4, xfs)",
         "settable": ["value"], "value": "ext4"},
        {"name": "REXRAY_PREEMPT", "description": "take over volumes attached to other hosts",
         "settable": ["value"], "value": "false"},
    ]
    for name, description, secret in settings:
        # No value: unset unless `docker plugin set`, so the driver's default holds.
        env.append({"name": name, "settable": ["value"],
                    "description": description + (" (secret: redacted in logs)" if secret else "")})
    mounts = [{"name": "dev", "description": "block devices (loop, cloud disks)",
               "type": "bind", "source": "/dev", "destination": "/dev",
               "options": ["rbind"]}]
    if driver != "vfs":
        mounts.append({"name": "config", "description": "a host directory with config.yml "
                       "(secrets kept in a file)", "type": "bind", "source": "/etc/rexray",
                       "destination": "/etc/rexray", "options": ["rbind", "ro"],
                       "settable": ["source"]})
    return {
        "description": "REX-Ray volume plugin for the %s driver" % driver,
        "documentation": "https://rexray.readthedocs.io/",
        "entrypoint": ["/usr/bin/rexray", "start", "-f", "--nopid"],
        "workdir": "/",
        "env": env,
        "interface": {"socket": "rexray.sock", "types": ["docker.volumedriver/1.0"]},
        "linux": {"capabilities": ["CAP_SYS_ADMIN"], "allowAllDevices": True},
        "mounts": mounts,
        "network": {"type": "host"},
        "propagatedMount": "/var/lib/rexray",
    }


def assemble(build, driver, out):
    rexray = os.path.join(build, "bin", "rexray")
    if not os.access(rexray, os.X_OK):
        fail("no rexray binary at %s (build first)" % rexray)
    if not driver.replace("-", "").replace("_", "").isalnum():
        fail("driver name %r is not a plugin name" % driver)
    so = os.path.join(build, "lib", "rexray", "plugins", "librexray-%s.so" % driver)
    plugin_dir = os.path.dirname(so) if os.path.exists(so) else None
    if not plugin_dir and driver != "vfs":
        fail("no plugin %s (is %s in REXRAY_PLUGINS?)" % (so, driver))
    settings = driver_settings(rexray, plugin_dir, driver)

    if os.path.exists(out):
        shutil.rmtree(out)
    rootfs = os.path.join(out, "rootfs")
    for d in ("dev", "proc", "sys", "tmp", "etc/rexray", "run/docker/plugins", "var/lib/rexray",
              "var/log/rexray", "var/run/rexray", PLUGIN_DIR):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
    binaries = [(rexray, "/usr/bin/rexray")]
    if plugin_dir:
        binaries.append((so, "/" + PLUGIN_DIR + "/" + os.path.basename(so)))
    for tool in TOOLS:
        path = find_tool(tool)
        if not path:
            fail("%s not found in %s (install e2fsprogs and xfsprogs)" % (tool, ", ".join(TOOL_DIRS)))
        binaries.append((path, "/usr/sbin/" + tool))
    strip = shutil.which("strip")
    for source, at in binaries:
        copy_into(rootfs, source, at)
        if strip and at.startswith(("/usr/bin/", "/" + PLUGIN_DIR)):
            run([strip, "--strip-unneeded", os.path.join(rootfs, at.lstrip("/"))])
        for lib in libraries(source):
            copy_into(rootfs, lib)
    for f in ETC_FILES:
        if os.path.exists(f):
            copy_into(rootfs, f)
    with open(os.path.join(rootfs, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/:/bin/false\n")
    with open(os.path.join(rootfs, "etc/group"), "w") as f:
        f.write("root:x:0:\n")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config_json(driver, settings), f, indent=2)
        f.write("\n")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="the build directory")
    parser.add_argument("--driver", required=True, help="vfs, ebs, virtualbox, scaleio ...")
    parser.add_argument("--out", required=True, help="the plugin directory to write")
    parser.add_argument("--create", metavar="NAME",
                        help="then `docker plugin create NAME DIR` (DOCKER_HOST applies)")
    parser.add_argument("--docker", default=shutil.which("docker") or "docker")
    args = parser.parse_args()
    out = assemble(os.path.abspath(args.build), args.driver, os.path.abspath(args.out))
    print("plugin directory: %s" % out)
    if args.create:
        run([args.docker, "plugin", "create", args.create, out])
        print("created %s; enable it with: docker plugin enable %s" % (args.create, args.create))


if __name__ == "__main__":
    main()
