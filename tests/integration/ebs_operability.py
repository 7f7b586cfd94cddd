#!/usr/bin/python3
"""The ebs driver as an operator sees it, against the EC2 test stack
(tests/emulators/ec2/): nothing secret in a debug log, the driver's log lines
carry the request's ID, and slow operations show progress on a terminal only.

  secrets    a full lifecycle at debug level with JSON logs, through the CLI
             alone and through the daemon's Docker socket and control API
             (create, mount with mkfs, unmount, snapshot, attach, detach,
             remove): the configured EBS secret key appears in no log line and
             no CLI output; every daemon log line parses as JSON
  requestid  the driver's own lines (EC2 calls) during a Docker Mount carry
             the X-Request-Id the client sent
  progress   CreateVolume held 2.5 s by the stack: `rexray volume create` on a
             pty shows "creating NAME... Ns" and erases it; off a terminal it
             prints the table only, nothing on stderr

Env: REXRAY (the binary, with librexray-ebs.so in its plugin directory).
Needs root, a python3 with moto and the aws CLI. Only 127.0.0.1 is contacted.
"""

import json
import os
import pty
import re
import select
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ebs_lifecycle import START_BANNER, main_in_one_mode, out_of  # noqa: E402
from testkit import UnixHTTPConnection  # noqa: E402

DEBUG_JSON = {"REXRAY_LOGLEVEL": "debug", "REXRAY_LOGFORMAT": "json"}


def docker(sock, method, body, request_id):
    conn = UnixHTTPConnection(sock, timeout=150)
    try:
        conn.request("POST", "/VolumeDriver." + method, body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json", "X-Request-Id": request_id})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read().decode() or "{}")
    finally:
        conn.close()


def on_pty(argv, env, timeout=120):
    """(exit code, everything written to the terminal)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def run(m):
    r = m.r
    info = m.stack.start()
    secret = info["secret_key"]
    r.check("EC2 stack up; the secret key is %d characters" % len(secret), len(secret) >= 16)
    outputs = []

    def rx(*args, **kw):
        p = m.rx(*args, extra=DEBUG_JSON, **kw)
        outputs.append((args, p))
        if p.returncode != 0:
            raise RuntimeError("rexray %s: %s" % (" ".join(args), out_of(p)))
        return p

    # The CLI alone (no daemon): the driver runs in the CLI's process.
    rx("volume", "create", "op1", "--size", "1")
    rx("volume", "mount", "op1")
    rx("volume", "unmount", "op1")
    rx("snapshot", "create", "op1", "op1-snap")
    rx("volume", "attach", "op1")
    rx("volume", "detach", "op1")
    driver_lines = [line for _, p in outputs for line in p.stderr.splitlines() if "[ebs/ebs]" in line]
    r.check("the CLI's stderr has the driver's debug lines, as JSON with a requestID (%d)" % len(driver_lines),
            driver_lines and all("requestID" in json.loads(line) for line in driver_lines), driver_lines[:2])

    # The daemon: Docker and the control API.
    started = m.rx("start", extra=DEBUG_JSON, timeout=90)
    pid = re.search(r"running at PID (\d+)", started.stdout)
    if not r.check("rexray start at debug level with JSON logs",
                   started.returncode == 0 and START_BANNER in started.stdout and pid, out_of(started)):
        return
    m.daemon_pid = int(pid.group(1))
    calls = [("Create", {"Name": "op2", "Opts": {"size": "1"}}), ("Mount", {"Name": "op2", "ID": "c1"}),
             ("Unmount", {"Name": "op2", "ID": "c1"}), ("Remove", {"Name": "op2"})]
    for method, body in calls:
        status, reply = docker(m.sock, method, body, "it-ebs-" + method.lower())
        r.check("Docker %s op2" % method, status == 200 and not reply.get("Err"), reply)
    rx("volume", "attach", "op1")
    rx("volume", "detach", "op1")
    rx("snapshot", "rm", "op1-snap")
    rx("volume", "rm", "op1")
    m.stop_daemon()

    log = os.path.join(m.home, "var/log/rexray/rexray.log")
    with open(log, errors="replace") as f:
        lines = f.read().splitlines()
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            parsed.append(None)
    r.check("every one of the daemon's %d log lines is JSON" % len(lines),
            lines and None not in parsed, [ln for ln, p in zip(lines, parsed) if p is None][:3])
    r.check("... with debug lines from the driver",
            any(p and p["level"] == "debug" and "[ebs/ebs]" in p["msg"] for p in parsed))
    leaks = [ln for ln in lines if secret in ln]
    r.check("the secret key appears in no line of the daemon's debug log", not leaks, leaks[:2])
    cli_leaks = [a for a, p in outputs if secret in p.stdout + p.stderr]
    r.check("... nor in any CLI output at debug level (%d commands)" % len(outputs), not cli_leaks, cli_leaks)
    mount_driver = [p for p in parsed if p and p.get("requestID") == "it-ebs-mount" and "[ebs/ebs]" in p["msg"]]
    r.check("the driver's own lines during the Docker Mount carry its X-Request-Id (%d)" % len(mount_driver),
            len(mount_driver) >= 1)
    mount_host = [p for p in parsed if p and p.get("requestID") == "it-ebs-mount" and "[ebs/ebs]" not in p["msg"]]
    r.check("... and so do the host's (%d)" % len(mount_host), len(mount_host) >= 1)

    # Progress: CreateVolume held 2.5 s.
    m.stack.control("POST", "/faults", {"delay_ms": 2500, "actions": ["CreateVolume"]})
    quiet = {"REXRAY_LOGLEVEL": "warn"}  # only what the command itself prints
    code, screen = on_pty([m.rexray, "volume", "create", "prog1", "--size", "1"], m.env(quiet))
    r.check("on a terminal, a slow create says what it waits for and for how long",
            code == 0 and re.search(r"creating prog1\.\.\. [12]s", screen), screen[-300:])
    r.check("... and erases that line before the result",
            "\r\x1b[K" in screen and re.search(r"\r\x1b\[K(ID\s+Name|\r?\n?ID)", screen.split("creating prog1")[-1]),
            repr(screen[-200:]))
    plain = m.rx("volume", "create", "prog2", "--size", "1", extra=quiet)
    r.check("off a terminal: the table only, nothing on stderr",
            plain.returncode == 0 and plain.stderr == "" and plain.stdout.startswith("ID ")
            and "creating" not in plain.stdout, out_of(plain))
    m.stack.control("POST", "/faults/clear", {})
    for name in ("prog1", "prog2"):
        r.check("remove %s" % name, m.rx("volume", "rm", name).returncode == 0)


def main():
    return main_in_one_mode(run, "rexray-ebs-ops.")


if __name__ == "__main__":
    sys.exit(main())
