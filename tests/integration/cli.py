#!/usr/bin/python3
"""The command line as an operator meets it (docs/cli.md), with the vfs
driver in the CLI's own process (no daemon):

  usage      exit codes 0/1/2/3; a mistyped command or flag names the wrong
             word and the nearest right one; --version; -h
  formats    --format/-o table|json|yaml on lists, version, env, status; an
             empty list is []; -q prints IDs only
  volumes    exact ID or name, /regex/, never a partial match; `rm A B C` goes
             on after a failure and reports it; mount of a missing name needs
             --create; --dryRun changes nothing; -i makes "already so" success
  devices    adapter types/instances; device format, mount, ls, unmount on a
             real loop device (refusing to format over a file system)
  env        REXRAY_DEBUG, REXRAY_FSTYPE and REXRAY_PREEMPT take effect;
             `env --all` lists core's and the plugin's keys
  docs       bash and zsh completion scripts are valid and complete words and
             flags from the command table; the man page names every command;
             the build's generated files match the binary

Env: REXRAY (the binary) or BUILD. Needs root (loop devices, mounts).
Python 3 standard library only. Prints "ok - ..."/"FAIL - ..." per check.
"""

import json
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from docker_protocol import hermetic_env  # noqa: E402
from testkit import Report, exit_on_signals, leftovers_under, rexray_binary, run_sections  # noqa: E402
from testkit import scratch_dir  # noqa: E402
from testkit import detach_loops_under, unmount_under  # noqa: E402


class Cli:
    def __init__(self, report, rexray, home):
        self.r = report
        self.rexray = rexray
        self.home = home

    def rx(self, *args, env=None, timeout=120):
        return subprocess.run([self.rexray, *args], env=hermetic_env(self.home, env), capture_output=True,
                              text=True, timeout=timeout)

    def json(self, *args, **kw):
        p = self.rx(*args, "--format", "json", **kw)
        if p.returncode != 0:
            raise RuntimeError("rexray %s: %s %s" % (" ".join(args), p.returncode, p.stderr))
        return json.loads(p.stdout)

    def expect(self, what, p, code, stderr=None, stdout=None):
        ok = p.returncode == code and (stderr is None or re.search(stderr, p.stderr)) and \
            (stdout is None or re.search(stdout, p.stdout))
        return self.r.check(what, ok, "exit %s; stdout %r; stderr %r" % (p.returncode, p.stdout[-400:],
                                                                           p.stderr[-400:]))

    # -- sections
    def usage(self):
        self.expect("`rexray volum ls`: exit 2, names the word and suggests 'volume'",
                    self.rx("volum", "ls"), 2, r"unknown command 'volum'; did you mean 'volume'\?")
        self.expect("`rexray volume lss`: suggests 'volume ls'", self.rx("volume", "lss"), 2,
                    r"unknown command 'volume lss'; did you mean 'volume ls'\?")
        self.expect("`rexray snapshto ls`: suggests 'snapshot'", self.rx("snapshto", "ls"), 2,
                    r"did you mean 'snapshot'\?")
        self.expect("`rexray frobnicate`: no suggestion when nothing is close", self.rx("frobnicate"), 2,
                    r"^rexray: unknown command 'frobnicate'\. See 'rexray --help'\.\n$")
        self.expect("`volume rm x --forse`: exit 2, suggests --force", self.rx("volume", "rm", "x", "--forse"),
                    2, r"unknown flag --forse for 'rexray volume rm'; did you mean --force\?")
        self.expect("--format xml: a usage error (2)", self.rx("volume", "ls", "--format", "xml"), 2,
                    r"unknown output format 'xml'")
        self.expect("--version prints the version, exit 0", self.rx("--version"), 0, stdout=r"SemVer: \d")
        self.expect("--version -o json", self.rx("--version", "-o", "json"), 0, stdout=r'"semVer"')
        self.expect("`rexray status` with no daemon: exit 3", self.rx("status"), 3, stdout="REX-Ray is stopped")
        self.expect("`rexray volume`: the group's commands, exit 0", self.rx("volume"), 0,
                    stdout=r"volume map.*\n(.*\n)*.*volume rm")
        self.expect("`rexray volume rm --help`: exit 0, lists --continueOnError? no; --dryRun yes",
                    self.rx("volume", "rm", "--help"), 0, stdout=r"-n, --dryRun")
        self.expect("`rexray` alone: help and exit 2", self.rx(), 2, stdout="Commands:")
        self.expect("a failed operation: exit 1", self.rx("volume", "ls", "nosuchvolume"), 1, r"not found")

    def formats(self):
        for fmt, want in (("json", "[]\n"), ("yaml", "[]\n")):
            p = self.rx("volume", "ls", "--format", fmt)
            self.r.check("an empty volume list in %s is exactly []" % fmt, p.returncode == 0 and p.stdout == want,
                         repr(p.stdout))
        p = self.rx("volume", "ls", "-o", "json")
        self.r.check("-o is --format (kubectl)", p.returncode == 0 and p.stdout == "[]\n", repr(p.stdout))
        p = self.rx("status", "--format", "json")
        st = json.loads(p.stdout) if p.returncode == 3 else p.returncode
        self.r.check("status --format json: {running: false, pid: null}", st == {"running": False, "pid": None}, st)
        v = self.json("version")
        self.r.check("version --format json: binary, semVer, osArch, commit, formed, abi",
                     set(v) == {"binary", "semVer", "osArch", "commit", "formed", "abi"}, v)
        p = self.rx("version", "--format", "yaml")
        self.r.check("version --format yaml", p.returncode == 0 and re.search(r"^semVer: ", p.stdout, re.M), p.stdout)
        env = self.json("env")
        self.r.check("env --format json: an object of variables", env.get("REXRAY_HOME") == self.home, env)
        every = self.json("env", "--all")
        names = {e["name"] for e in every}
        self.r.check("env --all --format json: name, value, origin for core's keys and the plugin's",
                     {"REXRAY_LOGFORMAT", "REXRAY_METRICS_ADDRESS", "REXRAY_DEBUG", "VOLUME_MOUNT_PREEMPT"} <= names
                     and any(n.startswith("VFS_") for n in names)
                     and all(set(e) == {"name", "value", "origin"} for e in every), sorted(names))

    def volumes(self):
        for name in ("vol-data-2", "vol-data-21", "other"):
            self.expect("create %s" % name, self.rx("volume", "create", name, "--size", "1"), 0)
        ids = {v["name"]: v["id"] for v in self.json("volume", "ls")}
        one = self.json("volume", "ls", "vol-data-2")
        self.r.check("`volume ls vol-data-2` is that volume only, not vol-data-21",
                     [v["name"] for v in one] == ["vol-data-2"], one)
        self.expect("a partial name matches nothing: `volume ls vol-data` fails",
                    self.rx("volume", "ls", "vol-data"), 1, r"not found")
        by_id = self.json("volume", "ls", ids.get("other", "?"))
        self.r.check("an exact ID finds its volume", [v["name"] for v in by_id] == ["other"], by_id)
        rx = self.json("volume", "ls", "/^vol-data/")
        self.r.check("/^vol-data/ matches both vol-data volumes", sorted(v["name"] for v in rx) ==
                     ["vol-data-2", "vol-data-21"], rx)
        self.expect("a regex matching nothing is an error", self.rx("volume", "ls", "/^zzz/"), 1,
                    r"no volume matches /\^zzz/")
        p = self.rx("volume", "ls", "-q")
        self.r.check("-q prints the IDs only", p.returncode == 0 and sorted(p.stdout.split()) == sorted(ids.values()),
                     p.stdout)
        p = self.rx("volume", "rm", "--dryRun", "other")
        self.r.check("--dryRun says what it would do", p.returncode == 0 and
                     p.stdout == "would remove volume other (%s)\n" % ids.get("other"), p.stdout)
        self.r.check("... and does nothing", "other" in {v["name"] for v in self.json("volume", "ls")})
        self.expect("volume mount of a missing name: an error naming --create",
                    self.rx("volume", "mount", "newvol"), 1, r"volume 'newvol' does not exist \(add --create")
        self.r.check("... and nothing was created", "newvol" not in {v["name"] for v in self.json("volume", "ls")})
        p = self.rx("volume", "mount", "newvol", "--create")
        self.r.check("volume mount newvol --create: created and mounted, prints the path",
                     p.returncode == 0 and p.stdout.strip().endswith("/newvol/data")
                     and os.path.ismount(os.path.dirname(p.stdout.strip())), (p.stdout, p.stderr))
        p = self.rx("volume", "mount", "-i", "newvol")
        self.r.check("volume mount -i of a mounted volume: the path, no second count",
                     p.returncode == 0 and p.stdout.strip().endswith("/newvol/data"), p.stderr)
        self.expect("volume unmount newvol", self.rx("volume", "unmount", "newvol"), 0)
        self.expect("... once was enough (mount -i did not count): unmount -i is success",
                    self.rx("volume", "unmount", "-i", "newvol"), 0)
        self.r.check("... and it is unmounted", self.json("volume", "path", "newvol") == {"path": ""})
        self.expect("detach -i of a volume attached nowhere: success", self.rx("volume", "detach", "-i", "other"), 0)
        p = self.rx("volume", "rm", "vol-data-2", "nosuch", "/^vol-data-21$/")
        self.r.check("`rm A nosuch B`: exit 1, the missing one named", p.returncode == 1 and "nosuch" in p.stderr,
                     (p.returncode, p.stderr))
        left = {v["name"] for v in self.json("volume", "ls")}
        self.r.check("... and the others were removed anyway (like docker)",
                     "vol-data-2" not in left and "vol-data-21" not in left, left)
        self.expect("rm -i of a missing volume: success", self.rx("volume", "rm", "-i", "nosuch"), 0)
        self.expect("rm other newvol", self.rx("volume", "rm", "other", "newvol"), 0)

    def devices(self):
        types = self.rx("adapter", "types")
        self.r.check("adapter types lists vfs", types.returncode == 0 and re.search(r"^vfs\s", types.stdout, re.M),
                     types.stdout)
        inst = self.json("adapter", "instances")
        self.r.check("adapter instances: this host's ID in service vfs",
                     len(inst) == 1 and inst[0]["service"] == "vfs" and inst[0]["id"], inst)
        image = os.path.join(self.home, "dev.img")
        with open(image, "wb") as f:
            f.truncate(64 << 20)
        loop = subprocess.run(["losetup", "--find", "--show", image], capture_output=True, text=True).stdout.strip()
        if not self.r.check("a loop device for the device commands", loop.startswith("/dev/loop"), loop):
            return
        mp = os.path.join(self.home, "mnt")
        self.expect("device format -n: says so", self.rx("device", "format", loop, "-n"), 0,
                    stdout=r"^would format %s as ext4\n$" % loop)
        self.expect("device format: mkfs.ext4", self.rx("device", "format", loop), 0)
        self.expect("device format again: refused, it has a file system", self.rx("device", "format", loop), 1,
                    r"already has a file system \(ext4\); add --overwriteFS")
        self.expect("device mount DEVICE MOUNTPOINT (type probed)", self.rx("device", "mount", loop, mp), 0)
        self.r.check("... mounted", os.path.ismount(mp))
        listed = self.json("device", "ls", "--mountPoint", mp)
        self.r.check("device ls --mountPoint: that mount, its device and type",
                     len(listed) == 1 and listed[0]["device"] == loop and listed[0]["fsType"] == "ext4", listed)
        self.expect("device unmount", self.rx("device", "unmount", mp), 0)
        self.r.check("... unmounted", not os.path.ismount(mp))
        self.expect("device unmount -i of what is not mounted: success", self.rx("device", "unmount", "-i", mp), 0)
        self.expect("device unmount without -i: an error", self.rx("device", "unmount", mp), 1, r"not a mount point")

    def environment(self):
        every = {e["name"]: e for e in self.json("env", "--all", env={
            "REXRAY_FSTYPE": "xfs", "REXRAY_PREEMPT": "true", "REXRAY_DEBUG": "true"})}
        fs = every.get("VOLUME_CREATE_DEFAULT_FSTYPE", {})
        self.r.check("REXRAY_FSTYPE=xfs sets the default file system",
                     fs.get("value") == "xfs" and "REXRAY_FSTYPE" in fs.get("origin", ""), fs)
        pre = every.get("VOLUME_MOUNT_PREEMPT", {})
        self.r.check("REXRAY_PREEMPT=true sets volume.mount.preempt",
                     pre.get("value") == "true" and "REXRAY_PREEMPT" in pre.get("origin", ""), pre)
        p = self.rx("volume", "ls", env={"REXRAY_DEBUG": "true"})
        self.r.check("REXRAY_DEBUG=true logs at debug level", p.returncode == 0 and " Debug " in p.stderr,
                     p.stderr[-300:])
        p = self.rx("volume", "ls", env={"REXRAY_LOGFORMAT": "yaml"})
        self.expect("REXRAY_LOGFORMAT=yaml is refused, naming the key", p, 1, r"rexray.logFormat")
        p = self.rx("volume", "ls", "--logFormat", "json", "--logLevel", "debug")
        lines = [line for line in p.stderr.splitlines() if line.strip()]
        self.r.check("--logFormat json: every stderr line is JSON (%d)" % len(lines),
                     p.returncode == 0 and lines and all(json.loads(line)["level"] for line in lines), p.stderr[-300:])

    def docs(self):
        build = os.environ.get("BUILD", os.path.dirname(os.path.dirname(self.rexray)))
        p = self.rx("completion", "bash")
        script = p.stdout
        self.r.check("completion bash: exit 0", p.returncode == 0 and "complete -F _rexray rexray" in script)
        check = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
        self.r.check("... and bash accepts its syntax", check.returncode == 0, check.stderr)

        def complete(*words):
            prog = script + "\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_rexray\necho \"${COMPREPLY[*]}\"\n" % (
                " ".join("'%s'" % w for w in words), len(words) - 1)
            out = subprocess.run(["bash", "-c", prog], text=True, capture_output=True)
            return out.stdout.split()

        self.r.check("bash: `rexray vol<TAB>` completes volume", complete("rexray", "vol") == ["volume"],
                     complete("rexray", "vol"))
        got = complete("rexray", "volume", "")
        self.r.check("bash: `rexray volume <TAB>` offers the volume commands and aliases",
                     {"ls", "map", "create", "rm", "attach", "mount", "path", "get", "new"} <= set(got), got)
        got = complete("rexray", "volume", "rm", "--")
        self.r.check("bash: `rexray volume rm --<TAB>` offers its flags and the global ones",
                     {"--force", "--dryRun", "--idempotent", "--format"} <= set(got), got)
        got = complete("rexray", "volume", "ls", "--format", "")
        self.r.check("bash: --format <TAB> offers table json yaml", got == ["table", "json", "yaml"], got)
        zsh = self.rx("completion", "zsh")
        self.r.check("completion zsh: a #compdef rexray function", zsh.returncode == 0 and
                     zsh.stdout.startswith("#compdef rexray") and "('volume') next=( 'attach:Attach volumes" in zsh.stdout)
        if shutil.which("zsh"):
            check = subprocess.run(["zsh", "-n"], input=zsh.stdout, text=True, capture_output=True)
            self.r.check("... and zsh accepts its syntax", check.returncode == 0, check.stderr)
        man = self.rx("__man").stdout
        help_text = self.rx("--help").stdout
        commands = re.findall(r"^  (\S+(?: \S+)?)\s{2,}", help_text.split("Commands:")[1].split("Global flags")[0],
                              re.M)
        missing = [c for c in commands if "\\fBrexray %s\\fR" % c.replace("-", "\\-") not in man]
        self.r.check("the man page has every command of --help (%d)" % len(commands),
                     len(commands) > 25 and not missing, missing)
        self.r.check("the man page documents the exit codes", ".SH EXIT STATUS" in man and "\\fB3\\fR" in man)
        if shutil.which("groff"):
            g = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=man, text=True, capture_output=True)
            self.r.check("groff reads the man page without a warning", g.returncode == 0 and not g.stderr, g.stderr)
        for rel, args in (("share/man/man1/rexray.1", ["__man"]),
                          ("share/bash-completion/completions/rexray", ["completion", "bash"]),
                          ("share/zsh/vendor-completions/_rexray", ["completion", "zsh"])):
            path = os.path.join(build, rel)
            same = os.path.exists(path) and open(path).read() == self.rx(*args).stdout
            self.r.check("the build generated %s from the binary" % rel, same, path)


def main():
    rexray = rexray_binary()
    if not rexray:
        return 2
    report = Report()
    home = scratch_dir("rexray-cli.")
    exit_on_signals()
    try:
        c = Cli(report, rexray, home)
        run_sections(report, [c.usage, c.formats, c.volumes, c.devices, c.environment, c.docs])
    finally:
        unmount_under(home)
        detach_loops_under(home)
        leftovers, loops = leftovers_under(home)
        report.check("cleanup left no mount or loop device", not leftovers and not loops, (leftovers, loops))
        shutil.rmtree(home, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
